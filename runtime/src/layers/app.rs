use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use http::Method;
use http::header::HeaderName;
use tower::util::MapRequestLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::{Empty, display};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The default request body limit, as axum's: 2 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The layers an app puts around its whole router, on by default and each easy to change:
///
/// - **request IDs**: `x-request-id` taken from the request when it is a plain token (see
///   [`is_plain_request_id`]), else made (a UUID); echoed on the response, and part of
///   every log line of the request;
/// - **tracing**: a `request` span per request (method, path, the route that answered,
///   request ID: every log line of the request carries them) and one log line per
///   response with status and latency; with `fsroute::telemetry` (feature `otel`), the
///   span is exported as OpenTelemetry's HTTP server span;
/// - **CORS**: off (same origin only) until a policy is given;
/// - **compression**: gzip, for clients that accept it;
/// - **body limit**: [`DEFAULT_BODY_LIMIT`] for every route that sets no `BODY_LIMIT`.
///
/// ```
/// use fsroute::layers::AppLayers;
/// use tower_http::cors::CorsLayer;
/// use http::HeaderValue;
///
/// let router: axum::Router = axum::Router::new();
/// let app = AppLayers::new()
///     // A list, so that only a listed origin is echoed back.
///     .cors(CorsLayer::new().allow_origin([HeaderValue::from_static("https://example.com")]))
///     .body_limit(1024 * 1024)
///     .apply(router);
/// ```
#[derive(Debug, Clone)]
pub struct AppLayers {
    request_id: bool,
    trace: bool,
    compression: bool,
    cors: Option<CorsLayer>,
    body_limit: usize,
    cache: Option<crate::cache::Cache>,
}

impl Default for AppLayers {
    fn default() -> Self {
        AppLayers::new()
    }
}

impl AppLayers {
    pub fn new() -> Self {
        AppLayers {
            request_id: true,
            trace: true,
            compression: true,
            cors: None,
            body_limit: DEFAULT_BODY_LIMIT,
            cache: None,
        }
    }

    pub fn request_id(mut self, on: bool) -> Self {
        self.request_id = on;
        self
    }

    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }

    /// The CORS policy, as tower-http's `CorsLayer`. A real preflight (`Origin` and
    /// `Access-Control-Request-Method`) from an allowed origin is answered by it, before
    /// any route middleware runs, with the route's own methods; any other `OPTIONS`
    /// reaches the router (see [`PreflightLayer`](super::PreflightLayer)).
    pub fn cors(mut self, cors: CorsLayer) -> Self {
        self.cors = Some(cors);
        self
    }

    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The app's cache for `REVALIDATE` routes and `fsroute::cache::revalidate_tag`,
    /// instead of the generated router's own in memory: for example
    /// `Cache::redis(redis)`, shared by every replica.
    pub fn cache(mut self, cache: crate::cache::Cache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Wraps the router. On a request they run in the order listed above: request ID,
    /// tracing, CORS, compression, body limit, the cache, then the route.
    pub fn apply(self, router: Router) -> Router {
        // Each `layer` call wraps what is there, so the innermost comes first.
        let mut router = router;
        if let Some(cache) = &self.cache {
            router = router.layer(cache.layer());
        }
        let mut router = router.layer(DefaultBodyLimit::max(self.body_limit));
        if self.compression {
            router = router.layer(CompressionLayer::new());
        }
        if let Some(cors) = self.cors {
            router = router.layer(super::PreflightLayer::new(cors));
        }
        if self.request_id {
            router = router.layer(PropagateRequestIdLayer::x_request_id());
        }
        if self.trace {
            router = router
                .layer(MapRequestLayer::new(note_route_in_span))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(log_response),
                );
        }
        if self.request_id {
            router = router
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(MapRequestLayer::new(drop_unplain_request_id));
        }
        router
    }
}

/// The longest incoming request ID kept.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Whether an incoming `x-request-id` is kept: 1 to [`MAX_REQUEST_ID_LEN`] bytes of ASCII
/// letters, digits and `- _ . : + = /` (UUIDs, hex, base64, the ids proxies make). Anything
/// else — spaces, quotes, commas, non-ASCII, a long string — would let a client write
/// fields of its own into log lines (`id" status=500`), so it is replaced by a new one.
pub fn is_plain_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-_.:+=/".contains(&b))
}

/// Removes every `x-request-id` of the request unless there is one and it is plain, so
/// `SetRequestIdLayer` makes a fresh one instead.
fn drop_unplain_request_id(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let mut ids = headers.get_all(X_REQUEST_ID).iter();
    let keep = match (ids.next(), ids.next()) {
        (Some(id), None) => is_plain_request_id(id.as_bytes()),
        _ => false,
    };
    if !keep {
        headers.remove(X_REQUEST_ID);
    }
    request
}

/// The request's span: every log line inside a request carries its fields.
///
/// The names are OpenTelemetry's HTTP semantic conventions (the same as the metrics'
/// labels), so a log line, a metric and an exported span say the same thing the same way:
/// `http.request.method`, `http.route` (the pattern, never the raw path), `url.path`.
/// The request ID stays `request_id`: the conventions name no request-ID attribute (their
/// spelling for a captured header, `http.request.header.x-request-id`, is a list of
/// strings and would make every log line longer), and it is the field people search logs
/// for. `http.route` is recorded here when the router in reach has matched already;
/// otherwise (a later tier, a router behind a proxy) by [`RecordRoute`] inside, where the
/// route that answers is known. `otel.kind` is recorded only when OpenTelemetry export
/// is on (`fsroute::telemetry`); the span's name and status go to the exported span only,
/// not to the log line.
fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    let method = method_name(request.method());
    let span = tracing::info_span!(
        target: SPAN_TARGET,
        "request",
        http.request.method = %method,
        http.request.method_original = Empty,
        http.route = route.map(display),
        url.path = %request.uri().path(),
        request_id = %request_id,
        otel.kind = Empty,
    );
    if method == OTHER_METHOD {
        span.record(
            "http.request.method_original",
            display(request.method().as_str()),
        );
    }
    #[cfg(feature = "otel")]
    crate::telemetry::start_server_span(&span, request.headers(), method, route);
    span
}

/// The target of the request span: [`RecordRoute`] records only into this span, not into
/// one that an app's middleware made.
const SPAN_TARGET: &str = module_path!();

/// `http.request.method` for a method outside the standard list (OpenTelemetry's rule),
/// with the method itself in `http.request.method_original`.
const OTHER_METHOD: &str = "_OTHER";

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => OTHER_METHOD,
    }
}

fn log_response<B>(response: &http::Response<B>, latency: Duration, _span: &Span) {
    #[cfg(feature = "otel")]
    crate::telemetry::record_status(_span, response.status().as_u16());
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "response"
    );
}

/// The route that [`request_span`] recorded, when the router in reach had matched one.
#[derive(Clone)]
struct RouteInSpan(MatchedPath);

/// Notes which route the request span has (it saw the same extensions), so that
/// [`RecordRoute`] does not record it a second time.
fn note_route_in_span(mut request: Request) -> Request {
    if let Some(route) = request.extensions().get::<MatchedPath>().cloned() {
        request.extensions_mut().insert(RouteInSpan(route));
    }
    request
}

/// Records the matched route into the request span, from inside a router: added to each
/// tier of a generated router (`Router::route_layer`), where `MatchedPath` is the route
/// that answers. The span was made outside, before routing, where a request for a later
/// tier or one that a proxy passes on had no route yet (or another one).
#[derive(Clone, Copy, Default)]
pub(crate) struct RecordRouteLayer;

impl<S> tower::Layer<S> for RecordRouteLayer {
    type Service = RecordRoute<S>;

    fn layer(&self, inner: S) -> RecordRoute<S> {
        RecordRoute { inner }
    }
}

#[derive(Clone)]
pub(crate) struct RecordRoute<S> {
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for RecordRoute<S>
where
    S: tower::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> S::Future {
        record_route(&request);
        self.inner.call(request)
    }
}

/// Records the request's matched route into the request span when the span does not have
/// it yet (see [`RecordRoute`]).
pub(crate) fn record_route<B>(request: &http::Request<B>) {
    let extensions = request.extensions();
    let Some(route) = extensions.get::<MatchedPath>() else {
        return;
    };
    if extensions
        .get::<RouteInSpan>()
        .is_some_and(|noted| noted.0.as_str() == route.as_str())
    {
        return;
    }
    let span = Span::current();
    let ours = span
        .metadata()
        .is_some_and(|metadata| metadata.target() == SPAN_TARGET && metadata.name() == "request");
    if !ours {
        return;
    }
    span.record("http.route", display(route.as_str()));
    #[cfg(feature = "otel")]
    crate::telemetry::rename(&span, method_name(request.method()), Some(route.as_str()));
}
