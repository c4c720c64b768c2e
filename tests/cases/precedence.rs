//! Next.js's matching order, over a real socket: a `[param]` beside a catch-all or an
//! optional catch-all at several depths (`fixtures/precedence/app`). Each handler answers
//! with its route and its parameters. The expected routes are what Next.js 16 answers for
//! the same tree (docs/conventions.md, "A parameter beside a catch-all"; `bench/parity`).

#[path = "../support/raw_http.rs"]
mod raw_http;

use axum::body::Body;
use axum::http::Request;
use fsroute::layers::AppLayers;
use fsroute::test::{CapturedLog, TestClient};
use fsroute_tests::precedence;
use raw_http::{request, serve};
use serde_json::{Value, json};

/// `fixtures/precedence/expected.json`: each path, the route Next.js answers it with and
/// the parameters. `bench/parity` checks the same file against Next.js itself.
#[tokio::test]
async fn each_path_goes_to_the_route_next_js_gives_it() {
    let address = serve(precedence::router(())).await;
    let expected: Value =
        serde_json::from_str(include_str!("../fixtures/precedence/expected.json")).unwrap();
    let cases = expected["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let path = case["path"].as_str().unwrap();
        let reply = request(address, "GET", path).await;
        let answer = json!({ "route": case["route"], "params": case["params"] });
        assert_eq!((reply.status, reply.json()), (200, answer), "GET {path}");
    }
}

#[tokio::test]
async fn the_route_that_matches_answers_its_own_405_and_redirects() {
    let address = serve(precedence::router(())).await;
    // The path is `[id]`'s: a method it lacks is its 405, not the catch-all's GET.
    let reply = request(address, "POST", "/api/docs/a").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(reply.json()["error"]["code"], "METHOD_NOT_ALLOWED");
    // A trailing slash is removed first, whichever router holds the route.
    for (path, to) in [
        ("/api/docs/a/b/", "/api/docs/a/b"),
        ("/api/docs/a/", "/api/docs/a"),
        ("/api/files/d/", "/api/files/d"),
    ] {
        let reply = request(address, "GET", path).await;
        assert_eq!(
            (reply.status, reply.header("location")),
            (308, Some(to)),
            "GET {path}"
        );
    }
    // Nothing matches `/api` itself: the JSON 404 after the last router.
    let reply = request(address, "GET", "/api").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"]["message"], "No route for GET /api");
}

/// The request log (and, with `fsroute::telemetry`, the exported span) names the route
/// that answered, whichever of the four routers holds it: the app-wide layers make the
/// span before routing, where only the first router's routes have matched.
#[tokio::test]
async fn the_request_log_names_the_route_that_answered_in_each_router() {
    let log = CapturedLog::start();
    let client = TestClient::new(AppLayers::new().apply(precedence::router(())));
    for (n, (path, route)) in [
        ("/api/docs/a", "/api/docs/{id}"),
        ("/api/docs/a/b", "/api/docs/{*slug}"),
        ("/api/files/d", "/api/files/{*all}"),
        ("/api/x/about", "/api/{section}/about"),
        ("/api/x/y", "/api/{*fallback}"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("precedence-{n}");
        let request = Request::get(path)
            .header("x-request-id", &id)
            .body(Body::empty())
            .unwrap();
        assert_eq!(client.send(request).await.status(), 200, "GET {path}");
        let text = log.text();
        let line = text
            .lines()
            .find(|line| line.contains(&format!("request_id={id}")) && line.contains("response"))
            .unwrap_or_else(|| panic!("no response line for {path}: {text}"));
        assert!(line.contains(&format!("url.path={path} ")), "{line}");
        assert_eq!(
            line.matches("http.route=").count(),
            1,
            "one route for GET {path}: {line}"
        );
        assert!(
            line.contains(&format!("http.route={route} "))
                || line.contains(&format!("http.route={route}}}")),
            "GET {path} is {route}: {line}"
        );
    }
}
