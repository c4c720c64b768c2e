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
use http::{HeaderValue, Method, StatusCode, header};
use http_body_util::BodyExt;
use tower::{Layer, Service};

use crate::cache::{
    Cache, CacheStore, CachedResponse, Lookup, MAX_TAGS, Stamp, check_tag, path_tag,
};

/// The response header that says what the cache did: `HIT` (answered from the cache),
/// `MISS` (not there: the handler answered, and its response was stored if it may be) or
/// `BYPASS` (the cache was not used: the request carries credentials, or the store is
/// not answering).
pub const CACHE_HEADER: &str = "x-fsroute-cache";

/// A route's `REVALIDATE`: `GET` responses cached for `ttl`, per full URL (path and
/// query) — Next.js's cached GET route handler — in the app's [`Cache`] (the one of the
/// [`CacheLayer`](crate::cache::CacheLayer) around the route; without one, a cache of
/// this layer's own in memory).
///
/// - Only `200` responses are stored, and not those that set a cookie, say
///   `Cache-Control: private` or `no-store`, vary on everything (`Vary: *`), stream
///   events (`text/event-stream`), or have a body over the cache's `max_body`: those are
///   sent as they are.
/// - Concurrent requests for a URL that is not cached run the handler once in this
///   process; the others wait for its response.
/// - Requests that carry `Authorization` or `Cookie` bypass the cache, as Next.js opts out
///   of caching when a handler reads them: a response for one user must not reach another.
/// - Cached responses carry `Cache-Control: public, max-age=<seconds left>`; every
///   response says `x-fsroute-cache: HIT`, `MISS` or `BYPASS`.
/// - Each stored response is tagged with the route's [`tags`](Revalidate::tags),
///   `path:<its path>` and what the handler adds with [`crate::cache::cache_tag`], for
///   [`crate::cache::revalidate_tag`] and [`crate::cache::revalidate_path`].
///
/// Time is the store's clock: tokio's for the memory store, so tests can move it with
/// `tokio::time::advance`.
#[derive(Debug, Clone)]
pub struct Revalidate {
    ttl: Duration,
    tags: &'static [&'static str],
    /// Used when no `CacheLayer` is around the route.
    own: Cache,
    flights: Flights,
}

impl Revalidate {
    pub fn new(ttl: Duration) -> Self {
        Revalidate {
            ttl,
            tags: &[],
            own: Cache::memory(),
            flights: Flights::default(),
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

    /// The tags of a response to `path`: the route's, the path's, the handler's; at most
    /// [`MAX_TAGS`], each checked.
    fn tags_for(&self, path: &str, added: Vec<String>) -> Vec<String> {
        let mut tags: Vec<String> = self.tags.iter().map(|tag| tag.to_string()).collect();
        tags.push(path_tag(path));
        tags.extend(added);
        tags.sort_unstable();
        tags.dedup();
        tags.retain(|tag| check_tag(tag).is_ok());
        if tags.len() > MAX_TAGS {
            tracing::error!(
                count = tags.len(),
                "a cached response has more than {MAX_TAGS} tags; it is not stored"
            );
            tags.clear();
        }
        tags
    }
}

/// The URLs whose handler is running now in this process, each with a lock the requests
/// that missed it wait on: a burst of misses for one URL runs the handler once.
#[derive(Debug, Clone, Default)]
struct Flights(Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

impl Flights {
    fn join(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        flights.entry(key.to_string()).or_default().clone()
    }

    /// Forgets the URL's lock once nobody holds or waits for it.
    fn leave(&self, key: &str, flight: Arc<tokio::sync::Mutex<()>>) {
        let mut flights = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Ours and the map's: nobody else has it.
        if Arc::strong_count(&flight) == 2 {
            flights.remove(key);
        }
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
            return Box::pin(bypass(inner.call(request)));
        }
        let key = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_default();
        let config = self.config.clone();
        Box::pin(async move {
            let cache = crate::cache::scoped_cache().unwrap_or_else(|| config.own.clone());
            let store = cache.store();
            // Hits take no lock.
            match store.lookup(&key).await {
                Ok(Lookup::Hit { response, ttl_left }) => {
                    outcome.record("hit");
                    return Ok(respond(response, ttl_left, "HIT"));
                }
                Ok(Lookup::Miss { .. }) => {}
                Err(error) => {
                    tracing::debug!(%error, "cache lookup failed; served uncached");
                    outcome.record("bypass");
                    return bypass(inner.call(request)).await;
                }
            }
            // Held while the handler runs: a burst of misses for one URL waits here and
            // then finds the fresh entry.
            let flight = config.flights.join(&key);
            let guard = flight.lock().await;
            let answer = async {
                let stamp = match store.lookup(&key).await {
                    Ok(Lookup::Hit { response, ttl_left }) => {
                        outcome.record("hit");
                        return Ok(respond(response, ttl_left, "HIT"));
                    }
                    Ok(Lookup::Miss { stamp }) => stamp,
                    Err(_) => {
                        outcome.record("bypass");
                        return bypass(inner.call(request)).await;
                    }
                };
                outcome.record("miss");
                let path = request.uri().path().to_string();
                let _ = crate::cache::added_tags();
                let response = inner.call(request).await?;
                if let Some(why) = not_storable(&response) {
                    tracing::trace!(why, "response not cached");
                    return Ok(marked(response, "MISS"));
                }
                let (parts, body) = response.into_parts();
                let body = match collect_up_to(body, cache.max_body_bytes()).await {
                    Collected::Whole(body) => body,
                    Collected::TooLarge(body) => {
                        let response = Response::from_parts(parts, body);
                        return Ok(marked(response, "MISS"));
                    }
                    Collected::Failed => {
                        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
                    }
                };
                let tags = config.tags_for(&path, crate::cache::added_tags());
                let cached = CachedResponse {
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    tags,
                };
                if !cached.tags.is_empty() {
                    store_with_retry(store, &key, &cached, stamp, config.ttl).await;
                }
                Ok(respond(cached, config.ttl, "MISS"))
            }
            .await;
            drop(guard);
            config.flights.leave(&key, flight);
            answer
        })
    }
}

/// A response the handler made, with `x-fsroute-cache: BYPASS`.
async fn bypass<F>(response: F) -> Result<Response, Infallible>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    Ok(marked(response.await?, "BYPASS"))
}

fn marked(mut response: Response, outcome: &'static str) -> Response {
    response
        .headers_mut()
        .insert(CACHE_HEADER, HeaderValue::from_static(outcome));
    response
}

/// Why a response must not be stored, if it must not: it is for one client, asks not to
/// be, or never ends.
fn not_storable(response: &Response) -> Option<&'static str> {
    if response.status() != StatusCode::OK {
        return Some("not a 200");
    }
    let headers = response.headers();
    if headers.contains_key(header::SET_COOKIE) {
        return Some("it sets a cookie");
    }
    let directives = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|directive| directive.trim().split('=').next().unwrap_or_default());
    for directive in directives {
        if directive.eq_ignore_ascii_case("private") || directive.eq_ignore_ascii_case("no-store") {
            return Some("Cache-Control says private or no-store");
        }
    }
    let vary_all = headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|field| field.trim() == "*");
    if vary_all {
        return Some("it varies on everything (Vary: *)");
    }
    let event_stream = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream"));
    if event_stream {
        return Some("it is an event stream, which does not end");
    }
    None
}

enum Collected {
    Whole(Bytes),
    /// Over the limit: what was read, then the rest, streamed.
    TooLarge(Body),
    Failed,
}

/// Reads a body while it stays within `limit` bytes; past it, gives back a body that
/// sends what was read and then the rest, so the client gets all of it uncached.
async fn collect_up_to(mut body: Body, limit: usize) -> Collected {
    if http_body::Body::size_hint(&body).lower() > limit as u64 {
        return Collected::TooLarge(body);
    }
    let mut read: Vec<Bytes> = Vec::new();
    let mut length = 0usize;
    loop {
        match body.frame().await {
            None => break,
            Some(Err(error)) => {
                tracing::error!(%error, "a cached route's response body failed");
                return Collected::Failed;
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => {
                    length += data.len();
                    read.push(data);
                    if length > limit {
                        let head =
                            futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
                        let rest = body.into_data_stream();
                        return Collected::TooLarge(Body::from_stream(
                            futures_util::StreamExt::chain(head, rest),
                        ));
                    }
                }
                // Trailers: nothing the cache keeps; the body ends here for it.
                Err(_) => break,
            },
        }
    }
    let mut whole = bytes::BytesMut::with_capacity(length);
    for part in read {
        whole.extend_from_slice(&part);
    }
    Collected::Whole(whole.freeze())
}

/// Stores a response, trying once more if the store fails; then gives up (the response
/// is still served, and the next request stores it).
async fn store_with_retry(
    store: &dyn CacheStore,
    key: &str,
    cached: &CachedResponse,
    stamp: Stamp,
    ttl: Duration,
) {
    if store.store(key, cached, stamp, ttl).await.is_ok() {
        return;
    }
    if let Err(error) = store.store(key, cached, stamp, ttl).await {
        tracing::warn!(%error, key, "a response could not be cached (tried twice)");
    }
}

fn respond(cached: CachedResponse, ttl_left: Duration, outcome: &'static str) -> Response {
    let mut response = Response::new(Body::from(cached.body));
    *response.status_mut() = cached.status;
    *response.headers_mut() = cached.headers;
    let left = ttl_left.as_secs();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("public, max-age={left}"))
            .expect("digits are a valid header"),
    );
    headers.insert(CACHE_HEADER, HeaderValue::from_static(outcome));
    response
}
