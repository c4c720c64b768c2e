//! Multipart uploads: limits, types, hostile file names, storage, through real requests.

use std::path::PathBuf;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use fsroute::prelude::*;
use fsroute::test::{TestClient, TestResponse};
use serde_json::json;

const BOUNDARY: &str = "fsroute-test-boundary";

fn multipart(parts: &[(&str, Option<&str>, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, file_name, content_type, data) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match file_name {
            Some(name) => format!("form-data; name=\"{field}\"; filename=\"{name}\""),
            None => format!("form-data; name=\"{field}\""),
        };
        body.extend_from_slice(format!("Content-Disposition: {disposition}\r\n").as_bytes());
        body.extend_from_slice(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    State(dir): State<PathBuf>,
    mut form: Multipart,
) -> ApiResult<Json<serde_json::Value>> {
    let limits = UploadLimits::images(64);
    let Some(file) = form.next_file(&limits).await? else {
        return Err(ApiError::bad_request("Send a file"));
    };
    let stored = file.save_in(&dir).await?;
    Ok(Json(json!({
        "field": file.field,
        "fileName": file.file_name,
        "contentType": file.content_type,
        "size": file.bytes.len(),
        "stored": stored.file_name().unwrap().to_string_lossy(),
    })))
}

fn app(dir: PathBuf) -> Router {
    Router::new().route("/upload", post(upload)).with_state(dir)
}

async fn send(app: &Router, body: Vec<u8>) -> TestResponse {
    TestClient::new(app.clone())
        .post("/upload")
        .content_type(&format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .await
}

#[tokio::test]
async fn a_good_image_is_stored_under_a_generated_name() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().to_path_buf());
    let body = multipart(&[
        ("title", None, "text/plain", b"my cat"),
        ("photo", Some("cat.png"), "image/png", b"\x89PNG fake"),
    ]);
    let reply = send(&app, body).await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["field"], "photo");
    assert_eq!(json["fileName"], "cat.png");
    assert_eq!(json["size"], 9);
    let stored = json["stored"].as_str().unwrap();
    assert!(
        stored.ends_with(".png") && !stored.contains("cat"),
        "{stored}"
    );
    assert_eq!(
        std::fs::read(dir.path().join(stored)).unwrap(),
        b"\x89PNG fake"
    );
}

#[tokio::test]
async fn a_hostile_file_name_cannot_leave_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().join("uploads"));
    let body = multipart(&[(
        "photo",
        Some("../../../etc/cron.d/evil.png"),
        "image/png",
        b"\x89PNG\r\n\x1a\n",
    )]);
    let reply = send(&app, body).await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["fileName"], "evil.png");
    let entries: Vec<_> = std::fs::read_dir(dir.path().join("uploads"))
        .unwrap()
        .collect();
    assert_eq!(entries.len(), 1);
    // Nothing was written outside the uploads folder.
    let top: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(top, ["uploads"]);
}

#[tokio::test]
async fn over_the_size_limit_is_413() {
    let dir = tempfile::tempdir().unwrap();
    let body = multipart(&[("photo", Some("big.png"), "image/png", &[0u8; 65])]);
    let reply = send(&app(dir.path().to_path_buf()), body).await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        reply.json()["error"],
        json!({ "code": "PAYLOAD_TOO_LARGE", "message": "File is larger than 64 bytes", "details": { "field": "photo", "maxBytes": 64 } })
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_type_not_allowed_is_415() {
    let dir = tempfile::tempdir().unwrap();
    let body = multipart(&[("photo", Some("x.svg"), "image/svg+xml", b"<svg/>")]);
    let reply = send(&app(dir.path().to_path_buf()), body).await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        reply.error_message(),
        Some(
            "File type `image/svg+xml` is not allowed; allowed: image/png, image/jpeg, image/gif, image/webp"
        )
    );
}

#[tokio::test]
async fn not_multipart_is_415_and_no_file_is_400() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path().to_path_buf());
    let reply = TestClient::new(app.clone())
        .post("/upload")
        .json(&json!({}))
        .await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let reply = send(
        &app,
        multipart(&[("title", None, "text/plain", b"no file")]),
    )
    .await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_message(), Some("Send a file"));
}

#[tokio::test]
async fn a_malformed_body_is_400() {
    let dir = tempfile::tempdir().unwrap();
    let reply = send(
        &app(dir.path().to_path_buf()),
        b"--fsroute-test-boundary\r\ngarbage".to_vec(),
    )
    .await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), Some("INVALID_MULTIPART"));
}
