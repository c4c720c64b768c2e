//! `fsroute::telemetry` (feature `otel`): request spans exported over OTLP/HTTP to a
//! collector stand-in that runs in this test (an axum server on 127.0.0.1 that decodes
//! what it receives with `opentelemetry-proto`'s messages; no collector binary can be
//! installed here), from an app served over a real socket and asked by real requests.
//! The subscriber is the process's, so these tests have a binary of their own.
#![cfg(feature = "otel")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fsroute::layers::AppLayers;
use fsroute::routing::{Proxy, finish_in_order, finish_with_proxy};
use fsroute::serve::Server;
use fsroute::telemetry::TelemetryGuard;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::{
    Span, span::SpanKind, status::StatusCode as SpanStatus,
};
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing_subscriber::layer::SubscriberExt;

const SERVICE: &str = "otlp-test-api";

/// What the collector stand-in received, one entry per export request.
type Received = Arc<Mutex<Vec<ExportTraceServiceRequest>>>;

/// The collector stand-in: `POST /v1/traces` with `application/x-protobuf`, answered
/// with an empty `ExportTraceServiceResponse`, as a collector does. On a thread and a
/// runtime of its own, so that a test blocking in `flush` cannot stall it.
fn start_collector() -> (SocketAddr, Received) {
    let received = Received::default();
    let stored = Arc::clone(&received);
    let (address_tx, address_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
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
    (address, received)
}

async fn receive(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> Response {
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

struct Telemetry {
    /// The stand-in's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` would be.
    endpoint: String,
    received: Received,
    guard: TelemetryGuard,
}

/// The process's subscriber, once: the OTLP layer pointed at the stand-in (the endpoint
/// given, not read from the environment).
fn telemetry() -> &'static Telemetry {
    static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();
    TELEMETRY.get_or_init(|| {
        let (address, received) = start_collector();
        let endpoint = format!("http://{address}");
        let (layer, guard) = fsroute::telemetry::otlp_layer(SERVICE, &endpoint).unwrap();
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .unwrap();
        Telemetry {
            endpoint,
            received,
            guard,
        }
    })
}

/// Every span received so far, with its resource's `service.name`.
fn received_spans(telemetry: &Telemetry) -> Vec<(Option<String>, Span)> {
    let received = telemetry.received.lock().unwrap();
    let mut spans = Vec::new();
    for request in received.iter() {
        for resource_spans in &request.resource_spans {
            let service = resource_spans.resource.as_ref().and_then(|resource| {
                resource
                    .attributes
                    .iter()
                    .find(|kv| kv.key == "service.name")
                    .and_then(|kv| string(kv.value.as_ref()?.value.as_ref()?))
            });
            for scope_spans in &resource_spans.scope_spans {
                for span in &scope_spans.spans {
                    spans.push((service.clone(), span.clone()));
                }
            }
        }
    }
    spans
}

fn string(value: &Value) -> Option<String> {
    match value {
        Value::StringValue(text) => Some(text.clone()),
        _ => None,
    }
}

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

fn text_attribute(span: &Span, key: &str) -> Option<String> {
    attribute(span, key).and_then(string)
}

fn int_attribute(span: &Span, key: &str) -> Option<i64> {
    match attribute(span, key) {
        Some(Value::IntValue(value)) => Some(*value),
        _ => None,
    }
}

/// Flushes until a span with each of `request_ids` has arrived (a span ends when the
/// server drops the response body, a moment after the client has read it), within 20 s.
async fn spans_for(request_ids: &[&str]) -> Vec<(Option<String>, Span)> {
    let telemetry = telemetry();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        tokio::task::spawn_blocking(|| telemetry.guard.flush())
            .await
            .unwrap()
            .expect("the collector stand-in accepts the export");
        let spans = received_spans(telemetry);
        let arrived = |id: &&str| {
            spans
                .iter()
                .any(|(_, span)| text_attribute(span, "request_id").as_deref() == Some(*id))
        };
        if request_ids.iter().all(arrived) {
            return spans;
        }
        assert!(
            Instant::now() < deadline,
            "no span for some of {request_ids:?} within 20 s; received: {:#?}",
            spans.iter().map(|(_, span)| &span.name).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The one span whose `request_id` is `id`.
fn span_of(spans: &[(Option<String>, Span)], id: &str) -> Span {
    let found: Vec<&Span> = spans
        .iter()
        .map(|(_, span)| span)
        .filter(|span| text_attribute(span, "request_id").as_deref() == Some(id))
        .collect();
    assert_eq!(found.len(), 1, "one span for request {id}: {found:#?}");
    found[0].clone()
}

async fn user() -> &'static str {
    "a user"
}

async fn boom() -> &'static str {
    panic!("a bug")
}

/// Two tiers, as the generator makes for `docs/[id]` beside `docs/[...slug]`.
fn tiers() -> [Router; 2] {
    [
        Router::new()
            .route("/api/users/{id}", get(user))
            .route("/api/boom", get(boom))
            .route("/docs/{id}", get(user)),
        Router::new().route("/docs/{*slug}", get(user)),
    ]
}

/// `/v1/…` is served by `/…`, as a template's `app/proxy.rs` does for API versions.
async fn rewrite(mut request: Request, next: Next) -> Response {
    if let Some(rest) = request.uri().path().strip_prefix("/v1/") {
        *request.uri_mut() = format!("/{rest}").parse().unwrap();
    }
    next.run(request).await
}

/// Serves `router` inside the app-wide layers on 127.0.0.1, for as long as the test runs.
async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = Server::new(listener, AppLayers::new().apply(router))
        .with_graceful_shutdown(std::future::pending());
    tokio::spawn(server.run());
    address
}

/// Sends one request on a fresh connection; the status code of the answer.
async fn send(address: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"))
}

#[tokio::test]
async fn request_spans_reach_the_collector_named_by_method_and_route() {
    telemetry();
    let address = serve(finish_in_order(tiers(), ())).await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{caller_span}-01");
    let with_id = |id| vec![("x-request-id", id)];

    let mut traced = with_id("test-123");
    traced.push(("traceparent", traceparent.as_str()));
    assert_eq!(send(address, "GET", "/api/users/42", &traced).await, 200);
    assert_eq!(
        send(address, "GET", "/api/users/7", &with_id("plain-1")).await,
        200
    );
    assert_eq!(
        send(address, "GET", "/no/such/page-9", &with_id("unknown-1")).await,
        404
    );
    assert_eq!(
        send(address, "GET", "/api/boom", &with_id("boom-1")).await,
        500
    );
    assert_eq!(
        send(address, "GET", "/docs/a/b", &with_id("tier2-1")).await,
        200
    );
    assert_eq!(
        send(address, "PROPFIND", "/api/users/7", &with_id("other-1")).await,
        405
    );

    let spans = spans_for(&[
        "test-123",
        "plain-1",
        "unknown-1",
        "boom-1",
        "tier2-1",
        "other-1",
    ])
    .await;

    // The route's pattern names the span; the attributes are the HTTP conventions'.
    let span = span_of(&spans, "test-123");
    assert_eq!(span.name, "GET /api/users/{id}");
    assert_eq!(span.kind, SpanKind::Server as i32);
    assert_eq!(
        text_attribute(&span, "http.route").as_deref(),
        Some("/api/users/{id}")
    );
    assert_eq!(
        text_attribute(&span, "http.request.method").as_deref(),
        Some("GET")
    );
    assert_eq!(
        text_attribute(&span, "url.path").as_deref(),
        Some("/api/users/42")
    );
    assert_eq!(int_attribute(&span, "http.response.status_code"), Some(200));
    assert_eq!(status(&span), SpanStatus::Unset as i32);
    // The caller's trace, continued: its trace id, the caller's span as parent.
    assert_eq!(hex(&span.trace_id), trace_id);
    assert_eq!(hex(&span.parent_span_id), caller_span);
    assert_ne!(hex(&span.span_id), caller_span);

    // Without a traceparent: a trace of its own, a root span.
    let plain = span_of(&spans, "plain-1");
    assert_eq!(plain.name, "GET /api/users/{id}");
    assert_ne!(hex(&plain.trace_id), trace_id);
    assert!(plain.parent_span_id.is_empty(), "{plain:#?}");

    // No route: the method alone, and the raw path nowhere but url.path.
    let unknown = span_of(&spans, "unknown-1");
    assert_eq!(unknown.name, "GET");
    assert_eq!(text_attribute(&unknown, "http.route"), None);
    assert_eq!(
        text_attribute(&unknown, "url.path").as_deref(),
        Some("/no/such/page-9")
    );
    assert_eq!(
        int_attribute(&unknown, "http.response.status_code"),
        Some(404)
    );
    // A 4xx is the client's error: the server span's status stays unset.
    assert_eq!(status(&unknown), SpanStatus::Unset as i32);

    // A panicking handler's 500 is an error span.
    let boom = span_of(&spans, "boom-1");
    assert_eq!(boom.name, "GET /api/boom");
    assert_eq!(int_attribute(&boom, "http.response.status_code"), Some(500));
    assert_eq!(status(&boom), SpanStatus::Error as i32);

    // A route of the second tier: the span is made before that tier matched.
    let tier2 = span_of(&spans, "tier2-1");
    assert_eq!(tier2.name, "GET /docs/{*slug}");
    assert_eq!(
        text_attribute(&tier2, "http.route").as_deref(),
        Some("/docs/{*slug}")
    );

    // A method outside the standard list: `_OTHER`, the method itself beside it.
    let other = span_of(&spans, "other-1");
    assert_eq!(other.name, "HTTP /api/users/{id}");
    assert_eq!(
        text_attribute(&other, "http.request.method").as_deref(),
        Some("_OTHER")
    );
    assert_eq!(
        text_attribute(&other, "http.request.method_original").as_deref(),
        Some("PROPFIND")
    );

    // The service is named by the app (OTEL_SERVICE_NAME would win).
    let expected_service = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| SERVICE.to_string());
    let (service, _) = spans
        .iter()
        .find(|(_, span)| text_attribute(span, "request_id").as_deref() == Some("test-123"))
        .unwrap();
    assert_eq!(service.as_deref(), Some(expected_service.as_str()));
}

#[tokio::test]
async fn behind_a_proxy_the_span_has_the_route_the_rewritten_request_reached() {
    telemetry();
    let proxy = Proxy::everywhere(axum::middleware::from_fn(rewrite));
    let address = serve(finish_with_proxy(tiers(), proxy, ())).await;

    assert_eq!(
        send(
            address,
            "GET",
            "/v1/api/users/7",
            &[("x-request-id", "proxied-1")]
        )
        .await,
        200
    );
    assert_eq!(
        send(
            address,
            "GET",
            "/v1/docs/x/y",
            &[("x-request-id", "proxied-2")]
        )
        .await,
        200
    );
    assert_eq!(
        send(
            address,
            "GET",
            "/v1/nothing",
            &[("x-request-id", "proxied-3")]
        )
        .await,
        404
    );
    let spans = spans_for(&["proxied-1", "proxied-2", "proxied-3"]).await;

    let first = span_of(&spans, "proxied-1");
    assert_eq!(first.name, "GET /api/users/{id}");
    assert_eq!(
        text_attribute(&first, "http.route").as_deref(),
        Some("/api/users/{id}")
    );
    // The path the client asked for.
    assert_eq!(
        text_attribute(&first, "url.path").as_deref(),
        Some("/v1/api/users/7")
    );
    let second = span_of(&spans, "proxied-2");
    assert_eq!(second.name, "GET /docs/{*slug}");
    let none = span_of(&spans, "proxied-3");
    assert_eq!(none.name, "GET");
    assert_eq!(text_attribute(&none, "http.route"), None);
}

/// The span's status code (`Unset` when it has none).
fn status(span: &Span) -> i32 {
    span.status.as_ref().map_or(0, |status| status.code)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

const CHILD: &str = "FSROUTE_OTLP_TEST_CHILD";

/// This binary again, running only `test` with `CHILD` set to `mode` and no OTLP variable
/// but those given (this process's environment stays as it is: changing it would race the
/// other tests' threads). Panics unless the child ran the test and it passed.
fn run_child(test: &str, mode: &str, vars: &[(&str, &str)]) {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, mode);
    for name in fsroute::telemetry::ENDPOINT_VARIABLES.iter().chain(&[
        "OTEL_SDK_DISABLED",
        "OTEL_TRACES_EXPORTER",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
    ]) {
        child.env_remove(name);
    }
    for (name, value) in vars {
        child.env(name, value);
    }
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{mode} {vars:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A filter that matched nothing would pass too.
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// With no endpoint variable (or an empty one) there is no layer; with one, spans go to
/// `$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`, and `OTEL_SERVICE_NAME` names the service.
#[test]
fn the_environment_turns_export_on_or_leaves_it_off() {
    const TEST: &str = "the_environment_turns_export_on_or_leaves_it_off";
    match std::env::var(CHILD).as_deref() {
        Ok("off") => {
            let made =
                fsroute::telemetry::otlp_layer_from_env::<tracing_subscriber::Registry>(SERVICE)
                    .unwrap();
            assert!(made.is_none(), "a layer with no endpoint set");
            return;
        }
        Ok("on") => {
            let (layer, guard) = fsroute::telemetry::otlp_layer_from_env(SERVICE)
                .unwrap()
                .expect("a layer with OTEL_EXPORTER_OTLP_ENDPOINT set");
            let subscriber = tracing_subscriber::registry().with(layer);
            tracing::subscriber::with_default(subscriber, || {
                tracing::info_span!("from-the-environment", request_id = "env-1").in_scope(|| {});
            });
            guard.shutdown().expect("the spans are sent at shutdown");
            return;
        }
        Ok("unreachable") => {
            let (layer, guard) = fsroute::telemetry::otlp_layer_from_env(SERVICE)
                .unwrap()
                .expect("a layer with OTEL_EXPORTER_OTLP_ENDPOINT set");
            let subscriber = tracing_subscriber::registry().with(layer);
            tracing::subscriber::with_default(subscriber, || {
                tracing::info_span!("lost").in_scope(|| {});
            });
            let error = guard
                .shutdown()
                .expect_err("no collector: the spans were not sent");
            assert!(error.contains("sending spans"), "{error}");
            return;
        }
        _ => {}
    }
    run_child(TEST, "off", &[]);
    // An empty variable is an unset one, as the specification says.
    run_child(TEST, "off", &[("OTEL_EXPORTER_OTLP_ENDPOINT", "")]);
    run_child(
        TEST,
        "off",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
            ("OTEL_SDK_DISABLED", "true"),
        ],
    );

    let telemetry = telemetry();
    let endpoint = telemetry.endpoint.clone();
    run_child(
        TEST,
        "on",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_SERVICE_NAME", "named-by-env"),
        ],
    );
    // Nothing listens there: shutdown says the last spans were lost.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    run_child(
        TEST,
        "unreachable",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", nowhere.as_str()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
        ],
    );

    let spans = received_spans(telemetry);
    let (service, span) = spans
        .iter()
        .find(|(_, span)| text_attribute(span, "request_id").as_deref() == Some("env-1"))
        .expect("the child's span reached the collector");
    assert_eq!(span.name, "from-the-environment");
    assert_eq!(service.as_deref(), Some("named-by-env"));
}
