//! The template app's database-backed endpoints against the same API as Next.js 16 route
//! handlers (issue #22), side by side on one seeded database:
//!
//!     cargo run --release -p bench-db -- [--seconds 10] [--rounds 3] [--warmup 3] [--postgres]
//!         [--no-build] [--check] [--show] [--only TEXT] [--feed]
//!
//! `--feed` measures the template's cached feed instead, uncached / in-process / Redis
//! (`feed.rs`, issue #15; needs `redis-server`), into `bench/results/cache.md`.
//!
//! 1. Builds `template-app` (release) and `bench/db/nextjs` (`npm ci`, `next build`).
//! 2. Seeds once: the template app on an empty database makes the schema, its admin and
//!    20 registered users; then 10,000 posts with two tags each by SQL (fixed seed). Each
//!    contestant gets a byte-identical copy (SQLite) or `CREATE DATABASE … TEMPLATE` of it
//!    (PostgreSQL, `--postgres`, with `TEST_DATABASE_URL` from `.ci/with-postgres`).
//! 3. A correctness pass: the same requests to both, compared; a mismatch exits 1.
//! 4. Measurement: both servers pinned to CPU 0, this load generator to CPU 1; per
//!    endpoint and round (the order alternating), a warm-up (3 s) and a timed run per
//!    contestant. Requests/s, p50/p99/p99.9, server CPU and context switches per request,
//!    peak memory. The table goes to stdout and `bench/results/db.md` (`db-postgres.md`).

mod check;
mod client;
mod feed;
mod seed;
mod server;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hyper::StatusCode;
use serde_json::json;

use client::{Run, Spec};
use server::{Contestant, Launch, Server, Usage};

const SECRET: &str = "bench-db shared secret: 48 bytes of test key material!!";
const ISSUER: &str = "template-app";

struct Options {
    seconds: u64,
    /// Before each timed run (`--warmup`, default 3 s).
    warmup: u64,
    rounds: usize,
    postgres: bool,
    build: bool,
    /// Stop after the correctness pass (`--check`); `--show` prints every case's answers.
    check_only: bool,
    show: bool,
    /// Measure only the endpoints whose name contains this (`--only "POST /api/posts"`); such a
    /// partial run prints its table but does not replace the results file.
    only: Option<String>,
    /// The cached feed three ways instead of the comparison with Next.js (`--feed`).
    feed: bool,
}

fn options() -> Options {
    let mut options = Options {
        seconds: 10,
        warmup: 3,
        rounds: 3,
        postgres: false,
        build: true,
        check_only: false,
        show: false,
        only: None,
        feed: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| fail(&format!("{name} needs a whole number")))
        };
        match arg.as_str() {
            "--seconds" => options.seconds = number("--seconds").max(1),
            "--rounds" => options.rounds = number("--rounds").max(1) as usize,
            "--warmup" => options.warmup = number("--warmup"),
            "--postgres" => options.postgres = true,
            "--no-build" => options.build = false,
            "--check" => options.check_only = true,
            "--show" => options.show = true,
            "--feed" => options.feed = true,
            "--only" => {
                options.only = Some(
                    args.next()
                        .unwrap_or_else(|| fail("--only needs part of an endpoint's name")),
                )
            }
            other => fail(&format!(
                "unknown option {other}: use --seconds N, --rounds N, --warmup N, --postgres, --no-build, --check, --show, --only TEXT, --feed"
            )),
        }
    }
    options
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

fn log(message: &str) {
    eprintln!("[bench-db] {message}");
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace")
}

fn next_dir() -> PathBuf {
    workspace().join("bench/db/nextjs")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

fn run_command(command: &mut Command, what: &str) {
    log(what);
    let status = command
        .status()
        .unwrap_or_else(|err| fail(&format!("{what}: {err}")));
    if !status.success() {
        fail(&format!("{what} failed ({status})"));
    }
}

fn build(with_next: bool) {
    run_command(
        Command::new(env!("CARGO"))
            .args(["build", "--release", "-q", "-p", "template-app"])
            .current_dir(workspace()),
        "cargo build --release -p template-app",
    );
    if !with_next {
        return;
    }
    run_command(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            // better-sqlite3 from its bundled SQLite, without first trying to download a
            // prebuilt binary (as `.npmrc` says, for npm versions that stop reading it there).
            .env("npm_config_build_from_source", "true")
            .current_dir(next_dir()),
        "npm ci (bench/db/nextjs)",
    );
    run_command(
        Command::new("node")
            .args(["node_modules/next/dist/bin/next", "build"])
            .env("NEXT_TELEMETRY_DISABLED", "1")
            .current_dir(next_dir())
            .stdout(std::process::Stdio::null()),
        "next build (bench/db/nextjs)",
    );
}

/// The body of the measured create, also a case of the correctness pass.
pub fn create_body() -> serde_json::Value {
    json!({
        "title": "A post written under load",
        "content": "Measured by bench/db: one transaction with the post, its tags and their links, then the post read back.",
        "published": true,
        "tags": ["bench", "Load"],
    })
}

/// Where the contestants' databases come from.
enum Store {
    Sqlite { seed: PathBuf },
    Postgres { base: String },
}

impl Store {
    /// A fresh copy of the seeded database for one contestant: the environment that
    /// points the contestant at it.
    async fn fresh(&self, scratch: &Path, name: &str) -> Vec<(String, String)> {
        let data = scratch.join(format!("data-{name}"));
        match self {
            Store::Sqlite { seed } => {
                let dir = seed::copy_sqlite(seed, scratch, &format!("data-{name}"));
                vec![
                    ("DATA_DIR".into(), dir.display().to_string()),
                    ("DATABASE_URL".into(), seed::sqlite_url(&dir.join("app.db"))),
                ]
            }
            Store::Postgres { base } => {
                let database = format!("bench_{name}");
                postgres_admin(
                    base,
                    &[
                        format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
                        format!("CREATE DATABASE {database} TEMPLATE bench_seed"),
                    ],
                )
                .await;
                let _ = std::fs::create_dir_all(&data);
                vec![
                    ("DATA_DIR".into(), data.display().to_string()),
                    ("DATABASE_URL".into(), format!("{base}{database}")),
                ]
            }
        }
    }
}

async fn postgres_admin(base: &str, statements: &[String]) {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(&format!("{base}postgres"))
        .await
        .unwrap_or_else(|err| fail(&format!("cannot reach PostgreSQL: {err}")));
    for statement in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut connection)
            .await
            .unwrap_or_else(|err| fail(&format!("{statement}: {err}")));
    }
    let _ = connection.close().await;
}

/// What the PostgreSQL server runs with, for the report: `.ci/with-postgres` starts its
/// throw-away cluster with `fsync = off`, which no session can turn back on.
async fn postgres_settings(base: &str) -> String {
    use sqlx::{Connection, Row};
    let Ok(mut connection) = sqlx::PgConnection::connect(&format!("{base}postgres")).await else {
        return "Database: PostgreSQL (its settings could not be read).".to_string();
    };
    let mut show = async |name: &str| -> String {
        sqlx::query(sqlx::AssertSqlSafe(format!("SHOW {name}")))
            .fetch_one(&mut connection)
            .await
            .ok()
            .and_then(|row| row.try_get::<String, _>(0).ok())
            .unwrap_or_else(|| "?".to_string())
    };
    let (version, fsync, commit) = (
        show("server_version").await,
        show("fsync").await,
        show("synchronous_commit").await,
    );
    format!(
        "Database: PostgreSQL {version} on loopback, one database per contestant made with \
         `CREATE DATABASE … TEMPLATE` from the seeded one; `fsync = {fsync}`, \
         `synchronous_commit = {commit}` (the same server for both). PostgreSQL's own \
         processes are not pinned, and their CPU is not in the server CPU column (they are \
         not in the contestant's process tree)."
    )
}

/// The settings both contestants share: the same secret and issuer (tokens are
/// interchangeable), rate limits out of the way (the failure lock counts failures only).
fn common_env() -> Vec<(String, String)> {
    [
        ("JWT_SECRET", SECRET),
        ("JWT_ISSUER", ISSUER),
        ("LOGIN_RATE_PER_MINUTE", "1000000"),
        ("REGISTER_RATE_PER_MINUTE", "1000000"),
        ("RUST_LOG", "warn"),
        ("HOST", "127.0.0.1"),
        ("NEXT_TELEMETRY_DISABLED", "1"),
        ("NODE_ENV", "production"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn launch(contestant: Contestant, database: Vec<(String, String)>, port: u16) -> Launch {
    let mut env = common_env();
    env.extend(database);
    match contestant {
        Contestant::Rust => Launch {
            program: target_dir().join("release/template-app"),
            args: Vec::new(),
            cwd: workspace(),
            env,
        },
        Contestant::Next => Launch {
            program: PathBuf::from("node"),
            args: vec![
                "node_modules/next/dist/bin/next".into(),
                "start".into(),
                "-H".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
            ],
            cwd: next_dir(),
            env,
        },
    }
}

/// Starts a contestant on a fresh copy of the database.
async fn start(
    contestant: Contestant,
    store: &Store,
    scratch: &Path,
    pin: bool,
    serial: &mut usize,
) -> Server {
    *serial += 1;
    let name = format!(
        "{}_{serial}",
        match contestant {
            Contestant::Rust => "rust",
            Contestant::Next => "next",
        }
    );
    let database = store.fresh(scratch, &name).await;
    let port = server::free_port();
    let log = scratch.join(format!("{name}.log"));
    Server::start(
        contestant,
        &launch(contestant, database, port),
        port,
        pin,
        &log,
    )
}

/// Seeds the database once, through the template app and then by SQL.
async fn seed(postgres: bool, scratch: &Path) -> Store {
    let (store, url, data_dir) = if postgres {
        let admin = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
            fail("--postgres needs TEST_DATABASE_URL: run it as `bash .ci/with-postgres cargo run --release -p bench-db -- --postgres`")
        });
        let base = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/"),
            None => fail("TEST_DATABASE_URL has no database name"),
        };
        postgres_admin(
            &base,
            &[
                "DROP DATABASE IF EXISTS bench_seed WITH (FORCE)".to_string(),
                "CREATE DATABASE bench_seed".to_string(),
            ],
        )
        .await;
        let url = format!("{base}bench_seed");
        (Store::Postgres { base }, url, scratch.join("seed-data"))
    } else {
        let dir = scratch.join("seed");
        std::fs::create_dir_all(&dir).expect("a seed folder");
        let file = dir.join("app.db");
        (
            Store::Sqlite { seed: file.clone() },
            seed::sqlite_url(&file),
            dir,
        )
    };
    std::fs::create_dir_all(&data_dir).expect("a data folder");
    let mut env = vec![
        ("DATA_DIR".to_string(), data_dir.display().to_string()),
        ("DATABASE_URL".to_string(), url.clone()),
        ("ADMIN_EMAIL".to_string(), seed::ADMIN_EMAIL.to_string()),
        (
            "ADMIN_PASSWORD".to_string(),
            seed::ADMIN_PASSWORD.to_string(),
        ),
    ];
    env.retain(|(k, _)| postgres || k != "DATABASE_URL");
    let port = server::free_port();
    let template = Server::start(
        Contestant::Rust,
        &launch(Contestant::Rust, env, port),
        port,
        false,
        &scratch.join("seed.log"),
    );
    seed::register_users(port).await;
    template.stop();
    log(&format!("seeding {} posts", seed::POSTS));
    seed::write_posts(&url).await;
    store
}

/// One measured endpoint.
struct Endpoint {
    name: &'static str,
    connections: usize,
    expected: StatusCode,
    /// Writes: the server is restarted on a fresh copy before each run.
    fresh: bool,
    spec: fn(&str) -> Spec,
}

fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint {
            name: "POST /api/auth/login",
            connections: 8,
            expected: StatusCode::OK,
            fresh: false,
            spec: |_| {
                let body =
                    json!({"email": seed::user_email(1), "password": seed::user_password(1)});
                Spec::post_json("/api/auth/login", body.to_string())
            },
        },
        Endpoint {
            name: "GET /api/posts?page=5&limit=20",
            connections: 64,
            expected: StatusCode::OK,
            fresh: false,
            spec: |token| Spec::get("/api/posts?page=5&limit=20").bearer(token),
        },
        Endpoint {
            name: "GET /api/posts/5001",
            connections: 64,
            expected: StatusCode::OK,
            fresh: false,
            spec: |token| Spec::get("/api/posts/5001").bearer(token),
        },
        Endpoint {
            name: "POST /api/posts (2 tags, one transaction)",
            connections: 64,
            expected: StatusCode::CREATED,
            fresh: true,
            spec: |token| Spec::post_json("/api/posts", create_body().to_string()).bearer(token),
        },
    ]
}

/// One contestant's timed run of one endpoint, with what the server spent on it.
struct Sample {
    run: Run,
    cpu_us_per_request: f64,
    switches_per_request: f64,
    peak_kib: u64,
}

async fn measure(server: &Server, endpoint: &Endpoint, token: &str, options: &Options) -> Sample {
    let before = std::cell::Cell::new(Usage::default());
    let after = std::cell::Cell::new(Usage::default());
    let run = client::load(
        server.port,
        (endpoint.spec)(token),
        endpoint.expected,
        client::Shape {
            connections: endpoint.connections,
            warmup: Duration::from_secs(options.warmup),
            seconds: Duration::from_secs(options.seconds),
        },
        || {
            server.reset_peak_memory();
            before.set(server.usage());
        },
        || after.set(server.usage()),
    )
    .await;
    let (before, after) = (before.get(), after.get());
    let requests = run.requests.max(1) as f64;
    Sample {
        cpu_us_per_request: (after.cpu_seconds - before.cpu_seconds) * 1e6 / requests,
        switches_per_request: after
            .context_switches
            .saturating_sub(before.context_switches) as f64
            / requests,
        peak_kib: server.peak_memory_kib(),
        run,
    }
}

fn pin_to_cpu(cpu: usize) -> bool {
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn thousands(value: f64) -> String {
    let whole = value.round() as u64;
    let text = whole.to_string();
    let mut out = String::new();
    for (index, ch) in text.chars().enumerate() {
        if index > 0 && (text.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn machine(cores: usize) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|r| r.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let version = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "{cpu}, {cores} cores; {}; Node.js {}",
        version("rustc", "--version"),
        version("node", "--version")
    )
}

fn report(
    options: &Options,
    cores: usize,
    pinned: bool,
    cases: usize,
    database: &str,
    results: &[(&Endpoint, Vec<Sample>, Vec<Sample>)],
) -> String {
    let mut out = String::new();
    let backend = if options.postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let _ = writeln!(
        out,
        "# bench/db: the template's database endpoints, Rust vs Next.js ({backend})\n"
    );
    let stamp = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .current_dir(workspace())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let _ = writeln!(
        out,
        "Run {} at commit {}{}. Machine: {}.",
        stamp("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        stamp("git", &["rev-parse", "--short", "HEAD"]),
        if stamp(
            "git",
            &["status", "--porcelain", "--", "template-app", "runtime"]
        )
        .is_empty()
        {
            ""
        } else {
            " (with uncommitted changes in template-app/ or runtime/)"
        },
        machine(cores)
    );
    let _ = writeln!(out, "{database}");
    let _ = writeln!(
        out,
        "{} rounds alternating the order; per run a {} s warm-up, then {} s timed; 64 keep-alive \
         connections (8 for login). {} Correctness pass: {cases} cases, all alike. \
         Medians over rounds (requests/s: min–max).\n",
        options.rounds,
        options.warmup,
        options.seconds,
        if pinned {
            "Servers pinned to CPU 0, the load generator to CPU 1."
        } else {
            "No CPU pinning (`taskset` or a second core is missing)."
        }
    );
    let _ = writeln!(
        out,
        "| endpoint | contestant | req/s (min–max) | p50 ms | p99 ms | p99.9 ms | errors / answered | server CPU µs/req | ctx switches/req | peak RSS MiB |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let mut ratios = Vec::new();
    for (endpoint, rust, next) in results {
        let mut rates = Vec::new();
        for (contestant, samples) in [(Contestant::Rust, rust), (Contestant::Next, next)] {
            let rate: Vec<f64> = samples.iter().map(|s| s.run.rate()).collect();
            let (low, high) = (
                rate.iter().copied().fold(f64::INFINITY, f64::min),
                rate.iter().copied().fold(0.0, f64::max),
            );
            let med = |f: &dyn Fn(&Sample) -> f64| median(samples.iter().map(f).collect());
            let requests: u64 = samples.iter().map(|s| s.run.requests).sum();
            let errors: u64 = samples.iter().map(|s| s.run.errors).sum();
            let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
            for sample in samples.iter() {
                for (status, count) in &sample.run.error_statuses {
                    *statuses.entry(*status).or_default() += count;
                }
            }
            let kinds: Vec<String> = statuses
                .iter()
                .map(|(status, count)| match status {
                    0 => format!("{} broken", thousands(*count as f64)),
                    status => format!("{} × {status}", thousands(*count as f64)),
                })
                .collect();
            let errors = if kinds.is_empty() {
                thousands(errors as f64)
            } else {
                format!("{} ({})", thousands(errors as f64), kinds.join(", "))
            };
            let rate_median = median(rate.clone());
            rates.push(rate_median);
            let _ = writeln!(
                out,
                "| {} | {} | {} ({}–{}) | {:.2} | {:.2} | {:.2} | {} / {} | {} | {:.1} | {:.1} |",
                if contestant == Contestant::Rust {
                    endpoint.name
                } else {
                    ""
                },
                contestant.label(),
                thousands(rate_median),
                thousands(low),
                thousands(high),
                med(&|s| s.run.percentile(0.50)),
                med(&|s| s.run.percentile(0.99)),
                med(&|s| s.run.percentile(0.999)),
                errors,
                thousands(requests as f64),
                thousands(med(&|s| s.cpu_us_per_request)),
                med(&|s| s.switches_per_request),
                med(&|s| s.peak_kib as f64) / 1024.0,
            );
        }
        ratios.push((endpoint.name, rates[0] / rates[1]));
    }
    let _ = writeln!(
        out,
        "\nreq/s counts the answers with the expected status (200; 201 for the create). Errors are \
         any other answer (a 503 from the template is its password-hashing queue turning a \
         sign-in away) and broken connections. Server CPU (user + system) and context switches \
         are those of the server's process tree over the timed window, divided by its answers; \
         peak RSS is VmHWM, reset as the timed window opens. Each create run starts a fresh \
         server on a fresh copy of the seeded database."
    );
    let _ = writeln!(out, "\n| endpoint | Rust ÷ Next (req/s) |\n| --- | ---: |");
    for (name, ratio) in ratios {
        let _ = writeln!(out, "| {name} | {ratio:.2}× |");
    }
    out
}

fn main() {
    let options = options();
    if options.build {
        build(!options.feed);
    }
    let scratch = tempfile::Builder::new()
        .prefix("bench-db-")
        .tempdir()
        .expect("a scratch folder");
    // Everything this process runs from here on (its load generator) stays on CPU 1; the
    // servers are started on CPU 0 through `taskset`.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let has_taskset = Command::new("taskset").arg("-V").output().is_ok();
    let pinned = cores >= 2 && has_taskset && pin_to_cpu(1);
    if !pinned {
        log("no CPU pinning: needs two cores and `taskset` (util-linux)");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let code = runtime.block_on(bench(&options, scratch.path(), pinned, cores));
    drop(runtime);
    if code == 0 {
        drop(scratch);
    } else {
        // The servers' output and the databases, to see what went wrong.
        eprintln!("the servers' logs are kept in {}", scratch.path().display());
        std::mem::forget(scratch);
    }
    std::process::exit(code);
}

async fn bench(options: &Options, scratch: &Path, pinned: bool, cores: usize) -> i32 {
    log("seeding");
    let store = seed(options.postgres, scratch).await;
    let seed_url = match &store {
        Store::Sqlite { seed } => seed::sqlite_url(seed),
        Store::Postgres { base } => format!("{base}bench_seed"),
    };
    if options.feed {
        return feed::run(options, &store, scratch, pinned, cores).await;
    }
    let (own_unpublished, other_unpublished) = seed::unpublished_posts(&seed_url).await;
    let mut serial = 0;

    // ---- correctness ----
    log("correctness pass");
    let rust = start(Contestant::Rust, &store, scratch, pinned, &mut serial).await;
    let next = start(Contestant::Next, &store, scratch, pinned, &mut serial).await;
    let setup = check::Setup {
        secret: SECRET.to_string(),
        issuer: ISSUER.to_string(),
        own_unpublished,
        other_unpublished,
    };
    let (cases, problems) = check::run(rust.port, next.port, &setup, options.show).await;
    rust.stop();
    next.stop();
    if !problems.is_empty() {
        eprintln!(
            "error: {} of {cases} cases are answered differently:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
        return 1;
    }
    log(&format!(
        "correctness pass: all {cases} cases answered alike"
    ));
    if options.check_only {
        return 0;
    }

    // ---- measurement ----
    let mut rust = start(Contestant::Rust, &store, scratch, pinned, &mut serial).await;
    let mut next = start(Contestant::Next, &store, scratch, pinned, &mut serial).await;
    let mut endpoints = endpoints();
    if let Some(only) = &options.only {
        endpoints.retain(|endpoint| endpoint.name.contains(only.as_str()));
        if endpoints.is_empty() {
            fail(&format!("--only {only}: no endpoint's name contains it"));
        }
    }
    let mut results: Vec<(&Endpoint, Vec<Sample>, Vec<Sample>)> = endpoints
        .iter()
        .map(|e| (e, Vec::new(), Vec::new()))
        .collect();
    for round in 0..options.rounds {
        let order = if round % 2 == 0 {
            [Contestant::Rust, Contestant::Next]
        } else {
            [Contestant::Next, Contestant::Rust]
        };
        for (endpoint, rust_samples, next_samples) in results.iter_mut() {
            for contestant in order {
                let slot = match contestant {
                    Contestant::Rust => &mut rust,
                    Contestant::Next => &mut next,
                };
                if endpoint.fresh {
                    let old = std::mem::replace(
                        slot,
                        start(contestant, &store, scratch, pinned, &mut serial).await,
                    );
                    old.stop();
                }
                let server = &*slot;
                let token =
                    check::sign_in(server.port, &seed::user_email(1), &seed::user_password(1))
                        .await;
                log(&format!(
                    "round {}/{}: {:<13} {}",
                    round + 1,
                    options.rounds,
                    contestant.label(),
                    endpoint.name
                ));
                let sample = measure(server, endpoint, &token, options).await;
                log(&format!(
                    "    {:.0} req/s, p99 {:.1} ms, {} errors, {:.0} µs CPU/req",
                    sample.run.rate(),
                    sample.run.percentile(0.99),
                    sample.run.errors,
                    sample.cpu_us_per_request
                ));
                match contestant {
                    Contestant::Rust => rust_samples.push(sample),
                    Contestant::Next => next_samples.push(sample),
                }
            }
        }
    }
    rust.stop();
    next.stop();
    let database = match &store {
        Store::Sqlite { .. } => {
            "Database: one SQLite file copied per contestant; WAL with `synchronous = FULL` on both \
             (one fsync per commit)."
                .to_string()
        }
        Store::Postgres { base } => postgres_settings(base).await,
    };
    let table = report(options, cores, pinned, cases, &database, &results);
    println!("{table}");
    if options.only.is_some() {
        log("a partial run (--only): the results file is left as it was");
        return 0;
    }
    let path = workspace().join(if options.postgres {
        "bench/results/db-postgres.md"
    } else {
        "bench/results/db.md"
    });
    std::fs::write(&path, &table).expect("the results file");
    log(&format!("written to {}", path.display()));
    0
}
