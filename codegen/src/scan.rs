//! Walk the app folder and collect the `route.rs` files.
//!
//! Folders whose name starts with `_` are private: they and everything in them are never
//! routed, so helpers can live beside the routes that use them.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::conventions::FileKind;
use crate::diagnostic::{Diagnostics, Location};
use crate::messages;
use crate::suggest;

/// A `route.rs` or `middleware.rs` file found under the app folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedFile {
    pub kind: FileKind,
    /// Folder names from the app folder down to the file (`["api", "users", "[id]"]`).
    pub folders: Vec<String>,
    /// Where the file is on disk.
    pub path: PathBuf,
}

/// Every route and middleware file under `app_dir`, parents before children. `display`
/// turns a path inside the app folder into the text diagnostics show.
pub fn scan(
    app_dir: &Path,
    display: &dyn Fn(&Path) -> String,
    diagnostics: &mut Diagnostics,
) -> Vec<ScannedFile> {
    let mut files = Vec::new();
    if !app_dir.is_dir() {
        diagnostics.push(messages::app_dir_missing(&display(app_dir)));
        return files;
    }
    // Sorted so that the output never depends on the order the file system lists entries in.
    let walker = WalkDir::new(app_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_private(entry.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(app_dir);
                diagnostics.push(messages::unreadable(&display(path), &err.to_string()));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let file_name = entry.file_name().to_string_lossy();
        let Some(kind) = FileKind::from_file_name(&file_name) else {
            let shown = display(entry.path());
            if let Some(meant) = suggest::file_name(&file_name) {
                diagnostics.push(messages::misnamed_file(&shown, meant).at(Location::path(&shown)));
            } else if let Some(foreign) = suggest::foreign_file(&file_name) {
                diagnostics
                    .push(messages::foreign_file(&shown, foreign).at(Location::path(&shown)));
            }
            continue;
        };
        let relative = entry
            .path()
            .strip_prefix(app_dir)
            .expect("walkdir yields paths under its root");
        let mut folders = Vec::new();
        let mut utf8 = true;
        for component in relative.parent().into_iter().flat_map(Path::components) {
            match component.as_os_str().to_str() {
                Some(name) => folders.push(name.to_string()),
                None => utf8 = false,
            }
        }
        if !utf8 {
            diagnostics.push(messages::non_utf8_path(&display(entry.path())));
            continue;
        }
        files.push(ScannedFile {
            kind,
            folders,
            path: entry.path().to_path_buf(),
        });
    }
    // Parents before children, whatever the walk met first.
    files.sort_by(|a, b| (&a.folders, a.kind).cmp(&(&b.folders, b.kind)));
    files
}

fn is_private(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "").unwrap();
        }
        dir
    }

    fn show(path: &Path) -> String {
        path.display().to_string()
    }

    /// The files found, and the codes of the problems met.
    fn scan(
        dir: &Path,
        display: &dyn Fn(&Path) -> String,
    ) -> (Vec<ScannedFile>, Vec<&'static str>) {
        let mut diagnostics = Diagnostics::default();
        let files = super::scan(dir, display, &mut diagnostics);
        (files, diagnostics.codes())
    }

    #[test]
    fn finds_route_files_in_sorted_order_and_skips_private_folders() {
        let dir = tree(&[
            "api/users/[id]/route.rs",
            "api/users/route.rs",
            "api/_lib/route.rs",
            "api/_lib/deep/route.rs",
            "api/users/helpers.rs",
            "api/(admin)/stats/route.rs",
            "api/(admin)/middleware.rs",
            "route.rs",
        ]);
        let (files, problems) = scan(dir.path(), &show);
        assert!(problems.is_empty(), "{problems:?}");
        let files: Vec<String> = files
            .iter()
            .map(|f| format!("{}/{}", f.folders.join("/"), f.kind.file_name()))
            .collect();
        assert_eq!(
            files,
            [
                "/route.rs",
                "api/(admin)/middleware.rs",
                "api/(admin)/stats/route.rs",
                "api/users/route.rs",
                "api/users/[id]/route.rs"
            ]
        );
    }

    #[test]
    fn missing_app_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (_, problems) = scan(&dir.path().join("nope"), &show);
        assert_eq!(problems, ["app-dir-missing"]);
    }

    #[test]
    fn near_miss_file_names_get_a_warning() {
        let dir = tree(&[
            "api/Route.rs",
            "api/x/routes.rs",
            "api/y/router.rs",
            "api/z/Middleware.rs",
            "api/n/route.ts",
            "api/p/page.rs",
        ]);
        let (files, problems) = scan(dir.path(), &show);
        assert!(files.is_empty());
        assert_eq!(
            problems,
            [
                "misnamed-file",
                "foreign-file",
                "foreign-file",
                "misnamed-file",
                "misnamed-file"
            ]
        );
    }
}
