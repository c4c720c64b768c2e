//! `GET /api/health`: is the server up?

use fsroute::prelude::*;
use serde_json::{Value, json};

pub async fn GET() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
