//! `GET /api/health`: is the server up, and can it reach its database?

use fsroute::prelude::*;
use fsroute::store::StoreHealth;
use schemars::JsonSchema;
use serde::Serialize;

use crate::AppState;

#[derive(Serialize, JsonSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database or the shared cache cannot be reached. Only
    /// the database makes it a 503: without Redis the app still answers everything.
    status: &'static str,
    version: &'static str,
    /// `reachable` or `unreachable`.
    database: &'static str,
    /// `local` (in this process), `shared` (Redis answers) or `degraded` (Redis does not:
    /// responses are served uncached and rate limits fall back).
    cache: &'static str,
}

/// Whether the server is up and can reach its database: 200, or 503 when it cannot; and
/// whether its shared cache answers (a 200 either way).
pub async fn GET(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    // Answer within 2 s even when the database hangs: a load balancer is waiting.
    let reachable = crate::db::reachable(&state.db, std::time::Duration::from_secs(2)).await;
    let status = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let cache = state.cache.health();
    let body = Health {
        status: if reachable && cache != StoreHealth::Degraded {
            "ok"
        } else {
            "degraded"
        },
        version: env!("CARGO_PKG_VERSION"),
        database: if reachable {
            "reachable"
        } else {
            "unreachable"
        },
        cache: cache.as_str(),
    };
    (status, Json(body))
}
