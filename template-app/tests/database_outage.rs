//! The database goes away while the app runs: requests get a JSON 503 quickly (no hang,
//! no crash), health says so, and when the database is back the app recovers by itself.
//! Runs through `bash .ci/with-postgres cargo test`, which gives a way to stop and start
//! the server (ignored without one); it is the only test in this file so that no other
//! test loses its database meanwhile.

mod common;

use std::time::{Duration, Instant};

use common::{AppProcess, fresh_postgres_database, postgres_or_skip};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(postgres_tests),
    ignore = "needs PostgreSQL: run `bash .ci/with-postgres cargo test`"
)]
async fn requests_get_503_while_the_database_is_down_and_the_app_recovers() {
    if postgres_or_skip("database_outage").is_none() {
        return;
    }
    let control = std::env::var("TEST_PG_CTL").expect("TEST_PG_CTL from .ci/with-postgres");
    let pg_ctl = |action: &str| {
        let status = std::process::Command::new(&control)
            .arg(action)
            .status()
            .unwrap();
        assert!(status.success(), "{control} {action}");
    };
    let url = fresh_postgres_database().await.unwrap();
    let app = AppProcess::start(&url, &[("DB_ACQUIRE_TIMEOUT_SECONDS", "2")]);

    let account = json!({ "email": "ada@example.com", "name": "Ada", "password": "correct horse" });
    assert_eq!(
        app.call(
            "POST",
            "/api/auth/register",
            None,
            Some(&account.to_string())
        )
        .0,
        202
    );
    let login = json!({ "email": "ada@example.com", "password": "correct horse" }).to_string();
    let (_, session) = app.call("POST", "/api/auth/login", None, Some(&login));
    let token = session["token"].as_str().unwrap().to_string();
    assert_eq!(app.call("GET", "/api/posts", Some(&token), None).0, 200);

    pg_ctl("stop");
    let (status, health) = app.call("GET", "/api/health", None, None);
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["database"], "unreachable");
    for _ in 0..3 {
        let started = Instant::now();
        let (status, body) = app.call("GET", "/api/posts", Some(&token), None);
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
        // Bounded by the pool's acquire timeout (2 s here), not a hang.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }
    let post = json!({ "title": "while down", "content": "x" }).to_string();
    assert_eq!(
        app.call("POST", "/api/posts", Some(&token), Some(&post)).0,
        503
    );

    pg_ctl("start");
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.call("GET", "/api/health", None, None).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the app did not recover within 30 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(app.call("GET", "/api/posts", Some(&token), None).0, 200);
    let (status, created) = app.call("POST", "/api/posts", Some(&token), Some(&post));
    assert_eq!(status, 201, "{created}");
}
