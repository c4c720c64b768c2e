//! The HTTP answers a generated router gives outside its handlers, for hand-written axum
//! routers too: `OPTIONS` with `Allow`, the JSON 405 for a method a route does not have,
//! the JSON 404 when no route matches, and the 308 that removes a trailing slash.
//!
//! ```
//! use axum::Router;
//! use fsroute::routing::{RedirectTrailingSlash, finish, method_router};
//!
//! let routes = Router::new()
//!     .route("/api/hello", method_router("GET, HEAD, OPTIONS").get(|| async { "hi" }))
//!     .route(
//!         "/api/docs/{*slug}",
//!         method_router("GET, HEAD, OPTIONS")
//!             .get(|| async { "a page" })
//!             .layer(RedirectTrailingSlash),
//!     );
//! let app: Router = finish(routes, ());
//! ```

mod fallback;
mod methods;
mod proxy;
mod redirect;

pub use fallback::{finish, finish_in_order, no_route};
pub use methods::{method_router, method_router_own_options};
pub use proxy::{PathMatcher, Proxy, finish_with_proxy};
pub use redirect::{
    RedirectTrailingSlash, RedirectTrailingSlashFuture, RedirectTrailingSlashService,
};
