//! The install command the docs give, run as written: it must not greet a newcomer with
//! warnings. Without `--locked`, `cargo install` resolves the CLI alone, and the root
//! manifest's `[profile.dev.package.argon2]` (for the template's tests) then names a
//! package it does not see: "profile package spec `argon2` … did not match any packages".
//! With `--locked` it uses the workspace's lock, where argon2 is, and the versions we test.

mod common;

use std::process::Command;

use common::workspace;

const DOCUMENTED: &str = "cargo install --path cli --locked";

#[test]
fn the_documented_install_command_prints_no_warning() {
    for doc in [
        "README.md",
        "docs/getting-started.md",
        "docs/cli.md",
        "docs/generated-code.md",
    ] {
        let text = std::fs::read_to_string(workspace().join(doc)).unwrap();
        assert!(
            text.contains(DOCUMENTED),
            "{doc} does not say `{DOCUMENTED}`"
        );
        for line in text.lines().filter(|line| line.contains("cargo install")) {
            assert!(
                line.contains(DOCUMENTED),
                "{doc} installs the CLI another way: {line}"
            );
        }
    }

    let root = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO"))
        .args([
            "install",
            "--path",
            "cli",
            "--locked",
            "--offline",
            "--root",
        ])
        .arg(root.path())
        .current_dir(workspace())
        // Its own folder, so the release build is reused from one run to the next.
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/nested-install"),
        )
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("warning:"))
        // Only about the temporary install folder this test uses.
        .filter(|line| !line.contains("to your PATH"))
        .collect();
    assert!(warnings.is_empty(), "{stderr}");

    let installed = root
        .path()
        .join(format!("bin/fsroute{}", std::env::consts::EXE_SUFFIX));
    let version = Command::new(installed).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("fsroute {}\n", env!("CARGO_PKG_VERSION"))
    );
}
