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
//!
//! Call [`Prometheus::install`] once, before building the router: generated routers (and
//! [`finish`](crate::routing::finish)) measure their routes only when it was called, so
//! an app without metrics pays nothing. Serve [`Prometheus::render`] where Prometheus
//! scrapes (the template: `GET /metrics`).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use futures_util::FutureExt;
use http::Method;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower::{Layer, Service};

/// `http.server.request.duration`, in seconds.
pub const REQUEST_DURATION: &str = "http_server_request_duration_seconds";
/// `http.server.active_requests`: requests being answered now.
pub const ACTIVE_REQUESTS: &str = "http_server_active_requests";
/// The `http_route` of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// OpenTelemetry's recommended boundaries for `http.server.request.duration`, in
/// seconds.
pub const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The process's Prometheus recorder.
#[derive(Clone)]
pub struct Prometheus {
    handle: PrometheusHandle,
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
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(REQUEST_DURATION.to_string()),
                    DURATION_BUCKETS,
                )
                .map_err(|error| error.to_string())?
                .install_recorder()
                .map_err(|error| format!("cannot install the Prometheus recorder: {error}"))
        });
        let handle = installed.clone()?;
        ENABLED.store(true, Ordering::Release);
        Ok(Prometheus { handle })
    }

    /// Everything recorded, in Prometheus's text format.
    pub fn render(&self) -> String {
        self.handle.render()
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
        }
    }
}

#[derive(Clone)]
pub struct RouteMetrics<S> {
    inner: S,
    unmatched: bool,
}

impl<S> Service<Request> for RouteMetrics<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = match request.extensions().get::<MatchedPath>() {
            Some(matched) if !self.unmatched => matched.as_str().to_string(),
            _ => UNMATCHED.to_string(),
        };
        let method = method_label(request.method());
        let measuring = Measuring::start(route, method);
        // The service that was polled ready answers this request; a clone waits for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            match AssertUnwindSafe(inner.call(request)).catch_unwind().await {
                Ok(Ok(response)) => {
                    measuring.finish(response.status().as_u16());
                    Ok(response)
                }
                Ok(Err(error)) => Err(error),
                // The panic catcher outside answers 500: count it so, and let it do so.
                Err(panic) => {
                    measuring.finish(500);
                    std::panic::resume_unwind(panic)
                }
            }
        })
    }
}

/// A known method as it is; any other as `_OTHER` (OpenTelemetry's rule), so invented
/// methods cannot grow the number of series either.
fn method_label(method: &Method) -> &'static str {
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
        _ => "_OTHER",
    }
}

/// One request being answered: in the active gauge until dropped, its duration recorded
/// when it finishes. A client that goes away before the answer is not counted.
struct Measuring {
    route: String,
    method: &'static str,
    started: Instant,
}

impl Measuring {
    fn start(route: String, method: &'static str) -> Measuring {
        metrics::gauge!(ACTIVE_REQUESTS, "http_route" => route.clone(), "http_request_method" => method)
            .increment(1.0);
        Measuring {
            route,
            method,
            started: Instant::now(),
        }
    }

    fn finish(self, status: u16) {
        metrics::histogram!(
            REQUEST_DURATION,
            "http_route" => self.route.clone(),
            "http_request_method" => self.method,
            "http_response_status_code" => status.to_string(),
        )
        .record(self.started.elapsed().as_secs_f64());
    }
}

impl Drop for Measuring {
    fn drop(&mut self) {
        metrics::gauge!(ACTIVE_REQUESTS, "http_route" => self.route.clone(), "http_request_method" => self.method)
            .decrement(1.0);
    }
}
