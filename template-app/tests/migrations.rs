//! The SQLite and PostgreSQL migrations are kept in step: the same versions with the same
//! names, so that both databases always have the same schema history.

use std::path::Path;

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
