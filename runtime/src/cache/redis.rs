//! The cache shared by every replica, on Redis.
//!
//! Keys (all under the app's `{name:version}` prefix, see [`Redis::key`]):
//!
//! | key | type | what |
//! | --- | --- | --- |
//! | `c:<path?query>` | hash | `made` (Redis µs), `tags` (one per line), `head` (status and headers), `body`; expires with `REVALIDATE` |
//! | `t:<tag>` | string | when the tag was last invalidated (Redis µs) |
//!
//! Every time is Redis's own (`TIME`), so replica clocks never matter. A lookup reads the
//! entry and its tags' times in one script and answers a miss when any tag was
//! invalidated after the entry was made: an invalidation is one `SET` per tag, with no
//! scan of entries, and every replica sees it on its next lookup.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use redis::{Script, Value};

use super::{CacheStore, CachedResponse, Lookup, Stamp};
use crate::store::{Redis, StoreError, StoreFuture, StoreHealth};

/// Entries live at most this long in Redis, and a tag's invalidation time is kept this
/// long: an entry can then never outlive the record of what invalidated it. A
/// `REVALIDATE` longer than this is cut to it.
pub const LONGEST_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long an invalidation may take before it is kept for later: longer than a read's
/// timeout, because the client's next read depends on it, and a slow moment of Redis
/// (a busy machine) should delay the write's response rather than let that read be stale.
const INVALIDATION_TIMEOUT: Duration = Duration::from_secs(1);

/// How often invalidations that Redis did not take are tried again.
const RETRY_EVERY: Duration = Duration::from_millis(200);

const LOOKUP: &str = r"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local entry = redis.call('HMGET', KEYS[1], 'made', 'tags', 'head', 'body')
if not entry[1] then return {now} end
local made = tonumber(entry[1])
if made < tonumber(ARGV[2]) then return {now} end
for tag in string.gmatch(entry[2], '[^\n]+') do
  local at = redis.call('GET', ARGV[1] .. tag)
  if at and tonumber(at) >= made then return {now} end
end
return {now, entry[3], entry[4], redis.call('PTTL', KEYS[1])}
";

// Numbers go to redis.call as text written out in full: Lua would write 1.7e+15.
const INVALIDATE: &str = r"
local clock = redis.call('TIME')
local now = string.format('%.0f', tonumber(clock[1]) * 1000000 + tonumber(clock[2]))
for i = 3, #ARGV do
  redis.call('SET', ARGV[1] .. ARGV[i], now, 'PX', ARGV[2])
end
return 1
";

/// `REVALIDATE` responses in Redis, shared by every replica (feature `redis`).
///
/// When Redis does not answer (within the [`Redis`] timeout, or while it is counted
/// down), lookups fail and requests are served uncached (`x-fsroute-cache: BYPASS`);
/// invalidations are kept and retried until Redis takes them. When Redis answers again,
/// this replica first delivers its kept invalidations and from then on ignores every
/// entry made before that moment: it may have missed invalidations from other replicas
/// while it could not reach Redis, so it does not trust what was cached before.
pub struct RedisCache {
    shared: Arc<Shared>,
}

struct Shared {
    redis: Redis,
    lookup: Script,
    invalidate: Script,
    /// Entries made before this (Redis µs) are not served: set at each recovery.
    not_before: AtomicU64,
    /// Tags whose invalidation Redis has not taken yet.
    pending: Mutex<BTreeSet<String>>,
}

impl RedisCache {
    /// A cache on `redis`. Starts the retry of kept invalidations on the current tokio
    /// runtime.
    pub fn new(redis: Redis) -> RedisCache {
        let shared = Arc::new(Shared {
            redis: redis.clone(),
            lookup: Script::new(LOOKUP),
            invalidate: Script::new(INVALIDATE),
            not_before: AtomicU64::new(0),
            pending: Mutex::default(),
        });
        let weak = Arc::downgrade(&shared);
        redis.on_recovery(move |redis| {
            let weak = weak.clone();
            Box::pin(async move {
                let Some(shared) = weak.upgrade() else {
                    return Ok(());
                };
                shared.deliver_pending(true).await?;
                let now = redis.time_micros().await?;
                shared.not_before.store(now, Ordering::Release);
                Ok(())
            })
        });
        tokio::spawn(retry_pending(Arc::downgrade(&shared)));
        RedisCache { shared }
    }

    /// The invalidations Redis has not taken yet (for tests and health pages).
    pub fn pending_invalidations(&self) -> usize {
        self.shared.pending().len()
    }
}

impl Shared {
    fn pending(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn send_invalidation(&self, tags: &[String], unguarded: bool) -> Result<(), StoreError> {
        let tag_prefix = self.redis.key("t", "");
        let keep_ms = LONGEST_TTL.as_millis() as u64;
        let script = &self.invalidate;
        let operation = |mut connection: redis::aio::ConnectionManager| async move {
            let mut invocation = script.prepare_invoke();
            invocation.arg(&tag_prefix).arg(keep_ms);
            for tag in tags {
                invocation.arg(tag);
            }
            invocation.invoke_async::<i64>(&mut connection).await
        };
        let result = if unguarded {
            self.redis.call_unguarded(operation).await
        } else {
            self.redis
                .call_within(INVALIDATION_TIMEOUT, operation)
                .await
        };
        result.map(|_| ())
    }

    /// Sends the kept invalidations; they stay kept if Redis does not take them.
    async fn deliver_pending(&self, unguarded: bool) -> Result<(), StoreError> {
        let tags: Vec<String> = self.pending().iter().cloned().collect();
        if tags.is_empty() {
            return Ok(());
        }
        self.send_invalidation(&tags, unguarded).await?;
        let mut pending = self.pending();
        for tag in &tags {
            pending.remove(tag);
        }
        tracing::info!(
            count = tags.len(),
            "invalidations kept while Redis was unreachable are delivered"
        );
        Ok(())
    }
}

async fn retry_pending(shared: Weak<Shared>) {
    loop {
        tokio::time::sleep(RETRY_EVERY).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if !shared.pending().is_empty() && shared.redis.health() == StoreHealth::Shared {
            let _ = shared.deliver_pending(false).await;
        }
    }
}

impl CacheStore for RedisCache {
    fn lookup<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Lookup> {
        Box::pin(async move {
            let shared = &self.shared;
            let entry_key = shared.redis.key("c", key);
            let tag_prefix = shared.redis.key("t", "");
            let not_before = shared.not_before.load(Ordering::Acquire);
            let script = &shared.lookup;
            let reply: Vec<Value> = shared
                .redis
                .call(|mut connection| async move {
                    script
                        .key(&entry_key)
                        .arg(&tag_prefix)
                        .arg(not_before)
                        .invoke_async(&mut connection)
                        .await
                })
                .await?;
            decode_lookup(reply)
        })
    }

    fn store<'a>(
        &'a self,
        key: &'a str,
        response: &'a CachedResponse,
        stamp: Stamp,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let entry_key = self.shared.redis.key("c", key);
            let ttl_ms = ttl.min(LONGEST_TTL).as_millis().max(1) as u64;
            let head = encode_head(response.status, &response.headers);
            let tags = response.tags.join("\n");
            let body = &response.body;
            self.shared
                .redis
                .call(|mut connection| async move {
                    redis::pipe()
                        .atomic()
                        .del(&entry_key)
                        .ignore()
                        .hset_multiple(
                            &entry_key,
                            &[
                                ("made", stamp.0.to_string().into_bytes()),
                                ("tags", tags.into_bytes()),
                                ("head", head),
                                ("body", body.to_vec()),
                            ],
                        )
                        .ignore()
                        .pexpire(&entry_key, ttl_ms as i64)
                        .ignore()
                        .query_async::<()>(&mut connection)
                        .await
                })
                .await
        })
    }

    fn invalidate<'a>(&'a self, tags: &'a [String]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let result = self.shared.send_invalidation(tags, false).await;
            if result.is_err() {
                self.shared.pending().extend(tags.iter().cloned());
            }
            result
        })
    }

    fn health(&self) -> StoreHealth {
        self.shared.redis.health()
    }
}

fn decode_lookup(reply: Vec<Value>) -> Result<Lookup, StoreError> {
    let malformed = || StoreError::Failed("the cache lookup script answered oddly".to_string());
    let mut reply = reply.into_iter();
    let now = match reply.next() {
        Some(Value::Int(now)) => now as u64,
        _ => return Err(malformed()),
    };
    let (head, body, ttl_ms) = match (reply.next(), reply.next(), reply.next()) {
        (None, _, _) => return Ok(Lookup::Miss { stamp: Stamp(now) }),
        (Some(Value::BulkString(head)), Some(Value::BulkString(body)), Some(Value::Int(ttl))) => {
            (head, body, ttl)
        }
        _ => return Err(malformed()),
    };
    let (status, headers) = decode_head(&head).ok_or_else(malformed)?;
    if ttl_ms <= 0 {
        return Ok(Lookup::Miss { stamp: Stamp(now) });
    }
    Ok(Lookup::Hit {
        response: CachedResponse {
            status,
            headers,
            body: Bytes::from(body),
            tags: Vec::new(),
        },
        ttl_left: Duration::from_millis(ttl_ms as u64),
    })
}

/// `200\nname: value\n…`: header values hold no line breaks, names no colons.
fn encode_head(status: StatusCode, headers: &HeaderMap) -> Vec<u8> {
    let mut head = format!("{}\n", status.as_u16()).into_bytes();
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.push(b'\n');
    }
    head
}

fn decode_head(head: &[u8]) -> Option<(StatusCode, HeaderMap)> {
    let mut lines = head.split(|&byte| byte == b'\n');
    let status = StatusCode::from_bytes(lines.next()?).ok()?;
    let mut headers = HeaderMap::new();
    for line in lines.filter(|line| !line.is_empty()) {
        let colon = line.iter().position(|&byte| byte == b':')?;
        let name = HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = HeaderValue::from_bytes(line.get(colon + 2..)?).ok()?;
        headers.append(name, value);
    }
    Some((status, headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_round_trip() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.append("x-many", HeaderValue::from_static("one"));
        headers.append("x-many", HeaderValue::from_static("two: with colon"));
        headers.insert("x-empty", HeaderValue::from_static(""));
        let head = encode_head(StatusCode::OK, &headers);
        assert_eq!(decode_head(&head), Some((StatusCode::OK, headers)));
    }
}
