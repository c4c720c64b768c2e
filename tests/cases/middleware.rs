//! `middleware.rs` files, route middleware and route segment config, end to end through
//! the router generated from `fixtures/middleware/app`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use fsroute::layers::AppLayers;
use fsroute::test::{CapturedLog, TestClient, TestResponse};
use fsroute_tests::{MiddlewareState, middleware};
use serde_json::json;
use tower_http::cors::CorsLayer;

const TOKEN: &str = "let-me-in";

fn state() -> MiddlewareState {
    MiddlewareState {
        token: TOKEN,
        ..Default::default()
    }
}

fn authorized(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

fn visited(reply: &TestResponse) -> Vec<&str> {
    reply.header_all("x-visited")
}

#[tokio::test]
async fn nested_folders_run_outer_to_inner_and_unwind_inner_to_outer() {
    let client = TestClient::new(middleware::router(state()));
    let reply = client.send(authorized("/api/deep")).await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
    // On the way in: app/, api/, (protected)/, deep/.
    assert_eq!(reply.text(), "root,api,protected,deep");
    // On the way out, the innermost finishes first.
    assert_eq!(visited(&reply), ["deep", "protected", "api", "root"]);
}

#[tokio::test]
async fn middleware_can_end_a_request_early_with_a_json_401() {
    let client = TestClient::new(middleware::router(state()));
    let reply = client.get("/api/deep").await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({ "error": { "code": "UNAUTHORIZED", "message": "Sign in: send `Authorization: Bearer <token>`", "details": null } })
    );
    // The outer middleware still ran around it; the inner one and the handler did not.
    assert_eq!(visited(&reply), ["api", "root"]);

    let wrong = Request::get("/api/me")
        .header("authorization", "Bearer nope")
        .body(Body::empty())
        .unwrap();
    let reply = client.send(wrong).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"]["message"], "The token is not valid");
}

#[tokio::test]
async fn middleware_hands_data_to_the_handler() {
    let reply = TestClient::new(middleware::router(state()))
        .send(authorized("/api/me"))
        .await;
    assert_eq!(reply.text(), "signed in as ada");
}

#[tokio::test]
async fn a_group_middleware_does_not_touch_routes_outside_the_group() {
    let reply = TestClient::new(middleware::router(state()))
        .get("/api/public")
        .await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.text(), "root,api,route");
    assert!(!visited(&reply).contains(&"protected"));
}

#[tokio::test]
async fn a_route_middleware_wraps_only_its_route_and_runs_innermost() {
    let client = TestClient::new(middleware::router(state()));
    let public = client.get("/api/public").await;
    assert_eq!(visited(&public), ["route", "api", "root"]);
    let quick = client.get("/api/quick").await;
    assert_eq!(visited(&quick), ["api", "root"]);
}

#[tokio::test(start_paused = true)]
async fn past_max_duration_is_a_json_504_and_the_handler_is_dropped() {
    let state = state();
    let client = TestClient::new(middleware::router(state.clone()));
    let started = tokio::time::Instant::now();
    let reply = client.get("/api/slow").await;
    assert_eq!(reply.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        reply.json()["error"],
        json!({ "code": "GATEWAY_TIMEOUT", "message": "The request took longer than this route's limit of 1 seconds", "details": null })
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(state.slow_handler.started.load(Ordering::SeqCst));
    assert!(
        state.slow_handler.dropped.load(Ordering::SeqCst),
        "the handler future was dropped"
    );
    // The server is fine afterwards, and a quick handler under the same limit answers.
    assert_eq!(client.get("/api/quick").await.text(), "quick");
}

/// Over a real socket: a body still streaming at `MAX_DURATION` is cut there, and the
/// chunked body never gets its last chunk, so the client knows it is incomplete.
#[tokio::test]
async fn max_duration_cuts_a_body_still_streaming_at_the_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, middleware::router(state()))
            .await
            .unwrap()
    });
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /api/endless HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received))
        .await
        .expect("the server ends the connection within 10 s")
        .ok();
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(
        text.contains("tick 3\n"),
        "the body streamed until the deadline: {text}"
    );
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
        "cut after {elapsed:?}"
    );
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "the body was cut, not ended as if complete: {text}"
    );
}

#[tokio::test]
async fn body_limit_per_route_is_a_json_413() {
    let client = TestClient::new(middleware::router(state()));
    let reply = client
        .post("/api/small")
        .content_type("application/json")
        .body(r#"{"a":"0123456789"}"#)
        .await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"]["code"], "PAYLOAD_TOO_LARGE");
    let reply = client
        .post("/api/small")
        .content_type("application/json")
        .body(r#"{"a":1}"#)
        .await;
    assert_eq!(reply.text(), r#"{"a":1}"#);
}

#[tokio::test(start_paused = true)]
async fn revalidate_caches_get_responses_per_url() {
    let state = state();
    let calls = || state.cached_calls.load(Ordering::SeqCst);
    let client = TestClient::new(middleware::router(state.clone()));

    let first = client.get("/api/cached?q=a").await;
    assert_eq!(first.text(), "call 1 q=a");
    assert_eq!(first.header("x-fsroute-cache"), Some("MISS"));
    assert_eq!(first.header("cache-control"), Some("public, max-age=10"));

    tokio::time::advance(Duration::from_secs(4)).await;
    let second = client.get("/api/cached?q=a").await;
    assert_eq!(second.text(), "call 1 q=a", "served from the cache");
    assert_eq!(second.header("x-fsroute-cache"), Some("HIT"));
    assert_eq!(second.header("cache-control"), Some("public, max-age=5"));
    assert_eq!(calls(), 1);

    // Another query string is another URL.
    assert_eq!(client.get("/api/cached?q=b").await.text(), "call 2 q=b");
    assert_eq!(calls(), 2);

    // After REVALIDATE seconds the entry is stale and the handler runs again.
    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(client.get("/api/cached?q=a").await.text(), "call 3 q=a");
    assert_eq!(calls(), 3);
}

/// A route with `TAGS` is cached as one without: its tags go to the same cache
/// (`rt::revalidate_tagged`), for `fsroute::cache::revalidate_tag`.
#[tokio::test(start_paused = true)]
async fn a_route_with_tags_is_cached_like_any_other() {
    let client = TestClient::new(middleware::router(state()));
    let first = client.get("/api/tagged").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.header("x-fsroute-cache"), Some("MISS"));
    assert_eq!(first.header("cache-control"), Some("public, max-age=30"));
    let second = client.get("/api/tagged").await;
    assert_eq!(second.text(), first.text(), "served from the cache");
    assert_eq!(second.header("x-fsroute-cache"), Some("HIT"));
}

#[tokio::test(start_paused = true)]
async fn revalidate_caches_only_200_and_skips_credentialed_requests() {
    let state = state();
    let client = TestClient::new(middleware::router(state.clone()));
    for _ in 0..2 {
        let reply = client.get("/api/cached?fail=true").await;
        assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(state.cached_calls.load(Ordering::SeqCst), 2);

    client.get("/api/cached?q=c").await;
    let with_cookie = Request::get("/api/cached?q=c")
        .header("cookie", "session=1")
        .body(Body::empty())
        .unwrap();
    let reply = client.send(with_cookie).await;
    assert_eq!(reply.text(), "call 4 q=c");
    assert_eq!(reply.header("x-fsroute-cache"), Some("BYPASS"));
    // POST is never cached, nor answered by the cache: this route has no POST at all.
    assert_eq!(
        client.post("/api/cached?q=c").await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn a_burst_of_misses_runs_the_handler_once() {
    let state = state();
    let client = TestClient::new(middleware::router(state.clone()));
    let burst = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get("/api/cached?q=burst").await })
    });
    let replies = futures_join(burst).await;
    assert!(replies.iter().all(|reply| reply.text() == "call 1 q=burst"));
    assert_eq!(state.cached_calls.load(Ordering::SeqCst), 1);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

/// A client's `x-request-id` is logged, so only a plain token is kept: anything that
/// could write fields of its own into a log line gets a fresh id (security review L7).
#[tokio::test]
async fn request_ids_that_are_not_plain_tokens_are_replaced() {
    let log = CapturedLog::start();
    let client = TestClient::new(AppLayers::new().apply(middleware::router(state())));
    let forged = "abc\" status=500 path=/api/admin injected=1";
    let long = "a".repeat(129);
    for given in [forged, "two words", "", "ünïcode", long.as_str()] {
        let Ok(value) = axum::http::HeaderValue::from_bytes(given.as_bytes()) else {
            continue;
        };
        let request = Request::get("/api/public")
            .header("x-request-id", value)
            .body(Body::empty())
            .unwrap();
        let reply = client.send(request).await;
        let id = reply.header("x-request-id").expect("an id").to_string();
        assert_ne!(id, given);
        assert_eq!(id.len(), 36, "a fresh UUID for {given:?}: {id}");
    }
    // Two ids: neither is trusted.
    let request = Request::get("/api/public")
        .header("x-request-id", "one")
        .header("x-request-id", "two")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        client
            .send(request)
            .await
            .header("x-request-id")
            .unwrap()
            .len(),
        36
    );
    // Plain ones are kept: UUIDs, hex, the ids proxies make.
    let kept = "Root=1-67891233-abcdef012345678912345678/a.b_c:d+e";
    let request = Request::get("/api/public")
        .header("x-request-id", kept)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        client.send(request).await.header("x-request-id"),
        Some(kept)
    );

    let text = log.text();
    assert!(!text.contains("injected=1"), "{text}");
    assert!(!text.contains("two words"), "{text}");
}

#[tokio::test]
async fn request_ids_round_trip_and_reach_every_log_line() {
    let log = CapturedLog::start();
    let client = TestClient::new(AppLayers::new().apply(middleware::router(state())));

    let given = Request::get("/api/public")
        .header("x-request-id", "req-42")
        .body(Body::empty())
        .unwrap();
    let reply = client.send(given).await;
    assert_eq!(reply.header("x-request-id"), Some("req-42"));

    let made = client.get("/api/public").await;
    let id = made
        .header("x-request-id")
        .expect("an id is made when absent");
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let text = log.text();
    let handler_lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("serving the public route"))
        .collect();
    assert_eq!(handler_lines.len(), 2, "{text}");
    assert!(handler_lines[0].contains("request_id=req-42"), "{text}");
    assert!(
        handler_lines[1].contains(&format!("request_id={id}")),
        "{text}"
    );
    let response_line = text
        .lines()
        .find(|line| line.contains("response") && line.contains("req-42"))
        .unwrap_or_else(|| panic!("no response line: {text}"));
    for field in [
        "http.request.method=GET",
        "http.route=/api/public",
        "url.path=/api/public",
        "status=200",
        "latency_ms=",
    ] {
        assert!(response_line.contains(field), "{field} in {response_line}");
    }
}

#[tokio::test]
async fn cors_answers_only_configured_origins() {
    let cors = CorsLayer::new()
        // A list: only a listed origin is echoed back (a single `exact` origin is always sent).
        .allow_origin(["https://app.example"
            .parse::<axum::http::HeaderValue>()
            .unwrap()])
        .allow_methods([Method::GET]);
    let client = TestClient::new(
        AppLayers::new()
            .cors(cors)
            .apply(middleware::router(state())),
    );
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/public")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = client.send(preflight("https://app.example")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let other = client.send(preflight("https://evil.example")).await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}

/// tower-http's `CorsLayer` answered every `OPTIONS` itself (200, `allow-methods: *` or
/// the configured list), so the router's 204 with the route's `Allow` reached no one.
#[tokio::test]
async fn only_real_preflights_from_allowed_origins_get_the_cors_answer() {
    let cors = CorsLayer::new()
        .allow_origin(["https://app.example"
            .parse::<axum::http::HeaderValue>()
            .unwrap()])
        .allow_methods(tower_http::cors::Any);
    let client = TestClient::new(
        AppLayers::new()
            .cors(cors)
            .apply(middleware::router(state())),
    );
    let options = |headers: &[(&str, &str)]| {
        let mut request = Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/public");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).unwrap()
    };
    let cors_headers = |reply: &TestResponse| -> Vec<String> {
        reply
            .headers()
            .keys()
            .map(|name| name.as_str().to_string())
            .filter(|name| name.starts_with("access-control-allow-"))
            .collect()
    };

    // Plain OPTIONS, and OPTIONS with an Origin but no requested method: the router's.
    for headers in [vec![], vec![("origin", "https://app.example")]] {
        let reply = client.send(options(&headers)).await;
        assert_eq!(reply.status(), StatusCode::NO_CONTENT, "{headers:?}");
        assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS"));
        assert_eq!(cors_headers(&reply), Vec::<String>::new(), "{headers:?}");
    }

    // A real preflight from the allowed origin: the policy's answer, the route's methods.
    let allowed = client
        .send(options(&[
            ("origin", "https://app.example"),
            ("access-control-request-method", "GET"),
        ]))
        .await;
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        allowed.header("access-control-allow-methods"),
        Some("GET, HEAD, OPTIONS")
    );

    // From another origin: no Access-Control-Allow-* at all.
    let refused = client
        .send(options(&[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "GET"),
        ]))
        .await;
    assert_eq!(cors_headers(&refused), Vec::<String>::new());
    assert_eq!(refused.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[tokio::test]
async fn compression_and_the_global_body_limit() {
    let client = TestClient::new(
        AppLayers::new()
            .body_limit(8)
            .apply(middleware::router(state())),
    );
    let reply = client
        .get("/api/large")
        .header("accept-encoding", "gzip")
        .await;
    assert_eq!(reply.headers()["content-encoding"], "gzip");

    // The route's own BODY_LIMIT (16) wins over the global one (8).
    let reply = client
        .post("/api/small")
        .content_type("application/json")
        .body(r#"{"a":12345}"#)
        .await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
}
