//! `GET /api/v2/health`: version 2 of `/api/health`, each check under `checks`. Clients
//! ask for it with `accept-version: 2` on `/api/health` (see `app/proxy.rs`) or call it
//! by its own URL.

use fsroute::prelude::*;
use fsroute::store::StoreHealth;
use schemars::JsonSchema;
use serde::Serialize;

use crate::AppState;

#[derive(Serialize, JsonSchema)]
pub struct HealthV2 {
    /// `ok`, or `degraded` when a check fails (then the status is 503, unless only the
    /// cache is degraded: without Redis the app still answers everything).
    status: &'static str,
    version: &'static str,
    checks: Checks,
}

#[derive(Serialize, JsonSchema)]
pub struct Checks {
    /// `reachable` or `unreachable`.
    database: &'static str,
    /// `local` (in this process), `shared` (Redis answers) or `degraded` (Redis does not:
    /// responses are served uncached and rate limits fall back).
    cache: &'static str,
}

/// Whether the server is up, with each check it ran: 200, or 503 when the database fails.
pub async fn GET(State(state): State<AppState>) -> (StatusCode, Json<HealthV2>) {
    let reachable = crate::db::reachable(&state.db, std::time::Duration::from_secs(2)).await;
    let status = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let cache = state.cache.health();
    let body = HealthV2 {
        status: if reachable && cache != StoreHealth::Degraded {
            "ok"
        } else {
            "degraded"
        },
        version: env!("CARGO_PKG_VERSION"),
        checks: Checks {
            database: if reachable {
                "reachable"
            } else {
                "unreachable"
            },
            cache: cache.as_str(),
        },
    };
    (status, Json(body))
}
