//! What the real binary prints when it starts: never the database password (security
//! review M1 — the line goes to journald, container logs and CI logs). Needs a PostgreSQL
//! server (`bash .ci/with-postgres cargo test`, whose trust authentication takes any
//! password; ignored without one).

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
    let mut app = Command::new(env!("CARGO_BIN_EXE_template-app"))
        .env("DATA_DIR", data.path())
        .env("DATABASE_URL", &url)
        .env("PORT", "0")
        .env("JWT_SECRET", "startup-test-secret-at-least-32-bytes")
        .env("RUST_LOG", "warn")
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
    let stderr = {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut app.stderr.take().unwrap(), &mut text).unwrap();
        text
    };
    app.wait().unwrap();

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
