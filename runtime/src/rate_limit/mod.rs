//! Rate limits per client (an address, an account), in this process or shared by every
//! replica through Redis.
//!
//! A limit is a [`Quota`]: so many requests at once, then one more every interval, the
//! GCRA (generic cell rate algorithm) that `governor` implements. [`RateLimits`] is the
//! app's handle on where the counts live; each limit is a [`RateLimiter`] made from it
//! with a name and a quota, and checked per client key:
//!
//! ```
//! use std::num::NonZeroU32;
//! use fsroute::rate_limit::{Quota, RateLimits};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // In this process. With the `redis` feature, `RateLimits::redis(redis)` shares the
//! // counts with every replica, falling back to these when Redis is down.
//! let limits = RateLimits::memory();
//! let login = limits.limiter("login", Quota::per_minute(NonZeroU32::new(2).unwrap()));
//!
//! assert!(login.check("192.0.2.7").await.allowed);
//! assert!(login.check("192.0.2.7").await.allowed);
//! let refused = login.check("192.0.2.7").await;
//! assert!(!refused.allowed);
//! // Two a minute: the next one in 30 s. Say so with `Retry-After`, rounded up.
//! assert!(refused.retry_after.as_secs() >= 29);
//! // Each key has its own allowance.
//! assert!(login.check("192.0.2.8").await.allowed);
//! # }
//! ```
//!
//! Why one algorithm in both stores: a limit means the same with one replica or ten, with
//! or without Redis, and `Retry-After` keeps its meaning. The Redis store runs GCRA in one
//! Lua script on Redis's own clock ([`RedisRateLimits`]), tested against governor's
//! decisions request by request.
//!
//! When the shared store fails, [`OnStoreError`] decides: by default each process limits
//! on its own (`Local`), so an outage of Redis neither opens the limit on every replica
//! at once nor locks everyone out. It is logged at ERROR, at most every 10 seconds per
//! limit.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::{StoreError, StoreFuture, StoreHealth};

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::MemoryRateLimits;
#[cfg(feature = "redis")]
pub use redis::RedisRateLimits;

/// The longest a quota may take to recover from empty (burst × interval): about a year.
/// It keeps every time the Redis script computes below 2^53 microseconds, where Lua's
/// numbers (doubles) stop being exact integers.
const MAX_WINDOW_MICROS: u64 = 366 * 24 * 3600 * 1_000_000;

/// How long [`OnStoreError::Deny`] tells clients to wait.
pub const DENY_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The least time between two ERROR lines of one limiter about its store failing.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// How many requests a client may make: `burst` at once, then one more every `interval`
/// (GCRA, the same meaning as `governor::Quota`). A client that waits `burst × interval`
/// has its whole burst again.
///
/// The interval is kept in whole microseconds, so that every store (governor in memory,
/// the Lua script in Redis) computes with exactly the same numbers; `per_minute(7)` is one
/// request every 8,571,428 µs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    burst: NonZeroU32,
    interval_micros: u64,
}

impl Quota {
    /// `n` per second, all of them usable at once. Above a million a second, one a
    /// microsecond (the finest interval).
    pub fn per_second(n: NonZeroU32) -> Quota {
        Quota::spread(Duration::from_secs(1), n)
    }

    /// `n` per minute, all of them usable at once: one more every `60 s / n`.
    pub fn per_minute(n: NonZeroU32) -> Quota {
        Quota::spread(Duration::from_secs(60), n)
    }

    /// `n` per hour, all of them usable at once: one more every `3600 s / n`.
    pub fn per_hour(n: NonZeroU32) -> Quota {
        Quota::spread(Duration::from_secs(3600), n)
    }

    /// One more request every `replenish_one_per`, up to `burst` at once (governor's
    /// `Quota::with_period(replenish_one_per)?.allow_burst(burst)`). `None` when the
    /// interval is under a microsecond, or the quota would take over a year to recover.
    /// The interval is rounded down to whole microseconds.
    pub fn with_period(replenish_one_per: Duration, burst: NonZeroU32) -> Option<Quota> {
        let interval_micros = u64::try_from(replenish_one_per.as_micros()).ok()?;
        if interval_micros == 0
            || interval_micros.checked_mul(u64::from(burst.get()))? > MAX_WINDOW_MICROS
        {
            return None;
        }
        Some(Quota {
            burst,
            interval_micros,
        })
    }

    /// `n` over `period`, all at once. Never over the window bound: `period` is at most an
    /// hour here, and `n` at most `u32::MAX` microseconds.
    fn spread(period: Duration, n: NonZeroU32) -> Quota {
        let interval_micros = (period.as_micros() as u64 / u64::from(n.get())).max(1);
        Quota {
            burst: n,
            interval_micros,
        }
    }

    /// Requests allowed at once.
    pub fn burst(&self) -> NonZeroU32 {
        self.burst
    }

    /// The time after which one more request is allowed.
    pub fn interval(&self) -> Duration {
        Duration::from_micros(self.interval_micros)
    }

    /// [`interval`](Quota::interval) in microseconds, as the Redis script takes it.
    pub fn interval_micros(&self) -> u64 {
        self.interval_micros
    }

    /// The same quota for `governor`, to the microsecond. Not public: governor stays an
    /// implementation detail, not part of this crate's API.
    pub(crate) fn to_governor(self) -> governor::Quota {
        governor::Quota::with_period(self.interval())
            .expect("an interval of at least 1 µs")
            .allow_burst(self.burst)
    }
}

/// What a limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead (it was counted).
    pub allowed: bool,
    /// When refused, how long until a request would be allowed; zero when allowed.
    pub retry_after: Duration,
    /// Requests the client may still make at once after this one (0 when refused).
    pub remaining: u32,
}

impl Decision {
    /// Allowed, with `remaining` more at once.
    pub fn allowed(remaining: u32) -> Decision {
        Decision {
            allowed: true,
            retry_after: Duration::ZERO,
            remaining,
        }
    }

    /// Refused until `retry_after` has passed.
    pub fn refused(retry_after: Duration) -> Decision {
        Decision {
            allowed: false,
            retry_after,
            remaining: 0,
        }
    }
}

/// Where the counts live: [`MemoryRateLimits`] in this process, [`RedisRateLimits`] in
/// Redis (feature `redis`). A store counts one request of client `key` against the limit
/// `name` with `quota`; the same name and key on another replica is the same client.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one request (when allowed) and says whether it may go ahead.
    fn check<'a>(&'a self, name: &'a str, key: &'a str, quota: Quota) -> StoreFuture<'a, Decision>;

    /// For health checks: [`StoreHealth::Local`], or whether the shared store answers.
    fn health(&self) -> StoreHealth;
}

/// What a limiter decides while its shared store fails (an outage of Redis, a timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnStoreError {
    /// Each process limits on its own, as if there were no shared store: a client gets at
    /// most the limit once per replica, never unlimited, and can still sign in. The
    /// default: it bounds both the risk of an open limit (password guessing on every
    /// replica at once) and of a closed one (an outage of the cache becoming an outage of
    /// sign-in).
    #[default]
    Local,
    /// Every request goes ahead: the store's outage lifts the limit.
    Allow,
    /// Every request is refused, with a `retry_after` of [`DENY_RETRY_AFTER`]: nothing
    /// gets through a limit that cannot be counted.
    Deny,
}

impl OnStoreError {
    /// `local`, `allow` or `deny`, as configuration spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OnStoreError::Local => "local",
            OnStoreError::Allow => "allow",
            OnStoreError::Deny => "deny",
        }
    }
}

impl fmt::Display for OnStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `local`, `allow` or `deny` (any case), for a setting such as
/// `LOGIN_RATE_ON_STORE_ERROR`; the error is a sentence naming the three.
impl FromStr for OnStoreError {
    type Err = String;

    fn from_str(value: &str) -> Result<OnStoreError, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "local" => Ok(OnStoreError::Local),
            "allow" => Ok(OnStoreError::Allow),
            "deny" => Ok(OnStoreError::Deny),
            _ => Err(format!(
                "`{value}` is not a policy for a failing rate-limit store: say local, allow or deny"
            )),
        }
    }
}

/// The app's rate limits: where the counts live, and what to do when that fails. Cheap to
/// clone; make it once and the limiters from it.
#[derive(Clone)]
pub struct RateLimits {
    store: Arc<dyn RateLimitStore>,
    /// This process's own counts, for [`OnStoreError::Local`]; the store itself when that
    /// is in memory.
    local: Arc<MemoryRateLimits>,
    on_store_error: OnStoreError,
}

impl fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimits")
            .field("health", &self.health())
            .field("on_store_error", &self.on_store_error)
            .finish()
    }
}

impl RateLimits {
    /// Counts in this process: with several replicas, each keeps its own.
    pub fn memory() -> RateLimits {
        let memory = Arc::new(MemoryRateLimits::new());
        RateLimits {
            store: memory.clone(),
            local: memory,
            on_store_error: OnStoreError::default(),
        }
    }

    /// Counts in Redis, shared by every replica using it (keys
    /// `{app:version}:rl:<name>:<key>`, expiring once the client has recovered).
    #[cfg(feature = "redis")]
    pub fn redis(redis: crate::store::Redis) -> RateLimits {
        RateLimits::with_store(RedisRateLimits::new(redis))
    }

    /// Counts in a store of your own (another database, a test double).
    pub fn with_store(store: impl RateLimitStore) -> RateLimits {
        RateLimits {
            store: Arc::new(store),
            local: Arc::new(MemoryRateLimits::new()),
            on_store_error: OnStoreError::default(),
        }
    }

    /// What limiters made from now on decide while the store fails (default
    /// [`OnStoreError::Local`]).
    pub fn on_store_error(mut self, policy: OnStoreError) -> RateLimits {
        self.on_store_error = policy;
        self
    }

    /// The policy limiters made from this handle use.
    pub fn store_error_policy(&self) -> OnStoreError {
        self.on_store_error
    }

    /// The store's health, for `/api/health`: `local`, `shared` or `degraded` (Redis is
    /// not answering and limiters fall back).
    pub fn health(&self) -> StoreHealth {
        self.store.health()
    }

    /// A limit named `name` (in keys and log lines: `login`, `register`) with `quota`.
    /// Two limiters of one name and quota count the same clients together, in this
    /// process and, with a shared store, on every replica.
    pub fn limiter(&self, name: &'static str, quota: Quota) -> RateLimiter {
        RateLimiter {
            inner: Arc::new(LimiterInner {
                name,
                quota,
                store: self.store.clone(),
                local: self.local.clone(),
                on_store_error: self.on_store_error,
                fallbacks: Mutex::new(Fallbacks::default()),
            }),
        }
    }
}

/// One limit: a name and a quota, on the app's store. Cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<LimiterInner>,
}

struct LimiterInner {
    name: &'static str,
    quota: Quota,
    store: Arc<dyn RateLimitStore>,
    local: Arc<MemoryRateLimits>,
    on_store_error: OnStoreError,
    fallbacks: Mutex<Fallbacks>,
}

/// Decisions made without the store, for the ERROR line that reports them.
#[derive(Default)]
struct Fallbacks {
    /// When the last line was logged.
    logged_at: Option<tokio::time::Instant>,
    /// Decisions that fell back since then, not yet reported.
    unreported: u64,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("name", &self.inner.name)
            .field("quota", &self.inner.quota)
            .field("on_store_error", &self.inner.on_store_error)
            .finish()
    }
}

impl RateLimiter {
    /// Counts one request of client `key` (an address, an account id) and says whether it
    /// may go ahead. Never fails: while the store fails, the limiter's
    /// [`OnStoreError`] policy decides.
    pub async fn check(&self, key: &str) -> Decision {
        let inner = &*self.inner;
        match inner.store.check(inner.name, key, inner.quota).await {
            Ok(decision) => decision,
            Err(error) => self.fall_back(key, &error),
        }
    }

    /// The limit's name.
    pub fn name(&self) -> &'static str {
        self.inner.name
    }

    /// The limit's quota.
    pub fn quota(&self) -> Quota {
        self.inner.quota
    }

    /// What it decides while the store fails.
    pub fn on_store_error(&self) -> OnStoreError {
        self.inner.on_store_error
    }

    fn fall_back(&self, key: &str, error: &StoreError) -> Decision {
        let inner = &*self.inner;
        let decision = match inner.on_store_error {
            OnStoreError::Local => inner.local.decide(inner.name, key, inner.quota),
            // As if the client had its whole burst: nothing is known to say otherwise.
            OnStoreError::Allow => Decision::allowed(inner.quota.burst.get() - 1),
            OnStoreError::Deny => Decision::refused(DENY_RETRY_AFTER),
        };
        self.report_fallback(error);
        decision
    }

    /// An ERROR line when the store starts failing, then at most one per [`LOG_EVERY`]
    /// with the count of decisions made without it in between: alertable, without a line
    /// per request during an outage.
    fn report_fallback(&self, error: &StoreError) {
        let inner = &*self.inner;
        let now = tokio::time::Instant::now();
        let fell_back = {
            let mut fallbacks = inner
                .fallbacks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            fallbacks.unreported += 1;
            if fallbacks
                .logged_at
                .is_some_and(|logged_at| now.duration_since(logged_at) < LOG_EVERY)
            {
                return;
            }
            fallbacks.logged_at = Some(now);
            std::mem::take(&mut fallbacks.unreported)
        };
        let consequence = match inner.on_store_error {
            OnStoreError::Local => "each process limits on its own",
            OnStoreError::Allow => "every request is allowed",
            OnStoreError::Deny => "every request is refused",
        };
        tracing::error!(
            limiter = inner.name,
            policy = inner.on_store_error.as_str(),
            fell_back,
            %error,
            "rate limit `{}`: the shared store failed; {consequence} until it answers \
             (policy {}); {fell_back} decision(s) made without it since the last such line",
            inner.name,
            inner.on_store_error,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(value: u32) -> NonZeroU32 {
        NonZeroU32::new(value).unwrap()
    }

    #[test]
    fn quotas_spread_their_period_in_whole_microseconds() {
        assert_eq!(Quota::per_minute(n(2)).interval(), Duration::from_secs(30));
        assert_eq!(Quota::per_minute(n(7)).interval_micros(), 8_571_428);
        assert_eq!(Quota::per_second(n(4)).interval_micros(), 250_000);
        assert_eq!(Quota::per_hour(n(1)).interval(), Duration::from_secs(3600));
        assert_eq!(Quota::per_second(n(u32::MAX)).interval_micros(), 1);
        assert_eq!(Quota::per_minute(n(5)).burst(), n(5));

        let quota = Quota::with_period(Duration::from_millis(1500), n(3)).unwrap();
        assert_eq!((quota.interval_micros(), quota.burst()), (1_500_000, n(3)));
        assert_eq!(
            Quota::with_period(Duration::from_nanos(1_999), n(1))
                .unwrap()
                .interval_micros(),
            1
        );
        assert_eq!(Quota::with_period(Duration::from_nanos(999), n(1)), None);
        assert_eq!(
            Quota::with_period(Duration::from_secs(3600), n(24 * 367)),
            None
        );
        assert!(Quota::with_period(Duration::from_secs(3600), n(24 * 366)).is_some());
    }

    #[test]
    fn the_governor_quota_is_the_same_in_nanoseconds() {
        let quota = Quota::per_minute(n(7)).to_governor();
        assert_eq!(quota.replenish_interval(), Duration::from_micros(8_571_428));
        assert_eq!(quota.burst_size(), n(7));
    }

    #[test]
    fn policies_read_from_settings() {
        assert_eq!("local".parse(), Ok(OnStoreError::Local));
        assert_eq!(" Allow ".parse(), Ok(OnStoreError::Allow));
        assert_eq!("DENY".parse(), Ok(OnStoreError::Deny));
        let error = "open".parse::<OnStoreError>().unwrap_err();
        assert!(error.contains("local, allow or deny"), "{error}");
        assert_eq!(OnStoreError::default(), OnStoreError::Local);
    }
}
