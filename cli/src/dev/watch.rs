//! What `fsroute dev` watches: the app folder, `src/` and `migrations/` (all below them),
//! and the crate's `build.rs`, `Cargo.toml`, `Cargo.lock` and `.env`. Nothing else at
//! the crate root, so the files an app writes as it runs (the template's `data/`) and
//! the build's own output (`target/`) never start a rebuild.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// Files at the crate root whose change means a rebuild.
pub const ROOT_FILES: &[&str] = &["build.rs", "Cargo.toml", "Cargo.lock", ".env"];

/// Quiet time that ends a burst of saves (an editor's write, rename and chmod; a
/// `git checkout`), so that it makes one build.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// The watcher; changes arrive on the receiver as the paths that changed.
pub struct Watch {
    _watcher: notify::RecommendedWatcher,
    pub changes: mpsc::UnboundedReceiver<PathBuf>,
    /// The folders watched below, as shown to the user.
    pub folders: Vec<String>,
}

pub fn start(root: &Path, app_dir: &Path) -> Result<Watch, String> {
    let (sender, changes) = mpsc::unbounded_channel();
    let folders: Vec<PathBuf> = [
        app_dir.to_path_buf(),
        root.join("src"),
        root.join("migrations"),
    ]
    .into_iter()
    .filter(|dir| dir.is_dir())
    .collect();
    let root_owned = root.to_path_buf();
    let below = folders.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if counts(&root_owned, &below, &path) {
                let _ = sender.send(path);
            }
        }
    })
    .map_err(|err| format!("cannot watch files: {err}"))?;
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|err| format!("cannot watch `{}`: {err}", root.display()))?;
    for folder in &folders {
        watcher
            .watch(folder, RecursiveMode::Recursive)
            .map_err(|err| format!("cannot watch `{}`: {err}", folder.display()))?;
    }
    let folders = folders
        .iter()
        .map(|dir| {
            let name = dir.strip_prefix(root).unwrap_or(dir);
            format!("{}/", name.display())
        })
        .collect();
    Ok(Watch {
        _watcher: watcher,
        changes,
        folders,
    })
}

/// Whether a change to `path` needs a rebuild.
fn counts(root: &Path, folders: &[PathBuf], path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    if editor_scratch(name) {
        return false;
    }
    if folders.iter().any(|folder| path.starts_with(folder)) {
        return true;
    }
    path.parent() == Some(root) && ROOT_FILES.contains(&name)
}

/// Files editors write beside the real one while saving: Vim's swap files and its
/// `4913` probe, Emacs's lock and backup files, and `~` backups.
fn editor_scratch(name: &str) -> bool {
    name == "4913"
        || name.ends_with('~')
        || name.starts_with(".#")
        || [".swp", ".swx", ".swo"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// Waits until changes stop for [`DEBOUNCE`] (at most a second after the first), and
/// returns the paths seen, the first one first.
pub async fn settle(
    first: PathBuf,
    changes: &mut mpsc::UnboundedReceiver<PathBuf>,
) -> Vec<PathBuf> {
    let mut seen = vec![first];
    let give_up = tokio::time::Instant::now() + Duration::from_secs(1);
    while let Ok(Some(path)) = tokio::time::timeout(DEBOUNCE, changes.recv()).await {
        if !seen.contains(&path) {
            seen.push(path);
        }
        if tokio::time::Instant::now() >= give_up {
            break;
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_src_and_the_manifest_count_and_data_target_and_scratch_files_do_not() {
        let root = Path::new("/app");
        let folders = [root.join("app"), root.join("src")];
        let counts = |path: &str| counts(root, &folders, Path::new(path));
        assert!(counts("/app/app/api/posts/route.rs"));
        assert!(counts("/app/src/lib.rs"));
        assert!(counts("/app/Cargo.toml"));
        assert!(counts("/app/build.rs"));
        assert!(counts("/app/.env"));
        assert!(!counts("/app/data/app.db"));
        assert!(!counts("/app/target/debug/app"));
        assert!(!counts("/app/README.md"));
        assert!(!counts("/app/app/api/posts/.route.rs.swp"));
        assert!(!counts("/app/app/api/posts/4913"));
        assert!(!counts("/app/src/lib.rs~"));
        assert!(!counts("/app/src/.#lib.rs"));
    }
}
