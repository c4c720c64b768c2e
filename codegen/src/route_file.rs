//! Read one `route.rs` with `syn` and find the method handlers it exports.
//!
//! Only the file's top-level items are looked at: `pub async fn GET(..)`, and
//! `pub use somewhere::handler as GET;`. A file that does not parse is still routed
//! (without methods) so that rustc, not we, reports the syntax error at its real place.

use crate::conventions::{ConfigConst, MIDDLEWARE_FN, Method};
use crate::diagnostic::{Diagnostics, Location};
use crate::messages;
use crate::suggest;
use crate::top_items::{self, TopItem};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteFileAnalysis {
    /// Exported methods, sorted, each once.
    pub methods: Vec<Method>,
    /// Exports `pub async fn middleware`, which wraps this route alone.
    pub middleware: bool,
    /// The route segment config constants it exports, sorted.
    pub config: Vec<ConfigConst>,
}

/// `path` is the file as diagnostics should name it.
pub fn analyze(source: &str, path: &str, diagnostics: &mut Diagnostics) -> RouteFileAnalysis {
    let mut analysis = RouteFileAnalysis::default();
    let items = match top_items::parse(source) {
        Ok(items) => items,
        Err(err) => {
            let location = locate(source, path, err.span(), 1);
            diagnostics.push(messages::unparsable_route_file(path, &err.to_string()).at(location));
            return analysis;
        }
    };
    let errors_before = diagnostics.error_count();
    for item in &items {
        match item {
            TopItem::Fn { vis, ident } => {
                let name = ident.to_string();
                let width = name.len();
                if name == MIDDLEWARE_FN {
                    if is_visible_to_parent(vis) {
                        analysis.middleware = true;
                    } else {
                        let location = locate(source, path, ident.span(), width);
                        diagnostics.push(messages::private_route_middleware(path).at(location));
                    }
                } else if let Some(method) = Method::from_export_name(&name) {
                    if is_visible_to_parent(vis) {
                        analysis.methods.push(method);
                    } else {
                        let location = locate(source, path, ident.span(), width);
                        diagnostics.push(messages::private_method(path, method).at(location));
                    }
                } else if let Some(method) = Method::from_wrong_case(&name) {
                    if is_visible_to_parent(vis) {
                        let location = locate(source, path, ident.span(), width);
                        diagnostics
                            .push(messages::wrong_case_method(path, &name, method).at(location));
                    }
                }
            }
            TopItem::Const { ident, vis } if !is_method(ident) => {
                let name = ident.to_string();
                let location = || locate(source, path, ident.span(), name.len());
                match ConfigConst::from_name(&name) {
                    Some(config) if is_visible_to_parent(vis) => analysis.config.push(config),
                    Some(config) => diagnostics
                        .push(messages::private_config(path, config.name()).at(location())),
                    None if is_visible_to_parent(vis)
                        && (is_screaming_case(&name) || suggest::config_const(&name).is_some()) =>
                    {
                        diagnostics.push(messages::unknown_config(path, &name).at(location()))
                    }
                    None => {}
                }
            }
            TopItem::Const { ident, .. } | TopItem::Static { ident } => {
                if let Some(method) = Method::from_export_name(&ident.to_string()) {
                    let kind = if matches!(item, TopItem::Const { .. }) {
                        "const"
                    } else {
                        "static"
                    };
                    let location = locate(source, path, ident.span(), method.as_str().len());
                    diagnostics
                        .push(messages::method_not_a_function(path, method, kind).at(location));
                }
            }
            TopItem::Use { vis, tree } if is_visible_to_parent(vis) => {
                let mut names = Vec::new();
                use_tree_names(tree, &mut names);
                analysis.methods.extend(
                    names
                        .iter()
                        .filter_map(|name| Method::from_export_name(name)),
                );
            }
            _ => {}
        }
    }
    analysis.methods.sort();
    analysis.methods.dedup();
    analysis.config.sort();
    analysis.config.dedup();
    // An error in the file is the thing to fix first; "no methods" would only repeat it.
    let new_errors = diagnostics.error_count() > errors_before;
    if analysis.methods.is_empty() && !new_errors {
        diagnostics.push(messages::no_methods(path).at(Location::path(path)));
    }
    analysis
}

fn is_method(ident: &syn::Ident) -> bool {
    Method::from_export_name(&ident.to_string()).is_some()
}

/// `PAGE_SIZE`, `MAX_DURATON`: upper case with at least one letter.
fn is_screaming_case(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// What is wrong with a `middleware.rs`, if anything: it must export `pub async fn
/// middleware`. A file that does not parse is used as it is, so that rustc reports it.
/// There is nothing else to learn from the file.
pub fn analyze_middleware(source: &str, path: &str, diagnostics: &mut Diagnostics) {
    let items = match top_items::parse(source) {
        Ok(items) => items,
        Err(err) => {
            let location = locate(source, path, err.span(), 1);
            diagnostics.push(messages::unparsable_route_file(path, &err.to_string()).at(location));
            return;
        }
    };
    let found = items.iter().find_map(|item| match item {
        TopItem::Fn { vis, ident } if ident == MIDDLEWARE_FN => {
            Some((is_visible_to_parent(vis), ident.span()))
        }
        TopItem::Use { vis, tree } if is_visible_to_parent(vis) => {
            let mut names = Vec::new();
            use_tree_names(tree, &mut names);
            names
                .iter()
                .any(|name| name == MIDDLEWARE_FN)
                .then(|| (true, proc_macro2::Span::call_site()))
        }
        _ => None,
    });
    match found {
        Some((true, _)) => {}
        Some((false, span)) => diagnostics.push(messages::private_middleware(path).at(locate(
            source,
            path,
            span,
            MIDDLEWARE_FN.len(),
        ))),
        None => diagnostics.push(messages::missing_middleware(path).at(Location::path(path))),
    }
}

/// The generated router lives in the route module's parent, so it can call `pub`,
/// `pub(crate)` and `pub(super)` items but not private or `pub(self)` ones.
fn is_visible_to_parent(vis: &syn::Visibility) -> bool {
    match vis {
        syn::Visibility::Public(_) => true,
        syn::Visibility::Restricted(restricted) => !restricted.path.is_ident("self"),
        syn::Visibility::Inherited => false,
    }
}

/// The names a `use` brings in: `a::b as GET` gives `GET`, `a::{GET, POST}` both.
fn use_tree_names(tree: &syn::UseTree, names: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(path) => use_tree_names(&path.tree, names),
        syn::UseTree::Name(name) => names.push(name.ident.to_string()),
        syn::UseTree::Rename(rename) => names.push(rename.rename.to_string()),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_tree_names(tree, names);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

fn locate(source: &str, path: &str, span: proc_macro2::Span, width: usize) -> Location {
    let start = span.start();
    let column = start.column + 1;
    let location = Location::at(path, start.line, column);
    match source.lines().nth(start.line.saturating_sub(1)) {
        Some(line) if start.line > 0 => location.with_snippet(line, width),
        _ => location,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    /// The analysis with the problems found in it.
    struct Analyzed {
        methods: Vec<Method>,
        middleware: bool,
        config: Vec<ConfigConst>,
        diagnostics: Vec<Diagnostic>,
    }

    fn analyze(source: &str, path: &str) -> Analyzed {
        let mut diagnostics = Diagnostics::default();
        let analysis = super::analyze(source, path, &mut diagnostics);
        Analyzed {
            methods: analysis.methods,
            middleware: analysis.middleware,
            config: analysis.config,
            diagnostics: diagnostics.as_slice().to_vec(),
        }
    }

    fn analyze_middleware(source: &str, path: &str) -> Vec<Diagnostic> {
        let mut diagnostics = Diagnostics::default();
        super::analyze_middleware(source, path, &mut diagnostics);
        diagnostics.as_slice().to_vec()
    }

    fn codes(analysis: &Analyzed) -> Vec<&'static str> {
        analysis.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn finds_exported_methods_sorted() {
        let a = analyze(
            "use fsroute::prelude::*;\n\
             pub async fn POST() {}\n\
             pub async fn GET() -> &'static str { \"hi\" }\n\
             pub(crate) async fn DELETE() {}\n\
             async fn helper() {}\n",
            "app/route.rs",
        );
        assert_eq!(a.methods, [Method::Get, Method::Post, Method::Delete]);
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    }

    #[test]
    fn re_exports_count_as_methods() {
        let a = analyze(
            "pub use super::shared::list as GET;\npub use crate::h::{PUT, other};\nuse x::POST;\n",
            "app/route.rs",
        );
        assert_eq!(a.methods, [Method::Get, Method::Put]);
    }

    #[test]
    fn lowercase_and_private_methods_are_warnings_with_positions() {
        let a = analyze(
            "pub async fn get() {}\nasync fn POST() {}\npub(self) fn PUT() {}\nfn get_user() {}\n",
            "app/x/route.rs",
        );
        assert_eq!(
            codes(&a),
            [
                "wrong-case-method",
                "private-method",
                "private-method",
                "no-methods"
            ]
        );
        assert_eq!(
            a.diagnostics[0].locations[0].to_string(),
            "app/x/route.rs:1:14"
        );
        assert_eq!(
            a.diagnostics[1].locations[0].to_string(),
            "app/x/route.rs:2:10"
        );
    }

    #[test]
    fn a_method_that_is_not_a_function_is_an_error() {
        let a = analyze("pub const GET: u8 = 1;\n", "app/route.rs");
        assert_eq!(codes(&a), ["method-not-a-function"]);
        assert!(a.diagnostics[0].is_error());
    }

    #[test]
    fn route_middleware_and_config_constants() {
        let a = analyze(
            "pub async fn GET() {}\n\
             pub async fn middleware() {}\n\
             pub const MAX_DURATION: u64 = 5;\n\
             pub const REVALIDATE: u64 = 60;\n\
             const BODY_LIMIT: usize = 10;\n\
             pub const MAX_DURATON: u64 = 5;\n\
             const PAGE_SIZE: u32 = 20;\n\
             pub const maxDuration: u64 = 1;\n",
            "app/route.rs",
        );
        assert!(a.middleware);
        assert_eq!(
            a.config,
            [ConfigConst::MaxDuration, ConfigConst::Revalidate]
        );
        assert_eq!(
            codes(&a),
            ["private-config", "unknown-config", "unknown-config"]
        );
    }

    #[test]
    fn middleware_files() {
        let ok = analyze_middleware("pub async fn middleware() {}", "app/middleware.rs");
        assert!(ok.is_empty());
        let reexport = analyze_middleware("pub use crate::auth::guard as middleware;", "m.rs");
        assert!(reexport.is_empty());
        let private = analyze_middleware("async fn middleware() {}", "m.rs");
        assert_eq!(private[0].code, "private-middleware");
        assert!(private[0].is_error());
        let missing = analyze_middleware("pub async fn guard() {}", "m.rs");
        assert_eq!(missing[0].code, "missing-middleware");
    }

    #[test]
    fn unparsable_file_is_kept_with_a_warning() {
        let a = analyze("pub async fn GET( {\n", "app/route.rs");
        assert!(a.methods.is_empty());
        assert_eq!(codes(&a), ["unparsable-route-file"]);
        assert!(!a.diagnostics[0].is_error());
    }
}
