//! The fsroute template app: copy this crate to start a new API.
//!
//! Routes live in `app/api/**/route.rs`; `build.rs` turns them into `routes::router`.

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use fsroute::layers::{AppLayers, DEFAULT_BODY_LIMIT};
use serde::Serialize;
use tower_http::cors::CorsLayer;

pub mod routes {
    fsroute::include_routes!();
}

/// What every handler can extract with `State<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub users: Arc<Vec<User>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
}

impl AppState {
    /// Starts with a few users so that a newcomer has something to `curl`.
    pub fn with_sample_users() -> Self {
        let user = |id, name: &str| User {
            id,
            name: name.to_string(),
            email: format!("{}@example.com", name.to_lowercase()),
        };
        AppState {
            users: Arc::new(vec![user(1, "Ada"), user(2, "Grace"), user(3, "Linus")]),
        }
    }
}

/// The whole app, ready to serve or to test with `tower::ServiceExt::oneshot`: the
/// generated router inside the app-wide layers (request IDs, request logs, CORS,
/// compression, body limit). Change them here.
pub fn app(state: AppState) -> axum::Router {
    AppLayers::new()
        .cors(cors_from_env())
        .body_limit(DEFAULT_BODY_LIMIT)
        .apply(routes::router(state))
}

/// `CORS_ORIGINS=https://a.example,https://b.example` allows those origins; unset, only
/// same-origin requests (no CORS headers at all).
fn cors_from_env() -> CorsLayer {
    let origins: Vec<HeaderValue> = std::env::var("CORS_ORIGINS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(tower_http::cors::Any)
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}
