//! The SQLite and PostgreSQL migrations are kept in step: the same versions with the same
//! names, so that both databases always have the same schema history. An applied
//! migration that changed stops the start with what to do about it.

mod common;

use std::path::Path;

use common::TestApp;
use template_app::AppState;

fn migrations(database: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(database);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_migration_exists_for_both_databases() {
    let sqlite = migrations("sqlite");
    let postgres = migrations("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "add each migration to both migrations/sqlite and migrations/postgres, same file name"
    );
}

/// What a fresh database means here, as the start-up error words it.
fn start_afresh(app: &TestApp) -> String {
    match app.config.database_url.strip_prefix("sqlite://") {
        Some(path) => format!("delete `{path}` (with its `-wal` and `-shm` files, if any)"),
        None => "drop the database and create it again".to_string(),
    }
}

/// A migration edited after it was applied (its checksum no longer the one recorded) stops
/// the start, and the error says what to do in development and in production.
#[tokio::test]
async fn an_applied_migration_edited_since_stops_the_start_with_what_to_do() {
    let app = TestApp::new().await;
    let mut write = app.state.db.write().await.unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2")
        .bind(vec![0u8; 48])
        .bind(20261125000001_i64)
        .execute(&mut **write)
        .await
        .unwrap();
    write.commit().await.unwrap();

    let Err(error) = AppState::start(&app.config).await else {
        panic!("the app started on a database whose migration 20261125000001 changed");
    };
    assert_eq!(
        error,
        format!(
            "cannot migrate the database: migration 20261125000001 was previously applied \
             but has been modified; applied migrations must not change. In development, \
             start from a fresh database: {}. In production, undo the edit and make the \
             change in a new migration with the next version, in both migrations/sqlite \
             and migrations/postgres",
            start_afresh(&app)
        )
    );
}

/// A migration the database has and this build does not (renamed, deleted, or applied by
/// a newer build) stops the start the same way.
#[tokio::test]
async fn a_migration_missing_from_the_build_stops_the_start_with_what_to_do() {
    let app = TestApp::new().await;
    let mut write = app.state.db.write().await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'gone', $2, $3, 0)",
    )
    .bind(29991231000001_i64)
    .bind(true)
    .bind(vec![0u8; 48])
    .execute(&mut **write)
    .await
    .unwrap();
    write.commit().await.unwrap();

    let Err(error) = AppState::start(&app.config).await else {
        panic!("the app started on a database with a migration it does not know");
    };
    assert_eq!(
        error,
        format!(
            "cannot migrate the database: migration 29991231000001 was previously applied \
             but is missing in the resolved migrations; this build does not have a \
             migration the database has: it was renamed or deleted, or a newer build \
             applied it. In development, start from a fresh database: {}. In production, \
             run the build that has it",
            start_afresh(&app)
        )
    );
}
