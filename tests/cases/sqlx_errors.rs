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
