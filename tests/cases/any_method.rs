//! `pub async fn ANY`, over a real socket (`fixtures/any-method/app`): it answers every
//! method the file does not export by name, custom ones included, so the route never
//! answers 405; `OPTIONS` and `HEAD` are still answered for it unless exported, and
//! `Allow` lists every method.

#[path = "../support/raw_http.rs"]
mod raw_http;

use fsroute_tests::any_method;
use raw_http::{request, serve};

const EVERY_METHOD: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";

#[tokio::test]
async fn any_alone_answers_every_method() {
    let address = serve(any_method::router(())).await;
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"] {
        let reply = request(address, method, "/api/anything").await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, &*format!("ANY {method}"))
        );
    }
    // Without a `GET`, `HEAD` is `ANY`'s too (the body is left out).
    let reply = request(address, "HEAD", "/api/anything").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, ""));
    let reply = request(address, "OPTIONS", "/api/anything").await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("allow"), Some(EVERY_METHOD));
}

#[tokio::test]
async fn a_method_exported_by_name_wins_over_any() {
    let address = serve(any_method::router(())).await;
    let reply = request(address, "GET", "/api/mixed").await;
    assert_eq!(reply.body, "GET");
    // `HEAD` comes from `GET`, as without `ANY`.
    let reply = request(address, "HEAD", "/api/mixed").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-length"), Some("3"));
    for method in ["POST", "DELETE", "PROPFIND"] {
        let reply = request(address, method, "/api/mixed").await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, &*format!("ANY {method}"))
        );
    }
    let reply = request(address, "OPTIONS", "/api/mixed").await;
    assert_eq!(
        (reply.status, reply.header("allow")),
        (204, Some(EVERY_METHOD))
    );
}

#[tokio::test]
async fn an_exported_options_answers_options() {
    let address = serve(any_method::router(())).await;
    let reply = request(address, "OPTIONS", "/api/own-options").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "own options"));
    let reply = request(address, "PUT", "/api/own-options").await;
    assert_eq!(reply.body, "ANY PUT");
}
