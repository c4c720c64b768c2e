//! `GET /api/v2/health`: version 2 of `/api/health`, each check under `checks`. Clients
//! ask for it with `accept-version: 2` on `/api/health` (see `app/proxy.rs`) or call it
//! by its own URL.

use fsroute::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use crate::AppState;

#[derive(Serialize, JsonSchema)]
pub struct HealthV2 {
    /// `ok`, or `degraded` when a check fails (then the status is 503).
    status: &'static str,
    version: &'static str,
    checks: Checks,
}

#[derive(Serialize, JsonSchema)]
pub struct Checks {
    /// `reachable` or `unreachable`.
    database: &'static str,
}

/// Whether the server is up, with each check it ran: 200, or 503 when one fails.
pub async fn GET(State(state): State<AppState>) -> (StatusCode, Json<HealthV2>) {
    let reachable = crate::db::reachable(&state.db, std::time::Duration::from_secs(2)).await;
    let status = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = HealthV2 {
        status: if reachable { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        checks: Checks {
            database: if reachable {
                "reachable"
            } else {
                "unreachable"
            },
        },
    };
    (status, Json(body))
}
