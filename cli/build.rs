//! Embeds the template app into the `fsroute` binary, for `fsroute new`: writes
//! `embedded_template.rs` with one `include_str!` per file of `../template-app`, and the
//! repository's `.ci/with-postgres`.
//!
//! The template is read from the repository beside this crate; a packaged copy of this
//! crate alone has no template to embed and says so.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Folders of a checked-out template that are not part of it: build output, the
/// database and uploads a local run leaves behind, installed npm packages and the
/// TypeScript client's compiled program.
const SKIPPED_FOLDERS: &[&str] = &["target", "data", "node_modules", "dist"];

/// Parts of the template a new app does not get: the progenitor client is a second crate,
/// a member of fsroute's workspace, which a standalone app's manifest does not have.
const SKIPPED_PATHS: &[&str] = &["clients/rust"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let repository = manifest_dir.parent().unwrap().to_path_buf();
    let template = repository.join("template-app");
    println!("cargo::rerun-if-changed={}", template.display());
    println!(
        "cargo::rerun-if-changed={}",
        repository.join("Cargo.toml").display()
    );
    println!(
        "cargo::rerun-if-changed={}",
        repository.join("Cargo.lock").display()
    );
    let with_postgres = repository.join(".ci/with-postgres");
    println!("cargo::rerun-if-changed={}", with_postgres.display());
    if !template.join("Cargo.toml").is_file() {
        println!(
            "cargo::error=`{}` is missing: `fsroute new` embeds the template app, so build \
             the fsroute CLI from the fsroute repository (`cargo install --path cli`)",
            template.display()
        );
        return;
    }

    let mut files = Vec::new();
    list_files(&template, &template, &mut files);
    files.retain(|relative| relative != "Cargo.toml");
    files.sort();

    let mut out = String::from("const TEMPLATE_FILES: &[(&str, &str)] = &[\n");
    for relative in &files {
        let absolute = template.join(relative);
        let _ = writeln!(
            out,
            "    ({relative:?}, include_str!({:?})),",
            absolute.display().to_string()
        );
    }
    out.push_str("];\n");
    for (name, path) in [
        ("TEMPLATE_MANIFEST", template.join("Cargo.toml")),
        ("WORKSPACE_MANIFEST", repository.join("Cargo.toml")),
        ("WORKSPACE_LOCK", repository.join("Cargo.lock")),
        // New apps get the script too, so their docs' PostgreSQL command works there.
        ("WITH_POSTGRES", with_postgres),
    ] {
        let _ = writeln!(
            out,
            "const {name}: &str = include_str!({:?});",
            path.display().to_string()
        );
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("embedded_template.rs"), out).unwrap();
}

/// Every file below `dir`, relative to `root`, with forward slashes.
fn list_files(root: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let relative = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            if !SKIPPED_FOLDERS.contains(&name.as_str()) && !SKIPPED_PATHS.contains(&&*relative) {
                list_files(root, &path, files);
            }
        } else {
            files.push(relative);
        }
    }
}
