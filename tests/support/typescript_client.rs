//! The template's TypeScript client (`template-app/clients/typescript`) and its npm tools,
//! for tests that type-check, generate or run it. Plain functions, so suites in other
//! crates include this file (`#[path = "…/typescript_client.rs"] mod typescript_client;`).
//!
//! The tools are the client's own `node_modules` (installed by `npm ci` there, as
//! `.ci/run` does). When they are missing, [`installed`] prints a note and returns `false`,
//! unless `FSROUTE_REQUIRE_NODE=1`, where it panics: CI must not skip.

#![allow(dead_code)] // Each suite that includes this uses part of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The client's folder in the template app.
pub fn template_client() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../template-app/clients/typescript")
}

/// Whether `client` has its npm packages installed and `node` runs.
pub fn installed(client: &Path) -> bool {
    let node = Command::new("node").arg("--version").output();
    let missing = match node {
        Err(err) => Some(format!("`node` does not run ({err})")),
        Ok(_) if !client.join("node_modules/.bin/tsc").exists() => Some(format!(
            "the client's npm packages are not installed: run `npm ci` in {}",
            client.display()
        )),
        Ok(_) => None,
    };
    match missing {
        None => true,
        Some(reason) if std::env::var_os("FSROUTE_REQUIRE_NODE").is_some_and(|v| v == "1") => {
            panic!("FSROUTE_REQUIRE_NODE=1 but {reason}")
        }
        Some(reason) => {
            eprintln!("note: skipped, {reason}");
            false
        }
    }
}

/// Runs one of the client's npm tools (`tsc`, `openapi-typescript`) in `client`.
pub fn tool(client: &Path, name: &str, args: &[&str]) -> Output {
    Command::new(client.join("node_modules/.bin").join(name))
        .args(args)
        .current_dir(client)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {name}: {err}"))
}

/// `openapi-typescript --check`: whether `src/schema.d.ts` is what the app's committed
/// `openapi.json` makes (it fails, changing nothing, when it is not).
pub fn check_generated_types(client: &Path) -> Output {
    tool(
        client,
        "openapi-typescript",
        &[
            "../../openapi.json",
            "--output",
            "src/schema.d.ts",
            "--check",
        ],
    )
}

/// `npm run generate`: `src/schema.d.ts` from the app's committed `openapi.json`.
pub fn generate_types(client: &Path) -> Output {
    tool(
        client,
        "openapi-typescript",
        &["../../openapi.json", "--output", "src/schema.d.ts"],
    )
}

/// stdout and stderr of `output`, for messages.
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
