//! `From<sqlx::Error> for ApiError` (the runtime's `sqlx` feature) against a real SQLite
//! database: what a handler's `?` on a query turns into on the wire.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use fsroute::ApiResult;
use fsroute::test::TestClient;
use sqlx::SqlitePool;

async fn pool() -> SqlitePool {
    // One connection: an in-memory SQLite database lives as long as its connection.
    let pool = sqlx::pool::PoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)")
        .execute(&pool)
        .await
        .unwrap();
    pool
}

async fn find(State(pool): State<SqlitePool>) -> ApiResult<String> {
    let (email,): (String,) = sqlx::query_as("SELECT email FROM users WHERE id = 42")
        .fetch_one(&pool)
        .await?;
    Ok(email)
}

async fn insert(State(pool): State<SqlitePool>) -> ApiResult<StatusCode> {
    sqlx::query("INSERT INTO users (email) VALUES ('ada@example.com')")
        .execute(&pool)
        .await?;
    Ok(StatusCode::CREATED)
}

async fn broken(State(pool): State<SqlitePool>) -> ApiResult<String> {
    sqlx::query("SELECT * FROM no_such_table")
        .execute(&pool)
        .await?;
    Ok("unreachable".into())
}

async fn app() -> Router {
    Router::new()
        .route("/find", get(find))
        .route("/insert", post(insert))
        .route("/broken", get(broken))
        .with_state(pool().await)
}

#[tokio::test]
async fn no_row_is_a_404() {
    let reply = TestClient::new(app().await).get("/find").await;
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn a_unique_violation_is_a_409() {
    let client = TestClient::new(app().await);
    let first = client.post("/insert").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = client.post("/insert").await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    assert_eq!(
        second.json()["error"]["message"],
        "A record with the same unique value already exists"
    );
}

#[tokio::test]
async fn any_other_database_error_is_a_500_that_names_nothing() {
    let reply = TestClient::new(app().await).get("/broken").await;
    assert_eq!(reply.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json()["error"]["message"], "Internal server error");
    assert!(!reply.text().contains("no_such_table"));
}

#[tokio::test]
async fn an_unreachable_database_is_a_503() {
    let pool = pool().await;
    pool.close().await;
    let app = Router::new().route("/find", get(find)).with_state(pool);
    let reply = TestClient::new(app).get("/find").await;
    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["error"]["code"], "SERVICE_UNAVAILABLE");

    // A connection that breaks mid-query surfaces as an I/O error: also the database's
    // unavailability, not a bug.
    let broken = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
    let error = fsroute::ApiError::from(broken);
    assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        error.message(),
        "The database is unavailable; try again shortly"
    );
}

/// PostgreSQL refuses a NUL in text (SQLite stores it): the request's fault, so a 400,
/// not a 500 and an ERROR log line (security review L3). Needs `TEST_DATABASE_URL`
/// (`.ci/with-postgres`); skipped without it unless `FSROUTE_REQUIRE_POSTGRES=1`.
#[tokio::test]
async fn text_postgres_cannot_store_is_a_400() {
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => url,
        Err(_) if std::env::var_os("FSROUTE_REQUIRE_POSTGRES").is_some() => {
            panic!("this test needs TEST_DATABASE_URL (run it through .ci/with-postgres)")
        }
        Err(_) => {
            eprintln!("skipped: TEST_DATABASE_URL is not set (see .ci/with-postgres)");
            return;
        }
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("TEST_DATABASE_URL answers");
    async fn search(State(pool): State<sqlx::PgPool>) -> ApiResult<String> {
        let (found,): (Option<String>,) = sqlx::query_as("SELECT $1::text")
            .bind("a\0b")
            .fetch_one(&pool)
            .await?;
        Ok(found.unwrap_or_default())
    }
    let app = Router::new().route("/search", get(search)).with_state(pool);
    let reply = TestClient::new(app).get("/search").await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.json()["error"]["code"], "BAD_REQUEST");
    assert_eq!(
        reply.json()["error"]["message"],
        "The text contains a character that cannot be stored (such as a NUL, \\u0000)"
    );
}
