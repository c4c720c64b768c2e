//! Property tests: random folder trees with hostile names and random route-file contents.
//! Whatever the tree, the generator either reports errors (each saying what and where) or
//! emits source that parses as Rust. It never panics. `tests/cases/cargo_build.rs`
//! compiles a sample of such trees for real.

use std::path::Path;

use fsroute_codegen::{Builder, Failed, Generated};
use proptest::prelude::*;

/// Characters that break naive path handling: separators-to-be, brackets, dots, spaces,
/// percent signs, non-ASCII letters, combining marks, zero-width and right-to-left marks.
const HOSTILE_CHARS: &[char] = &[
    'a', 'z', 'A', '0', '9', '_', '-', '.', ' ', '[', ']', '(', ')', '@', '%', '+', '~', '#', '!',
    '$', '&', '\'', ',', ';', '=', '{', '}', '*', '?', ':', '"', '<', '>', '|', '\\', 'é', 'ß',
    '日', '本', '🦀', '\u{301}', '\u{200b}', '\u{200f}', '\u{feff}', '\t',
];

const KEYWORDS: &[&str] = &[
    "type",
    "fn",
    "self",
    "Self",
    "crate",
    "super",
    "async",
    "await",
    "mod",
    "r#type",
    "_",
    "__",
    "static",
    "dyn",
    "gen",
    "try",
    "union",
    "macro_rules",
    "api",
    "route.rs",
];

fn plain_name() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(HOSTILE_CHARS), 1..12)
        .prop_map(|chars| chars.into_iter().collect())
}

/// One folder name, in any of the arrangements the conventions give meaning to, and some
/// they do not. Mostly names a user would write, so that many trees are valid and get
/// code generated; the rest from the hostile alphabet and Rust's keywords.
fn folder_name() -> impl Strategy<Value = String> {
    let tame = "[a-z][a-z0-9_]{0,8}";
    let any_name = prop_oneof![
        6 => "[a-z][a-z0-9._-]{0,8}".boxed(),
        3 => plain_name().boxed(),
        1 => prop::sample::select(KEYWORDS).prop_map(String::from).boxed(),
    ];
    prop_oneof![
        12 => any_name.clone(),
        3 => tame.prop_map(|n| format!("[{n}]")),
        1 => tame.prop_map(|n| format!("[...{n}]")),
        1 => tame.prop_map(|n| format!("[[...{n}]]")),
        1 => tame.prop_map(|n| format!("({n})")),
        1 => any_name.clone().prop_map(|n| format!("[{n}]")),
        1 => any_name.clone().prop_map(|n| format!("[...{n}]")),
        1 => any_name.clone().prop_map(|n| format!("[[{n}]]")),
        1 => any_name.clone().prop_map(|n| format!("({n})")),
        1 => any_name.clone().prop_map(|n| format!("@{n}")),
        1 => any_name.clone().prop_map(|n| format!("_{n}")),
        1 => any_name.clone().prop_map(|n| format!("[{n}")),
        1 => any_name.clone().prop_map(|n| format!("{n}]")),
        1 => any_name.clone().prop_map(|n| format!("[.{n}]")),
        1 => any_name.clone().prop_map(|n| format!("[..{n}]")),
        1 => any_name.prop_map(|n| format!("[[{n}]")),
        // As long as a file name may be: 255 bytes.
        1 => (1usize..4).prop_map(|width| "ü".repeat(255 / (width * 2)).repeat(width)),
        1 => Just("é".repeat(127)),
    ]
    .prop_filter("a name the file system accepts", |name| {
        !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains('/')
            && !name.contains('\0')
            && name.len() <= 255
    })
}

/// What a middleware file may hold.
fn middleware_source() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(
            "pub async fn middleware(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {\n    next.run(request).await\n}\n"
                .to_string()
        ),
        1 => Just("pub async fn GET() {}\n".to_string()),
        1 => any::<String>(),
    ]
}

/// What a route file may hold: valid handlers, a middleware, config, or garbage.
fn route_source() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("pub async fn GET() -> &'static str { \"ok\" }\n".to_string()),
        1 => Just(
            "pub async fn POST() -> &'static str { \"ok\" }\npub async fn DELETE() {}\n"
                .to_string()
        ),
        1 => Just(
            "pub const MAX_DURATION: u64 = 5;\npub const BODY_LIMIT: usize = 10;\npub async fn PUT() {}\n"
                .to_string()
        ),
        1 => Just("pub fn GET() {}\nasync fn POST() {}\npub async fn get() {}\n".to_string()),
        1 => Just(String::new()),
        1 => Just("pub async fn GET( {\n".to_string()),
        1 => Just("\u{feff}// a byte order mark\npub async fn GET() {}\n".to_string()),
        1 => Just("pub use crate::other::GET;\npub use self::{POST as PATCH};\n".to_string()),
        1 => any::<String>(),
    ]
}

/// A folder name as a user writes them: plain words, parameters, catch-alls, groups,
/// private folders, keywords, non-ASCII letters. Each is valid on its own; a tree of
/// them can still conflict.
fn tame_folder_name() -> impl Strategy<Value = String> {
    let word = "[a-z][a-z0-9]{0,6}";
    prop_oneof![
        8 => "[a-z][a-z0-9.-]{0,8}".boxed(),
        3 => word.prop_map(|n| format!("[{n}]")).boxed(),
        1 => word.prop_map(|n| format!("[...{n}]")).boxed(),
        1 => word.prop_map(|n| format!("[[...{n}]]")).boxed(),
        1 => word.prop_map(|n| format!("({n})")).boxed(),
        1 => word.prop_map(|n| format!("_{n}")).boxed(),
        1 => prop::sample::select(&["type", "fn", "self", "crate", "async", "café", "日本", "🦀"][..])
            .prop_map(String::from)
            .boxed(),
    ]
}

#[derive(Debug, Clone)]
struct RouteFile {
    folders: Vec<String>,
    file_name: &'static str,
    source: String,
}

fn tame_route_file() -> impl Strategy<Value = RouteFile> {
    (
        prop::collection::vec(tame_folder_name(), 0..4),
        prop::sample::select(&[
            "pub async fn GET() -> &'static str { \"ok\" }\n",
            "pub async fn GET() {}\npub async fn POST() {}\npub async fn DELETE() {}\n",
            "pub const MAX_DURATION: u64 = 5;\npub async fn PUT() {}\npub async fn OPTIONS() {}\n",
        ][..]),
    )
        .prop_map(|(folders, source)| RouteFile {
            folders,
            file_name: "route.rs",
            source: source.to_string(),
        })
}

fn route_file() -> impl Strategy<Value = RouteFile> {
    let depth = prop_oneof![8 => 0usize..4, 1 => 4usize..40];
    (
        depth.prop_flat_map(|depth| prop::collection::vec(folder_name(), depth)),
        prop_oneof![
            6 => route_source().prop_map(|source| ("route.rs", source)),
            1 => middleware_source().prop_map(|source| ("middleware.rs", source)),
        ],
    )
        .prop_map(|(folders, (file_name, source))| RouteFile {
            folders,
            file_name,
            source,
        })
}

/// Writes the tree under `root/app/api`; files whose path the OS refuses (too long) are
/// left out, as a user could not have made them either.
fn write_tree(root: &Path, files: &[RouteFile]) {
    for file in files {
        let mut path = root.join("app/api");
        for folder in &file.folders {
            path.push(folder);
        }
        if std::fs::create_dir_all(&path).is_ok() {
            let _ = std::fs::write(path.join(file.file_name), &file.source);
        }
    }
}

/// Writes `files` into a fresh folder and runs the generator on it. Whatever it generates
/// must parse as Rust.
fn generate(files: &[RouteFile]) -> Result<Generated, Failed> {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), files);
    let result = Builder::new().root(dir.path()).generate();
    if let Ok(generated) = &result
        && let Err(err) = syn::parse_file(&generated.source)
    {
        panic!(
            "generated source does not parse: {err}\n{}",
            generated.source
        );
    }
    result
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_tree_gives_parseable_code_or_errors_that_say_where(
        files in prop::collection::vec(route_file(), 1..10)
    ) {
        match generate(&files) {
            Ok(generated) => {
                for route in &generated.routes {
                    prop_assert!(route.path.starts_with("/api"), "{route:?}");
                    prop_assert!(!route.methods.is_empty(), "{route:?}");
                }
            }
            Err(failed) => {
                let errors: Vec<_> = failed.errors().collect();
                prop_assert!(!errors.is_empty(), "failed without an error: {failed}");
                for error in errors {
                    prop_assert!(!error.message.trim().is_empty(), "{error:?}");
                    prop_assert!(!error.locations.is_empty(), "no place given: {error:?}");
                    // One line each, as `cargo::error=` needs.
                    prop_assert!(!error.render_line().contains('\n'));
                }
            }
        }
    }

    #[test]
    fn valid_names_give_code_or_only_conflicts(
        files in prop::collection::vec(tame_route_file(), 1..10)
    ) {
        match generate(&files) {
            Ok(generated) => {
                // Every route file (outside private `_` folders) is routed.
                let public = files
                    .iter()
                    .filter(|f| !f.folders.iter().any(|name| name.starts_with('_')))
                    .map(|f| f.folders.clone())
                    .collect::<std::collections::BTreeSet<_>>();
                let routed = generated
                    .routes
                    .iter()
                    .map(|r| r.file.clone())
                    .collect::<std::collections::BTreeSet<_>>();
                prop_assert_eq!(routed.len(), public.len(), "{:?}", generated.routes);
            }
            Err(failed) => {
                // The names are valid one by one, so only the tree can be wrong.
                for error in failed.errors() {
                    prop_assert!(
                        [
                            "conflicting-param-names",
                            "duplicate-route",
                            "catch-all-not-last",
                            "catch-all-beside-optional",
                            "route-beside-optional-catch-all",
                            "repeated-param",
                            "colliding-names",
                        ]
                        .contains(&error.code),
                        "{}",
                        error.render_line()
                    );
                }
            }
        }
    }

    #[test]
    fn any_folder_name_parses_or_is_refused_without_panicking(name in folder_name()) {
        let _ = fsroute_codegen::__internals::parse_segment(&name);
    }

    #[test]
    fn any_text_as_a_route_file_is_analysed_without_panicking(source in route_source()) {
        let _ = fsroute_codegen::__internals::analyze_route_file(&source, "app/api/route.rs");
        let _ = fsroute_codegen::__internals::analyze_middleware_file(&source, "app/api/middleware.rs");
    }
}

/// A sample of random valid-leaning trees, generated and compiled for real by rustc in
/// one crate (a router per tree), with the workspace's lock file, offline, into
/// `target/nested` like the other nested builds, then run: building each router is where
/// axum's router refuses a pair of paths it cannot hold together (a panic). The seed is
/// fixed so that a failure can be reproduced; the trees are still ones no person chose.
#[test]
fn a_sample_of_random_trees_compiles() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = tempfile::Builder::new()
        .prefix("fsroute-sample-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    let mut runner = TestRunner::deterministic();
    let trees = prop::collection::vec(tame_route_file(), 2..10);
    let mut routers = Vec::new();
    let mut attempts = 0;
    while routers.len() < 6 {
        attempts += 1;
        assert!(attempts < 200, "too few valid trees drawn");
        let files = trees.new_tree(&mut runner).unwrap().current();
        let app = format!("app{}", routers.len());
        let scratch = tempfile::tempdir().unwrap();
        write_tree(scratch.path(), &files);
        // Keep only trees that generate; the others were refused with errors above.
        if Builder::new().root(scratch.path()).generate().is_ok() {
            std::fs::rename(scratch.path().join("app"), root.join(&app)).unwrap();
            routers.push(app);
        }
    }

    let manifest = format!(
        "[package]\nname = \"random_trees\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n\n\
         [dependencies]\nfsroute = {{ path = {runtime:?} }}\n\n\
         [build-dependencies]\nfsroute-codegen = {{ path = {codegen:?} }}\n\n[profile.dev]\ndebug = false\n",
        runtime = workspace.join("runtime"),
        codegen = workspace.join("codegen"),
    );
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(workspace.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let mut build = String::from("fn main() {\n");
    let mut main = String::new();
    for app in &routers {
        build.push_str(&format!(
            "    fsroute_codegen::Builder::new().app_dir({app:?}).out_file(\"{app}.rs\").build();\n"
        ));
        main.push_str(&format!(
            "mod {app} {{\n    fsroute::include_routes!(\"{app}.rs\");\n}}\n"
        ));
    }
    build.push_str("}\n");
    main.push_str("\nfn main() {\n");
    for app in &routers {
        main.push_str(&format!("    let _ = {app}::router(());\n"));
    }
    main.push_str("}\n");
    std::fs::write(root.join("build.rs"), build).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/main.rs"), main).unwrap();

    let output = std::process::Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", workspace.join("target/nested"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "random trees did not compile or their routers could not be built:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
