use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use http::header::HeaderName;
use tower::util::MapRequestLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The default request body limit, as axum's: 2 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The layers an app puts around its whole router, on by default and each easy to change:
///
/// - **request IDs**: `x-request-id` taken from the request when it is a plain token (see
///   [`is_plain_request_id`]), else made (a UUID); echoed on the response, and part of
///   every log line of the request;
/// - **tracing**: one log line per request with method, path, matched route, status and
///   latency;
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

    /// Wraps the router. On a request they run in the order listed above: request ID,
    /// tracing, CORS, compression, body limit, then the route.
    pub fn apply(self, router: Router) -> Router {
        // Each `layer` call wraps what is there, so the innermost comes first.
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
            router = router.layer(
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

/// Every log line inside a request carries these fields.
fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_default();
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
        .to_string();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        route = %route,
        request_id = %request_id,
    )
}

fn log_response<B>(response: &http::Response<B>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "response"
    );
}
