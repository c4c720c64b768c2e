//! A throw-away Redis for tests: started, crashed and started again on the same port.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of the test's own on a free loopback port (feature `redis`), for
/// tests that take Redis away and bring it back. Its data is in an append-only file
/// written on every command, so a restart after [`crash`](RedisServer::crash) finds what
/// was stored before, as a production Redis with persistence would. Stopped and deleted
/// when dropped.
///
/// The binary is `FSROUTE_REDIS_SERVER` when set (`.ci/with-redis` sets it), else
/// `redis-server` on the `PATH`.
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts it and waits (up to 10 s) until it accepts connections.
    pub fn start() -> io::Result<RedisServer> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir =
            std::env::temp_dir().join(format!("fsroute-test-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut server = RedisServer {
            port,
            dir,
            child: None,
        };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills it (SIGKILL on Unix): an outage, as a crash or a lost host would be.
    pub fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same data, after [`crash`](Self::crash).
    pub fn restart(&mut self) -> io::Result<()> {
        self.crash();
        let binary = std::env::var("FSROUTE_REDIS_SERVER").unwrap_or("redis-server".into());
        let child = Command::new(&binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|error| io::Error::new(error.kind(), format!("{binary}: {error}")))?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "redis-server did not listen on port {} within 10 s",
                self.port
            ),
        ))
    }
}

/// The Redis a test suite runs against: `TEST_REDIS_URL` (`.ci/with-redis` sets it).
/// Without it, `None` and a note on stderr, so the test can return (skip); but under
/// `FSROUTE_REQUIRE_REDIS=1` (CI) a missing server fails the test instead.
pub fn redis_url_or_skip(test: &str) -> Option<String> {
    match std::env::var("TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("FSROUTE_REQUIRE_REDIS").as_deref() == Ok("1") => panic!(
            "{test}: FSROUTE_REQUIRE_REDIS=1 but TEST_REDIS_URL is not set: run the tests \
             under `bash .ci/with-redis`"
        ),
        _ => {
            eprintln!(
                "{test}: skipped, TEST_REDIS_URL is not set (run it under `bash .ci/with-redis`)"
            );
            None
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.crash();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
