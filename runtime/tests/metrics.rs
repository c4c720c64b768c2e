//! `fsroute::metrics`: requests counted and timed by route pattern, in Prometheus's text
//! format. The recorder is the process's, so these tests have a binary of their own.

use axum::Router;
use axum::routing::get;
use fsroute::metrics::Prometheus;
use fsroute::routing::{finish, finish_in_order};
use fsroute::test::TestClient;
use http::Method;

async fn user() -> &'static str {
    "user"
}

async fn boom() -> &'static str {
    panic!("a bug")
}

/// The value of the `_count` series whose labels include all of `labels`, if any.
fn count(text: &str, labels: &[(&str, &str)]) -> Option<u64> {
    text.lines()
        .filter(|line| line.starts_with("http_server_request_duration_seconds_count{"))
        .find(|line| {
            labels
                .iter()
                .all(|(name, value)| line.contains(&format!("{name}=\"{value}\"")))
        })
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

/// The unmatched series (the other test of this binary records matched ones meanwhile).
fn unmatched_series(text: &str) -> usize {
    text.lines()
        .filter(|line| line.starts_with("http_server_request_duration_seconds_count{"))
        .filter(|line| line.contains("http_route=\"unmatched\""))
        .count()
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_never_by_path() {
    let prometheus = Prometheus::install().unwrap();
    let client = TestClient::new(finish_in_order(
        [
            Router::new()
                .route("/users/{id}", get(user))
                .route("/boom", get(boom)),
            Router::new().route("/users/{*rest}", get(user)),
        ],
        (),
    ));
    for path in ["/users/1", "/users/2", "/users/3", "/users/1/posts"] {
        assert_eq!(client.get(path).await.status(), 200);
    }
    assert_eq!(client.get("/boom").await.status(), 500);
    assert_eq!(client.delete("/users/1").await.status(), 405);
    let propfind = client
        .request(Method::from_bytes(b"PROPFIND").unwrap(), "/users/1")
        .await;
    assert_eq!(propfind.status(), 405);

    let text = prometheus.render();
    let get = |route, status| {
        count(
            &text,
            &[
                ("http_route", route),
                ("http_request_method", "GET"),
                ("http_response_status_code", status),
            ],
        )
    };
    assert_eq!(get("/users/{id}", "200"), Some(3), "{text}");
    // The second router's route is its own pattern too.
    assert_eq!(get("/users/{*rest}", "200"), Some(1), "{text}");
    assert_eq!(get("/boom", "500"), Some(1), "{text}");
    assert_eq!(
        count(
            &text,
            &[
                ("http_route", "/users/{id}"),
                ("http_request_method", "DELETE")
            ]
        ),
        Some(1)
    );
    // A method no standard names is `_OTHER`, so invented ones add no series.
    assert_eq!(
        count(&text, &[("http_request_method", "_OTHER")]),
        Some(1),
        "{text}"
    );
    assert!(
        !text.contains("/users/1\""),
        "a raw path became a label:\n{text}"
    );
}

#[tokio::test]
async fn unknown_paths_share_one_series() {
    let prometheus = Prometheus::install().unwrap();
    let client = TestClient::new(finish(Router::new().route("/known", get(user)), ()));
    assert_eq!(client.get("/nope/0").await.status(), 404);
    let before = unmatched_series(&prometheus.render());
    assert_eq!(before, 1);
    for n in 1..2_000 {
        client.get(format!("/nope/{n}/{}", n * 7)).await;
    }
    let text = prometheus.render();
    assert_eq!(
        unmatched_series(&text),
        before,
        "unknown paths added series:\n{text}"
    );
    assert!(!text.contains("/nope/"), "a raw path became a label");
    let unmatched = count(
        &text,
        &[
            ("http_route", "unmatched"),
            ("http_request_method", "GET"),
            ("http_response_status_code", "404"),
        ],
    );
    assert!(unmatched >= Some(2_000), "{text}");
}
