//! The `REVALIDATE` cache, its tags and their invalidation, Next.js style.
//!
//! A route file with `pub const REVALIDATE: u64 = 60;` has its `GET` responses cached per
//! URL for 60 seconds ([`Revalidate`](crate::layers::Revalidate)). Every cached response
//! carries tags: the route's `pub const TAGS: &[&str]`, `path:<its path>`, and any a
//! handler adds with [`cache_tag`]. A handler that changes data drops what showed it:
//!
//! ```ignore
//! pub const REVALIDATE: u64 = 300;          // app/api/feed/route.rs
//! pub const TAGS: &[&str] = &["posts"];
//!
//! pub async fn POST(/* … */) -> ApiResult<Created<Post>> {   // app/api/posts/route.rs
//!     let post = posts::create(&db, new).await?;
//!     fsroute::cache::revalidate_tag("posts");   // done before this response leaves
//!     Ok(Created::at(href, post))
//! }
//! ```
//!
//! Invalidation expires entries at once (Next.js's `revalidateTag(tag, { expire: 0 })`):
//! the client's next `GET` after its own write sees the write, on any replica sharing the
//! cache.
//!
//! Where entries live is the app's [`Cache`]: by default each router keeps its own in
//! memory ([`MemoryCache`]); [`AppLayers::cache`](crate::layers::AppLayers::cache) puts a
//! shared one in front of it, such as [`RedisCache`] (feature `redis`), which every
//! replica reads and invalidates.
//!
//! What is never stored, whatever the store: responses other than `200`, responses that
//! set a cookie (`Set-Cookie`), say `Cache-Control: private` or `no-store`, or vary on
//! everything (`Vary: *`); event streams (`text/event-stream`, whose body never ends);
//! bodies over the cache's [`max_body`](Cache::max_body) (1 MiB by default), which are
//! streamed to the client uncached.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::store::{StoreFuture, StoreHealth};

mod memory;
#[cfg(feature = "redis")]
mod redis;
mod scope;

pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis::RedisCache;
pub use scope::{
    CacheLayer, CacheService, RequestScope, cache_tag, revalidate_path, revalidate_tag,
};
pub(crate) use scope::{Scoped, added_tags, apply, scoped, scoped_cache};

/// The longest tag Next.js accepts, and so this cache.
pub const MAX_TAG_LENGTH: usize = 256;
/// The most tags one entry carries (its path tag included), as in Next.js.
pub const MAX_TAGS: usize = 128;
/// Bodies larger than this are served uncached unless [`Cache::max_body`] says otherwise.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The tag every cached response of `path` carries: what [`revalidate_path`] drops.
pub fn path_tag(path: &str) -> String {
    format!("path:{}", normalize_path(path))
}

/// A path as its tag spells it: percent-escapes decoded (so `/api/users/jos%C3%A9` and
/// `/api/users/josé` are one path), no query, no trailing slash but the root's.
fn normalize_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let trimmed = decoded.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Why a tag is refused, if it is: empty, with a control character (a line break would
/// split it in two in a store), or longer than [`MAX_TAG_LENGTH`].
pub fn check_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err("a cache tag cannot be empty".to_string());
    }
    if tag.chars().any(char::is_control) {
        return Err(format!(
            "the cache tag {tag:?} contains a control character"
        ));
    }
    if tag.chars().count() > MAX_TAG_LENGTH {
        return Err(format!(
            "the cache tag `{}…` is longer than {MAX_TAG_LENGTH} characters",
            tag.chars().take(40).collect::<String>()
        ));
    }
    Ok(())
}

/// A response as the cache keeps it.
#[derive(Debug, Clone)]
pub struct CachedResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Every tag it carries: the route's, its path's, the handler's.
    pub tags: Vec<String>,
}

/// A store's answer to a lookup.
#[derive(Debug)]
pub enum Lookup {
    /// A live entry no invalidation since it was made has dropped.
    Hit {
        response: CachedResponse,
        /// How much longer it lives.
        ttl_left: Duration,
    },
    /// Nothing live: the handler runs, and its response is stored dated `stamp`.
    Miss { stamp: Stamp },
}

/// The store's own time at a lookup. A response is dated with the lookup that missed
/// (before the handler read anything), so an invalidation made while the handler ran
/// still drops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(pub u64);

/// Where cached responses live. The in-process [`MemoryCache`] is the default; a shared
/// store (Redis) lets every replica answer from one cache and see one invalidation.
///
/// A store that fails returns an error: the request is served uncached (`BYPASS`).
pub trait CacheStore: Send + Sync + 'static {
    /// The live entry for `key` (a path and query), unless an invalidation of one of
    /// its tags came after it was made.
    fn lookup<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Lookup>;

    /// Keeps `response` for `ttl`, dated `stamp` (from the lookup that missed).
    fn store<'a>(
        &'a self,
        key: &'a str,
        response: &'a CachedResponse,
        stamp: Stamp,
        ttl: Duration,
    ) -> StoreFuture<'a, ()>;

    /// Drops every entry carrying any of `tags`, made before now. An error means it is
    /// not done yet: a shared store keeps it and retries until it is.
    fn invalidate<'a>(&'a self, tags: &'a [String]) -> StoreFuture<'a, ()>;

    /// Whether it answers, for health checks.
    fn health(&self) -> StoreHealth;
}

/// An app's cache: a store and what may go in it. Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    store: Arc<dyn CacheStore>,
    max_body: usize,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("health", &self.store.health())
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl Cache {
    /// A cache on `store`.
    pub fn new(store: impl CacheStore) -> Cache {
        Cache {
            store: Arc::new(store),
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// In this process only ([`MemoryCache`] with its defaults).
    pub fn memory() -> Cache {
        Cache::new(MemoryCache::default())
    }

    /// Shared by every replica through Redis ([`RedisCache`]).
    #[cfg(feature = "redis")]
    pub fn redis(redis: crate::store::Redis) -> Cache {
        Cache::new(RedisCache::new(redis))
    }

    /// Bodies larger than `bytes` are streamed to the client and not stored (default
    /// [`DEFAULT_MAX_BODY`], 1 MiB).
    pub fn max_body(mut self, bytes: usize) -> Cache {
        self.max_body = bytes;
        self
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.max_body
    }

    pub(crate) fn store(&self) -> &dyn CacheStore {
        &*self.store
    }

    /// Whether the store answers: [`StoreHealth::Local`] in memory, `Shared` or
    /// `Degraded` on Redis.
    pub fn health(&self) -> StoreHealth {
        self.store.health()
    }

    /// The layer that makes this the cache of the routes inside it: their `REVALIDATE`
    /// responses go here, and [`revalidate_tag`] in their handlers drops entries here.
    pub fn layer(&self) -> CacheLayer {
        CacheLayer::new(self.clone())
    }

    /// Drops every entry tagged with any of `tags`, from code outside a request (a
    /// background job); in a handler, [`revalidate_tag`] does it before the response
    /// leaves. A shared store that cannot be reached keeps the invalidation and retries:
    /// this returns once it is done or queued.
    pub async fn revalidate_tags<I, T>(&self, tags: I)
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let tags: Vec<String> = tags.into_iter().map(Into::into).collect();
        self.invalidate(tags).await;
    }

    /// Drops every entry of `path`, whatever its query, from code outside a request.
    pub async fn revalidate_path(&self, path: &str) {
        self.invalidate(vec![path_tag(path)]).await;
    }

    async fn invalidate(&self, mut tags: Vec<String>) {
        tags.sort_unstable();
        tags.dedup();
        tags.retain(|tag| match check_tag(tag) {
            Ok(()) => true,
            Err(why) => {
                tracing::error!("revalidate_tag: {why}; ignored");
                false
            }
        });
        if tags.is_empty() {
            return;
        }
        if let Err(error) = self.store.invalidate(&tags).await {
            tracing::warn!(
                ?tags,
                %error,
                "cache invalidation not applied yet: kept and retried until the store answers"
            );
        }
    }
}
