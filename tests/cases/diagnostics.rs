//! Every build-time error and warning, pinned. Each fixture tree under `fixtures/errors/`
//! (and the trees that build with warnings) has a snapshot of what the user sees: the
//! rustc-style form `fsroute check` and the build script's stderr print, and the one-line
//! form Cargo shows after `error:` / `warning:`. The text is part of the contract;
//! `docs/conventions.md` quotes it, and a test here holds the two together.
//!
//! Review a changed message with `cargo insta review`.

use std::path::{Path, PathBuf};

use fsroute_codegen::{Builder, Diagnostic};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The trees that produce diagnostics: every folder of `errors/`, and the trees that build
/// with warnings. Sorted, so snapshots are checked in a fixed order.
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures().join("errors"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, path)
        })
        .collect();
    for warnings in ["warnings", "config-warnings"] {
        cases.push((warnings.to_string(), fixtures().join(warnings)));
    }
    cases.sort();
    cases
}

/// What the generator reports for a fixture: errors and warnings, or warnings alone when
/// the tree builds. A `state.txt` beside `app/` holds the `.state(…)` to pass.
fn diagnostics(root: &Path) -> Vec<Diagnostic> {
    let mut builder = Builder::new().root(root);
    if let Ok(state) = std::fs::read_to_string(root.join("state.txt")) {
        builder = builder.state(state.trim());
    }
    // An `openapi.txt` turns the document on: its first line is where it is served, the
    // second (if any) where the docs page is.
    if let Ok(paths) = std::fs::read_to_string(root.join("openapi.txt")) {
        let mut lines = paths.lines();
        builder = builder.openapi_path(lines.next().unwrap_or_default().trim());
        if let Some(docs) = lines.next() {
            builder = builder.docs_path(docs.trim());
        }
    }
    match builder.generate() {
        Ok(generated) => generated.warnings,
        Err(failed) => failed.diagnostics,
    }
}

/// Both forms, as one text for a snapshot.
fn report(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&diagnostic.render());
    }
    out.push_str("\n--- one line each, as cargo::error= / cargo::warning= ---\n");
    for diagnostic in diagnostics {
        out.push_str(&diagnostic.render_line());
        out.push('\n');
    }
    out
}

#[test]
fn every_fixture_reports_exactly_its_snapshot() {
    for (name, root) in cases() {
        let found = diagnostics(&root);
        assert!(!found.is_empty(), "`{name}` reports nothing");
        insta::with_settings!({ snapshot_suffix => name.clone(), description => format!("fixtures/{}", root.strip_prefix(fixtures()).unwrap().display()) }, {
            insta::assert_snapshot!("diagnostics", report(&found));
        });
    }
}

/// Codes that no checked-in tree can produce, each with the test below that covers it.
const MADE_AT_TEST_TIME: &[(&str, &str)] = &[
    (
        "non-utf8-path",
        "folder_name_that_is_not_utf8 (git keeps paths as UTF-8)",
    ),
    (
        "unreadable",
        "a_file_that_cannot_be_read_is_reported (needs a non-root user)",
    ),
    (
        "not-in-build-script",
        "codegen/tests/builder.rs (no OUT_DIR)",
    ),
    (
        "write-failed",
        "an_output_folder_that_cannot_be_written_is_reported",
    ),
];

#[test]
fn every_code_has_a_fixture_and_a_row_in_the_docs() {
    let reported: Vec<&'static str> = cases()
        .iter()
        .flat_map(|(_, root)| diagnostics(root))
        .map(|d| d.code)
        .collect();
    let docs = std::fs::read_to_string(fixtures().join("../../docs/conventions.md")).unwrap();
    let documented = |code: &str| {
        docs.lines().any(|line| {
            line.starts_with("| ")
                && line
                    .split('|')
                    .nth(1)
                    .is_some_and(|cell| cell.contains(&format!("`{code}`")))
        })
    };
    let mut missing = Vec::new();
    for code in fsroute_codegen::__internals::diagnostic_codes() {
        let exempt = MADE_AT_TEST_TIME.iter().any(|(c, _)| *c == code);
        if !exempt && !reported.contains(&code) {
            missing.push(format!(
                "`{code}` has no fixture under tests/fixtures/errors/"
            ));
        }
        if !documented(code) {
            missing.push(format!("`{code}` has no row in docs/conventions.md"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The docs' example messages are the real ones: every full message quoted in
/// `docs/conventions.md` (rows whose text is not shortened with `…`, for codes a fixture
/// can produce) is one a fixture prints.
#[test]
fn the_docs_quote_the_messages_exactly() {
    let printed: Vec<String> = cases()
        .iter()
        .flat_map(|(_, root)| diagnostics(root))
        .map(|d| d.render_line())
        .collect();
    let docs = std::fs::read_to_string(fixtures().join("../../docs/conventions.md")).unwrap();
    let mut checked = 0;
    for line in docs.lines().filter(|line| line.starts_with("| `")) {
        let made_at_test_time = MADE_AT_TEST_TIME
            .iter()
            .any(|(code, _)| line.starts_with(&format!("| `{code}`")));
        let Some(message) = line.rsplit('|').nth(1).filter(|_| !made_at_test_time) else {
            continue;
        };
        let message = message.trim();
        // A code span with double or triple backticks, so the message may hold single ones.
        let quoted = message
            .strip_prefix("```")
            .and_then(|m| m.strip_suffix("```"))
            .or_else(|| {
                message
                    .strip_prefix("``")
                    .and_then(|m| m.strip_suffix("``"))
            });
        let Some(quoted) = quoted else { continue };
        let quoted = quoted.trim();
        if quoted.contains('…') {
            continue;
        }
        assert!(
            printed.iter().any(|p| p == quoted),
            "docs/conventions.md quotes a message no fixture prints:\n{quoted}"
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} messages were compared");
}

#[test]
fn warnings_do_not_stop_the_build() {
    let generated = Builder::new()
        .root(fixtures().join("config-warnings"))
        .generate()
        .unwrap();
    assert!(!generated.warnings.is_empty());
    // A private REVALIDATE does nothing: no cache layer in the source.
    assert!(!generated.source.contains("revalidate"));
}

#[cfg(unix)]
#[test]
fn folder_name_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir
        .path()
        .join("app")
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("route.rs"), "pub async fn GET() {}").unwrap();
    let failed = Builder::new().root(dir.path()).generate().unwrap_err();
    let lines: Vec<String> = failed
        .diagnostics
        .iter()
        .map(Diagnostic::render_line)
        .collect();
    assert_eq!(
        lines,
        [
            "the path `app/caf\u{fffd}/route.rs` is not valid UTF-8, so it cannot be a URL; help: \
          rename the folder using UTF-8 characters"
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_file_that_cannot_be_read_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app/api/route.rs");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "pub async fn GET() {}").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&file).is_ok() {
        // Root reads any file; there is nothing to test as root.
        return;
    }
    let failed = Builder::new().root(dir.path()).generate().unwrap_err();
    assert_eq!(failed.diagnostics[0].code, "unreadable");
    assert!(
        failed.diagnostics[0]
            .render_line()
            .starts_with("cannot read `app/api/route.rs`: "),
        "{}",
        failed.diagnostics[0].render_line()
    );
}

#[test]
fn an_output_folder_that_cannot_be_written_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the output folder should be: no user, root included, can write into it.
    let not_a_folder = dir.path().join("out");
    std::fs::write(&not_a_folder, "").unwrap();
    let failed = Builder::new()
        .root(fixtures().join("root"))
        .out_dir(&not_a_folder)
        .try_build()
        .unwrap_err();
    assert_eq!(failed.diagnostics[0].code, "write-failed");
    assert!(
        failed.diagnostics[0].render_line().starts_with(&format!(
            "cannot write `{}/fsroute_routes.rs`: ",
            not_a_folder.display()
        )),
        "{}",
        failed.diagnostics[0].render_line()
    );
}
