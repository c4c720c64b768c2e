//! `--feed` (issue #15): the template's public feed, `GET /api/feed?page=5&limit=20`
//! (`REVALIDATE` and `TAGS`), on the seeded database three ways in one run: uncached,
//! cached in the process, cached in Redis. Requests/s and latency side by side; the
//! target is the Redis-cached feed at 5× the uncached one or more.
//!
//! Uncached is the same server, route and handler as the in-process contestant, asked
//! with a `Cookie` header: the cache steps aside for a request with credentials
//! (`x-fsroute-cache: BYPASS`), so the handler and its two queries run every time.

use std::fmt::Write as _;
use std::path::Path;

use hyper::StatusCode;

use crate::client::{self, Spec};
use crate::server::{self, Contestant, Server};
use crate::{Endpoint, Options, Sample, Store, launch, log, measure, median, thousands};

const PATH: &str = "/api/feed?page=5&limit=20";

struct Way {
    label: &'static str,
    redis: bool,
    endpoint: Endpoint,
}

fn ways() -> Vec<Way> {
    let endpoint = |spec: fn(&str) -> Spec| Endpoint {
        name: "GET /api/feed?page=5&limit=20",
        connections: 64,
        expected: StatusCode::OK,
        fresh: false,
        spec,
    };
    vec![
        Way {
            label: "uncached (BYPASS)",
            redis: false,
            endpoint: endpoint(|_| Spec::get(PATH).header("cookie", "bench=uncached")),
        },
        Way {
            label: "in-process cache",
            redis: false,
            endpoint: endpoint(|_| Spec::get(PATH)),
        },
        Way {
            label: "Redis cache",
            redis: true,
            endpoint: endpoint(|_| Spec::get(PATH)),
        },
    ]
}

async fn start(way: &Way, store: &Store, scratch: &Path, pinned: bool, redis_url: &str) -> Server {
    let name = format!("feed_{}", way.label.split(' ').next().unwrap_or("x"));
    let mut environment = store.fresh(scratch, &name).await;
    if way.redis {
        environment.push(("REDIS_URL".to_string(), redis_url.to_string()));
    }
    let port = server::free_port();
    Server::start(
        Contestant::Rust,
        &launch(Contestant::Rust, environment, port),
        port,
        pinned,
        &scratch.join(format!("{name}.log")),
    )
}

/// What the cache said for one request: checks each way is what it claims to be.
async fn cache_header(port: u16, spec: &Spec) -> String {
    let answer = client::send(port, spec).await;
    assert_eq!(answer.status, 200, "the feed answers: {}", answer.json());
    answer.cache.unwrap_or_else(|| "(none)".to_string())
}

pub async fn run(
    options: &Options,
    store: &Store,
    scratch: &Path,
    pinned: bool,
    cores: usize,
) -> i32 {
    let redis = fsroute::test::RedisServer::start()
        .unwrap_or_else(|err| crate::fail(&format!("--feed needs redis-server: {err}")));
    let ways = ways();
    let mut servers = Vec::new();
    for way in &ways {
        let server = start(way, store, scratch, pinned, &redis.url()).await;
        let spec = (way.endpoint.spec)("");
        let (first, second) = (
            cache_header(server.port, &spec).await,
            cache_header(server.port, &spec).await,
        );
        let expected = if way.redis || way.label.starts_with("in-process") {
            ("MISS", "HIT")
        } else {
            ("BYPASS", "BYPASS")
        };
        if (first.as_str(), second.as_str()) != expected {
            eprintln!(
                "error: {}: x-fsroute-cache {first}, then {second}; expected {expected:?}",
                way.label
            );
            return 1;
        }
        servers.push(server);
    }
    let mut samples: Vec<Vec<Sample>> = ways.iter().map(|_| Vec::new()).collect();
    for round in 0..options.rounds {
        let mut order: Vec<usize> = (0..ways.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let way = &ways[index];
            log(&format!(
                "round {}/{}: feed, {}",
                round + 1,
                options.rounds,
                way.label
            ));
            let sample = measure(&servers[index], &way.endpoint, "", options).await;
            log(&format!(
                "    {:.0} req/s, p99 {:.2} ms, {} errors",
                sample.run.rate(),
                sample.run.percentile(0.99),
                sample.run.errors
            ));
            samples[index].push(sample);
        }
    }
    for server in servers {
        server.stop();
    }
    let table = report(options, pinned, cores, &ways, &samples);
    println!("{table}");
    let path = crate::workspace().join("bench/results/cache.md");
    std::fs::write(&path, &table).expect("the results file");
    log(&format!("written to {}", path.display()));
    0
}

fn report(
    options: &Options,
    pinned: bool,
    cores: usize,
    ways: &[Way],
    samples: &[Vec<Sample>],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# bench/db --feed: the template's cached feed, uncached / in-process / Redis (issue #15)\n"
    );
    let _ = writeln!(
        out,
        "`GET {PATH}` on the seeded SQLite database (10,000 posts, about 5,000 published). \
         Machine: {}. {} rounds alternating the order; per run a {} s warm-up, then {} s \
         timed; 64 keep-alive connections. {} Redis: a local `redis-server` (unpinned, with \
         an append-only file; the feed's reads do not write). Medians over rounds \
         (requests/s: min–max).\n",
        crate::machine(cores),
        options.rounds,
        options.warmup,
        options.seconds,
        if pinned {
            "Servers pinned to CPU 0, the load generator to CPU 1."
        } else {
            "No CPU pinning."
        }
    );
    let _ = writeln!(
        out,
        "| feed | req/s (min–max) | p50 ms | p99 ms | errors / answered | server CPU µs/req | × uncached (req/s) |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let rate = |samples: &[Sample]| median(samples.iter().map(|s| s.run.rate()).collect());
    let uncached = rate(&samples[0]);
    for (way, samples) in ways.iter().zip(samples) {
        let rates: Vec<f64> = samples.iter().map(|s| s.run.rate()).collect();
        let low = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let high = rates.iter().copied().fold(0.0, f64::max);
        let med = |f: &dyn Fn(&Sample) -> f64| median(samples.iter().map(f).collect());
        let errors: u64 = samples.iter().map(|s| s.run.errors).sum();
        let answered: u64 = samples.iter().map(|s| s.run.requests).sum();
        let _ = writeln!(
            out,
            "| {} | {} ({}–{}) | {:.2} | {:.2} | {} / {} | {} | {:.2}× |",
            way.label,
            thousands(rate(samples)),
            thousands(low),
            thousands(high),
            med(&|s| s.run.percentile(0.50)),
            med(&|s| s.run.percentile(0.99)),
            thousands(errors as f64),
            thousands(answered as f64),
            thousands(med(&|s| s.cpu_us_per_request)),
            rate(samples) / uncached,
        );
    }
    let _ = writeln!(
        out,
        "\nThe target (issue #15): the Redis-cached feed at 5× the uncached one or more. Server \
         CPU is the template's process tree only (Redis's own CPU is not in it)."
    );
    out
}
