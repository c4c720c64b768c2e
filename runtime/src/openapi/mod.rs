//! The OpenAPI 3.1 document of a generated router, from its route files and the types of
//! its handlers, with no annotations: `routes::openapi()` when `build.rs` has
//! `Builder::new().openapi(true)` and this crate's `openapi` feature is on.
//!
//! Schemas come from `schemars::JsonSchema` derives (`schemars` is re-exported so the
//! versions match). A type without one still compiles: it becomes an open schema and is
//! listed by `Document::gaps`. `docs/openapi.md` has the whole story.
//!
//! [`SecurityScheme`] is here without the feature, so a `middleware.rs` that declares one
//! compiles either way.

mod security;

pub use security::SecurityScheme;

#[cfg(feature = "openapi")]
mod describe;
#[cfg(feature = "openapi")]
mod document;
#[cfg(feature = "openapi")]
mod errors;
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub mod ladder;
#[cfg(feature = "openapi")]
mod serve;

#[cfg(feature = "openapi")]
pub use describe::{OpenApiInput, OpenApiOutput};
#[cfg(feature = "openapi")]
pub use document::{Dialect, Document, DocumentBuilder, Gap, GapPlace, Operation, PathId};
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub use serve::json_route;

/// The schema crate behind the document; derive `schemars::JsonSchema` from this version.
#[cfg(feature = "openapi")]
pub use schemars;
