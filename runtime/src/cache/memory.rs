//! The cache in this process: the default, and what each replica keeps without Redis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::{CacheStore, CachedResponse, Lookup, Stamp};
use crate::store::{StoreFuture, StoreHealth};

/// What the in-process cache holds at most, by default: Next.js keeps 50 MB per instance.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Entries at most, by default, however small.
pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

/// Cached responses in this process's memory, bounded by bytes and entries: past the
/// bounds, expired entries are dropped, and if that is not enough, new responses are
/// served without being stored (a full cache never evicts live entries it may be about
/// to serve).
///
/// Time is tokio's clock, so tests can move it with `tokio::time::advance`.
#[derive(Debug)]
pub struct MemoryCache {
    epoch: Instant,
    max_bytes: usize,
    max_entries: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    /// When each tag was last invalidated. Entries made before that are dead. A tag's
    /// time matters only while an entry made before it can live, so it is forgotten
    /// after the longest TTL stored.
    invalidated: HashMap<String, Stamp>,
    longest_ttl: Duration,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    response: CachedResponse,
    made: Stamp,
    expires: Stamp,
    bytes: usize,
}

impl Default for MemoryCache {
    fn default() -> Self {
        MemoryCache::new(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES)
    }
}

impl MemoryCache {
    pub fn new(max_bytes: usize, max_entries: usize) -> MemoryCache {
        MemoryCache {
            epoch: Instant::now(),
            max_bytes,
            max_entries,
            state: Mutex::default(),
        }
    }

    /// Microseconds since this cache was made, on tokio's clock. Strictly increasing
    /// between calls would be nicer, but equal times are safe: an invalidation at the
    /// same microsecond as a lookup drops what that lookup's handler makes.
    fn now(&self) -> Stamp {
        Stamp(self.epoch.elapsed().as_micros() as u64)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lookup_now(&self, key: &str) -> Lookup {
        let now = self.now();
        let mut state = self.state();
        let live = match state.entries.get(key) {
            Some(entry) if entry.expires > now => entry
                .response
                .tags
                .iter()
                .all(|tag| state.invalidated.get(tag).is_none_or(|&at| at < entry.made)),
            Some(_) => false,
            None => return Lookup::Miss { stamp: now },
        };
        if !live {
            state.remove(key);
            return Lookup::Miss { stamp: now };
        }
        let entry = &state.entries[key];
        Lookup::Hit {
            response: entry.response.clone(),
            ttl_left: Duration::from_micros(entry.expires.0 - now.0),
        }
    }

    fn store_now(&self, key: &str, response: &CachedResponse, made: Stamp, ttl: Duration) {
        let now = self.now();
        let bytes = key.len()
            + response.body.len()
            + response
                .headers
                .iter()
                .map(|(name, value)| name.as_str().len() + value.len())
                .sum::<usize>()
            + response.tags.iter().map(String::len).sum::<usize>();
        let mut state = self.state();
        state.remove(key);
        if state.bytes + bytes > self.max_bytes || state.entries.len() >= self.max_entries {
            state.drop_expired(now);
            if state.bytes + bytes > self.max_bytes || state.entries.len() >= self.max_entries {
                return;
            }
        }
        state.longest_ttl = state.longest_ttl.max(ttl);
        state.bytes += bytes;
        state.entries.insert(
            key.to_string(),
            Entry {
                response: response.clone(),
                made,
                expires: Stamp(made.0.saturating_add(ttl.as_micros() as u64)),
                bytes,
            },
        );
    }

    fn invalidate_now(&self, tags: &[String]) {
        let now = self.now();
        let mut state = self.state();
        let longest = state.longest_ttl.as_micros() as u64;
        // Forget times no entry can predate any more, so tags like `post:42` do not pile up.
        state
            .invalidated
            .retain(|_, at| now.0.saturating_sub(at.0) <= longest);
        for tag in tags {
            state.invalidated.insert(tag.clone(), now);
        }
    }
}

impl State {
    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            self.bytes -= entry.bytes;
        }
    }

    fn drop_expired(&mut self, now: Stamp) {
        let mut freed = 0;
        self.entries.retain(|_, entry| {
            let live = entry.expires > now;
            if !live {
                freed += entry.bytes;
            }
            live
        });
        self.bytes -= freed;
    }
}

impl CacheStore for MemoryCache {
    fn lookup<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Lookup> {
        let found = self.lookup_now(key);
        Box::pin(async move { Ok(found) })
    }

    fn store<'a>(
        &'a self,
        key: &'a str,
        response: &'a CachedResponse,
        stamp: Stamp,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        self.store_now(key, response, stamp, ttl);
        Box::pin(async { Ok(()) })
    }

    fn invalidate<'a>(&'a self, tags: &'a [String]) -> StoreFuture<'a, ()> {
        self.invalidate_now(tags);
        Box::pin(async { Ok(()) })
    }

    fn health(&self) -> StoreHealth {
        StoreHealth::Local
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::{HeaderMap, StatusCode};

    use super::*;

    fn response(tags: &[&str], body: &'static str) -> CachedResponse {
        CachedResponse {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
            tags: tags.iter().map(|tag| tag.to_string()).collect(),
        }
    }

    fn miss_stamp(cache: &MemoryCache, key: &str) -> Stamp {
        match cache.lookup_now(key) {
            Lookup::Miss { stamp } => stamp,
            Lookup::Hit { .. } => panic!("{key} was cached"),
        }
    }

    fn hit(cache: &MemoryCache, key: &str) -> Option<Bytes> {
        match cache.lookup_now(key) {
            Lookup::Hit { response, .. } => Some(response.body),
            Lookup::Miss { .. } => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_invalidation_drops_entries_with_the_tag_and_only_them() {
        let cache = MemoryCache::default();
        let ttl = Duration::from_secs(60);
        for (key, tags) in [("/a", ["posts", "path:/a"]), ("/b", ["users", "path:/b"])] {
            let stamp = miss_stamp(&cache, key);
            cache.store_now(key, &response(&tags, "x"), stamp, ttl);
        }
        tokio::time::advance(Duration::from_millis(1)).await;
        cache.invalidate_now(&["posts".to_string()]);
        assert_eq!(hit(&cache, "/a"), None);
        assert_eq!(hit(&cache, "/b"), Some(Bytes::from_static(b"x")));
        // Made after the invalidation: lives.
        tokio::time::advance(Duration::from_millis(1)).await;
        let stamp = miss_stamp(&cache, "/a");
        cache.store_now("/a", &response(&["posts"], "y"), stamp, ttl);
        assert_eq!(hit(&cache, "/a"), Some(Bytes::from_static(b"y")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_response_dated_before_an_invalidation_is_dead_on_arrival() {
        // The handler read the data, then a write invalidated it, then its response was
        // stored: it must not be served.
        let cache = MemoryCache::default();
        let stamp = miss_stamp(&cache, "/feed");
        tokio::time::advance(Duration::from_millis(5)).await;
        cache.invalidate_now(&["posts".to_string()]);
        tokio::time::advance(Duration::from_millis(5)).await;
        cache.store_now(
            "/feed",
            &response(&["posts"], "old"),
            stamp,
            Duration::from_secs(60),
        );
        assert_eq!(hit(&cache, "/feed"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn entries_expire_and_a_full_cache_stores_nothing_more() {
        let cache = MemoryCache::new(1_000, 2);
        let ttl = Duration::from_secs(10);
        for key in ["/1", "/2", "/3"] {
            let stamp = miss_stamp(&cache, key);
            cache.store_now(key, &response(&[], "body"), stamp, ttl);
        }
        assert!(hit(&cache, "/1").is_some() && hit(&cache, "/2").is_some());
        assert_eq!(
            hit(&cache, "/3"),
            None,
            "past max_entries nothing is stored"
        );
        tokio::time::advance(ttl).await;
        assert_eq!(hit(&cache, "/1"), None, "expired");
        let stamp = miss_stamp(&cache, "/3");
        cache.store_now("/3", &response(&[], "body"), stamp, ttl);
        assert!(hit(&cache, "/3").is_some(), "expired entries made room");
        // Over the byte budget: not stored.
        let big = CachedResponse {
            body: Bytes::from(vec![b'x'; 2_000]),
            ..response(&[], "")
        };
        let stamp = miss_stamp(&cache, "/big");
        cache.store_now("/big", &big, stamp, ttl);
        assert_eq!(hit(&cache, "/big"), None);
    }
}
