//! The two routers the benchmark compares give the same answers, so the benchmark compares
//! like with like. The benchmark script checks the same over HTTP for all contestants.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn answer(
    router: &Router,
    method: Method,
    uri: &str,
    body: Option<&str>,
) -> (u16, String, Option<String>) {
    let mut request = Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap(), allow)
}

#[tokio::test]
async fn generated_and_handwritten_answer_alike() {
    let generated = bench_http::generated();
    let handwritten = bench_http::handwritten();
    let cases = [
        (Method::GET, "/api/hello", None),
        (Method::GET, "/api/users/42", None),
        (Method::GET, "/api/users/abc", None),
        (
            Method::POST,
            "/api/echo",
            Some(r#"{"a":[1,2,3],"b":"text"}"#),
        ),
        (Method::POST, "/api/echo", Some("{bad")),
        (Method::GET, "/api/docs/guide/intro/setup", None),
        (Method::GET, "/api/docs/guide/", None),
        (Method::GET, "/api/search?q=rust&page=2&sort=new", None),
        (Method::GET, "/api/search", None),
        (Method::GET, "/api/nope", None),
        (Method::GET, "/api/hello/", None),
        (Method::DELETE, "/api/hello", None),
        (Method::OPTIONS, "/api/echo", None),
        (Method::OPTIONS, "/api/hello", None),
        (Method::HEAD, "/api/hello", None),
    ];
    for (method, uri, body) in cases {
        let a = answer(&generated, method.clone(), uri, body).await;
        let b = answer(&handwritten, method.clone(), uri, body).await;
        assert_eq!(a, b, "{method} {uri}");
    }
    let (status, body, _) = answer(&generated, Method::GET, "/api/users/7", None).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"id":7,"name":"user 7"}"#)
    );
}
