//! The OpenAPI part of the generated file, when `Builder::openapi(true)`: `openapi()`,
//! one describe function per route file, and the routes that serve the document and the
//! docs page.
//!
//! Each describe function names the handlers (`api_users::GET`), never their types: a
//! route file's imports are private to it. The runtime infers the types from the function
//! items (`rt::openapi::ladder`); this side writes what only the syntax knows — the path,
//! operationIds, tags, docs, `#[deprecated]`, the security scheme, the route config.

use std::fmt::Write as _;

use super::{CALL_ARGS_WIDTH, MAX_WIDTH, RUNTIME_ALIAS, doc_text, literal};
use crate::conventions::{ConfigConst, Method};
use crate::naming::PatternNames;
use crate::routes::{Route, RouteTable};

/// What `Builder::openapi`, `openapi_strict`, `docs` asked for.
pub struct OpenApiEmit<'a> {
    pub strict: bool,
    pub json_path: &'a str,
    pub docs_path: Option<&'a str>,
}

/// One routed file with what the describe function needs.
pub struct Described<'a> {
    pub route: &'a Route,
    pub module: &'a str,
    /// Each URL pattern of the file with its operationIds and tag.
    pub patterns: Vec<PatternNames>,
    /// `module::SECURITY` of the route file or of the innermost `middleware.rs` that
    /// declares one.
    pub security: Option<String>,
}

/// Fails the build with one sentence when the runtime lacks the feature this needs.
pub fn require_features(out: &mut String, options: &OpenApiEmit<'_>) {
    let _ = writeln!(out, "{RUNTIME_ALIAS}::require_openapi!();");
    if options.docs_path.is_some() {
        let _ = writeln!(out, "{RUNTIME_ALIAS}::require_docs!();");
    }
}

/// The statements `router()` runs before `rt::finish`, serving the document and the page.
pub fn serve_statements(out: &mut String, options: &OpenApiEmit<'_>) {
    let json = literal(options.json_path);
    let _ = writeln!(
        out,
        "    let routes = routes.route({json}, {RUNTIME_ALIAS}::openapi::json_route(openapi));"
    );
    if let Some(docs) = options.docs_path {
        let call = format!(
            "{RUNTIME_ALIAS}::docs_page::routes({}, {json})",
            literal(docs)
        );
        let _ = writeln!(out, "    let routes = routes.merge({call});");
    }
}

/// `openapi()`, `describe()` and the describe function of every routed file.
pub fn describe_fns(out: &mut String, described: &[Described<'_>], options: &OpenApiEmit<'_>) {
    out.push_str(
        "\n/// The OpenAPI 3.1 document of this router, built from the handlers' types on first\n\
         /// use: `openapi().json()`, `.json_3_0()`, `.gaps()`.\n",
    );
    out.push_str("pub fn openapi() -> &'static rt::openapi::Document {\n");
    out.push_str(
        "    static DOCUMENT: ::std::sync::OnceLock<rt::openapi::Document> =\n        ::std::sync::OnceLock::new();\n",
    );
    out.push_str("    DOCUMENT.get_or_init(|| {\n");
    out.push_str(
        "        rt::openapi::Document::new(\n            env!(\"CARGO_PKG_NAME\"),\n            env!(\"CARGO_PKG_VERSION\"),\n            describe,\n        )\n",
    );
    out.push_str("    })\n}\n\n");
    out.push_str("/// Every operation of the router, route file by route file.\n");
    if described.is_empty() {
        out.push_str("fn describe(_doc: &mut rt::openapi::DocumentBuilder) {}\n");
    } else {
        out.push_str("fn describe(doc: &mut rt::openapi::DocumentBuilder) {\n");
        for item in described {
            let _ = writeln!(out, "    {}_openapi(doc);", item.module);
        }
        out.push_str("}\n");
    }
    for item in described {
        out.push('\n');
        describe_fn(out, item, options);
    }
}

fn describe_fn(out: &mut String, item: &Described<'_>, options: &OpenApiEmit<'_>) {
    let route = item.route;
    let module = item.module;
    let _ = writeln!(
        out,
        "/// `{}` from `{}`.",
        doc_text(&route.axum_paths().join("` and `")),
        doc_text(&route.display)
    );
    if !options.strict {
        out.push_str("// `(&&&probe)` picks the most specific description the type has.\n");
        out.push_str("#[allow(clippy::needless_borrow)]\n");
    }
    if has_deprecated(route) {
        out.push_str("#[allow(deprecated)]\n");
    }
    let _ = writeln!(
        out,
        "fn {module}_openapi(doc: &mut rt::openapi::DocumentBuilder) {{"
    );
    out.push_str("    use rt::openapi::ladder::*;\n");
    let path_doc = join_doc(&route.analysis.doc);
    for pattern in &item.patterns {
        statement(
            out,
            "let path = doc.path",
            &[literal(&pattern.axum_path), literal(&route.display)],
        );
        if !path_doc.is_empty() {
            statement(
                out,
                "doc.path_description",
                &["path".to_string(), literal(&path_doc)],
            );
        }
        for (method, id) in &pattern.operation_ids {
            // A method the file does not export by name is its `ANY` handler's.
            let Some((handler_method, handler)) = route
                .analysis
                .handler(*method)
                .map(|handler| (*method, handler))
                .or_else(|| Some((Method::Any, route.analysis.handler(Method::Any)?)))
            else {
                continue;
            };
            if handler.hidden {
                continue;
            }
            statement(
                out,
                "let mut op = doc.operation",
                &[
                    "path".to_string(),
                    literal(&method.as_str().to_ascii_lowercase()),
                    literal(id),
                ],
            );
            if let Some(tag) = &pattern.tag {
                statement(out, "op.tag", &[literal(tag)]);
            }
            let (summary, description) = summary_and_description(&handler.doc);
            if let Some(summary) = summary {
                statement(out, "op.summary", &[literal(&summary)]);
            }
            if let Some(description) = description {
                statement(out, "op.description", &[literal(&description)]);
            }
            if handler.deprecated {
                out.push_str("    op.deprecated();\n");
            }
            if let Some(security) = &item.security {
                statement(out, "op.security", &[format!("&{security}")]);
            }
            for config in &route.analysis.config {
                match config {
                    ConfigConst::BodyLimit => out.push_str("    op.body_limit();\n"),
                    ConfigConst::MaxDuration => out.push_str("    op.max_duration();\n"),
                    ConfigConst::Revalidate | ConfigConst::Tags => {}
                }
            }
            let handler_path = format!("{module}::{}", handler_method.as_str());
            if options.strict {
                strict_calls(out, &handler_path, handler.arity);
            } else {
                ladder_calls(out, &handler_path, handler.arity);
            }
        }
    }
    out.push_str("}\n");
}

/// `(&&&probe).input(&mut op)` for each argument, then the output: each type described
/// as well as it can be, the rest recorded as gaps.
fn ladder_calls(out: &mut String, handler_path: &str, arity: Option<usize>) {
    match arity {
        Some(arity) => {
            let args = if arity == 0 { "_args" } else { "args" };
            let _ = writeln!(out, "    let ({args}, out) = probes(&{handler_path});");
            for index in 0..arity {
                let _ = writeln!(out, "    (&&&args.{index}).input(&mut op);");
            }
        }
        // Re-exported: the signature is elsewhere, but the output can be inferred whatever
        // the arity.
        None => {
            let _ = writeln!(out, "    let out = output_probe(&{handler_path});");
        }
    }
    out.push_str("    (&&&out).output(&mut op);\n");
}

/// Strict: each type must be described, or the build fails on a line that names the
/// handler (`api_orders::POST`), with rustc saying which type lacks `JsonSchema`.
fn strict_calls(out: &mut String, handler_path: &str, arity: Option<usize>) {
    for index in 0..arity.unwrap_or(0) {
        statement(
            out,
            "documented_input",
            &[
                format!("&probes(&{handler_path}).0.{index}"),
                "&mut op".to_string(),
            ],
        );
    }
    let output = match arity {
        Some(_) => format!("&probes(&{handler_path}).1"),
        None => format!("&output_probe(&{handler_path})"),
    };
    statement(out, "documented_output", &[output, "&mut op".to_string()]);
}

/// A `#[deprecated]` handler is still routed and described; only its callers in the
/// user's own code should be warned.
pub fn has_deprecated(route: &Route) -> bool {
    route
        .analysis
        .handlers
        .iter()
        .any(|handler| handler.deprecated)
}

/// `    {head}(args);` in rustfmt's layout: on one line when it fits, else one argument
/// per line.
fn statement(out: &mut String, head: &str, args: &[String]) {
    let joined = args.join(", ");
    let line = format!("    {head}({joined});");
    if joined.len() <= CALL_ARGS_WIDTH && line.len() <= MAX_WIDTH {
        let _ = writeln!(out, "{line}");
    } else {
        let _ = writeln!(out, "    {head}(");
        for arg in args {
            let _ = writeln!(out, "        {arg},");
        }
        out.push_str("    );\n");
    }
}

/// Doc lines as written (`" text"`), without the one space `///` leaves, trimmed of blank
/// lines at both ends.
fn clean_doc(lines: &[String]) -> Vec<&str> {
    let lines: Vec<&str> = lines
        .iter()
        .flat_map(|line| line.split('\n'))
        .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end())
        .collect();
    let start = lines.iter().position(|line| !line.is_empty());
    let end = lines.iter().rposition(|line| !line.is_empty());
    match (start, end) {
        (Some(start), Some(end)) => lines[start..=end].to_vec(),
        _ => Vec::new(),
    }
}

fn join_doc(lines: &[String]) -> String {
    clean_doc(lines).join("\n")
}

/// The first line is the summary, the rest (after blank lines) the description, as
/// rustdoc and dropshot read a doc comment.
fn summary_and_description(lines: &[String]) -> (Option<String>, Option<String>) {
    let lines = clean_doc(lines);
    let Some((first, rest)) = lines.split_first() else {
        return (None, None);
    };
    let rest = rest
        .iter()
        .skip_while(|line| line.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    (Some(first.to_string()), (!rest.is_empty()).then_some(rest))
}

/// The security constant that applies to `route`: its own, or the innermost
/// `middleware.rs`'s.
pub fn security_source(
    route: &Route,
    module: &str,
    table: &RouteTable,
    middleware_modules: &[String],
) -> Option<String> {
    if route.analysis.security {
        return Some(format!("{module}::SECURITY"));
    }
    route
        .security_middleware(table)
        .map(|index| format!("{}::SECURITY", middleware_modules[index]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| line.to_string()).collect()
    }

    #[test]
    fn summary_is_the_first_line() {
        assert_eq!(summary_and_description(&[]), (None, None));
        assert_eq!(
            summary_and_description(&lines(&[" Lists users.", "", " Newest first.", " Paged."])),
            (
                Some("Lists users.".to_string()),
                Some("Newest first.\nPaged.".to_string())
            )
        );
        assert_eq!(
            summary_and_description(&lines(&["", " One line.  "])),
            (Some("One line.".to_string()), None)
        );
    }
}
