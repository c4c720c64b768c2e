//! `app/proxy.rs`: its `proxy` function, checked to be there, and its `MATCHER`, read as
//! the list of path patterns Next.js's `config.matcher` would be. One small file, so a
//! full `syn` parse.

use crate::conventions::{MATCHER_CONST, PROXY_FN};
use crate::diagnostic::{Diagnostics, Location};
use crate::messages;

/// What the proxy file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyAnalysis {
    /// `pub async fn proxy` (or a `pub use … as proxy`) is there.
    pub has_proxy: bool,
    /// `pub const MATCHER`'s patterns; `None` without one: every request.
    pub matcher: Option<Vec<String>>,
}

pub fn analyze(source: &str, path: &str, diagnostics: &mut Diagnostics) -> ProxyAnalysis {
    let mut analysis = ProxyAnalysis::default();
    let file = match syn::parse_file(source) {
        Ok(file) => file,
        Err(err) => {
            let start = err.span().start();
            diagnostics.push(
                messages::unparsable_route_file(path, &err.to_string()).at(Location::at(
                    path,
                    start.line,
                    start.column + 1,
                )),
            );
            // Included as it is, so rustc reports the error; nothing runs before routing.
            analysis.has_proxy = true;
            return analysis;
        }
    };
    let mut private_fn = None;
    for item in &file.items {
        match item {
            syn::Item::Fn(function) if function.sig.ident == PROXY_FN => {
                if is_pub(&function.vis) {
                    analysis.has_proxy = true;
                } else {
                    private_fn = Some(function.sig.ident.span());
                }
            }
            syn::Item::Use(item) if is_pub(&item.vis) && exports_proxy(&item.tree) => {
                analysis.has_proxy = true;
            }
            syn::Item::Const(constant) if constant.ident == MATCHER_CONST => {
                let start = constant.ident.span().start();
                let location = Location::at(path, start.line, start.column + 1);
                if !is_pub(&constant.vis) {
                    diagnostics.push(messages::private_matcher(path).at(location));
                    continue;
                }
                match string_literals(&constant.expr) {
                    Some(patterns) => {
                        for pattern in &patterns {
                            if let Some(why) = matcher_problem(pattern) {
                                diagnostics.push(
                                    messages::invalid_matcher(path, pattern, &why)
                                        .at(location.clone()),
                                );
                            }
                        }
                        analysis.matcher = Some(patterns);
                    }
                    None => diagnostics.push(messages::matcher_not_literal(path).at(location)),
                }
            }
            _ => {}
        }
    }
    if !analysis.has_proxy {
        let location = match private_fn {
            Some(span) => {
                let start = span.start();
                Location::at(path, start.line, start.column + 1)
            }
            None => Location::path(path),
        };
        diagnostics.push(messages::missing_proxy(path, private_fn.is_some()).at(location));
    }
    analysis
}

fn is_pub(vis: &syn::Visibility) -> bool {
    !matches!(vis, syn::Visibility::Inherited)
}

fn exports_proxy(tree: &syn::UseTree) -> bool {
    match tree {
        syn::UseTree::Path(path) => exports_proxy(&path.tree),
        syn::UseTree::Name(name) => name.ident == PROXY_FN,
        syn::UseTree::Rename(rename) => rename.rename == PROXY_FN,
        syn::UseTree::Group(group) => group.items.iter().any(exports_proxy),
        syn::UseTree::Glob(_) => false,
    }
}

/// `&["/a", "/b/:path*"]` (or `&[]`): the strings, else `None`.
fn string_literals(expr: &syn::Expr) -> Option<Vec<String>> {
    let syn::Expr::Reference(reference) = expr else {
        return None;
    };
    let syn::Expr::Array(array) = &*reference.expr else {
        return None;
    };
    array
        .elems
        .iter()
        .map(|element| match element {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect()
}

/// What is wrong with one `MATCHER` pattern, by the rules of the runtime's
/// `fsroute::routing::PathMatcher` (each is tested with the same bad patterns): a path from `/`,
/// literal segments, `:name`, and at the end `:name?`, `:name*` or `:name+`.
pub fn matcher_problem(pattern: &str) -> Option<String> {
    let Some(rest) = pattern.strip_prefix('/') else {
        return Some("a pattern starts with `/`".to_string());
    };
    let texts: Vec<&str> = rest.split('/').filter(|text| !text.is_empty()).collect();
    for (index, text) in texts.iter().enumerate() {
        let last = index + 1 == texts.len();
        if let Some(name) = text.strip_prefix(':') {
            let (name, modified) = match name.strip_suffix(['?', '*', '+']) {
                Some(name) => (name, true),
                None => (name, false),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Some(format!(
                    "`:{name}` is not a parameter name (letters, digits and `_`)"
                ));
            }
            if modified && !last {
                return Some(format!("`{text}` may only be the last segment"));
            }
        } else if text.contains(['(', ')', '*', '+', '?', ':', '{', '}']) {
            return Some(format!(
                "`{text}`: regular expressions and wildcards are not supported; use `:name`, \
                 `:name?`, `:name*` or `:name+`"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(source: &str) -> (ProxyAnalysis, Vec<&'static str>) {
        let mut diagnostics = Diagnostics::default();
        let analysis = analyze(source, "app/proxy.rs", &mut diagnostics);
        (analysis, diagnostics.codes())
    }

    #[test]
    fn a_proxy_with_a_matcher() {
        let (analysis, problems) = read(
            "pub const MATCHER: &[&str] = &[\"/api/v1/:path*\", \"/old\"];\n\
             pub async fn proxy(request: Request, next: Next) -> Response { next.run(request).await }\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(analysis.has_proxy);
        assert_eq!(
            analysis.matcher.as_deref(),
            Some(&["/api/v1/:path*".to_string(), "/old".to_string()][..])
        );
    }

    #[test]
    fn what_is_wrong_with_a_proxy_file() {
        assert_eq!(read("").1, ["missing-proxy"]);
        assert_eq!(read("async fn proxy() {}").1, ["missing-proxy"]);
        assert!(read("pub use crate::edge::check as proxy;").1.is_empty());
        assert_eq!(
            read("pub async fn proxy() {}\nconst MATCHER: &[&str] = &[];").1,
            ["private-matcher"]
        );
        assert_eq!(
            read("pub async fn proxy() {}\npub const MATCHER: &[&str] = PATHS;").1,
            ["matcher-not-literal"]
        );
        assert_eq!(
            read("pub async fn proxy() {}\npub const MATCHER: &[&str] = &[\"/((?!api).*)\"];").1,
            ["invalid-matcher"]
        );
    }

    #[test]
    fn matcher_patterns() {
        for fine in [
            "/",
            "/about",
            "/users/:id",
            "/users/:id?",
            "/docs/:path*",
            "/:all+",
        ] {
            assert_eq!(matcher_problem(fine), None, "{fine}");
        }
        for (bad, says) in [
            ("api", "starts with `/`"),
            ("/((?!api).*)", "regular expressions"),
            ("/docs/:path*/edit", "only be the last segment"),
            ("/x/:", "not a parameter name"),
            ("/x/*", "regular expressions and wildcards"),
        ] {
            let problem = matcher_problem(bad).unwrap_or_default();
            assert!(problem.contains(says), "{bad}: {problem}");
        }
    }
}
