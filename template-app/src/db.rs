//! The database: SQLite (the embedded default) or PostgreSQL, chosen by `DATABASE_URL` when
//! the app starts, through sqlx's `Any` driver. The same queries run on both; each has its
//! own migrations folder, kept in step (docs/deploying.md says why `Any`).

use std::time::Duration;

use fsroute::db::{SQLITE_CONNECTION_SETTINGS, WriteGate, WriteTransaction};
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyConnection};
use sqlx::{AnyPool, Connection, Executor};

use crate::config::Config;

/// The database: reads go straight to the pool, writes through [`Db::write`], which on
/// SQLite lets one writer in at a time, on a connection of its own
/// (`fsroute::db::WriteGate`: queued in the process rather than sleeping in SQLite's busy
/// handler, which cost bench/db's writes a 780 ms p99.9).
///
/// Each data-access function (`users::find`, `posts::create`, …) runs in a span of its own,
/// a child of the request's, named as OpenTelemetry names database calls (`SELECT posts`)
/// and marked `otel.kind = "client"`, with `db.system.name` from [`Db::system_name`]: in a
/// trace, the request's time spent waiting for the database (docs/observability.md).
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    writes: WriteGate<Any>,
    backend: Backend,
}

impl Db {
    /// OpenTelemetry's `db.system.name`: `sqlite` or `postgresql`.
    pub fn system_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }

    /// For queries that only read.
    pub fn reads(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction for a write, begun when it is this writer's turn: run the
    /// statements on `&mut **write`, then `write.commit()`.
    pub async fn write(&self) -> Result<WriteTransaction<Any>, sqlx::Error> {
        self.writes.begin().await
    }

    /// Closes every connection (tests that take the database away).
    pub async fn close(&self) {
        self.writes.close().await;
        self.pool.close().await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(format!(
                "DATABASE_URL={} is not a database this app knows: use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/NAME",
                redacted(url)
            ))
        }
    }
}

/// Opens the database (creating an SQLite file if needed) and migrates it. The error is
/// one line saying what failed, for `main` to print; a password in the URL is never shown.
pub async fn connect(config: &Config) -> Result<Db, String> {
    sqlx::any::install_default_drivers();
    let url = &config.database_url;
    let backend = Backend::of_url(url)?;
    let url = match backend {
        Backend::Sqlite => sqlite_url_creating_the_file(url)?,
        Backend::Postgres => url.clone(),
    };
    // One connection first, so that a failure says why (refused, unknown host, wrong
    // password) rather than only that the pool gave up waiting.
    let shown = redacted(&url);
    match tokio::time::timeout(config.acquire_timeout, AnyConnection::connect(&url)).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
        }
        Ok(Err(err)) => return Err(format!("cannot connect to the database {shown}: {err}")),
        Err(_) => {
            return Err(format!(
                "cannot connect to the database {shown}: no answer within {} s",
                config.acquire_timeout.as_secs()
            ));
        }
    }
    let sync_each_commit = config.sqlite_sync_each_commit;
    let options = || {
        AnyPoolOptions::new()
            .acquire_timeout(config.acquire_timeout)
            // PostgreSQL: a connection that fails its check is replaced, so the pool
            // recovers by itself when a server that went away comes back. An SQLite file
            // does not go away, and the check is a trip to the connection's thread.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |connection, _| {
                Box::pin(prepare(connection, backend, sync_each_commit))
            })
    };
    let pool = options()
        .max_connections(config.max_connections.unwrap_or(match backend {
            Backend::Sqlite => fsroute::db::sqlite_pool_size(),
            Backend::Postgres => 8,
        }))
        .connect(&url)
        .await
        .map_err(|err| format!("cannot connect to the database {shown}: {err}"))?;
    let migrated = match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await,
        Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await,
    };
    migrated.map_err(|err| migration_failed(&err, &config.database_url))?;
    let writes = match backend {
        // Writes have a connection of their own, beside the readers' pool: one is enough,
        // since they take turns.
        Backend::Sqlite => WriteGate::one_at_a_time(
            options()
                .max_connections(1)
                .connect(&url)
                .await
                .map_err(|err| format!("cannot connect to the database {shown}: {err}"))?,
        ),
        Backend::Postgres => WriteGate::open(pool.clone()),
    };
    Ok(Db {
        pool,
        writes,
        backend,
    })
}

/// Per-connection settings: for SQLite, fsroute's (WAL, one fsync per commit, a 5 s wait
/// for a writer in another process such as `create-admin`, foreign keys), with
/// `SQLITE_SYNCHRONOUS=normal` the fsync left to checkpoints.
async fn prepare(
    connection: &mut AnyConnection,
    backend: Backend,
    sync_each_commit: bool,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        connection.execute(SQLITE_CONNECTION_SETTINGS).await?;
        if !sync_each_commit {
            connection.execute("PRAGMA synchronous = NORMAL").await?;
        }
    }
    Ok(())
}

/// `sqlite://data/app.db` → the same with `mode=rwc`, after creating `data/`.
/// Why the migrations did not run, for `main` to print. An applied migration edited (or
/// renamed) since says what to do, since a newcomer's first reflex is to edit the file
/// again: sqlx refuses a migration whose checksum changed, and rightly.
fn migration_failed(err: &sqlx::migrate::MigrateError, url: &str) -> String {
    use sqlx::migrate::MigrateError;

    let fresh = match Backend::of_url(url) {
        Ok(Backend::Sqlite) => format!(
            "delete `{}` (with its `-wal` and `-shm` files, if any)",
            sqlite_path(url)
        ),
        _ => "drop the database and create it again".to_string(),
    };
    let hint = match err {
        MigrateError::VersionMismatch(_) => format!(
            "applied migrations must not change. In development, start from a fresh \
             database: {fresh}. In production, undo the edit and make the change in a new \
             migration with the next version, in both migrations/sqlite and \
             migrations/postgres"
        ),
        MigrateError::VersionMissing(_) => format!(
            "this build does not have a migration the database has: it was renamed or \
             deleted, or a newer build applied it. In development, start from a fresh \
             database: {fresh}. In production, run the build that has it"
        ),
        _ => return format!("cannot migrate the database: {err}"),
    };
    format!("cannot migrate the database: {err}; {hint}")
}

/// The file of an `sqlite://PATH?…` URL.
fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default()
}

fn sqlite_url_creating_the_file(url: &str) -> Result<String, String> {
    let path = sqlite_path(url);
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
        && path != ":memory:"
    {
        std::fs::create_dir_all(parent).map_err(|err| {
            format!(
                "cannot create the database folder {}: {err}",
                parent.display()
            )
        })?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    // The last `@` ends the credentials: a password may hold a raw `@`, `/` or `:`
    // (security review M1: the first `@` let the end of such a password through).
    let location = match before_query.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{credentials}@{host}"),
        },
        None => before_query.to_string(),
    };
    let Some(query) = query else {
        return format!("{scheme}://{location}");
    };
    // sqlx also takes the password as a parameter: `?password=…` (and `sslpassword`).
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                format!("{key}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{scheme}://{location}?{}", query.join("&"))
}

/// Whether a trivial query answers, within `limit`.
#[tracing::instrument(name = "SELECT", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn reachable(db: &Db, limit: Duration) -> bool {
    let ping = sqlx::query("SELECT 1").execute(db.reads());
    matches!(tokio::time::timeout(limit, ping).await, Ok(Ok(_)))
}

/// Now, as the database stores timestamps: ISO 8601 in UTC with milliseconds.
pub fn now_timestamp() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redacted("postgres://app:s3cret@db.internal:5432/app"),
            "postgres://app:***@db.internal:5432/app"
        );
        assert_eq!(redacted("sqlite://data/app.db"), "sqlite://data/app.db");
        // Raw `@`, `/` and `:` in a password, and the password as a parameter.
        for (url, shown) in [
            (
                "postgres://app:p@ss/w:rd@db:5432/app",
                "postgres://app:***@db:5432/app",
            ),
            (
                "postgres://app@db/app?password=s3cret&sslmode=require",
                "postgres://app@db/app?password=***&sslmode=require",
            ),
            (
                "postgres://app:a@db/app?sslmode=verify-full&sslpassword=key",
                "postgres://app:***@db/app?sslmode=verify-full&sslpassword=***",
            ),
            ("postgres://db/app", "postgres://db/app"),
        ] {
            assert_eq!(redacted(url), shown, "{url}");
        }
        let refused = Backend::of_url("mysql://root:hunter2@localhost/app").unwrap_err();
        assert!(
            refused.contains("mysql://root:***@localhost/app"),
            "{refused}"
        );
        assert!(!refused.contains("hunter2"));
    }

    /// `synchronous` is 2 (FULL: an fsync per commit) unless `SQLITE_SYNCHRONOUS=normal`
    /// asked for 1 (NORMAL), on every reader's connection and the writer's.
    #[tokio::test]
    async fn every_commit_is_synced_unless_told_otherwise() {
        for (sync_each_commit, expected) in [(true, 2), (false, 1)] {
            let dir = tempfile::tempdir().unwrap();
            let mut config = Config::for_data_dir(dir.path());
            config.sqlite_sync_each_commit = sync_each_commit;
            config.max_connections = Some(3);
            let db = connect(&config).await.unwrap();
            let held: Vec<_> = futures_util::future::join_all((0..3).map(|_| db.reads().acquire()))
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            for mut connection in held {
                let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(&mut *connection)
                    .await
                    .unwrap();
                assert_eq!(mode, expected, "sync_each_commit = {sync_each_commit}");
            }
            let mut write = db.write().await.unwrap();
            let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **write)
                .await
                .unwrap();
            assert_eq!(
                mode, expected,
                "the writer's, sync_each_commit = {sync_each_commit}"
            );
            drop(write);
            db.close().await;
        }
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        assert_eq!(
            sqlite_url_creating_the_file("sqlite://target/x/app.db").unwrap(),
            "sqlite://target/x/app.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url_creating_the_file("sqlite://target/x/app.db?mode=ro").unwrap(),
            "sqlite://target/x/app.db?mode=ro"
        );
    }

    #[test]
    fn timestamps_look_like_the_databases_own() {
        let now = now_timestamp();
        assert_eq!(now.len(), "2026-11-25T12:03:24.983Z".len(), "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }
}
