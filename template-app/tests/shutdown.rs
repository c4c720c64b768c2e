//! The real binary over a real socket: SIGTERM while a reply is streaming ends the stream
//! with a final event, then the process exits cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[cfg(unix)]
#[test]
fn sigterm_ends_the_stream_with_a_final_event_then_exits() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_template-app"))
        // No `.env` there (the app reads one): a developer's must not change the test.
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env("DATA_DIR", data.path())
        .env("PORT", "0")
        .env("JWT_SECRET", "shutdown-test-secret-at-least-32-bytes")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let address = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the server exited early"
        );
        if let Some(address) = line.trim().strip_prefix("listening on http://") {
            break address.to_string();
        }
    };

    // The chat is for signed-in users.
    let account =
        r#"{"email":"stream@example.com","name":"Stream","password":"plum kettle harbour 91"}"#;
    let registered = exchange(&address, "/api/auth/register", account);
    assert!(registered.starts_with("HTTP/1.1 202"), "{registered}");
    let session = exchange(&address, "/api/auth/login", account);
    let token = session
        .split_once(r#""token":""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(token, _)| token.to_string())
        .unwrap_or_else(|| panic!("no token in {session}"));

    let mut stream = TcpStream::connect(&address).unwrap();
    let body = r#"{"message":"please keep streaming while the server stops"}"#;
    write!(
        stream,
        "POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Wait for the first token: the request is now in flight.
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&received).contains("data: ") {
        let read = stream.read(&mut buffer).unwrap();
        assert!(read > 0, "connection closed before the first token");
        received.extend_from_slice(&buffer[..read]);
    }

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    stream.read_to_end(&mut received).unwrap();
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    // The reply is ended with the server's final event (clients reconnect elsewhere),
    // and properly: the last chunk, not a cut connection.
    assert!(
        text.contains("event: shutdown\ndata: {\"reason\":\"the server is shutting down\"}"),
        "no final event: {text}"
    );
    assert!(
        text.ends_with("0\r\n\r\n"),
        "the stream was cut off: {text:?}"
    );

    let status = server.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(
        rest.contains("shutting down: finishing in-flight requests"),
        "{rest}"
    );
    assert!(
        rest.contains("stopped: every in-flight request finished"),
        "{rest}"
    );
}

/// One JSON request on its own connection; the whole answer as text.
fn exchange(address: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn an_unusable_database_is_a_one_line_error_and_a_failed_exit() {
    let data = tempfile::tempdir().unwrap();
    // A file where the database folder should be.
    std::fs::write(data.path().join("blocker"), "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_template-app"))
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/blocker/app.db", data.path().display()),
        )
        .env("PORT", "0")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot create the database folder"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn an_unreachable_postgres_is_a_one_line_error_without_the_password() {
    // Port 1 on loopback: nothing listens there, the connection is refused.
    let output = Command::new(env!("CARGO_BIN_EXE_template-app"))
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env("DATABASE_URL", "postgres://app:s3cret@127.0.0.1:1/app")
        .env("DB_ACQUIRE_TIMEOUT_SECONDS", "3")
        .env("PORT", "0")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "error: cannot connect to the database postgres://app:***@127.0.0.1:1/app: "
        ),
        "{stderr}"
    );
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}
