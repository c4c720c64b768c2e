//! Rate limits shared by every replica: GCRA in one Lua script on Redis's clock.

use std::time::Duration;

use super::{Decision, Quota, RateLimitStore};
use crate::store::{Redis, StoreError, StoreFuture, StoreHealth};

/// Counts in Redis, shared by every replica of the app using it. Each client of a limit
/// is one key, `{app:version}:rl:<name>:<key>`, holding its GCRA theoretical arrival
/// time; the key expires once the client has fully recovered, so Redis holds only the
/// clients limited now, with nothing to sweep.
///
/// Each check is one script call (`EVALSHA`, loaded again after a Redis restart), which
/// reads the time with Redis's `TIME`: the replicas' clocks never enter a decision. It
/// decides exactly as governor does for the same [`Quota`] (a property test runs both on
/// the same times). Like every call through [`Redis`], it gives up after the timeout
/// (100 ms by default), and fails at once while Redis is counted down; the
/// [`RateLimiter`](super::RateLimiter) then falls back.
#[derive(Debug, Clone)]
pub struct RedisRateLimits {
    redis: Redis,
    script: redis::Script,
}

impl RedisRateLimits {
    pub fn new(redis: Redis) -> RedisRateLimits {
        RedisRateLimits {
            redis,
            script: redis::Script::new(include_str!("gcra.lua")),
        }
    }

    /// The key of client `key` for limit `name`.
    pub fn key(&self, name: &str, key: &str) -> String {
        self.redis.key("rl", &format!("{name}:{key}"))
    }

    /// [`check`](RateLimitStore::check), also returning the time Redis decided at, in
    /// microseconds since the Unix epoch: for tests that replay the decisions elsewhere.
    pub async fn check_timed(
        &self,
        name: &str,
        key: &str,
        quota: Quota,
    ) -> Result<(Decision, u64), StoreError> {
        let key = self.key(name, key);
        let (allowed, remaining, retry_after, now): (u8, u32, u64, u64) = self
            .redis
            .call(|mut connection| async move {
                self.script
                    .key(&key)
                    .arg(quota.interval_micros())
                    .arg(quota.burst().get())
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        let decision = if allowed == 1 {
            Decision::allowed(remaining)
        } else {
            Decision::refused(Duration::from_micros(retry_after))
        };
        Ok((decision, now))
    }
}

impl RateLimitStore for RedisRateLimits {
    fn check<'a>(&'a self, name: &'a str, key: &'a str, quota: Quota) -> StoreFuture<'a, Decision> {
        Box::pin(async move {
            let (decision, _) = self.check_timed(name, key, quota).await?;
            Ok(decision)
        })
    }

    fn health(&self) -> StoreHealth {
        self.redis.health()
    }
}
