//! What a user does: make a new crate, copy in route files, add the two-line `build.rs`
//! and `main.rs`, run `cargo build`. These tests do exactly that, with the real `cargo`,
//! and talk to the built server over a real socket.
//!
//! The crates are built offline with the workspace's lock file, into `target/nested`, so
//! the dependencies compile once and later runs reuse them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A crate of its own (not in our workspace) that depends on fsroute by path.
fn new_crate(name: &str, runtime: bool) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fsroute-user-")
        .tempdir()
        .unwrap();
    let ws = workspace();
    let runtime_deps = if runtime {
        format!(
            "fsroute = {{ path = {runtime:?} }}\naxum = \"0.8\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\"] }}\n",
            runtime = ws.join("runtime")
        )
    } else {
        String::new()
    };
    write(
        &dir.path().join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [workspace]\n\n[dependencies]\n{runtime_deps}\n\
             [build-dependencies]\nfsroute-codegen = {{ path = {codegen:?} }}\n\n\
             [profile.dev]\ndebug = false\n",
            codegen = ws.join("codegen"),
        ),
    );
    // Same versions as the workspace, and nothing to download.
    std::fs::copy(ws.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    write(
        &dir.path().join("build.rs"),
        "fn main() { fsroute_codegen::Builder::new().build(); }\n",
    );
    dir
}

/// One nested build at a time. The tests run in parallel and share `target/nested`; cargo's
/// own lock is meant to serialize them, but in a fresh target directory CI saw concurrent
/// builds fail with errors of their own and a build script rerun for no change.
static NESTED_BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn cargo_build(dir: &Path) -> Output {
    let _one_at_a_time = NESTED_BUILD
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Command::new(env!("CARGO"))
        .args(["build", "--offline", "--verbose"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/nested"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Cargo's verbose log says `Running` for the build script only when it reruns.
fn build_script_ran(output: &Output) -> bool {
    stderr(output)
        .lines()
        .any(|line| line.trim_start().starts_with("Running") && line.contains("build-script-build"))
}

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(binary: &Path) -> Server {
    let mut child = Command::new(binary).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Server { child, address }
}

/// One HTTP/1.1 request over a plain socket; returns the status code and the body.
fn request(server: &Server, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    (status, body.to_string())
}

const MAIN_RS: &str = r#"mod routes {
    fsroute::include_routes!();
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("listening on {}", listener.local_addr().unwrap());
    axum::serve(listener, routes::router(())).await.unwrap();
}
"#;

#[test]
fn a_new_crate_with_the_two_line_setup_gets_a_working_router() {
    let app = new_crate("user_app", true);
    let root = app.path();
    write(&root.join("src/main.rs"), MAIN_RS);
    write(
        &root.join("app/api/hello/route.rs"),
        "pub async fn GET() -> &'static str { \"hello\" }\n",
    );

    let first = cargo_build(root);
    assert!(first.status.success(), "{}", stderr(&first));
    let binary = workspace().join("target/nested/debug/user_app");
    {
        let server = start(&binary);
        assert_eq!(
            request(&server, "GET", "/api/hello"),
            (200, "hello".to_string())
        );
        let (status, body) = request(&server, "GET", "/api/nope");
        assert_eq!(status, 404);
        assert!(body.contains("\"NOT_FOUND\""), "{body}");
    }

    // Nothing changed: the build script does not run again.
    let again = cargo_build(root);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!build_script_ran(&again), "{}", stderr(&again));

    // A new route file deep in the tree is picked up by the next build.
    write(
        &root.join("app/api/(shop)/items/[id]/route.rs"),
        "use axum::extract::Path;\n\
         pub async fn GET(Path(id): Path<u32>) -> String { format!(\"item {id}\") }\n",
    );
    let after_new_file = cargo_build(root);
    assert!(
        after_new_file.status.success(),
        "{}",
        stderr(&after_new_file)
    );
    assert!(build_script_ran(&after_new_file));
    let server = start(&binary);
    assert_eq!(
        request(&server, "GET", "/api/items/7"),
        (200, "item 7".to_string())
    );
    assert_eq!(
        request(&server, "GET", "/api/hello"),
        (200, "hello".to_string())
    );
}

#[test]
fn a_bad_tree_fails_the_build_with_every_problem_as_a_cargo_error() {
    let app = new_crate("bad_app", false);
    let root = app.path();
    write(&root.join("src/main.rs"), "fn main() {}\n");
    for file in [
        "app/api/[id/route.rs",
        "app/api/(a)/users/route.rs",
        "app/api/(b)/users/route.rs",
    ] {
        write(&root.join(file), "pub async fn GET() {}\n");
    }
    write(&root.join("app/api/route.rs"), "pub async fn get() {}\n");

    let output = cargo_build(root);
    assert!(!output.status.success());
    let stderr = stderr(&output);
    let reported: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error: bad_app") || line.starts_with("warning: bad_app"))
        .collect();
    assert_eq!(
        reported,
        [
            "error: bad_app@0.1.0: 2 route files answer the same URL `/api/users`: \
             `app/api/(a)/users/route.rs` and `app/api/(b)/users/route.rs`; help: route groups \
             `(name)` do not change the URL; keep one route file for each URL",
            "error: bad_app@0.1.0: the folder name `[id` has brackets that do not enclose the \
             whole name (in `app/api/[id`); help: did you mean `[id]`?",
            "warning: bad_app@0.1.0: `app/api/route.rs` exports no method handler, so it is not \
             routed; help: export at least one of `pub async fn GET`, `HEAD`, `POST`, `PUT`, \
             `PATCH`, `DELETE`, `OPTIONS`, `ANY`",
            "warning: bad_app@0.1.0: app/api/route.rs:1:14: `get` in `app/api/route.rs` is not \
             routed: method handlers are upper case; help: did you mean `GET`? rename it to \
             `pub async fn GET`",
        ],
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_route_file_that_does_not_parse_gets_rustcs_own_error_at_its_own_line() {
    let app = new_crate("broken_app", true);
    let root = app.path();
    write(&root.join("src/main.rs"), MAIN_RS);
    write(
        &root.join("app/api/ok/route.rs"),
        "pub async fn GET() -> &'static str { \"ok\" }\n",
    );
    write(
        &root.join("app/api/broken/route.rs"),
        "pub async fn GET() -> &'static str {\n    let x = ;\n    \"x\"\n}\n",
    );
    let output = cargo_build(root);
    assert!(!output.status.success());
    let stderr = stderr(&output);
    // rustc, not the generator, reports the syntax error, pointing into the route file.
    assert!(
        stderr.contains("error: expected expression, found `;`"),
        "{stderr}"
    );
    assert!(stderr.contains("app/api/broken/route.rs:2:13"), "{stderr}");
}

/// The mistakes a newcomer makes (docs/conventions.md, newcomer-trial.md §3), one crate
/// each under `fixtures/mistakes/`, built by cargo. What the user sees is pinned: the
/// generator's errors and warnings as cargo prints them, or for what only rustc can
/// judge, its error's headline, the generated line it quotes (which names the route file
/// and the handler) and the notes that list the causes. Every one names the route file.
#[test]
fn each_newcomer_mistake_is_reported_naming_the_route_file() {
    let fixtures = workspace().join("tests/fixtures/mistakes");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        let crate_name = format!("mistake_{}", name.replace('-', "_"));
        let app = new_crate(&crate_name, true);
        let root = app.path();
        write(&root.join("src/main.rs"), MAIN_RS);
        copy_tree(&fixtures.join(&name).join("app"), &root.join("app"));
        let output = cargo_build(root);
        let stderr = stderr(&output);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let seen = what_the_user_sees(&stderr, &crate_name, root);
        assert!(
            seen.contains("app/api/"),
            "{name}: the output names no route file:\n{stderr}"
        );
        let outcome = if output.status.success() {
            "builds, with warnings"
        } else {
            "fails"
        };
        insta::with_settings!({ snapshot_suffix => name.as_str(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("mistake", format!("{outcome}\n\n{seen}"));
        });
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The lines of a build's stderr that carry the report: the build script's own
/// `error:`/`warning:` lines, and for rustc's errors the headline, the location, the
/// quoted source lines and the notes; Cargo's progress and rustc's long tails are left
/// out. Paths of the temporary crate and of the build folder are made stable.
fn what_the_user_sees(stderr: &str, crate_name: &str, root: &Path) -> String {
    let build_script = format!("{crate_name}@0.1.0: ");
    let mut seen = Vec::new();
    let mut in_rustc_error = false;
    for line in stderr.lines() {
        let line = line.trim_end();
        if line.starts_with("error: ") || line.starts_with("warning: ") {
            in_rustc_error = false;
            if line.contains(&build_script) {
                seen.push(line.replace(&build_script, ""));
            }
            continue;
        }
        if line.starts_with("error[") {
            in_rustc_error = true;
            seen.push(line.to_string());
            continue;
        }
        let trimmed = line.trim_start();
        // From here on rustc explains its own machinery, inside the runtime.
        if trimmed.starts_with("= note: required for") {
            in_rustc_error = false;
        }
        // Where rustc wrote a long type: a path with hashes, and nothing a user acts on.
        if trimmed.contains("long-type") || trimmed.contains("--verbose") {
            continue;
        }
        let label = trimmed.starts_with('|') && trimmed.contains('^');
        let quoted_source = trimmed
            .split_once(" | ")
            .is_some_and(|(number, _)| number.parse::<u32>().is_ok());
        if in_rustc_error
            && (trimmed.starts_with("--> ")
                || trimmed.starts_with("= note: ")
                || quoted_source
                || label)
        {
            seen.push(line.to_string());
        }
    }
    let out_dir = stable_out_dir(&seen.join("\n"));
    out_dir.replace(&root.display().to_string(), "[APP]")
}

/// `…/target/nested/debug/build/mistake_x-0123abcd/out/` → `[OUT]/`: the hash changes
/// with the toolchain and the dependency versions.
fn stable_out_dir(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match (line.find("--> "), line.find("/out/")) {
            (Some(arrow), Some(out_dir)) if arrow < out_dir => {
                out.push_str(&line[..arrow + 4]);
                out.push_str("[OUT]");
                out.push_str(&line[out_dir + 4..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// A crate built with `.openapi(true)` and `features`, its `build.rs` calls `options`.
fn openapi_crate(name: &str, features: &str, options: &str) -> tempfile::TempDir {
    let app = new_crate(name, true);
    let root = app.path();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let runtime = format!("fsroute = {{ path = {:?} }}", workspace().join("runtime"));
    let manifest = manifest.replace(
        &runtime,
        &format!(
            "fsroute = {{ path = {:?}, features = [{features}] }}\n\
             schemars = \"1\"\nserde = {{ version = \"1\", features = [\"derive\"] }}",
            workspace().join("runtime")
        ),
    );
    write(&root.join("Cargo.toml"), &manifest);
    write(
        &root.join("build.rs"),
        &format!("fn main() {{ fsroute_codegen::Builder::new(){options}.build(); }}\n"),
    );
    write(&root.join("src/main.rs"), MAIN_RS);
    app
}

#[test]
fn strict_openapi_fails_the_build_naming_the_type_without_a_schema() {
    let app = openapi_crate("strict_app", "\"openapi\"", ".openapi_strict(true)");
    let root = app.path();
    write(
        &root.join("app/api/orders/route.rs"),
        "use fsroute::Json;\n\
         #[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)]\n\
         pub struct Described { pub id: u32 }\n\
         #[derive(serde::Deserialize)]\n\
         pub struct Order { pub id: u32 }\n\
         pub async fn GET() -> Json<Described> { Json(Described { id: 1 }) }\n\
         pub async fn POST(Json(order): Json<Order>) -> Json<Described> {\n\
         \x20   Json(Described { id: order.id })\n}\n",
    );
    let output = cargo_build(root);
    assert!(!output.status.success());
    let stderr = stderr(&output);
    // rustc's own words: the type, the derive it lacks, and the handler on the line shown.
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error") || line.contains("= note: required for"))
        .collect();
    assert_eq!(
        errors,
        [
            "error[E0277]: the trait bound `Order: JsonSchema` is not satisfied",
            "    = note: required for `fsroute::Json<Order>` to implement `OpenApiInput`",
            "error: could not compile `strict_app` (bin \"strict_app\") due to 1 previous error",
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("documented_input(&probes(&api_orders::POST).0.0, &mut op);"),
        "{stderr}"
    );
}

#[test]
fn openapi_without_the_runtime_feature_says_which_feature_to_turn_on() {
    let app = openapi_crate("featureless_app", "", ".openapi(true)");
    let root = app.path();
    write(
        &root.join("app/api/hello/route.rs"),
        "pub async fn GET() -> &'static str { \"hello\" }\n",
    );
    let output = cargo_build(root);
    assert!(!output.status.success());
    let stderr = stderr(&output);
    let first = stderr
        .lines()
        .find(|line| line.starts_with("error"))
        .unwrap_or_default();
    assert_eq!(
        first,
        "error: this router is generated with `Builder::openapi(true)`: turn on the `openapi` \
         feature of the `fsroute` crate (`fsroute = { version = \"…\", features = [\"openapi\"] }`)",
        "{stderr}"
    );
}
