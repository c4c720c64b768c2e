//! `pub mod href`: one function per routed URL pattern that builds a link to it, named
//! by [`crate::naming`] (`/api/users/{id}` → `href::users_by_id(id)`). A renamed or
//! removed folder is then a compile error wherever it is linked to.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{MAX_WIDTH, RUNTIME_ALIAS, doc_text, literal};
use crate::naming;
use crate::routes::RouteTable;
use crate::segment::Segment;

/// The module's name in the generated file; no route module may take it.
pub const HREF_MODULE: &str = "href";

/// rustfmt's `chain_width`: a chain of two calls or more longer than this has one call
/// per line.
const CHAIN_WIDTH: usize = 60;

/// The body's indentation: inside `pub mod href` and a function.
const BODY_INDENT: usize = 8;

const DISPLAY: &str = "impl ::std::fmt::Display";
const SEGMENTS: &str = "impl IntoIterator<Item = impl ::std::fmt::Display>";

pub fn emit(out: &mut String, table: &RouteTable) {
    out.push_str(
        "\n/// Links to every route, one function per URL pattern: `/api/users/{id}` gives\n\
         /// `users_by_id(id)`. Each value is percent-encoded into one path segment, which the\n\
         /// route's `Path` decodes back.\n",
    );
    // In a binary crate, a link no handler uses would be a dead-code warning.
    out.push_str("#[allow(dead_code)]\n");
    let routed: Vec<_> = table
        .routes
        .iter()
        .filter(|route| route.is_routed())
        .collect();
    if routed.is_empty() {
        let _ = writeln!(out, "pub mod {HREF_MODULE} {{}}");
        return;
    }
    let _ = writeln!(
        out,
        "pub mod {HREF_MODULE} {{\n    use super::{RUNTIME_ALIAS};"
    );
    for route in routed {
        let methods: Vec<&str> = route.methods().iter().map(|m| m.as_str()).collect();
        for pattern in route.url_patterns() {
            let _ = writeln!(
                out,
                "\n    /// `{}` ({}) in `{}`.",
                doc_text(&pattern.axum_path()),
                methods.join(", "),
                doc_text(&route.display)
            );
            link_fn(out, &naming::href_name(&pattern), &pattern.segments);
        }
    }
    out.push_str("}\n");
}

/// One `pub fn name(params) -> rt::Href { … }`: the static text up to the first
/// parameter is the root, then `.segment(…)` per parameter, `.rest(…)` for a catch-all,
/// and `.literal(…)` for the static text between them.
fn link_fn(out: &mut String, name: &str, segments: &[&Segment]) {
    let mut params = Vec::new();
    let mut taken = BTreeSet::new();
    let mut root: Option<String> = None;
    let mut calls: Vec<String> = Vec::new();
    let mut text = String::new();
    for segment in segments {
        let (kind, param) = match segment {
            Segment::Static(_) => {
                text.push('/');
                text.push_str(&segment.axum_segment().unwrap_or_default());
                continue;
            }
            Segment::Dynamic(param) => (DISPLAY, param),
            Segment::CatchAll(param) | Segment::OptionalCatchAll(param) => (SEGMENTS, param),
            Segment::Group(_) => continue,
        };
        let text = std::mem::take(&mut text);
        match &root {
            None => root = Some(text),
            Some(_) if !text.is_empty() => calls.push(format!(".literal({})", literal(&text))),
            Some(_) => {}
        }
        let arg = argument_name(param, &mut taken);
        calls.push(if kind == DISPLAY {
            format!(".segment({arg})")
        } else {
            format!(".rest({arg})")
        });
        params.push(format!("{arg}: {kind}"));
    }
    let root = match root {
        Some(root) => {
            if !text.is_empty() {
                calls.push(format!(".literal({})", literal(&text)));
            }
            root
        }
        None if text.is_empty() => "/".to_string(),
        None => text,
    };
    let root = format!("{RUNTIME_ALIAS}::Href::new({})", literal(&root));

    let one_line = format!(
        "    pub fn {name}({}) -> {RUNTIME_ALIAS}::Href {{",
        params.join(", ")
    );
    if one_line.len() <= MAX_WIDTH || params.is_empty() {
        let _ = writeln!(out, "{one_line}");
    } else {
        let _ = writeln!(out, "    pub fn {name}(");
        for param in &params {
            let _ = writeln!(out, "        {param},");
        }
        let _ = writeln!(out, "    ) -> {RUNTIME_ALIAS}::Href {{");
    }
    chain(out, &root, &calls);
    out.push_str("    }\n");
}

/// The body, `root.call().call()`, in rustfmt's layout: on one line when it fits (a chain
/// of two calls or more also within `chain_width`), else one call per line, under a root
/// whose argument goes on a line of its own when the root alone is too long.
fn chain(out: &mut String, root: &str, calls: &[String]) {
    let indent = " ".repeat(BODY_INDENT);
    let joined: String = calls.concat();
    let width = root.len() + joined.len();
    let fits = BODY_INDENT + width <= MAX_WIDTH && (calls.len() < 2 || width <= CHAIN_WIDTH);
    if fits {
        let _ = writeln!(out, "{indent}{root}{joined}");
        return;
    }
    let call_indent = if BODY_INDENT + root.len() <= MAX_WIDTH {
        let _ = writeln!(out, "{indent}{root}");
        format!("{indent}    ")
    } else {
        // `rt::Href::new(` / the literal / `)`: the calls then line up with the root.
        let argument = &root[root.find('(').unwrap_or(0) + 1..root.len() - 1];
        let _ = writeln!(
            out,
            "{indent}{RUNTIME_ALIAS}::Href::new(\n{indent}    {argument},\n{indent})"
        );
        indent.clone()
    };
    for call in calls {
        let _ = writeln!(out, "{call_indent}{call}");
    }
}

/// `orderId` → `order_id`; a keyword gets `_` (`type_`), and a name already taken in the
/// function (`[userId]` and `[user_id]` in one path) a number.
fn argument_name(param: &str, taken: &mut BTreeSet<String>) -> String {
    let words: Vec<String> = naming::words(param)
        .iter()
        .map(|word| word.to_lowercase())
        .collect();
    let mut base = words.join("_");
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base.insert_str(0, "value_");
    }
    if naming::is_keyword(&base) {
        base.push('_');
    }
    let mut name = base.clone();
    let mut counter = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}_{counter}");
        counter += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::tests::{source, table};

    fn links(folders: &[&str]) -> String {
        let mut out = String::new();
        emit(
            &mut out,
            &table(folders.iter().map(|f| source(f)).collect()),
        );
        out
    }

    #[test]
    fn one_function_per_url_pattern() {
        let out = links(&[
            "",
            "api/users/[id]/orders/[orderId]",
            "api/shop/[[...slug]]",
            "api/type/[self]/[...rest]",
            "[x]",
        ]);
        assert_eq!(
            out,
            r#"
/// Links to every route, one function per URL pattern: `/api/users/{id}` gives
/// `users_by_id(id)`. Each value is percent-encoded into one path segment, which the
/// route's `Path` decodes back.
#[allow(dead_code)]
pub mod href {
    use super::rt;

    /// `/` (GET) in `app/route.rs`.
    pub fn root() -> rt::Href {
        rt::Href::new("/")
    }

    /// `/api/shop` (GET) in `app/api/shop/[[...slug]]/route.rs`.
    pub fn shop() -> rt::Href {
        rt::Href::new("/api/shop")
    }

    /// `/api/shop/{*slug}` (GET) in `app/api/shop/[[...slug]]/route.rs`.
    pub fn shop_by_slug(slug: impl IntoIterator<Item = impl ::std::fmt::Display>) -> rt::Href {
        rt::Href::new("/api/shop").rest(slug)
    }

    /// `/api/type/{self}/{*rest}` (GET) in `app/api/type/[self]/[...rest]/route.rs`.
    pub fn type_by_self_by_rest(
        self_: impl ::std::fmt::Display,
        rest: impl IntoIterator<Item = impl ::std::fmt::Display>,
    ) -> rt::Href {
        rt::Href::new("/api/type").segment(self_).rest(rest)
    }

    /// `/api/users/{id}/orders/{orderId}` (GET) in `app/api/users/[id]/orders/[orderId]/route.rs`.
    pub fn users_by_id_orders_by_order_id(
        id: impl ::std::fmt::Display,
        order_id: impl ::std::fmt::Display,
    ) -> rt::Href {
        rt::Href::new("/api/users")
            .segment(id)
            .literal("/orders")
            .segment(order_id)
    }

    /// `/{x}` (GET) in `app/[x]/route.rs`.
    pub fn by_x(x: impl ::std::fmt::Display) -> rt::Href {
        rt::Href::new("").segment(x)
    }
}
"#
        );
    }

    #[test]
    fn no_routes_no_functions() {
        assert!(links(&[]).ends_with("#[allow(dead_code)]\npub mod href {}\n"));
    }

    #[test]
    fn static_text_is_written_as_axum_matches_it() {
        let out = links(&["api/café/[id]/a b/c"]);
        assert!(
            out.contains(
                "rt::Href::new(\"/api/caf%C3%A9\")\n            .segment(id)\n            .literal(\"/a%20b/c\")\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn argument_names_compile_and_differ() {
        let mut taken = BTreeSet::new();
        let names: Vec<String> = ["userId", "user_id", "type", "self", "id", "ID"]
            .iter()
            .map(|param| argument_name(param, &mut taken))
            .collect();
        assert_eq!(
            names,
            ["user_id", "user_id_2", "type_", "self_", "id", "id_2"]
        );
    }

    #[test]
    fn long_roots_break_like_rustfmt() {
        let long = "a".repeat(90);
        let mut out = String::new();
        chain(
            &mut out,
            &format!("rt::Href::new(\"/{long}\")"),
            &[".rest(x)".into()],
        );
        assert_eq!(
            out,
            format!(
                "        rt::Href::new(\n            \"/{long}\",\n        )\n        .rest(x)\n"
            )
        );
    }
}
