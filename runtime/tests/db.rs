//! `fsroute::db` on a real SQLite file: the write gate queues writers that SQLite alone
//! would turn away, holds each turn until commit or rollback, and the open gate does not
//! queue at all.

use std::str::FromStr;
use std::time::Duration;

use fsroute::db::{SQLITE_CONNECTION_SETTINGS, WriteGate};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Executor, Sqlite, SqlitePool};

/// A pool of `size` connections on the file in `dir`, with the shared settings. With
/// `impatient`, `busy_timeout = 0` after them: a writer that finds the lock taken fails at
/// once ("database is locked") instead of sleeping, so a collision the gate should have
/// prevented shows as an error.
async fn pool(dir: &tempfile::TempDir, size: u32, impatient: bool) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(&format!(
        "sqlite://{}/gate.db?mode=rwc",
        dir.path().display()
    ))
    .unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(size)
        .after_connect(move |connection, _| {
            Box::pin(async move {
                connection.execute(SQLITE_CONNECTION_SETTINGS).await?;
                if impatient {
                    connection.execute("PRAGMA busy_timeout = 0").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .unwrap();
    pool.execute(
        "CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL); \
         INSERT OR IGNORE INTO counter VALUES (1, 0);",
    )
    .await
    .unwrap();
    pool
}

/// Read, pause, write: the shape that collides when two writers run at once.
async fn increment(gate: &WriteGate<Sqlite>) -> Result<(), sqlx::Error> {
    let mut write = gate.begin().await?;
    let value: i64 = sqlx::query_scalar("SELECT value FROM counter WHERE id = 1")
        .fetch_one(&mut **write)
        .await?;
    tokio::time::sleep(Duration::from_millis(2)).await;
    sqlx::query("UPDATE counter SET value = $1 WHERE id = 1")
        .bind(value + 1)
        .execute(&mut **write)
        .await?;
    write.commit().await
}

async fn value(pool: &SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT value FROM counter WHERE id = 1")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn increment_concurrently(gate: &WriteGate<Sqlite>, writers: usize) -> usize {
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let gate = gate.clone();
            tokio::spawn(async move { increment(&gate).await })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        if task.await.unwrap().is_err() {
            failed += 1;
        }
    }
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gate_queues_writers_that_sqlite_alone_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let readers = pool(&dir, 8, true).await;

    // Without the gate, on eight connections, writers at once collide: some are refused
    // (or, had they waited in SQLite's busy handler, they would have slept).
    let failed = increment_concurrently(&WriteGate::open(readers.clone()), 40).await;
    assert!(
        failed > 0,
        "40 ungated writers, none refused: the test shows nothing"
    );
    let after_open = value(&readers).await;
    assert_eq!(after_open, 40 - failed as i64);

    // Through the gate, on a writer's connection of its own, while the readers' pool
    // reads: every one of them lands, none lost.
    let gate = WriteGate::one_at_a_time(pool(&dir, 1, true).await);
    let reading = tokio::spawn({
        let readers = readers.clone();
        async move {
            for _ in 0..200 {
                value(&readers).await;
            }
        }
    });
    let failed = increment_concurrently(&gate, 40).await;
    reading.await.unwrap();
    assert_eq!(failed, 0, "a gated writer was refused");
    assert_eq!(value(&readers).await, after_open + 40);
}

#[tokio::test]
async fn a_turn_is_held_until_commit_or_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool(&dir, 2, false).await;
    let gate = WriteGate::one_at_a_time(pool.clone());

    let mut first = gate.begin().await.unwrap();
    sqlx::query("UPDATE counter SET value = 7 WHERE id = 1")
        .execute(&mut **first)
        .await
        .unwrap();
    let second = tokio::time::timeout(Duration::from_millis(200), gate.begin()).await;
    assert!(
        second.is_err(),
        "a second writer got in while the first held its turn"
    );

    // Dropped uncommitted: rolled back, and the next writer gets its turn.
    drop(first);
    let mut second = tokio::time::timeout(Duration::from_secs(5), gate.begin())
        .await
        .expect("the turn passes on when a transaction is dropped")
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT value FROM counter WHERE id = 1")
        .fetch_one(&mut **second)
        .await
        .unwrap();
    assert_eq!(seen, 0, "the dropped transaction's write was kept");
    sqlx::query("UPDATE counter SET value = 8 WHERE id = 1")
        .execute(&mut **second)
        .await
        .unwrap();
    second.commit().await.unwrap();
    assert_eq!(value(&pool).await, 8);

    // And after a commit, too.
    let third = tokio::time::timeout(Duration::from_secs(5), gate.begin()).await;
    assert!(third.is_ok(), "the turn did not pass on after a commit");
}

#[tokio::test]
async fn an_open_gate_does_not_queue() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool(&dir, 2, false).await;
    let gate = WriteGate::open(pool);
    // Two transactions at once (plain deferred BEGINs, which SQLite allows until both
    // write): an open gate never holds the second back.
    let first = gate.begin().await.unwrap();
    let second = tokio::time::timeout(Duration::from_millis(500), gate.begin()).await;
    assert!(second.is_ok(), "the open gate queued a writer");
    drop(first);
}
