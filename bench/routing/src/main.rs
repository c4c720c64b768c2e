//! `cargo run --release -p bench-routing [-- --requests N --rounds R]`
//!
//! What Next.js routing parity costs a request, in process (no socket, so the router is
//! most of the time): each pair is measured side by side, alternating, in one run, and
//! printed as nanoseconds per request and the ratio.
//!
//! - A catch-all beside a `[param]`: `/docs/{id}` can only be in a second router, tried
//!   when the first has no match (`finish_in_order`). Against the same catch-all alone in
//!   one router (`finish`), for a path the catch-all answers (`/docs/a/b`, one more
//!   lookup), and for one the first router answers (`/docs/a`, against the catch-all).
//! - A proxy before routing that passes every request on (`finish_with_proxy` with
//!   `Proxy::everywhere`, and with a `MATCHER` that does not match), against none.
//! - Metrics by route (`fsroute::metrics`): the same router built after
//!   `Prometheus::install()`, against one built before (not measured).

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use fsroute::routing::{Proxy, finish, finish_in_order, finish_with_proxy};
use tower::ServiceExt;

async fn handler() -> &'static str {
    "ok"
}

async fn pass_on(request: Request<Body>, next: Next) -> Response {
    next.run(request).await
}

fn catch_all_alone() -> Router {
    finish(Router::new().route("/docs/{*slug}", get(handler)), ())
}

fn catch_all_beside_param() -> Router {
    finish_in_order(
        [
            Router::new().route("/docs/{id}", get(handler)),
            Router::new().route("/docs/{*slug}", get(handler)),
        ],
        (),
    )
}

fn plain() -> Router {
    finish(Router::new().route("/api/users/{id}", get(handler)), ())
}

fn proxied(matcher: Option<&[&str]>) -> Router {
    let layer = axum::middleware::from_fn(pass_on);
    let proxy = match matcher {
        Some(matcher) => Proxy::matching(layer, matcher),
        None => Proxy::everywhere(layer),
    };
    finish_with_proxy(
        [Router::new().route("/api/users/{id}", get(handler))],
        proxy,
        (),
    )
}

/// Nanoseconds per request for `requests` requests of `path`, one after another.
async fn time(router: &Router, path: &str, requests: u32) -> f64 {
    let started = Instant::now();
    for _ in 0..requests {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert!(response.status().is_success());
    }
    started.elapsed().as_nanos() as f64 / f64::from(requests)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn option(args: &[String], name: &str, default: u32) -> u32 {
    args.iter()
        .position(|arg| arg == name)
        .and_then(|at| args.get(at + 1))
        .map(|value| value.parse().expect("a number"))
        .unwrap_or(default)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let requests = option(&args, "--requests", 200_000);
    let rounds = option(&args, "--rounds", 5);
    // Every router but the measured one is built before the recorder is installed.
    let unmeasured = plain();
    let mut pairs: Vec<(&str, Router, Router, &str)> = vec![
        (
            "`/docs/a/b`: the catch-all in the second router vs alone",
            catch_all_beside_param(),
            catch_all_alone(),
            "/docs/a/b",
        ),
        (
            "`/docs/a`: `[id]` in the first router vs the catch-all alone",
            catch_all_beside_param(),
            catch_all_alone(),
            "/docs/a",
        ),
        (
            "`/api/users/7`: a proxy that passes it on vs no proxy",
            proxied(None),
            plain(),
            "/api/users/7",
        ),
        (
            "`/api/users/7`: a proxy whose MATCHER does not match vs no proxy",
            proxied(Some(&["/admin/:path*"])),
            plain(),
            "/api/users/7",
        ),
    ];
    fsroute::metrics::Prometheus::install().expect("the only recorder");
    pairs.push((
        "`/api/users/7`: measured by route (metrics on) vs not",
        plain(),
        unmeasured,
        "/api/users/7",
    ));
    println!("| case | with (ns/request) | without | ratio |\n| --- | ---: | ---: | ---: |");
    for (name, with, without, path) in &pairs {
        // Warm up both, then alternate which goes first.
        time(with, path, requests / 10).await;
        time(without, path, requests / 10).await;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            if round % 2 == 0 {
                a.push(time(with, path, requests).await);
                b.push(time(without, path, requests).await);
            } else {
                b.push(time(without, path, requests).await);
                a.push(time(with, path, requests).await);
            }
        }
        let (a, b) = (median(a), median(b));
        println!("| {name} | {a:.0} | {b:.0} | {:.2}× |", a / b);
    }
}
