//! Uploads written to disk as they arrive (`Multipart::save_next_file`) and files sent as
//! they are read (`Download`), through real requests.

use std::path::{Path as FsPath, PathBuf};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::routing::{get, post};
use fsroute::prelude::*;
use fsroute::test::{TestClient, TestResponse};
use serde_json::json;

const BOUNDARY: &str = "fsroute-stream-boundary";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn part_head(name: &str, content_type: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes()
}

fn part_tail() -> Vec<u8> {
    format!("\r\n--{BOUNDARY}--\r\n").into_bytes()
}

/// A PNG signature followed by `len - 8` bytes of a repeating pattern.
fn png_of(len: usize) -> Vec<u8> {
    let mut data = PNG_SIGNATURE.to_vec();
    data.extend((0..len - PNG_SIGNATURE.len()).map(|i| (i % 251) as u8));
    data
}

async fn save(
    State(dir): State<PathBuf>,
    mut form: Multipart,
) -> ApiResult<Json<serde_json::Value>> {
    let limits = UploadLimits::images(1024 * 1024);
    let Some(file) = form.save_next_file(&limits, &dir).await? else {
        return Err(ApiError::bad_request("Send a file"));
    };
    Ok(Json(json!({
        "name": file.name,
        "size": file.size,
        "fileName": file.file_name,
        "contentType": file.content_type,
        "path": file.path,
    })))
}

async fn download(State(dir): State<PathBuf>, Path(name): Path<String>) -> ApiResult<Download> {
    Download::open(dir.join(name)).await
}

async fn attachment(State(dir): State<PathBuf>) -> ApiResult<Download> {
    Ok(Download::open(dir.join("report.bin"))
        .await?
        .attachment("Résumé 2026.pdf")
        .content_type("application/pdf")
        .cache_control("no-store"))
}

fn app(dir: &FsPath) -> Router {
    Router::new()
        .route("/upload", post(save))
        .route("/files/{name}", get(download))
        .route("/attachment", get(attachment))
        .with_state(dir.to_path_buf())
}

async fn upload(app: &Router, body: impl Into<Body>) -> TestResponse {
    TestClient::new(app.clone())
        .post("/upload")
        .content_type(&format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .await
}

/// Every entry of `dir`, hidden ones included.
fn entries(dir: &FsPath) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_file_sent_in_many_chunks_is_saved_whole_under_a_server_name() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let data = png_of(700_000);
    // Sent as a stream of 4 KiB chunks, as a slow client would.
    let mut body = part_head("../../cat.png", "image/png");
    body.extend_from_slice(&data);
    body.extend(part_tail());
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(4096)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    let reply = upload(&app, Body::from_stream(futures_util::stream::iter(chunks))).await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    let name = json["name"].as_str().unwrap();
    assert!(name.ends_with(".png") && !name.contains("cat"), "{name}");
    assert_eq!(json["size"], 700_000);
    assert_eq!(json["fileName"], "cat.png");
    assert_eq!(entries(dir.path()), [name.to_string()], "no part file left");
    assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), data);
}

#[tokio::test]
async fn a_refused_file_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());

    // Over the limit, found after the first bytes were written.
    let mut big = part_head("big.png", "image/png");
    big.extend(png_of(1024 * 1024 + 1));
    big.extend(part_tail());
    let reply = upload(&app, big).await;
    assert_eq!(
        reply.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text()
    );
    assert_eq!(reply.json()["error"]["code"], "PAYLOAD_TOO_LARGE");

    // Not the declared type: refused before anything is written.
    let mut script = part_head("x.png", "image/png");
    script.extend_from_slice(b"<script>alert(1)</script>");
    script.extend(part_tail());
    let reply = upload(&app, script).await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.json()["error"]["code"], "CONTENT_TYPE_MISMATCH");

    // The body breaks off after 100 KiB (the client went away).
    let mut head = part_head("cut.png", "image/png");
    head.extend(png_of(100 * 1024));
    let broken: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from(head)),
        Err(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
    ];
    let reply = upload(&app, Body::from_stream(futures_util::stream::iter(broken))).await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.json()["error"]["code"], "INVALID_MULTIPART");

    let left: Vec<String> = if dir.path().exists() {
        entries(dir.path())
    } else {
        Vec::new()
    };
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test]
async fn a_download_is_the_file_with_headers_that_keep_it_inert() {
    let dir = tempfile::tempdir().unwrap();
    let data = png_of(3 * 1024 * 1024);
    std::fs::write(dir.path().join("photo.png"), &data).unwrap();
    let reply = TestClient::new(app(dir.path()))
        .get("/files/photo.png")
        .await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("image/png"));
    assert_eq!(reply.header("content-length"), Some("3145728"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        reply.header("content-security-policy"),
        Some("default-src 'none'; sandbox")
    );
    assert_eq!(
        reply.header("content-disposition"),
        Some("inline; filename=\"photo.png\"")
    );
    assert_eq!(reply.header("cache-control"), Some("public, max-age=3600"));
    assert_eq!(reply.bytes(), data.as_slice());

    let missing = TestClient::new(app(dir.path()))
        .get("/files/nope.png")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json()["error"]["message"],
        "File nope.png not found"
    );
}

#[tokio::test]
async fn a_download_can_be_an_attachment_with_its_own_type_and_caching() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.bin"), b"%PDF-1.7").unwrap();
    let reply = TestClient::new(app(dir.path())).get("/attachment").await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.header("content-disposition"),
        Some(
            "attachment; filename=\"R_sum__2026.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.pdf"
        )
    );
}
