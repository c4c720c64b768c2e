//! Paths worked out without touching the file system, so that a path a user typed keeps
//! its symbolic links (a checkout reached through a link stays reached through it).

use std::path::{Component, Path, PathBuf};

/// `path` made absolute from the current folder, with `.` and `..` resolved by name.
pub fn normalize(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` as seen from the folder `from` (`../fsroute` for a sibling), or `to` itself
/// when the two share no root (another drive).
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let (from, to) = (normalize(from), normalize(to));
    let from_parts: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from_parts
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return to;
    }
    let mut out = PathBuf::new();
    for _ in common..from_parts.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_by_name() {
        let rel = |from: &str, to: &str| relative(Path::new(from), Path::new(to));
        assert_eq!(rel("/a/b/my-api", "/a/fsroute"), Path::new("../../fsroute"));
        assert_eq!(rel("/a/my-api/src", "/a/my-api/app"), Path::new("../app"));
        assert_eq!(rel("/a/my-api", "/a/my-api/app"), Path::new("app"));
        assert_eq!(
            rel("/a/x/../my-api", "/a/./fsroute"),
            Path::new("../fsroute")
        );
        assert_eq!(rel("/a", "/a"), Path::new("."));
    }
}
