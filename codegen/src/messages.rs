//! Every message the generator can show, in one place, so that code, tests and
//! `docs/conventions.md` quote the same words.
//!
//! Each function returns a [`Diagnostic`] whose code names the rule; callers add the
//! locations. Messages name every file or folder involved; help says what to do.

use crate::diagnostic::Diagnostic;
use crate::route_file::Method;
use crate::segment::SegmentError;

const SEGMENT_FORMS: &str = "`name` (static), `[name]` (parameter), `[...name]` (catch-all), \
                             `[[...name]]` (optional catch-all) or `(name)` (route group)";

// --- the app folder -------------------------------------------------------------------

pub fn app_dir_missing(folder: &str) -> Diagnostic {
    Diagnostic::error(
        "app-dir-missing",
        format!("the app folder `{folder}` does not exist"),
    )
    .help(
        "create it with a route file inside (for example `app/api/health/route.rs`), \
         or point `Builder::app_dir` at the folder that holds your routes",
    )
}

pub fn unreadable(path: &str, cause: &str) -> Diagnostic {
    Diagnostic::error("unreadable", format!("cannot read `{path}`: {cause}"))
}

pub fn non_utf8_path(path: &str) -> Diagnostic {
    Diagnostic::error(
        "non-utf8-path",
        format!("the path `{path}` is not valid UTF-8, so it cannot be a URL"),
    )
    .help("rename the folder using UTF-8 characters")
}

pub fn misnamed_file(path: &str, meant: &str) -> Diagnostic {
    Diagnostic::warning(
        "misnamed-file",
        format!(
            "`{path}` is ignored: only files named exactly `route.rs` and `middleware.rs` are read"
        ),
    )
    .help(format!(
        "did you mean `{meant}`? or move it into a `_private` folder if it is a helper"
    ))
}

// --- folder names ---------------------------------------------------------------------

pub fn bad_segment(folder: &str, name: &str, error: &SegmentError) -> Diagnostic {
    let (code, message, help) = match error {
        SegmentError::MalformedBrackets => (
            "malformed-segment",
            format!("the folder name `{name}` has brackets that do not enclose the whole name"),
            match bracket_suggestion(name) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("name the folder {SEGMENT_FORMS}"),
            },
        ),
        SegmentError::EmptyParam => (
            "empty-param-name",
            format!("the folder name `{name}` declares a parameter without a name"),
            "put a name inside the brackets, for example `[id]` or `[...slug]`".to_string(),
        ),
        SegmentError::OptionalParam(param) => (
            "optional-param",
            format!(
                "the folder name `{name}` is an optional parameter; only optional \
                 catch-alls (`[[...{param}]]`) are supported, as in Next.js"
            ),
            format!(
                "use `[[...{param}]]`, or serve the path without the parameter from the \
                 parent folder's `route.rs` and the one with it from `[{param}]`"
            ),
        ),
        SegmentError::InvalidParamName(param) => (
            "invalid-param-name",
            format!(
                "the parameter name `{param}` in `{name}` is not an identifier, so handlers \
                 cannot bind it to a struct field"
            ),
            format!(
                "use ASCII letters, digits and `_`, starting with a letter, for example `[{}]`",
                suggest_identifier(param)
            ),
        ),
        SegmentError::EmptyGroup => (
            "empty-group",
            format!("the folder name `{name}` is a route group without a name"),
            "name the group, for example `(admin)`".to_string(),
        ),
        SegmentError::MalformedGroup => (
            "malformed-group",
            format!("the folder name `{name}` has parentheses that do not enclose the whole name"),
            format!("name the folder {SEGMENT_FORMS}"),
        ),
        SegmentError::InterceptingRoute => (
            "intercepting-route",
            format!(
                "the folder name `{name}` is a Next.js intercepting route, which only pages have"
            ),
            "rename the folder; to share code, put it in a `_private` folder".to_string(),
        ),
        SegmentError::ParallelSlot => (
            "parallel-route",
            format!(
                "the folder name `{name}` is a Next.js parallel route slot, which only pages have"
            ),
            "rename the folder, or start it with `_` to keep it out of routing".to_string(),
        ),
        SegmentError::DotSegment => (
            "dot-segment",
            format!(
                "the folder name `{name}` is the URL segment `.` or `..`, which clients \
                 remove from URLs before sending them"
            ),
            "rename the folder".to_string(),
        ),
        SegmentError::InvalidPercentEncoding => (
            "invalid-percent-encoding",
            format!("the folder name `{name}` has percent escapes that do not decode to UTF-8"),
            "use `%5F` only for a leading `_`, and plain UTF-8 for everything else".to_string(),
        ),
    };
    Diagnostic::error(code, format!("{message} (in `{folder}`)")).help(help)
}

/// `[id` → `[id]`, `[[...slug]` → `[[...slug]]`: a missing or extra bracket at an end.
fn bracket_suggestion(name: &str) -> Option<String> {
    if !(name.starts_with('[') || name.ends_with(']')) {
        return None;
    }
    let inner = name.trim_matches(['[', ']']);
    if inner.is_empty() || inner.contains(['[', ']']) {
        return None;
    }
    let optional = name.starts_with("[[") && inner.starts_with("...");
    Some(if optional {
        format!("[[{inner}]]")
    } else {
        format!("[{inner}]")
    })
}

/// `my-id` → `my_id`, `1st` → `p1st`: a nearby name that would be accepted.
fn suggest_identifier(param: &str) -> String {
    let mut out: String = param
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'p');
    }
    out
}

// --- route files ----------------------------------------------------------------------

pub fn unparsable_route_file(path: &str, cause: &str) -> Diagnostic {
    Diagnostic::warning(
        "unparsable-route-file",
        format!(
            "`{path}` does not parse ({cause}); it is included as it is so that rustc reports the error"
        ),
    )
}

pub fn no_methods(path: &str) -> Diagnostic {
    Diagnostic::warning(
        "no-methods",
        format!("`{path}` exports no method handler, so it is not routed"),
    )
    .help("export at least one of `pub async fn GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`, `OPTIONS`")
}

pub fn wrong_case_method(path: &str, name: &str, method: Method) -> Diagnostic {
    Diagnostic::warning(
        "wrong-case-method",
        format!("`{name}` in `{path}` is not routed: method handlers are upper case"),
    )
    .help(format!(
        "did you mean `{method}`? rename it to `pub async fn {method}`"
    ))
}

pub fn private_method(path: &str, method: Method) -> Diagnostic {
    Diagnostic::warning(
        "private-method",
        format!(
            "`{method}` in `{path}` is not `pub`, so the router cannot call it and it is not routed"
        ),
    )
    .help(format!("write `pub async fn {method}`"))
}

pub fn method_not_a_function(path: &str, method: Method, kind: &str) -> Diagnostic {
    Diagnostic::error(
        "method-not-a-function",
        format!("`{method}` in `{path}` is a {kind}, but method exports must be functions"),
    )
    .help(format!(
        "write the handler as `pub async fn {method}(...)`, or re-export one with `pub use path::handler as {method};`"
    ))
}

pub fn private_route_middleware(path: &str) -> Diagnostic {
    Diagnostic::warning(
        "private-route-middleware",
        format!("`middleware` in `{path}` is not `pub`, so it does not wrap the route"),
    )
    .help("write `pub async fn middleware`, or rename it if it is a helper")
}

pub fn private_config(path: &str, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "private-config",
        format!("`{name}` in `{path}` is not `pub`, so the route does not use it"),
    )
    .help(format!("write `pub const {name}`"))
}

pub fn unknown_config(path: &str, name: &str) -> Diagnostic {
    let known = "`MAX_DURATION`, `BODY_LIMIT` and `REVALIDATE`";
    let help = match closest_config(name) {
        Some(meant) => format!("did you mean `{meant}`? the route config constants are {known}"),
        None => format!(
            "the route config constants are {known}; make `{name}` private if it is your own"
        ),
    };
    Diagnostic::warning(
        "unknown-config",
        format!(
            "`pub const {name}` in `{path}` is not a route config constant, so it does nothing"
        ),
    )
    .help(help)
}

/// A known constant within two edits (`MAX_DURATON`), or the same letters in another case
/// (`maxDuration`, Next.js's spelling).
pub(crate) fn closest_config(name: &str) -> Option<&'static str> {
    let squash = |s: &str| s.replace('_', "").to_ascii_lowercase();
    crate::route_file::ConfigConst::ALL
        .into_iter()
        .map(|c| c.name())
        .find(|known| squash(known) == squash(name) || edit_distance(known, name) <= 2)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

// --- middleware files -----------------------------------------------------------------

pub fn missing_middleware(path: &str) -> Diagnostic {
    Diagnostic::error(
        "missing-middleware",
        format!("`{path}` has no `pub async fn middleware`, so it cannot wrap the routes below it"),
    )
    .help(
        "export `pub async fn middleware(request: Request, next: Next) -> Response` (extractors \
         such as `State<…>` may come first), or delete the file",
    )
}

pub fn private_middleware(path: &str) -> Diagnostic {
    Diagnostic::error(
        "private-middleware",
        format!("`middleware` in `{path}` is not `pub`, so the router cannot call it"),
    )
    .help("write `pub async fn middleware`")
}

pub fn unused_middleware(path: &str) -> Diagnostic {
    Diagnostic::warning(
        "unused-middleware",
        format!("`{path}` wraps nothing: there is no routed `route.rs` in its folder or below"),
    )
    .help("add a route below it, or delete the file")
}

// --- the URL tree ---------------------------------------------------------------------

pub fn catch_all_not_last(file: &str, folder: &str) -> Diagnostic {
    Diagnostic::error(
        "catch-all-not-last",
        format!(
            "the catch-all `{folder}` must be the last segment of the URL, but `{file}` is below it"
        ),
    )
    .help("move the route file into the catch-all folder, or make the catch-all the deepest folder")
}

pub fn repeated_param(file: &str, param: &str, folders: &[String]) -> Diagnostic {
    Diagnostic::error(
        "repeated-param",
        format!(
            "the parameter `{param}` is used twice in the path of `{file}`: {}",
            quote_list(folders)
        ),
    )
    .help("give each parameter in one path its own name, for example `[userId]` and `[postId]`")
}

pub fn conflicting_param_names(names: &[String], folders: &[String]) -> Diagnostic {
    Diagnostic::error(
        "conflicting-param-names",
        format!(
            "sibling folders {} use different parameter names ({}) for the same part of the URL",
            quote_list(folders),
            quote_list(names)
        ),
    )
    .help(format!(
        "rename them to one name, for example `{}` everywhere: the router cannot tell them apart",
        names[0]
    ))
}

pub fn catch_all_beside_optional(folders: &[String]) -> Diagnostic {
    Diagnostic::error(
        "catch-all-beside-optional",
        format!(
            "a catch-all and an optional catch-all cannot be siblings: {}",
            quote_list(folders)
        ),
    )
    .help("keep one: `[[...name]]` matches everything `[...name]` does, plus the path without segments")
}

pub fn param_beside_catch_all(folders: &[String]) -> Diagnostic {
    Diagnostic::error(
        "param-beside-catch-all",
        format!(
            "a parameter and a catch-all cannot be siblings, because axum's router cannot \
             tell which one a single segment belongs to: {}",
            quote_list(folders)
        ),
    )
    .help(
        "keep the catch-all and handle the one-segment case in it (its parameter then has \
         no `/`), or move one of them under a static folder",
    )
}

pub fn route_beside_optional_catch_all(url: &str, file: &str, optional_file: &str) -> Diagnostic {
    Diagnostic::error(
        "route-beside-optional-catch-all",
        format!(
            "`{file}` and `{optional_file}` both answer `{url}`: an optional catch-all also matches the path without segments"
        ),
    )
    .help("delete one, or make the catch-all required (`[...name]`) so that it needs at least one segment")
}

pub fn duplicate_route(url: &str, files: &[String]) -> Diagnostic {
    Diagnostic::error(
        "duplicate-route",
        format!(
            "{} route files answer the same URL `{url}`: {}",
            files.len(),
            quote_list(files)
        ),
    )
    .help("route groups `(name)` do not change the URL; keep one route file for each URL")
}

// --- configuration and output ---------------------------------------------------------

pub fn invalid_state_type(state: &str, cause: &str) -> Diagnostic {
    Diagnostic::error(
        "invalid-state-type",
        format!("`.state(\"{state}\")` is not a Rust type: {cause}"),
    )
    .help("pass a type path, for example `.state(\"crate::AppState\")`")
}

pub fn not_in_build_script() -> Diagnostic {
    Diagnostic::error(
        "not-in-build-script",
        "`OUT_DIR` is not set, so there is nowhere to write the router",
    )
    .help("call `Builder::build()` from `build.rs`, or use `Builder::generate()` to get the source")
}

pub fn write_failed(path: &str, cause: &str) -> Diagnostic {
    Diagnostic::error("write-failed", format!("cannot write `{path}`: {cause}"))
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        let list =
            |items: &[&str]| quote_list(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b"]), "`a` and `b`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn bracket_suggestions() {
        assert_eq!(bracket_suggestion("[id").as_deref(), Some("[id]"));
        assert_eq!(bracket_suggestion("id]").as_deref(), Some("[id]"));
        assert_eq!(
            bracket_suggestion("[[...slug]").as_deref(),
            Some("[[...slug]]")
        );
        assert_eq!(
            bracket_suggestion("[...slug]]").as_deref(),
            Some("[...slug]")
        );
        assert_eq!(bracket_suggestion("a[id]b"), None);
    }

    #[test]
    fn config_suggestions() {
        assert_eq!(closest_config("MAX_DURATON"), Some("MAX_DURATION"));
        assert_eq!(closest_config("maxDuration"), Some("MAX_DURATION"));
        assert_eq!(closest_config("REVALIDATES"), Some("REVALIDATE"));
        assert_eq!(closest_config("PAGE_SIZE"), None);
    }

    #[test]
    fn identifier_suggestions_are_identifiers() {
        for bad in ["my-id", "1st", "a.b", "-"] {
            assert!(
                crate::segment::is_identifier(&suggest_identifier(bad)),
                "{bad}"
            );
        }
    }
}
