//! `app/proxy.rs`, over a real socket (`fixtures/proxy/app`): it runs before routing for
//! the paths its `MATCHER` lists, 404s included, and may answer, redirect, or rewrite the
//! URL routing then sees; other paths go straight to routing.

#[path = "../support/raw_http.rs"]
mod raw_http;

use fsroute_tests::proxy;
use raw_http::{request, serve};

#[tokio::test]
async fn the_proxy_sees_each_matched_request_before_routing() {
    let address = serve(proxy::router(())).await;
    let reply = request(address, "GET", "/api/new").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "new"));
    assert_eq!(reply.header("x-proxied"), Some("yes"));
    // A path no route has: the proxy ran, then routing answered the JSON 404.
    let reply = request(address, "GET", "/api/nope").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("x-proxied"), Some("yes"));
    assert_eq!(
        reply.json()["error"]["message"],
        "No route for GET /api/nope"
    );
}

#[tokio::test]
async fn a_rewrite_is_what_routing_and_the_handler_see() {
    let address = serve(proxy::router(())).await;
    let reply = request(address, "GET", "/api/v1/users/7").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "user 7"));
    let reply = request(address, "GET", "/api/v1/echo-path?q=1").await;
    assert_eq!(reply.body, "/api/echo-path?q=1");
    // Rewritten to a path with no route: routing's 404, naming the rewritten path.
    let reply = request(address, "GET", "/api/v1/nothing").await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json()["error"]["message"],
        "No route for GET /api/nothing"
    );
}

#[tokio::test]
async fn the_proxy_may_answer_or_redirect_itself() {
    let address = serve(proxy::router(())).await;
    let reply = request(address, "GET", "/api/blocked").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["error"]["message"], "Blocked by the proxy");
    let reply = request(address, "GET", "/api/moved").await;
    assert_eq!(
        (reply.status, reply.header("location")),
        (308, Some("/api/new"))
    );
}

#[tokio::test]
async fn paths_the_matcher_does_not_list_go_straight_to_routing() {
    let address = serve(proxy::router(())).await;
    let reply = request(address, "GET", "/other").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "other"));
    assert_eq!(reply.header("x-proxied"), None);
    let reply = request(address, "GET", "/nope").await;
    assert_eq!((reply.status, reply.header("x-proxied")), (404, None));
}
