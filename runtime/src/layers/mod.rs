//! Safety nets every generated router has, usable on hand-written axum routers too:
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

mod json_errors;
mod panic;

pub use json_errors::{JsonErrors, JsonErrorsLayer};
pub use panic::{CatchPanic, catch_panic};
