//! One API, two routers: `generated` (from `app/`, by fsroute) and `handwritten` (the same
//! handlers wired into an axum router by hand, with the same 404/405 answers and the same
//! safety layers). The benchmark measures what the generated structure costs.

pub mod handlers;

use axum::Router;
use fsroute::routing::{RedirectTrailingSlash, finish, method_router};

pub mod routes {
    fsroute::include_routes!();
}

pub fn generated() -> Router {
    routes::router(())
}

/// What a person writes by hand for the same tree and the same HTTP behaviour, with
/// fsroute's public routing pieces for the answers outside the handlers.
pub fn handwritten() -> Router {
    let routes = Router::new()
        .route(
            "/api/hello",
            method_router("GET, HEAD, OPTIONS").get(handlers::hello),
        )
        .route(
            "/api/users/{id}",
            method_router("GET, HEAD, OPTIONS").get(handlers::user),
        )
        .route(
            "/api/echo",
            method_router("OPTIONS, POST").post(handlers::echo),
        )
        .route(
            "/api/docs/{*slug}",
            method_router("GET, HEAD, OPTIONS")
                .get(handlers::docs)
                .layer(RedirectTrailingSlash),
        )
        .route(
            "/api/search",
            method_router("GET, HEAD, OPTIONS").get(handlers::search),
        );
    finish(routes, ())
}
