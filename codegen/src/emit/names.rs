//! Rust names for the generated code: one module per route and middleware file.

use std::collections::BTreeSet;

use super::RUNTIME_ALIAS;
use super::href::HREF_MODULE;
use crate::routes::RouteTable;
use crate::segment::Segment;

/// The Rust module each route and middleware file becomes in the generated code.
pub struct ModuleNames {
    /// One per route, in the table's order.
    pub routes: Vec<String>,
    /// One per middleware file, in the table's order.
    pub middlewares: Vec<String>,
    /// `app/proxy.rs`'s, when there is one.
    pub proxy: Option<String>,
}

/// `api/users/[id]` → `api_users_id`, `api/(auth)/middleware.rs` → `api_auth_middleware`;
/// made unique by a numeric suffix, routes first in priority order. Never a name the
/// generated code uses itself.
pub fn module_names(table: &RouteTable) -> ModuleNames {
    let mut taken: BTreeSet<String> =
        BTreeSet::from([RUNTIME_ALIAS.to_string(), HREF_MODULE.to_string()]);
    let mut unique = |base: String| {
        let mut name = base.clone();
        let mut counter = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}_{counter}");
            counter += 1;
        }
        name
    };
    let routes = table
        .routes
        .iter()
        .map(|route| unique(module_base_name(&route.segments)))
        .collect();
    let middlewares = table
        .middlewares
        .iter()
        .map(|middleware| {
            let base = if middleware.segments.is_empty() {
                "app_middleware".to_string()
            } else {
                format!("{}_middleware", module_base_name(&middleware.segments))
            };
            unique(base)
        })
        .collect();
    let proxy = table
        .proxy
        .as_ref()
        .map(|_| unique("app_proxy".to_string()));
    ModuleNames {
        routes,
        middlewares,
        proxy,
    }
}

fn module_base_name(segments: &[Segment]) -> String {
    let words: Vec<String> = segments
        .iter()
        .map(|segment| match segment {
            Segment::Static(text) | Segment::Group(text) => snake_case(text),
            Segment::Dynamic(name) | Segment::CatchAll(name) | Segment::OptionalCatchAll(name) => {
                snake_case(name)
            }
        })
        .filter(|word| !word.is_empty())
        .collect();
    let mut name = words.join("_");
    if name.is_empty() {
        name = "root".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "route_");
    }
    if is_keyword(&name) {
        name.push('_');
    }
    name
}

/// `orderId` → `order_id`, `v1.0` → `v1_0`, `café` → `caf`: ASCII snake case, everything
/// else a separator.
fn snake_case(text: &str) -> String {
    let mut out = String::new();
    let mut previous_lower_or_digit = false;
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower_or_digit {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower_or_digit = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower_or_digit = true;
        } else {
            out.push('_');
            previous_lower_or_digit = false;
        }
    }
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if !(c == '_' && (collapsed.is_empty() || collapsed.ends_with('_'))) {
            collapsed.push(c);
        }
    }
    collapsed.trim_end_matches('_').to_string()
}

fn is_keyword(name: &str) -> bool {
    // Strict, reserved and edition-2018+ keywords: none may name a module without `r#`,
    // and `self`, `super`, `crate` and `Self` may not even with it.
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "abstract", "become", "box", "break", "const", "continue", "crate",
        "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
        "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
        "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
        "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::tests::{middleware, source, table};

    #[test]
    fn module_names_compile_and_are_unique() {
        let folders = [
            "",
            "type",
            "self",
            "crate",
            "match",
            "v1.0",
            "v1_0",
            "kebab-case",
            "2024",
            "rt",
            "href",
            "users/[orderId]",
        ];
        let table = table(folders.iter().map(|f| source(f)).collect());
        let names = module_names(&table);
        assert_eq!(
            names.routes,
            [
                "root",
                "route_2024",
                "crate_",
                "href_2",
                "kebab_case",
                "match_",
                "rt_2",
                "self_",
                "type_",
                "users_order_id",
                "v1_0",
                "v1_0_2"
            ]
        );
    }

    #[test]
    fn middleware_modules_are_named_after_their_folder() {
        let table = table(vec![
            source("api/(auth)/users"),
            middleware(""),
            middleware("api/(auth)"),
            middleware("api"),
        ]);
        assert_eq!(
            module_names(&table).middlewares,
            ["app_middleware", "api_middleware", "api_auth_middleware"]
        );
    }
}
