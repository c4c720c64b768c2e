//! `fsroute new`, then what its user does next: `cargo test` in the new folder, the
//! `fsroute` command there, a change to its API that reaches its TypeScript client, and
//! the app moved elsewhere, with fsroute from git or from a checkout that is gone. The
//! apps are built with the workspace's lock file into `target/nested`, shared with the
//! other nested builds, so their dependencies compile once; never with the network.

mod common;
#[path = "../../tests/support/typescript_client.rs"]
mod typescript_client;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fsroute, symlink_dir, workspace};
use typescript_client::{
    check_generated_types, generate_types, installed, printed, template_client, tool,
};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `fsroute new <name> <args>` in a new temporary folder: (that folder, the app's folder).
fn new_app_with(name: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::Builder::new()
        .prefix("fsroute-new-")
        .tempdir()
        .unwrap();
    let dir = parent.path().join(name);
    let created = fsroute(&[&["new", name][..], args].concat(), parent.path());
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(dir.join("app/api/health/route.rs").is_file());
    (parent, dir)
}

fn new_app(name: &str) -> (tempfile::TempDir, PathBuf) {
    new_app_with(name, &[])
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

    // `fsroute print` in the app, with no option, is the file its build compiled: the
    // settings come from its Cargo.toml. The build's file is the one naming this app's
    // folder (other runs leave theirs in the shared target folder).
    let print = fsroute(&["print"], &dir);
    assert!(print.status.success(), "{}", stderr(&print));
    let build = workspace().join("target/nested/debug/build");
    let app_folder = format!("{}/app/", dir.display());
    let compiled = std::fs::read_dir(&build)
        .unwrap()
        .map(|entry| entry.unwrap().path().join("out/fsroute_routes.rs"))
        .filter(|file| {
            file.parent()
                .unwrap()
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("shop-api-")
        })
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .find(|source| source.contains(&app_folder))
        .expect("the app's build wrote fsroute_routes.rs");
    assert_eq!(String::from_utf8_lossy(&print.stdout), compiled);

    // From a subfolder, the table of the crate's routes, with their middleware.
    let routes = fsroute(&["routes"], &dir.join("src"));
    assert!(routes.status.success(), "{}", stderr(&routes));
    let table = String::from_utf8_lossy(&routes.stdout);
    assert!(
        table.lines().any(|line| line.starts_with("GET ")
            && line.contains(" /api/posts ")
            && line.contains(" api/(protected)/middleware.rs ")
            && line.ends_with(" app/api/(protected)/posts/route.rs")),
        "{table}"
    );
}

/// A copy of this repository's working tree (what a `fsroute` git dependency needs: the
/// workspace manifest, the runtime, the generator and the docs page) committed to a git
/// repository of its own, with a fixed author and date so that the same files make the
/// same commit and the nested build's artifacts are reused. Returns its `file://` URL and
/// the commit.
fn fsroute_git_repository(folder: &Path) -> (String, String) {
    let _ = std::fs::remove_dir_all(folder);
    std::fs::create_dir_all(folder).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(workspace().join(file), folder.join(file)).unwrap();
    }
    for crate_folder in ["runtime", "codegen", "docs-page"] {
        copy_tree(&workspace().join(crate_folder), &folder.join(crate_folder));
    }
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args([
                "-c",
                "user.name=fsroute",
                "-c",
                "user.email=fsroute@example.com",
            ])
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
            .args(args)
            .current_dir(folder)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    git(&["init", "--quiet"]);
    git(&["add", "--all"]);
    git(&[
        "commit",
        "--quiet",
        "--message",
        "fsroute, as a git dependency sees it",
    ]);
    let commit = git(&["rev-parse", "HEAD"]);
    let path = folder.to_string_lossy().replace('\\', "/");
    let url = format!(
        "file://{}{path}",
        if path.starts_with('/') { "" } else { "/" }
    );
    (url, commit)
}

/// `from` copied into `to`, without build output.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if path.is_dir() {
            if name != "target" && name != "node_modules" {
                copy_tree(&path, &to.join(name));
            }
        } else {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

/// A Cargo home that shares the real one's registry and configuration but keeps git
/// checkouts to itself, so the throw-away repositories do not pile up in the user's.
fn cargo_home(folder: &Path) -> PathBuf {
    let real = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME or CARGO_HOME")).join(".cargo")
        });
    std::fs::create_dir_all(folder).unwrap();
    for shared in ["registry", "config.toml", "config"] {
        let (original, link) = (real.join(shared), folder.join(shared));
        if original.exists() && std::fs::symlink_metadata(&link).is_err() {
            symlink(&original, &link);
        }
    }
    folder.to_path_buf()
}

/// An app whose Cargo.toml takes fsroute from a git repository builds wherever it is
/// copied. Cargo is allowed the git fetch (a local `file://` one) and nothing else: any
/// HTTP request goes to a proxy that is not there and fails the build.
#[test]
fn an_app_taking_fsroute_from_git_builds_after_being_moved() {
    let scratch = workspace().join("target/nested-git");
    let (url, commit) = fsroute_git_repository(&scratch.join("fsroute"));
    let (_parent, dir) = new_app_with("git-api", &["--fsroute-git", &url, "--rev", &commit]);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!(
            "fsroute-codegen = {{ git = \"{url}\", rev = \"{commit}\""
        )),
        "{manifest}"
    );

    // Somewhere else entirely, as a teammate's clone would be.
    let elsewhere = tempfile::Builder::new()
        .prefix("fsroute-moved-")
        .tempdir()
        .unwrap();
    let moved = elsewhere.path().join("git-api");
    copy_tree(&dir, &moved);
    std::fs::remove_dir_all(&dir).unwrap();

    let output = Command::new(env!("CARGO"))
        .arg("build")
        .current_dir(&moved)
        .env("CARGO_HOME", cargo_home(&scratch.join("cargo-home")))
        .env("CARGO_HTTP_PROXY", "http://127.0.0.1:9")
        .env("CARGO_NET_RETRY", "0")
        .env("CARGO_TARGET_DIR", workspace().join("target/nested"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    let out = printed(&output);
    assert!(output.status.success(), "{out}");
    assert!(
        out.contains(&format!("Compiling git-api v0.1.0 ({})", moved.display())),
        "{out}"
    );
}

/// The default takes fsroute by absolute path from the checkout `fsroute` was built
/// from: move or delete that checkout (or build on another machine) and the app stops
/// building, with Cargo's error naming the path. A link to this repository stands for
/// the checkout here, and removing it for deleting it.
#[test]
fn an_app_whose_fsroute_checkout_is_gone_fails_naming_the_path() {
    let place = tempfile::Builder::new()
        .prefix("fsroute-checkout-")
        .tempdir()
        .unwrap();
    let checkout = place.path().join("fsroute");
    symlink(&workspace(), &checkout);
    let (_parent, dir) = new_app_with(
        "orphan-api",
        &["--fsroute-path", checkout.to_str().unwrap()],
    );
    std::fs::remove_file(&checkout).unwrap();

    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/nested"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.starts_with("error: failed to load manifest for dependency `fsroute`\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "failed to read `{}`",
            checkout.join("runtime/Cargo.toml").display()
        )),
        "{err}"
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
fn symlink(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).unwrap();
}

#[cfg(windows)]
fn symlink(original: &Path, link: &Path) {
    if original.is_dir() {
        std::os::windows::fs::symlink_dir(original, link).unwrap();
    } else {
        std::os::windows::fs::symlink_file(original, link).unwrap();
    }
}
