//! The generated source, pinned: a snapshot per fixture tree that compiles, and proof that
//! the output depends on nothing but the tree (not the run, not the walk order).
//!
//! Review changes with `cargo insta review`.

use std::path::{Path, PathBuf};

use fsroute_codegen::Builder;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn generate(root: &Path, state: &str) -> String {
    generate_with(Builder::new().root(root).state(state))
}

/// With the OpenAPI document and the docs page, as the template app builds.
fn generate_openapi(root: &Path, state: &str, strict: bool) -> String {
    generate_with(
        Builder::new()
            .root(root)
            .state(state)
            .openapi(true)
            .openapi_strict(strict)
            .docs(true),
    )
}

fn generate_with(builder: Builder) -> String {
    match builder.generate() {
        Ok(generated) => {
            // Valid Rust whatever the tree (the fixtures are compiled by rustc as well).
            if let Err(err) = syn::parse_file(&generated.source) {
                panic!(
                    "the generated source does not parse: {err}\n{}",
                    generated.source
                );
            }
            generated.source
        }
        Err(failed) => panic!("{failed}"),
    }
}

/// Absolute paths differ between machines; the snapshot shows `[ROOT]` instead.
fn portable(source: &str, root: &Path) -> String {
    source.replace(&root.display().to_string(), "[ROOT]")
}

#[test]
fn conventions_router_source() {
    let root = fixtures().join("conventions");
    let source = generate(&root, "crate::FixtureState");
    insta::assert_snapshot!(portable(&source, &root));
}

#[test]
fn middleware_router_source() {
    let root = fixtures().join("middleware");
    let source = generate(&root, "crate::MiddlewareState");
    insta::assert_snapshot!(portable(&source, &root));
}

#[test]
fn root_router_source() {
    let root = fixtures().join("root");
    insta::assert_snapshot!(portable(&generate(&root, "()"), &root));
}

/// A `[param]` beside catch-alls: three routers, tried in order.
#[test]
fn precedence_router_source() {
    let root = fixtures().join("precedence");
    insta::assert_snapshot!(portable(&generate(&root, "()"), &root));
}

/// `app/proxy.rs` with a `MATCHER`, and `ANY` handlers.
#[test]
fn proxy_and_any_router_source() {
    for case in ["proxy", "any-method"] {
        let root = fixtures().join(case);
        insta::assert_snapshot!(case, portable(&generate(&root, "()"), &root));
    }
}

/// In the OpenAPI document `ANY` is each method the file does not name, described from
/// the `ANY` handler: an operation is one method.
#[test]
fn any_is_described_as_each_method_it_answers() {
    let root = fixtures().join("any-method");
    let source = generate_openapi(&root, "()", false);
    for (method, id) in [
        ("get", "getMixed"),
        ("post", "postAnything"),
        ("put", "putOwnOptions"),
        ("delete", "deleteMixed"),
    ] {
        assert!(
            source.contains(&format!("\"{method}\", \"{id}\"")),
            "no {method} {id} in:\n{source}"
        );
    }
    assert!(source.contains("api_anything::ANY"), "{source}");
    // `GET` of the mixed route is its own handler, not `ANY`.
    assert!(source.contains("api_mixed::GET"), "{source}");
    assert!(!source.contains("\"any\""), "{source}");
}

#[test]
fn openapi_router_source() {
    let root = fixtures().join("openapi");
    insta::assert_snapshot!(portable(&generate_openapi(&root, "()", false), &root));
}

/// Strict: the same calls, each requiring the type to be described.
#[test]
fn openapi_strict_router_source() {
    let root = fixtures().join("openapi");
    let relaxed = generate_openapi(&root, "()", false);
    let strict = generate_openapi(&root, "()", true);
    assert!(strict.contains("    documented_input(&probes(&api_raw::POST).0.0, &mut op);\n"));
    assert!(strict.contains("    documented_output(&probes(&api_raw::POST).1, &mut op);\n"));
    assert!(
        strict.contains("    documented_output(&output_probe(&api_reexported::GET), &mut op);\n")
    );
    assert!(!strict.contains("(&&&"));
    assert_eq!(
        strict.matches("documented_input(").count(),
        relaxed.matches(".input(&mut op)").count()
    );
}

#[test]
fn without_openapi_nothing_of_it_is_generated() {
    let source = generate(&fixtures().join("openapi"), "()");
    for piece in [
        "rt::openapi",
        "fn openapi",
        "_openapi(",
        "docs_page",
        "require_",
    ] {
        assert!(!source.contains(piece), "{piece} in\n{source}");
    }
}

#[test]
fn warnings_tree_source_keeps_unrouted_files_as_modules() {
    let root = fixtures().join("warnings");
    insta::assert_snapshot!(portable(&generate(&root, "()"), &root));
}

#[test]
fn output_is_identical_run_after_run() {
    let root = fixtures().join("conventions");
    let first = generate(&root, "crate::FixtureState");
    for _ in 0..3 {
        assert_eq!(generate(&root, "crate::FixtureState"), first);
    }
}

/// Copies a tree file by file in the given order, so that directory entries are created
/// (and on most file systems listed) in a different order.
fn copy_tree(files: &[PathBuf], from: &Path, to: &Path) {
    for file in files {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(file, target).unwrap();
    }
}

#[test]
fn output_does_not_depend_on_the_order_files_were_created_in() {
    let from = fixtures().join("conventions");
    let mut files: Vec<PathBuf> = walk(&from);
    let forward = tempfile::tempdir().unwrap();
    copy_tree(&files, &from, forward.path());
    files.reverse();
    // Interleave too: not just reversed, but shuffled in a fixed way.
    let (even, odd): (Vec<_>, Vec<_>) = files
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let shuffled: Vec<PathBuf> = odd.into_iter().chain(even).map(|(_, f)| f).collect();
    let backward = tempfile::tempdir().unwrap();
    copy_tree(&shuffled, &from, backward.path());

    let a = portable(
        &generate(forward.path(), "crate::FixtureState"),
        forward.path(),
    );
    let b = portable(
        &generate(backward.path(), "crate::FixtureState"),
        backward.path(),
    );
    assert_eq!(a, b);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn unchanged_output_is_not_rewritten() {
    let out = tempfile::tempdir().unwrap();
    let builder = Builder::new()
        .root(fixtures().join("root"))
        .out_dir(out.path())
        .out_file("routes.rs");
    let first = builder.try_build().unwrap();
    assert!(first.written);
    let modified = std::fs::metadata(&first.out_path)
        .unwrap()
        .modified()
        .unwrap();
    let second = builder.try_build().unwrap();
    assert!(!second.written);
    assert_eq!(
        std::fs::metadata(&second.out_path)
            .unwrap()
            .modified()
            .unwrap(),
        modified
    );
    assert_eq!(
        std::fs::read_to_string(&second.out_path).unwrap(),
        second.generated.source
    );
}

#[test]
fn many_routes_are_chained_in_chunks_rustc_can_take() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..120 {
        let folder = dir.path().join(format!("app/r{i:03}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("route.rs"), "pub async fn GET() {}").unwrap();
    }
    let source = generate(dir.path(), "()");
    // 120 routes: 50 chained on `Router::new()`, then two more statements.
    assert_eq!(source.matches("let routes = rt::Router::new()").count(), 1);
    assert_eq!(source.matches("let routes = routes").count(), 2);
    assert_eq!(source.matches(".route(\"/r").count(), 120);
}

/// `rustfmt --check` on the source read from stdin (so it does not follow the `#[path]`
/// modules into the route files): the generated file is in rustfmt's layout.
fn assert_rustfmt_layout(name: &str, source: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_string());
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2024", "--check"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rustfmt runs (rustup component add rustfmt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the router generated for `{name}` is not in rustfmt's layout:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_generated_source_is_in_rustfmts_layout() {
    for (case, state) in [
        ("conventions", "crate::FixtureState"),
        ("middleware", "crate::MiddlewareState"),
        ("root", "()"),
        ("warnings", "()"),
        ("precedence", "()"),
        ("proxy", "()"),
        ("any-method", "()"),
    ] {
        assert_rustfmt_layout(case, &generate(&fixtures().join(case), state));
    }
    let template = fixtures().join("../../template-app");
    assert_rustfmt_layout("template-app", &generate(&template, "crate::AppState"));
    for strict in [false, true] {
        let openapi = fixtures().join("openapi");
        assert_rustfmt_layout("openapi", &generate_openapi(&openapi, "()", strict));
        let source = generate_openapi(&template, "crate::AppState", strict);
        assert_rustfmt_layout("template-app with OpenAPI", &source);
    }

    // Long names stretch every line the generator wraps: paths, module names, a state
    // type, middleware chains, config layers.
    let dir = tempfile::tempdir().unwrap();
    let long = "a_rather_long_resource_name_for_wrapping";
    let files = [
        format!("app/api/{long}/[someIdentifier]/{long}/route.rs"),
        format!("app/api/(group_with_a_long_name)/{long}/middleware.rs"),
        format!("app/api/(group_with_a_long_name)/{long}/more/[[...rest]]/route.rs"),
        "app/api/x/route.rs".to_string(),
        "app/middleware.rs".to_string(),
    ];
    for file in &files {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let content = if file.ends_with("middleware.rs") {
            "pub const SECURITY: u8 = 0;\npub async fn middleware() {}\n"
        } else {
            "//! A route file with a long description that goes on and on, well past any width.\n\
             /// A summary line that is long enough to need wrapping in the generated call.\n\
             pub async fn GET() {}\npub async fn DELETE() {}\npub async fn middleware() {}\n\
             pub const MAX_DURATION: u64 = 1;\npub const BODY_LIMIT: usize = 1;\n\
             pub const REVALIDATE: u64 = 1;\npub const TAGS: &[&str] = &[\"a\"];\n"
        };
        std::fs::write(path, content).unwrap();
    }
    let source = generate(
        dir.path(),
        "crate::state::ApplicationStateWithAVeryLongName",
    );
    assert_rustfmt_layout("long names", &source);
    for strict in [false, true] {
        let state = "crate::state::ApplicationStateWithAVeryLongName";
        let source = generate_openapi(dir.path(), state, strict);
        assert_rustfmt_layout("long names with OpenAPI", &source);
    }
}
