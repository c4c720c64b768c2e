//! What sqlx's `Any` driver costs against the native SQLite driver, on the template's
//! single-post read (issue #22 asks to choose with the figures):
//!
//!     cargo run --release -p bench-db --bin drivers
//!
//! One SQLite file with 10,000 rows like the template's posts; the same query by primary
//! key through an `AnyPool` and a `SqlitePool` (two connections each, no ping before
//! acquire: the template's SQLite pool), from 64 concurrent tasks on one thread, the whole
//! process pinned to one core. Rounds alternate the order; CPU time and context switches
//! are the process's (its SQLite threads included), per query.

use std::time::Instant;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{AnyPool, SqlitePool};

const ROWS: i64 = 10_000;
const TASKS: usize = 64;
const QUERIES_PER_TASK: usize = 500;
const ROUNDS: usize = 4;
const QUERY: &str = "SELECT id, author_id, title, content, CAST(published AS INTEGER), created_at \
                     FROM posts WHERE id = $1";

type Row = (i64, i64, String, String, i64, String);

#[derive(Clone, Copy, Default)]
struct Usage {
    cpu_seconds: f64,
    switches: u64,
}

fn usage() -> Usage {
    let mut raw: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut raw) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        cpu_seconds: seconds(raw.ru_utime) + seconds(raw.ru_stime),
        switches: (raw.ru_nvcsw + raw.ru_nivcsw) as u64,
    }
}

struct Sample {
    per_second: f64,
    cpu_us: f64,
    switches: f64,
}

async fn run<F, Fut>(query: F) -> Sample
where
    F: Fn(i64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Row> + Send,
{
    let before = usage();
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let query = query.clone();
            tokio::spawn(async move {
                for n in 0..QUERIES_PER_TASK {
                    let id = ((task * QUERIES_PER_TASK + n) as i64 * 7919) % ROWS + 1;
                    let row = query(id).await;
                    assert_eq!(row.0, id);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a query task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = usage();
    let queries = (TASKS * QUERIES_PER_TASK) as f64;
    Sample {
        per_second: queries / elapsed,
        cpu_us: (after.cpu_seconds - before.cpu_seconds) * 1e6 / queries,
        switches: after.switches.saturating_sub(before.switches) as f64 / queries,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let pinned = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let url = format!("sqlite://{}/drivers.db?mode=rwc", dir.path().display());
        let settings = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

        let native: SqlitePool = SqlitePoolOptions::new()
            .max_connections(2)
            .test_before_acquire(false)
            .after_connect(move |c, _| Box::pin(async move { sqlx::raw_sql(settings).execute(c).await.map(|_| ()) }))
            .connect(&url)
            .await
            .expect("the native pool");
        sqlx::raw_sql(
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL, \
             title TEXT NOT NULL, content TEXT NOT NULL, published BOOLEAN NOT NULL, \
             created_at TEXT NOT NULL); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) \
             INSERT INTO posts SELECT i, i % 20 + 1, 'Post number ' || i, \
             'Some content of a post, about a hundred and twenty bytes long, like the ones bench/db seeds into its database.', \
             i % 3 <> 0, '2026-12-02T10:00:00.000Z' FROM n;",
        )
        .execute(&native)
        .await
        .expect("the posts");

        sqlx::any::install_default_drivers();
        let any: AnyPool = AnyPoolOptions::new()
            .max_connections(2)
            .test_before_acquire(false)
            .after_connect(move |c, _| Box::pin(async move { sqlx::raw_sql(settings).execute(c).await.map(|_| ()) }))
            .connect(&url)
            .await
            .expect("the Any pool");

        let native_query = {
            let pool = native.clone();
            move |id: i64| {
                let pool = pool.clone();
                async move { sqlx::query_as::<_, Row>(QUERY).bind(id).fetch_one(&pool).await.expect("a row") }
            }
        };
        let any_query = {
            let pool = any.clone();
            move |id: i64| {
                let pool = pool.clone();
                async move { sqlx::query_as::<_, Row>(QUERY).bind(id).fetch_one(&pool).await.expect("a row") }
            }
        };
        // Warm both: statement caches, page cache.
        run(native_query.clone()).await;
        run(any_query.clone()).await;

        let (mut natives, mut anys) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                natives.push(run(native_query.clone()).await);
                anys.push(run(any_query.clone()).await);
            } else {
                anys.push(run(any_query.clone()).await);
                natives.push(run(native_query.clone()).await);
            }
        }
        println!(
            "sqlx drivers on SQLite: {} queries by primary key per run from {TASKS} tasks, {ROUNDS} rounds, medians; {}",
            TASKS * QUERIES_PER_TASK,
            if pinned { "pinned to CPU 0" } else { "not pinned" }
        );
        println!("| driver | queries/s | CPU µs/query | context switches/query |");
        println!("| --- | ---: | ---: | ---: |");
        for (name, samples) in [("native `Sqlite`", &natives), ("`Any`", &anys)] {
            println!(
                "| {name} | {:.0} | {:.1} | {:.2} |",
                median(samples.iter().map(|s| s.per_second).collect()),
                median(samples.iter().map(|s| s.cpu_us).collect()),
                median(samples.iter().map(|s| s.switches).collect()),
            );
        }
        let ratio = median(natives.iter().map(|s| s.per_second).collect())
            / median(anys.iter().map(|s| s.per_second).collect());
        println!("\nnative ÷ Any (queries/s): {ratio:.2}×");
    });
}
