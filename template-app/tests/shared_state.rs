//! Two replicas of the app's binary on one PostgreSQL database and one Redis
//! (`REDIS_URL`): one cache, one set of invalidations, one login quota; and Redis going
//! away under load, then coming back. Runs through
//! `bash .ci/with-postgres bash .ci/with-redis cargo test`; without PostgreSQL
//! `cargo test` lists these as ignored, without Redis they skip (or fail, under
//! `FSROUTE_REQUIRE_REDIS=1`, as in CI).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{AppProcess, fresh_postgres_database, postgres_or_skip};
use fsroute::test::RedisServer;
use serde_json::{Value, json};

/// The Redis of `.ci/with-redis`, on a database number of the test's own (the replicas
/// of different tests must not share entries).
fn redis_or_skip(test: &str, database: u8) -> Option<String> {
    let url = fsroute::test::redis_url_or_skip(test)?;
    Some(format!("{}/{database}", url.trim_end_matches('/')))
}

fn start_pair(database_url: &str, settings: &[(&str, &str)]) -> (AppProcess, AppProcess) {
    std::thread::scope(|scope| {
        let a = scope.spawn(|| AppProcess::start(database_url, settings));
        let b = scope.spawn(|| AppProcess::start(database_url, settings));
        (a.join().unwrap(), b.join().unwrap())
    })
}

/// `GET path`: the status, what `x-fsroute-cache` said, the body.
fn get(app: &AppProcess, path: &str) -> (u16, String, Value) {
    let (status, head, body) = app.exchange("GET", path, None, None);
    let cache = head
        .lines()
        .find_map(|line| line.strip_prefix("x-fsroute-cache: "))
        .unwrap_or("(none)")
        .to_ascii_uppercase();
    (status, cache, body)
}

fn titles(feed: &Value) -> Vec<String> {
    feed["data"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|post| post["title"].as_str().unwrap().to_string())
        .collect()
}

/// A user's token, signed up through `app`.
fn sign_up(app: &AppProcess, email: &str) -> String {
    let account = json!({ "email": email, "name": "Ada", "password": "correct horse" });
    let (status, body) = app.call(
        "POST",
        "/api/auth/register",
        None,
        Some(&account.to_string()),
    );
    assert_eq!(status, 202, "{body}");
    let login = json!({ "email": email, "password": "correct horse" }).to_string();
    let (status, session) = app.call("POST", "/api/auth/login", None, Some(&login));
    assert_eq!(status, 200, "{session}");
    session["token"].as_str().unwrap().to_string()
}

fn publish(app: &AppProcess, token: &str, title: &str) {
    let post = json!({ "title": title, "content": "c", "published": true });
    let (status, body) = app.call("POST", "/api/posts", Some(token), Some(&post.to_string()));
    assert_eq!(status, 201, "{body}");
}

/// A sign-in with a wrong password for an account that does not exist (so the per-account
/// backoff never counts): its status, 401 or 429.
fn wrong_sign_in(app: &AppProcess, n: usize) -> u16 {
    let login = json!({ "email": format!("nobody{n}@example.com"), "password": "wrong" });
    app.call("POST", "/api/auth/login", None, Some(&login.to_string()))
        .0
}

fn health(app: &AppProcess) -> (u16, Value) {
    app.call("GET", "/api/health", None, None)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres_tests),
    ignore = "needs PostgreSQL: run `bash .ci/with-postgres bash .ci/with-redis cargo test`"
)]
async fn two_replicas_share_the_feed_its_invalidations_and_the_login_limit() {
    if postgres_or_skip("shared_state").is_none() {
        return;
    }
    let Some(redis) = redis_or_skip("shared_state", 1) else {
        return;
    };
    let database = fresh_postgres_database().await.unwrap();
    let (a, b) = start_pair(
        &database,
        &[("REDIS_URL", &redis), ("LOGIN_RATE_PER_MINUTE", "6")],
    );
    assert_eq!(health(&a).1["cache"], "shared");

    let (status, cache, feed) = get(&a, "/api/feed");
    assert_eq!((status, cache.as_str()), (200, "MISS"), "{feed}");
    assert_eq!(feed["pagination"]["total"], 0, "{feed}");
    let (_, cache, _) = get(&b, "/api/feed");
    assert_eq!(cache, "HIT", "cached by A, served by B");

    // A write on A: B's next feed shows it.
    let token = sign_up(&a, "ada@example.com");
    publish(&a, &token, "written through A");
    let (_, cache, feed) = get(&b, "/api/feed");
    assert_eq!(cache, "MISS");
    assert_eq!(titles(&feed), ["written through A"]);
    let (_, cache, feed) = get(&a, "/api/feed");
    assert_eq!((cache.as_str(), titles(&feed).len()), ("HIT", 1));
    // And the other way round, for every page of it.
    get(&a, "/api/feed?limit=1");
    publish(&b, &token, "written through B");
    let (_, cache, feed) = get(&a, "/api/feed?limit=1");
    assert_eq!(cache, "MISS");
    assert_eq!(titles(&feed), ["written through B"]);

    // One quota of 6 sign-ins per minute for both (the sign-in above was the first):
    // alternating replicas, 5 more get an answer, then both refuse.
    let statuses: Vec<u16> = (0..8)
        .map(|n| wrong_sign_in(if n % 2 == 0 { &a } else { &b }, n))
        .collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres_tests),
    ignore = "needs PostgreSQL: run `bash .ci/with-postgres bash .ci/with-redis cargo test`"
)]
async fn redis_going_away_under_load_degrades_and_comes_back() {
    if postgres_or_skip("shared_state").is_none() {
        return;
    }
    if redis_or_skip("shared_state", 0).is_none() {
        return;
    }
    // A server of its own, to crash; with its data on disk, so that after the restart
    // it still holds the feed as it was cached before the outage.
    let mut redis = RedisServer::start().expect("redis-server starts");
    let database = fresh_postgres_database().await.unwrap();
    let (a, b) = start_pair(
        &database,
        &[("REDIS_URL", &redis.url()), ("LOGIN_RATE_PER_MINUTE", "4")],
    );
    let token = sign_up(&a, "ada@example.com");
    publish(&a, &token, "before the outage");
    assert_eq!(get(&a, "/api/feed").1, "MISS");
    assert_eq!(get(&b, "/api/feed").1, "HIT");

    // Load on both replicas for the whole test: the feed, health and a post's page.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let (a, b) = (Arc::new(a), Arc::new(b));
    let load: Vec<_> = (0..4)
        .map(|worker| {
            let (replica, stop, answered) = (
                Arc::clone(if worker % 2 == 0 { &a } else { &b }),
                Arc::clone(&stop),
                Arc::clone(&answered),
            );
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    for path in ["/api/feed", "/api/feed?limit=5", "/api/health"] {
                        let (status, _, body) = get(&replica, path);
                        answered.fetch_add(1, Ordering::Relaxed);
                        if status >= 500 {
                            failures.push(format!("{path}: {status} {body}"));
                        }
                    }
                }
                failures
            })
        })
        .collect();

    let outage = Instant::now();
    redis.crash();
    wait_for("both replicas to report the cache degraded", || {
        health(&a).1["cache"] == "degraded" && health(&b).1["cache"] == "degraded"
    });
    let noticed = outage.elapsed();
    let (status, body) = health(&b);
    assert_eq!(
        status, 200,
        "a cache outage keeps the replica in the load balancer"
    );
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "reachable");

    // Writes still work, and reads show them at once (served uncached).
    publish(&a, &token, "during the outage");
    let (status, cache, feed) = get(&b, "/api/feed");
    assert_eq!((status, cache.as_str()), (200, "BYPASS"));
    assert_eq!(titles(&feed), ["during the outage", "before the outage"]);

    // The sign-in limit falls back to each replica's own count (4 per minute each; the
    // sign-in above was before the outage, on the shared count).
    let on_a: Vec<u16> = (0..5).map(|n| wrong_sign_in(&a, n)).collect();
    assert_eq!(on_a, [401, 401, 401, 401, 429]);
    let on_b: Vec<u16> = (10..15).map(|n| wrong_sign_in(&b, n)).collect();
    assert_eq!(on_b, [401, 401, 401, 401, 429]);
    let errors: Vec<String> = a
        .output()
        .into_iter()
        .filter(|line| line.contains("ERROR") && line.contains("login"))
        .collect();
    assert!(
        !errors.is_empty(),
        "the fallback is logged at ERROR: {:?}",
        a.output()
    );

    // Redis comes back holding the feed cached before the write made during the outage.
    let answered_in_outage = answered.load(Ordering::Relaxed);
    redis.restart().unwrap();
    let back = Instant::now();
    wait_for("both replicas to use Redis again", || {
        health(&a).1["cache"] == "shared" && health(&b).1["cache"] == "shared"
    });
    let resumed = back.elapsed();
    for replica in [&a, &b] {
        let (_, _, feed) = get(replica, "/api/feed");
        assert_eq!(titles(&feed), ["during the outage", "before the outage"]);
    }
    // And caching resumes.
    let started = Instant::now();
    while get(&b, "/api/feed").1 != "HIT" || get(&a, "/api/feed").1 != "HIT" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no HIT after the outage"
        );
    }

    stop.store(true, Ordering::Relaxed);
    let failures: Vec<String> = load.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert!(failures.is_empty(), "5xx during the outage: {failures:?}");
    let answered = answered.load(Ordering::Relaxed);
    assert!(answered > 100);
    // The figures docs/reliability.md quotes.
    eprintln!(
        "redis outage: noticed by both replicas in {noticed:?}; {answered_in_outage} requests \
         answered by then and {answered} in all, 0 5xx; both sharing again {resumed:?} after \
         the restart"
    );
}
