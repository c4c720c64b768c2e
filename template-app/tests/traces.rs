//! Traces from the real binary (#19): with `OTEL_EXPORTER_OTLP_ENDPOINT` set, each request
//! is exported as a server span, and each database call made for it (the
//! `#[tracing::instrument]` functions of `src/users.rs`, `src/posts.rs`, …) as a client
//! span inside it. They go to a collector stand-in that runs in this test: an axum server
//! on 127.0.0.1 that answers OTLP/HTTP's `POST /v1/traces` and decodes what it receives
//! with `opentelemetry-proto`'s messages (no collector binary can be installed here).
//! Without the variable the app exports nothing.
#![cfg(unix)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message;
use serde_json::{Value, json};

/// What `src/main.rs` prints, before `listening on`, when it exports traces.
const TRACES_LINE: &str = "Traces: exported over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT)";

const SERVICE: &str = "template-test";

/// The collector stand-in: every export request it was sent, decoded.
struct Collector {
    /// Its base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it.
    endpoint: String,
    received: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
}

/// A received span and its resource's `service.name`.
struct Received {
    service: Option<String>,
    span: Span,
}

impl Collector {
    /// `POST /v1/traces` with `application/x-protobuf`, answered with an empty
    /// `ExportTraceServiceResponse` as a collector does; on a thread and a runtime of its
    /// own, alive until the test process ends.
    fn start() -> Collector {
        let received = Arc::new(Mutex::new(Vec::new()));
        let stored = Arc::clone(&received);
        let (address_tx, address_rx) = std::sync::mpsc::channel::<SocketAddr>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                address_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new()
                    .route("/v1/traces", post(receive))
                    .with_state(stored);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let address = address_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the collector stand-in listens");
        Collector {
            endpoint: format!("http://{address}"),
            received,
        }
    }

    /// How many export requests arrived.
    fn exports(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Every span received so far.
    fn spans(&self) -> Vec<Received> {
        let received = self.received.lock().unwrap();
        let mut spans = Vec::new();
        for request in received.iter() {
            for resource_spans in &request.resource_spans {
                let service = resource_spans.resource.as_ref().and_then(|resource| {
                    resource
                        .attributes
                        .iter()
                        .find(|kv| kv.key == "service.name")
                        .and_then(|kv| text(kv.value.as_ref()?.value.as_ref()?))
                });
                for scope_spans in &resource_spans.scope_spans {
                    for span in &scope_spans.spans {
                        spans.push(Received {
                            service: service.clone(),
                            span: span.clone(),
                        });
                    }
                }
            }
        }
        spans
    }

    /// Waits (10 s at most) until a span for each of `request_ids` has arrived.
    fn wait_for(&self, request_ids: &[&str]) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let spans = self.spans();
            let arrived = |id: &&str| {
                spans
                    .iter()
                    .any(|r| text_attribute(&r.span, "request_id").as_deref() == Some(*id))
            };
            if request_ids.iter().all(arrived) {
                return spans;
            }
            assert!(
                Instant::now() < deadline,
                "no span for some of {request_ids:?} within 10 s; received: {:?}",
                names(spans.iter().map(|r| &r.span))
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

async fn receive(
    State(received): State<Arc<Mutex<Vec<ExportTraceServiceRequest>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        != Some("application/x-protobuf")
    {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    received.lock().unwrap().push(request);
    (
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
        .into_response()
}

/// The real binary, as `common::AppProcess` starts it, but keeping what it printed before
/// `listening on` (where the `Traces:` line is) and its stderr, and sending an
/// `x-request-id` with each request so the spans can be found by it.
struct App {
    child: Child,
    address: String,
    /// The lines before `listening on`.
    startup: Vec<String>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    _data: tempfile::TempDir,
}

impl App {
    /// With no OpenTelemetry variable from this process's environment, only `settings`.
    /// Under `RUST_LOG=warn`, as `AppProcess` runs it: that filter is the log lines'
    /// only, and the exported traces still have every INFO span.
    fn start(settings: &[(&str, &str)]) -> App {
        let data = tempfile::tempdir().unwrap();
        let mut command = common::app_command();
        command
            .env("DATA_DIR", data.path())
            .env("PORT", "0")
            .env("JWT_SECRET", "traces-test-secret-at-least-32-bytes")
            .env("LOGIN_RATE_PER_MINUTE", "100000")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in [
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_SDK_DISABLED",
            "OTEL_TRACES_EXPORTER",
            "OTEL_SERVICE_NAME",
            "OTEL_RESOURCE_ATTRIBUTES",
            "OTEL_TRACES_SAMPLER",
            "OTEL_TRACES_SAMPLER_ARG",
            "OTEL_BSP_SCHEDULE_DELAY",
        ] {
            command.env_remove(name);
        }
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = drain(child.stderr.take().unwrap());
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut startup = Vec::new();
        let address = loop {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the app exited early: {startup:#?} {:#?}",
                stderr.lock().unwrap()
            );
            if let Some(address) = line.trim().strip_prefix("listening on http://") {
                break address.to_string();
            }
            startup.push(line.trim_end().to_string());
        };
        App {
            child,
            address,
            startup,
            stdout: drain(stdout),
            stderr,
            _data: data,
        }
    }

    /// One request on a new connection, with `x-request-id: {id}`; the status and the
    /// JSON body (`Null` when there is none).
    fn call(
        &self,
        method: &str,
        path: &str,
        id: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut stream = std::net::TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             x-request-id: {id}\r\n"
        );
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let body = body.map(Value::to_string).unwrap_or_default();
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
        let (_, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    /// SIGTERM; returns once the process has ended, so after `main` shut the exporter
    /// down, and checks it exited cleanly without saying that spans were lost.
    fn terminate(mut self) {
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        // The reader threads see the pipes close right after the exit.
        std::thread::sleep(Duration::from_millis(100));
        let stdout = self.stdout.lock().unwrap();
        let stderr = self.stderr.lock().unwrap();
        assert!(status.success(), "{status}: {stdout:#?} {stderr:#?}");
        // `src/main.rs` says so when the last export failed.
        assert!(
            !stderr.iter().any(|line| line.contains("not exported")),
            "{stderr:#?}"
        );
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `pipe` line by line on a thread of its own, so the app never blocks on it.
fn drain(pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stored = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            stored.lock().unwrap().push(line);
        }
    });
    lines
}

fn text(value: &AnyValue) -> Option<String> {
    match value {
        AnyValue::StringValue(text) => Some(text.clone()),
        _ => None,
    }
}

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a AnyValue> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

fn text_attribute(span: &Span, key: &str) -> Option<String> {
    attribute(span, key).and_then(text)
}

fn int_attribute(span: &Span, key: &str) -> Option<i64> {
    match attribute(span, key) {
        Some(AnyValue::IntValue(value)) => Some(*value),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn names<'a>(spans: impl IntoIterator<Item = &'a Span>) -> Vec<&'a str> {
    spans.into_iter().map(|span| span.name.as_str()).collect()
}

/// The one span whose `request_id` is `id`: the request's server span.
fn server_span<'a>(spans: &'a [Received], id: &str) -> &'a Span {
    let found: Vec<&Span> = spans
        .iter()
        .map(|r| &r.span)
        .filter(|span| text_attribute(span, "request_id").as_deref() == Some(id))
        .collect();
    assert_eq!(found.len(), 1, "one span for request {id}: {found:#?}");
    let span = found[0];
    assert_eq!(span.kind, SpanKind::Server as i32, "{span:#?}");
    // No `traceparent` was sent: the request starts its trace.
    assert!(span.parent_span_id.is_empty(), "{span:#?}");
    span
}

/// The spans below `server` in its trace, found by walking each span's parents up to
/// it; every other span of the trace must be `server` itself (a span whose parents do
/// not lead to the request's span would be lost in a trace view).
fn descendants<'a>(spans: &'a [Received], server: &Span) -> Vec<&'a Span> {
    let trace: Vec<&Span> = spans
        .iter()
        .map(|r| &r.span)
        .filter(|span| span.trace_id == server.trace_id)
        .collect();
    let by_id: HashMap<&[u8], &Span> = trace
        .iter()
        .map(|span| (span.span_id.as_slice(), *span))
        .collect();
    let mut below = Vec::new();
    for span in &trace {
        if span.span_id == server.span_id {
            continue;
        }
        let mut parent = span.parent_span_id.as_slice();
        let mut steps = 0;
        while parent != server.span_id.as_slice() {
            let Some(up) = by_id.get(parent) else {
                panic!(
                    "{:?} in {}'s trace does not lead to it: parent {} was not received",
                    span.name,
                    server.name,
                    hex(parent)
                );
            };
            parent = up.parent_span_id.as_slice();
            steps += 1;
            assert!(steps < 100, "a cycle of parents in {trace:#?}");
        }
        below.push(*span);
    }
    below
}

/// How long after its request's span a database call's span may end. tracing-opentelemetry
/// ends a span at its last exit, and sqlx's SQLite worker thread enters the span current
/// when each command was sent (the database call's) while it runs that command: its exit
/// comes after it has handed back the result, so it can land after the handler returned
/// and the request's span was last exited (by 0.1 to 8 ms in runs here, on 2 busy cores).
const WORKER_EXIT_SLACK_NANOS: u64 = 500_000_000;

/// Checks the spans below a request's span are database calls made while it ran (started
/// within it, ended by its end give or take the worker's exit); their names.
fn database_calls<'a>(spans: &'a [Received], server: &Span) -> Vec<&'a str> {
    let below = descendants(spans, server);
    for span in &below {
        assert_eq!(span.kind, SpanKind::Client as i32, "{span:#?}");
        assert_eq!(
            text_attribute(span, "db.system.name").as_deref(),
            Some("sqlite"),
            "{span:#?}"
        );
        assert!(
            server.start_time_unix_nano <= span.start_time_unix_nano
                && span.start_time_unix_nano <= span.end_time_unix_nano
                && span.start_time_unix_nano <= server.end_time_unix_nano
                && span.end_time_unix_nano <= server.end_time_unix_nano + WORKER_EXIT_SLACK_NANOS,
            "{} at {}..{} is not within {} at {}..{}",
            span.name,
            span.start_time_unix_nano,
            span.end_time_unix_nano,
            server.name,
            server.start_time_unix_nano,
            server.end_time_unix_nano
        );
    }
    names(below)
}

#[test]
fn database_calls_are_child_spans_of_the_request_span() {
    let collector = Collector::start();
    let app = App::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint.as_str()),
        ("OTEL_SERVICE_NAME", SERVICE),
        // Batches out every 200 ms instead of 5 s.
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
    ]);
    assert!(
        app.startup.iter().any(|line| line == TRACES_LINE),
        "{:#?}",
        app.startup
    );

    let account = json!({ "email": "trace@example.com", "name": "Trace", "password": "plum kettle harbour 91" });
    let (status, body) = app.call(
        "POST",
        "/api/auth/register",
        "traces-register",
        None,
        Some(&account),
    );
    assert_eq!(status, 202, "{body}");
    let login = json!({ "email": "trace@example.com", "password": "plum kettle harbour 91" });
    let (status, session) = app.call(
        "POST",
        "/api/auth/login",
        "traces-login",
        None,
        Some(&login),
    );
    assert_eq!(status, 200, "{session}");
    let token = session["token"].as_str().unwrap().to_string();
    let (status, body) = app.call("GET", "/api/posts", "traces-list", Some(&token), None);
    assert_eq!(status, 200, "{body}");
    let post = json!({ "title": "traced", "content": "a post in a trace", "published": true, "tags": ["otel"] });
    let (status, body) = app.call(
        "POST",
        "/api/posts",
        "traces-create",
        Some(&token),
        Some(&post),
    );
    assert_eq!(status, 201, "{body}");
    let (status, _) = app.call("GET", "/api/no/such/thing", "traces-missing", None, None);
    assert_eq!(status, 404);

    // While the app runs, the batches go out.
    collector.wait_for(&["traces-list", "traces-create", "traces-missing"]);
    app.terminate();
    let spans = collector.spans();
    // The listing: a server span named by method and route, the session's and the
    // listing's queries inside it.
    let list = server_span(&spans, "traces-list");
    assert_eq!(list.name, "GET /api/posts");
    assert_eq!(
        text_attribute(list, "http.route").as_deref(),
        Some("/api/posts")
    );
    assert_eq!(
        text_attribute(list, "http.request.method").as_deref(),
        Some("GET")
    );
    assert_eq!(
        text_attribute(list, "url.path").as_deref(),
        Some("/api/posts")
    );
    assert_eq!(int_attribute(list, "http.response.status_code"), Some(200));
    let calls = database_calls(&spans, list);
    assert!(calls.contains(&"SELECT users"), "{calls:?}");
    assert!(calls.contains(&"SELECT posts"), "{calls:?}");

    let create = server_span(&spans, "traces-create");
    assert_eq!(create.name, "POST /api/posts");
    assert_eq!(
        int_attribute(create, "http.response.status_code"),
        Some(201)
    );
    assert_ne!(create.trace_id, list.trace_id, "a trace per request");
    let calls = database_calls(&spans, create);
    assert!(calls.contains(&"INSERT posts"), "{calls:?}");

    let signed_in = server_span(&spans, "traces-login");
    assert_eq!(signed_in.name, "POST /api/auth/login");
    let calls = database_calls(&spans, signed_in);
    assert!(calls.contains(&"SELECT users"), "{calls:?}");

    // No route: the method alone, the path in `url.path` only, and no database call.
    let missing = server_span(&spans, "traces-missing");
    assert_eq!(missing.name, "GET");
    assert_eq!(text_attribute(missing, "http.route"), None);
    assert_eq!(
        text_attribute(missing, "url.path").as_deref(),
        Some("/api/no/such/thing")
    );
    assert_eq!(
        int_attribute(missing, "http.response.status_code"),
        Some(404)
    );
    assert_eq!(database_calls(&spans, missing), Vec::<&str>::new());

    // Every span is the service's, as OTEL_SERVICE_NAME names it, and every trace starts
    // at a request: no database call outside one, no span whose parent is missing.
    let by_id: HashMap<&[u8], &Span> = spans
        .iter()
        .map(|r| (r.span.span_id.as_slice(), &r.span))
        .collect();
    for r in &spans {
        assert_eq!(r.service.as_deref(), Some(SERVICE), "{:#?}", r.span);
        let mut root = &r.span;
        while !root.parent_span_id.is_empty() {
            root = by_id
                .get(root.parent_span_id.as_slice())
                .unwrap_or_else(|| panic!("the parent of {:#?} was not received", r.span));
        }
        assert_eq!(root.kind, SpanKind::Server as i32, "{root:#?}");
    }
    let register = server_span(&spans, "traces-register");
    assert_eq!(database_calls(&spans, register), ["INSERT users"]);
}

#[test]
fn the_last_spans_go_out_at_sigterm_and_none_without_an_endpoint() {
    let collector = Collector::start();
    let endpoint = collector.endpoint.as_str();
    // A batch every 10 minutes: only the exporter's shutdown at SIGTERM sends this span.
    let app = App::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_SERVICE_NAME", SERVICE),
        ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
    ]);
    assert!(
        app.startup.iter().any(|line| line == TRACES_LINE),
        "{:#?}",
        app.startup
    );
    let (status, body) = app.call("GET", "/api/health", "traces-last", None, None);
    assert_eq!(status, 200, "{body}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(collector.exports(), 0, "an export before the batch was due");
    app.terminate();
    // The process has ended, so its shutdown had the collector's answer: no waiting.
    let spans = collector.spans();
    let health = server_span(&spans, "traces-last");
    assert_eq!(health.name, "GET /api/health");
    assert_eq!(
        int_attribute(health, "http.response.status_code"),
        Some(200)
    );
    // `db::reachable`'s `SELECT 1`.
    assert_eq!(database_calls(&spans, health), ["SELECT"]);
    let exported = collector.exports();

    // No endpoint (none in this process's environment either: `App::start` removes
    // them), or one but `OTEL_SDK_DISABLED=true`: no exporter, no `Traces:` line, and
    // nothing reaches the collector, not even at shutdown.
    let without: [&[(&str, &str)]; 2] = [
        &[("OTEL_SERVICE_NAME", SERVICE)],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_SERVICE_NAME", SERVICE),
            ("OTEL_SDK_DISABLED", "true"),
        ],
    ];
    for settings in without {
        let app = App::start(settings);
        assert!(
            !app.startup.iter().any(|line| line.starts_with("Traces:")),
            "{settings:?}: {:#?}",
            app.startup
        );
        let (status, body) = app.call("GET", "/api/health", "untraced", None, None);
        assert_eq!(status, 200, "{body}");
        app.terminate();
        assert_eq!(collector.exports(), exported, "{settings:?}");
    }
    assert!(
        !collector
            .spans()
            .iter()
            .any(|r| text_attribute(&r.span, "request_id").as_deref() == Some("untraced"))
    );
}
