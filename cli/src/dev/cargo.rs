//! One `cargo build` of the app, read from Cargo's JSON messages: the binary it made, or
//! the errors to show in the terminal and to answer requests with.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::process::GroupGuard;

/// What a build gave.
pub enum Build {
    Built {
        binary: PathBuf,
        /// Cargo had nothing to redo: the running app is already this binary.
        fresh: bool,
        took: Duration,
    },
    Failed {
        first_error: BuildError,
        errors: usize,
        took: Duration,
    },
}

/// The first error of a failed build, as requests are answered with it.
#[derive(Debug, Clone)]
pub struct BuildError {
    pub message: String,
    /// `app/api/posts/route.rs:12:5`, when the error points at a line.
    pub location: Option<String>,
    /// The error as the terminal shows it, without colours.
    pub rendered: String,
}

/// Builds the package at `root` (its binary `bin`, or its only one). The compiler's
/// messages are printed as `cargo build` prints them; `colour` keeps their colours.
/// Dropping the future stops the build, rustc included.
pub async fn build(root: &Path, bin: Option<&str>, colour: bool) -> Result<Build, String> {
    let started = Instant::now();
    let format = if colour {
        "--message-format=json-diagnostic-rendered-ansi"
    } else {
        "--message-format=json"
    };
    let mut command = Command::new(cargo());
    command
        .args(["build", format])
        .arg(if colour {
            "--color=always"
        } else {
            "--color=never"
        })
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(bin) = bin {
        command.args(["--bin", bin]);
    }
    // Its own process group, so that stopping the build stops rustc and build scripts too.
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    let _group = GroupGuard::new(child.id());

    let manifest = root.join("Cargo.toml");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    // Cargo's own lines (progress, and the errors a build script reports with
    // `cargo::error=`, as fsroute's are) pass through and are kept for the first error.
    let cargo_lines = tokio::spawn(async move {
        let mut errors = Vec::new();
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("{line}");
            let plain = strip_ansi(&line);
            if let Some(error) = build_script_error(&plain) {
                errors.push(error);
            }
        }
        errors
    });

    let mut binaries = Vec::new();
    let mut compiler_errors: Vec<BuildError> = Vec::new();
    let mut succeeded = false;
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines
        .next_line()
        .await
        .map_err(|err| format!("cannot read cargo's output: {err}"))?
    {
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            // A build script's own stdout is not JSON; Cargo keeps it, so do we.
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-message") => {
                let diagnostic = &message["message"];
                if let Some(rendered) = diagnostic["rendered"].as_str() {
                    eprint!("{rendered}");
                }
                if diagnostic["level"].as_str() == Some("error") {
                    compiler_errors.push(compiler_error(diagnostic, root));
                }
            }
            Some("compiler-artifact")
                if Path::new(str_of(&message["manifest_path"])) == manifest =>
            {
                if let Some(executable) = message["executable"].as_str() {
                    binaries.push((
                        str_of(&message["target"]["name"]).to_string(),
                        PathBuf::from(executable),
                        message["fresh"].as_bool().unwrap_or(false),
                    ));
                }
            }
            Some("build-finished") => succeeded = message["success"].as_bool() == Some(true),
            _ => {}
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|err| format!("cargo did not finish: {err}"))?;
    let script_errors = cargo_lines.await.unwrap_or_default();
    let took = started.elapsed();

    if !(succeeded && status.success()) {
        // rustc's errors first: a build script's error stops the build before rustc runs,
        // so when both exist, rustc's came from a crate that did build its script.
        let errors = compiler_errors.len() + script_errors.len();
        let first_error = compiler_errors
            .into_iter()
            .chain(script_errors)
            .next()
            .unwrap_or_else(|| BuildError {
                message: format!("cargo build failed ({status}); its output is above"),
                location: None,
                rendered: String::new(),
            });
        return Ok(Build::Failed {
            first_error,
            errors: errors.max(1),
            took,
        });
    }
    let binary = match binaries.len() {
        0 => {
            return Err(
                "the build made no binary: `fsroute dev` runs a crate with a `main`".into(),
            );
        }
        1 => binaries.remove(0),
        _ => {
            let package = root
                .file_name()
                .map(|name| name.to_string_lossy().replace('-', "_"))
                .unwrap_or_default();
            let names: Vec<String> = binaries
                .iter()
                .map(|(name, ..)| format!("`{name}`"))
                .collect();
            let position = binaries
                .iter()
                .position(|(name, ..)| name.replace('-', "_") == package)
                .ok_or_else(|| {
                    format!(
                        "the crate has several binaries ({}): choose one with `fsroute dev --bin NAME`",
                        names.join(", ")
                    )
                })?;
            binaries.remove(position)
        }
    };
    Ok(Build::Built {
        binary: binary.1,
        fresh: binary.2,
        took,
    })
}

/// The cargo that runs `fsroute` (`cargo fsroute`, or under `cargo run`), else the PATH's.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The error, its place named from the crate root (route files reach rustc by absolute
/// paths, through the generated `#[path]`s).
fn compiler_error(diagnostic: &Value, root: &Path) -> BuildError {
    let primary = diagnostic["spans"].as_array().and_then(|spans| {
        spans
            .iter()
            .find(|span| span["is_primary"].as_bool() == Some(true))
    });
    BuildError {
        message: str_of(&diagnostic["message"]).to_string(),
        location: primary.map(|span| {
            let file = Path::new(str_of(&span["file_name"]));
            format!(
                "{}:{}:{}",
                file.strip_prefix(root).unwrap_or(file).display(),
                span["line_start"],
                span["column_start"]
            )
        }),
        rendered: strip_ansi(str_of(&diagnostic["rendered"])),
    }
}

/// An `error: …` line Cargo prints for a build script's `cargo::error=`; not Cargo's own
/// summary lines, which only say that something failed.
fn build_script_error(line: &str) -> Option<BuildError> {
    let message = line.strip_prefix("error: ")?;
    // Cargo names the package first: `shop@0.1.0: the folder name …`.
    let message = match message.split_once(": ") {
        Some((package, rest)) if package.contains('@') && !package.contains(' ') => rest,
        _ => message,
    };
    let summary = [
        "could not compile",
        "failed to run custom build command",
        "build failed",
        "build script logged errors",
    ];
    if summary.iter().any(|prefix| message.starts_with(prefix)) {
        return None;
    }
    // fsroute's errors start with the file they are about: `app/api/x/route.rs:3:1: …`.
    let (location, text) = match message.split_once(": ") {
        Some((place, text))
            if !place.contains(' ') && (place.contains(".rs") || place.contains('/')) =>
        {
            (Some(place.to_string()), text.to_string())
        }
        _ => (None, message.to_string()),
    };
    Some(BuildError {
        message: text,
        location,
        rendered: line.to_string(),
    })
}

/// `text` without the terminal's colour codes (`ESC [ … m`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // The sequence ends at its first letter.
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_codes_are_taken_out() {
        assert_eq!(
            strip_ansi("\u{1b}[1m\u{1b}[38;5;9merror\u{1b}[0m: expected `;`"),
            "error: expected `;`"
        );
    }

    #[test]
    fn a_build_scripts_error_is_kept_and_cargos_summaries_are_not() {
        let error =
            build_script_error("error: app/api/[id/route.rs: a `[` is never closed").unwrap();
        assert_eq!(error.location.as_deref(), Some("app/api/[id/route.rs"));
        assert_eq!(error.message, "a `[` is never closed");
        assert!(build_script_error("error: could not compile `shop` (bin \"shop\")").is_none());
        assert!(
            build_script_error("error: failed to run custom build command for `shop`").is_none()
        );
        assert!(build_script_error("warning: unused").is_none());
        assert!(build_script_error("error: build script logged errors").is_none());
        let named = build_script_error(
            "error: shop@0.1.0: the folder name `[id` has brackets that do not enclose the whole name",
        )
        .unwrap();
        assert_eq!(
            named.message,
            "the folder name `[id` has brackets that do not enclose the whole name"
        );
        assert_eq!(named.location, None);
        let with_help = build_script_error(
            "error: shop@0.1.0: the folder name `[id` has brackets (in `app/api/[id`); help: did you mean `[id]`?",
        )
        .unwrap();
        assert_eq!(with_help.location, None);
        assert!(with_help.message.ends_with("help: did you mean `[id]`?"));
    }
}
