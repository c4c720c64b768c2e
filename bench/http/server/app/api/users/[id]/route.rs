//! Re-exports the shared handler, so both routers run the same code.

pub use crate::handlers::user as GET;
