//! The real binary starting: it reads `.env`, its logs carry no colour codes outside a
//! terminal, and what it prints never shows the database password (security review M1 —
//! the line goes to journald, container logs and CI logs; that test needs a PostgreSQL
//! server, `bash .ci/with-postgres cargo test`, whose trust authentication takes any
//! password, and is ignored without one).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "needs PostgreSQL: run `bash .ci/with-postgres cargo test`"
)]
fn the_start_up_lines_never_show_the_database_password() {
    let Some(server) =
        common::postgres_or_skip("the_start_up_lines_never_show_the_database_password")
    else {
        return;
    };
    // postgres://postgres@127.0.0.1:PORT/postgres, with a password in both places sqlx
    // reads one: the user information and the `password` parameter.
    let url = server.replacen("://postgres@", "://postgres:S3cret%40Pass@", 1)
        + "?sslmode=disable&password=Other-S3cret";
    assert!(
        url.contains("S3cret%40Pass@"),
        "unexpected TEST_DATABASE_URL {server}"
    );

    let data = tempfile::tempdir().unwrap();
    let (printed, stderr) = started_with_stderr(
        common::app_command()
            .env("DATA_DIR", data.path())
            .env("DATABASE_URL", &url)
            .env("PORT", "0")
            .env("JWT_SECRET", "startup-test-secret-at-least-32-bytes")
            .env("RUST_LOG", "warn"),
    );

    let all = format!("{}\n{stderr}", printed.join("\n"));
    let database = printed
        .iter()
        .find(|line| line.starts_with("Database: "))
        .unwrap_or_else(|| panic!("no Database line in:\n{all}"));
    assert!(
        database.starts_with("Database: postgres://postgres:***@127.0.0.1:"),
        "{database}"
    );
    assert!(
        database.ends_with("?sslmode=disable&password=***"),
        "{database}"
    );
    assert!(!all.contains("S3cret"), "a password was printed:\n{all}");
}

/// Everything it printed until `listening on`, then it is stopped.
fn started(command: &mut Command) -> Vec<String> {
    started_with_stderr(command).0
}

/// The same, and everything it wrote to stderr.
fn started_with_stderr(command: &mut Command) -> (Vec<String>, String) {
    let mut app = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(app.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let listening = line.starts_with("listening on");
        printed.push(line);
        if listening {
            break;
        }
    }
    app.kill().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut app.stderr.take().unwrap(), &mut stderr).unwrap();
    app.wait().unwrap();
    (printed, stderr)
}

/// Settings come from `.env` in the current folder too, as in Next.js; the real
/// environment wins over the file.
#[test]
fn settings_come_from_dot_env_and_the_environment_wins() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join(".env"),
        "# the app's settings in development\n\
         DATA_DIR=from-dot-env\n\
         JWT_SECRET=\"dot-env-secret-of-at-least-32-bytes\"\n\
         HOST=\"not an address\"\n",
    )
    .unwrap();
    let printed = started(
        common::app_command()
            .current_dir(folder.path())
            .env_remove("DATA_DIR")
            .env_remove("DATABASE_URL")
            .env_remove("JWT_SECRET")
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("RUST_LOG", "warn"),
    );
    assert!(
        printed.contains(&"Database: sqlite://from-dot-env/app.db".to_string()),
        "{printed:#?}"
    );
    assert!(folder.path().join("from-dot-env/app.db").is_file());
    assert!(
        !printed
            .iter()
            .any(|line| line.contains("JWT_SECRET is not set")),
        "{printed:#?}"
    );
    assert!(
        printed
            .last()
            .unwrap()
            .starts_with("listening on http://127.0.0.1:"),
        "{printed:#?}"
    );
}

/// A `.env` that does not parse stops the start, as a bad setting does.
#[test]
fn a_dot_env_that_does_not_parse_stops_the_start() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join(".env"), "PORT=0\nnot a setting\n").unwrap();
    let output = common::app_command()
        .current_dir(folder.path())
        .env("DATA_DIR", folder.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot read .env: Error parsing line: 'not a setting', error at line index: 4\n"
    );
}

/// Logs written to a pipe (a file, journald, a container's log) have no colour codes;
/// `NO_COLOR` is unset, so this is the terminal check at work.
#[test]
fn logs_into_a_pipe_have_no_colour_codes() {
    let data = tempfile::tempdir().unwrap();
    let printed = started(
        common::app_command()
            .env_remove("NO_COLOR")
            .env_remove("JWT_SECRET")
            .env("DATA_DIR", data.path())
            .env("PORT", "0")
            .env("RUST_LOG", "info"),
    );
    let warning = printed
        .iter()
        .find(|line| line.contains("JWT_SECRET is not set"))
        .unwrap_or_else(|| panic!("no warning logged: {printed:#?}"));
    assert!(warning.contains(" WARN "), "{warning}");
    assert!(
        printed.iter().all(|line| !line.contains('\x1b')),
        "{printed:#?}"
    );
}
