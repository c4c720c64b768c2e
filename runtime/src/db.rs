//! Database defaults every fsroute app on sqlx should have (feature `sqlx`), from
//! `bench/db`'s measurements against Next.js (issue #22, `docs/performance.md`).
//!
//! - [`WriteGate`]: SQLite allows one writer at a time. Left to itself, a second writer
//!   sleeps in SQLite's busy handler (1, 2, 5 … 100 ms naps) and wakes late, so under
//!   load a few writes wait hundreds of milliseconds while the disk sits idle. The gate
//!   queues writers in the process instead, in arrival order, on a connection of their
//!   own (a writer never waits behind readers for one, and the writer's thread stays
//!   warm), and starts each write with `BEGIN IMMEDIATE`, so the write lock is taken up
//!   front (a deferred transaction that read first can fail outright when it tries to
//!   write). On PostgreSQL, which locks rows, the gate lets every writer through.
//! - [`SQLITE_CONNECTION_SETTINGS`] and [`sqlite_pool_size`]: per-connection pragmas and
//!   a readers' pool sized to the cores.
//!
//! ```
//! use fsroute::db::{WriteGate, WriteTransaction};
//! use sqlx::Sqlite;
//!
//! async fn rename(gate: &WriteGate<Sqlite>, id: i64, name: &str) -> Result<(), sqlx::Error> {
//!     let mut write: WriteTransaction<Sqlite> = gate.begin().await?;
//!     sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
//!         .bind(name)
//!         .bind(id)
//!         .execute(&mut **write)
//!         .await?;
//!     write.commit().await
//! }
//! ```

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Database, Pool, Transaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Run on each new SQLite connection: WAL (readers never block the writer), one fsync
/// per commit (`synchronous = FULL`: a commit that returned survives a power cut; WAL's
/// usual `NORMAL` can lose the last commits), a 5 s wait for a writer in another process
/// (this process's writers queue at the [`WriteGate`]), and foreign keys enforced.
pub const SQLITE_CONNECTION_SETTINGS: &str = "PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

/// Connections for an SQLite readers' pool: one per core, at least two (one slow read
/// does not hold up the rest). SQLite work is CPU work on the connection's own thread, so
/// connections past the cores only add thread switches: on one core, bench/db's single
/// reads went from 6,539 to 7,109 requests/s with 2 connections instead of 8. Writes
/// have their own connection ([`WriteGate::one_at_a_time`]).
pub fn sqlite_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores).unwrap_or(u32::MAX).max(2)
}

/// Lets writers into the database one at a time (SQLite) or all at once (PostgreSQL).
/// Cheap to clone: clones share one queue.
pub struct WriteGate<DB: Database> {
    /// Where writes run.
    pool: Pool<DB>,
    /// `None`: the database handles concurrent writers itself.
    turn: Option<Arc<Semaphore>>,
}

impl<DB: Database> Clone for WriteGate<DB> {
    fn clone(&self) -> Self {
        WriteGate {
            pool: self.pool.clone(),
            turn: self.turn.clone(),
        }
    }
}

impl<DB: Database> WriteGate<DB> {
    /// One writer at a time, in arrival order, each starting with `BEGIN IMMEDIATE`, on
    /// `writer`: a pool for writes alone, with one connection (only one writes at a time)
    /// and the readers' settings. On its own connection a writer never queues behind
    /// readers for one; in bench/db that took 64 concurrent creates from 808–1,214 to
    /// 1,194–1,343 requests/s on one core.
    pub fn one_at_a_time(writer: Pool<DB>) -> WriteGate<DB> {
        WriteGate {
            pool: writer,
            turn: Some(Arc::new(Semaphore::new(1))),
        }
    }

    /// Every writer straight through on `pool`, with a plain `BEGIN`: for a database
    /// that handles concurrent writers itself (PostgreSQL).
    pub fn open(pool: Pool<DB>) -> WriteGate<DB> {
        WriteGate { pool, turn: None }
    }

    /// Waits for this writer's turn, then begins a transaction. The turn is held until
    /// the transaction is committed or dropped (rolled back).
    pub async fn begin(&self) -> Result<WriteTransaction<DB>, sqlx::Error> {
        let Some(turn) = &self.turn else {
            return Ok(WriteTransaction {
                transaction: self.pool.begin().await?,
                _turn: None,
            });
        };
        let permit = Arc::clone(turn)
            .acquire_owned()
            .await
            .expect("the write gate's semaphore is never closed");
        Ok(WriteTransaction {
            transaction: self.pool.begin_with("BEGIN IMMEDIATE").await?,
            _turn: Some(permit),
        })
    }

    /// Closes the writers' pool (the app's shutdown, tests that take the database away).
    pub async fn close(&self) {
        self.pool.close().await
    }
}

/// A transaction that holds its [`WriteGate`] turn. It derefs to sqlx's
/// [`Transaction`]: run statements on `&mut **write`, then [`commit`](Self::commit);
/// dropped uncommitted, it rolls back and the next writer goes.
pub struct WriteTransaction<DB: Database> {
    // Field order is drop order: the rollback is queued before the turn passes on.
    transaction: Transaction<'static, DB>,
    _turn: Option<OwnedSemaphorePermit>,
}

impl<DB: Database> WriteTransaction<DB> {
    /// Commits, then lets the next writer in.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.transaction.commit().await
    }
}

impl<DB: Database> Deref for WriteTransaction<DB> {
    type Target = Transaction<'static, DB>;

    fn deref(&self) -> &Self::Target {
        &self.transaction
    }
}

impl<DB: Database> DerefMut for WriteTransaction<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.transaction
    }
}
