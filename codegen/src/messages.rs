//! Every message the generator can show, in one place, so that code, tests and
//! `docs/conventions.md` quote the same words. Words only: what to suggest is decided in
//! [`crate::suggest`], and lists of names come from [`crate::conventions`].
//!
//! Each function returns a [`Diagnostic`] whose code names the rule; callers add the
//! locations. Messages name every file or folder involved; help says what to do.

use crate::conventions::{
    ConfigConst, MAX_CACHE_TAG_CHARS, MAX_CACHE_TAGS, Method, PATH_TAG_PREFIX,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::segment::SegmentError;
use crate::suggest;

const SEGMENT_FORMS: &str = "`name` (static), `[name]` (parameter), `[...name]` (catch-all), \
                             `[[...name]]` (optional catch-all) or `(name)` (route group)";

// --- the app folder -------------------------------------------------------------------

pub(crate) fn app_dir_missing(folder: &str) -> Diagnostic {
    Diagnostic::error(
        Code::AppDirMissing,
        format!("the app folder `{folder}` does not exist"),
    )
    .help(
        "create it with a route file inside (for example `app/api/health/route.rs`), \
         or point `Builder::app_dir` at the folder that holds your routes",
    )
}

pub(crate) fn unreadable(path: &str, cause: &str) -> Diagnostic {
    Diagnostic::error(Code::Unreadable, format!("cannot read `{path}`: {cause}"))
}

pub(crate) fn non_utf8_path(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::NonUtf8Path,
        format!("the path `{path}` is not valid UTF-8, so it cannot be a URL"),
    )
    .help("rename the folder using UTF-8 characters")
}

pub(crate) fn misnamed_file(path: &str, meant: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::MisnamedFile,
        format!(
            "`{path}` is ignored: only files named exactly `route.rs` and `middleware.rs` are read"
        ),
    )
    .help(format!(
        "did you mean `{meant}`? or move it into a `_private` folder if it is a helper"
    ))
}

pub(crate) fn foreign_file(path: &str, kind: suggest::ForeignFile) -> Diagnostic {
    use suggest::ForeignFile;
    let what = match kind {
        ForeignFile::NextRoute => "a Next.js route handler's file name",
        ForeignFile::SvelteKitEndpoint => "a SvelteKit endpoint's file name",
        ForeignFile::NextMiddleware => "Next.js's middleware file name",
        ForeignFile::NextPage => "a Next.js page's file name",
    };
    let help = match kind {
        ForeignFile::NextRoute | ForeignFile::SvelteKitEndpoint => {
            "write the handlers in Rust in a `route.rs` in the same folder \
             (`pub async fn GET() -> …`, one function per method)"
        }
        ForeignFile::NextMiddleware => {
            "write it in Rust as `middleware.rs` in the folder whose routes it wraps \
             (`pub async fn middleware(request: Request, next: Next) -> Response`)"
        }
        ForeignFile::NextPage => {
            "fsroute serves route handlers, not pages: for an API route, name the file \
             `route.rs` and export `pub async fn GET`"
        }
    };
    Diagnostic::warning(
        Code::ForeignFile,
        format!(
            "`{path}` is ignored: it is {what}, and fsroute reads only `route.rs` and \
             `middleware.rs`"
        ),
    )
    .help(help)
}

// --- folder names ---------------------------------------------------------------------

pub(crate) fn foreign_param_folder(folder: &str, name: &str, meant: &str, how: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::ForeignParamFolder,
        format!(
            "the folder `{folder}` is matched literally, as the text `{name}` in the URL: \
             that is how {how}; fsroute's parameters are folders in square brackets, as \
             in Next.js"
        ),
    )
    .help(format!("did you mean `{meant}`? rename the folder"))
}

pub(crate) fn bad_segment(folder: &str, name: &str, error: &SegmentError) -> Diagnostic {
    let (code, message, help) = match error {
        SegmentError::MalformedBrackets => (
            Code::MalformedSegment,
            format!("the folder name `{name}` has brackets that do not enclose the whole name"),
            match suggest::brackets(name) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("name the folder {SEGMENT_FORMS}"),
            },
        ),
        SegmentError::EmptyParam => (
            Code::EmptyParamName,
            format!("the folder name `{name}` declares a parameter without a name"),
            "put a name inside the brackets, for example `[id]` or `[...slug]`".to_string(),
        ),
        SegmentError::OptionalParam(param) => (
            Code::OptionalParam,
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
            Code::InvalidParamName,
            format!(
                "the parameter name `{param}` in `{name}` is not an identifier, so handlers \
                 cannot bind it to a struct field"
            ),
            format!(
                "use ASCII letters, digits and `_`, starting with a letter, for example `[{}]`",
                suggest::identifier(param)
            ),
        ),
        SegmentError::EmptyGroup => (
            Code::EmptyGroup,
            format!("the folder name `{name}` is a route group without a name"),
            "name the group, for example `(admin)`".to_string(),
        ),
        SegmentError::MalformedGroup => (
            Code::MalformedGroup,
            format!("the folder name `{name}` has parentheses that do not enclose the whole name"),
            format!("name the folder {SEGMENT_FORMS}"),
        ),
        SegmentError::InterceptingRoute => (
            Code::InterceptingRoute,
            format!(
                "the folder name `{name}` is a Next.js intercepting route, which only pages have"
            ),
            "rename the folder; to share code, put it in a `_private` folder".to_string(),
        ),
        SegmentError::ParallelSlot => (
            Code::ParallelRoute,
            format!(
                "the folder name `{name}` is a Next.js parallel route slot, which only pages have"
            ),
            "rename the folder, or start it with `_` to keep it out of routing".to_string(),
        ),
        SegmentError::DotSegment => (
            Code::DotSegment,
            format!(
                "the folder name `{name}` is the URL segment `.` or `..`, which clients \
                 remove from URLs before sending them"
            ),
            "rename the folder".to_string(),
        ),
        SegmentError::InvalidPercentEncoding => (
            Code::InvalidPercentEncoding,
            format!("the folder name `{name}` has percent escapes that do not decode to UTF-8"),
            "use `%5F` only for a leading `_`, and plain UTF-8 for everything else".to_string(),
        ),
    };
    Diagnostic::error(code, format!("{message} (in `{folder}`)")).help(help)
}

// --- route files ----------------------------------------------------------------------

pub(crate) fn unparsable_route_file(path: &str, cause: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::UnparsableRouteFile,
        format!(
            "`{path}` does not parse ({cause}); it is included as it is so that rustc reports the error"
        ),
    )
}

pub(crate) fn no_methods(path: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::NoMethods,
        format!("`{path}` exports no method handler, so it is not routed"),
    )
    .help(format!(
        "export at least one of `pub async fn {}`, {}",
        Method::ALL[0],
        Method::ALL[1..]
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

pub(crate) fn wrong_case_method(path: &str, name: &str, method: Method) -> Diagnostic {
    Diagnostic::warning(
        Code::WrongCaseMethod,
        format!("`{name}` in `{path}` is not routed: method handlers are upper case"),
    )
    .help(format!(
        "did you mean `{method}`? rename it to `pub async fn {method}`"
    ))
}

pub(crate) fn private_method(path: &str, method: Method) -> Diagnostic {
    Diagnostic::warning(
        Code::PrivateMethod,
        format!(
            "`{method}` in `{path}` is not `pub`, so the router cannot call it and it is not routed"
        ),
    )
    .help(format!("write `pub async fn {method}`"))
}

pub(crate) fn method_not_a_function(path: &str, method: Method, kind: &str) -> Diagnostic {
    Diagnostic::error(
        Code::MethodNotAFunction,
        format!("`{method}` in `{path}` is a {kind}, but method exports must be functions"),
    )
    .help(format!(
        "write the handler as `pub async fn {method}(...)`, or re-export one with `pub use path::handler as {method};`"
    ))
}

pub(crate) fn wrong_config_type(
    path: &str,
    name: &str,
    written: &str,
    expected: &str,
    unit: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::WrongConfigType,
        format!(
            "`pub const {name}: {written}` in `{path}` has the wrong type: the route config `{name}` is a `{expected}` ({unit})"
        ),
    )
    .help(format!("write `pub const {name}: {expected} = …;`"))
}

pub(crate) fn tags_without_revalidate(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::TagsWithoutRevalidate,
        format!(
            "`TAGS` in `{path}` only tags cached responses, but this route has no `REVALIDATE`, so nothing is cached"
        ),
    )
    .help("add `pub const REVALIDATE: u64 = …;` (seconds) to cache its `GET` responses, or remove `TAGS`")
}

/// A cache tag as a message shows it: escaped, and cut short past 40 characters.
fn shown_tag(tag: &str) -> String {
    let escaped: String = tag.escape_debug().collect();
    match escaped.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &escaped[..end]),
        None => escaped,
    }
}

pub(crate) fn empty_cache_tag(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidCacheTag,
        format!("`TAGS` in `{path}` has an empty cache tag"),
    )
    .help("give the tag a name, for example `\"posts\"`, or remove it")
}

pub(crate) fn reserved_cache_tag(path: &str, tag: &str) -> Diagnostic {
    // The path the tag names, when it names one, for the call that drops its responses.
    let named = tag
        .strip_prefix(PATH_TAG_PREFIX)
        .filter(|rest| rest.starts_with('/'))
        .unwrap_or("/api/posts");
    Diagnostic::error(
        Code::InvalidCacheTag,
        format!(
            "the cache tag `{}` in `{path}` starts with `{PATH_TAG_PREFIX}`, which is reserved: the runtime tags every cached response with `{PATH_TAG_PREFIX}` and its own path",
            shown_tag(tag)
        ),
    )
    .help(format!(
        "to drop the cached responses of a path, call `fsroute::cache::revalidate_path({named:?})`; give your own tags another name"
    ))
}

pub(crate) fn long_cache_tag(path: &str, tag: &str, chars: usize) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidCacheTag,
        format!(
            "the cache tag `{}` in `{path}` is {chars} characters long; a tag has at most {MAX_CACHE_TAG_CHARS} (Next.js's limit)",
            shown_tag(tag)
        ),
    )
    .help(
        "shorten it: a tag names what handlers invalidate together, for example `\"posts\"` or `\"post:42\"`",
    )
}

pub(crate) fn duplicate_cache_tag(path: &str, tag: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidCacheTag,
        format!(
            "the cache tag `{}` is in `TAGS` twice in `{path}`",
            shown_tag(tag)
        ),
    )
    .help("remove this one: a response carries each tag once")
}

pub(crate) fn too_many_cache_tags(path: &str, count: usize) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidCacheTag,
        format!(
            "`TAGS` in `{path}` has {count} cache tags; a route has at most {MAX_CACHE_TAGS} (Next.js's limit)"
        ),
    )
    .help(
        "tag by what handlers invalidate together (`\"posts\"`), not by item: a handler adds a response's own tags at run time with `fsroute::cache::cache_tag(…)`",
    )
}

pub(crate) fn private_handler_type(path: &str, method: Method, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::PrivateHandlerType,
        format!(
            "`{name}` is in the signature of `{method}` in `{path}` but is not `pub`, so the router cannot name it"
        ),
    )
    .help(format!(
        "write `pub` before the definition of `{name}` (and before its fields, for clients to see them in the OpenAPI document)"
    ))
}

pub(crate) fn handler_not_async(path: &str, method: Method) -> Diagnostic {
    Diagnostic::error(
        Code::HandlerNotAsync,
        format!("`{method}` in `{path}` is not `async`, so it cannot be a handler"),
    )
    .help(format!(
        "write `pub async fn {method}(…)`: axum awaits every handler"
    ))
}

pub(crate) fn body_extractor_not_last(path: &str, method: Method, ty: &str) -> Diagnostic {
    Diagnostic::error(
        Code::BodyExtractorNotLast,
        format!(
            "`{ty}` reads the request body, so it must be the last argument of `{method}` in `{path}`"
        ),
    )
    .help(format!(
        "move `{ty}` after the other arguments: extractors run in order, and only the last may take the body"
    ))
}

pub(crate) fn body_read_twice(path: &str, method: Method, first: &str, second: &str) -> Diagnostic {
    Diagnostic::error(
        Code::BodyReadTwice,
        format!(
            "`{method}` in `{path}` reads the request body twice, with `{first}` and `{second}`"
        ),
    )
    .help(
        "a request has one body: keep one extractor for it (`Bytes` or `String` takes it raw, to parse as you need)",
    )
}

pub(crate) fn private_route_middleware(path: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::PrivateRouteMiddleware,
        format!("`middleware` in `{path}` is not `pub`, so it does not wrap the route"),
    )
    .help("write `pub async fn middleware`, or rename it if it is a helper")
}

pub(crate) fn private_config(path: &str, name: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::PrivateConfig,
        format!("`{name}` in `{path}` is not `pub`, so the route does not use it"),
    )
    .help(format!("write `pub const {name}`"))
}

pub(crate) fn unknown_config(path: &str, name: &str) -> Diagnostic {
    let known = quote_list(
        &ConfigConst::ALL
            .iter()
            .map(|c| c.name().to_string())
            .collect::<Vec<_>>(),
    );
    let help = match suggest::config_const(name) {
        Some(meant) => format!(
            "did you mean `{}`? the route config constants are {known}",
            meant.name()
        ),
        None => format!(
            "the route config constants are {known}; make `{name}` private if it is your own"
        ),
    };
    Diagnostic::warning(
        Code::UnknownConfig,
        format!(
            "`pub const {name}` in `{path}` is not a route config constant, so it does nothing"
        ),
    )
    .help(help)
}

// --- the proxy ------------------------------------------------------------------------

pub(crate) fn missing_proxy(path: &str, private: bool) -> Diagnostic {
    let message = if private {
        format!("`proxy` in `{path}` is not `pub`, so nothing runs before routing")
    } else {
        format!("`{path}` has no `pub async fn proxy`, so nothing runs before routing")
    };
    Diagnostic::error(Code::MissingProxy, message).help(
        "export `pub async fn proxy(request: Request, next: Next) -> Response` (extractors \
         such as `State<…>` may come first), or delete the file",
    )
}

pub(crate) fn misplaced_proxy(path: &str, app_display: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::MisplacedProxy,
        format!(
            "`{path}` is ignored: the proxy runs before routing, for the whole app, so it is \
             read only at the top of the app folder"
        ),
    )
    .help(format!(
        "move it to `{app_display}/proxy.rs`; to wrap the routes of one folder after routing, \
         name the file `middleware.rs`"
    ))
}

pub(crate) fn private_matcher(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::PrivateMatcher,
        format!(
            "`MATCHER` in `{path}` is not `pub`, so the proxy would run for every path instead \
             of the ones it lists"
        ),
    )
    .help("write `pub const MATCHER`")
}

pub(crate) fn matcher_not_literal(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::MatcherNotLiteral,
        format!("`MATCHER` in `{path}` is not a list of string literals the generator can read"),
    )
    .help("write the patterns out: `pub const MATCHER: &[&str] = &[\"/api/:path*\"];`")
}

pub(crate) fn invalid_matcher(path: &str, pattern: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidMatcher,
        format!("the `MATCHER` pattern `{pattern}` in `{path}` cannot be read: {why}"),
    )
    .help(
        "a pattern is a path from `/` with literal segments, `:name` for one segment, and at \
         the end `:name?` (one or none), `:name*` (any number) or `:name+` (one or more), as \
         in Next.js's `config.matcher`",
    )
}

// --- middleware files -----------------------------------------------------------------

pub(crate) fn missing_middleware(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::MissingMiddleware,
        format!("`{path}` has no `pub async fn middleware`, so it cannot wrap the routes below it"),
    )
    .help(
        "export `pub async fn middleware(request: Request, next: Next) -> Response` (extractors \
         such as `State<…>` may come first), or delete the file",
    )
}

pub(crate) fn private_middleware(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::PrivateMiddleware,
        format!("`middleware` in `{path}` is not `pub`, so the router cannot call it"),
    )
    .help("write `pub async fn middleware`")
}

pub(crate) fn private_folder_security(path: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::PrivateConfig,
        format!("`SECURITY` in `{path}` is not `pub`, so the routes below it do not use it"),
    )
    .help("write `pub const SECURITY`")
}

pub(crate) fn unused_middleware(path: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::UnusedMiddleware,
        format!("`{path}` wraps nothing: there is no routed `route.rs` in its folder or below"),
    )
    .help("add a route below it, or delete the file")
}

// --- the URL tree ---------------------------------------------------------------------

pub(crate) fn catch_all_not_last(file: &str, folder: &str) -> Diagnostic {
    Diagnostic::error(
        Code::CatchAllNotLast,
        format!(
            "the catch-all `{folder}` must be the last segment of the URL, but `{file}` is below it"
        ),
    )
    .help("move the route file into the catch-all folder, or make the catch-all the deepest folder")
}

pub(crate) fn repeated_param(file: &str, param: &str, folders: &[String]) -> Diagnostic {
    Diagnostic::error(
        Code::RepeatedParam,
        format!(
            "the parameter `{param}` is used twice in the path of `{file}`: {}",
            quote_list(folders)
        ),
    )
    .help("give each parameter in one path its own name, for example `[userId]` and `[postId]`")
}

pub(crate) fn conflicting_param_names(names: &[String], folders: &[String]) -> Diagnostic {
    Diagnostic::error(
        Code::ConflictingParamNames,
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

pub(crate) fn catch_all_beside_optional(folders: &[String]) -> Diagnostic {
    Diagnostic::error(
        Code::CatchAllBesideOptional,
        format!(
            "a catch-all and an optional catch-all cannot be siblings: {}",
            quote_list(folders)
        ),
    )
    .help("keep one: `[[...name]]` matches everything `[...name]` does, plus the path without segments")
}

pub(crate) fn route_beside_optional_catch_all(
    url: &str,
    file: &str,
    optional_file: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::RouteBesideOptionalCatchAll,
        format!(
            "`{file}` and `{optional_file}` both answer `{url}`: an optional catch-all also matches the path without segments"
        ),
    )
    .help("delete one, or make the catch-all required (`[...name]`) so that it needs at least one segment")
}

pub(crate) fn duplicate_route(url: &str, files: &[String]) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateRoute,
        format!(
            "{} route files answer the same URL `{url}`: {}",
            files.len(),
            quote_list(files)
        ),
    )
    .help("route groups `(name)` do not change the URL; keep one route file for each URL")
}

/// `urls` are `(URL, file)` pairs; `names` say what they share (`operationId `getV10``).
pub(crate) fn colliding_names(urls: &[(&str, &str)], names: &[String]) -> Diagnostic {
    let urls: Vec<String> = urls
        .iter()
        .map(|(url, file)| format!("`{url}` (`{file}`)"))
        .collect();
    Diagnostic::error(
        Code::CollidingNames,
        format!(
            "the URLs {} get the same {}: names keep only the letters and digits of a URL",
            list(&urls),
            list(names)
        ),
    )
    .help(
        "rename one of the folders so that the URLs differ in more than punctuation and \
         letter case: operationIds in the OpenAPI document and `routes::href` functions \
         need a name of their own",
    )
}

// --- configuration and output ---------------------------------------------------------

pub(crate) fn invalid_state_type(state: &str, cause: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidStateType,
        format!("`.state(\"{state}\")` is not a Rust type: {cause}"),
    )
    .help("pass a type path, for example `.state(\"crate::AppState\")`")
}

/// `option` is the builder call (`openapi_path`), `path` what it was given.
pub(crate) fn invalid_served_path(option: &str, path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidServedPath,
        format!("`.{option}(\"{path}\")` is not a URL path the router can serve"),
    )
    .help(
        "give a path that starts with `/`, does not end with one, and has no `{`, `}`, `?`, `#` \
         or space, for example `/api/openapi.json`",
    )
}

/// A route file answers the URL the builder would serve the document or page at.
pub(crate) fn served_path_taken(what: &str, option: &str, path: &str, file: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ServedPathTaken,
        format!("{what} would be served at `{path}`, but `{file}` already answers that URL"),
    )
    .help(format!(
        "serve it elsewhere with `.{option}(\"/another/path\")` in `build.rs`, or move the route file"
    ))
}

pub(crate) fn not_in_build_script() -> Diagnostic {
    Diagnostic::error(
        Code::NotInBuildScript,
        "`OUT_DIR` is not set, so there is nowhere to write the router",
    )
    .help("call `Builder::build()` from `build.rs`, or use `Builder::generate()` to get the source")
}

pub(crate) fn write_failed(path: &str, cause: &str) -> Diagnostic {
    Diagnostic::error(Code::WriteFailed, format!("cannot write `{path}`: {cause}"))
}

/// `a`, `b` and `c`.
fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    list(&quoted)
}

/// a, b and c.
fn list(items: &[String]) -> String {
    match items {
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
}
