//! `GET /api/health`: is the server up, and can it reach its database?

use fsroute::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use crate::AppState;

#[derive(Serialize, JsonSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database cannot be reached (then the status is 503).
    status: &'static str,
    version: &'static str,
    /// `reachable` or `unreachable`.
    database: &'static str,
}

/// Whether the server is up and can reach its database: 200, or 503 when it cannot.
pub async fn GET(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    // Answer within 2 s even when the database hangs: a load balancer is waiting.
    let reachable = crate::db::reachable(&state.db, std::time::Duration::from_secs(2)).await;
    let status = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if reachable { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        database: if reachable {
            "reachable"
        } else {
            "unreachable"
        },
    };
    (status, Json(body))
}
