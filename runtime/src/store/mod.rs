//! What the shared stores have in common: the [`REVALIDATE` cache](crate::cache) and the
//! [rate limits](crate::rate_limit) each have an in-process store (the default) and, with
//! the `redis` feature, one shared by every replica through Redis ([`Redis`]).
//!
//! A store may fail (Redis went away); the cache then serves uncached and the rate
//! limits fall back as configured, so an outage of the store never takes the API down.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use redis::{Redis, RedisConfig};

/// What a store's operations return. Boxed, because the store is picked at run time
/// (`Arc<dyn …>`), which `async fn` in traits does not allow.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a shared store could not answer. Callers degrade instead of failing the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// It did not answer within its timeout.
    Timeout,
    /// It is known to be down (recent calls failed); it was not tried.
    Unavailable,
    /// It answered with an error, or the connection failed.
    Failed(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Timeout => f.write_str("the store did not answer in time"),
            StoreError::Unavailable => {
                f.write_str("the store is unavailable (recent calls failed; retrying)")
            }
            StoreError::Failed(why) => write!(f, "the store failed: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// How a store is doing, for health checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreHealth {
    /// In this process: nothing to reach, never down.
    Local,
    /// Shared, and answering.
    Shared,
    /// Shared, and not answering: callers are degrading (uncached responses, local limits).
    Degraded,
}

impl StoreHealth {
    /// `local`, `shared` or `degraded`, as health endpoints print it.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreHealth::Local => "local",
            StoreHealth::Shared => "shared",
            StoreHealth::Degraded => "degraded",
        }
    }
}
