//! One test per build-time error and warning: the fixture tree under `fixtures/errors/` or
//! `fixtures/warnings/`, and the exact one-line text Cargo shows after `error:`. The text
//! is part of the contract; `docs/conventions.md` quotes it.

use std::path::{Path, PathBuf};

use fsroute_codegen::{Builder, Diagnostic, Failed};

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case)
}

fn failure(case: &str) -> Failed {
    match Builder::new().root(fixture(case)).generate() {
        Ok(generated) => panic!("`{case}` generated a router:\n{}", generated.source),
        Err(failed) => failed,
    }
}

/// The one-line form of every diagnostic, as `cargo::error=` prints it.
fn lines(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(Diagnostic::render_line).collect()
}

fn assert_errors(case: &str, code: &str, expected: &[&str]) {
    let failed = failure(&format!("errors/{case}"));
    assert!(
        failed
            .diagnostics
            .iter()
            .all(|d| d.is_error() && d.code == code),
        "{:#?}",
        failed.diagnostics
    );
    assert_eq!(lines(&failed.diagnostics), expected);
}

#[test]
fn sibling_parameters_with_different_names() {
    assert_errors(
        "conflicting-param-names",
        "conflicting-param-names",
        &[
            "sibling folders `app/api/(a)/[id]` and `app/api/(b)/[slug]` use different parameter \
           names (`id` and `slug`) for the same part of the URL; help: rename them to one name, \
           for example `id` everywhere: the router cannot tell them apart",
        ],
    );
}

#[test]
fn two_files_for_one_url_through_groups() {
    assert_errors(
        "duplicate-route",
        "duplicate-route",
        &[
            "3 route files answer the same URL `/api/users`: `app/api/(a)/users/route.rs`, \
           `app/api/(b)/users/route.rs` and `app/api/users/route.rs`; help: route groups \
           `(name)` do not change the URL; keep one route file for each URL",
        ],
    );
}

#[test]
fn catch_all_that_is_not_last() {
    assert_errors(
        "catch-all-not-last",
        "catch-all-not-last",
        &[
            "the catch-all `app/docs/[...slug]` must be the last segment of the URL, but \
           `app/docs/[...slug]/edit/route.rs` is below it; help: move the route file into the \
           catch-all folder, or make the catch-all the deepest folder",
        ],
    );
}

#[test]
fn catch_all_beside_optional_catch_all() {
    assert_errors(
        "catch-all-beside-optional",
        "catch-all-beside-optional",
        &[
            "a catch-all and an optional catch-all cannot be siblings: `app/docs/[...a]` and \
           `app/docs/[[...b]]`; help: keep one: `[[...name]]` matches everything `[...name]` \
           does, plus the path without segments",
        ],
    );
}

#[test]
fn route_file_beside_its_own_optional_catch_all() {
    assert_errors(
        "route-beside-optional-catch-all",
        "route-beside-optional-catch-all",
        &[
            "`app/shop/route.rs` and `app/shop/[[...slug]]/route.rs` both answer `/shop`: an \
           optional catch-all also matches the path without segments; help: delete one, or \
           make the catch-all required (`[...name]`) so that it needs at least one segment",
        ],
    );
}

#[test]
fn parameter_name_twice_in_one_path() {
    assert_errors(
        "repeated-param",
        "repeated-param",
        &["the parameter `id` is used twice in the path of \
           `app/users/[id]/friends/[id]/route.rs`: `app/users/[id]` and \
           `app/users/[id]/friends/[id]`; help: give each parameter in one path its own name, \
           for example `[userId]` and `[postId]`"],
    );
}

#[test]
fn parameter_beside_catch_all() {
    assert_errors(
        "param-beside-catch-all",
        "param-beside-catch-all",
        &[
            "a parameter and a catch-all cannot be siblings, because axum's router cannot tell \
           which one a single segment belongs to: `app/docs/[id]` and `app/docs/[...slug]`; \
           help: keep the catch-all and handle the one-segment case in it (its parameter then \
           has no `/`), or move one of them under a static folder",
        ],
    );
}

#[test]
fn malformed_folder_names_are_all_reported_at_once() {
    let failed = failure("errors/malformed-names");
    let by_folder: Vec<(String, &str)> = failed
        .diagnostics
        .iter()
        .map(|d| (d.locations[0].path.clone(), d.code))
        .collect();
    let expected = [
        ("app/%2E%2E", "dot-segment"),
        ("app/%FF", "invalid-percent-encoding"),
        ("app/()", "empty-group"),
        ("app/(.)photo", "intercepting-route"),
        ("app/(admin", "malformed-group"),
        ("app/@modal", "parallel-route"),
        ("app/[...]", "empty-param-name"),
        ("app/[[...slug]", "malformed-segment"),
        ("app/[[id]]", "optional-param"),
        ("app/[]", "empty-param-name"),
        ("app/[id", "malformed-segment"),
        ("app/[my-id]", "invalid-param-name"),
        ("app/id]", "malformed-segment"),
    ];
    let expected: Vec<(String, &str)> = expected
        .iter()
        .map(|(path, code)| (path.to_string(), *code))
        .collect();
    assert_eq!(by_folder, expected);

    let text = |folder: &str| {
        failed
            .diagnostics
            .iter()
            .find(|d| d.locations[0].path == folder)
            .unwrap()
            .render_line()
    };
    assert_eq!(
        text("app/[id"),
        "the folder name `[id` has brackets that do not enclose the whole name (in `app/[id`); \
         help: did you mean `[id]`?"
    );
    assert_eq!(
        text("app/[[id]]"),
        "the folder name `[[id]]` is an optional parameter; only optional catch-alls \
         (`[[...id]]`) are supported, as in Next.js (in `app/[[id]]`); help: use `[[...id]]`, or \
         serve the path without the parameter from the parent folder's `route.rs` and the one \
         with it from `[id]`"
    );
    assert_eq!(
        text("app/[]"),
        "the folder name `[]` declares a parameter without a name (in `app/[]`); help: put a \
         name inside the brackets, for example `[id]` or `[...slug]`"
    );
    assert_eq!(
        text("app/[my-id]"),
        "the parameter name `my-id` in `[my-id]` is not an identifier, so handlers cannot bind \
         it to a struct field (in `app/[my-id]`); help: use ASCII letters, digits and `_`, \
         starting with a letter, for example `[my_id]`"
    );
    assert_eq!(
        text("app/@modal"),
        "the folder name `@modal` is a Next.js parallel route slot, which only pages have (in \
         `app/@modal`); help: rename the folder, or start it with `_` to keep it out of routing"
    );
}

#[test]
fn method_export_that_is_not_a_function() {
    assert_errors(
        "method-not-a-function",
        "method-not-a-function",
        &[
            "app/api/route.rs:1:11: `GET` in `app/api/route.rs` is a const, but method exports \
           must be functions; help: write the handler as `pub async fn GET(...)`, or re-export \
           one with `pub use path::handler as GET;`",
        ],
    );
}

#[test]
fn state_that_is_not_a_type() {
    let failed = Builder::new()
        .root(fixture("errors/invalid-state"))
        .state("crate::")
        .generate()
        .unwrap_err();
    assert_eq!(failed.diagnostics.len(), 1);
    assert_eq!(failed.diagnostics[0].code, "invalid-state-type");
    assert!(
        failed.diagnostics[0]
            .render_line()
            .starts_with("`.state(\"crate::\")` is not a Rust type: "),
        "{}",
        failed.diagnostics[0].render_line()
    );
}

#[test]
fn missing_app_folder() {
    let dir = tempfile::tempdir().unwrap();
    let failed = Builder::new().root(dir.path()).generate().unwrap_err();
    assert_eq!(
        lines(&failed.diagnostics),
        [
            "the app folder `app` does not exist; help: create it with a route file inside (for \
          example `app/api/health/route.rs`), or point `Builder::app_dir` at the folder that \
          holds your routes"
        ]
    );
}

#[cfg(unix)]
#[test]
fn folder_name_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir
        .path()
        .join("app")
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("route.rs"), "pub async fn GET() {}").unwrap();
    let failed = Builder::new().root(dir.path()).generate().unwrap_err();
    assert_eq!(
        lines(&failed.diagnostics),
        [
            "the path `app/caf\u{fffd}/route.rs` is not valid UTF-8, so it cannot be a URL; help: \
          rename the folder using UTF-8 characters"
        ]
    );
}

#[test]
fn warnings_do_not_stop_the_build() {
    let generated = Builder::new().root(fixture("warnings")).generate().unwrap();
    assert_eq!(
        lines(&generated.warnings),
        [
            "`app/api/misnamed/Route.rs` is ignored: only files named exactly `route.rs` and \
             `middleware.rs` are read; help: did you mean `route.rs`? or move it into a \
             `_private` folder if it is a helper",
            "app/api/broken/route.rs:1:19: `app/api/broken/route.rs` does not parse (cannot \
             parse string into token stream); it is included as it is so that rustc reports \
             the error",
            "app/api/lowercase/route.rs:1:14: `get` in `app/api/lowercase/route.rs` is not \
             routed: method handlers are upper case; help: did you mean `GET`? rename it to \
             `pub async fn GET`",
            "`app/api/no-methods/route.rs` exports no method handler, so it is not routed; \
             help: export at least one of `pub async fn GET`, `HEAD`, `POST`, `PUT`, `PATCH`, \
             `DELETE`, `OPTIONS`",
            "app/api/private/route.rs:2:10: `GET` in `app/api/private/route.rs` is not `pub`, \
             so the router cannot call it and it is not routed; help: write `pub async fn GET`",
        ]
    );
    // The unparsable file is still a module, so that rustc reports its error in place.
    assert!(generated.source.contains("mod api_broken;"));
    let routed: Vec<&str> = generated.routes.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(routed, ["/api/lowercase", "/api/ok", "/api/private"]);
}

#[test]
fn rustc_style_rendering_points_at_the_name() {
    let generated = Builder::new().root(fixture("warnings")).generate().unwrap();
    let lowercase = generated
        .warnings
        .iter()
        .find(|d| d.code == "wrong-case-method")
        .unwrap();
    assert_eq!(
        lowercase.render(),
        "warning[wrong-case-method]: `get` in `app/api/lowercase/route.rs` is not routed: method \
         handlers are upper case\n  --> app/api/lowercase/route.rs:1:14\n  |\n1 | pub async fn \
         get() -> &'static str { \"x\" }\n  |              ^^^\n  = help: did you mean `GET`? \
         rename it to `pub async fn GET`\n"
    );
}

#[test]
fn middleware_file_without_a_middleware_function() {
    assert_errors(
        "missing-middleware",
        "missing-middleware",
        &[
            "`app/api/middleware.rs` has no `pub async fn middleware`, so it cannot wrap the \
           routes below it; help: export `pub async fn middleware(request: Request, next: Next) \
           -> Response` (extractors such as `State<…>` may come first), or delete the file",
        ],
    );
}

#[test]
fn middleware_function_that_is_not_pub() {
    assert_errors(
        "private-middleware",
        "private-middleware",
        &[
            "app/(admin)/middleware.rs:5:10: `middleware` in `app/(admin)/middleware.rs` is not \
           `pub`, so the router cannot call it; help: write `pub async fn middleware`",
        ],
    );
}

#[test]
fn route_config_warnings() {
    let generated = Builder::new()
        .root(fixture("config-warnings"))
        .generate()
        .unwrap();
    let codes: Vec<&str> = generated.warnings.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            "unknown-config",
            "unknown-config",
            "private-config",
            "unknown-config",
            "private-route-middleware",
            "unused-middleware"
        ]
    );
    assert_eq!(
        lines(&generated.warnings[..2]),
        [
            "app/api/route.rs:3:11: `pub const MAX_DURATON` in `app/api/route.rs` is not a route \
             config constant, so it does nothing; help: did you mean `MAX_DURATION`? the route \
             config constants are `MAX_DURATION`, `BODY_LIMIT` and `REVALIDATE`",
            "app/api/route.rs:4:11: `pub const maxDuration` in `app/api/route.rs` is not a route \
             config constant, so it does nothing; help: did you mean `MAX_DURATION`? the route \
             config constants are `MAX_DURATION`, `BODY_LIMIT` and `REVALIDATE`",
        ]
    );
    assert_eq!(
        generated.warnings[3].render_line(),
        "app/api/route.rs:6:11: `pub const PAGE_SIZE` in `app/api/route.rs` is not a route config \
         constant, so it does nothing; help: the route config constants are `MAX_DURATION`, \
         `BODY_LIMIT` and `REVALIDATE`; make `PAGE_SIZE` private if it is your own"
    );
    assert_eq!(
        generated.warnings[5].render_line(),
        "`app/other/middleware.rs` wraps nothing: there is no routed `route.rs` in its folder or \
         below; help: add a route below it, or delete the file"
    );
    // A private REVALIDATE does nothing: no cache layer in the source.
    assert!(!generated.source.contains("revalidate"));
}
