//! What the `fsroute` command's test files share: running the binary, and the
//! repository it was built from.
#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `fsroute <args>` in `cwd`, as a user runs it.
pub fn fsroute(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fsroute"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(unix)]
pub fn symlink_dir(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).unwrap();
}

#[cfg(windows)]
pub fn symlink_dir(original: &Path, link: &Path) {
    std::os::windows::fs::symlink_dir(original, link).unwrap();
}
