//! Users in the database. Route files call these; the password hash never leaves here.

use fsroute::ApiError;
use schemars::JsonSchema;
use serde::Serialize;
use sqlx::{AnyExecutor, FromRow};

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

/// The columns of [`User`], as a literal so that queries stay `&'static str` (sqlx refuses
/// SQL built at run time unless it is marked as audited).
macro_rules! columns {
    () => {
        "id, email, name, role, created_at"
    };
}

pub async fn find(db: impl AnyExecutor<'_>, id: i64) -> Result<Option<User>, ApiError> {
    Ok(
        sqlx::query_as(concat!("SELECT ", columns!(), " FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The user and the stored hash, for login.
pub async fn find_for_login(db: &Db, email: &str) -> Result<Option<(User, String)>, ApiError> {
    let row: Option<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, email, name, role, created_at, password_hash FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, email, name, role, created_at, hash)| {
        (
            User {
                id,
                email,
                name,
                role,
                created_at,
            },
            hash,
        )
    }))
}

/// Inserts a user. `role: None` makes the first user of the database `admin` and any
/// later one `user`: registration claims the single `first_admin` row in the same
/// transaction, so of two first sign-ups arriving at once (on two replicas, say) exactly
/// one wins, and a sign-up that fails (a taken email) claims nothing.
pub async fn create(
    db: &Db,
    email: &str,
    name: &str,
    password_hash: &str,
    role: Option<&str>,
) -> Result<User, ApiError> {
    let mut tx = db.begin().await?;
    let role = match role {
        Some(role) => role,
        None => {
            let claimed = sqlx::query(
                "INSERT INTO first_admin (claim) VALUES ('claimed') ON CONFLICT (claim) DO NOTHING",
            )
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() == 1 {
                "admin"
            } else {
                "user"
            }
        }
    };
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
    .fetch_one(&mut *tx)
    .await;
    match inserted {
        Ok(user) => {
            tx.commit().await?;
            Ok(user)
        }
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(ApiError::conflict(
            format!("A user with the email {email} already exists"),
        )),
        Err(err) => Err(err.into()),
    }
}

pub const SORTABLE: &[(&str, &str)] = &[
    ("id", "id"),
    ("name", "name"),
    ("email", "email"),
    ("createdAt", "created_at"),
];

/// One page of users matching `search` in name or email, sorted by an allow-listed column.
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
        .fetch_one(db)
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
        .fetch_all(db)
        .await?;
    Ok((users, total as u64))
}

/// Changes what is given; `None` leaves a column as it is.
pub async fn update(
    db: &Db,
    id: i64,
    email: Option<&str>,
    name: Option<&str>,
    password_hash: Option<&str>,
    role: Option<&str>,
) -> Result<Option<User>, ApiError> {
    let updated = sqlx::query_as(concat!(
        "UPDATE users SET email = COALESCE($1, email), name = COALESCE($2, name), \
         password_hash = COALESCE($3, password_hash), role = COALESCE($4, role) \
         WHERE id = $5 RETURNING ",
        columns!()
    ))
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(role)
    .bind(id)
    .fetch_optional(db)
    .await;
    match updated {
        Ok(user) => Ok(user),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
            Err(ApiError::conflict("A user with this email already exists"))
        }
        Err(err) => Err(err.into()),
    }
}

/// Whether a row was deleted.
pub async fn delete(db: &Db, id: i64) -> Result<bool, ApiError> {
    let result = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() > 0)
}
