//! Layers for the whole app ([`AppLayers`]: request IDs, tracing, CORS, compression, body
//! limit), for one route (what `MAX_DURATION` and `REVALIDATE` turn into), and the
//! safety nets every generated router has, usable on hand-written axum routers too:
//! a panic becomes a JSON 500 and the server keeps serving; a plain-text error response
//! (axum's own rejections, a `(StatusCode, "text")` from a handler) becomes the JSON
//! error shape.
//!
//! ```
//! use axum::{Router, routing::get};
//!
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "hi" }))
//!     .layer(fsroute::layers::JsonErrorsLayer)
//!     .layer(fsroute::layers::catch_panic());
//! ```

mod app;
mod json_errors;
mod panic;
mod preflight;
mod revalidate;
mod timeout;

pub(crate) use app::RecordRouteLayer;
#[cfg(feature = "metrics")]
pub(crate) use app::record_route;
pub use app::{AppLayers, DEFAULT_BODY_LIMIT, MAX_REQUEST_ID_LEN, is_plain_request_id};
pub(crate) use json_errors::JsonErrorsWithCacheLayer;
pub use json_errors::{JsonErrors, JsonErrorsLayer};
pub use panic::{CatchPanic, catch_panic};
pub use preflight::{Preflight, PreflightLayer};
pub use revalidate::{CACHE_HEADER, Revalidate, RevalidateService};
pub use timeout::{MaxDuration, MaxDurationFuture, MaxDurationService};
