//! `fsroute fmt`: rustfmt over the route files. `cargo fmt` formats the modules a crate
//! declares, but route files are reached only through `#[path]` inside the generated file
//! that `include_routes!` includes, so it never sees them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;

use fsroute_codegen::Builder;

/// What one `fsroute fmt` run did.
pub struct Outcome {
    /// Files given to rustfmt.
    pub formatted: usize,
    /// Files skipped because they do not parse; rustc reports those at build time.
    pub unparsable: Vec<String>,
    /// rustfmt succeeded (in `--check` mode: nothing would change).
    pub ok: bool,
}

/// Formats every `.rs` file under each app folder (private `_` folders included: their
/// helpers are reached the same way), or with `check` only reports what would change.
pub fn format_app_dirs(app_dirs: &[PathBuf], check: bool) -> Result<Outcome, String> {
    let mut files = Vec::new();
    let mut unparsable = Vec::new();
    for app_dir in app_dirs {
        if !app_dir.is_dir() {
            return Err(format!(
                "the app folder `{}` does not exist",
                app_dir.display()
            ));
        }
        let skipped = unparsable_files(app_dir);
        let mut found = Vec::new();
        rust_files(app_dir, &mut found)?;
        for file in found {
            if skipped.iter().any(|s| file.ends_with(s)) {
                unparsable.push(file.display().to_string());
            } else {
                files.push(file);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Ok(Outcome {
            formatted: 0,
            unparsable,
            ok: true,
        });
    }
    let edition = app_dirs
        .first()
        .map_or_else(|| "2024".to_string(), |dir| edition_for(dir));
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_string());
    let mut command = Command::new(&rustfmt);
    command.args(["--edition", &edition]);
    // rustfmt may colour its `--check` diff; never into a pipe or a file, nor with NO_COLOR.
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let colour = if std::io::stdout().is_terminal() && !no_colour {
        "auto"
    } else {
        "never"
    };
    command.args(["--color", colour]);
    if check {
        command.arg("--check");
    }
    let status = command.args(&files).status().map_err(|err| {
        format!("cannot run `{rustfmt}` ({err}); install it with `rustup component add rustfmt`")
    })?;
    Ok(Outcome {
        formatted: files.len(),
        unparsable,
        ok: status.success(),
    })
}

/// The route and middleware files the generator could not parse, relative to the app
/// folder's crate root as diagnostics name them.
fn unparsable_files(app_dir: &Path) -> Vec<PathBuf> {
    let absolute = std::path::absolute(app_dir).unwrap_or_else(|_| app_dir.to_path_buf());
    let root = absolute.parent().unwrap_or(Path::new("/"));
    let builder = Builder::new()
        .root(root)
        .app_dir(absolute.file_name().unwrap_or_default());
    let diagnostics = match builder.generate() {
        Ok(generated) => generated.warnings,
        Err(failed) => failed.diagnostics,
    };
    diagnostics
        .iter()
        .filter(|d| d.code == "unparsable-route-file")
        .filter_map(|d| d.locations.first())
        .map(|location| PathBuf::from(&location.path))
        .collect()
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|err| format!("cannot read `{}`: {err}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|err| format!("cannot read `{}`: {err}", dir.display()))?
            .path();
        if path.is_dir() {
            rust_files(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// The Rust edition of the crate that holds `app_dir`: its `Cargo.toml`'s `edition`, the
/// workspace's for `edition.workspace = true`, else 2024.
fn edition_for(app_dir: &Path) -> String {
    let absolute = std::path::absolute(app_dir).unwrap_or_else(|_| app_dir.to_path_buf());
    let mut inherits = false;
    for dir in absolute.ancestors() {
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        for line in manifest.lines().map(str::trim) {
            if line.starts_with("edition.workspace") {
                inherits = true;
            } else if let Some(value) = line.strip_prefix("edition") {
                let value = value.trim_start().trim_start_matches('=').trim();
                let value = value.trim_matches('"');
                if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
                    return value.to_string();
                }
            }
        }
        if !inherits {
            break;
        }
    }
    "2024".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edition_comes_from_the_crate_or_its_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        std::fs::write(
            ws.join("Cargo.toml"),
            "[workspace]\n[workspace.package]\nedition = \"2021\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(ws.join("member/app")).unwrap();
        std::fs::write(
            ws.join("member/Cargo.toml"),
            "[package]\nname = \"m\"\nedition.workspace = true\n",
        )
        .unwrap();
        assert_eq!(edition_for(&ws.join("member/app")), "2021");
        std::fs::write(
            ws.join("member/Cargo.toml"),
            "[package]\nname = \"m\"\nedition = \"2018\"\n",
        )
        .unwrap();
        assert_eq!(edition_for(&ws.join("member/app")), "2018");
    }
}
