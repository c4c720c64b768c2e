//! The `REVALIDATE` cache: what it never stores, tags and their invalidation, and, on a
//! real Redis (`bash .ci/with-redis`), two replicas sharing it, and Redis going away.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fsroute::cache::{Cache, cache_tag, revalidate_path, revalidate_tag};
use fsroute::layers::{AppLayers, Revalidate};
use fsroute::test::{CapturedLog, TestClient};

#[derive(Clone, Default)]
struct Counters {
    /// What the data is at: each write adds one.
    version: Arc<AtomicU64>,
    /// How often a GET handler ran.
    runs: Arc<AtomicU64>,
}

impl Counters {
    fn runs(&self) -> u64 {
        self.runs.load(Ordering::SeqCst)
    }
}

async fn feed(State(counters): State<Counters>) -> String {
    counters.runs.fetch_add(1, Ordering::SeqCst);
    format!("v{}", counters.version.load(Ordering::SeqCst))
}

async fn page(State(counters): State<Counters>, Path(n): Path<u32>) -> String {
    counters.runs.fetch_add(1, Ordering::SeqCst);
    cache_tag(format!("page:{n}"));
    format!("page {n} v{}", counters.version.load(Ordering::SeqCst))
}

async fn write_posts(State(counters): State<Counters>) -> &'static str {
    counters.version.fetch_add(1, Ordering::SeqCst);
    revalidate_tag("posts");
    "written"
}

async fn write_by_path(State(counters): State<Counters>) -> &'static str {
    counters.version.fetch_add(1, Ordering::SeqCst);
    revalidate_path("/feed");
    "written"
}

async fn write_page(State(counters): State<Counters>, Path(n): Path<u32>) -> &'static str {
    counters.version.fetch_add(1, Ordering::SeqCst);
    revalidate_tag(format!("page:{n}"));
    "written"
}

/// A response with one header the cache must not store, by name.
async fn refused(State(counters): State<Counters>, Path(kind): Path<String>) -> Response {
    counters.runs.fetch_add(1, Ordering::SeqCst);
    let header = match kind.as_str() {
        "cookie" => (header::SET_COOKIE, "session=abc; HttpOnly"),
        "private" => (header::CACHE_CONTROL, "max-age=60, Private"),
        "no-store" => (header::CACHE_CONTROL, "no-store"),
        "vary-all" => (header::VARY, "Accept, *"),
        _ => (header::CONTENT_LANGUAGE, "en"),
    };
    ([header], "body").into_response()
}

async fn big(State(counters): State<Counters>) -> Vec<u8> {
    counters.runs.fetch_add(1, Ordering::SeqCst);
    vec![b'x'; 5_000]
}

/// An event stream that never ends on its own.
async fn events(State(counters): State<Counters>) -> Response {
    counters.runs.fetch_add(1, Ordering::SeqCst);
    let ticks = futures_util::stream::unfold(0u32, |n| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Some((Ok::<_, std::io::Error>(format!("data: {n}\n\n")), n + 1))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        axum::body::Body::from_stream(ticks),
    )
        .into_response()
}

fn routes(counters: Counters) -> Router {
    let cached = || Revalidate::seconds(60).tags(&["posts"]);
    let routes = Router::new()
        .route("/feed", get(feed).layer(cached()))
        .route("/pages/{n}", get(page).layer(cached()))
        .route("/refused/{kind}", get(refused).layer(cached()))
        .route("/big", get(big).layer(cached()))
        .route("/events", get(events).layer(cached()))
        .route("/posts", post(write_posts))
        .route("/by-path", post(write_by_path))
        .route("/pages/{n}/write", post(write_page));
    fsroute::routing::finish(routes, counters)
}

fn cache_of(reply: &fsroute::test::TestResponse) -> &str {
    reply.header("x-fsroute-cache").unwrap_or("(none)")
}

#[tokio::test]
async fn responses_for_one_client_or_asking_not_to_be_stored_never_are() {
    let counters = Counters::default();
    let client = TestClient::new(routes(counters.clone()));
    for kind in ["cookie", "private", "no-store", "vary-all"] {
        let before = counters.runs();
        for _ in 0..2 {
            let reply = client.get(format!("/refused/{kind}")).await;
            assert_eq!(reply.status(), 200);
            assert_eq!(cache_of(&reply), "MISS", "{kind}");
            assert_eq!(reply.text(), "body");
        }
        assert_eq!(counters.runs() - before, 2, "{kind} was stored");
    }
    // The handler's own Cache-Control is kept, not turned into `public`.
    let reply = client.get("/refused/private").await;
    assert_eq!(reply.header("cache-control"), Some("max-age=60, Private"));
    assert!(reply.header("set-cookie").is_none());
    let reply = client.get("/refused/cookie").await;
    assert_eq!(reply.header("set-cookie"), Some("session=abc; HttpOnly"));
    // An ordinary header is no reason: stored.
    let before = counters.runs();
    client.get("/refused/plain").await;
    let reply = client.get("/refused/plain").await;
    assert_eq!(cache_of(&reply), "HIT");
    // What is left of the 60 s, in whole seconds.
    assert_eq!(reply.header("cache-control"), Some("public, max-age=59"));
    assert_eq!(counters.runs() - before, 1);
}

#[tokio::test]
async fn an_event_stream_is_streamed_not_stored() {
    let counters = Counters::default();
    let client = TestClient::new(routes(counters.clone()));
    for _ in 0..2 {
        // Collecting its body would wait forever: the first events must arrive.
        let mut stream =
            tokio::time::timeout(Duration::from_secs(5), client.get("/events").stream())
                .await
                .expect("the event stream's head arrives");
        assert_eq!(stream.header("x-fsroute-cache"), Some("MISS"));
        let first = tokio::time::timeout(Duration::from_secs(5), stream.next_chunk())
            .await
            .expect("events arrive while the stream is open");
        assert_eq!(first.as_deref(), Some(&b"data: 0\n\n"[..]));
    }
    assert_eq!(counters.runs(), 2);
}

#[tokio::test]
async fn a_body_over_the_cap_is_sent_whole_and_not_stored() {
    let counters = Counters::default();
    let app = AppLayers::new()
        .trace(false)
        .cache(Cache::memory().max_body(1_000))
        .apply(routes(counters.clone()));
    let client = TestClient::new(app);
    for _ in 0..2 {
        let reply = client.get("/big").await;
        assert_eq!(reply.bytes().len(), 5_000);
        assert_eq!(cache_of(&reply), "MISS");
    }
    assert_eq!(counters.runs(), 2);
    // Under the cap: stored.
    client.get("/feed").await;
    assert_eq!(cache_of(&client.get("/feed").await), "HIT");
}

#[tokio::test]
async fn requests_with_credentials_bypass_the_cache_and_say_so() {
    let counters = Counters::default();
    let client = TestClient::new(routes(counters.clone()));
    client.get("/feed").await;
    let reply = client.get("/feed").header("cookie", "a=b").await;
    assert_eq!(cache_of(&reply), "BYPASS");
    let reply = client.get("/feed").bearer("token").await;
    assert_eq!(cache_of(&reply), "BYPASS");
    assert_eq!(counters.runs(), 3);
}

#[tokio::test]
async fn a_write_drops_what_its_tags_and_paths_cached_before_its_response_leaves() {
    let counters = Counters::default();
    let client = TestClient::new(routes(counters.clone()));
    let reply = client.get("/feed?page=1").await;
    assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v0"));
    let reply = client.get("/feed?page=1").await;
    assert_eq!((cache_of(&reply), reply.text()), ("HIT", "v0"));

    // The route's TAGS.
    client.post("/posts").await;
    let reply = client.get("/feed?page=1").await;
    assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v1"));

    // The path, whatever the query string.
    client.get("/feed?page=2").await;
    client.post("/by-path").await;
    for uri in ["/feed?page=1", "/feed?page=2"] {
        let reply = client.get(uri).await;
        assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v2"), "{uri}");
    }

    // A tag the handler added at run time drops only its own responses.
    client.get("/pages/1").await;
    client.get("/pages/2").await;
    client.post("/pages/1/write").await;
    assert_eq!(cache_of(&client.get("/pages/1").await), "MISS");
    let reply = client.get("/pages/2").await;
    assert_eq!((cache_of(&reply), reply.text()), ("HIT", "page 2 v2"));
}

/// Behind a proxy (`app/proxy.rs`) the router's own cache works the same.
#[tokio::test]
async fn behind_a_proxy_the_router_keeps_its_own_cache() {
    async fn pass_on(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
        next.run(request).await
    }
    let counters = Counters::default();
    let routes = Router::new()
        .route(
            "/feed",
            get(feed).layer(Revalidate::seconds(60).tags(&["posts"])),
        )
        .route("/posts", post(write_posts));
    let app = fsroute::routing::finish_with_proxy(
        [routes],
        fsroute::routing::Proxy::everywhere(axum::middleware::from_fn(pass_on)),
        counters.clone(),
    );
    let client = TestClient::new(app);
    assert_eq!(cache_of(&client.get("/feed").await), "MISS");
    assert_eq!(cache_of(&client.get("/feed").await), "HIT");
    client.post("/posts").await;
    let reply = client.get("/feed").await;
    assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v1"));
}

#[tokio::test]
async fn revalidate_tag_outside_a_request_says_what_to_call_instead() {
    let log = CapturedLog::start();
    revalidate_tag("posts");
    let errors = log.lines_at("ERROR");
    assert_eq!(errors.len(), 1, "{}", log.text());
    assert!(
        errors[0].contains("outside a request handler"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("Cache::revalidate_tags"),
        "{}",
        errors[0]
    );
}

#[tokio::test]
async fn an_app_cache_outside_the_router_is_the_one_used() {
    let counters = Counters::default();
    let cache = Cache::memory();
    let app = AppLayers::new()
        .trace(false)
        .cache(cache.clone())
        .apply(routes(counters.clone()));
    let client = TestClient::new(app);
    client.get("/feed").await;
    assert_eq!(cache_of(&client.get("/feed").await), "HIT");
    // Invalidated from outside a request, through the app's handle.
    cache.revalidate_tags(["posts"]).await;
    assert_eq!(cache_of(&client.get("/feed").await), "MISS");
    cache.revalidate_path("/feed").await;
    assert_eq!(cache_of(&client.get("/feed").await), "MISS");
}

#[cfg(feature = "redis")]
mod on_redis {
    use std::net::TcpListener;

    use fsroute::store::{Redis, RedisConfig, StoreHealth};
    use fsroute::test::RedisServer;

    use super::*;

    fn redis_url() -> Option<String> {
        fsroute::test::redis_url_or_skip("cache")
    }

    /// One replica: its own connection to Redis, its own router, one app name per test
    /// so tests never share keys.
    fn replica(url: &str, app: &str, counters: &Counters) -> (TestClient, Cache) {
        let redis =
            Redis::open(RedisConfig::new(url, app, "1").heartbeat(Duration::from_millis(100)))
                .unwrap();
        let cache = Cache::redis(redis);
        let router = AppLayers::new()
            .trace(false)
            .cache(cache.clone())
            .apply(routes(counters.clone()));
        (TestClient::new(router), cache)
    }

    fn unique(name: &str) -> String {
        format!("{name}-{}", uuid::Uuid::new_v4().simple())
    }

    #[tokio::test]
    async fn two_replicas_share_entries_and_invalidations() {
        let Some(url) = redis_url() else { return };
        let app = unique("shared");
        // One database behind both.
        let counters = Counters::default();
        let (a, _) = replica(&url, &app, &counters);
        let (b, _) = replica(&url, &app, &counters);

        let reply = a.get("/feed").await;
        assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v0"));
        let reply = b.get("/feed").await;
        assert_eq!((cache_of(&reply), reply.text()), ("HIT", "v0"));
        // What is left of the 60 s, in whole seconds (Redis's PTTL, in ms).
        let cache_control = reply.header("cache-control").unwrap();
        assert!(
            ["public, max-age=59", "public, max-age=60"].contains(&cache_control),
            "{cache_control}"
        );
        assert_eq!(counters.runs(), 1);

        // A write on A: B's very next read sees it.
        a.post("/posts").await;
        let reply = b.get("/feed").await;
        assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v1"));
        let reply = a.get("/feed").await;
        assert_eq!((cache_of(&reply), reply.text()), ("HIT", "v1"));

        // Path tags and run-time tags, across replicas.
        b.post("/by-path").await;
        assert_eq!(a.get("/feed").await.text(), "v2");
        a.get("/pages/7").await;
        assert_eq!(cache_of(&b.get("/pages/7").await), "HIT");
        b.post("/pages/7/write").await;
        let reply = a.get("/pages/7").await;
        assert_eq!((cache_of(&reply), reply.text()), ("MISS", "page 7 v3"));

        // Another deploy (another version) never reads these entries.
        let redis = Redis::open(RedisConfig::new(&url, &app, "2")).unwrap();
        let other = TestClient::new(
            AppLayers::new()
                .trace(false)
                .cache(Cache::redis(redis))
                .apply(routes(counters.clone())),
        );
        assert_eq!(cache_of(&other.get("/feed").await), "MISS");
    }

    #[tokio::test]
    async fn a_response_read_before_a_write_on_another_replica_is_not_served() {
        let Some(url) = redis_url() else { return };
        let app = unique("race");
        let counters = Counters::default();
        let (a, _) = replica(&url, &app, &counters);
        let (b, _) = replica(&url, &app, &counters);
        // A's handler reads v0 and is slow; meanwhile B writes and invalidates; then A
        // stores v0. Dated by A's lookup, before B's invalidation: dead on arrival.
        let slow = Router::new().route(
            "/slow",
            get(|State(counters): State<Counters>| async move {
                let seen = counters.version.load(Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                format!("v{seen}")
            })
            .layer(Revalidate::seconds(60).tags(&["posts"])),
        );
        let redis = Redis::open(RedisConfig::new(&url, &app, "1")).unwrap();
        let a_slow = TestClient::new(
            AppLayers::new()
                .trace(false)
                .cache(Cache::redis(redis))
                .apply(fsroute::routing::finish(slow, counters.clone())),
        );
        let reading = tokio::spawn(async move { a_slow.get("/slow").await.text().to_string() });
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.post("/posts").await;
        assert_eq!(reading.await.unwrap(), "v0");
        let redis = Redis::open(RedisConfig::new(&url, &app, "1")).unwrap();
        let again = TestClient::new(
            AppLayers::new()
                .trace(false)
                .cache(Cache::redis(redis))
                .apply(fsroute::routing::finish(
                    Router::new().route(
                        "/slow",
                        get(|State(counters): State<Counters>| async move {
                            format!("v{}", counters.version.load(Ordering::SeqCst))
                        })
                        .layer(Revalidate::seconds(60).tags(&["posts"])),
                    ),
                    counters.clone(),
                )),
        );
        let reply = again.get("/slow").await;
        assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v1"));
        drop(a);
    }

    #[tokio::test]
    async fn a_redis_that_does_not_answer_costs_its_timeout_a_few_times_then_nothing() {
        // Accepts connections and never answers: every call waits for its timeout.
        let black_hole = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}/", black_hole.local_addr().unwrap());
        let counters = Counters::default();
        let log = CapturedLog::start();
        let (client, cache) = replica(&url, &unique("hole"), &counters);
        for _ in 0..3 {
            let reply = client.get("/feed").await;
            assert_eq!((reply.status().as_u16(), cache_of(&reply)), (200, "BYPASS"));
        }
        assert_eq!(cache.health(), StoreHealth::Degraded);
        assert_eq!(log.lines_at("ERROR").len(), 1, "{}", log.text());
        // The breaker is open: no more waiting for the timeout (20 × 100 ms otherwise).
        let started = std::time::Instant::now();
        for _ in 0..20 {
            let reply = client.get("/feed").await;
            assert_eq!((reply.status().as_u16(), cache_of(&reply)), (200, "BYPASS"));
            // A write while Redis is down still answers.
            assert_eq!(client.post("/posts").await.status(), 200);
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(counters.runs(), 23);
    }

    /// A server of the test's own, to crash and restart; only where `.ci/with-redis`
    /// is (or a skip, as the other Redis tests).
    fn own_redis() -> Option<RedisServer> {
        redis_url()?;
        Some(RedisServer::start().expect("redis-server starts"))
    }

    async fn until(what: &str, mut done: impl FnMut() -> bool) {
        for _ in 0..100 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {what}");
    }

    #[tokio::test]
    async fn after_an_outage_nothing_invalidated_during_it_is_served() {
        let Some(mut server) = own_redis() else {
            return;
        };
        let app = unique("outage");
        let counters = Counters::default();
        let (a, a_cache) = replica(&server.url(), &app, &counters);
        let (b, b_cache) = replica(&server.url(), &app, &counters);
        assert_eq!(a.get("/feed").await.text(), "v0");
        assert_eq!(cache_of(&b.get("/feed").await), "HIT");

        server.crash();
        until("both replicas to count Redis down", || {
            a_cache.health() == StoreHealth::Degraded && b_cache.health() == StoreHealth::Degraded
        })
        .await;
        // During the outage: served uncached, fresh, no errors.
        let reply = b.get("/feed").await;
        assert_eq!((reply.status().as_u16(), cache_of(&reply)), (200, "BYPASS"));
        // A writes; its invalidation cannot reach Redis. Then A goes away for good, so it
        // never delivers it: only B's own caution can keep B from serving v0.
        a.post("/posts").await;
        drop((a, a_cache));

        // Redis comes back with its entries (the append-only file): `/feed` = v0,
        // made before the write.
        server.restart().unwrap();
        until("B to use Redis again", || {
            b_cache.health() == StoreHealth::Shared
        })
        .await;
        let reply = b.get("/feed").await;
        assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v1"));
        let reply = b.get("/feed").await;
        assert_eq!((cache_of(&reply), reply.text()), ("HIT", "v1"));
    }

    #[tokio::test]
    async fn invalidations_made_during_an_outage_are_delivered_when_redis_returns() {
        let Some(mut server) = own_redis() else {
            return;
        };
        let app = unique("deliver");
        let counters = Counters::default();
        let (a, a_cache) = replica(&server.url(), &app, &counters);
        a.get("/feed").await;
        server.crash();
        until("A to count Redis down", || {
            a_cache.health() == StoreHealth::Degraded
        })
        .await;
        a.post("/posts").await;
        server.restart().unwrap();
        until("A to use Redis again", || {
            a_cache.health() == StoreHealth::Shared
        })
        .await;
        // A replica that never saw the outage (started after it) trusts what is in
        // Redis: the delivered invalidation is what keeps it from serving v0.
        let (late, _) = replica(&server.url(), &app, &counters);
        let reply = late.get("/feed").await;
        assert_eq!((cache_of(&reply), reply.text()), ("MISS", "v1"));
    }
}
