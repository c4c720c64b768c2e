//! The request's view of the cache: which cache its routes use, the tags its handler adds,
//! and the invalidations it asks for, done before its response leaves.

use std::cell::RefCell;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use tower::{Layer, Service};

use super::{Cache, check_tag, path_tag};

tokio::task_local! {
    static REQUEST: RequestScope;
}

/// What one request's handler says to the cache: the cache its routes use, the tags it
/// adds, the invalidations it asks for. Made by the layer around the routes (the
/// generated router's, or [`CacheLayer`]); nothing to build yourself.
pub struct RequestScope {
    cache: Cache,
    invalidations: RefCell<Vec<String>>,
    added_tags: RefCell<Vec<String>>,
}

impl RequestScope {
    fn new(cache: Cache) -> RequestScope {
        RequestScope {
            cache,
            invalidations: RefCell::default(),
            added_tags: RefCell::default(),
        }
    }

    /// The invalidations asked for, and the cache to apply them to, if any were.
    pub(crate) fn into_invalidations(self) -> Option<(Cache, Vec<String>)> {
        let invalidations = self.invalidations.into_inner();
        (!invalidations.is_empty()).then_some((self.cache, invalidations))
    }
}

/// The future of a request served in a scope of its own, with `cache` as its cache.
pub(crate) type Scoped<F> = tokio::task::futures::TaskLocalFuture<RequestScope, F>;

/// Runs `future` (a request being served) with `cache` as its cache, unless it already
/// runs in a scope (an app-wide [`CacheLayer`] outside): then `Err(future)`, as it was.
pub(crate) fn scoped<F: Future>(cache: &Cache, future: F) -> Result<Scoped<F>, F> {
    if REQUEST.try_with(|_| ()).is_ok() {
        return Err(future);
    }
    Ok(REQUEST.scope(RequestScope::new(cache.clone()), future))
}

/// Applies what a request asked to invalidate: before its response leaves.
pub(crate) async fn apply(cache: Cache, invalidations: Vec<String>) {
    cache.invalidate(invalidations).await;
}

/// Drops every cached response tagged `tag` (a route's `TAGS`, or one added with
/// [`cache_tag`]), on every replica sharing the cache: Next.js's `revalidateTag`, expiring
/// at once. Call it from a handler after the write; it is done before the handler's
/// response leaves, so the client's next `GET` sees the write.
///
/// Outside a request (a spawned task, a background job) it has no request to finish
/// with: it logs an error and does nothing; use [`Cache::revalidate_tags`] there.
pub fn revalidate_tag(tag: impl Into<String>) {
    record(tag.into(), "revalidate_tag");
}

/// Drops every cached response of `path` (`/api/posts`, whatever the query string) —
/// Next.js's `revalidatePath` — before the handler's response leaves. The path is the
/// URL's (`/api/posts/42`), not a pattern with `[id]`.
pub fn revalidate_path(path: &str) {
    record(path_tag(path), "revalidate_path");
}

fn record(tag: String, function: &str) {
    let recorded = REQUEST.try_with(|scope| scope.invalidations.borrow_mut().push(tag.clone()));
    if recorded.is_err() {
        tracing::error!(
            tag,
            "fsroute::cache::{function} was called outside a request handler (in a spawned \
             task?), so nothing was invalidated: call Cache::revalidate_tags there"
        );
    }
}

/// Tags the response this handler is making, when its route caches it (`REVALIDATE`):
/// `cache_tag(format!("post:{id}"))`, then `revalidate_tag("post:42")` elsewhere drops
/// every cached response that showed post 42. Next.js's `cacheTag`. Tags over
/// [`MAX_TAG_LENGTH`](super::MAX_TAG_LENGTH) characters are logged and ignored.
pub fn cache_tag(tag: impl Into<String>) {
    let tag = tag.into();
    if let Err(why) = check_tag(&tag) {
        tracing::error!("fsroute::cache::cache_tag: {why}; ignored");
        return;
    }
    let _ = REQUEST.try_with(|scope| scope.added_tags.borrow_mut().push(tag));
}

/// The cache of the request being served, if a [`CacheLayer`] is around it.
pub(crate) fn scoped_cache() -> Option<Cache> {
    REQUEST.try_with(|scope| scope.cache.clone()).ok()
}

/// The tags the handler added with [`cache_tag`], taken (so each response gets its own).
pub(crate) fn added_tags() -> Vec<String> {
    REQUEST
        .try_with(|scope| std::mem::take(&mut *scope.added_tags.borrow_mut()))
        .unwrap_or_default()
}

/// Makes a [`Cache`] the cache of the routes inside it, and applies the invalidations
/// their handlers ask for before each response leaves. `AppLayers::cache` puts one around
/// the app. Generated routers do the same with a cache of their own in memory (in the
/// JSON error layer they have anyway: a layer of its own cost each request about 300 ns),
/// and step aside when one is outside them.
#[derive(Clone, Debug)]
pub struct CacheLayer {
    cache: Cache,
}

impl CacheLayer {
    pub fn new(cache: Cache) -> CacheLayer {
        CacheLayer { cache }
    }
}

impl<S> Layer<S> for CacheLayer {
    type Service = CacheService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CacheService {
            inner,
            cache: self.cache.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct CacheService<S> {
    inner: S,
    cache: Cache,
}

impl<S> Service<Request> for CacheService<S>
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
        if REQUEST.try_with(|_| ()).is_ok() {
            // An outer layer's cache is the app's.
            return Box::pin(inner.call(request));
        }
        let scope = RequestScope::new(self.cache.clone());
        Box::pin(REQUEST.scope(scope, async move {
            let response = inner.call(request).await;
            let invalidations = REQUEST.with(|scope| scope.invalidations.take());
            if !invalidations.is_empty() {
                let cache = REQUEST.with(|scope| scope.cache.clone());
                cache.invalidate(invalidations).await;
            }
            response
        }))
    }
}
