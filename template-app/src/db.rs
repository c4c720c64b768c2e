//! The database: SQLite through sqlx, created and migrated on first start.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use crate::config::Config;

/// Opens (creating if needed) and migrates the database. The error is one line saying
/// what failed, for `main` to print.
pub async fn connect(config: &Config) -> Result<SqlitePool, String> {
    let options = SqliteConnectOptions::from_str(&config.database_url)
        .map_err(|err| format!("DATABASE_URL={} is not usable: {err}", config.database_url))?
        .create_if_missing(true)
        // Readers do not block the writer, and a busy writer is waited for, not an error.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    if let Some(parent) = options.get_filename().parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|err| {
            format!(
                "cannot create the database folder {}: {err}",
                parent.display()
            )
        })?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|err| format!("cannot open the database {}: {err}", config.database_url))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .map_err(|err| format!("cannot migrate the database: {err}"))?;
    Ok(pool)
}

/// Whether a trivial query answers.
pub async fn reachable(pool: &SqlitePool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}
