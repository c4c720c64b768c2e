//! Turns a folder of `route.rs` files into an axum `Router`, from `build.rs`.
//!
//! ```no_run
//! // build.rs, complete:
//! # #[allow(clippy::needless_doctest_main)]
//! fn main() {
//!     fsroute_codegen::Builder::new().build();
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs
//! mod routes {
//!     fsroute::include_routes!();
//! }
//! let app = routes::router(());
//! ```
//!
//! The public surface is [`Builder`] and what it returns. Inside, the pipeline runs in
//! private steps, data flowing one way, every step reporting into one diagnostics sink:
//! `scan` the folder for route and middleware files → `read` and analyse each file
//! (`route_file`, over a shallow `top_items` parse) → build the `routes` table, parsing
//! each folder name into a `segment` → `validate` the table → `emit` the source. Problems
//! are collected, not thrown: a run reports all of them at once. `docs/architecture.md`
//! draws the whole crate map.

mod builder;
mod conventions;
mod diagnostic;
mod emit;
mod match_order;
mod messages;
mod naming;
mod proxy_file;
mod read;
mod route_file;
mod routes;
mod scan;
mod segment;
mod suggest;
mod top_items;
mod validate;

#[doc(hidden)]
pub mod __internals;

pub use builder::{
    Builder, Built, DEFAULT_DOCS_PATH, DEFAULT_OPENAPI_PATH, DEFAULT_OUT_FILE, Failed, Generated,
    RouteEntry,
};
pub use conventions::Method;
pub use diagnostic::{Diagnostic, Location, Severity, Snippet};
