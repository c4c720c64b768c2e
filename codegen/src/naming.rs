//! The names derived from a URL pattern: the OpenAPI operationId of each method
//! (`getUsersById`), the tag (`users`), and the name of its `routes::href` function
//! (`users_by_id`).
//!
//! They are public names — SDK generators turn operationIds into method names — so they
//! depend on the pattern alone: adding a route never renames another. That is why only a
//! literal leading `api` is dropped, never a prefix computed from the whole tree.
//! Two patterns that end up with one name are a build error ([`crate::validate`]).

use crate::conventions::Method;
use crate::routes::{Route, UrlPattern};
use crate::segment::Segment;

/// The segment dropped from the front of names, when something is left after it.
const API: &str = "api";

/// The names of one URL pattern of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternNames {
    /// The axum path (`/api/users/{id}`).
    pub axum_path: String,
    /// The name of its `routes::href` function, a Rust identifier (`users_by_id`).
    pub href: String,
    /// Its OpenAPI tag: the first static segment after a leading `api` (`users`).
    pub tag: Option<String>,
    /// One per method the route exports, in its order (`(Get, "getUsersById")`).
    pub operation_ids: Vec<(Method, String)>,
}

/// The names of each URL pattern of `route`: one, or two for an optional catch-all. An
/// operationId is the method's verb, then each static segment in PascalCase and
/// `By<Param>` for each parameter, `api` dropped from the front (`getUsersById`).
pub fn route_names(route: &Route) -> Vec<PatternNames> {
    route
        .url_patterns()
        .iter()
        .map(|pattern| {
            let words = name_words(pattern);
            let suffix = pascal_case(&words);
            PatternNames {
                axum_path: pattern.axum_path(),
                href: snake_case(&words),
                tag: tag(pattern),
                operation_ids: documented_methods(route.methods())
                    .into_iter()
                    .map(|method| (method, format!("{}{suffix}", method.router_fn())))
                    .collect(),
            }
        })
        .collect()
}

/// The methods an API description lists for a route: its exports, with `ANY` standing
/// for each of `GET`, `POST`, `PUT`, `PATCH` and `DELETE` the file does not export by
/// name (an OpenAPI operation is one method; `HEAD` and `OPTIONS` are never listed).
pub fn documented_methods(methods: &[Method]) -> Vec<Method> {
    let mut documented: Vec<Method> = methods
        .iter()
        .copied()
        .filter(|&m| m != Method::Any)
        .collect();
    if methods.contains(&Method::Any) {
        for method in [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ] {
            if !documented.contains(&method) {
                documented.push(method);
            }
        }
        documented.sort();
    }
    documented
}

/// `/api/users/{id}` → `users_by_id`: the operationId without its verb, in snake case,
/// made a Rust identifier (`2024` → `route_2024`, `type` → `type_`).
pub fn href_name(pattern: &UrlPattern<'_>) -> String {
    snake_case(&name_words(pattern))
}

/// The first static segment after a leading `api`, as written (`users`, `user-profiles`);
/// `/api`, `/api/{id}` and `/` have none. Route groups are not in the URL, so never a tag.
pub fn tag(pattern: &UrlPattern<'_>) -> Option<String> {
    let segments = match pattern.segments.split_first() {
        Some((Segment::Static(first), rest)) if first == API => rest,
        _ => &pattern.segments[..],
    };
    segments.iter().find_map(|segment| match segment {
        Segment::Static(text) => Some(text.clone()),
        _ => None,
    })
}

/// A word of a name: part of a folder name, or the `By` before a parameter's.
#[derive(Clone, Copy)]
enum Word<'a> {
    By,
    Text(&'a str),
}

/// The words of a pattern's name, in order, a leading `api` left out when something
/// follows it.
fn name_words<'a>(pattern: &UrlPattern<'a>) -> Vec<Word<'a>> {
    let segments = match pattern.segments.split_first() {
        Some((Segment::Static(first), rest)) if first == API && !rest.is_empty() => rest,
        _ => &pattern.segments[..],
    };
    let mut out = Vec::new();
    for segment in segments {
        match segment {
            Segment::Static(text) => out.extend(words(text).into_iter().map(Word::Text)),
            Segment::Dynamic(name) | Segment::CatchAll(name) | Segment::OptionalCatchAll(name) => {
                out.push(Word::By);
                out.extend(words(name).into_iter().map(Word::Text));
            }
            Segment::Group(_) => {}
        }
    }
    out
}

/// `UsersById`; `Root` when there are no words.
fn pascal_case(words: &[Word<'_>]) -> String {
    if words.is_empty() {
        return "Root".to_string();
    }
    let mut out = String::new();
    for word in words {
        match word {
            Word::By => out.push_str("By"),
            Word::Text(text) => {
                let mut chars = text.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            }
        }
    }
    out
}

/// `users_by_id`, made a Rust identifier; `root` when there are no words.
fn snake_case(words: &[Word<'_>]) -> String {
    if words.is_empty() {
        return "root".to_string();
    }
    let mut out = String::new();
    for word in words {
        if !out.is_empty() {
            out.push('_');
        }
        match word {
            Word::By => out.push_str("by"),
            Word::Text(text) if text.is_ascii() => out.push_str(&text.to_ascii_lowercase()),
            Word::Text(text) => out.push_str(&text.to_lowercase()),
        }
    }
    rust_identifier(out)
}

/// `user-profiles` → `user`, `profiles`; `orderId` → `order`, `Id`; `v1.0` → `v1`, `0`;
/// `café` → `café`. A word is a run of letters and digits (those a Rust identifier may
/// hold, in any script), split again where a lower-case letter or digit meets an upper-case
/// one. Anything else separates words and is lost: that is how two URLs can collide.
pub fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    // Where the current word starts, if one has.
    let mut start = None;
    let mut previous_lower_or_digit = false;
    for (index, c) in text.char_indices() {
        if !is_word_char(c) {
            if let Some(from) = start.take() {
                words.push(&text[from..index]);
            }
            previous_lower_or_digit = false;
            continue;
        }
        if c.is_uppercase() && previous_lower_or_digit {
            if let Some(from) = start {
                words.push(&text[from..index]);
            }
            start = Some(index);
        }
        start.get_or_insert(index);
        previous_lower_or_digit = c.is_lowercase() || c.is_numeric();
    }
    if let Some(from) = start {
        words.push(&text[from..]);
    }
    words
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    // `²` and `½` are numeric but cannot be in an identifier; the href name must be one.
    c.is_alphanumeric() && syn::parse_str::<syn::Ident>(&format!("a{c}")).is_ok()
}

/// `name` (words of identifier characters joined by `_`) as a function name that compiles.
fn rust_identifier(mut name: String) -> String {
    let starts_like_an_identifier = name.chars().next().is_some_and(|first| {
        if first.is_ascii() {
            first.is_ascii_alphabetic()
        } else {
            syn::parse_str::<syn::Ident>(&first.to_string()).is_ok()
        }
    });
    if !starts_like_an_identifier {
        name.insert_str(0, "route_");
    }
    if is_keyword(&name) {
        name.push('_');
    }
    name
}

/// Strict, reserved and edition-2018+ keywords (`gen` since 2024): none may name a
/// function without `r#`, and `self`, `super`, `crate` and `Self` not even with it.
pub fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "abstract", "become", "box", "break", "const", "continue", "crate",
        "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
        "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
        "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try",
        "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::tests::{source, table};

    /// Every pattern of the route below `folders`: (axum path, href name, tag, GET's id).
    fn names(folders: &str) -> Vec<(String, String, Option<String>, String)> {
        let table = table(vec![source(folders)]);
        route_names(&table.routes[0])
            .into_iter()
            .map(|names| {
                let (_, id) = names.operation_ids[0].clone();
                (names.axum_path, names.href, names.tag, id)
            })
            .collect()
    }

    fn one(folders: &str) -> (String, String, Option<String>) {
        let mut all = names(folders);
        assert_eq!(all.len(), 1, "{folders}");
        let (_, href, tag, id) = all.remove(0);
        (id, href, tag)
    }

    fn check(folders: &str, id: &str, href: &str, tag: Option<&str>) {
        assert_eq!(
            one(folders),
            (id.to_string(), href.to_string(), tag.map(String::from)),
            "{folders}"
        );
    }

    #[test]
    fn the_examples() {
        check("api/users", "getUsers", "users", Some("users"));
        check(
            "api/users/[id]",
            "getUsersById",
            "users_by_id",
            Some("users"),
        );
        check("api/auth/login", "getAuthLogin", "auth_login", Some("auth"));
        check(
            "api/files/[...path]",
            "getFilesByPath",
            "files_by_path",
            Some("files"),
        );
        check("api", "getApi", "api", None);
        check("", "getRoot", "root", None);
        check("api/health", "getHealth", "health", Some("health"));
        check("health", "getHealth", "health", Some("health"));
        check(
            "api/user-profiles",
            "getUserProfiles",
            "user_profiles",
            Some("user-profiles"),
        );
        check(
            "api/users/[user_id]",
            "getUsersByUserId",
            "users_by_user_id",
            Some("users"),
        );
        check(
            "api/users/[id]/orders/[orderId]",
            "getUsersByIdOrdersByOrderId",
            "users_by_id_orders_by_order_id",
            Some("users"),
        );
    }

    #[test]
    fn any_is_documented_as_each_method_the_file_does_not_name() {
        assert_eq!(
            documented_methods(&[Method::Post, Method::Any]),
            [
                Method::Get,
                Method::Post,
                Method::Put,
                Method::Patch,
                Method::Delete
            ]
        );
        assert_eq!(
            documented_methods(&[Method::Options, Method::Any]),
            [
                Method::Get,
                Method::Post,
                Method::Put,
                Method::Patch,
                Method::Delete,
                Method::Options
            ]
        );
        assert_eq!(documented_methods(&[Method::Get]), [Method::Get]);
    }

    #[test]
    fn every_verb() {
        let table = table(vec![crate::read::ReadFile {
            contents: crate::read::Contents::Route(crate::route_file::RouteFileAnalysis {
                methods: Method::ALL.to_vec(),
                ..Default::default()
            }),
            ..source("api/auth/login")
        }]);
        let ids: Vec<String> = route_names(&table.routes[0])[0]
            .operation_ids
            .iter()
            .map(|(_, id)| id.clone())
            .collect();
        assert_eq!(
            ids,
            [
                "getAuthLogin",
                "headAuthLogin",
                "postAuthLogin",
                "putAuthLogin",
                "patchAuthLogin",
                "deleteAuthLogin",
                "optionsAuthLogin"
            ]
        );
    }

    #[test]
    fn groups_never_count_and_only_a_literal_leading_api_is_dropped() {
        check("api/(protected)/users", "getUsers", "users", Some("users"));
        check("(site)/api/(x)/users", "getUsers", "users", Some("users"));
        check("v1/users", "getV1Users", "v1_users", Some("v1"));
        check("api/api", "getApi", "api", Some("api"));
        check("API/users", "getAPIUsers", "api_users", Some("API"));
        check("apis/users", "getApisUsers", "apis_users", Some("apis"));
        check("users/api", "getUsersApi", "users_api", Some("users"));
        // The tag is the first static segment, wherever it is.
        check(
            "api/[org]/members",
            "getByOrgMembers",
            "by_org_members",
            Some("members"),
        );
        check("api/[id]", "getById", "by_id", None);
    }

    #[test]
    fn an_optional_catch_all_gives_two_patterns() {
        let patterns: Vec<(String, String, String)> = names("api/shop/[[...slug]]")
            .into_iter()
            .map(|(path, href, _, id)| (path, href, id))
            .collect();
        assert_eq!(
            patterns,
            [
                ("/api/shop".into(), "shop".into(), "getShop".into()),
                (
                    "/api/shop/{*slug}".into(),
                    "shop_by_slug".into(),
                    "getShopBySlug".into()
                ),
            ]
        );
        let root: Vec<(String, String)> = names("[[...all]]")
            .into_iter()
            .map(|(_, href, _, id)| (href, id))
            .collect();
        assert_eq!(
            root,
            [
                ("root".into(), "getRoot".into()),
                ("by_all".into(), "getByAll".into())
            ]
        );
        // `api` is dropped when the catch-all is left after it.
        let api: Vec<String> = names("api/[[...rest]]")
            .into_iter()
            .map(|(_, _, _, id)| id)
            .collect();
        assert_eq!(api, ["getApi", "getByRest"]);
    }

    #[test]
    fn words_are_letters_and_digits() {
        assert_eq!(words("user-profiles"), ["user", "profiles"]);
        assert_eq!(words("orderId"), ["order", "Id"]);
        assert_eq!(words("v1.0"), ["v1", "0"]);
        assert_eq!(words("v10"), ["v10"]);
        assert_eq!(words("HTTPServer"), ["HTTPServer"]);
        assert_eq!(words("v2Beta"), ["v2", "Beta"]);
        assert_eq!(words("__a__b__"), ["a", "b"]);
        assert_eq!(words("a b%c"), ["a", "b", "c"]);
        assert!(words("-._~").is_empty());
        assert!(words("🦀").is_empty());
    }

    #[test]
    fn unicode_names() {
        check("api/café", "getCafé", "café", Some("café"));
        check("api/Straße", "getStraße", "straße", Some("Straße"));
        check("api/日本/[id]", "get日本ById", "日本_by_id", Some("日本"));
        check("api/élan", "getÉlan", "élan", Some("élan"));
        // Letters an identifier cannot hold separate words, like punctuation.
        check("api/x²y", "getXY", "x_y", Some("x²y"));
        check("api/🦀", "getRoot", "root", Some("🦀"));
        // A decomposed `é` (e + combining accent): the accent is not a letter.
        check("api/cafe\u{301}", "getCafe", "cafe", Some("cafe\u{301}"));
    }

    #[test]
    fn href_names_are_rust_identifiers() {
        check("api/type", "getType", "type_", Some("type"));
        check("api/self", "getSelf", "self_", Some("self"));
        check("api/Self", "getSelf", "self_", Some("Self"));
        check("api/gen", "getGen", "gen_", Some("gen"));
        check("api/2024", "get2024", "route_2024", Some("2024"));
        check(
            "api/2024/report",
            "get2024Report",
            "route_2024_report",
            Some("2024"),
        );
        check("api/٣", "get٣", "route_٣", Some("٣"));
        check("api/rt", "getRt", "rt", Some("rt"));
        check(
            "api/%5Funderscore",
            "getUnderscore",
            "underscore",
            Some("_underscore"),
        );
        for folders in [
            "api/type",
            "api/2024",
            "api/日本/[id]",
            "api/٣",
            "api/café",
            "",
        ] {
            let (_, href, _) = one(folders);
            assert!(syn::parse_str::<syn::Ident>(&href).is_ok(), "{href}");
        }
    }

    #[test]
    fn punctuation_and_case_can_collide() {
        assert_eq!(one("api/v1.0").0, one("api/v10").0);
        assert_ne!(one("api/v1.0").1, one("api/v10").1);
        assert_eq!(one("api/users").1, one("api/Users").1);
        assert_eq!(one("api/user-id").0, one("api/userId").0);
    }
}
