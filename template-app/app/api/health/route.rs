//! `GET /api/health`: is the server up, and can it reach its database?

use fsroute::prelude::*;
use serde_json::json;

use crate::AppState;

pub async fn GET(State(state): State<AppState>) -> Response {
    // Answer within 2 s even when the database hangs: a load balancer is waiting.
    let reachable = crate::db::reachable(&state.db, std::time::Duration::from_secs(2)).await;
    let status = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if reachable { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "database": if reachable { "reachable" } else { "unreachable" },
    });
    (status, Json(body)).into_response()
}
