//! One Redis for the shared stores: a connection that reconnects by itself, a short
//! timeout on every call, a breaker so an outage costs the timeout a few times and not on
//! every request, and a heartbeat that notices an outage and the recovery even when idle.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{StoreError, StoreHealth};

/// Consecutive failed calls (or heartbeats) after which Redis counts as down.
const FAILURES_TO_OPEN: u32 = 3;

/// How to reach Redis, and how long to wait for it.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    url: String,
    prefix: String,
    timeout: Duration,
    heartbeat: Duration,
}

impl RedisConfig {
    /// `url` as `REDIS_URL` gives it (`redis://[:password@]host:port[/db]`, `rediss://` for
    /// TLS is not built in); keys are prefixed with the app's name and version, so two
    /// deploys (or two apps) sharing a Redis never read each other's entries or format:
    /// `RedisConfig::new(url, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))`.
    pub fn new(url: impl Into<String>, app: &str, version: &str) -> RedisConfig {
        RedisConfig {
            url: url.into(),
            // The braces are a Redis Cluster hash tag: every key of the app lands in one
            // slot, so the cache's scripts may read an entry and its tags together.
            prefix: format!("{{{app}:{version}}}"),
            timeout: Duration::from_millis(100),
            heartbeat: Duration::from_millis(500),
        }
    }

    /// How long one call may take before it counts as failed (default 100 ms): a cache
    /// read that takes longer is served as a miss.
    pub fn timeout(mut self, timeout: Duration) -> RedisConfig {
        self.timeout = timeout;
        self
    }

    /// How often an idle process checks that Redis answers (default 500 ms; while it is
    /// down, twice as often).
    pub fn heartbeat(mut self, every: Duration) -> RedisConfig {
        self.heartbeat = every;
        self
    }
}

/// A recovery step: run after Redis answers again, before calls go to it again.
type RecoveryHook = Box<dyn Fn(Redis) -> BoxFuture<'static, Result<(), StoreError>> + Send + Sync>;

/// A Redis shared by the stores of one app. Cheap to clone.
///
/// [`Redis::open`] does not wait for Redis: an app starts when Redis is down, serves
/// uncached and limits locally, and uses Redis once it answers.
#[derive(Clone)]
pub struct Redis {
    inner: Arc<Inner>,
}

struct Inner {
    connection: ConnectionManager,
    /// Where it is, without the password, for log lines.
    address: String,
    prefix: String,
    timeout: Duration,
    heartbeat: Duration,
    failures: AtomicU32,
    down: AtomicBool,
    recovery: Mutex<Vec<Arc<RecoveryHook>>>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("address", &self.inner.address)
            .field("prefix", &self.inner.prefix)
            .field("down", &self.inner.down.load(Ordering::Relaxed))
            .finish()
    }
}

impl Redis {
    /// Sets up the connection and its heartbeat (on the current tokio runtime), without
    /// waiting for Redis; a malformed URL is the one-line reason it cannot.
    pub fn open(config: RedisConfig) -> Result<Redis, String> {
        let client = redis::Client::open(config.url.as_str())
            .map_err(|error| format!("REDIS_URL is not a Redis URL: {error}"))?;
        let address = client.get_connection_info().addr().to_string();
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            // Reconnecting is the heartbeat's and the next call's job; a call never waits
            // through a schedule of retries.
            .set_number_of_retries(0);
        let connection = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(|error| format!("REDIS_URL {address}: {error}"))?;
        let inner = Arc::new(Inner {
            connection,
            address,
            prefix: config.prefix,
            timeout: config.timeout,
            heartbeat: config.heartbeat,
            failures: AtomicU32::new(0),
            down: AtomicBool::new(false),
            recovery: Mutex::default(),
        });
        tokio::spawn(heartbeat(Arc::downgrade(&inner)));
        Ok(Redis { inner })
    }

    /// `{app:version}:<kind>:<rest>`.
    pub fn key(&self, kind: &str, rest: &str) -> String {
        format!("{}:{kind}:{rest}", self.inner.prefix)
    }

    /// The prefix of every key: `{app:version}`.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// `host:port` (never the password).
    pub fn address(&self) -> &str {
        &self.inner.address
    }

    /// [`StoreHealth::Shared`] while Redis answers, [`StoreHealth::Degraded`] while it is
    /// counted down.
    pub fn health(&self) -> StoreHealth {
        if self.inner.down.load(Ordering::Acquire) {
            StoreHealth::Degraded
        } else {
            StoreHealth::Shared
        }
    }

    /// Runs one operation on the connection within the timeout; `Unavailable` at once
    /// while Redis is counted down. Failures count towards counting it down.
    pub async fn call<T, F, Fut>(&self, operation: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.call_within(self.inner.timeout, operation).await
    }

    /// [`call`](Redis::call) with a timeout of its own: for a write that matters more than
    /// its latency (an invalidation the client's next read depends on).
    pub async fn call_within<T, F, Fut>(
        &self,
        timeout: Duration,
        operation: F,
    ) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if self.inner.down.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable);
        }
        let result = Self::timed(timeout, operation(self.inner.connection.clone())).await;
        match &result {
            Ok(_) => self.inner.failures.store(0, Ordering::Relaxed),
            Err(error) => self.inner.failed(error),
        }
        result
    }

    /// [`call`](Redis::call) without the breaker: for recovery steps, which run while
    /// Redis is still counted down.
    pub async fn call_unguarded<T, F, Fut>(&self, operation: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        Self::timed(self.inner.timeout, operation(self.inner.connection.clone())).await
    }

    async fn timed<T>(
        timeout: Duration,
        operation: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(timeout, operation).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(StoreError::Failed(error.to_string())),
            Err(_) => Err(StoreError::Timeout),
        }
    }

    /// Redis's clock, in microseconds since the Unix epoch: the one clock every replica
    /// shares.
    pub async fn time_micros(&self) -> Result<u64, StoreError> {
        self.call_unguarded(|mut connection| async move {
            let (seconds, micros): (u64, u64) =
                redis::cmd("TIME").query_async(&mut connection).await?;
            Ok(seconds * 1_000_000 + micros)
        })
        .await
    }

    /// Runs `hook` each time Redis answers again after being counted down, before calls
    /// go to it again; when a hook fails, Redis stays down and recovery is tried again at
    /// the next heartbeat.
    pub fn on_recovery<F>(&self, hook: F)
    where
        F: Fn(Redis) -> BoxFuture<'static, Result<(), StoreError>> + Send + Sync + 'static,
    {
        self.inner
            .recovery
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Arc::new(Box::new(hook)));
    }
}

impl Inner {
    fn failed(&self, error: &StoreError) {
        let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if failures >= FAILURES_TO_OPEN && !self.down.swap(true, Ordering::AcqRel) {
            tracing::error!(
                redis = %self.address,
                %error,
                "Redis is not answering: the REVALIDATE cache is bypassed and rate limits \
                 fall back until it answers again (checked every {} ms)",
                (self.heartbeat / 2).as_millis()
            );
        }
    }
}

/// Pings Redis every `heartbeat` (twice as often while it is down); after an outage, runs
/// the recovery hooks and then lets calls through again. Ends with the last `Redis`.
async fn heartbeat(inner: Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let down = strong.down.load(Ordering::Acquire);
        let pause = if down {
            strong.heartbeat / 2
        } else {
            strong.heartbeat
        };
        drop(strong);
        tokio::time::sleep(pause).await;
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let redis = Redis { inner: strong };
        let ping = redis
            .call_unguarded(|mut connection| async move {
                redis::cmd("PING").query_async::<()>(&mut connection).await
            })
            .await;
        match ping {
            Err(error) => redis.inner.failed(&error),
            Ok(()) if redis.inner.down.load(Ordering::Acquire) => recover(&redis).await,
            Ok(()) => redis.inner.failures.store(0, Ordering::Relaxed),
        }
    }
}

async fn recover(redis: &Redis) {
    let hooks: Vec<Arc<RecoveryHook>> = redis
        .inner
        .recovery
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    for hook in hooks {
        if let Err(error) = hook(redis.clone()).await {
            tracing::warn!(redis = %redis.inner.address, %error, "Redis answers again, but recovering failed; trying again");
            return;
        }
    }
    redis.inner.failures.store(0, Ordering::Relaxed);
    redis.inner.down.store(false, Ordering::Release);
    tracing::info!(redis = %redis.inner.address, "Redis answers again: shared cache and rate limits resume");
}
