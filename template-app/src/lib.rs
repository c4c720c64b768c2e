//! The fsroute template app: copy this crate to start a new API.
//!
//! Routes live in `app/api/**/route.rs`; `build.rs` turns them into `routes::router`.

use std::sync::Arc;

use serde::Serialize;

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

/// The whole app, ready to serve or to test with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}
