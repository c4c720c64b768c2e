//! The template's `/metrics` as a real Prometheus reads it: the app's binary with
//! `METRICS_ADDR` and `METRICS_TOKEN`, Debian's `prometheus` scraping it every second,
//! a scripted mix of requests, then Prometheus's own query API asked what it saw.
//!
//! Prometheus is found through `FSROUTE_PROMETHEUS` (set by `.ci/with-prometheus`), else
//! on the `PATH`. Without it the test says so and returns, unless
//! `FSROUTE_REQUIRE_PROMETHEUS=1` (CI), where that is a failure.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::AppProcess;
use serde_json::{Value, json};

const TOKEN: &str = "prometheus-test-scrape-token";

/// How many distinct unknown paths are sent: each must land in the one `unmatched` series.
const UNKNOWN_PATHS: u64 = 2_000;

fn prometheus_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FSROUTE_PROMETHEUS") {
        return Some(path.into());
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("prometheus"))
            .find(|candidate| candidate.is_file())
    });
    if on_path.is_none() {
        if std::env::var("FSROUTE_REQUIRE_PROMETHEUS").as_deref() == Ok("1") {
            panic!(
                "FSROUTE_REQUIRE_PROMETHEUS=1 but no prometheus: run under `bash .ci/with-prometheus`"
            );
        }
        eprintln!(
            "prometheus: skipped, no `prometheus` binary (run under `bash .ci/with-prometheus`, \
             or set FSROUTE_PROMETHEUS)"
        );
    }
    on_path
}

/// A Prometheus server of the test's own, stopped when dropped.
struct Prometheus {
    child: Child,
    address: String,
    _storage: tempfile::TempDir,
}

impl Prometheus {
    fn start(binary: &PathBuf, target: &str) -> Prometheus {
        let storage = tempfile::tempdir().unwrap();
        let config = storage.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: template-app\n    \
                 authorization:\n      credentials: {TOKEN}\n    \
                 static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                storage.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        let prometheus = Prometheus {
            child,
            address,
            _storage: storage,
        };
        wait_for("Prometheus to be ready", || {
            get(&prometheus.address, "/-/ready", None).0 == 200
        });
        prometheus
    }

    /// An instant query's vector, as (labels, value) pairs.
    fn query(&self, promql: &str) -> Vec<(Value, f64)> {
        let (status, body) = get(
            &self.address,
            &format!("/api/v1/query?query={}", encode(promql)),
            None,
        );
        assert_eq!(status, 200, "{promql}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        body["data"]["result"]
            .as_array()
            .unwrap_or_else(|| panic!("{promql}: {body}"))
            .iter()
            .map(|sample| {
                let value = sample["value"][1].as_str().unwrap().parse().unwrap();
                (sample["metric"].clone(), value)
            })
            .collect()
    }

    /// The single value of a query that must give one.
    fn value(&self, promql: &str) -> f64 {
        match self.query(promql).as_slice() {
            [(_, value)] => *value,
            other => panic!("{promql} gave {other:?}, not one value"),
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A `GET` on a new connection: the status and the body (0 if nothing answered).
fn get(address: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return (0, String::new());
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let authorization = token
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{authorization}\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    if stream.read_to_end(&mut response).is_err() || response.len() < 12 {
        return (0, String::new());
    }
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response[9..12].parse().unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A query string value, percent-encoded but for the unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// `http_server_request_duration_seconds_count` of one route and status, as scraped.
fn count(prometheus: &Prometheus, route: &str, status: u16) -> f64 {
    prometheus.value(&format!(
        "sum(http_server_request_duration_seconds_count{{http_route=\"{route}\",\
         http_response_status_code=\"{status}\"}})"
    ))
}

/// A latency quantile of one route from its histogram's buckets, over everything sent.
fn quantile(prometheus: &Prometheus, q: f64, route: &str) -> f64 {
    prometheus.value(&format!(
        "histogram_quantile({q}, sum by (le) \
         (http_server_request_duration_seconds_bucket{{http_route=\"{route}\"}}))"
    ))
}

#[test]
fn prometheus_scrapes_requests_by_route_with_latency_quantiles() {
    let Some(binary) = prometheus_binary() else {
        return;
    };
    let app =
        AppProcess::start_sqlite(&[("METRICS_ADDR", "127.0.0.1:0"), ("METRICS_TOKEN", TOKEN)]);
    let mut metrics_address = None;
    wait_for("the `metrics on` line", || {
        metrics_address = app.output().iter().find_map(|line| {
            let rest = line.strip_prefix("metrics on http://")?;
            Some(rest.strip_suffix("/metrics")?.to_string())
        });
        metrics_address.is_some()
    });
    let metrics_address = metrics_address.unwrap();

    // On a port of its own (the API's port has no such route: one unmatched 404), and
    // only for the token.
    assert_eq!(app.call("GET", "/metrics", None, None).0, 404);
    assert_eq!(get(&metrics_address, "/metrics", None).0, 401);
    assert_eq!(
        get(&metrics_address, "/metrics", Some("not-the-token")).0,
        401
    );
    assert_eq!(get(&metrics_address, "/metrics", Some(TOKEN)).0, 200);

    let prometheus = Prometheus::start(&binary, &metrics_address);

    // The script: successes, 401s, unknown paths, and a slow route (sign-in hashes the
    // password with argon2, by design tens of milliseconds).
    for _ in 0..30 {
        assert_eq!(app.call("GET", "/api/health", None, None).0, 200);
    }
    for _ in 0..20 {
        assert_eq!(app.call("GET", "/api/posts", None, None).0, 401);
    }
    for n in 0..UNKNOWN_PATHS {
        let path = format!("/api/no-such-thing/{n}/{}", n * 7919);
        assert_eq!(app.call("GET", &path, None, None).0, 404);
    }
    let account = json!({ "email": "ada@example.com", "name": "Ada", "password": "correct horse" });
    let (status, _) = app.call(
        "POST",
        "/api/auth/register",
        None,
        Some(&account.to_string()),
    );
    assert_eq!(status, 202);
    let login = json!({ "email": "ada@example.com", "password": "correct horse" }).to_string();
    let wrong = json!({ "email": "ada@example.com", "password": "wrong horse" }).to_string();
    for _ in 0..5 {
        assert_eq!(
            app.call("POST", "/api/auth/login", None, Some(&login)).0,
            200
        );
    }
    for _ in 0..3 {
        assert_eq!(
            app.call("POST", "/api/auth/login", None, Some(&wrong)).0,
            401
        );
    }
    let sent = 1 + 30 + 20 + UNKNOWN_PATHS + 1 + 5 + 3;

    // Scrapes come every second: wait until one has seen every request.
    let mut seen = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen != Some(sent as f64) {
        assert!(
            Instant::now() < deadline,
            "no scrape saw all {sent} requests; the last saw {seen:?}: {:?}",
            prometheus.query("http_server_request_duration_seconds_count")
        );
        std::thread::sleep(Duration::from_millis(200));
        seen = prometheus
            .query("sum(http_server_request_duration_seconds_count)")
            .first()
            .map(|(_, total)| *total);
    }
    assert_eq!(prometheus.value("up{job=\"template-app\"}"), 1.0);

    assert_eq!(count(&prometheus, "/api/health", 200), 30.0);
    assert_eq!(count(&prometheus, "/api/posts", 401), 20.0);
    assert_eq!(
        count(&prometheus, "unmatched", 404),
        1.0 + UNKNOWN_PATHS as f64
    );
    assert_eq!(count(&prometheus, "/api/auth/register", 202), 1.0);
    assert_eq!(count(&prometheus, "/api/auth/login", 200), 5.0);
    assert_eq!(count(&prometheus, "/api/auth/login", 401), 3.0);
    // One series per route, method and status sent: the 2,000 unknown paths are one.
    assert_eq!(
        prometheus.value("count(http_server_request_duration_seconds_count)"),
        6.0
    );
    assert!(
        prometheus
            .query("http_server_request_duration_seconds_count{http_route=~\".*no-such-thing.*\"}")
            .is_empty(),
        "a raw path became a label"
    );

    // Latency: every quantile within the histogram's range, and the slow route slower.
    let health_p50 = quantile(&prometheus, 0.5, "/api/health");
    let login_p50 = quantile(&prometheus, 0.5, "/api/auth/login");
    let login_p99 = quantile(&prometheus, 0.99, "/api/auth/login");
    for (name, value) in [
        ("health p50", health_p50),
        ("login p50", login_p50),
        ("login p99", login_p99),
    ] {
        assert!(value > 0.0 && value <= 10.0, "{name} = {value} s");
    }
    assert!(
        login_p50 > health_p50,
        "sign-in (argon2) p50 {login_p50} s should be above health's {health_p50} s"
    );
    assert!(login_p99 >= login_p50);
    assert!(
        login_p50 >= 0.005,
        "sign-in p50 {login_p50} s: argon2 takes milliseconds"
    );

    // The process's own figures come with every scrape.
    assert!(prometheus.value("process_resident_memory_bytes{job=\"template-app\"}") > 1e6);
    assert!(prometheus.value("process_open_fds{job=\"template-app\"}") > 0.0);
}

#[test]
fn by_default_metrics_are_on_the_api_port_and_metrics_off_removes_them() {
    let app = AppProcess::start_sqlite(&[]);
    assert_eq!(app.call("GET", "/api/health", None, None).0, 200);
    let (status, head, _) = app.exchange("GET", "/metrics", None, None);
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    let (_, text) = get(&app.address, "/metrics", None);
    assert!(
        text.contains(
            "http_server_request_duration_seconds_count{http_route=\"/api/health\",\
             http_request_method=\"GET\",http_response_status_code=\"200\"} 1"
        ),
        "{text}"
    );

    let off = AppProcess::start_sqlite(&[("METRICS", "off")]);
    let (status, body) = off.call("GET", "/metrics", None, None);
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
}
