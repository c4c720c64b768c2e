//! Two replicas of the app on one PostgreSQL database, as behind a load balancer: what one
//! writes the other reads, a session from one works on the other, and concurrent writes
//! to both lose nothing. Runs through `bash .ci/with-postgres cargo test`; without a
//! server `cargo test` lists these as ignored (`build.rs` says how).

mod common;

use std::collections::BTreeSet;

use common::{AppProcess, fresh_postgres_database, postgres_or_skip};
use serde_json::json;
use sqlx::Connection;

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres_tests),
    ignore = "needs PostgreSQL: run `bash .ci/with-postgres cargo test`"
)]
async fn two_replicas_share_users_posts_and_sessions_and_lose_no_write() {
    if postgres_or_skip("replicas").is_none() {
        return;
    }
    let url = fresh_postgres_database().await.unwrap();
    // Both start at once: migrations are serialized by sqlx's advisory lock.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| AppProcess::start(&url, &[]));
        let b = scope.spawn(|| AppProcess::start(&url, &[]));
        (a.join().unwrap(), b.join().unwrap())
    });

    let account = json!({ "email": "ada@example.com", "name": "Ada", "password": "correct horse" });
    let (status, _) = a.call(
        "POST",
        "/api/auth/register",
        None,
        Some(&account.to_string()),
    );
    assert_eq!(status, 202);
    let login = json!({ "email": "ada@example.com", "password": "correct horse" }).to_string();
    let (status, session) = b.call("POST", "/api/auth/login", None, Some(&login));
    assert_eq!(status, 200, "registered through A, signed in through B");
    let token = session["token"].as_str().unwrap().to_string();
    let (status, me) = a.call(
        "GET",
        &format!("/api/users/{}", session["user"]["id"]),
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "a session from B works on A");
    assert_eq!(me["email"], "ada@example.com");

    let post =
        json!({ "title": "hello from A", "content": "x", "published": true, "tags": ["replicas"] });
    let (status, created) = a.call("POST", "/api/posts", Some(&token), Some(&post.to_string()));
    assert_eq!(status, 201);
    let (status, listed) = b.call("GET", "/api/posts?tag=replicas", Some(&token), None);
    assert_eq!(status, 200);
    assert_eq!(
        listed["data"][0]["id"], created["id"],
        "created on A, listed by B"
    );

    // Concurrent creates through both replicas: every acknowledged one is stored, once.
    let acknowledged: Vec<(i64, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                let (replica, token) = (if worker % 2 == 0 { &a } else { &b }, &token);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    for n in 0..25 {
                        let title = format!("replica write {worker}-{n}");
                        let body = json!({ "title": title, "content": "c", "tags": ["load", format!("w{worker}")] });
                        let (status, created) = replica.call("POST", "/api/posts", Some(token), Some(&body.to_string()));
                        assert_eq!(status, 201, "{created}");
                        mine.push((created["id"].as_i64().unwrap(), title));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(acknowledged.len(), 200);

    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let stored: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM posts WHERE title LIKE 'replica write %'")
            .fetch_all(&mut db)
            .await
            .unwrap();
    let stored: BTreeSet<_> = stored.into_iter().collect();
    let acknowledged: BTreeSet<_> = acknowledged.into_iter().collect();
    assert_eq!(stored, acknowledged, "stored exactly what was acknowledged");
    let untagged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM posts p WHERE p.title LIKE 'replica write %' \
         AND (SELECT COUNT(*) FROM post_tags t WHERE t.post_id = p.id) != 2",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(untagged, 0);
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres_tests),
    ignore = "needs PostgreSQL: run `bash .ci/with-postgres cargo test`"
)]
async fn replicas_starting_at_once_with_the_same_admin_make_one() {
    if postgres_or_skip("replicas").is_none() {
        return;
    }
    let url = fresh_postgres_database().await.unwrap();
    let admin = [
        ("ADMIN_EMAIL", "boss@example.com"),
        ("ADMIN_PASSWORD", "the boss's long password"),
    ];
    // Each finds no admin and creates it; the one that loses the insert finds it made.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| AppProcess::start(&url, &admin));
        let b = scope.spawn(|| AppProcess::start(&url, &admin));
        (a.join().unwrap(), b.join().unwrap())
    });
    let login =
        json!({ "email": "boss@example.com", "password": "the boss's long password" }).to_string();
    for replica in [&a, &b] {
        let (status, session) = replica.call("POST", "/api/auth/login", None, Some(&login));
        assert_eq!(status, 200, "{session}");
        assert_eq!(session["user"]["role"], "admin");
    }
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(admins, 1);
}

/// Without a server these tests are reported as ignored, with how to run them, never as
/// passed: what `cargo test` shows, read from this very test binary.
#[test]
fn without_a_server_they_are_reported_as_ignored() {
    let compiled_with_server = option_env!("TEST_DATABASE_URL").is_some()
        || option_env!("FSROUTE_REQUIRE_POSTGRES").is_some();
    assert_eq!(
        cfg!(postgres_tests),
        compiled_with_server,
        "build.rs turns the PostgreSQL tests on exactly when there is a server, or CI \
         requires one"
    );
    if compiled_with_server {
        return; // They run; running them again from here would only repeat them.
    }
    let run = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["replicas_", "--test-threads=1"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{shown}");
    for test in [
        "two_replicas_share_users_posts_and_sessions_and_lose_no_write",
        "replicas_starting_at_once_with_the_same_admin_make_one",
    ] {
        assert!(
            shown.contains(&format!(
                "test {test} ... ignored, needs PostgreSQL: run `bash .ci/with-postgres cargo test`"
            )),
            "{shown}"
        );
    }
    assert!(shown.contains("0 passed; 0 failed; 2 ignored"), "{shown}");
}
