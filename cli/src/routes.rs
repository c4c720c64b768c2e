//! `fsroute routes`: the route table, as text for people or as JSON for tools.

use std::path::Path;

use fsroute_codegen::{Generated, RouteEntry};

/// A route config constant and its value as written in the route file (`6 * 1024 *
/// 1024`), when the file could be read.
struct Config {
    name: &'static str,
    value: Option<String>,
}

/// One line per method of each URL pattern, as `rails routes` lists verbs: every line
/// stands alone, so `grep` finds whole rows. Middleware and config are named short here
/// (`api/(protected)/middleware.rs`, relative to the app folder); `--json` has full paths.
pub fn table(generated: &Generated, root: &Path, app_display: &str) -> String {
    let rows: Vec<[String; 6]> = generated
        .routes
        .iter()
        .flat_map(|route| {
            let middleware = short_middleware(route, app_display);
            let config = configs(route, root)
                .iter()
                .map(|config| match &config.value {
                    Some(value) => format!("{}={value}", config.name),
                    None => config.name.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            route.operation_ids.iter().map(move |(method, id)| {
                [
                    method.as_str().to_string(),
                    route.path.clone(),
                    id.clone(),
                    or_dash(middleware.clone()),
                    or_dash(config.clone()),
                    route.file.clone(),
                ]
            })
        })
        .collect();
    let header = [
        "METHOD",
        "PATH",
        "OPERATION ID",
        "MIDDLEWARE",
        "CONFIG",
        "FILE",
    ]
    .map(String::from);
    let widths: Vec<usize> = (0..5)
        .map(|column| {
            rows.iter()
                .chain([&header])
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut table = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        for (cell, width) in row.iter().zip(&widths) {
            table.push_str(&format!("{cell:<width$}  "));
        }
        table.push_str(&row[5]);
        table.push('\n');
    }
    table
}

/// The routes as a JSON array, one object per URL pattern; `docs/cli.md` documents the
/// shape, which tools may rely on:
///
/// ```json
/// [{"methods": ["GET"], "path": "/api/posts", "file": "app/api/(protected)/posts/route.rs",
///   "operationIds": {"GET": "getPosts"}, "middleware": ["app/api/(protected)/middleware.rs"],
///   "config": {"MAX_DURATION": "30"}}]
/// ```
pub fn json(generated: &Generated, root: &Path) -> String {
    let string = |text: &str| serde_json::to_string(text).expect("a string serialises");
    let list = |items: Vec<String>| format!("[{}]", items.join(", "));
    let object = |pairs: Vec<(String, String)>| {
        let pairs: Vec<String> = pairs
            .into_iter()
            .map(|(key, value)| format!("{}: {value}", string(&key)))
            .collect();
        format!("{{{}}}", pairs.join(", "))
    };
    let routes: Vec<String> = generated
        .routes
        .iter()
        .map(|route| {
            let fields = [
                (
                    "methods",
                    list(route.methods.iter().map(|m| string(m.as_str())).collect()),
                ),
                ("path", string(&route.path)),
                ("file", string(&route.file)),
                (
                    "operationIds",
                    object(
                        route
                            .operation_ids
                            .iter()
                            .map(|(method, id)| (method.as_str().to_string(), string(id)))
                            .collect(),
                    ),
                ),
                (
                    "middleware",
                    list(route.middleware.iter().map(|m| string(m)).collect()),
                ),
                (
                    "config",
                    object(
                        configs(route, root)
                            .into_iter()
                            .map(|config| {
                                let value = config.value.map_or("null".to_string(), |v| string(&v));
                                (config.name.to_string(), value)
                            })
                            .collect(),
                    ),
                ),
            ];
            let fields: Vec<String> = fields
                .iter()
                .map(|(key, value)| format!("    {}: {value}", string(key)))
                .collect();
            format!("  {{\n{}\n  }}", fields.join(",\n"))
        })
        .collect();
    if routes.is_empty() {
        "[]\n".to_string()
    } else {
        format!("[\n{}\n]\n", routes.join(",\n"))
    }
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text
    }
}

/// The route's middleware relative to the app folder; its own `middleware` is `route.rs`.
fn short_middleware(route: &RouteEntry, app_display: &str) -> String {
    let prefix = format!("{app_display}/");
    route
        .middleware
        .iter()
        .map(|file| {
            if *file == route.file {
                "route.rs"
            } else {
                file.strip_prefix(&prefix).unwrap_or(file)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The route's config constants with their values, read from the route file. The
/// generator only needs to know which constants exist (the generated code names them);
/// the values are for people, so a file that cannot be read only loses them.
fn configs(route: &RouteEntry, root: &Path) -> Vec<Config> {
    let source = if route.config.is_empty() {
        None
    } else {
        std::fs::read_to_string(root.join(&route.file)).ok()
    };
    let file = source.as_deref().and_then(|s| syn::parse_file(s).ok());
    route
        .config
        .iter()
        .map(|&name| Config {
            name,
            value: source
                .as_deref()
                .zip(file.as_ref())
                .and_then(|(source, file)| const_value(source, file, name)),
        })
        .collect()
}

/// The expression of `const NAME: T = <expr>;` at the top of the file, as written, with
/// each run of whitespace made one space (so a table cell stays on one line).
fn const_value(source: &str, file: &syn::File, name: &str) -> Option<String> {
    use syn::spanned::Spanned;
    let expr = file.items.iter().find_map(|item| match item {
        syn::Item::Const(item) if item.ident == name => Some(&item.expr),
        _ => None,
    })?;
    let span = expr.span();
    let text = &source[offset(source, span.start())?..offset(source, span.end())?];
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The byte offset of a line (1-based) and column (0-based, in characters).
fn offset(source: &str, position: proc_macro2::LineColumn) -> Option<usize> {
    let line_start = if position.line == 1 {
        0
    } else {
        source
            .match_indices('\n')
            .nth(position.line - 2)
            .map(|(index, _)| index + 1)?
    };
    let line = &source[line_start..];
    let column = line
        .char_indices()
        .nth(position.column)
        .map_or(line.len(), |(index, _)| index);
    Some(line_start + column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_values_are_read_as_written() {
        let source = "//! doc\nuse x::y;\n\npub const BODY_LIMIT: usize = 6 * 1024\n    * 1024;\n\
                      pub const MAX_DURATION: u64 = 30; // seconds\npub const ÉTÉ: &str = \"é\";\n";
        let file = syn::parse_file(source).unwrap();
        assert_eq!(
            const_value(source, &file, "BODY_LIMIT").as_deref(),
            Some("6 * 1024 * 1024")
        );
        assert_eq!(
            const_value(source, &file, "MAX_DURATION").as_deref(),
            Some("30")
        );
        assert_eq!(const_value(source, &file, "ÉTÉ").as_deref(), Some("\"é\""));
        assert_eq!(const_value(source, &file, "REVALIDATE"), None);
    }
}
