//! The error shape on the wire, the conversions' 500s and their logs, and the safety nets:
//! panics and plain-text errors.

use axum::Router;
use axum::routing::{get, post};
use fsroute::layers::{JsonErrorsLayer, catch_panic};
use fsroute::prelude::*;
use fsroute::test::{CapturedLog, TestClient};
use serde_json::json;

fn app() -> Router {
    Router::new()
        .route(
            "/missing",
            get(|| async { ApiResult::<()>::Err(ApiError::not_found("User 7")) }),
        )
        .route(
            "/busy",
            get(|| async { ApiResult::<()>::Err(ApiError::too_many_requests(30)) }),
        )
        .route("/io", get(io_failure))
        .route("/anyhow", get(anyhow_failure))
        .route("/panic", get(panics))
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/axum-json",
            post(|axum::Json(v): axum::Json<serde_json::Value>| async move { v.to_string() }),
        )
        .route(
            "/teapot",
            get(|| async { (StatusCode::IM_A_TEAPOT, "short and stout") }),
        )
        .route(
            "/plain-500",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "db password=hunter2") }),
        )
        .route(
            "/html-404",
            get(|| async { (StatusCode::NOT_FOUND, axum::response::Html("<h1>no</h1>")) }),
        )
        .layer(JsonErrorsLayer)
        .layer(catch_panic())
}

fn client() -> TestClient {
    TestClient::new(app())
}

async fn panics() -> &'static str {
    panic!("secret internals")
}

async fn io_failure() -> ApiResult<String> {
    let text = std::fs::read_to_string("/")?;
    Ok(text)
}

async fn anyhow_failure() -> ApiResult<String> {
    Err(anyhow::anyhow!("connection reset by peer at 10.0.0.3").context("loading posts"))?
}

#[tokio::test]
async fn errors_have_the_one_shape_in_the_documented_order() {
    let reply = client().get("/missing").await;
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.text(),
        r#"{"error":{"code":"NOT_FOUND","message":"User 7 not found","details":null}}"#
    );
    let reply = client().get("/busy").await;
    assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.header("retry-after"), Some("30"));
}

#[tokio::test]
async fn unexpected_errors_are_500_with_the_cause_logged_not_sent() {
    let log = CapturedLog::start();
    for path in ["/io", "/anyhow"] {
        let reply = client().get(path).await;
        assert_eq!(reply.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(
            reply.json(),
            json!({ "error": { "code": "INTERNAL_ERROR", "message": "Internal server error", "details": null } })
        );
    }
    let logged = log.text();
    assert!(logged.contains("Is a directory"), "{logged}");
    assert!(
        logged.contains("loading posts: connection reset by peer at 10.0.0.3"),
        "{logged}"
    );
}

#[tokio::test]
async fn a_panic_is_a_json_500_and_the_next_request_is_served() {
    let log = CapturedLog::start();
    let client = client();
    let reply = client.get("/panic").await;
    assert_eq!(reply.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.error_message(), Some("Internal server error"));
    assert!(!reply.text().contains("secret"));
    assert!(log.text().contains("handler panicked: secret internals"));
    let after = client.get("/ok").await;
    assert_eq!((after.status().as_u16(), after.text()), (200, "ok"));
}

#[tokio::test]
async fn axum_rejections_come_out_as_json() {
    let reply = client()
        .post("/axum-json")
        .content_type("application/json")
        .body("{oops")
        .await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), Some("BAD_REQUEST"));
    assert!(
        reply
            .error_message()
            .unwrap_or_default()
            .starts_with("Failed to parse the request body as JSON"),
        "{}",
        reply.text()
    );
    let reply = client()
        .post("/axum-json")
        .content_type("text/plain")
        .body("{}")
        .await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.error_code(), Some("UNSUPPORTED_MEDIA_TYPE"));
}

#[tokio::test]
async fn plain_text_errors_from_handlers_are_wrapped() {
    let reply = client().get("/teapot").await;
    assert_eq!(
        reply.json(),
        json!({ "error": { "code": "I_M_A_TEAPOT", "message": "short and stout", "details": null } })
    );
    // A plain-text 500 may hold internals: never sent.
    let reply = client().get("/plain-500").await;
    assert_eq!(reply.error_message(), Some("Internal server error"));
    assert!(!reply.text().contains("hunter2"));
    // Other bodies are the handler's choice and pass untouched.
    let reply = client().get("/html-404").await;
    assert_eq!(reply.text(), "<h1>no</h1>");
}
