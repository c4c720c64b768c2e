//! `app/proxy.rs`, over a real socket (`fixtures/proxy/app`): it runs before routing for
//! the paths its `MATCHER` lists, 404s included, and may answer, redirect, or rewrite the
//! URL routing then sees; other paths go straight to routing. The expected answers are
//! Next.js 16's for the same tree with `fixtures/proxy/proxy.js` (`bench/parity`).

#[path = "../support/raw_http.rs"]
mod raw_http;

use axum::body::Body;
use axum::http::Request;
use fsroute::layers::AppLayers;
use fsroute::test::{CapturedLog, TestClient};
use fsroute_tests::proxy;
use raw_http::{request, serve};
use serde_json::Value;

#[tokio::test]
async fn each_path_gets_what_next_js_gives_it() {
    let address = serve(proxy::router(())).await;
    let expected: Value =
        serde_json::from_str(include_str!("../fixtures/proxy/expected.json")).unwrap();
    let cases = expected["cases"].as_array().unwrap();
    assert!(cases.len() >= 9);
    for case in cases {
        let path = case["path"].as_str().unwrap();
        let reply = request(address, "GET", path).await;
        assert_eq!(u64::from(reply.status), case["status"], "GET {path}");
        let proxied = reply.header("x-proxied") == Some("yes");
        assert_eq!(
            Value::Bool(proxied),
            case["proxied"],
            "GET {path}: x-proxied"
        );
        if let Some(route) = case.get("route") {
            let body = reply.json();
            assert_eq!(
                (&body["route"], &body["params"]),
                (route, &case["params"]),
                "GET {path}"
            );
            if let Some(url) = case.get("url") {
                assert_eq!(&body["url"], url, "GET {path}");
            }
        }
        if let Some(location) = case.get("location") {
            assert_eq!(reply.header("location"), location.as_str(), "GET {path}");
        }
    }
}

#[tokio::test]
async fn the_proxy_answers_in_the_json_error_shape_and_a_rewrite_404_names_the_new_path() {
    let address = serve(proxy::router(())).await;
    let reply = request(address, "GET", "/api/blocked").await;
    assert_eq!(reply.json()["error"]["message"], "Blocked by the proxy");
    let reply = request(address, "GET", "/api/v1/nothing").await;
    assert_eq!(
        reply.json()["error"]["message"],
        "No route for GET /api/nothing"
    );
}

/// The request log (and, with `fsroute::telemetry`, the exported span) names the route
/// that the request reached after the proxy, rewritten or not; none when the proxy
/// answered itself or no route matched. The span is made before the proxy runs.
#[tokio::test]
async fn the_request_log_names_the_route_the_proxied_request_reached() {
    let log = CapturedLog::start();
    let client = TestClient::new(AppLayers::new().apply(proxy::router(())));
    for (n, (path, status, route)) in [
        ("/api/new", 200, Some("/api/new")),
        ("/api/v1/users/7", 200, Some("/api/users/{id}")),
        ("/other", 200, Some("/other")),
        ("/api/blocked", 403, None),
        ("/api/v1/nothing", 404, None),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("proxied-{n}");
        let request = Request::get(path)
            .header("x-request-id", &id)
            .body(Body::empty())
            .unwrap();
        assert_eq!(client.send(request).await.status(), status, "GET {path}");
        let text = log.text();
        let line = text
            .lines()
            .find(|line| line.contains(&format!("request_id={id}")) && line.contains("response"))
            .unwrap_or_else(|| panic!("no response line for {path}: {text}"));
        // The path the client sent.
        assert!(line.contains(&format!("url.path={path} ")), "{line}");
        match route {
            Some(route) => {
                assert_eq!(line.matches("http.route=").count(), 1, "{line}");
                assert!(
                    line.contains(&format!("http.route={route} "))
                        || line.contains(&format!("http.route={route}}}")),
                    "GET {path} reached {route}: {line}"
                );
            }
            None => assert!(!line.contains("http.route="), "GET {path}: {line}"),
        }
    }
}
