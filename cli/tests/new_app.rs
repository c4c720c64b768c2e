//! `fsroute new`, then what its user does next: `cargo test` in the new folder, and a
//! change to its API that reaches its TypeScript client. The apps are built offline with
//! the workspace's lock file into `target/nested`, shared with the other nested builds,
//! so their dependencies compile once.

#[path = "../../tests/support/typescript_client.rs"]
mod typescript_client;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use typescript_client::{
    check_generated_types, generate_types, installed, printed, template_client, tool,
};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `fsroute new <name>` in a new temporary folder: (that folder, the app's folder).
fn new_app(name: &str) -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::Builder::new()
        .prefix("fsroute-new-")
        .tempdir()
        .unwrap();
    let dir = parent.path().join(name);
    let created = Command::new(env!("CARGO_BIN_EXE_fsroute"))
        .args(["new", name])
        .current_dir(parent.path())
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(dir.join("app/api/health/route.rs").is_file());
    (parent, dir)
}

/// `cargo test <args>` in the app at `dir`, offline, into the shared nested target.
fn cargo_test(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO"))
        .args(["test", "--offline"])
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/nested"))
        .env_remove("CARGO_MANIFEST_DIR")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn fsroute_new_creates_an_app_that_builds_and_passes_its_own_tests() {
    let (_parent, dir) = new_app("shop-api");
    let output = cargo_test(&dir, &[], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}\n{stdout}", stderr(&output));
    // Its own suite ran: the API flow and the shutdown test, under its own crate name.
    assert!(
        stdout.contains("test register_then_login ... ok"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test sigterm_ends_the_stream_with_a_final_event_then_exits ... ok"),
        "{stdout}"
    );
}

/// The contract at work in a new app: a field renamed in Rust fails the app's own test
/// until the committed document is updated, and the updated document, through the types
/// openapi-typescript makes of it, fails `tsc` where the client still uses the old name.
#[test]
fn a_field_renamed_in_rust_fails_the_contract_test_then_tsc() {
    let template = template_client();
    if !installed(&template) {
        return;
    }
    let (_parent, dir) = new_app("blog-api");
    let client = dir.join("clients/typescript");
    symlink_dir(&template.join("node_modules"), &client.join("node_modules"));

    // As created, the client's types are current and tsc accepts it.
    let current = check_generated_types(&client);
    assert!(current.status.success(), "{}", printed(&current));
    let accepted = tool(&client, "tsc", &["--noEmit"]);
    assert!(accepted.status.success(), "{}", printed(&accepted));

    // `Post::title` becomes `Post::headline`: the JSON of every post changes with it.
    let posts = dir.join("src/posts.rs");
    let source = std::fs::read_to_string(&posts).unwrap();
    let renamed = source
        .replacen("    pub title: String,\n", "    pub headline: String,\n", 1)
        .replacen("        title,\n", "        headline: title,\n", 1);
    assert_eq!(
        renamed.matches("headline").count(),
        2,
        "src/posts.rs no longer has the lines this test renames"
    );
    std::fs::write(&posts, renamed).unwrap();

    let drifted = cargo_test(&dir, &["--test", "openapi"], &[]);
    let out = printed(&drifted);
    assert!(
        !drifted.status.success(),
        "the contract test passed:\n{out}"
    );
    assert!(
        out.contains("`openapi.json` is not the document the app serves")
            && out.contains("headline")
            && out.contains("FSROUTE_UPDATE_OPENAPI=1 cargo test --test openapi"),
        "{out}"
    );

    let updated = cargo_test(
        &dir,
        &["--test", "openapi"],
        &[("FSROUTE_UPDATE_OPENAPI", "1")],
    );
    assert!(updated.status.success(), "{}", printed(&updated));
    let again = cargo_test(&dir, &["--test", "openapi"], &[]);
    assert!(again.status.success(), "{}", printed(&again));

    let stale = check_generated_types(&client);
    assert!(!stale.status.success(), "{}", printed(&stale));
    let generated = generate_types(&client);
    assert!(generated.status.success(), "{}", printed(&generated));

    let rejected = tool(&client, "tsc", &["--noEmit"]);
    let out = printed(&rejected);
    assert!(
        !rejected.status.success(),
        "tsc accepted the old name:\n{out}"
    );
    assert!(
        out.contains("src/main.ts") && out.contains("Property 'title' does not exist"),
        "{out}"
    );
}

#[cfg(unix)]
fn symlink_dir(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).unwrap();
}

#[cfg(windows)]
fn symlink_dir(original: &Path, link: &Path) {
    std::os::windows::fs::symlink_dir(original, link).unwrap();
}
