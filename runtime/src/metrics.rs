//! Error rate and latency by route, for Prometheus (feature `metrics`).
//!
//! The label is the route's pattern (`/api/users/{id}`), which the generated router knows,
//! never the raw path: a request that matched no route is counted under
//! [`UNMATCHED`], so random URLs cannot grow the number of series. Names follow
//! OpenTelemetry's HTTP semantic conventions, as Prometheus spells them:
//!
//! | metric | kind | labels |
//! | --- | --- | --- |
//! | `http_server_request_duration_seconds` (`http.server.request.duration`) | histogram | `http_route`, `http_request_method`, `http_response_status_code` |
//! | `http_server_active_requests` (`http.server.active_requests`) | gauge | `http_route`, `http_request_method` |
//! | `fsroute_revalidate_requests_total` | counter | `http_route`, `cache` (`hit`, `miss`, `bypass`) |
//! | `process_resident_memory_bytes`, `process_open_fds`, `process_cpu_seconds_total`, … | gauges, counter | — |
//!
//! Call [`Prometheus::install`] once, before building the router: generated routers (and
//! [`finish`](crate::routing::finish)) measure their routes only when it was called, so
//! an app without metrics pays nothing. Serve the text where Prometheus scrapes with a
//! [`MetricsEndpoint`]: on the app's own router ([`MetricsEndpoint::mount`]), or on a port of
//! its own ([`MetricsEndpoint::router`]), optionally behind a bearer token.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http::{HeaderValue, Method, StatusCode, header};
use metrics::{Gauge, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;
use tower::{Layer, Service};

use crate::ApiError;

/// `http.server.request.duration`, in seconds.
pub const REQUEST_DURATION: &str = "http_server_request_duration_seconds";
/// `http.server.active_requests`: requests being answered now.
pub const ACTIVE_REQUESTS: &str = "http_server_active_requests";
/// The `http_route` of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";
/// A `REVALIDATE` route's GET requests by what the cache did: `cache` is `hit` (answered
/// from the cache), `miss` (the handler ran) or `bypass` (`Authorization` or `Cookie`, or
/// the cache was full: the handler ran and nothing was stored).
pub const REVALIDATE_REQUESTS: &str = "fsroute_revalidate_requests_total";
/// The `Content-Type` of Prometheus's text exposition format.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The boundaries of `http.server.request.duration`, in seconds: OpenTelemetry's
/// recommended ones (5 ms to 10 s) with three below them, 0.5, 1 and 2.5 ms. A Rust
/// handler often answers in under a millisecond; with 5 ms as the first boundary every such
/// route showed the same p50 of 2.5 ms (the bucket's middle), whatever it really took.
pub const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
    7.5, 10.0,
];

/// How often recorded durations are folded into the histograms' buckets. Until then the
/// recorder keeps each sample, so without this a process that is never scraped would grow
/// by 8 bytes a request (the exporter's HTTP listener runs the same task; we leave it out).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The process's Prometheus recorder.
#[derive(Clone)]
pub struct Prometheus {
    handle: PrometheusHandle,
    process: Arc<metrics_process::Collector>,
}

impl Prometheus {
    /// Installs the recorder for the process, the first time; after that, the same one.
    /// Routers built from then on measure their routes.
    ///
    /// # Errors
    ///
    /// When another `metrics` recorder was installed in the process first.
    pub fn install() -> Result<Prometheus, String> {
        let installed = HANDLE.get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(REQUEST_DURATION.to_string()),
                    DURATION_BUCKETS,
                )
                .map_err(|error| error.to_string())?
                .install_recorder()
                .map_err(|error| format!("cannot install the Prometheus recorder: {error}"))?;
            let upkeep = handle.clone();
            // A thread, not a task: `install` may be called before any runtime exists.
            std::thread::Builder::new()
                .name("fsroute-metrics".to_string())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_INTERVAL);
                        upkeep.run_upkeep();
                    }
                })
                .map_err(|error| format!("cannot start the metrics upkeep thread: {error}"))?;
            Ok(handle)
        });
        let handle = installed.clone()?;
        ENABLED.store(true, Ordering::Release);
        let process = metrics_process::Collector::default();
        process.describe();
        Ok(Prometheus {
            handle,
            process: Arc::new(process),
        })
    }

    /// Everything recorded, in Prometheus's text format, with the process's memory, file
    /// descriptors and CPU time read now.
    pub fn render(&self) -> String {
        self.process.collect();
        self.handle.render()
    }

    /// `GET /metrics` serving [`render`](Self::render), open to anyone until
    /// [`bearer_token`](MetricsEndpoint::bearer_token) is set.
    pub fn endpoint(&self) -> MetricsEndpoint {
        MetricsEndpoint {
            prometheus: self.clone(),
            path: "/metrics".to_string(),
            token: None,
        }
    }
}

/// Where Prometheus scrapes: a `GET` route answering [`Prometheus::render`] as
/// [`TEXT_FORMAT`]. Mount it on the app's router with [`mount`](Self::mount), before the
/// app-wide layers (`AppLayers`: request IDs, compression) so they apply to it too; it is
/// not counted as a route of the app. Or serve [`router`](Self::router) on a port of its
/// own, which only Prometheus reaches.
///
/// ```
/// # async fn run() -> Result<(), String> {
/// let prometheus = fsroute::metrics::Prometheus::install()?;
/// let endpoint = prometheus.endpoint().bearer_token("s3cret-token");
/// let app: axum::Router = endpoint.mount(axum::Router::new());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MetricsEndpoint {
    prometheus: Prometheus,
    path: String,
    token: Option<Arc<[u8]>>,
}

impl MetricsEndpoint {
    /// Where it answers; `/metrics` unless set.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Answer only requests with `Authorization: Bearer <token>`; any other gets a JSON
    /// 401 with `WWW-Authenticate: Bearer`. Prometheus sends it with
    /// `authorization: { credentials: <token> }` in its scrape config.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into().into_bytes().into());
        self
    }

    /// `app` with the endpoint added as a route.
    pub fn mount<S>(&self, app: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let endpoint = self.clone();
        app.route(
            &self.path,
            axum::routing::get(move |request: Request| {
                let endpoint = endpoint.clone();
                async move { endpoint.answer(&request) }
            }),
        )
    }

    /// A router with the endpoint alone (JSON 404 for any other path), to serve on a port
    /// of its own. Not measured itself: scrapes are not the app's traffic.
    pub fn router(&self) -> Router {
        self.mount(Router::new()).fallback(crate::routing::no_route)
    }

    fn answer(&self, request: &Request) -> Response {
        if let Some(token) = &self.token {
            let presented = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
            // In constant time, so response timing tells nothing about the token.
            let allowed = presented.is_some_and(|given| bool::from(given.ct_eq(token)));
            if !allowed {
                return ApiError::unauthorized("the metrics need `Authorization: Bearer <token>`")
                    .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
                    .into_response();
            }
        }
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT))],
            self.prometheus.render(),
        )
            .into_response()
    }
}

/// What the `REVALIDATE` cache did for one request to `route`; nothing unless
/// [`Prometheus::install`] was called.
pub(crate) fn record_revalidate(route: Option<&MatchedPath>, cache: &'static str) {
    if enabled() {
        let route = route.map_or(UNMATCHED, MatchedPath::as_str).to_string();
        metrics::counter!(REVALIDATE_REQUESTS, "http_route" => route, "cache" => cache)
            .increment(1);
    }
}

/// Whether routers should measure their routes: [`Prometheus::install`] was called.
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// Measures each request it wraps under its route's pattern (`MatchedPath`), or under
/// [`UNMATCHED`] for the router's fallback.
#[derive(Clone, Copy)]
pub struct RouteMetricsLayer {
    unmatched: bool,
}

impl RouteMetricsLayer {
    /// For a router's routes (`Router::route_layer`): the label is the matched pattern.
    pub fn routes() -> RouteMetricsLayer {
        RouteMetricsLayer { unmatched: false }
    }

    /// For the fallback: every request is [`UNMATCHED`].
    pub fn unmatched() -> RouteMetricsLayer {
        RouteMetricsLayer { unmatched: true }
    }
}

impl<S> Layer<S> for RouteMetricsLayer {
    type Service = RouteMetrics<S>;

    fn layer(&self, inner: S) -> RouteMetrics<S> {
        RouteMetrics {
            inner,
            unmatched: self.unmatched,
            handles: Arc::default(),
        }
    }
}

#[derive(Clone)]
pub struct RouteMetrics<S> {
    inner: S,
    unmatched: bool,
    handles: Arc<RouteHandles>,
}

/// The metric handles of one layered service, made on its first request and reused.
///
/// `route_layer` layers each route's handlers one by one, so one service sees one route
/// pattern; its handles are found by the method's index, with no lookup of the labels in
/// the recorder's registry and nothing allocated per request (bench/http measured that
/// lookup and its allocations at a fifth of a small request's time).
#[derive(Default)]
struct RouteHandles {
    route: OnceLock<Box<str>>,
    methods: [OnceLock<Arc<MethodHandles>>; METHOD_LABELS.len()],
}

/// One route and method: the active gauge, and a histogram for each status seen so far.
struct MethodHandles {
    route: Box<str>,
    method: &'static str,
    active: Gauge,
    durations: RwLock<Vec<(u16, Histogram)>>,
}

impl MethodHandles {
    fn new(route: &str, method: &'static str) -> MethodHandles {
        let active = metrics::gauge!(
            ACTIVE_REQUESTS,
            "http_route" => route.to_string(),
            "http_request_method" => method,
        );
        MethodHandles {
            route: route.into(),
            method,
            active,
            durations: RwLock::default(),
        }
    }

    fn record(&self, status: u16, seconds: f64) {
        {
            let durations = self.durations.read().unwrap_or_else(|p| p.into_inner());
            if let Some((_, histogram)) = durations.iter().find(|(seen, _)| *seen == status) {
                histogram.record(seconds);
                return;
            }
        }
        let histogram = metrics::histogram!(
            REQUEST_DURATION,
            "http_route" => self.route.to_string(),
            "http_request_method" => self.method,
            "http_response_status_code" => status.to_string(),
        );
        histogram.record(seconds);
        let mut durations = self.durations.write().unwrap_or_else(|p| p.into_inner());
        if !durations.iter().any(|(seen, _)| *seen == status) {
            durations.push((status, histogram));
        }
    }
}

impl RouteHandles {
    fn for_request(&self, route: &str, method: &Method) -> Arc<MethodHandles> {
        let (index, label) = method_label(method);
        let own_route = self.route.get_or_init(|| route.into());
        if **own_route != *route {
            // Not expected from `route_layer`; counted correctly, just without the cache.
            return Arc::new(MethodHandles::new(route, label));
        }
        self.methods[index]
            .get_or_init(|| Arc::new(MethodHandles::new(route, label)))
            .clone()
    }
}

impl<S> Service<Request> for RouteMetrics<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = MeasuredFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // In place of `RecordRouteLayer`, which the router then leaves out: one layer.
        if !self.unmatched {
            crate::layers::record_route(&request);
        }
        let route = match request.extensions().get::<MatchedPath>() {
            Some(matched) if !self.unmatched => matched.as_str(),
            _ => UNMATCHED,
        };
        // Marked as measured: the `JsonErrors` outside then does not count it again.
        let measuring = Measuring::routed(self.handles.for_request(route, request.method()), true);
        // Called here, not in the future: the service polled ready answers, with no clone.
        let inner = &mut self.inner;
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.call(request))) {
            Ok(future) => measured(future, Some(measuring)),
            Err(panic) => {
                measuring.finish_panicked();
                std::panic::resume_unwind(panic)
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A measured request's response, recorded with its status when it is ready.
    pub struct MeasuredFuture<F> {
        #[pin]
        inner: futures_util::future::CatchUnwind<AssertUnwindSafe<F>>,
        measuring: Option<Measuring>,
    }
}

impl<F, E> Future for MeasuredFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = std::task::ready!(this.inner.poll(cx));
        let measuring = this.measuring.take();
        match outcome {
            Ok(Ok(mut response)) => {
                if let Some(measuring) = measuring {
                    measuring.finish(&mut response);
                }
                Poll::Ready(Ok(response))
            }
            Ok(Err(error)) => Poll::Ready(Err(error)),
            // The panic catcher outside answers 500: count it so, and let it do so.
            Err(panic) => {
                if let Some(measuring) = measuring {
                    measuring.finish_panicked();
                }
                std::panic::resume_unwind(panic)
            }
        }
    }
}

/// Measuring inside [`JsonErrors`](crate::layers::JsonErrors), which `finish` puts on
/// each route of a router's first tier: a request there is measured with no layer of its
/// own (each layer is a boxed service per route, a few hundred nanoseconds a request).
/// Requests that reach a later tier or pass a proxy are measured by [`RouteMetrics`]
/// inside, where their route is known; one that none measured (a proxy answered it
/// before routing) is counted here, as [`UNMATCHED`].
#[derive(Default)]
pub(crate) struct EndpointMetrics {
    handles: Arc<RouteHandles>,
}

impl std::fmt::Debug for EndpointMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointMetrics").finish_non_exhaustive()
    }
}

impl Clone for EndpointMetrics {
    fn clone(&self) -> Self {
        EndpointMetrics {
            handles: Arc::clone(&self.handles),
        }
    }
}

impl EndpointMetrics {
    /// For a service being made now: measuring when the recorder is installed.
    pub(crate) fn if_enabled() -> Option<EndpointMetrics> {
        enabled().then(EndpointMetrics::default)
    }

    /// Starts measuring a request: under its route when it matched one here, else as
    /// [`UNMATCHED`] unless a layer inside measures it.
    pub(crate) fn start(&self, request: &Request) -> Measuring {
        match request.extensions().get::<MatchedPath>() {
            Some(route) => Measuring::routed(
                self.handles.for_request(route.as_str(), request.method()),
                false,
            ),
            None => Measuring::unless_measured_inside(
                self.handles.for_request(UNMATCHED, request.method()),
            ),
        }
    }
}

/// `future`, recorded with its status when it is ready, if `measuring`.
pub(crate) fn measured<F: Future>(future: F, measuring: Option<Measuring>) -> MeasuredFuture<F> {
    MeasuredFuture {
        inner: AssertUnwindSafe(future).catch_unwind(),
        measuring,
    }
}

/// The `http_request_method` labels: the standard methods, then `_OTHER`.
const METHOD_LABELS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "_OTHER",
];

/// A known method as it is; any other as `_OTHER` (OpenTelemetry's rule), so invented
/// methods cannot grow the number of series either. With its index in [`METHOD_LABELS`].
fn method_label(method: &Method) -> (usize, &'static str) {
    let index = match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        Method::CONNECT => 7,
        Method::TRACE => 8,
        _ => 9,
    };
    (index, METHOD_LABELS[index])
}

/// One request being answered: in the active gauge until dropped, its duration recorded
/// when it finishes. A client that goes away before the answer is not counted.
pub(crate) struct Measuring {
    handles: Arc<MethodHandles>,
    started: Instant,
    kind: Kind,
}

enum Kind {
    /// A request of a known route; `mark`: say so on the response, for a layer outside.
    Routed { mark: bool },
    /// Outside routing: counted (not in flight, whose route is not known yet) only if no
    /// layer inside measured it.
    UnlessMeasuredInside,
}

/// On a response whose request a layer inside measured.
#[derive(Clone, Copy)]
struct MeasuredInside;

impl Measuring {
    fn routed(handles: Arc<MethodHandles>, mark: bool) -> Measuring {
        handles.active.increment(1.0);
        Measuring {
            handles,
            started: Instant::now(),
            kind: Kind::Routed { mark },
        }
    }

    fn unless_measured_inside(handles: Arc<MethodHandles>) -> Measuring {
        Measuring {
            handles,
            started: Instant::now(),
            kind: Kind::UnlessMeasuredInside,
        }
    }

    fn finish(self, response: &mut Response) {
        let status = response.status().as_u16();
        match self.kind {
            Kind::Routed { mark } => {
                if mark {
                    response.extensions_mut().insert(MeasuredInside);
                }
            }
            Kind::UnlessMeasuredInside => {
                if response.extensions().get::<MeasuredInside>().is_some() {
                    return;
                }
            }
        }
        self.handles
            .record(status, self.started.elapsed().as_secs_f64());
    }

    /// The 500 that the panic catcher outside will answer. Outside routing nothing is
    /// known of who panicked, or whether a layer inside counted it: nothing is recorded.
    fn finish_panicked(self) {
        if let Kind::Routed { .. } = self.kind {
            self.handles
                .record(500, self.started.elapsed().as_secs_f64());
        }
    }
}

impl Drop for Measuring {
    fn drop(&mut self) {
        if let Kind::Routed { .. } = self.kind {
            self.handles.active.decrement(1.0);
        }
    }
}
