//! `fsroute new`, then what its user does next: `cargo test` in the new folder. The app is
//! built offline with the workspace's lock file into `target/nested`, shared with the
//! other nested builds, so its dependencies compile once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn fsroute_new_creates_an_app_that_builds_and_passes_its_own_tests() {
    let parent = tempfile::Builder::new()
        .prefix("fsroute-new-")
        .tempdir()
        .unwrap();
    let dir = parent.path().join("shop-api");
    let created = Command::new(env!("CARGO_BIN_EXE_fsroute"))
        .args(["new", "shop-api"])
        .current_dir(parent.path())
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(dir.join("app/api/health/route.rs").is_file());

    let output = Command::new(env!("CARGO"))
        .args(["test", "--offline"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/nested"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}\n{stdout}", stderr(&output));
    // Its own suite ran: the API flow and the shutdown test, under its own crate name.
    assert!(
        stdout.contains("test register_then_login ... ok"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test sigterm_finishes_the_in_flight_request_then_exits ... ok"),
        "{stdout}"
    );
}
