//! The runtime of fsroute: what route files, `main.rs` and generated routers use.
//!
//! ```ignore
//! // src/main.rs
//! mod routes {
//!     fsroute::include_routes!();
//! }
//!
//! #[tokio::main]
//! async fn main() {
//!     let app = routes::router(());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//!     // Timeouts, connection and request caps, graceful shutdown: see `fsroute::serve`.
//!     fsroute::serve::serve(listener, app).await.unwrap();
//! }
//! ```
//!
//! ## Testing
//!
//! With the `testing` feature (for `[dev-dependencies]`), `fsroute::test` sends requests
//! to your router in-process, with no server or socket, and reads the replies:
//!
//! ```ignore
//! use fsroute::test::TestClient;
//!
//! #[tokio::test]
//! async fn a_missing_user_is_a_404() {
//!     let client = TestClient::new(routes::router(state));
//!     let reply = client.get("/api/users/999").bearer(&token).await;
//!     assert_eq!(reply.status(), 404);
//!     assert_eq!(reply.error_code(), Some("NOT_FOUND"));
//! }
//! ```

pub mod cache;
#[cfg(feature = "sqlx")]
pub mod db;
#[cfg(feature = "docs")]
pub mod docs_page;
pub mod download;
pub mod error;
pub mod extract;
mod generated;
pub mod href;
pub mod layers;
mod manifest;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod prelude;
pub mod rate_limit;
pub mod response;
pub mod routing;
pub mod serve;
pub mod store;
pub mod stream;
#[cfg(feature = "otel")]
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod test;
pub mod upload;

#[doc(hidden)]
pub mod __private;

pub use error::{ApiError, ApiResult};
pub use extract::{Form, Json, Path, Query, Valid};
pub use manifest::{RouteInfo, route_table};

/// axum's `#[debug_handler]`: above a handler that rustc rejects, it reports the exact
/// cause at the handler (which argument is not an extractor, a body extractor that is not
/// last, a return type that is not a response). For debugging only; remove it after.
/// Its expansion names `axum`, so the crate needs `axum` as a dependency, as apps made
/// by `fsroute new` have. When no argument is `State<…>`, say the state:
/// `#[fsroute::debug_handler(state = crate::AppState)]`.
pub use axum::debug_handler;

/// The validation crate behind [`Valid`]; derive `garde::Validate` from this version.
pub use garde;

/// Includes the router that `fsroute_codegen::Builder` generated in `build.rs`.
///
/// Put it in a module of its own: the generated code defines `router`, `ROUTES` and one
/// module per route file.
///
/// ```ignore
/// mod routes {
///     fsroute::include_routes!();
/// }
/// ```
///
/// With a name, it includes the router written by `.out_file(name)`:
/// `fsroute::include_routes!("admin_routes.rs")`. It is shorthand for
/// `include!(concat!(env!("OUT_DIR"), "/fsroute_routes.rs"));`.
#[macro_export]
macro_rules! include_routes {
    () => {
        $crate::include_routes!("fsroute_routes.rs");
    };
    ($file:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $file));
    };
}
