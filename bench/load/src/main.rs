//! Load and soak runs of the template app, loopback only (docs/reliability.md):
//!
//!     cargo run --release -p bench-load [-- --requests 200000 --connections 256 --kill-requests 20000]
//!
//! 1. **Mixed load**: the release binary on a fresh SQLite database, driven with a fixed
//!    number of requests over many keep-alive connections — list, read, create (with tags)
//!    and health. Afterwards every post whose creation was acknowledged with 201 must be
//!    in the database exactly once, with all its tags. Resident memory is sampled over the
//!    run.
//! 2. **SIGTERM mid-load**: only creates; once a quarter are acknowledged the server gets
//!    SIGTERM. It must exit cleanly; after a restart on the same database every
//!    acknowledged post is there, and no post is half-written (missing its tags).
//!
//! Prints a report, writes it to `bench/results/load.md`, and exits non-zero when a
//! check fails.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

struct Options {
    requests: usize,
    connections: usize,
    kill_requests: usize,
}

fn options() -> Options {
    let mut options = Options {
        requests: 200_000,
        connections: 256,
        kill_requests: 20_000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = || -> usize {
            pair.get(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{} needs a number", pair[0]))
        };
        match pair[0].as_str() {
            "--requests" => options.requests = value(),
            "--connections" => options.connections = value(),
            "--kill-requests" => options.kill_requests = value(),
            other => panic!("unknown option {other}; see the top of bench/load/src/main.rs"),
        }
    }
    options
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Builds the template app in release mode and returns the binary.
fn build_app() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-q", "-p", "template-app"])
        .current_dir(workspace())
        .status()
        .unwrap();
    assert!(status.success(), "building template-app failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    target.join("release/template-app")
}

/// The app as its own process, as in production.
struct Server {
    child: Child,
    address: SocketAddr,
    log: PathBuf,
}

impl Server {
    fn start(binary: &Path, data_dir: &Path) -> Server {
        let log = data_dir.join("server.log");
        let mut child = Command::new(binary)
            .env("DATA_DIR", data_dir)
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("JWT_SECRET", "load-test-secret-load-test-secret-0123")
            .env("LOGIN_RATE_PER_MINUTE", "1000000")
            .env("REGISTER_RATE_PER_MINUTE", "1000000")
            .env("ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .unwrap();
            if let Some(address) = line.strip_prefix("listening on http://") {
                break address.parse().unwrap();
            }
        };
        // Keep the pipe drained so the server never blocks on stdout.
        std::thread::spawn(move || lines.for_each(drop));
        Server {
            child,
            address,
            log,
        }
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn stop(&mut self) -> Option<ExitStatus> {
        self.terminate();
        self.wait(Duration::from_secs(30))
    }

    fn log_mentions_panic(&self) -> bool {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .contains("panicked")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(address: SocketAddr) -> Result<Sender, String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

async fn send(
    sender: &mut Sender,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<(u16, Bytes), String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Full::new(Bytes::from(body))
        }
        None => Full::new(Bytes::new()),
    };
    let response = sender
        .send_request(request.body(body).unwrap())
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, bytes))
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_default()
}

/// The admin the server makes at start-up (`ADMIN_EMAIL`), and everyone's password.
const ADMIN_EMAIL: &str = "load-admin@example.com";
const PASSWORD: &str = "load test password";

/// Signs in the admin and registers and signs in `count - 1` users; returns their tokens,
/// the admin's first.
async fn sign_up(address: SocketAddr, count: usize) -> Vec<String> {
    let mut sender = connect(address).await.unwrap();
    let mut tokens = Vec::new();
    for index in 0..count {
        let email = match index {
            0 => ADMIN_EMAIL.to_string(),
            _ => format!("load{index}@example.com"),
        };
        if index > 0 {
            let body = serde_json::json!({ "email": email, "name": "Load", "password": PASSWORD });
            let (status, reply) = send(
                &mut sender,
                "POST",
                "/api/auth/register",
                None,
                Some(body.to_string()),
            )
            .await
            .unwrap();
            assert!(
                (200..300).contains(&status),
                "{status}: {}",
                String::from_utf8_lossy(&reply)
            );
        }
        let body = serde_json::json!({ "email": email, "password": PASSWORD });
        let (status, reply) = send(
            &mut sender,
            "POST",
            "/api/auth/login",
            None,
            Some(body.to_string()),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        tokens.push(json(&reply)["token"].as_str().unwrap().to_string());
    }
    tokens
}

/// What the clients saw.
#[derive(Default)]
struct Tally {
    success: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    connection_errors: AtomicU64,
    done: AtomicUsize,
    /// Posts whose creation was acknowledged with 201: (id, title).
    acknowledged: Mutex<Vec<(i64, String)>>,
    /// The first few unexpected answers, to show in the report.
    samples: Mutex<Vec<String>>,
}

/// One of a [`Tally`]'s counters.
type Counter = fn(&Tally) -> &AtomicU64;

impl Tally {
    fn sample(&self, what: String) {
        let mut samples = self.samples.lock().unwrap();
        if samples.len() < 5 {
            samples.push(what);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Creates, reads, lists and health: the database grows.
    Mixed,
    /// Only creates, and a connection that fails is not reopened (the SIGTERM run).
    CreatesOnly,
    /// Edits of existing posts, reads, lists and health: the database keeps its size, so
    /// memory should too.
    Steady,
}

struct Workload {
    address: SocketAddr,
    total: usize,
    next: AtomicUsize,
    /// The first user's token is the admin's, who may edit any post.
    tokens: Vec<String>,
    mode: Mode,
    /// Posts that exist, for reads and edits.
    post_ids: Vec<i64>,
    tally: Tally,
}

impl Workload {
    fn new(
        address: SocketAddr,
        total: usize,
        tokens: Vec<String>,
        mode: Mode,
        post_ids: Vec<i64>,
    ) -> Arc<Workload> {
        Arc::new(Workload {
            address,
            total,
            next: AtomicUsize::new(0),
            tokens,
            mode,
            post_ids,
            tally: Tally::default(),
        })
    }
}

fn create_body(n: usize) -> (String, String) {
    let title = format!("load {n}");
    let body = serde_json::json!({
        "title": title,
        "content": "written under load",
        "published": true,
        "tags": ["load", format!("t{}", n % 50)],
    });
    (title, body.to_string())
}

async fn client(work: Arc<Workload>) {
    let mut sender = match connect(work.address).await {
        Ok(sender) => sender,
        Err(err) => {
            work.tally.connection_errors.fetch_add(1, Ordering::SeqCst);
            work.tally.sample(format!("connect: {err}"));
            return;
        }
    };
    loop {
        let n = work.next.fetch_add(1, Ordering::SeqCst);
        if n >= work.total {
            return;
        }
        let mut token = Some(work.tokens[n % work.tokens.len()].as_str());
        let kind = match work.mode {
            Mode::CreatesOnly => 0,
            Mode::Mixed | Mode::Steady => n % 10,
        };
        let existing = |n: usize| {
            work.post_ids
                .get(n % work.post_ids.len().max(1))
                .copied()
                .unwrap_or(1 + n as i64 % 100)
        };
        let (method, path, body, title) = match kind {
            0 | 1 if work.mode == Mode::Steady => {
                token = Some(work.tokens[0].as_str());
                let body = serde_json::json!({ "content": format!("edited {n}") }).to_string();
                (
                    "PATCH",
                    format!("/api/posts/{}", existing(n)),
                    Some(body),
                    None,
                )
            }
            0 | 1 => {
                let (title, body) = create_body(n);
                ("POST", "/api/posts".to_string(), Some(body), Some(title))
            }
            2 => ("GET", format!("/api/posts/{}", existing(n)), None, None),
            3 => ("GET", "/api/health".to_string(), None, None),
            _ => (
                "GET",
                format!("/api/posts?limit=10&page={}", 1 + n % 5),
                None,
                None,
            ),
        };
        match send(&mut sender, method, &path, token, body).await {
            Ok((status, reply)) => {
                let tally = &work.tally;
                match status {
                    200..=299 => tally.success.fetch_add(1, Ordering::SeqCst),
                    // A read of a post that does not exist yet is an expected 404.
                    404 if kind == 2 => tally.success.fetch_add(1, Ordering::SeqCst),
                    400..=499 => {
                        tally.sample(format!(
                            "{method} {path}: {status} {}",
                            String::from_utf8_lossy(&reply)
                        ));
                        tally.client_errors.fetch_add(1, Ordering::SeqCst)
                    }
                    _ => {
                        tally.sample(format!(
                            "{method} {path}: {status} {}",
                            String::from_utf8_lossy(&reply)
                        ));
                        tally.server_errors.fetch_add(1, Ordering::SeqCst)
                    }
                };
                if let Some(title) = title
                    && status == 201
                {
                    let id = json(&reply)["id"]
                        .as_i64()
                        .expect("a created post has an id");
                    tally.acknowledged.lock().unwrap().push((id, title));
                }
                tally.done.fetch_add(1, Ordering::SeqCst);
            }
            Err(err) => {
                work.tally.connection_errors.fetch_add(1, Ordering::SeqCst);
                if work.mode == Mode::CreatesOnly {
                    return;
                }
                work.tally.sample(format!("{method} {path}: {err}"));
                match connect(work.address).await {
                    Ok(fresh) => sender = fresh,
                    Err(_) => return,
                }
            }
        }
    }
}

/// What the database holds for the load's posts, read after the server stopped.
struct Stored {
    /// title → ids stored under it.
    by_title: HashMap<String, Vec<i64>>,
    /// Load posts without exactly their two tags.
    half_written: i64,
}

async fn stored(data_dir: &Path) -> Stored {
    let url = format!("sqlite://{}?mode=ro", data_dir.join("app.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM posts WHERE title LIKE 'load %'")
            .fetch_all(&pool)
            .await
            .unwrap();
    let half_written: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM posts p WHERE p.title LIKE 'load %' \
         AND (SELECT count(*) FROM post_tags t WHERE t.post_id = p.id) != 2",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    let mut by_title: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, title) in rows {
        by_title.entry(title).or_default().push(id);
    }
    Stored {
        by_title,
        half_written,
    }
}

/// Acknowledged posts missing or stored more than once, and stored ones never
/// acknowledged.
fn compare(acknowledged: &[(i64, String)], stored: &Stored) -> (usize, usize, usize) {
    let mut lost = 0;
    for (id, title) in acknowledged {
        if !stored
            .by_title
            .get(title)
            .is_some_and(|ids| ids.contains(id))
        {
            lost += 1;
        }
    }
    let duplicated = stored.by_title.values().filter(|ids| ids.len() > 1).count();
    let known: std::collections::HashSet<&str> = acknowledged
        .iter()
        .map(|(_, title)| title.as_str())
        .collect();
    let unacknowledged = stored
        .by_title
        .keys()
        .filter(|title| !known.contains(title.as_str()))
        .count();
    (lost, duplicated, unacknowledged)
}

/// Resident memory over one phase: before, half-way, after, and the highest sample.
struct Memory {
    start: u64,
    middle: u64,
    end: u64,
    peak: u64,
}

/// Runs a workload over `connections` clients, sampling the server's memory.
async fn run_phase(work: &Arc<Workload>, connections: usize, pid: u32) -> (Duration, Memory) {
    let start = rss_of(pid);
    let middle = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(start));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (work, middle, peak, running) =
            (work.clone(), middle.clone(), peak.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(Ordering::SeqCst) {
                let rss = rss_of(pid);
                peak.fetch_max(rss, Ordering::SeqCst);
                if middle.load(Ordering::SeqCst) == 0
                    && work.tally.done.load(Ordering::SeqCst) >= work.total / 2
                {
                    middle.store(rss, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = Instant::now();
    let clients: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(client(work.clone())))
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let elapsed = started.elapsed();
    running.store(false, Ordering::SeqCst);
    sampler.await.unwrap();
    let end = rss_of(pid);
    let memory = Memory {
        start,
        middle: middle.load(Ordering::SeqCst),
        end,
        peak: peak.load(Ordering::SeqCst).max(end),
    };
    (elapsed, memory)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

async fn mixed_load(binary: &Path, options: &Options, report: &mut String) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(binary, dir.path());
    let pid = server.child.id();
    let tokens = sign_up(server.address, 8).await;
    let work = Workload::new(
        server.address,
        options.requests,
        tokens.clone(),
        Mode::Mixed,
        Vec::new(),
    );
    let (elapsed, memory) = run_phase(&work, options.connections, pid).await;

    // Then as many requests again on a database that no longer grows: edits instead of
    // creates. Memory that still climbs here would be a leak.
    let acknowledged = work.tally.acknowledged.lock().unwrap().clone();
    let ids = acknowledged.iter().map(|(id, _)| *id).collect();
    let steady = Workload::new(server.address, options.requests, tokens, Mode::Steady, ids);
    let (steady_elapsed, steady_memory) = run_phase(&steady, options.connections, pid).await;

    let exit = server.stop();
    let panicked = server.log_mentions_panic();
    let stored = stored(dir.path()).await;
    let (lost, duplicated, unacknowledged) = compare(&acknowledged, &stored);
    let count = |f: Counter| {
        f(&work.tally).load(Ordering::SeqCst) + f(&steady.tally).load(Ordering::SeqCst)
    };
    let server_errors = count(|t| &t.server_errors);
    let client_errors = count(|t| &t.client_errors);
    let connection_errors = count(|t| &t.connection_errors);
    let clean_exit = exit.is_some_and(|status| status.success());
    let ok = server_errors == 0
        && client_errors == 0
        && connection_errors == 0
        && lost == 0
        && duplicated == 0
        && unacknowledged == 0
        && stored.half_written == 0
        && !panicked
        && clean_exit;

    let _ = writeln!(
        report,
        "## Mixed load, then steady load\n\n\
         Mixed: {} requests over {} keep-alive connections — 20 % create a post with two tags, \
         10 % read a post, 10 % health, 60 % list a page of posts; every request signed in \
         (8 users). Steady: as many again with edits of existing posts instead of creates, so \
         the database stops growing. Release build, fresh SQLite database.\n",
        options.requests, options.connections
    );
    let _ = writeln!(
        report,
        "| measure | mixed | steady |\n| --- | ---: | ---: |"
    );
    let row = |report: &mut String, name: &str, mixed: String, steady: String| {
        let _ = writeln!(report, "| {name} | {mixed} | {steady} |");
    };
    let rate = |requests: usize, elapsed: Duration| {
        format!("{:.0}", requests as f64 / elapsed.as_secs_f64())
    };
    let get = |tally: &Tally, f: Counter| f(tally).load(Ordering::SeqCst).to_string();
    row(
        report,
        "time",
        format!("{:.1} s", elapsed.as_secs_f64()),
        format!("{:.1} s", steady_elapsed.as_secs_f64()),
    );
    row(
        report,
        "requests/s",
        rate(options.requests, elapsed),
        rate(options.requests, steady_elapsed),
    );
    let counts: [(&str, Counter); 4] = [
        ("2xx", |t| &t.success),
        ("4xx", |t| &t.client_errors),
        ("5xx", |t| &t.server_errors),
        ("connection errors", |t| &t.connection_errors),
    ];
    for (name, count) in counts {
        row(
            report,
            name,
            get(&work.tally, count),
            get(&steady.tally, count),
        );
    }
    row(
        report,
        "memory at the start of the phase",
        mib(memory.start),
        mib(steady_memory.start),
    );
    row(
        report,
        "memory half-way",
        mib(memory.middle),
        mib(steady_memory.middle),
    );
    row(
        report,
        "memory at the end",
        mib(memory.end),
        mib(steady_memory.end),
    );
    row(
        report,
        "peak memory (sampled every 100 ms)",
        mib(memory.peak),
        mib(steady_memory.peak),
    );
    let _ = writeln!(report, "\nAfter both phases and a SIGTERM:\n");
    let _ = writeln!(report, "| check | value |\n| --- | ---: |");
    let _ = writeln!(
        report,
        "| creates acknowledged (201) | {} |",
        acknowledged.len()
    );
    let _ = writeln!(report, "| acknowledged but not stored | {lost} |");
    let _ = writeln!(report, "| stored more than once | {duplicated} |");
    let _ = writeln!(
        report,
        "| stored but never acknowledged | {unacknowledged} |"
    );
    let _ = writeln!(
        report,
        "| posts without their tags | {} |",
        stored.half_written
    );
    let _ = writeln!(
        report,
        "| a panic in the server log | {} |",
        if panicked { "yes" } else { "no" }
    );
    let _ = writeln!(
        report,
        "| clean exit on SIGTERM | {} |",
        if clean_exit { "yes" } else { "no" }
    );
    samples(report, &work.tally);
    samples(report, &steady.tally);
    ok
}

/// Resident memory in KiB, from `/proc`.
fn rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn samples(report: &mut String, tally: &Tally) {
    let samples = tally.samples.lock().unwrap();
    if !samples.is_empty() {
        let _ = writeln!(report, "\nFirst unexpected answers:\n");
        for sample in samples.iter() {
            let shown: String = sample.chars().take(300).collect();
            let _ = writeln!(report, "- `{shown}`");
        }
    }
    let _ = writeln!(report);
}

async fn terminated_mid_load(binary: &Path, options: &Options, report: &mut String) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(binary, dir.path());
    let tokens = sign_up(server.address, 4).await;
    let work = Workload::new(
        server.address,
        options.kill_requests,
        tokens,
        Mode::CreatesOnly,
        Vec::new(),
    );
    let clients: Vec<_> = (0..options.connections)
        .map(|_| tokio::spawn(client(work.clone())))
        .collect();
    // SIGTERM once a quarter of the creates are acknowledged, with the rest in flight.
    let kill_at = options.kill_requests / 4;
    while work.tally.done.load(Ordering::SeqCst) < kill_at {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let signalled_after = work.tally.done.load(Ordering::SeqCst);
    server.terminate();
    for client in clients {
        client.await.unwrap();
    }
    let exit = server.wait(Duration::from_secs(30));
    let panicked = server.log_mentions_panic();
    drop(server);

    // A restart on the same database must come up and serve.
    let mut restarted = Server::start(binary, dir.path());
    let mut sender = connect(restarted.address).await.unwrap();
    let (health, _) = send(&mut sender, "GET", "/api/health", None, None)
        .await
        .unwrap();
    drop(sender);
    restarted.stop();

    let tally = &work.tally;
    let acknowledged = tally.acknowledged.lock().unwrap().clone();
    let stored = stored(dir.path()).await;
    let (lost, duplicated, unacknowledged) = compare(&acknowledged, &stored);
    let server_errors = tally.server_errors.load(Ordering::SeqCst);
    let ok = lost == 0
        && duplicated == 0
        && stored.half_written == 0
        && server_errors == 0
        && health == 200
        && !panicked
        && exit.is_some_and(|status| status.success());

    let _ = writeln!(
        report,
        "## SIGTERM mid-load\n\nUp to {} creates over {} connections; SIGTERM after {signalled_after} \
         answers. Clients stop at their first failed request; the server finishes what is in \
         flight and exits; then it is started again on the same database.\n",
        options.kill_requests, options.connections
    );
    let _ = writeln!(report, "| measure | value |\n| --- | ---: |");
    let _ = writeln!(
        report,
        "| creates acknowledged (201) | {} |",
        acknowledged.len()
    );
    let _ = writeln!(report, "| 5xx | {server_errors} |");
    let _ = writeln!(
        report,
        "| requests cut off by the shutdown (connection closed) | {} |",
        tally.connection_errors.load(Ordering::SeqCst)
    );
    let _ = writeln!(
        report,
        "| clean exit on SIGTERM | {} |",
        if exit.is_some_and(|s| s.success()) {
            "yes"
        } else {
            "no"
        }
    );
    let _ = writeln!(report, "| health after restart | {health} |");
    let _ = writeln!(
        report,
        "| acknowledged but not in the database after restart | {lost} |"
    );
    let _ = writeln!(report, "| stored more than once | {duplicated} |");
    let _ = writeln!(
        report,
        "| stored but never acknowledged (answer lost with the connection) | {unacknowledged} |"
    );
    let _ = writeln!(
        report,
        "| posts without their tags (half-written) | {} |",
        stored.half_written
    );
    let _ = writeln!(
        report,
        "| a panic in the server log | {} |",
        if panicked { "yes" } else { "no" }
    );
    samples(report, tally);
    ok
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = options();
    let binary = build_app();
    let mut report = String::from("# Load and soak: the template app\n\n");
    let _ = writeln!(
        report,
        "Machine: {} cores; loopback only. `cargo run --release -p bench-load -- --requests {} --connections {} --kill-requests {}`.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        options.requests,
        options.connections,
        options.kill_requests
    );
    let mixed = mixed_load(&binary, &options, &mut report).await;
    let terminated = terminated_mid_load(&binary, &options, &mut report).await;
    let _ = writeln!(
        report,
        "Checks: mixed load {}, SIGTERM mid-load {}.",
        if mixed { "passed" } else { "FAILED" },
        if terminated { "passed" } else { "FAILED" }
    );
    print!("{report}");
    let results = workspace().join("bench/results/load.md");
    std::fs::write(&results, &report).unwrap();
    eprintln!("written to {}", results.display());
    if mixed && terminated {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
