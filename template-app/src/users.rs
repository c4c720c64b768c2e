//! Users in the database. Route files call these; the password hash never leaves here.

use fsroute::ApiError;
use schemars::JsonSchema;
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::auth;
use crate::config::AdminAccount;
use crate::db::Db;

/// A user as the API shows it: never with the password.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `admin` or `user`.
    pub role: String,
    /// When the account was made, as the database writes it (UTC).
    pub created_at: String,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// A user as someone else sees them: the id and name. The email, role and creation time
/// are there for the user themself and for admins only.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub id: i64,
    pub name: String,
    /// Only in your own profile, or for an admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Only in your own profile, or for an admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Only in your own profile, or for an admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

impl UserProfile {
    pub fn seen_by(user: User, viewer: &User) -> UserProfile {
        let full = viewer.id == user.id || viewer.is_admin();
        UserProfile {
            id: user.id,
            name: user.name,
            email: full.then_some(user.email),
            role: full.then_some(user.role),
            created_at: full.then_some(user.created_at),
        }
    }
}

/// The columns of [`User`], as a literal so that queries stay `&'static str` (sqlx refuses
/// SQL built at run time unless it is marked as audited).
macro_rules! columns {
    () => {
        "id, email, name, role, created_at"
    };
}

#[tracing::instrument(name = "SELECT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn find(db: &Db, id: i64) -> Result<Option<User>, ApiError> {
    Ok(
        sqlx::query_as(concat!("SELECT ", columns!(), " FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(db.reads())
            .await?,
    )
}

/// What a sign-in needs: the user, the stored hash and the token version.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub token_version: i64,
}

/// The account with this email, for a sign-in or a current-password check.
#[tracing::instrument(name = "SELECT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn find_credentials(db: &Db, email: &str) -> Result<Option<Credentials>, ApiError> {
    type Row = (i64, String, String, String, String, String, i64);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, email, name, role, created_at, password_hash, token_version \
         FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(db.reads())
    .await?;
    Ok(row.map(
        |(id, email, name, role, created_at, password_hash, token_version)| Credentials {
            user: User {
                id,
                email,
                name,
                role,
                created_at,
            },
            password_hash,
            token_version,
        },
    ))
}

/// The user a token names, with the account's current token version.
#[tracing::instrument(name = "SELECT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn find_session(db: &Db, id: i64) -> Result<Option<(User, i64)>, ApiError> {
    type Row = (i64, String, String, String, String, i64);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, email, name, role, created_at, token_version FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.reads())
    .await?;
    Ok(row.map(|(id, email, name, role, created_at, version)| {
        (
            User {
                id,
                email,
                name,
                role,
                created_at,
            },
            version,
        )
    }))
}

/// Every token issued so far for `id` stops working.
#[tracing::instrument(name = "UPDATE users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn end_sessions(db: &Db, id: i64) -> Result<(), ApiError> {
    let mut write = db.write().await?;
    sqlx::query("UPDATE users SET token_version = token_version + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **write)
        .await?;
    write.commit().await?;
    Ok(())
}

/// Inserts a user with `role` (`admin` or `user`); a taken email is a 409.
#[tracing::instrument(name = "INSERT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn create(
    db: &Db,
    email: &str,
    name: &str,
    password_hash: &str,
    role: &str,
) -> Result<User, ApiError> {
    let mut write = db.write().await?;
    let inserted = sqlx::query_as(concat!(
        "INSERT INTO users (email, name, password_hash, role, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING ",
        columns!()
    ))
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(role)
    .bind(crate::db::now_timestamp())
    .fetch_one(&mut **write)
    .await;
    match inserted {
        Ok(user) => {
            write.commit().await?;
            Ok(user)
        }
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(ApiError::conflict(
            format!("A user with the email {email} already exists"),
        )),
        Err(err) => Err(err.into()),
    }
}

#[tracing::instrument(name = "SELECT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<User>, ApiError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db.reads())
    .await?)
}

/// `ADMIN_EMAIL`/`ADMIN_PASSWORD` at start-up: makes that admin when the email has no
/// account. An admin already there is left as it is (its password too: the variables
/// only bootstrap). An account someone registered with that email is not promoted — that
/// would hand the API to whoever registered it first — and stops the start instead.
#[tracing::instrument(name = "INSERT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn bootstrap_admin(db: &Db, admin: &AdminAccount) -> Result<(), String> {
    let failed =
        |err: ApiError| format!("cannot make the admin {}: {}", admin.email, err.message());
    // Twice at most: a replica starting at the same moment may create it in between.
    for _ in 0..2 {
        match find_by_email(db, &admin.email).await.map_err(failed)? {
            Some(user) if user.is_admin() => return Ok(()),
            Some(_) => {
                return Err(format!(
                    "ADMIN_EMAIL={} belongs to an account that is not an admin (registered \
                     by someone); if it is yours, make it the admin with `{} create-admin {}`, \
                     or choose another ADMIN_EMAIL",
                    admin.email,
                    env!("CARGO_PKG_NAME"),
                    admin.email
                ));
            }
            None => {
                let hash = auth::hash_password_blocking(admin.password.clone())
                    .await
                    .map_err(failed)?;
                match create(db, &admin.email, "Admin", &hash, "admin").await {
                    Ok(user) => {
                        tracing::info!(id = user.id, email = %user.email, "admin created from ADMIN_EMAIL");
                        return Ok(());
                    }
                    Err(err) if err.status() == axum::http::StatusCode::CONFLICT => continue,
                    Err(err) => return Err(failed(err)),
                }
            }
        }
    }
    Err(format!(
        "cannot make the admin {}: its account keeps changing",
        admin.email
    ))
}

/// `create-admin`: a new admin, or the existing account with that email made an admin
/// with this password (whoever had it before loses it). Whether it was created.
#[tracing::instrument(name = "INSERT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn make_admin(
    db: &Db,
    email: &str,
    name: &str,
    password_hash: &str,
) -> Result<(User, bool), ApiError> {
    let mut write = db.write().await?;
    let promoted: Option<User> = sqlx::query_as(concat!(
        "UPDATE users SET role = 'admin', password_hash = $2, \
         token_version = token_version + 1 WHERE email = $1 RETURNING ",
        columns!()
    ))
    .bind(email)
    .bind(password_hash)
    .fetch_optional(&mut **write)
    .await?;
    write.commit().await?;
    match promoted {
        Some(user) => Ok((user, false)),
        None => Ok((create(db, email, name, password_hash, "admin").await?, true)),
    }
}

pub const SORTABLE: &[(&str, &str)] = &[
    ("id", "id"),
    ("name", "name"),
    ("email", "email"),
    ("createdAt", "created_at"),
];

/// One page of users matching `search` in name or email, sorted by an allow-listed column.
#[tracing::instrument(name = "SELECT users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn list(
    db: &Db,
    search: &str,
    sort_column: &str,
    descending: bool,
    limit: u64,
    offset: u64,
) -> Result<(Vec<User>, u64), ApiError> {
    // `%` and `_` in the search are literal, not wildcards.
    let pattern = format!(
        "%{}%",
        search
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    macro_rules! filter {
        () => {
            // LOWER on both sides: LIKE ignores case in SQLite but not in PostgreSQL.
            "($1 = '' OR LOWER(name) LIKE LOWER($2) ESCAPE '\\' \
             OR LOWER(email) LIKE LOWER($2) ESCAPE '\\')"
        };
    }
    let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) FROM users WHERE ", filter!()))
        .bind(search)
        .bind(&pattern)
        .fetch_one(db.reads())
        .await?;
    // Audited: the column and direction come from fixed lists, never from the request.
    let direction = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {} FROM users WHERE {} ORDER BY {sort_column} {direction}, id ASC LIMIT $3 OFFSET $4",
        columns!(),
        filter!()
    );
    let users = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(search)
        .bind(&pattern)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(db.reads())
        .await?;
    Ok((users, total as u64))
}

/// Changes what is given; `None` leaves a column as it is. A new password, or a changed
/// email or role, ends the account's sessions (its token version goes up). A change that
/// would leave no admin is a 409.
#[tracing::instrument(name = "UPDATE users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn update(
    db: &Db,
    id: i64,
    email: Option<&str>,
    name: Option<&str>,
    password_hash: Option<&str>,
    role: Option<&str>,
) -> Result<Option<User>, ApiError> {
    let mut tx = db.write().await?;
    if role.is_some() {
        lock_admins(&mut tx).await?;
    }
    let updated = sqlx::query_as(concat!(
        "UPDATE users SET email = COALESCE($1, email), name = COALESCE($2, name), \
         password_hash = COALESCE($3, password_hash), role = COALESCE($4, role), \
         token_version = token_version + CASE WHEN $3 IS NOT NULL \
           OR COALESCE($1, email) <> email OR COALESCE($4, role) <> role THEN 1 ELSE 0 END \
         WHERE id = $5 RETURNING ",
        columns!()
    ))
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(role)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await;
    let updated = match updated {
        Ok(user) => user,
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
            return Err(ApiError::conflict("A user with this email already exists"));
        }
        Err(err) => return Err(err.into()),
    };
    if role.is_some() && updated.is_some() {
        an_admin_is_left(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes the account with its posts and uploads; the names of its uploads, whose files
/// the caller removes, or `None` when there was no such account. Deleting the last admin
/// is a 409.
#[tracing::instrument(name = "DELETE users", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn delete(db: &Db, id: i64) -> Result<Option<Vec<String>>, ApiError> {
    let mut tx = db.write().await?;
    lock_admins(&mut tx).await?;
    // The rows would go with the user anyway (ON DELETE CASCADE); deleting them here, in
    // the same transaction, says which files to remove, including one recorded a moment
    // ago. An upload that finishes after the commit fails on the missing owner instead.
    let uploads: Vec<String> =
        sqlx::query_scalar("DELETE FROM uploads WHERE owner_id = $1 RETURNING name")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
    let result = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if result.rows_affected() == 0 {
        return Ok(None);
    }
    an_admin_is_left(&mut tx).await?;
    tx.commit().await?;
    // Their posts went with them.
    fsroute::cache::revalidate_tag(crate::posts::CACHE_TAG);
    Ok(Some(uploads))
}

/// Before a change that may remove an admin: PostgreSQL locks the admins' rows, so that
/// two such changes (two admins demoting each other on two replicas) take turns and the
/// second sees the first; without it each would still count the other as an admin.
/// SQLite needs nothing: the change's own write takes the database's one write lock, and
/// the count after it sees every committed change.
async fn lock_admins(tx: &mut AnyConnection) -> Result<(), ApiError> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE")
            .fetch_all(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Inside the change's transaction, after it: a 409 (and so a rollback) when no admin is
/// left. Without one, nobody could ever make an admin through the API again.
async fn an_admin_is_left(tx: &mut AnyConnection) -> Result<(), ApiError> {
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(&mut *tx)
        .await?;
    if admins == 0 {
        return Err(ApiError::conflict(
            "The last admin cannot stop being one: make another admin first",
        ));
    }
    Ok(())
}
