//! `cargo run --release -p bench-codegen [-- --check]`
//!
//! Generation: synthetic trees of 10, 100, 1,000 and 10,000 route files of realistic
//! shape (nested folders, parameters, catch-alls, route groups, middleware), each timed
//! through the whole pipeline (scan, parse, validate, emit), median of several runs.
//!
//! With `--check`: a crate per size (100, 1,000, 10,000 routes) is made and
//! `cargo check`ed, and the time of a check after one route file changed is reported —
//! what a user waits for between an edit and the compiler's answer.
//!
//! With `--startup`: what a big router costs when the server starts (see `startup.rs`).
//!
//! With `--openapi`: the generator and `cargo check` after an edit with the OpenAPI
//! document on and off, side by side (see `openapi.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fsroute_codegen::Builder;

mod openapi;
mod startup;

/// How the synthetic tree is written.
#[derive(Clone, Copy)]
struct Shape {
    /// In four route groups (`(area0)` …).
    grouped: bool,
    /// Every type the route files define also derives `schemars::JsonSchema`, as it does
    /// in an app with the OpenAPI document on.
    json_schema: bool,
}

/// One resource: five route files with twelve handlers, and sometimes a middleware.
fn write_resource(app: &Path, index: usize, shape: Shape) -> usize {
    let mut base = app.join("api");
    if shape.grouped {
        base.push(format!("(area{})", index % 4));
    }
    base.push(format!("resource{index}"));
    let files = [
        (base.join("route.rs"), collection(index)),
        (base.join("[id]/route.rs"), item(index, shape.json_schema)),
        (base.join("[id]/children/route.rs"), collection(index)),
        (base.join("[id]/children/[childId]/route.rs"), child(index)),
        (
            app.join("api")
                .join(format!("docs{index}/[...slug]/route.rs")),
            docs(),
        ),
    ];
    for (path, content) in &files {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    if index.is_multiple_of(10) {
        std::fs::write(base.join("middleware.rs"), MIDDLEWARE).unwrap();
    }
    files.len()
}

fn collection(index: usize) -> String {
    format!(
        r#"//! A collection of resource {index}.
use fsroute::prelude::*;
use serde_json::{{Value, json}};

pub const MAX_DURATION: u64 = 10;

pub async fn GET(page: Pagination) -> Paginated<u64> {{
    let data = (page.offset()..page.offset() + page.limit).collect();
    page.respond(data, 1_000)
}}

pub async fn POST(Json(body): Json<Value>) -> Created<Value> {{
    Created::new("/api/resource{index}/1", json!({{ "created": body }}))
}}
"#
    )
}

fn item(index: usize, json_schema: bool) -> String {
    let derives = if json_schema {
        "Deserialize, serde::Serialize, schemars::JsonSchema"
    } else {
        "Deserialize, serde::Serialize"
    };
    format!(
        r#"//! One item of resource {index}.
use fsroute::prelude::*;
use serde::Deserialize;

#[derive({derives})]
pub struct Changes {{
    pub name: Option<String>,
}}

pub async fn GET(Path(id): Path<u64>) -> ApiResult<String> {{
    if id == 0 {{
        return Err(ApiError::not_found("Item 0"));
    }}
    Ok(format!("item {{id}} of {index}"))
}}

pub async fn PUT(Path(id): Path<u64>, Json(changes): Json<Changes>) -> String {{
    format!("{{id}}: {{}}", changes.name.unwrap_or_default())
}}

pub async fn PATCH(Path(id): Path<u64>, Json(changes): Json<Changes>) -> Json<Changes> {{
    Json(Changes {{ name: changes.name.map(|name| format!("{{id}} {{name}}")) }})
}}

pub async fn DELETE(Path(_id): Path<u64>) -> NoContent {{
    NoContent
}}
"#
    )
}

fn child(index: usize) -> String {
    format!(
        r#"use fsroute::prelude::*;
use serde_json::Value;

pub async fn GET(Path((id, child)): Path<(u64, u64)>) -> String {{
    format!("child {{child}} of {{id}} in {index}")
}}

pub async fn PUT(Path((_id, _child)): Path<(u64, u64)>, Json(body): Json<Value>) -> Json<Value> {{
    Json(body)
}}

pub async fn DELETE(Path((_id, _child)): Path<(u64, u64)>) -> StatusCode {{
    StatusCode::NO_CONTENT
}}
"#
    )
}

fn docs() -> String {
    r#"use fsroute::prelude::*;

pub async fn GET(Path(slug): Path<String>) -> String {
    slug
}
"#
    .to_string()
}

const MIDDLEWARE: &str = r#"use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

pub async fn middleware(request: Request, next: Next) -> Response {
    next.run(request).await
}
"#;

/// A tree of about `routes` route files under `root/app`, in route groups.
fn make_tree(root: &Path, routes: usize) -> usize {
    let shape = Shape {
        grouped: true,
        json_schema: false,
    };
    make_tree_with(root, routes, shape)
}

/// The same tree in another shape: without route groups, for a peer that has none, or
/// with `JsonSchema` derives.
fn make_tree_with(root: &Path, routes: usize, shape: Shape) -> usize {
    let app = root.join("app");
    let mut written = 0;
    let mut index = 0;
    while written < routes {
        written += write_resource(&app, index, shape);
        index += 1;
    }
    written
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn generation(sizes: &[usize]) -> String {
    let mut out = String::from(
        "| route files | generate (median) | per route | ×time for ×routes |\n| ---: | ---: | ---: | ---: |\n",
    );
    let mut previous: Option<(usize, Duration)> = None;
    for &size in sizes {
        let dir = tempfile::tempdir().unwrap();
        let files = make_tree(dir.path(), size);
        let runs = if size >= 10_000 { 3 } else { 7 };
        let samples: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                let generated = Builder::new()
                    .root(dir.path())
                    .generate()
                    .expect("a valid tree");
                let elapsed = started.elapsed();
                assert!(generated.routes.len() >= files);
                elapsed
            })
            .collect();
        let time = median(samples);
        let growth = previous
            .map(|(files_before, time_before)| {
                format!(
                    "{:.1}× for {:.0}×",
                    time.as_secs_f64() / time_before.as_secs_f64(),
                    files as f64 / files_before as f64
                )
            })
            .unwrap_or_else(|| "—".to_string());
        let _ = writeln!(
            out,
            "| {files} | {:.1} ms | {:.1} µs | {growth} |",
            time.as_secs_f64() * 1000.0,
            time.as_secs_f64() * 1e6 / files as f64
        );
        eprintln!("generated {files} route files in {time:?}");
        previous = Some((files, time));
    }
    out
}

/// Where the time goes at one size: each pipeline step timed on its own, as the
/// generator runs it (the read step on all cores).
fn phases(size: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let files = make_tree(dir.path(), size);
    let builder = Builder::new().root(dir.path()).app_dir("app");
    let times = fsroute_codegen::__internals::step_times(&builder);
    let source = builder.generate().unwrap().source;

    let total: Duration = times.iter().map(|(_, time)| *time).sum();
    let mut out = format!("| step ({files} route files) | time | share |\n| --- | ---: | ---: |\n");
    for (step, time) in times {
        let step = match step {
            "scan" => "scan (walk the folder)",
            "read" => "read and parse route files (syn, all cores)",
            "routes" => "routes (segments, sort, middleware)",
            "validate" => "validate",
            "emit" => "emit (module names, write the source)",
            other => other,
        };
        let _ = writeln!(
            out,
            "| {step} | {:.1} ms | {:.0} % |",
            time.as_secs_f64() * 1000.0,
            100.0 * time.as_secs_f64() / total.as_secs_f64()
        );
    }
    let _ = writeln!(out, "\nGenerated source: {} KiB.", source.len() / 1024);
    out
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A crate of its own beside the workspace: the manifest (the runtime, axum and serde as
/// dependencies, plus `extra`), the workspace's lock file, and an empty `src/`.
fn start_crate(root: &Path, name: &str, extra: &str) {
    start_crate_with_features(root, name, &[], extra);
}

/// The same with features of the runtime turned on.
fn start_crate_with_features(root: &Path, name: &str, features: &[&str], extra: &str) {
    let ws = workspace();
    // Without features the manifest stays as it always was.
    let features = if features.is_empty() {
        String::new()
    } else {
        format!(", features = {features:?}")
    };
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n\n\
         [dependencies]\nfsroute = {{ path = {runtime:?}{features} }}\naxum = \"0.8\"\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = \"1\"\n\n{extra}",
        runtime = ws.join("runtime"),
    );
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(ws.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
}

fn codegen_build_dependency() -> String {
    format!(
        "[build-dependencies]\nfsroute-codegen = {{ path = {:?} }}\n",
        workspace().join("codegen")
    )
}

/// A crate with `routes` route files, built in `target/bench-check`: with the generated
/// router, or (`files_only`) with the route files as plain modules and no router at all —
/// the floor, since rustc checks every handler either way.
fn make_crate(root: &Path, routes: usize, files_only: bool) -> usize {
    let (name, build_dependency) = if files_only {
        ("scale_files_only", String::new())
    } else {
        ("scale_app", codegen_build_dependency())
    };
    start_crate(root, name, &build_dependency);
    let files = make_tree(root, routes);
    let lib = if files_only {
        let mut modules = String::from("#![allow(dead_code, non_snake_case)]\n");
        let walk = walkdir::WalkDir::new(root.join("app")).sort_by_file_name();
        for (index, entry) in walk.into_iter().map(Result::unwrap).enumerate() {
            if entry.file_type().is_file() {
                let _ = writeln!(
                    modules,
                    "#[path = {:?}]\nmod m{index};",
                    entry.path().to_string_lossy()
                );
            }
        }
        modules
    } else {
        std::fs::write(
            root.join("build.rs"),
            "fn main() { fsroute_codegen::Builder::new().build(); }\n",
        )
        .unwrap();
        ROUTER_LIB.to_string()
    };
    std::fs::write(root.join("src/lib.rs"), lib).unwrap();
    files
}

/// The library of a crate with the generated router.
const ROUTER_LIB: &str = "pub mod routes {\n    fsroute::include_routes!();\n}\n\npub fn app() -> axum::Router {\n    routes::router(())\n}\n";

fn cargo_check(root: &Path) -> Duration {
    cargo_check_in(root, "bench-check")
}

/// `cargo check` with `target/<target>` as the target dir.
fn cargo_check_in(root: &Path, target: &str) -> Duration {
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["check", "--offline", "-q"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", workspace().join("target").join(target))
        .status()
        .unwrap();
    assert!(status.success(), "cargo check failed in {}", root.display());
    started.elapsed()
}

/// Changes one handler's body, as a user editing a route file does.
fn edit_one_handler(root: &Path) {
    let grouped = root.join("app/api/(area0)/resource0/[id]/children/[childId]/route.rs");
    let edited = if grouped.exists() {
        grouped
    } else {
        root.join("app/api/resource0/[id]/children/[childId]/route.rs")
    };
    let text = std::fs::read_to_string(&edited).unwrap();
    // Back and forth, so that every call is a real change.
    let text = if text.contains("child {child}") {
        text.replace("child {child}", "kid {child}")
    } else {
        text.replace("kid {child}", "child {child}")
    };
    std::fs::write(&edited, text).unwrap();
}

fn check(sizes: &[usize]) -> String {
    let mut out = String::from(
        "| route files | `cargo check` after one route file changed | per route | the same route files without a router | the router's share |\n\
         | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for &size in sizes {
        let [with_router, files_only] = [false, true].map(|files_only| {
            let dir = tempfile::tempdir().unwrap();
            let files = make_crate(dir.path(), size, files_only);
            // The first check compiles the dependencies (shared between sizes) and the crate.
            cargo_check(dir.path());
            // Then an edit, which reruns the generator and makes rustc check the crate again.
            edit_one_handler(dir.path());
            (files, cargo_check(dir.path()))
        });
        let (files, time) = with_router;
        let floor = files_only.1;
        let _ = writeln!(
            out,
            "| {files} | {:.1} s | {:.2} ms | {:.1} s | {:.0} % |",
            time.as_secs_f64(),
            time.as_secs_f64() * 1000.0 / files as f64,
            floor.as_secs_f64(),
            100.0 * (time.as_secs_f64() - floor.as_secs_f64()) / time.as_secs_f64()
        );
        eprintln!(
            "cargo check of {files} route files after an edit: {time:?} (without a router: {floor:?})"
        );
    }
    out
}

/// A binary crate serving `routes` route files, generated or written by hand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// fsroute's generated router.
    Generated,
    /// The same generated router with each handler handed to axum as it is, without
    /// `rt::erase`: what the erasure buys, measured in the same run.
    GeneratedTyped,
    /// The router a person writes.
    ByHand,
    /// The crates.io peer `axum-folder-router` (a proc macro over the same folders).
    FolderRouter,
    /// The crates.io peer `nextrs` (a build script over the same folders; it type-erases
    /// each handler).
    Nextrs,
}

const FOLDER_ROUTER_VERSION: &str = "0.4.1";
const NEXTRS_VERSION: &str = "0.6.1";

/// The build script of [`Variant::GeneratedTyped`]: fsroute's source with every
/// `rt::erase("app/…/route.rs", m::GET)` turned back into `m::GET`.
const TYPED_BUILD_RS: &str = r#"fn main() {
    let generated = fsroute_codegen::Builder::new().generate().expect("a valid tree");
    let mut typed = String::new();
    let mut rest = generated.source.as_str();
    while let Some((head, tail)) = rest.split_once("rt::erase(") {
        typed.push_str(head);
        // Skip the route file's literal (bench paths hold no quotes) and its comma.
        let after_file = tail.trim_start()[1..].split_once('"').unwrap().1;
        let after_comma = after_file.trim_start().strip_prefix(',').unwrap().trim_start();
        let end = after_comma.find([',', ')']).unwrap();
        typed.push_str(after_comma[..end].trim_end());
        let closing = after_comma[end..].trim_start_matches([',', ' ', '\n']);
        rest = closing.strip_prefix(')').unwrap();
    }
    typed.push_str(rest);
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("fsroute_routes.rs");
    std::fs::write(out, typed).unwrap();
    println!("cargo::rerun-if-changed=app");
}
"#;

/// A pass-through middleware in nextrs's convention, standing in for ours.
const NEXTRS_MIDDLEWARE: &str = r#"use nextrs::conventions::MiddlewareResult;

pub async fn handle(request: axum::extract::Request) -> MiddlewareResult {
    MiddlewareResult::next(request)
}
"#;

/// The peers name handlers in lower case (`pub async fn get`).
fn lower_case_handlers(root: &Path, routes: &[fsroute_codegen::RouteEntry]) {
    for route in routes {
        let path = root.join(&route.file);
        let mut text = std::fs::read_to_string(&path).unwrap();
        for method in &route.methods {
            text = text.replace(
                &format!("pub async fn {}(", method.as_str()),
                &format!("pub async fn {}(", method.as_str().to_lowercase()),
            );
        }
        std::fs::write(&path, text).unwrap();
    }
}

fn make_build_crate(root: &Path, name: &str, routes: usize, variant: Variant) -> (usize, usize) {
    let build_dependency = match variant {
        Variant::Generated | Variant::GeneratedTyped => codegen_build_dependency(),
        Variant::ByHand => String::new(),
        Variant::FolderRouter => {
            format!("axum-folder-router = \"={FOLDER_ROUTER_VERSION}\"\n")
        }
        // Its generated code names `::utoipa` (for the OpenAPI document it always emits).
        Variant::Nextrs => format!(
            "nextrs = \"={NEXTRS_VERSION}\"\nutoipa = \"5\"\n\n\
             [build-dependencies]\nnextrs = {{ version = \"={NEXTRS_VERSION}\", features = [\"build\"] }}\n"
        ),
    };
    start_crate(root, name, &build_dependency);
    // No route groups: the peer would make `(area0)` a module name, which cannot be one.
    let shape = Shape {
        grouped: false,
        json_schema: false,
    };
    let files = make_tree_with(root, routes, shape);
    let generated = Builder::new().root(root).generate().expect("a valid tree");
    let handlers: usize = generated.routes.iter().map(|r| r.methods.len()).sum();
    let main = if variant == Variant::FolderRouter {
        // The same route files; it ignores `middleware.rs` and route config.
        lower_case_handlers(root, &generated.routes);
        "#[derive(Clone)]\nstruct AppState;\n\n#[axum_folder_router::folder_router(\"./app\", AppState)]\nstruct AppRouter();\n\n\
         fn main() {\n    std::hint::black_box(AppRouter::into_router().with_state::<()>(AppState));\n}\n"
            .to_string()
    } else if variant == Variant::Nextrs {
        // The same route files, and each `middleware.rs` as a pass-through in its
        // convention; it reads no route config.
        lower_case_handlers(root, &generated.routes);
        for entry in walkdir::WalkDir::new(root.join("app")) {
            let entry = entry.unwrap();
            if entry.file_name() == "middleware.rs" {
                std::fs::write(entry.path(), NEXTRS_MIDDLEWARE).unwrap();
            }
        }
        std::fs::write(
            root.join("build.rs"),
            "fn main() {\n    nextrs::build::emit_registry(\"app\", \"src/main.rs\", \"nextrs_registry.rs\").unwrap();\n}\n",
        )
        .unwrap();
        "include!(concat!(env!(\"OUT_DIR\"), \"/nextrs_registry.rs\"));\n\n\
         fn main() {\n    std::hint::black_box(nextrs::router::build_router(generated_registry()));\n}\n"
            .to_string()
    } else if variant == Variant::ByHand {
        // What a person writes: each route file a module, one router function, axum's
        // method routing. No generated 405/OPTIONS answers, middleware or limits.
        let (modules, routes) = hand_written(root, &generated.routes);
        let mut chain = String::from("    axum::Router::new()\n");
        for (path, methods) in routes {
            let _ = writeln!(chain, "        .route({path:?}, axum::routing::{methods})");
        }
        format!(
            "{modules}\npub fn app() -> axum::Router {{\n{chain}}}\n\nfn main() {{\n    std::hint::black_box(app());\n}}\n"
        )
    } else {
        let build_rs = if variant == Variant::GeneratedTyped {
            TYPED_BUILD_RS
        } else {
            "fn main() { fsroute_codegen::Builder::new().build(); }\n"
        };
        std::fs::write(root.join("build.rs"), build_rs).unwrap();
        "mod routes {\n    fsroute::include_routes!();\n}\n\nfn main() {\n    std::hint::black_box(routes::router(()));\n}\n".to_string()
    };
    std::fs::write(root.join("src/main.rs"), main).unwrap();
    (files, handlers)
}

/// The route files as modules (`#[path] mod m0;` …), and per route its path with the
/// method routing a person writes for it (`get(m0::GET).post(m0::POST)`).
fn hand_written(
    root: &Path,
    routes: &[fsroute_codegen::RouteEntry],
) -> (String, Vec<(String, String)>) {
    let mut modules = String::new();
    let mut module_of = std::collections::BTreeMap::new();
    let routes = routes
        .iter()
        .map(|route| {
            let next = module_of.len();
            let module = module_of
                .entry(route.file.clone())
                .or_insert_with(|| {
                    let _ = writeln!(
                        modules,
                        "#[allow(non_snake_case, dead_code)]\n#[path = {:?}]\nmod m{next};",
                        root.join(&route.file).to_string_lossy()
                    );
                    format!("m{next}")
                })
                .clone();
            let methods: Vec<String> = route
                .methods
                .iter()
                .map(|m| format!("{}({module}::{})", m.as_str().to_lowercase(), m.as_str()))
                .collect();
            (route.path.clone(), methods.join("."))
        })
        .collect();
    (modules, routes)
}

struct BuildRow {
    name: &'static str,
    files: usize,
    handlers: usize,
    clean: Duration,
    rebuild: Duration,
    unchanged: Duration,
    recompiled: bool,
}

fn cargo(root: &Path, args: &[&str]) -> (Duration, String) {
    let started = Instant::now();
    // The peer's crate is not in our lock file, so it may need the registry once.
    let offline = !root.join(".needs-registry").exists();
    let mut command = Command::new(env!("CARGO"));
    // Keep rustup on the toolchain this bench was built with: a crate's own
    // `rust-toolchain.toml` (the peer ships one) must not switch it.
    if let Some(toolchain) = option_env!("RUSTUP_TOOLCHAIN") {
        command.env("RUSTUP_TOOLCHAIN", toolchain);
    }
    let output = command
        .args(args)
        .args(offline.then_some("--offline"))
        .current_dir(root)
        .env("CARGO_TARGET_DIR", workspace().join("target/bench-build"))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "cargo {args:?} failed:\n{stderr}");
    (elapsed, stderr)
}

/// How many times each build is timed; the medians are reported.
const BUILD_ROUNDS: usize = 3;

/// Build cost of about 200 paths: generated, hand-written and the peer, clean and after
/// one edit (alternating over rounds), and with nothing changed.
fn build_cost(routes: usize) -> String {
    let variants = [
        ("generated_app", Variant::Generated),
        ("handwritten_app", Variant::ByHand),
        ("axum_folder_router_app", Variant::FolderRouter),
        ("nextrs_app", Variant::Nextrs),
        ("generated_typed_app", Variant::GeneratedTyped),
    ];
    let mut crates = Vec::new();
    for (name, variant) in variants {
        let dir = tempfile::tempdir().unwrap();
        let (files, handlers) = make_build_crate(dir.path(), name, routes, variant);
        if matches!(variant, Variant::FolderRouter | Variant::Nextrs) {
            std::fs::write(dir.path().join(".needs-registry"), "").unwrap();
        }
        // Warm up: the dependencies are compiled once and shared by all crates.
        cargo(dir.path(), &["build", "-q"]);
        crates.push((name, dir, files, handlers, Vec::new(), Vec::new()));
    }
    for round in 0..BUILD_ROUNDS {
        // Rotate who goes first, so no crate always builds on a warmer machine.
        for offset in 0..crates.len() {
            let (name, dir, _, _, cleans, rebuilds) =
                &mut crates[(round + offset) % variants.len()];
            cargo(dir.path(), &["clean", "-q", "-p", name]);
            let (clean, _) = cargo(dir.path(), &["build"]);
            edit_one_handler(dir.path());
            let (rebuild, _) = cargo(dir.path(), &["build"]);
            eprintln!("round {round}: {name}: clean {clean:?}, after an edit {rebuild:?}");
            cleans.push(clean);
            rebuilds.push(rebuild);
        }
    }
    let mut rows = Vec::new();
    for (name, dir, files, handlers, cleans, rebuilds) in crates {
        let (unchanged, log) = cargo(dir.path(), &["build"]);
        rows.push(BuildRow {
            name,
            files,
            handlers,
            clean: median(cleans),
            rebuild: median(rebuilds),
            unchanged,
            recompiled: log.contains("Compiling"),
        });
    }
    let mut out = String::from(
        "| app | route files / handlers | clean build of the app crate (median) | after one edit (median) | nothing changed |\n\
         | --- | ---: | ---: | ---: | ---: |\n",
    );
    for row in &rows {
        let _ = writeln!(
            out,
            "| {} | {} / {} | {:.1} s | {:.1} s | {:.2} s{} |",
            row.name,
            row.files,
            row.handlers,
            row.clean.as_secs_f64(),
            row.rebuild.as_secs_f64(),
            row.unchanged.as_secs_f64(),
            if row.recompiled {
                " (recompiled!)"
            } else {
                ", nothing recompiled"
            }
        );
    }
    let by_hand = &rows[1];
    for row in rows.iter().filter(|row| row.name != by_hand.name) {
        let _ = writeln!(
            out,
            "\n{} / hand-written: clean build {:.2}×, after one edit {:.2}×.",
            row.name,
            row.clean.as_secs_f64() / by_hand.clean.as_secs_f64(),
            row.rebuild.as_secs_f64() / by_hand.rebuild.as_secs_f64()
        );
    }
    out
}

fn main() {
    if std::env::args().any(|arg| arg == "--startup") {
        // The generated 10,000-route crate did not finish a release build in 28 minutes
        // here (docs/performance.md), so that size is measured in a dev build.
        use startup::Profile::{Dev, Release};
        let runs = [(1_000, Dev), (10_000, Dev), (1_000, Release)];
        println!("## Start-up\n\n{}", startup::startup(&runs));
        return;
    }
    if std::env::args().any(|arg| arg == "--openapi") {
        println!("{}", openapi::openapi(&[1_000, 10_000]));
        return;
    }
    if std::env::args().any(|arg| arg == "--build") {
        println!("## Build cost\n\n{}", build_cost(200));
        return;
    }
    let with_check = std::env::args().any(|arg| arg == "--check");
    println!("## Generation\n\n{}", generation(&[10, 100, 1_000, 10_000]));
    println!("## Where the time goes\n\n{}", phases(10_000));
    if with_check {
        println!("## cargo check\n\n{}", check(&[100, 1_000, 10_000]));
    }
}
