//! `fsroute::metrics`: requests counted and timed by route pattern, in Prometheus's text
//! format. The recorder is the process's, so these tests have a binary of their own.

use axum::Router;
use axum::routing::get;
use fsroute::metrics::Prometheus;
use fsroute::routing::{Proxy, finish, finish_in_order, finish_with_proxy};
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

/// The unmatched GET series (the other tests of this binary record other series meanwhile,
/// unmatched ones only with other methods).
fn unmatched_series(text: &str) -> usize {
    text.lines()
        .filter(|line| line.starts_with("http_server_request_duration_seconds_count{"))
        .filter(|line| line.contains("http_route=\"unmatched\""))
        .filter(|line| line.contains("http_request_method=\"GET\""))
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

/// The value of the `REVALIDATE` counter with these labels.
fn revalidate_count(text: &str, route: &str, cache: &str) -> Option<u64> {
    text.lines()
        .filter(|line| line.starts_with("fsroute_revalidate_requests_total{"))
        .find(|line| {
            line.contains(&format!("http_route=\"{route}\""))
                && line.contains(&format!("cache=\"{cache}\""))
        })
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn revalidate_hits_misses_and_bypasses_are_counted_by_route() {
    let prometheus = Prometheus::install().unwrap();
    let client = TestClient::new(finish(
        Router::new()
            .route("/feed/{page}", get(user))
            .route_layer(fsroute::layers::Revalidate::seconds(60)),
        (),
    ));
    for path in ["/feed/1", "/feed/1", "/feed/1", "/feed/2"] {
        assert_eq!(client.get(path).await.status(), 200);
    }
    let signed_in = client.get("/feed/1").bearer("token").await;
    assert_eq!(signed_in.header("x-fsroute-cache"), Some("BYPASS"));

    let text = prometheus.render();
    assert_eq!(
        revalidate_count(&text, "/feed/{page}", "miss"),
        Some(2),
        "{text}"
    );
    assert_eq!(
        revalidate_count(&text, "/feed/{page}", "hit"),
        Some(2),
        "{text}"
    );
    assert_eq!(
        revalidate_count(&text, "/feed/{page}", "bypass"),
        Some(1),
        "{text}"
    );
}

#[tokio::test]
async fn the_endpoint_serves_the_text_format_behind_its_token() {
    let prometheus = Prometheus::install().unwrap();
    let endpoint = prometheus.endpoint().bearer_token("scrape-token-1");
    let client =
        TestClient::new(endpoint.mount(finish(Router::new().route("/known", get(user)), ())));
    assert_eq!(client.get("/known").await.status(), 200);

    let anonymous = client.get("/metrics").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    assert_eq!(anonymous.error_code(), Some("UNAUTHORIZED"));
    assert_eq!(
        client
            .get("/metrics")
            .bearer("scrape-token-2")
            .await
            .status(),
        401
    );

    let scraped = client.get("/metrics").bearer("scrape-token-1").await;
    assert_eq!(scraped.status(), 200);
    assert_eq!(
        scraped.header("content-type"),
        Some(fsroute::metrics::TEXT_FORMAT)
    );
    let text = scraped.text();
    assert!(
        count(
            text,
            &[
                ("http_route", "/known"),
                ("http_response_status_code", "200")
            ]
        ) >= Some(1),
        "{text}"
    );
    // The endpoint is not a route of the app: scrapes are not counted as traffic.
    assert!(!text.contains("http_route=\"/metrics\""), "{text}");
    // The process's own figures, read at each scrape.
    #[cfg(target_os = "linux")]
    for name in [
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_cpu_seconds_total",
    ] {
        let value: f64 = text
            .lines()
            .find(|line| line.starts_with(&format!("{name} ")))
            .and_then(|line| line.rsplit(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {name}:\n{text}"));
        if name != "process_cpu_seconds_total" {
            assert!(value > 0.0, "{name} = {value}");
        }
    }

    // On a port of its own: the endpoint alone, and its scrapes not counted either.
    let own_port = TestClient::new(prometheus.endpoint().router());
    assert_eq!(own_port.get("/metrics").await.status(), 200);
    assert_eq!(own_port.get("/known").await.status(), 404);
    let text = own_port.get("/metrics").await.text().to_string();
    assert!(!text.contains("http_route=\"/metrics\""), "{text}");
}

/// Recorded durations wait in the recorder until its upkeep folds them into buckets; a
/// process nobody scrapes would otherwise keep every one.
#[cfg(target_os = "linux")]
#[test]
fn an_upkeep_thread_folds_durations_into_buckets_without_scrapes() {
    Prometheus::install().unwrap();
    // A new thread names itself once it runs: until then it has its parent's name.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let names: Vec<String> = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .map(|name| name.trim().to_string())
            .collect();
        if names.iter().any(|name| name == "fsroute-metrics") {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no upkeep thread among {names:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Lets `/admin` through only with `x-admin`, answering 403 itself otherwise.
async fn admin_gate(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.uri().path().starts_with("/admin") && !request.headers().contains_key("x-admin") {
        return http::StatusCode::FORBIDDEN.into_response();
    }
    next.run(request).await
}

#[tokio::test]
async fn behind_a_proxy_every_request_is_counted_once() {
    let prometheus = Prometheus::install().unwrap();
    let client = TestClient::new(finish_with_proxy(
        [
            Router::new().route("/admin/{id}", get(user)),
            Router::new().route("/admin/{*rest}", get(user)),
        ],
        Proxy::everywhere(axum::middleware::from_fn(admin_gate)),
        (),
    ));
    // PUT and PATCH: no other test of this binary sends them, so the counts are ours.
    assert_eq!(client.put("/admin/1").await.status(), 403);
    assert_eq!(
        client.put("/admin/1").header("x-admin", "1").await.status(),
        405
    );
    assert_eq!(
        client
            .put("/admin/1/2")
            .header("x-admin", "1")
            .await
            .status(),
        405
    );
    assert_eq!(client.patch("/elsewhere").await.status(), 404);

    let text = prometheus.render();
    let put = |route, status| {
        count(
            &text,
            &[
                ("http_route", route),
                ("http_request_method", "PUT"),
                ("http_response_status_code", status),
            ],
        )
    };
    // The proxy's own answer reached no route.
    assert_eq!(put("unmatched", "403"), Some(1), "{text}");
    assert_eq!(put("/admin/{id}", "405"), Some(1), "{text}");
    assert_eq!(put("/admin/{*rest}", "405"), Some(1), "{text}");
    let patch_unmatched = count(
        &text,
        &[
            ("http_route", "unmatched"),
            ("http_request_method", "PATCH"),
            ("http_response_status_code", "404"),
        ],
    );
    assert_eq!(patch_unmatched, Some(1), "counted twice?\n{text}");
    let all_put: u64 = text
        .lines()
        .filter(|line| line.starts_with("http_server_request_duration_seconds_count{"))
        .filter(|line| line.contains("http_request_method=\"PUT\""))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(all_put, 3, "{text}");
}
