//! `fsroute dev` as its user runs it: in a new app made by `fsroute new` from the template,
//! with real cargo builds, requests over real sockets and a real Ctrl-C. One run through
//! the whole loop, since every step is a build: the first request after a save, a broken
//! save and its fix, a new route file, a stream, sign-ins across restarts, and stopping.
//!
//! The app builds offline with the workspace's lock file into `target/nested`, shared with
//! the other nested builds, so its dependencies compile once.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{fsroute, text, workspace};
use serde_json::Value;

/// The first build compiles the template's dependencies when no earlier run left them.
const FIRST_BUILD: Duration = Duration::from_secs(1200);
const REBUILD: Duration = Duration::from_secs(300);

/// `fsroute dev` running in an app folder, its output collected line by line.
struct DevServer {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    address: String,
}

impl DevServer {
    fn start(app: &Path) -> DevServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fsroute"))
            .arg("dev")
            .current_dir(app)
            .env("PORT", "0")
            .env("CARGO_TARGET_DIR", workspace().join("target/nested"))
            .env("CARGO_NET_OFFLINE", "true")
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("JWT_SECRET")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let mut server = DevServer {
            child,
            stdout,
            stderr,
            address: String::new(),
        };
        let first = server.wait_for("fsroute dev: http://", 0, Duration::from_secs(60));
        server.address = first
            .trim_start_matches("fsroute dev: http://")
            .split(',')
            .next()
            .unwrap()
            .to_string();
        server
    }

    /// Lines printed so far.
    fn seen(&self) -> usize {
        self.stdout.lock().unwrap().len()
    }

    /// The first line from line `after` on that contains `pattern`.
    fn wait_for(&self, pattern: &str, after: usize, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let lines = self.stdout.lock().unwrap();
            if let Some(line) = lines[after.min(lines.len())..]
                .iter()
                .find(|line| line.contains(pattern))
            {
                return line.clone();
            }
            drop(lines);
            assert!(
                Instant::now() < deadline,
                "no `{pattern}` from fsroute dev within {limit:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn output(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            self.stdout.lock().unwrap().join("\n"),
            self.stderr.lock().unwrap().join("\n")
        )
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let (status, body) = exchange(&self.address, method, path, token, body);
        let json = serde_json::from_str(&body).unwrap_or(Value::String(body));
        (status, json)
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// One HTTP/1.1 request on its own connection; the status and the body.
fn exchange(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(REBUILD)).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = text(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn replace_in(file: &Path, from: &str, to: &str) {
    let source = std::fs::read_to_string(file).unwrap();
    assert!(
        source.contains(from),
        "`{from}` is not in {}",
        file.display()
    );
    std::fs::write(file, source.replacen(from, to, 1)).unwrap();
}

/// `fsroute new` in a temporary folder, with the workspace's lock file (offline builds).
fn new_app() -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::Builder::new()
        .prefix("fsroute-dev-")
        .tempdir()
        .unwrap();
    let created = fsroute(&["new", "dev-app"], parent.path());
    assert!(created.status.success(), "{}", text(&created.stderr));
    let app = parent.path().join("dev-app");
    std::fs::copy(workspace().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    (parent, app)
}

#[test]
fn fsroute_dev_serves_each_save_and_stops_with_everything_it_started() {
    let (_parent, app) = new_app();
    let dev = DevServer::start(&app);
    dev.wait_for("✓ ready", 0, FIRST_BUILD);

    let (status, health) = dev.request("GET", "/api/health", None, None);
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["version"], "0.1.0");

    // Signed in before any restart.
    let credentials =
        serde_json::json!({"email": "dev@example.com", "name": "Dev", "password": "correct horse"});
    let (status, body) = dev.request("POST", "/api/auth/register", None, Some(&credentials));
    assert_eq!(status, 202, "{body}");
    let (status, session) = dev.request("POST", "/api/auth/login", None, Some(&credentials));
    assert_eq!(status, 200, "{session}");
    let token = session["token"].as_str().unwrap().to_string();

    // A handler edit. The request is sent once the rebuild has started and before it
    // is ready: it waits for the build and is answered by the new code.
    let health_route = app.join("app/api/health/route.rs");
    let before_edit = dev.seen();
    replace_in(
        &health_route,
        "version: env!(\"CARGO_PKG_VERSION\"),",
        "version: \"edited\",",
    );
    dev.wait_for("changed, rebuilding", before_edit, Duration::from_secs(30));
    let sent_at = dev.seen();
    let (status, health) = dev.request("GET", "/api/health", None, None);
    assert!(
        !dev.stdout.lock().unwrap()[before_edit..sent_at]
            .iter()
            .any(|line| line.contains("✓ ready")),
        "the request was sent after the build, not during it:\n{}",
        dev.output()
    );
    assert_eq!(
        (status, &health["version"]),
        (200, &Value::from("edited")),
        "{}",
        dev.output()
    );
    let ready = dev.wait_for("✓ ready", before_edit, REBUILD);
    assert!(
        ready.contains("(build ") && ready.contains(", start "),
        "{ready}"
    );

    // The development secret outlives the restart: still signed in.
    let (status, posts) = dev.request("GET", "/api/posts", Some(&token), None);
    assert_eq!(status, 200, "signed out by the restart: {posts}");
    let secret = workspace().join("target/nested/fsroute-dev/jwt-secret");
    assert!(
        secret.is_file(),
        "no development secret at {}",
        secret.display()
    );

    // A broken save: every route answers with the build's first error, the old app gone.
    let before_break = dev.seen();
    replace_in(
        &health_route,
        "(status, Json(body))\n}",
        "(status, Json(body)\n}",
    );
    let failed = dev.wait_for("✗ build failed", before_break, REBUILD);
    assert!(failed.contains("app/api/health/route.rs:"), "{failed}");
    for path in ["/api/health", "/api/posts"] {
        let (status, error) = dev.request("GET", path, Some(&token), None);
        assert_eq!(status, 500, "{path}: {error}");
        assert_eq!(error["error"]["code"], "BUILD_FAILED", "{path}: {error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            failed.contains(message),
            "{message} is not the error shown: {failed}"
        );
        let location = error["error"]["details"]["location"].as_str().unwrap();
        assert!(
            location.starts_with("app/api/health/route.rs:"),
            "{location}"
        );
        assert!(
            error["error"]["details"]["rendered"]
                .as_str()
                .unwrap()
                .contains("error"),
            "{error}"
        );
    }
    // Fixed: served again, by the fixed code.
    replace_in(
        &health_route,
        "(status, Json(body)\n}",
        "(status, Json(body))\n}",
    );
    let (status, health) = dev.request("GET", "/api/health", None, None);
    assert_eq!(
        (status, &health["version"]),
        (200, &Value::from("edited")),
        "{}",
        dev.output()
    );

    // fsroute's own build error, as the generator words it.
    let before_tree_error = dev.seen();
    let bad_folder = app.join("app/api/[id");
    std::fs::create_dir_all(&bad_folder).unwrap();
    std::fs::write(bad_folder.join("route.rs"), "pub async fn GET() {}\n").unwrap();
    let failed = dev.wait_for("✗ build failed", before_tree_error, REBUILD);
    let (status, error) = dev.request("GET", "/api/health", None, None);
    assert_eq!(
        (status, &error["error"]["code"]),
        (500, &Value::from("BUILD_FAILED")),
        "{error}"
    );
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the folder name `[id` has brackets")
            && message.contains("did you mean `[id]`?"),
        "{message}"
    );
    assert!(failed.contains(message), "{failed}");
    std::fs::remove_dir_all(&bad_folder).unwrap();
    dev.wait_for("✓ ready", before_tree_error, REBUILD);

    // A new route file: in the route table's changes, and answering.
    let before_new = dev.seen();
    let ping = app.join("app/api/dev-ping/route.rs");
    std::fs::create_dir_all(ping.parent().unwrap()).unwrap();
    std::fs::write(
        &ping,
        "pub async fn GET() -> &'static str {\n    \"pong\"\n}\n",
    )
    .unwrap();
    dev.wait_for("changed, rebuilding", before_new, Duration::from_secs(30));
    let (status, pong) = dev.request("GET", "/api/dev-ping", None, None);
    assert_eq!(
        (status, pong),
        (200, Value::from("pong")),
        "{}",
        dev.output()
    );
    let added = dev.wait_for("+ GET /api/dev-ping", before_new, REBUILD);
    assert_eq!(added.trim(), "+ GET /api/dev-ping");

    // A stream passes through as it is made: the first event arrives while the reply
    // is still streaming, not with its end.
    let words = vec!["word"; 100].join(" ");
    let (first_event, rest) = chat_stream(&dev.address, &token, &words);
    assert!(first_event.contains("data: {\"token\""), "{first_event}");
    assert!(
        !first_event.contains("event: done"),
        "the stream arrived whole:\n{first_event}"
    );
    assert!(rest.contains("event: done"), "{rest}");

    stop_and_check_nothing_is_left(dev, &app);
}

/// POST /api/chat and read until the first event: (what had arrived then, the rest).
fn chat_stream(address: &str, token: &str, message: &str) -> (String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let body = serde_json::json!({ "message": message }).to_string();
    write!(
        stream,
        "POST /api/chat HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut first = Vec::new();
    let mut buffer = [0u8; 4096];
    while !text(&first).contains("data: ") {
        let read = stream.read(&mut buffer).unwrap();
        assert!(
            read > 0,
            "the stream ended before its first event: {}",
            text(&first)
        );
        first.extend_from_slice(&buffer[..read]);
    }
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    (text(&first), text(&rest))
}

/// Ctrl-C: fsroute dev exits, and neither the app nor a build outlives it.
#[cfg(unix)]
fn stop_and_check_nothing_is_left(mut dev: DevServer, app: &Path) {
    let started: Vec<u32> = descendants(dev.child.id());
    assert!(!started.is_empty(), "fsroute dev runs no app");
    // SAFETY: a signal to a child we started and have not reaped.
    unsafe {
        libc::kill(dev.child.id() as libc::pid_t, libc::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = dev.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running after Ctrl-C:\n{}",
            dev.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}\n{}", dev.output());
    dev.wait_for("fsroute dev: stopping", 0, Duration::from_secs(5));
    let alive: Vec<&u32> = started.iter().filter(|pid| running(**pid)).collect();
    assert!(
        alive.is_empty(),
        "left running after Ctrl-C: {alive:?}\n{}",
        dev.output()
    );
    // Nothing serves from the app's binary any more, whoever its parent is now.
    let binary = workspace().join("target/nested/debug/dev-app");
    assert!(
        processes_running(&binary).is_empty(),
        "{} still runs: {:?}",
        binary.display(),
        processes_running(&binary)
    );
    let _ = app;
}

#[cfg(not(unix))]
fn stop_and_check_nothing_is_left(_dev: DevServer, _app: &Path) {}

/// Every process below `pid`, from /proc (Linux); empty elsewhere.
#[cfg(unix)]
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|child| {
                    let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).ok()?;
                    // `pid (comm) state ppid …`: comm may hold spaces, so read after `)`.
                    let after = &stat[stat.rfind(')')? + 2..];
                    let parent = after.split(' ').nth(1)?.parse().ok()?;
                    Some((child, parent))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut found = vec![pid];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(child, _)| *child),
        );
        index += 1;
    }
    found.remove(0);
    found
}

#[cfg(unix)]
fn running(pid: u32) -> bool {
    // A zombie has exited: only its entry is left for its parent to read.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rfind(')')
            .is_some_and(|end| !stat[end..].starts_with(") Z"))
    })
}

#[cfg(unix)]
fn processes_running(binary: &Path) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
                        && running(*pid)
                })
                .collect()
        })
        .unwrap_or_default()
}
