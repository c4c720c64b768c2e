//! What the OpenAPI document costs, on and off side by side in one run: the generator's
//! time, and `cargo check` after an edit, at each size. "On" is what a user who turns it
//! on has: `.openapi(true)` in `build.rs`, the runtime's `openapi` feature, schemars, and
//! `JsonSchema` derived on every type the route files define. Two more crates split that
//! cost: the derives without the switch, and the switch without the derives.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fsroute_codegen::Builder;

use crate::{
    ROUTER_LIB, Shape, cargo_check_in, codegen_build_dependency, edit_one_handler, make_crate,
    make_tree, make_tree_with, median, start_crate_with_features, workspace,
};

/// Its own target dir, so the other benchmarks' caches stay as they are.
const TARGET: &str = "bench-openapi";

/// How many times each crate's check after an edit is timed; medians are reported.
const ROUNDS: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The crate `--check` makes, unchanged.
    Off,
    /// The switch, the feature, schemars and the derives.
    On,
    /// As `On` without `.openapi(true)`: what the derives cost.
    DerivesOnly,
    /// As `On` without the derives: what the describe functions cost (the route files'
    /// own types become gaps).
    DescribeOnly,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Off => "off",
            Variant::On => "on",
            Variant::DerivesOnly => "derives only",
            Variant::DescribeOnly => "describe only",
        }
    }
}

/// The generator on one tree, with the document and without, alternating run by run.
fn generation(size: usize) -> (usize, [Duration; 2], [usize; 2]) {
    let dir = tempfile::tempdir().unwrap();
    let files = make_tree(dir.path(), size);
    let runs = if size >= 10_000 { 5 } else { 9 };
    let mut samples = [Vec::new(), Vec::new()];
    let mut sizes = [0; 2];
    for run in 0..runs {
        // Alternate who goes first, so neither always runs on a warmer cache.
        let order = if run % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for on in order {
            let started = Instant::now();
            let generated = Builder::new()
                .root(dir.path())
                .openapi(on)
                .generate()
                .expect("a valid tree");
            samples[usize::from(on)].push(started.elapsed());
            assert!(generated.routes.len() >= files);
            sizes[usize::from(on)] = generated.source.len();
        }
    }
    let [off, on] = samples;
    (files, [median(off), median(on)], sizes)
}

/// A crate of `routes` route files in the given variant.
fn make_variant_crate(root: &Path, routes: usize, variant: Variant) -> usize {
    let name = match variant {
        Variant::Off => return make_crate(root, routes, false),
        Variant::On => "scale_openapi",
        Variant::DerivesOnly => "scale_derives_only",
        Variant::DescribeOnly => "scale_describe_only",
    };
    let extra = format!("schemars = \"1\"\n\n{}", codegen_build_dependency());
    start_crate_with_features(root, name, &["openapi"], &extra);
    let shape = Shape {
        grouped: true,
        json_schema: variant != Variant::DescribeOnly,
    };
    let files = make_tree_with(root, routes, shape);
    let switch = variant != Variant::DerivesOnly;
    std::fs::write(
        root.join("build.rs"),
        format!("fn main() {{ fsroute_codegen::Builder::new().openapi({switch}).build(); }}\n"),
    )
    .unwrap();
    std::fs::write(root.join("src/lib.rs"), ROUTER_LIB).unwrap();
    files
}

/// Builds and runs a binary in the `On` crate that prints what its document holds:
/// gaps, paths and operations, then each gap's type.
fn document_contents(root: &Path, library: &str) -> String {
    let main = format!(
        r#"fn main() {{
    let document = {library}::routes::openapi();
    let paths = document.value()["paths"].as_object().unwrap();
    // A path item also holds its description and parameters.
    let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    let operations: usize = paths
        .values()
        .map(|item| item.as_object().unwrap().keys().filter(|key| methods.contains(&key.as_str())).count())
        .sum();
    println!("{{}} {{}} {{}}", document.gaps().len(), paths.len(), operations);
    for gap in document.gaps() {{
        println!("{{}}", gap.type_name);
    }}
}}
"#
    );
    std::fs::write(root.join("src/main.rs"), main).unwrap();
    let output = Command::new(env!("CARGO"))
        .args(["run", "--offline", "-q"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", workspace().join("target").join(TARGET))
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the document's binary failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = stdout.lines();
    let counts: Vec<usize> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let mut types = std::collections::BTreeMap::<&str, usize>::new();
    for line in lines {
        *types.entry(line).or_default() += 1;
    }
    let mut out = format!(
        "{} gaps, {} paths, {} operations",
        counts[0], counts[1], counts[2]
    );
    for (type_name, count) in types {
        let _ = write!(out, "; {count} × `{type_name}`");
    }
    out
}

struct CheckRow {
    files: usize,
    /// Per variant, the checks after an edit.
    samples: Vec<(Variant, Vec<Duration>)>,
}

impl CheckRow {
    fn median(&self, variant: Variant) -> Duration {
        let (_, samples) = self.samples.iter().find(|(v, _)| *v == variant).unwrap();
        median(samples.clone())
    }
}

/// `cargo check` after an edit, each variant warmed up once, then timed `ROUNDS` times,
/// the on/off pair back to back and the split pair after it.
fn check(size: usize) -> CheckRow {
    let variants = [
        Variant::Off,
        Variant::On,
        Variant::DerivesOnly,
        Variant::DescribeOnly,
    ];
    let mut crates = Vec::new();
    let mut files = 0;
    for variant in variants {
        let dir = tempfile::tempdir().unwrap();
        files = make_variant_crate(dir.path(), size, variant);
        // The first check compiles the dependencies (shared by all crates) and the crate.
        let warm = cargo_check_in(dir.path(), TARGET);
        eprintln!("{size}: {} warmed up in {warm:?}", variant.name());
        crates.push((variant, dir, Vec::new()));
    }
    for round in 0..ROUNDS {
        // Alternate the order within each pair, so neither always runs first.
        let order: [usize; 4] = if round % 2 == 0 {
            [0, 1, 2, 3]
        } else {
            [1, 0, 3, 2]
        };
        for index in order {
            let (variant, dir, samples) = &mut crates[index];
            edit_one_handler(dir.path());
            let time = cargo_check_in(dir.path(), TARGET);
            eprintln!(
                "{size}, round {round}: {} checked after an edit in {time:?}",
                variant.name()
            );
            samples.push(time);
        }
    }
    CheckRow {
        files,
        samples: crates
            .into_iter()
            .map(|(variant, _, samples)| (variant, samples))
            .collect(),
    }
}

fn seconds(time: Duration) -> String {
    format!("{:.1} s", time.as_secs_f64())
}

fn ratio(on: Duration, off: Duration) -> f64 {
    on.as_secs_f64() / off.as_secs_f64()
}

pub fn openapi(sizes: &[usize]) -> String {
    let mut out = String::from(
        "## Generator, OpenAPI off and on\n\n\
         | route files | generate, off (median) | on (median) | on ÷ off | generated source, off | on |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for &size in sizes {
        let (files, [off, on], [off_bytes, on_bytes]) = generation(size);
        let _ = writeln!(
            out,
            "| {files} | {:.1} ms | {:.1} ms | {:.2} | {} KiB | {} KiB |",
            off.as_secs_f64() * 1000.0,
            on.as_secs_f64() * 1000.0,
            ratio(on, off),
            off_bytes / 1024,
            on_bytes / 1024
        );
        eprintln!("generated {files} route files: off {off:?}, on {on:?}");
    }

    let mut rows = Vec::new();
    let mut contents = Vec::new();
    for &size in sizes {
        let row = check(size);
        if size <= 1_000 {
            // Whether the document is complete: built and run once, after the timings.
            let dir = tempfile::tempdir().unwrap();
            make_variant_crate(dir.path(), size, Variant::On);
            contents.push((row.files, document_contents(dir.path(), "scale_openapi")));
        }
        rows.push(row);
    }

    let _ = write!(
        out,
        "\n## `cargo check` after an edit, OpenAPI off and on (median of {ROUNDS})\n\n\
         | route files | off | on | on ÷ off | samples off | samples on |\n\
         | ---: | ---: | ---: | ---: | --- | --- |\n"
    );
    let samples = |row: &CheckRow, variant: Variant| {
        let (_, samples) = row.samples.iter().find(|(v, _)| *v == variant).unwrap();
        samples
            .iter()
            .map(|time| format!("{:.1}", time.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for row in &rows {
        let [off, on] = [Variant::Off, Variant::On].map(|v| row.median(v));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {} | {} |",
            row.files,
            seconds(off),
            seconds(on),
            ratio(on, off),
            samples(row, Variant::Off),
            samples(row, Variant::On)
        );
    }

    let _ = write!(
        out,
        "\n## Where \"on\" spends it (medians)\n\n\
         | route files | off | derives only | `.openapi(true)` only | on | derives only ÷ off | `.openapi(true)` only ÷ off | samples: derives only | `.openapi(true)` only |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n"
    );
    for row in &rows {
        let [off, derives, describe, on] = [
            Variant::Off,
            Variant::DerivesOnly,
            Variant::DescribeOnly,
            Variant::On,
        ]
        .map(|v| row.median(v));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {} | {} |",
            row.files,
            seconds(off),
            seconds(derives),
            seconds(describe),
            seconds(on),
            ratio(derives, off),
            ratio(describe, off),
            samples(row, Variant::DerivesOnly),
            samples(row, Variant::DescribeOnly)
        );
    }

    out.push_str("\n## The \"on\" crate's document\n\n");
    for (files, contents) in contents {
        let _ = writeln!(out, "{files} route files: {contents}.");
    }
    out
}
