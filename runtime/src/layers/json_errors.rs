use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::header;
use http_body_util::BodyExt;
use tower::{Layer, Service};

use crate::ApiError;
use crate::error::code;

/// Error responses with a `text/plain` body get above this size kept as they are: they
/// are not the short rejections this layer exists for.
const MAX_TEXT: usize = 16 * 1024;

/// Rewrites plain-text error responses (status 400 and up) into the JSON error shape, with
/// the status's code from [`code::for_status`], so a client sees one format even from
/// axum's own extractors. JSON and other bodies pass
/// untouched, and successful responses are never looked at beyond their status.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonErrorsLayer;

impl<S> Layer<S> for JsonErrorsLayer {
    type Service = JsonErrors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JsonErrors {
            inner,
            cache: None,
            #[cfg(feature = "metrics")]
            metrics: crate::metrics::EndpointMetrics::if_enabled(),
        }
    }
}

/// [`JsonErrorsLayer`] that also gives each request a cache scope with `cache` (unless one
/// is outside): what `finish` puts on a generated router, so that `REVALIDATE` and
/// `revalidate_tag` work in every app without a layer of their own (one cost about 300 ns
/// a request in bench-routing).
#[derive(Debug, Clone)]
pub(crate) struct JsonErrorsWithCacheLayer {
    pub(crate) cache: crate::cache::Cache,
}

impl<S> Layer<S> for JsonErrorsWithCacheLayer {
    type Service = JsonErrors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JsonErrors {
            cache: Some(self.cache.clone()),
            ..JsonErrorsLayer.layer(inner)
        }
    }
}

/// Also measures the requests of the route it wraps, by its pattern, once
/// `fsroute::metrics::Prometheus` is installed (feature `metrics`): `finish` puts it on
/// every route, so measuring adds no layer of its own.
#[derive(Debug, Clone)]
pub struct JsonErrors<S> {
    inner: S,
    /// The router's own cache, for requests no outer cache layer scoped.
    cache: Option<crate::cache::Cache>,
    #[cfg(feature = "metrics")]
    metrics: Option<crate::metrics::EndpointMetrics>,
}

#[cfg(feature = "metrics")]
type Measured<F> = crate::metrics::MeasuredFuture<F>;
#[cfg(not(feature = "metrics"))]
type Measured<F> = F;

impl<S> Service<Request> for JsonErrors<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Measured<JsonErrorsFuture<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        #[cfg(feature = "metrics")]
        let measuring = self.metrics.as_ref().map(|m| m.start(&request));
        let inner = self.inner.call(request);
        let future = match &self.cache {
            None => JsonErrorsFuture::Inner { future: inner },
            Some(cache) => match crate::cache::scoped(cache, inner) {
                Ok(future) => JsonErrorsFuture::Scoped { future },
                Err(future) => JsonErrorsFuture::Inner { future },
            },
        };
        #[cfg(feature = "metrics")]
        return crate::metrics::measured(future, measuring);
        #[cfg(not(feature = "metrics"))]
        future
    }
}

type Rewrite = Pin<Box<dyn Future<Output = Response> + Send>>;
type Invalidating = Pin<Box<dyn Future<Output = ()> + Send>>;

pin_project_lite::pin_project! {
    /// The route's future; only a plain-text error response takes the (boxed) detour
    /// through reading its body, and only a handler that invalidated cached responses
    /// the (boxed) one through the cache.
    #[project = Projection]
    pub enum JsonErrorsFuture<F> {
        Inner { #[pin] future: F },
        /// The handler, in the request's cache scope.
        Scoped { #[pin] future: crate::cache::Scoped<F> },
        /// What the handler asked to invalidate, done before its response leaves.
        Invalidating { invalidating: Invalidating, response: Option<Response> },
        Rewriting { rewrite: Rewrite },
    }
}

impl<F> Future for JsonErrorsFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let response = match self.as_mut().project() {
                Projection::Inner { future } => {
                    let Ok(response) = std::task::ready!(future.poll(cx));
                    response
                }
                Projection::Scoped { mut future } => {
                    let Ok(response) = std::task::ready!(future.as_mut().poll(cx));
                    let asked = future
                        .take_value()
                        .and_then(|scope| scope.into_invalidations());
                    match asked {
                        None => response,
                        Some((cache, tags)) => {
                            let invalidating: Invalidating =
                                Box::pin(crate::cache::apply(cache, tags));
                            self.set(JsonErrorsFuture::Invalidating {
                                invalidating,
                                response: Some(response),
                            });
                            continue;
                        }
                    }
                }
                Projection::Invalidating {
                    invalidating,
                    response,
                } => {
                    std::task::ready!(invalidating.as_mut().poll(cx));
                    response.take().expect("polled after it finished")
                }
                Projection::Rewriting { rewrite } => {
                    return rewrite.as_mut().poll(cx).map(Ok);
                }
            };
            if !is_plain_text_error(&response) {
                return Poll::Ready(Ok(response));
            }
            let rewrite: Rewrite = Box::pin(to_json(response));
            self.set(JsonErrorsFuture::Rewriting { rewrite });
        }
    }
}

fn is_plain_text_error(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().starts_with("text/plain"))
}

async fn to_json(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let status = parts.status;
    let text = match http_body_util::Limited::new(body, MAX_TEXT).collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let error = if status.is_server_error() {
        // Server-side text may hold internals: log it, send the generic message.
        ApiError::new(status, code::for_status(status), "Internal server error")
            .with_cause(std::io::Error::other(text))
    } else {
        let message = if text.trim().is_empty() {
            status.canonical_reason().unwrap_or("Error").to_string()
        } else {
            text.trim().to_string()
        };
        ApiError::new(status, code::for_status(status), message)
    };
    let json = error.into_response();
    // Keep the original headers that still apply (Allow, Retry-After, …).
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let (json_parts, json_body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, json_body)
}
