//! The template app's router, driven with real requests through `oneshot`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use template_app::{AppState, app, routes};
use tower::ServiceExt;

async fn get(uri: &str) -> (StatusCode, Value) {
    let response = app(AppState::with_sample_users())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn health_answers_ok() {
    let (status, body) = get("/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn a_user_by_id() {
    let (status, body) = get("/api/users/2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({ "id": 2, "name": "Grace", "email": "grace@example.com" })
    );
}

#[tokio::test]
async fn a_missing_user_is_a_json_404() {
    let (status, body) = get("/api/users/99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["message"], "User 99 not found");
}

#[test]
fn route_table_lists_the_app_routes() {
    let paths: Vec<&str> = routes::ROUTES.iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/health", "/api/users/{id}"]);
}

#[tokio::test]
async fn a_bad_id_is_a_json_400() {
    let (status, body) = get("/api/users/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "INVALID_PATH_PARAM");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let response = app(AppState::with_sample_users())
        .oneshot(Request::get("/api/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"].len(), 36);
}
