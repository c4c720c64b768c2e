//! `fsroute::rate_limit`: the memory store, the Redis store against governor, two
//! replicas sharing one quota, and what limiters decide while Redis is down.
//!
//! The Redis tests need a server: `bash .ci/with-redis cargo test -p fsroute --test
//! rate_limit` (it sets `TEST_REDIS_URL`). Without one they print a note and pass, unless
//! `FSROUTE_REQUIRE_REDIS=1` (CI), where a missing server is a failure. The tests of an
//! unreachable Redis need no server.

use std::num::NonZeroU32;
use std::time::Duration;

use fsroute::rate_limit::{
    DENY_RETRY_AFTER, Decision, MemoryRateLimits, OnStoreError, Quota, RateLimitStore, RateLimits,
};
use fsroute::store::{StoreError, StoreFuture, StoreHealth};
use fsroute::test::CapturedLog;

fn n(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).unwrap()
}

/// The ERROR lines the limiters wrote (not the Redis connection's own).
fn limiter_errors(log: &CapturedLog) -> Vec<String> {
    log.lines_at("ERROR")
        .into_iter()
        .filter(|line| line.contains("rate limit `"))
        .collect()
}

#[tokio::test]
async fn the_memory_store_gives_each_client_its_burst_then_one_per_interval() {
    let limits = RateLimits::memory();
    assert_eq!(limits.health(), StoreHealth::Local);
    let login = limits.limiter("login", Quota::per_minute(n(3)));

    let remaining: Vec<u32> = [
        login.check("alice").await,
        login.check("alice").await,
        login.check("alice").await,
    ]
    .iter()
    .map(|decision| {
        assert!(decision.allowed);
        assert_eq!(decision.retry_after, Duration::ZERO);
        decision.remaining
    })
    .collect();
    assert_eq!(remaining, [2, 1, 0]);

    let refused = login.check("alice").await;
    assert!(!refused.allowed);
    assert_eq!(refused.remaining, 0);
    // Three a minute: one more 20 s after the first.
    assert!(
        refused.retry_after > Duration::from_secs(19)
            && refused.retry_after <= Duration::from_secs(20),
        "{refused:?}"
    );
    assert_eq!(login.check("bob").await, Decision::allowed(2));
}

#[tokio::test]
async fn limiters_of_one_name_and_quota_count_together() {
    let limits = RateLimits::memory();
    let quota = Quota::per_minute(n(1));
    let here = limits.limiter("login", quota);
    let there = limits.clone().limiter("login", quota);
    let other_name = limits.limiter("register", quota);
    let other_quota = limits.limiter("login", Quota::per_minute(n(2)));

    assert!(here.check("alice").await.allowed);
    assert!(!there.check("alice").await.allowed);
    assert!(other_name.check("alice").await.allowed);
    assert!(other_quota.check("alice").await.allowed);

    // A store of its own: its own counts.
    assert!(
        RateLimits::memory()
            .limiter("login", quota)
            .check("alice")
            .await
            .allowed
    );
}

#[tokio::test]
async fn the_memory_store_recovers_one_request_per_interval() {
    let store = MemoryRateLimits::new();
    let quota = Quota::with_period(Duration::from_millis(40), n(2)).unwrap();
    assert!(store.check("t", "k", quota).await.unwrap().allowed);
    assert!(store.check("t", "k", quota).await.unwrap().allowed);
    let refused = store.check("t", "k", quota).await.unwrap();
    assert!(!refused.allowed);
    assert!(refused.retry_after <= Duration::from_millis(40));
    tokio::time::sleep(refused.retry_after).await;
    assert_eq!(
        store.check("t", "k", quota).await.unwrap(),
        Decision::allowed(0)
    );
    assert!(!store.check("t", "k", quota).await.unwrap().allowed);
    assert_eq!(store.clients("t", quota), 1);
    assert_eq!(store.health(), StoreHealth::Local);
}

/// A store that always fails, as Redis does while it is down.
struct Failing;

impl RateLimitStore for Failing {
    fn check<'a>(&'a self, _: &'a str, _: &'a str, _: Quota) -> StoreFuture<'a, Decision> {
        Box::pin(async { Err(StoreError::Unavailable) })
    }

    fn health(&self) -> StoreHealth {
        StoreHealth::Degraded
    }
}

#[tokio::test(start_paused = true)]
async fn an_outage_is_logged_at_most_every_10_seconds_with_a_count() {
    let log = CapturedLog::start();
    let limits = RateLimits::with_store(Failing).on_store_error(OnStoreError::Allow);
    let login = limits.limiter("login", Quota::per_minute(n(1)));
    for _ in 0..5 {
        assert!(login.check("alice").await.allowed);
    }
    let lines = limiter_errors(&log);
    assert_eq!(lines.len(), 1, "{}", log.text());
    assert!(lines[0].contains("1 decision(s)"), "{}", lines[0]);
    assert!(lines[0].contains("policy allow"), "{}", lines[0]);
    assert!(lines[0].contains("limiter=\"login\""), "{}", lines[0]);

    tokio::time::advance(Duration::from_secs(9)).await;
    login.check("alice").await;
    assert_eq!(limiter_errors(&log).len(), 1);

    tokio::time::advance(Duration::from_secs(1)).await;
    login.check("alice").await;
    let lines = limiter_errors(&log);
    assert_eq!(lines.len(), 2, "{}", log.text());
    // The five quiet ones, then this one.
    assert!(lines[1].contains("6 decision(s)"), "{}", lines[1]);

    // Each limiter reports for itself.
    let register = limits.limiter("register", Quota::per_minute(n(1)));
    register.check("alice").await;
    assert_eq!(limiter_errors(&log).len(), 3);
}

#[cfg(feature = "redis")]
mod redis_store {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    use fsroute::rate_limit::RedisRateLimits;
    use fsroute::store::{Redis, RedisConfig};
    use governor::clock::{Clock, FakeRelativeClock};
    use governor::middleware::StateInformationMiddleware;
    use governor::state::keyed::DefaultKeyedStateStore;
    use proptest::prelude::*;

    use super::*;

    fn redis_url() -> Option<String> {
        fsroute::test::redis_url_or_skip("rate_limit")
    }

    /// An app name no other test or run uses, so that each test has keys of its own.
    fn fresh_app() -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        format!(
            "rl-test-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// A connection of its own (a "replica") to the test server, with keys under `app`.
    fn open(url: &str, app: &str) -> Redis {
        // A generous timeout: a loaded CI machine must not turn into fallbacks here.
        Redis::open(RedisConfig::new(url, app, "1").timeout(Duration::from_secs(2))).unwrap()
    }

    #[tokio::test]
    async fn two_replicas_share_one_quota() {
        let Some(url) = redis_url() else { return };
        let app = fresh_app();
        let (a, b) = (open(&url, &app), open(&url, &app));
        let quota = Quota::per_minute(n(3));
        let on_a = RateLimits::redis(a).limiter("login", quota);
        let on_b = RateLimits::redis(b).limiter("login", quota);

        assert_eq!(on_a.check("192.0.2.7").await, Decision::allowed(2));
        assert_eq!(on_b.check("192.0.2.7").await, Decision::allowed(1));
        assert_eq!(on_a.check("192.0.2.7").await, Decision::allowed(0));
        for refused in [on_b.check("192.0.2.7").await, on_a.check("192.0.2.7").await] {
            assert!(!refused.allowed);
            assert!(
                refused.retry_after > Duration::from_secs(19)
                    && refused.retry_after <= Duration::from_secs(20),
                "{refused:?}"
            );
        }
        assert!(on_b.check("192.0.2.8").await.allowed);
        // Another limit name: other keys.
        let register = RateLimits::redis(open(&url, &app)).limiter("register", quota);
        assert!(register.check("192.0.2.7").await.allowed);
        // Another deploy (app version): other keys.
        let next_deploy = Redis::open(RedisConfig::new(&url, &app, "2")).unwrap();
        let next = RateLimits::redis(next_deploy.clone()).limiter("login", quota);
        assert!(next.check("192.0.2.7").await.allowed);
        assert_eq!(RateLimits::redis(next_deploy).health(), StoreHealth::Shared);
    }

    #[tokio::test]
    async fn a_key_expires_once_its_client_has_recovered() {
        let Some(url) = redis_url() else { return };
        let redis = open(&url, &fresh_app());
        let store = RedisRateLimits::new(redis.clone());
        let ttl = |key: String| {
            let redis = redis.clone();
            async move {
                redis
                    .call(|mut connection| async move {
                        redis::cmd("PTTL")
                            .arg(&key)
                            .query_async::<i64>(&mut connection)
                            .await
                    })
                    .await
                    .unwrap()
            }
        };

        // Two a minute: one request leaves 30 s to recover.
        let quota = Quota::per_minute(n(2));
        assert!(store.check("login", "slow", quota).await.unwrap().allowed);
        let key = store.key("login", "slow");
        assert!(key.ends_with(":rl:login:slow"), "{key}");
        let pttl = ttl(key.clone()).await;
        assert!((29_000..=30_001).contains(&pttl), "PTTL {pttl}");
        assert!(store.check("login", "slow", quota).await.unwrap().allowed);
        let pttl = ttl(key.clone()).await;
        assert!((59_000..=60_001).contains(&pttl), "PTTL {pttl}");
        // A refusal changes nothing.
        assert!(!store.check("login", "slow", quota).await.unwrap().allowed);
        assert!(ttl(key).await <= pttl);

        // 30 ms to recover: gone soon after, by itself.
        let quick = Quota::with_period(Duration::from_millis(30), n(1)).unwrap();
        assert!(store.check("login", "quick", quick).await.unwrap().allowed);
        let key = store.key("login", "quick");
        let pttl = ttl(key.clone()).await;
        assert!((1..=31).contains(&pttl), "PTTL {pttl}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(ttl(key).await, -2, "the key is gone");
        assert_eq!(
            store.check("login", "quick", quick).await.unwrap(),
            Decision::allowed(0)
        );
    }

    /// A pause before a request: often none (requests microseconds apart), else up to
    /// 40 ms, around the intervals below so that clients recover, partly and fully.
    fn pause_ms() -> impl Strategy<Value = u64> {
        prop_oneof![1 => Just(0u64), 1 => 1u64..40]
    }

    /// The script decides as governor does: for random quotas and request sequences, each
    /// request goes to Redis, which returns its decision and the time it decided at, and
    /// then to a governor keyed limiter whose fake clock is moved to that same time. Both
    /// work in whole microseconds, so decisions, `retry_after` and `remaining` are equal,
    /// not close.
    #[test]
    fn the_redis_script_decides_exactly_as_governor() {
        let Some(url) = redis_url() else { return };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let app = fresh_app();
        let store = runtime.block_on(async { RedisRateLimits::new(open(&url, &app)) });
        let case = AtomicU32::new(0);
        let config = ProptestConfig {
            cases: 32,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(
            burst in 1u32..=4,
            interval_micros in 1_000u64..30_000,
            requests in prop::collection::vec((pause_ms(), 0usize..3), 1..20),
        )| {
            // Keys of this case only: `{app:1}:rl:<case>:<client>`.
            let name = format!("case{}", case.fetch_add(1, Ordering::Relaxed));
            let quota = Quota::with_period(Duration::from_micros(interval_micros), n(burst)).unwrap();
            let clock = FakeRelativeClock::default();
            // The same quota, interval and burst, in governor's terms.
            let same_quota = governor::Quota::with_period(quota.interval())
                .unwrap()
                .allow_burst(quota.burst());
            let governor = governor::RateLimiter::<usize, _, _, StateInformationMiddleware>::new(
                same_quota,
                DefaultKeyedStateStore::<usize>::default(),
                clock.clone(),
            );
            let mut start = None;
            let mut elapsed = 0u64;
            for (index, (pause, client)) in requests.iter().copied().enumerate() {
                let (decision, at) = runtime.block_on(async {
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                    store.check_timed(&name, &client.to_string(), quota).await.unwrap()
                });
                // Governor's clock starts at the first request's Redis time.
                let since_start = at - *start.get_or_insert(at);
                prop_assert!(since_start >= elapsed, "Redis's clock went back");
                clock.advance(Duration::from_micros(since_start - elapsed));
                elapsed = since_start;
                let expected = match governor.check_key(&client) {
                    Ok(snapshot) => Decision::allowed(snapshot.remaining_burst_capacity()),
                    Err(not_until) => Decision::refused(not_until.wait_time_from(clock.now())),
                };
                prop_assert_eq!(
                    decision, expected,
                    "request {} (client {}, {} us after the first) of {:?} with {:?}",
                    index, client, since_start, requests, quota
                );
            }
        });
    }

    /// A Redis nobody answers at: a loopback port that was free a moment ago.
    fn unreachable() -> Redis {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        Redis::open(RedisConfig::new(
            format!("redis://127.0.0.1:{port}/"),
            "rl-test",
            "1",
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn with_redis_down_local_limits_each_process_on_its_own() {
        let log = CapturedLog::start();
        let limits = RateLimits::redis(unreachable());
        assert_eq!(limits.store_error_policy(), OnStoreError::Local);
        let login = limits.limiter("login", Quota::per_minute(n(2)));
        assert!(login.check("alice").await.allowed);
        assert!(login.check("alice").await.allowed);
        let refused = login.check("alice").await;
        assert!(!refused.allowed);
        assert!(refused.retry_after > Duration::from_secs(29), "{refused:?}");
        assert!(login.check("bob").await.allowed);

        // Three failed calls count Redis down: health says so, and calls fail at once.
        assert_eq!(limits.health(), StoreHealth::Degraded);
        let lines = limiter_errors(&log);
        assert_eq!(lines.len(), 1, "{}", log.text());
        assert!(
            lines[0].contains("each process limits on its own"),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains("policy local"), "{}", lines[0]);

        // Another process (another `RateLimits`) has counts of its own.
        let elsewhere = RateLimits::redis(unreachable()).limiter("login", Quota::per_minute(n(2)));
        assert!(elsewhere.check("alice").await.allowed);
    }

    #[tokio::test]
    async fn with_redis_down_allow_lets_everything_through() {
        let log = CapturedLog::start();
        let limits = RateLimits::redis(unreachable()).on_store_error(OnStoreError::Allow);
        let login = limits.limiter("login", Quota::per_minute(n(1)));
        for _ in 0..5 {
            assert_eq!(login.check("alice").await, Decision::allowed(0));
        }
        assert_eq!(limits.health(), StoreHealth::Degraded);
        let lines = limiter_errors(&log);
        assert_eq!(lines.len(), 1, "{}", log.text());
        assert!(
            lines[0].contains("every request is allowed"),
            "{}",
            lines[0]
        );
    }

    #[tokio::test]
    async fn with_redis_down_deny_refuses_everything() {
        let log = CapturedLog::start();
        let limits = RateLimits::redis(unreachable()).on_store_error(OnStoreError::Deny);
        let login = limits.limiter("login", Quota::per_minute(n(100)));
        for _ in 0..4 {
            assert_eq!(
                login.check("alice").await,
                Decision::refused(DENY_RETRY_AFTER)
            );
        }
        assert_eq!(limits.health(), StoreHealth::Degraded);
        let lines = limiter_errors(&log);
        assert_eq!(lines.len(), 1, "{}", log.text());
        assert!(
            lines[0].contains("every request is refused"),
            "{}",
            lines[0]
        );
    }
}
