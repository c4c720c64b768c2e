//! What a big router costs when the server starts: the time `router()` takes to build
//! the axum `Router`, and the resident memory it adds, at 1,000 and 10,000 route files.
//! The generated router is measured beside the same routes wired by hand with axum's own
//! method routing, both built in release mode in one run.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use fsroute_codegen::Builder;

use crate::{codegen_build_dependency, hand_written, make_tree, median, start_crate, workspace};

/// How many times each binary is started; medians are reported.
const RUNS: usize = 7;

/// Measures inside the process: resident memory before and after building the router,
/// and the time in between, printed as `micros rss_before_kib rss_after_kib`.
const MEASURE: &str = r#"
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let before = rss_kib();
    let started = std::time::Instant::now();
    let router = std::hint::black_box(app());
    let elapsed = started.elapsed();
    let after = rss_kib();
    println!("{} {before} {after}", elapsed.as_micros());
    drop(router);
}
"#;

/// Gives every handler of the tree a one-line body, keeping its methods, config constants
/// and middleware. Start-up cost depends on the routes, their layers and how many handlers
/// there are, not on what the handlers do, and small bodies keep the builds short.
fn trivial_handlers(root: &Path) {
    let generated = Builder::new().root(root).generate().expect("a valid tree");
    let mut methods_of = std::collections::BTreeMap::new();
    for route in &generated.routes {
        methods_of.insert(route.file.clone(), route.methods.clone());
    }
    for (file, methods) in methods_of {
        let path = root.join(&file);
        let original = std::fs::read_to_string(&path).unwrap();
        let mut text: String = original
            .lines()
            .filter(|line| line.starts_with("pub const "))
            .map(|line| format!("{line}\n"))
            .collect();
        for method in methods {
            let _ = writeln!(
                text,
                "pub async fn {method}() -> &'static str {{\n    \"{method}\"\n}}"
            );
        }
        std::fs::write(path, text).unwrap();
    }
}

/// A binary crate whose `app()` builds the router for about `routes` route files.
fn make_startup_crate(root: &Path, routes: usize, generated: bool) -> usize {
    let (name, extra) = if generated {
        ("startup_generated", codegen_build_dependency())
    } else {
        ("startup_by_hand", String::new())
    };
    start_crate(root, name, &extra);
    let files = make_tree(root, routes);
    trivial_handlers(root);
    let app = if generated {
        std::fs::write(
            root.join("build.rs"),
            "fn main() { fsroute_codegen::Builder::new().build(); }\n",
        )
        .unwrap();
        "mod routes {\n    fsroute::include_routes!();\n}\n\nfn app() -> axum::Router {\n    routes::router(())\n}\n"
            .to_string()
    } else {
        // One statement per route: a single chain of thousands of calls overflows rustc.
        let generated = Builder::new().root(root).generate().expect("a valid tree");
        let (modules, routes) = hand_written(root, &generated.routes);
        let mut body = String::from("    let mut router = axum::Router::new();\n");
        for (path, methods) in routes {
            let _ = writeln!(
                body,
                "    router = router.route({path:?}, axum::routing::{methods});"
            );
        }
        format!("{modules}\nfn app() -> axum::Router {{\n{body}    router\n}}\n")
    };
    std::fs::write(root.join("src/main.rs"), format!("{app}{MEASURE}")).unwrap();
    files
}

struct Sample {
    build: Duration,
    added_kib: u64,
}

/// How a size is built: `release`, or `dev` without debug info.
#[derive(Clone, Copy)]
pub enum Profile {
    Release,
    Dev,
}

fn run(root: &Path, binary_name: &str, profile: Profile) -> Sample {
    let target = workspace().join("target/bench-startup");
    let (args, folder): (&[&str], &str) = match profile {
        Profile::Release => (&["build", "--release", "--offline", "-q"], "release"),
        Profile::Dev => (&["build", "--offline", "-q"], "debug"),
    };
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .status()
        .unwrap();
    assert!(status.success(), "cargo build failed in {}", root.display());
    let binary = target.join(folder).join(binary_name);
    let mut times = Vec::new();
    let mut added = Vec::new();
    for _ in 0..RUNS {
        let output = Command::new(&binary).output().unwrap();
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        let numbers: Vec<u64> = text
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        times.push(Duration::from_micros(numbers[0]));
        added.push(numbers[2].saturating_sub(numbers[1]));
    }
    added.sort_unstable();
    Sample {
        build: median(times),
        added_kib: added[added.len() / 2],
    }
}

pub fn startup(runs: &[(usize, Profile)]) -> String {
    let mut out = String::from(
        "| route files | paths | build | build the `Router`: generated | by hand | ratio | memory added: generated | by hand | ratio |\n\
         | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for &(size, profile) in runs {
        let generated_dir = tempfile::tempdir().unwrap();
        let files = make_startup_crate(generated_dir.path(), size, true);
        let paths = Builder::new()
            .root(generated_dir.path())
            .generate()
            .unwrap()
            .routes
            .len();
        let by_hand_dir = tempfile::tempdir().unwrap();
        make_startup_crate(by_hand_dir.path(), size, false);
        let generated = run(generated_dir.path(), "startup_generated", profile);
        let by_hand = run(by_hand_dir.path(), "startup_by_hand", profile);
        let profile = match profile {
            Profile::Release => "release",
            Profile::Dev => "dev",
        };
        let _ = writeln!(
            out,
            "| {files} | {paths} | {profile} | {:.1} ms | {:.1} ms | {:.2} | {:.1} MiB | {:.1} MiB | {:.2} |",
            generated.build.as_secs_f64() * 1000.0,
            by_hand.build.as_secs_f64() * 1000.0,
            generated.build.as_secs_f64() / by_hand.build.as_secs_f64(),
            generated.added_kib as f64 / 1024.0,
            by_hand.added_kib as f64 / 1024.0,
            generated.added_kib as f64 / by_hand.added_kib.max(1) as f64,
        );
        eprintln!(
            "startup at {files} route files measured: {}",
            out.lines().last().unwrap_or_default()
        );
    }
    out
}
