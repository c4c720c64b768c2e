//! The real app on a fresh SQLite database in a temporary folder, driven with real
//! requests through `fsroute::test::TestClient`.
#![allow(dead_code)]

use axum::http::{Method, StatusCode};
use fsroute::test::{TestClient, TestResponse};
use serde_json::{Value, json};
use template_app::{AppState, Config, app};

/// The admin every test app starts with (`Config::for_data_dir`).
pub use template_app::config::{
    TEST_ADMIN_EMAIL as ADMIN_EMAIL, TEST_ADMIN_PASSWORD as ADMIN_PASSWORD,
};

pub struct TestApp {
    /// Sends requests to the app's router: `app.client.get("/api/health").await`.
    pub client: TestClient,
    pub state: AppState,
    pub config: Config,
    /// Kept so the folder lives as long as the app.
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_config(|_| {}).await
    }

    /// The app with some settings changed from the test defaults.
    pub async fn with_config(change: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(dir.path());
        if let Some(url) = fresh_postgres_database().await {
            config.database_url = url;
        }
        change(&mut config);
        let state = AppState::start(&config).await.unwrap();
        TestApp {
            client: TestClient::new(app(state.clone())),
            state,
            config,
            _dir: dir,
        }
    }

    /// A JSON request, with a bearer token when given.
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut request = self.client.request(method, uri);
        if let Some(token) = token {
            request = request.bearer(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> TestResponse {
        self.call(Method::GET, uri, token, None).await
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> TestResponse {
        self.call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({ "email": email, "name": name, "password": password })),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": email, "password": password })),
        )
        .await
    }

    /// Registers and signs in; returns the token and the user's id.
    pub async fn sign_up(&self, email: &str) -> (String, i64) {
        let registered = self.register(email, "Someone", "correct horse").await;
        assert_eq!(
            registered.status(),
            StatusCode::ACCEPTED,
            "{}",
            registered.text()
        );
        let session = self.login(email, "correct horse").await.json();
        (
            session["token"].as_str().unwrap().to_string(),
            session["user"]["id"].as_i64().unwrap(),
        )
    }

    /// Signs in as the admin `Config::for_data_dir` creates at start-up; the token and id.
    pub async fn admin(&self) -> (String, i64) {
        let session = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(session.status(), StatusCode::OK, "{}", session.text());
        let session = session.json();
        (
            session["token"].as_str().unwrap().to_string(),
            session["user"]["id"].as_i64().unwrap(),
        )
    }

    /// `POST /api/upload` with one file field.
    pub async fn upload(
        &self,
        token: &str,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> TestResponse {
        let boundary = "template-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.client
            .post("/api/upload")
            .bearer(token)
            .content_type(&format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .await
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.state.db.reads())
            .await
            .unwrap()
    }
}

/// With `TEST_DATABASE_URL` set (by `.ci/with-postgres`), every test app gets a database
/// of its own on that PostgreSQL server; without it, the SQLite file in its folder.
pub async fn fresh_postgres_database() -> Option<String> {
    use sqlx::Connection;

    let server = std::env::var("TEST_DATABASE_URL").ok()?;
    sqlx::any::install_default_drivers();
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(&server)
        .await
        .expect("TEST_DATABASE_URL answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (base, _) = server.rsplit_once('/').expect("a URL ending in /DATABASE");
    Some(format!("{base}/{name}"))
}

/// The server for a PostgreSQL-only test. Such a test is also marked
/// `#[cfg_attr(not(postgres_tests), ignore = "…")]`, so without a server it is reported
/// as ignored and never gets here (`build.rs`); this covers the rest. `.ci/run` sets
/// `FSROUTE_REQUIRE_POSTGRES=1`: there, a PostgreSQL test that finds no server fails
/// instead of being skipped. A test binary built with a server and run without one says
/// that it skipped.
pub fn postgres_or_skip(test: &str) -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("FSROUTE_REQUIRE_POSTGRES").is_some() => {
            panic!("{test} needs TEST_DATABASE_URL (run it through .ci/with-postgres)")
        }
        Err(_) => {
            eprintln!("{test}: skipped, TEST_DATABASE_URL is not set (see .ci/with-postgres)");
            None
        }
    }
}

/// The app's binary, started in a folder with no `.env`: it reads one from its current
/// folder (`src/main.rs`), and a developer's `.env` must not change what a test runs on.
pub fn app_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_template-app"));
    command.current_dir(env!("CARGO_TARGET_TMPDIR"));
    command
}

/// The real binary, as one replica would run in production.
pub struct AppProcess {
    child: std::process::Child,
    pub address: String,
    /// What the app has printed since `listening on` (its log lines included).
    output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _data: tempfile::TempDir,
}

impl AppProcess {
    pub fn start(database_url: &str, settings: &[(&str, &str)]) -> AppProcess {
        AppProcess::spawn(Some(database_url), settings, None)
    }

    /// The binary on the SQLite file in its own data folder.
    pub fn start_sqlite(settings: &[(&str, &str)]) -> AppProcess {
        AppProcess::spawn(None, settings, None)
    }

    /// [`AppProcess::start_sqlite`] in a process that may open at most `files` files
    /// (`RLIMIT_NOFILE`, soft and hard, as `ulimit -n` would set it).
    #[cfg(unix)]
    pub fn start_sqlite_with_file_limit(settings: &[(&str, &str)], files: u64) -> AppProcess {
        AppProcess::spawn(None, settings, Some(files))
    }

    /// The lines the app has printed so far, after `listening on`.
    pub fn output(&self) -> Vec<String> {
        self.output.lock().unwrap().clone()
    }

    /// SIGTERM, then the exit status and everything printed.
    #[cfg(unix)]
    pub fn terminate(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        // The reader thread sees the pipe close right after the exit.
        std::thread::sleep(std::time::Duration::from_millis(100));
        (status, self.output())
    }

    fn spawn(
        database_url: Option<&str>,
        settings: &[(&str, &str)],
        file_limit: Option<u64>,
    ) -> AppProcess {
        use std::io::BufRead;

        let data = tempfile::tempdir().unwrap();
        let mut command = app_command();
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        command
            .env("DATA_DIR", data.path())
            .env("PORT", "0")
            .env("JWT_SECRET", "replica-test-secret-shared-by-all")
            .env("LOGIN_RATE_PER_MINUTE", "100000")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped());
        for (name, value) in settings {
            command.env(name, value);
        }
        #[cfg(unix)]
        if let Some(files) = file_limit {
            use std::os::unix::process::CommandExt;
            // SAFETY: between fork and exec only `setrlimit` runs, which is async-signal-safe.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: files,
                        rlim_max: files,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        #[cfg(not(unix))]
        let _ = file_limit;
        let mut child = command.spawn().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let address = loop {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the app exited early"
            );
            if let Some(address) = line.trim().strip_prefix("listening on http://") {
                break address.to_string();
            }
        };
        // Keep reading so the app never blocks on a full pipe.
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = std::sync::Arc::clone(&output);
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        AppProcess {
            child,
            address,
            output,
            _data: data,
        }
    }

    /// One request on a new connection; the status and the body. Gives up after 20 s, so
    /// a hang fails the test instead of stalling it.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        let (status, _, body) = self.exchange(method, path, token, body);
        (status, body)
    }

    /// [`AppProcess::call`], with the response's head (lower-cased) too.
    pub fn exchange(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, String, Value) {
        use std::io::{Read, Write};

        let mut stream = std::net::TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let body = body.unwrap_or_default();
        if !body.is_empty() {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        write!(stream, "{head}\r\n{body}").unwrap();
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .unwrap_or_else(|err| panic!("{method} {path}: no complete answer: {err}"));
        let status = response[9..12].parse().unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        (
            status,
            head.to_ascii_lowercase(),
            serde_json::from_str(body).unwrap_or(Value::Null),
        )
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app on a free port of 127.0.0.1, in this process, for tests that need a real
/// socket; its data folder lives as long as the returned guard.
pub async fn serve_on_socket() -> (std::net::SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_data_dir(dir.path());
    let state = AppState::start(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    (address, dir)
}
