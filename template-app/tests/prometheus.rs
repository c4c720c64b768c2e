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

    /// `data` of a Prometheus API answer, which must be a success: a query that does not
    /// parse is a 400 with `"status": "error"`.
    fn api(&self, path_and_query: &str) -> Value {
        let (status, body) = get(&self.address, path_and_query, None);
        assert_eq!(status, 200, "{path_and_query}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], "success", "{path_and_query}: {body}");
        body["data"].clone()
    }

    /// A range query's series, as (labels, values) pairs, as a graph panel draws them.
    fn query_range(&self, promql: &str, start: f64, end: f64) -> Vec<(Value, Vec<f64>)> {
        let data = self.api(&format!(
            "/api/v1/query_range?query={}&start={start:.3}&end={end:.3}&step=1",
            encode(promql)
        ));
        assert_eq!(data["resultType"], "matrix", "{promql}: {data}");
        data["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|series| {
                let values = series["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|point| point[1].as_str().unwrap().parse().unwrap())
                    .collect();
                (series["metric"].clone(), values)
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

/// The app's binary with `GET /metrics` on a port of its own, behind [`TOKEN`]; the app
/// and that port's address.
fn start_app_with_metrics_port() -> (AppProcess, String) {
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
    (app, metrics_address.unwrap())
}

/// Waits for a scrape that has seen all `sent` requests (scrapes come every second).
fn wait_for_a_scrape_of(prometheus: &Prometheus, sent: u64) {
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
    let (app, metrics_address) = start_app_with_metrics_port();

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
    wait_for_a_scrape_of(&prometheus, sent);
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

/// The Grafana dashboard apps get, `observability/grafana-dashboard.json`.
fn dashboard() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/observability/grafana-dashboard.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// Every panel of a dashboard, those inside rows included (a collapsed row holds its own).
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        all.push(panel);
        if let Some(inside) = panel["panels"].as_array() {
            all.extend(inside);
        }
    }
    all
}

/// A panel's query with Grafana's variables replaced, as Grafana does before sending it:
/// `$name`, `${name}` and `${name:format}`. A variable not in `variables` fails the test,
/// so a misspelt one cannot reach Prometheus as text.
fn interpolate(expr: &str, variables: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (name, after) = match rest.strip_prefix('{') {
            Some(braced) => {
                let end = braced
                    .find('}')
                    .unwrap_or_else(|| panic!("{expr}: no `}}`"));
                (braced[..end].split(':').next().unwrap(), &braced[end + 1..])
            }
            None => {
                let end = rest
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .unwrap_or(rest.len());
                rest.split_at(end)
            }
        };
        let (_, value) = variables
            .iter()
            .find(|(known, _)| *known == name)
            .unwrap_or_else(|| panic!("{expr}: `${name}` is not a variable Grafana would fill"));
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The values of a `label_values(METRIC{…}, LABEL)` variable, asked of Prometheus's label
/// API as Grafana asks it.
fn label_values(
    prometheus: &Prometheus,
    definition: &str,
    variables: &[(&str, &str)],
) -> Vec<String> {
    let (series, label) = definition
        .strip_prefix("label_values(")
        .and_then(|inner| inner.strip_suffix(')'))
        .and_then(|inner| inner.rsplit_once(','))
        .unwrap_or_else(|| panic!("{definition}: not label_values(METRIC, LABEL)"));
    let series = interpolate(series.trim(), variables);
    let data = prometheus.api(&format!(
        "/api/v1/label/{}/values?match%5B%5D={}",
        label.trim(),
        encode(&series)
    ));
    data.as_array()
        .unwrap()
        .iter()
        .map(|value| value.as_str().unwrap().to_string())
        .collect()
}

/// Sign-ins all at once until the password-hashing queue turns some away with its 503
/// (`auth::HashingQueue`: a thread per core, and at most max(4 a thread, 16) waiting):
/// the server error the dashboard's 5xx panels must show. How many were sent.
fn sign_in_burst_until_a_503(app: &AppProcess, login: &str) -> u64 {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let at_once = threads + (4 * threads).max(16) + 24;
    let mut sent = 0;
    for _ in 0..10 {
        let start = std::sync::Barrier::new(at_once);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let sign_ins: Vec<_> = (0..at_once)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        app.call("POST", "/api/auth/login", None, Some(login)).0
                    })
                })
                .collect();
            sign_ins
                .into_iter()
                .map(|sign_in| sign_in.join().unwrap())
                .collect()
        });
        sent += at_once as u64;
        assert!(
            statuses.iter().all(|status| [200, 503].contains(status)),
            "{statuses:?}"
        );
        if statuses.contains(&503) {
            return sent;
        }
    }
    panic!("{sent} sign-ins in bursts of {at_once}: the hashing queue never answered 503");
}

/// One round of the dashboard test's traffic: every kind of answer the panels tell apart.
/// How many requests were sent.
fn dashboard_traffic(app: &AppProcess, token: &str, login: &str) -> u64 {
    for _ in 0..10 {
        assert_eq!(app.call("GET", "/api/health", None, None).0, 200);
    }
    for _ in 0..5 {
        assert_eq!(app.call("GET", "/api/posts", None, None).0, 401);
        assert_eq!(app.call("GET", "/api/posts", Some(token), None).0, 200);
    }
    let post = json!({ "title": "Hello", "content": "Measured.", "published": true }).to_string();
    for _ in 0..3 {
        assert_eq!(
            app.call("POST", "/api/posts", Some(token), Some(&post)).0,
            201
        );
    }
    for n in 0..5 {
        let path = format!("/api/no-such-route/{n}");
        assert_eq!(app.call("GET", &path, None, None).0, 404);
    }
    for _ in 0..2 {
        assert_eq!(
            app.call("POST", "/api/auth/login", None, Some(login)).0,
            200
        );
    }
    10 + 10 + 3 + 5 + 2 + sign_in_burst_until_a_503(app, login)
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The dashboard is real: its JSON is one Grafana imports (panels on the Prometheus data
/// source variable, unique ids, no overlaps, the job/instance/route variables), and every
/// query of every panel, with Grafana's variables filled in as Grafana fills them, is
/// valid PromQL that gives the routes of a scripted mix their throughput, 5xx and 4xx
/// ratios and latency quantiles. A metric renamed in the runtime fails it.
#[test]
fn the_grafana_dashboard_queries_show_the_routes_throughput_errors_and_latency() {
    let dashboard = dashboard();
    let datasource = json!({ "type": "prometheus", "uid": "${datasource}" });
    assert!(dashboard["schemaVersion"].as_u64().unwrap() >= 36);
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    let variable = |name: &str| {
        variables
            .iter()
            .find(|variable| variable["name"] == name)
            .unwrap_or_else(|| panic!("no `{name}` variable"))
    };
    assert_eq!(variable("datasource")["type"], "datasource");
    assert_eq!(variable("datasource")["query"], "prometheus");
    for name in ["job", "instance", "route"] {
        let variable = variable(name);
        assert_eq!(variable["type"], "query", "{name}");
        assert_eq!(variable["datasource"], datasource, "{name}");
        assert_eq!(variable["includeAll"], true, "{name}");
        assert_eq!(variable["allValue"], ".*", "{name}");
        assert_eq!(variable["definition"], variable["query"]["query"], "{name}");
    }
    assert!(
        variable("route")["definition"]
            .as_str()
            .unwrap()
            .ends_with(", http_route)")
    );

    let mut ids = std::collections::HashSet::new();
    let mut cells = std::collections::HashSet::new();
    let mut queries = Vec::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap();
        assert!(
            ids.insert(panel["id"].as_u64().unwrap()),
            "{title}: id twice"
        );
        let grid = |key: &str| panel["gridPos"][key].as_u64().unwrap();
        let (x, y, w, h) = (grid("x"), grid("y"), grid("w"), grid("h"));
        assert!(
            x + w <= 24 && w > 0 && h > 0,
            "{title}: {}",
            panel["gridPos"]
        );
        for cell in (x..x + w).flat_map(|x| (y..y + h).map(move |y| (x, y))) {
            assert!(
                cells.insert(cell),
                "{title} overlaps another panel at {cell:?}"
            );
        }
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"], datasource, "{title}");
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{title}: no query");
        for target in targets {
            assert_eq!(target["datasource"], datasource, "{title}");
            let expr = target["expr"].as_str().unwrap();
            // Every series selector follows the dashboard's variables.
            let selectors = expr.replace("${", "$(");
            for selector in selectors.split('{').skip(1) {
                let selector = selector.split('}').next().unwrap();
                assert!(
                    selector.contains("job=~\"$job\"")
                        && selector.contains("instance=~\"$instance\""),
                    "{title}: {selector}"
                );
                if !expr.contains("process_") {
                    assert!(
                        selector.contains("http_route=~\"$route\""),
                        "{title}: {selector}"
                    );
                }
            }
            let instant = target["instant"] == true;
            queries.push((title, target["refId"].as_str().unwrap(), expr, instant));
        }
    }

    let Some(binary) = prometheus_binary() else {
        return;
    };
    let (app, metrics_address) = start_app_with_metrics_port();
    let prometheus = Prometheus::start(&binary, &metrics_address);
    let started = unix_now();
    let account =
        json!({ "email": "grace@example.com", "name": "Grace", "password": "correct horse" });
    let register = app.call(
        "POST",
        "/api/auth/register",
        None,
        Some(&account.to_string()),
    );
    assert_eq!(register.0, 202);
    let login = json!({ "email": "grace@example.com", "password": "correct horse" }).to_string();
    let (status, session) = app.call("POST", "/api/auth/login", None, Some(&login));
    assert_eq!(status, 200);
    let token = session["token"].as_str().unwrap().to_string();
    // Twice, a scrape apart: rate() sees what grew between two samples of a series, and a
    // series' first sample (the moment it appeared) is not growth.
    let mut sent = 2;
    for _ in 0..2 {
        sent += dashboard_traffic(&app, &token, &login);
        wait_for_a_scrape_of(&prometheus, sent);
    }
    let end = unix_now();

    // Grafana's values: every variable on All, and windows that hold the whole test.
    let window = format!("{}s", (end - started).ceil() as u64 + 10);
    let mut values = vec![
        ("__rate_interval", window.as_str()),
        ("__range", window.as_str()),
        ("__interval", "1s"),
        ("job", ".*"),
        ("instance", ".*"),
        ("route", ".*"),
    ];
    assert!(
        label_values(
            &prometheus,
            variable("job")["definition"].as_str().unwrap(),
            &values
        )
        .contains(&"template-app".to_string())
    );
    let routes = label_values(
        &prometheus,
        variable("route")["definition"].as_str().unwrap(),
        &values,
    );
    for route in ["/api/health", "/api/posts", "/api/auth/login", "unmatched"] {
        assert!(
            routes.contains(&route.to_string()),
            "{route} not in {routes:?}"
        );
    }

    let mut results = std::collections::HashMap::new();
    for &(title, ref_id, expr, instant) in &queries {
        let promql = interpolate(expr, &values);
        let series: Vec<(Value, Vec<f64>)> = if instant {
            prometheus
                .query(&promql)
                .into_iter()
                .map(|(labels, value)| (labels, vec![value]))
                .collect()
        } else {
            // Steps back from the end, so the last one is after the last scrape.
            prometheus.query_range(&promql, end - (end - started).floor(), end)
        };
        // The template has no REVALIDATE route: that panel's query is only checked valid.
        if !title.starts_with("REVALIDATE") {
            assert!(
                !series.is_empty(),
                "{title} ({ref_id}) has no data: {promql}"
            );
        }
        results.insert((title, ref_id), series);
    }
    // A series' last value that is a number (a ratio is NaN where a window saw nothing).
    let last = |title: &str, ref_id: &str, method: &str, route: &str| -> f64 {
        let series = &results[&(title, ref_id)];
        let (_, values) = series
            .iter()
            .find(|(labels, _)| {
                labels["http_request_method"] == method && labels["http_route"] == route
            })
            .unwrap_or_else(|| panic!("{title}: no {method} {route} in {series:?}"));
        *values
            .iter()
            .rfind(|value| value.is_finite())
            .unwrap_or_else(|| panic!("{title}: {method} {route} is {values:?}"))
    };
    let total = |title: &str| {
        results[&(title, "A")][0]
            .1
            .iter()
            .rfind(|v| v.is_finite())
            .copied()
            .unwrap()
    };

    for (method, route) in [
        ("GET", "/api/health"),
        ("GET", "/api/posts"),
        ("POST", "/api/posts"),
        ("POST", "/api/auth/login"),
        ("GET", "unmatched"),
    ] {
        assert!(
            last("Throughput by route", "A", method, route) > 0.0,
            "{method} {route}"
        );
        assert!(
            last("Routes over the time range", "A", method, route) > 0.0,
            "{method} {route}"
        );
    }
    // 5xx: the sign-ins the hashing queue turned away; none for the others.
    for (title, id) in [
        ("Error rate (5xx) by route", "A"),
        ("Routes over the time range", "B"),
    ] {
        let refused = last(title, id, "POST", "/api/auth/login");
        assert!(refused > 0.0 && refused < 1.0, "{title}: {refused}");
        assert_eq!(last(title, id, "GET", "/api/health"), 0.0, "{title}");
        assert_eq!(last(title, id, "GET", "unmatched"), 0.0, "{title}");
    }
    assert!(total("Server errors (5xx)") > 0.0);
    // 4xx: half of GET /api/posts had no token; every unmatched request is a 404.
    for (title, id) in [
        ("Client errors (4xx) by route", "A"),
        ("Routes over the time range", "C"),
    ] {
        let no_token = last(title, id, "GET", "/api/posts");
        assert!(no_token > 0.0 && no_token < 1.0, "{title}: {no_token}");
        assert_eq!(last(title, id, "GET", "unmatched"), 1.0, "{title}");
        assert_eq!(last(title, id, "GET", "/api/health"), 0.0, "{title}");
    }
    assert!(total("Client errors (4xx)") > 0.0);
    // Latency: quantiles in the histogram's range and in order; sign-in (argon2, queued)
    // slower than health.
    for (method, route) in [("GET", "/api/health"), ("POST", "/api/auth/login")] {
        let p50 = last("Latency p50 by route", "A", method, route);
        let p95 = last("Latency p95 by route", "A", method, route);
        let p99 = last("Latency p99 by route", "A", method, route);
        assert!(
            0.0 < p50 && p50 <= p95 && p95 <= p99 && p99 <= 10.0,
            "{route}: {p50} {p95} {p99}"
        );
    }
    assert!(
        last("Latency p95 by route", "A", "POST", "/api/auth/login")
            > last("Latency p95 by route", "A", "GET", "/api/health")
    );
    assert!(total("Requests/s") > 0.0);
    assert!(total("p95 latency") > 0.0);
    assert!(total("Resident memory") > 1e6);

    // One route picked: every by-route query keeps to it.
    values.retain(|(name, _)| *name != "route");
    values.push(("route", "/api/health"));
    for &(title, _, expr, _) in &queries {
        for (labels, _) in prometheus.query(&interpolate(expr, &values)) {
            assert!(
                labels
                    .get("http_route")
                    .is_none_or(|route| route == "/api/health"),
                "{title}: {labels}"
            );
        }
    }
    let (_, _, throughput, _) = queries
        .iter()
        .find(|(title, ..)| *title == "Throughput by route")
        .unwrap();
    assert!(
        !prometheus
            .query(&interpolate(throughput, &values))
            .is_empty()
    );
}
