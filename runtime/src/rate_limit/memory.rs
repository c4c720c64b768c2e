//! Rate limits in this process, on governor's keyed GCRA limiter.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;

use super::{Decision, Quota, RateLimitStore};
use crate::store::{StoreFuture, StoreHealth};

/// Keys remembered by one limiter before the fully recovered ones are dropped: memory
/// then holds the clients seen within the last recovery period (a minute for
/// `per_minute`), bounded by the request rate rather than by every client ever seen.
const FORGET_ABOVE: usize = 10_000;

type Keyed = governor::RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    DefaultClock,
    StateInformationMiddleware,
>;

struct Limiter {
    governor: Keyed,
    /// The size above which recovered keys are dropped next: [`FORGET_ABOVE`], or twice
    /// what the last sweep kept, so that a busy limiter whose keys are all recent does not
    /// sweep all of them on every request.
    sweep_above: AtomicUsize,
}

impl Limiter {
    fn new(quota: Quota) -> Limiter {
        Limiter {
            governor: governor::RateLimiter::keyed(quota.to_governor()).with_middleware(),
            sweep_above: AtomicUsize::new(FORGET_ABOVE),
        }
    }

    fn decide(&self, key: &str) -> Decision {
        if self.governor.len() > self.sweep_above.load(Ordering::Relaxed) {
            self.governor.retain_recent();
            self.governor.shrink_to_fit();
            let kept = self.governor.len();
            self.sweep_above
                .store(FORGET_ABOVE.max(kept.saturating_mul(2)), Ordering::Relaxed);
        }
        match self.governor.check_key(&key.to_owned()) {
            Ok(snapshot) => Decision::allowed(snapshot.remaining_burst_capacity()),
            Err(not_until) => {
                Decision::refused(not_until.wait_time_from(self.governor.clock().now()))
            }
        }
    }

    fn len(&self) -> usize {
        self.governor.len()
    }
}

/// Counts in this process, one governor keyed limiter per limit name and quota. With
/// several replicas each keeps its own counts, so a client gets the limit once per
/// replica; [`RateLimits::redis`](super::RateLimits) shares them.
///
/// Never fails, and decides exactly as the Redis store does for the same quota (both
/// GCRA on whole microseconds).
#[derive(Default)]
pub struct MemoryRateLimits {
    /// By name, then by quota: a name used with two quotas is two limits.
    limiters: RwLock<HashMap<String, HashMap<Quota, Arc<Limiter>>>>,
}

impl std::fmt::Debug for MemoryRateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryRateLimits").finish_non_exhaustive()
    }
}

impl MemoryRateLimits {
    pub fn new() -> MemoryRateLimits {
        MemoryRateLimits::default()
    }

    /// How many clients limit `name` with `quota` remembers now: those that have not fully
    /// recovered, and, below the sweep threshold (10,000), some that have.
    pub fn clients(&self, name: &str, quota: Quota) -> usize {
        self.find(name, quota).map_or(0, |limiter| limiter.len())
    }

    /// Counts one request at once, without a future: the fallback of a shared store.
    pub(crate) fn decide(&self, name: &str, key: &str, quota: Quota) -> Decision {
        let limiter = match self.find(name, quota) {
            Some(limiter) => limiter,
            None => self
                .limiters
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .entry(name.to_owned())
                .or_default()
                .entry(quota)
                .or_insert_with(|| Arc::new(Limiter::new(quota)))
                .clone(),
        };
        limiter.decide(key)
    }

    fn find(&self, name: &str, quota: Quota) -> Option<Arc<Limiter>> {
        self.limiters
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(name)?
            .get(&quota)
            .cloned()
    }
}

impl RateLimitStore for MemoryRateLimits {
    fn check<'a>(&'a self, name: &'a str, key: &'a str, quota: Quota) -> StoreFuture<'a, Decision> {
        let decision = self.decide(name, key, quota);
        Box::pin(std::future::ready(Ok(decision)))
    }

    fn health(&self) -> StoreHealth {
        StoreHealth::Local
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    #[test]
    fn recovered_clients_are_forgotten_above_the_bound() {
        let limits = MemoryRateLimits::new();
        // One a microsecond: every client has recovered by the time the sweep runs.
        let quota = Quota::per_second(NonZeroU32::new(1_000_000).unwrap());
        for client in 0..=FORGET_ABOVE {
            assert!(limits.decide("bulk", &client.to_string(), quota).allowed);
        }
        assert_eq!(limits.clients("bulk", quota), FORGET_ABOVE + 1);
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(limits.decide("bulk", "one more", quota).allowed);
        assert_eq!(limits.clients("bulk", quota), 1);
    }

    #[test]
    fn a_busy_limiter_does_not_sweep_on_every_request() {
        let limits = MemoryRateLimits::new();
        let quota = Quota::per_hour(NonZeroU32::new(1).unwrap());
        for client in 0..=FORGET_ABOVE + 1 {
            limits.decide("busy", &client.to_string(), quota);
        }
        let limiter = limits.find("busy", quota).unwrap();
        // Nothing had recovered: all kept, and the next sweep waits for twice as many.
        assert_eq!(limiter.len(), FORGET_ABOVE + 2);
        assert_eq!(
            limiter.sweep_above.load(Ordering::Relaxed),
            2 * (FORGET_ABOVE + 1)
        );
    }
}
