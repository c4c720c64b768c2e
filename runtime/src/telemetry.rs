//! Traces over OTLP (feature `otel`): each request one span, named by method and route,
//! exported to an OpenTelemetry collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and
//! nothing at all when it is not.
//!
//! The span is the `request` span that [`AppLayers`](crate::layers::AppLayers) makes for
//! every request (the one whose fields every log line of the request carries). With the
//! layer from [`otlp_layer_from_env`] in the app's subscriber, it is exported as
//! OpenTelemetry's HTTP semantic conventions describe a server span:
//!
//! | | |
//! | --- | --- |
//! | name | `GET /api/users/{id}`: method and route pattern; just `GET` when no route matched, so unknown URLs cannot make names unbounded |
//! | kind | `SERVER` |
//! | `http.request.method` | `GET`, …, or `_OTHER` with `http.request.method_original` |
//! | `http.route` | the pattern of the route that answered, never the raw path |
//! | `url.path` | the path as the client sent it |
//! | `http.response.status_code` | the status of the response |
//! | `request_id` | the request's `x-request-id`, as in the log lines |
//! | status | `Error` for a 5xx, else unset |
//!
//! A request with a W3C `traceparent` header is a child of the caller's span, in the
//! caller's trace.
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt;
//! use tracing_subscriber::util::SubscriberInitExt;
//!
//! // `None` when OTEL_EXPORTER_OTLP_ENDPOINT is unset: no layer, no exporter.
//! let (otel, telemetry) = fsroute::telemetry::otlp_layer_from_env("my-api")
//!     .expect("the OTLP exporter's settings")
//!     .unzip();
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::EnvFilter::new("info"))
//!     .with(tracing_subscriber::fmt::layer())
//!     .with(otel)
//!     .init();
//! // … serve until shutdown, then send the last spans:
//! if let Some(telemetry) = telemetry {
//!     let _ = telemetry.shutdown();
//! }
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

use http::HeaderMap;
use opentelemetry::trace::{Status, TraceContextExt, TracerProvider as _};
use opentelemetry::{Key, global};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::resource::{EnvResourceDetector, Resource, ResourceDetector};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::{Span, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// The variables that turn export on: the standard ones, for all signals or for traces.
pub const ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether a layer was made, so the request span should carry what only OpenTelemetry
/// reads (its kind, its name, the caller's trace). Without one, requests pay nothing.
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// The OTLP layer for a `tracing_subscriber` registry, when the environment asks for
/// export: `Ok(None)` when neither `OTEL_EXPORTER_OTLP_ENDPOINT` nor
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (or set but empty), and also when
/// `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
///
/// Otherwise spans go over OTLP/HTTP with protobuf to `$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`
/// (or to `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is), through a batch processor on
/// a thread of its own. The OpenTelemetry SDK reads the rest of the standard variables:
/// `OTEL_EXPORTER_OTLP_HEADERS` (`…_TRACES_HEADERS`), `…_TIMEOUT`, `OTEL_SERVICE_NAME`
/// and `OTEL_RESOURCE_ATTRIBUTES` (either overrides `default_service_name`),
/// `OTEL_TRACES_SAMPLER` (`…_ARG`), and `OTEL_BSP_*` for the batches. The W3C trace-context
/// propagator becomes the process's (`opentelemetry::global`), so an incoming
/// `traceparent` continues the caller's trace.
///
/// Keep the [`TelemetryGuard`] until the server has stopped, then call
/// [`shutdown`](TelemetryGuard::shutdown) (dropping it does the same) so the spans of the
/// last requests are sent.
///
/// # Errors
///
/// When the exporter cannot be built from the variables (an endpoint that is not a URL,
/// a compression this build lacks); the message says which.
pub fn otlp_layer_from_env<S>(
    default_service_name: &str,
) -> Result<Option<(impl Layer<S>, TelemetryGuard)>, String>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    if !export_requested(|name| std::env::var(name).ok()) {
        return Ok(None);
    }
    build(default_service_name, None).map(Some)
}

/// [`otlp_layer_from_env`] with the endpoint given here instead of read from
/// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL (`http://127.0.0.1:4318`), to
/// which `/v1/traces` is added. The other variables are read as there.
///
/// # Errors
///
/// As [`otlp_layer_from_env`].
pub fn otlp_layer<S>(
    default_service_name: &str,
    endpoint: &str,
) -> Result<(impl Layer<S>, TelemetryGuard), String>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let traces = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    build(default_service_name, Some(traces))
}

/// Whether the variables (read through `var`) ask for export.
fn export_requested(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| var(name).is_some_and(|value| !value.trim().is_empty());
    let disabled = var("OTEL_SDK_DISABLED").is_some_and(|value| value.trim() == "true");
    let no_exporter = var("OTEL_TRACES_EXPORTER").is_some_and(|value| value.trim() == "none");
    ENDPOINT_VARIABLES.iter().any(|name| set(name)) && !disabled && !no_exporter
}

fn build<S>(
    default_service_name: &str,
    traces_endpoint: Option<String>,
) -> Result<(impl Layer<S>, TelemetryGuard), String>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    use opentelemetry_otlp::WithExportConfig;

    let mut exporter = opentelemetry_otlp::SpanExporter::builder().with_http();
    if let Some(endpoint) = traces_endpoint {
        exporter = exporter.with_endpoint(endpoint);
    }
    let exporter = exporter
        .build()
        .map_err(|error| format!("the OTLP span exporter: {error}"))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource(default_service_name))
        .build();
    let tracer = provider.tracer("fsroute");
    global::set_text_map_propagator(TraceContextPropagator::new());
    ENABLED.store(true, Ordering::Release);
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // Which worker thread made a span says nothing in an async server.
        .with_threads(false);
    Ok((
        layer,
        TelemetryGuard {
            provider: Some(provider),
        },
    ))
}

/// The SDK's resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, the SDK's own
/// attributes), with `default_service_name` as `service.name` when neither variable
/// names the service (the SDK would say `unknown_service:<executable>`).
fn resource(default_service_name: &str) -> Resource {
    let named_by_env = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|name| !name.is_empty())
        || EnvResourceDetector::new()
            .detect()
            .get(&Key::from_static_str("service.name"))
            .is_some();
    let builder = Resource::builder();
    if named_by_env {
        builder.build()
    } else {
        builder
            .with_service_name(default_service_name.to_string())
            .build()
    }
}

/// Holds the exporter: [`shutdown`](TelemetryGuard::shutdown) (or dropping it) sends the
/// spans still waiting in the batch and stops the exporter's thread. The app's `main`
/// keeps it until the server has stopped.
#[must_use = "dropping the guard stops the exporter: keep it until the server has stopped"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Sends every span ended so far, and waits for the collector's answer (5 s at most).
    /// It blocks the calling thread: from async code, call it inside
    /// `tokio::task::spawn_blocking`.
    ///
    /// # Errors
    ///
    /// When the export failed (the collector refused it or could not be reached) or did
    /// not finish in time.
    pub fn flush(&self) -> Result<(), String> {
        match &self.provider {
            Some(provider) => flush(provider),
            None => Ok(()),
        }
    }

    /// Sends the spans still waiting, then stops the exporter's thread; spans that end
    /// afterwards are dropped. Blocks as [`flush`](TelemetryGuard::flush) does.
    ///
    /// # Errors
    ///
    /// When that last export failed, or the exporter did not stop in time (5 s).
    pub fn shutdown(mut self) -> Result<(), String> {
        match self.provider.take() {
            Some(provider) => stop(&provider),
            None => Ok(()),
        }
    }
}

fn flush(provider: &SdkTracerProvider) -> Result<(), String> {
    provider
        .force_flush()
        .map_err(|error| format!("sending spans: {error}"))
}

/// Flushes first: the SDK's shutdown logs a failed last export but reports success.
fn stop(provider: &SdkTracerProvider) -> Result<(), String> {
    let flushed = flush(provider);
    let stopped = provider
        .shutdown()
        .map_err(|error| format!("stopping the span exporter: {error}"));
    flushed.and(stopped)
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = stop(&provider);
        }
    }
}

impl std::fmt::Debug for TelemetryGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryGuard")
            .field("running", &self.provider.is_some())
            .finish()
    }
}

/// The span's name by OpenTelemetry's rule: `{method} {route}`, or the method alone when
/// no route matched; `HTTP` for a method outside the standard list.
pub(crate) fn span_name(method: &str, route: Option<&str>) -> String {
    let method = if method == "_OTHER" { "HTTP" } else { method };
    match route {
        Some(route) => format!("{method} {route}"),
        None => method.to_string(),
    }
}

/// Makes a new request span the server span OpenTelemetry expects: a child of the
/// caller's trace when `headers` carry one (through the process's propagator, W3C
/// trace-context unless the app set another), kind `SERVER`, named by method and route.
/// Before anything else starts the OpenTelemetry span, since the parent and kind are
/// fixed once it has started.
pub(crate) fn start_server_span(
    span: &Span,
    headers: &HeaderMap,
    method: &str,
    route: Option<&str>,
) {
    if !enabled() || span.is_disabled() {
        return;
    }
    let parent = global::get_text_map_propagator(|propagator| {
        propagator.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    if parent.span().span_context().is_valid() {
        // An error here means no OpenTelemetry layer sees this span: nothing to do.
        let _ = span.set_parent(parent);
    }
    span.record("otel.kind", tracing::field::display("server"));
    rename(span, method, route);
}

/// The span's name, once the route that answers is known (it may be known only inside a
/// later tier of the router, or after a proxy's rewrite: the span has started by then,
/// so the name is updated on the OpenTelemetry span itself).
pub(crate) fn rename(span: &Span, method: &str, route: Option<&str>) {
    if enabled() {
        span.context().span().update_name(span_name(method, route));
    }
}

/// The response's status on the span, and the span's status `Error` for a 5xx (a 4xx is
/// the client's error, not the server's: OpenTelemetry leaves a server span's status
/// unset for it).
pub(crate) fn record_status(span: &Span, status: u16) {
    if !enabled() || span.is_disabled() {
        return;
    }
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_status(Status::error(""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_is_requested_by_either_endpoint_variable_unless_disabled() {
        let with = |vars: &'static [(&'static str, &'static str)]| {
            export_requested(move |name| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            })
        };
        assert!(!with(&[]));
        assert!(!with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "")]));
        assert!(!with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")]));
        assert!(with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]));
        assert!(with(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://c:4318/v1/traces"
        )]));
        assert!(!with(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_SDK_DISABLED", "true"),
        ]));
        assert!(!with(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]));
        assert!(with(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_SDK_DISABLED", "false"),
        ]));
    }

    #[test]
    fn names_are_method_and_route_or_the_method_alone() {
        assert_eq!(
            span_name("GET", Some("/api/users/{id}")),
            "GET /api/users/{id}"
        );
        assert_eq!(span_name("POST", None), "POST");
        assert_eq!(span_name("_OTHER", Some("/x")), "HTTP /x");
        assert_eq!(span_name("_OTHER", None), "HTTP");
    }
}
