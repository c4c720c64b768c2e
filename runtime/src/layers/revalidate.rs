use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::BodyExt;
use tokio::time::Instant;
use tower::{Layer, Service};

/// Distinct URLs one route keeps at most; past it, expired entries are dropped, and if
/// none are, new URLs are served without being cached.
const MAX_ENTRIES: usize = 10_000;

/// The response header that says whether the cache answered: `HIT` or `MISS`.
pub const CACHE_HEADER: &str = "x-fsroute-cache";

/// A route's `REVALIDATE`: `GET` responses are cached in this process for `ttl`, per full
/// URL (path and query) — Next.js's cached GET route handler.
///
/// - Only `200` responses are cached; anything else is sent and forgotten.
/// - Concurrent requests for a URL that is not cached run the handler once; the others
///   wait for its response.
/// - Requests that carry `Authorization` or `Cookie` bypass the cache, as Next.js opts out
///   of caching when a handler reads them: a response for one user must not reach another.
/// - Responses carry `Cache-Control: public, max-age=<seconds left>` and
///   `x-fsroute-cache: HIT` or `MISS`.
///
/// Time is tokio's clock, so tests can move it with `tokio::time::advance`.
#[derive(Debug, Clone)]
pub struct Revalidate {
    ttl: Duration,
    tags: &'static [&'static str],
    cache: Arc<Mutex<HashMap<String, Slot>>>,
}

/// One URL's entry. Its async lock is held while the handler runs, so concurrent misses
/// wait for one response instead of each running the handler.
type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

#[derive(Debug, Clone)]
struct Cached {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    expires: Instant,
}

impl Revalidate {
    pub fn new(ttl: Duration) -> Self {
        Revalidate {
            ttl,
            tags: &[],
            cache: Arc::default(),
        }
    }

    /// Tags every response of the route carries (a route file's `pub const TAGS`), for
    /// `fsroute::cache::revalidate_tag`.
    pub fn tags(mut self, tags: &'static [&'static str]) -> Self {
        self.tags = tags;
        self
    }

    /// From a route file's `pub const REVALIDATE: u64` (seconds).
    pub fn seconds(seconds: u64) -> Self {
        Revalidate::new(Duration::from_secs(seconds))
    }

    /// The slot for one URL; `None` when the cache is full of live entries.
    fn slot(&self, key: &str) -> Option<Slot> {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(slot) = cache.get(key) {
            return Some(slot.clone());
        }
        if cache.len() >= MAX_ENTRIES {
            let now = Instant::now();
            // A slot in use (locked) is kept; an expired or empty one can go.
            cache.retain(|_, slot| match slot.try_lock() {
                Ok(entry) => entry.as_ref().is_some_and(|cached| cached.expires > now),
                Err(_) => true,
            });
            if cache.len() >= MAX_ENTRIES {
                return None;
            }
        }
        let slot = Arc::new(tokio::sync::Mutex::new(None));
        cache.insert(key.to_string(), slot.clone());
        Some(slot)
    }
}

impl<S> Layer<S> for Revalidate {
    type Service = RevalidateService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RevalidateService {
            inner,
            config: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RevalidateService<S> {
    inner: S,
    config: Revalidate,
}

/// Whether a GET may be answered from the cache: not when it carries credentials.
fn cacheable(request: &Request) -> bool {
    !request.headers().contains_key(header::AUTHORIZATION)
        && !request.headers().contains_key(header::COOKIE)
}

/// Counts what the cache did under the route's pattern (feature `metrics`).
#[derive(Clone)]
struct Outcome {
    #[cfg(feature = "metrics")]
    route: Option<axum::extract::MatchedPath>,
}

impl Outcome {
    fn of(_request: &Request) -> Outcome {
        Outcome {
            #[cfg(feature = "metrics")]
            route: crate::metrics::enabled()
                .then(|| _request.extensions().get::<axum::extract::MatchedPath>())
                .flatten()
                .cloned(),
        }
    }

    fn record(&self, _cache: &'static str) {
        #[cfg(feature = "metrics")]
        crate::metrics::record_revalidate(self.route.as_ref(), _cache);
    }
}

impl<S> Service<Request> for RevalidateService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone is the one to call later; `self.inner` was made ready for this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if request.method() != Method::GET {
            return Box::pin(inner.call(request));
        }
        let outcome = Outcome::of(&request);
        if !cacheable(&request) {
            outcome.record("bypass");
            return Box::pin(inner.call(request));
        }
        let key = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_default();
        let config = self.config.clone();
        Box::pin(async move {
            let Some(slot) = config.slot(&key) else {
                outcome.record("bypass");
                return inner.call(request).await;
            };
            // Held while the handler runs: a burst of misses for one URL waits here and
            // then finds the fresh entry.
            let mut entry = slot.lock().await;
            let now = Instant::now();
            if let Some(cached) = entry.as_ref().filter(|cached| cached.expires > now) {
                outcome.record("hit");
                return Ok(respond(cached, now, "HIT"));
            }
            outcome.record("miss");
            let response = inner.call(request).await?;
            if response.status() != StatusCode::OK {
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            let body = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(error) => {
                    tracing::error!(%error, "a cached route's response body failed");
                    return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
                }
            };
            let cached = Cached {
                status: parts.status,
                headers: parts.headers,
                body,
                expires: now + config.ttl,
            };
            let response = respond(&cached, now, "MISS");
            *entry = Some(cached);
            Ok(response)
        })
    }
}

fn respond(cached: &Cached, now: Instant, outcome: &'static str) -> Response {
    let mut response = Response::new(Body::from(cached.body.clone()));
    *response.status_mut() = cached.status;
    *response.headers_mut() = cached.headers.clone();
    let left = cached.expires.saturating_duration_since(now).as_secs();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("public, max-age={left}"))
            .expect("digits are a valid header"),
    );
    headers.insert(CACHE_HEADER, HeaderValue::from_static(outcome));
    response
}
