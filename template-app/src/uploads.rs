//! Uploads in the database: who stored which file, and how much each user keeps
//! (security review H3). The files themselves live in `DATA_DIR/uploads`; a row exists
//! for every file stored since migration 6, and removing a row removes its file.

use std::path::Path;

use fsroute::ApiError;
use fsroute::upload::SavedFile;
use serde_json::json;
use sqlx::FromRow;

use crate::config::UploadQuota;
use crate::db::Db;
use crate::errors;

/// One stored upload.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Upload {
    pub name: String,
    pub owner_id: i64,
    pub size: i64,
    pub content_type: String,
    pub created_at: String,
}

/// What a user's uploads add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub files: u64,
}

#[tracing::instrument(name = "SELECT uploads", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn usage(db: &Db, owner_id: i64) -> Result<Usage, ApiError> {
    let (files, bytes): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM uploads WHERE owner_id = $1",
    )
    .bind(owner_id)
    .fetch_one(db.reads())
    .await?;
    Ok(Usage {
        bytes: u64::try_from(bytes).unwrap_or(0),
        files: u64::try_from(files).unwrap_or(0),
    })
}

/// Before reading an upload's body: a 413 when the user has no room left at all, so a
/// full account does not even send its 5 MiB.
#[tracing::instrument(name = "SELECT uploads", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn check_room(db: &Db, owner_id: i64, quota: UploadQuota) -> Result<(), ApiError> {
    let used = usage(db, owner_id).await?;
    if used.files >= quota.files || used.bytes >= quota.bytes {
        return Err(quota_exceeded(used, quota));
    }
    Ok(())
}

/// Records a file just stored, if it fits the owner's quota; a 413 if not (the caller
/// then removes the file). The check and the insert are one statement, so two uploads
/// at once cannot both take the last room: SQLite runs it under its one write lock, and
/// PostgreSQL first locks the owner's row, so that the owner's uploads take turns.
#[tracing::instrument(name = "INSERT uploads", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn record(
    db: &Db,
    owner_id: i64,
    file: &SavedFile,
    quota: UploadQuota,
) -> Result<(), ApiError> {
    let size = i64::try_from(file.size).unwrap_or(i64::MAX);
    let mut tx = db.write().await?;
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(owner_id)
            .execute(&mut **tx)
            .await?;
    }
    let inserted = sqlx::query(
        "INSERT INTO uploads (name, owner_id, size, content_type) \
         SELECT $1, $2, $3, $4 \
         WHERE (SELECT COUNT(*) FROM uploads WHERE owner_id = $2) < $5 \
           AND (SELECT COALESCE(SUM(size), 0) FROM uploads WHERE owner_id = $2) + $3 <= $6",
    )
    .bind(&file.name)
    .bind(owner_id)
    .bind(size)
    .bind(&file.content_type)
    .bind(i64::try_from(quota.files).unwrap_or(i64::MAX))
    .bind(i64::try_from(quota.bytes).unwrap_or(i64::MAX))
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        drop(tx);
        let used = usage(db, owner_id).await?;
        return Err(quota_exceeded(
            Usage {
                bytes: used.bytes + file.size,
                files: used.files + 1,
            },
            quota,
        ));
    }
    tx.commit().await?;
    Ok(())
}

fn quota_exceeded(wanted: Usage, quota: UploadQuota) -> ApiError {
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        errors::UPLOAD_QUOTA_EXCEEDED,
        format!(
            "Your uploads would exceed your quota of {:.0} MiB in {} files: delete some \
             with DELETE /api/files/{{name}}",
            mib(quota.bytes),
            quota.files
        ),
    )
    .with_details(json!({
        "bytes": wanted.bytes,
        "files": wanted.files,
        "quotaBytes": quota.bytes,
        "quotaFiles": quota.files,
    }))
}

#[tracing::instrument(name = "SELECT uploads", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn find(db: &Db, name: &str) -> Result<Option<Upload>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT name, owner_id, size, content_type, created_at FROM uploads WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(db.reads())
    .await?)
}

/// Whether a row was there to delete.
#[tracing::instrument(name = "DELETE uploads", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn forget(db: &Db, name: &str) -> Result<bool, ApiError> {
    let mut write = db.write().await?;
    let result = sqlx::query("DELETE FROM uploads WHERE name = $1")
        .bind(name)
        .execute(&mut **write)
        .await?;
    write.commit().await?;
    Ok(result.rows_affected() > 0)
}

/// Removes stored files whose rows are gone. A file that cannot be removed is logged and
/// left: the row, which decides ownership and quotas, is gone already.
pub async fn remove_files(dir: &Path, names: &[String]) {
    for name in names {
        match tokio::fs::remove_file(dir.join(name)).await {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => tracing::warn!(file = %name, error = %err, "could not remove an upload"),
        }
    }
}
