//! The Rust in the docs compiles. Every ```rust block of `README.md` and `docs/*.md` becomes
//! a module of one crate beside the workspace, which is built with the real `cargo`
//! against this repository's crates. The blocks see the names in `tests/docs/context.rs`
//! (the example app's `User`, `Db`, … that the docs talk about) and a generated router,
//! so a block can be a route file, a `build.rs` or a `main.rs` as a user would write it.
//!
//! The crate lives in `target/nested-docs` and builds into `target/nested` (shared with
//! the other nested builds), so only changed blocks are recompiled.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A ```rust block: where it starts, its text, and how it is checked.
struct Block {
    file: String,
    line: usize,
    code: String,
    check: Check,
}

/// Set by an HTML comment on the line before the fence, which Markdown does not show.
enum Check {
    /// Compiled (the default).
    Compile,
    /// `<!-- excerpt: PATH -->`: every line is a line of that file, in order, so a copy of
    /// the template's code in the docs cannot drift from it.
    Excerpt(String),
    /// `<!-- generated: FIXTURE -->`: exactly what the generator makes of that fixture
    /// tree, with its folder shown as `/home/me/my-app`.
    Generated(String),
}

/// Every ```rust block of a Markdown file. Other fences (text, sh, toml) are not Rust.
fn rust_blocks(file: &str, markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    let mut previous = "";
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) if line.trim_start().trim_start_matches('`').trim() == "rust" => {
                let note = previous
                    .trim()
                    .strip_prefix("<!--")
                    .and_then(|rest| rest.strip_suffix("-->"))
                    .map(str::trim)
                    .unwrap_or_default();
                let check = if let Some(path) = note.strip_prefix("excerpt:") {
                    Check::Excerpt(path.trim().to_string())
                } else if let Some(fixture) = note.strip_prefix("generated:") {
                    Check::Generated(fixture.trim().to_string())
                } else {
                    Check::Compile
                };
                current = Some(Block {
                    file: file.to_string(),
                    line: index + 1,
                    code: String::new(),
                    check,
                });
            }
            (Some(_), true) => blocks.extend(current.take()),
            (Some(block), false) => {
                block.code.push_str(line);
                block.code.push('\n');
            }
            (None, _) => {}
        }
        previous = line;
    }
    blocks
}

/// A block split into the files it shows: a line `// path.rs …` starts a file, as the
/// docs write `// app/api/users/route.rs` or `// build.rs` above each one.
fn parts(code: &str) -> Vec<(Option<String>, String)> {
    let mut parts: Vec<(Option<String>, String)> = Vec::new();
    for line in code.lines() {
        let header = line
            .strip_prefix("// ")
            .and_then(|rest| rest.split_whitespace().next())
            .filter(|path| path.ends_with(".rs"));
        match header {
            Some(path) => parts.push((Some(path.to_string()), format!("{line}\n"))),
            None => {
                if parts.is_empty() {
                    parts.push((None, String::new()));
                }
                let text = &mut parts.last_mut().unwrap().1;
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    parts.retain(|(_, text)| !text.trim().is_empty());
    parts
}

fn all_blocks() -> Vec<Block> {
    let ws = workspace();
    let mut files = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(ws.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
        .iter()
        .flat_map(|file| rust_blocks(file, &std::fs::read_to_string(ws.join(file)).unwrap()))
        .collect()
}

/// Writes `path` only when its content changed, so cargo rebuilds only what did.
fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if std::fs::read_to_string(path).ok().as_deref() != Some(content) {
        std::fs::write(path, content).unwrap();
    }
}

#[test]
fn the_rust_in_the_docs_compiles() {
    let ws = workspace();
    let blocks = all_blocks();
    assert!(blocks.len() >= 20, "only {} blocks found", blocks.len());
    let root = ws.join("target/nested-docs");
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"docs_blocks\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [workspace]\n\n[dependencies]\n\
             fsroute = {{ path = {runtime:?}, features = [\"sqlx\", \"testing\"] }}\n\
             fsroute-codegen = {{ path = {codegen:?} }}\n\
             axum = {{ version = \"0.8\", features = [\"multipart\"] }}\n\
             futures-util = {{ version = \"0.3\", default-features = false, features = [\"std\"] }}\n\
             garde = {{ version = \"0.23\", features = [\"derive\", \"email\", \"url\"] }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\n\
             serde_json = \"1\"\n\
             sqlx = {{ version = \"0.9\", default-features = false, features = [\"sqlite\", \"runtime-tokio\"] }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"time\"] }}\n\
             tower-http = \"0.7\"\n\n\
             [build-dependencies]\nfsroute-codegen = {{ path = {codegen:?} }}\n\n\
             [profile.dev]\ndebug = false\n",
            runtime = ws.join("runtime"),
            codegen = ws.join("codegen"),
        ),
    );
    std::fs::copy(ws.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    write(
        &root.join("build.rs"),
        "fn main() { fsroute_codegen::Builder::new().build(); }\n",
    );
    write(
        &root.join("app/api/health/route.rs"),
        "pub async fn GET() -> &'static str {\n    \"ok\"\n}\n",
    );
    // For the examples that link to a post with `routes::href::posts_by_id`.
    write(
        &root.join("app/api/posts/[id]/route.rs"),
        "pub async fn GET() -> &'static str {\n    \"a post\"\n}\n",
    );
    write(
        &root.join("src/context.rs"),
        &std::fs::read_to_string(ws.join("tests/docs/context.rs")).unwrap(),
    );

    let mut lib = String::from(
        "//! The ```rust blocks of the docs, one module per file they show.\n\
         #![allow(dead_code, unused, non_snake_case, clippy::all)]\n\n\
         // The docs' `tests/` examples name the crate, as an integration test would.\n\
         extern crate self as my_api;\n\n\
         pub mod context;\npub use context::*;\n\n\
         pub mod routes {\n    fsroute::include_routes!();\n}\n\n",
    );
    let mut index = String::new();
    let mut wanted = Vec::new();
    for (number, block) in blocks.iter().enumerate() {
        if !matches!(block.check, Check::Compile) {
            continue;
        }
        let folder = format!("block_{number}");
        wanted.push(folder.clone());
        for (part, (path, text)) in parts(&block.code).into_iter().enumerate() {
            // A route file keeps its place under its block's folder, so that a
            // `#[path = "../_lib/x.rs"]` in it finds the helper the same block shows.
            let file = match &path {
                Some(path) => format!("{folder}/{}", path.strip_prefix("app/").unwrap_or(path)),
                None => format!("{folder}/part_{part}.rs"),
            };
            write(
                &root.join("src").join(&file),
                &format!("#[allow(unused_imports)]\nuse crate::context::*;\n\n{text}"),
            );
            // Helpers in `_private` folders are reached through the route file's own
            // `#[path]`, as in an app.
            if !file.contains("/_") {
                let _ = writeln!(lib, "#[path = {file:?}]\nmod {folder}_{part};");
            }
            let _ = writeln!(index, "src/{file} is from {}:{}", block.file, block.line);
        }
    }
    write(&root.join("src/lib.rs"), &lib);
    // Blocks removed from the docs leave no module behind.
    for entry in std::fs::read_dir(root.join("src")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let path = root.join("src").join(&name);
        if name.starts_with("block_") && !wanted.contains(&name) {
            if path.is_dir() {
                std::fs::remove_dir_all(path).unwrap();
            } else {
                std::fs::remove_file(path).unwrap();
            }
        }
    }

    // In test mode, so that the `#[tokio::test]` functions the docs show are checked too.
    let output = Command::new(env!("CARGO"))
        .args(["test", "--no-run", "--offline", "--message-format", "short"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", ws.join("target/nested"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "a ```rust block in the docs does not compile:\n{}\nwhere\n{index}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn excerpts_of_the_code_are_the_code() {
    let ws = workspace();
    for block in all_blocks() {
        let Check::Excerpt(path) = &block.check else {
            continue;
        };
        let source = std::fs::read_to_string(ws.join(path)).unwrap_or_else(|err| {
            panic!("{}:{}: cannot read `{path}`: {err}", block.file, block.line)
        });
        let mut lines = source.lines().map(str::trim);
        // `// …` stands for lines left out.
        let shown = block.code.lines().map(str::trim);
        for wanted in shown.filter(|l| !l.is_empty() && *l != "// …") {
            assert!(
                lines.any(|line| line == wanted),
                "{}:{}: `{wanted}` is not in `{path}` (or not in this order): update the docs",
                block.file,
                block.line
            );
        }
    }
}

#[test]
fn the_generated_file_shown_is_what_the_generator_makes() {
    let ws = workspace();
    let mut checked = 0;
    for block in all_blocks() {
        let Check::Generated(fixture) = &block.check else {
            continue;
        };
        let root = ws.join(fixture);
        let source = fsroute_codegen::Builder::new()
            .root(&root)
            .state("crate::AppState")
            .generate()
            .unwrap_or_else(|failed| panic!("{failed}"))
            .source
            .replace(&root.display().to_string(), "/home/me/my-app");
        assert_eq!(
            block.code, source,
            "{}:{}: the generated file shown differs from what the generator makes of `{fixture}`",
            block.file, block.line
        );
        checked += 1;
    }
    assert!(checked >= 1, "no block is marked `<!-- generated: … -->`");
}
