//! Uploads have owners and limits (security review H3): a quota in bytes and in files per
//! user, a rate per user, deletion by the owner or an admin, and files that go with
//! their owner's account. On SQLite, and on PostgreSQL under `.ci/with-postgres`.

mod common;

use std::path::PathBuf;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;
use template_app::config::UploadQuota;

/// A PNG of `size` bytes (a real signature, then filler).
fn png(size: usize) -> Vec<u8> {
    let mut image = b"\x89PNG\r\n\x1a\n".to_vec();
    image.resize(size, 7);
    image
}

/// The files in the app's uploads folder, hidden ones (half-written uploads) too.
fn stored_files(app: &TestApp) -> Vec<PathBuf> {
    std::fs::read_dir(app.config.data_dir.join("uploads"))
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default()
}

/// Uploads a PNG of `size` bytes and returns its URL; panics unless it is stored.
async fn stored(app: &TestApp, token: &str, size: usize) -> String {
    let reply = app.upload(token, "p.png", "image/png", &png(size)).await;
    assert_eq!(reply.status(), StatusCode::CREATED, "{}", reply.text());
    reply.json()["url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_user_has_a_quota_in_bytes_and_in_files() {
    let app = TestApp::with_config(|config| {
        config.upload_quota = UploadQuota {
            bytes: 100_000,
            files: 3,
        }
    })
    .await;
    let (ada, _) = app.sign_up("ada@example.com").await;
    let (bob, _) = app.sign_up("bob@example.com").await;

    let first = stored(&app, &ada, 60_000).await;
    // 60 000 + 50 000 is past 100 000: refused, and the file is not kept.
    let reply = app.upload(&ada, "p.png", "image/png", &png(50_000)).await;
    assert_eq!(
        reply.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text()
    );
    assert_eq!(reply.error_code(), Some("UPLOAD_QUOTA_EXCEEDED"));
    assert_eq!(
        reply.json()["error"]["details"],
        json!({ "bytes": 110_000, "files": 2, "quotaBytes": 100_000, "quotaFiles": 3 })
    );
    assert_eq!(stored_files(&app).len(), 1, "{:?}", stored_files(&app));

    // Within the bytes, up to the third file; the fourth is one too many.
    stored(&app, &ada, 10_000).await;
    stored(&app, &ada, 10_000).await;
    let reply = app.upload(&ada, "p.png", "image/png", &png(100)).await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"]["details"]["files"], 3);
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("DELETE /api/files/{name}"),
        "the error says how to make room: {}",
        reply.text()
    );

    // Another user's quota is their own.
    stored(&app, &bob, 60_000).await;

    // Deleting a file makes room again.
    let deleted = app.call(Method::DELETE, &first, Some(&ada), None).await;
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "{}",
        deleted.text()
    );
    stored(&app, &ada, 50_000).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM uploads").await,
        4,
        "three of ada's, one of bob's"
    );
    assert_eq!(stored_files(&app).len(), 4);
}

#[tokio::test]
async fn uploads_at_once_cannot_both_take_the_last_room() {
    let app = TestApp::with_config(|config| {
        config.upload_quota = UploadQuota {
            bytes: 1_000_000,
            files: 1,
        }
    })
    .await;
    let (ada, _) = app.sign_up("ada@example.com").await;
    let image = png(20_000);
    let replies = futures_util::future::join_all(
        (0..6).map(|_| app.upload(&ada, "p.png", "image/png", &image)),
    )
    .await;
    let statuses: Vec<_> = replies.iter().map(|reply| reply.status()).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::PAYLOAD_TOO_LARGE),
        "{statuses:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM uploads").await, 1);
    assert_eq!(stored_files(&app).len(), 1, "refused files are not kept");
}

#[tokio::test]
async fn uploads_per_user_are_rate_limited() {
    let app = TestApp::with_config(|config| config.upload_rate_per_minute = 2).await;
    let (ada, _) = app.sign_up("ada@example.com").await;
    let (bob, _) = app.sign_up("bob@example.com").await;
    stored(&app, &ada, 100).await;
    stored(&app, &ada, 100).await;
    let reply = app.upload(&ada, "p.png", "image/png", &png(100)).await;
    assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.error_code(), Some("RATE_LIMITED"));
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The limit is per account, not for everyone.
    stored(&app, &bob, 100).await;
    assert_eq!(stored_files(&app).len(), 3);
}

#[tokio::test]
async fn a_file_is_deleted_by_its_owner_or_an_admin_only() {
    let app = TestApp::new().await;
    let (ada, _) = app.sign_up("ada@example.com").await;
    let (bob, _) = app.sign_up("bob@example.com").await;
    let (admin, _) = app.admin().await;
    let adas = stored(&app, &ada, 1_000).await;

    let anonymous = app.call(Method::DELETE, &adas, None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let by_bob = app.call(Method::DELETE, &adas, Some(&bob), None).await;
    assert_eq!(by_bob.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        by_bob.json()["error"]["message"],
        "You can only delete your own files"
    );
    assert_eq!(app.get(&adas, None).await.status(), StatusCode::OK);

    let by_ada = app.call(Method::DELETE, &adas, Some(&ada), None).await;
    assert_eq!(by_ada.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&adas, None).await.status(), StatusCode::NOT_FOUND);
    let again = app.call(Method::DELETE, &adas, Some(&ada), None).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    let bobs = stored(&app, &bob, 1_000).await;
    let by_admin = app.call(Method::DELETE, &bobs, Some(&admin), None).await;
    assert_eq!(by_admin.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&bobs, None).await.status(), StatusCode::NOT_FOUND);

    // A file from before uploads had owners: served, deleted by an admin only.
    std::fs::write(app.config.data_dir.join("uploads/old.png"), png(100)).unwrap();
    let by_user = app
        .call(Method::DELETE, "/api/files/old.png", Some(&ada), None)
        .await;
    assert_eq!(by_user.status(), StatusCode::FORBIDDEN);
    let by_admin = app
        .call(Method::DELETE, "/api/files/old.png", Some(&admin), None)
        .await;
    assert_eq!(by_admin.status(), StatusCode::NO_CONTENT);
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));

    // Not even an admin deletes outside the uploads folder.
    let beside = app.config.data_dir.join("beside.txt");
    std::fs::write(&beside, "keep me").unwrap();
    let outside = app
        .call(
            Method::DELETE,
            "/api/files/..%2Fbeside.txt",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(outside.status(), StatusCode::BAD_REQUEST);
    assert!(beside.exists());
}

#[tokio::test]
async fn deleting_an_account_deletes_its_files() {
    let app = TestApp::new().await;
    let (ada, ada_id) = app.sign_up("ada@example.com").await;
    let (bob, _) = app.sign_up("bob@example.com").await;
    let (admin, _) = app.admin().await;
    let first = stored(&app, &ada, 1_000).await;
    let second = stored(&app, &ada, 2_000).await;
    let bobs = stored(&app, &bob, 1_000).await;

    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/users/{ada_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "{}",
        deleted.text()
    );
    for url in [&first, &second] {
        assert_eq!(app.get(url, None).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.get(&bobs, None).await.status(), StatusCode::OK);
    assert_eq!(stored_files(&app).len(), 1, "only bob's file is left");
    assert_eq!(app.count("SELECT COUNT(*) FROM uploads").await, 1);
}
