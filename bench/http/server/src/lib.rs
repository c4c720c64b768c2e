//! One API, two routers: `generated` (from `app/`, by fsroute) and `handwritten` (the same
//! handlers wired into an axum router by hand, with the same 404/405 answers and the same
//! safety layers). The benchmark measures what the generated structure costs.

pub mod handlers;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use fsroute::ApiError;
use serde_json::json;

pub mod routes {
    fsroute::include_routes!();
}

pub fn generated() -> Router {
    routes::router(())
}

/// What a person writes by hand for the same tree and the same HTTP behaviour.
pub fn handwritten() -> Router {
    Router::new()
        .route(
            "/api/hello",
            with_405(get(handlers::hello), "GET, HEAD, OPTIONS"),
        )
        .route(
            "/api/users/{id}",
            with_405(get(handlers::user), "GET, HEAD, OPTIONS"),
        )
        .route("/api/echo", with_405(post(handlers::echo), "OPTIONS, POST"))
        .route(
            "/api/docs/{*slug}",
            with_405(get(handlers::docs), "GET, HEAD, OPTIONS")
                .layer(fsroute::__private::RedirectTrailingSlash),
        )
        .route(
            "/api/search",
            with_405(get(handlers::search), "GET, HEAD, OPTIONS"),
        )
        .fallback(not_found)
        .layer(fsroute::layers::JsonErrorsLayer)
        .layer(fsroute::layers::catch_panic())
}

/// `OPTIONS` with `Allow`, and a JSON 405 with `Allow` for any other method.
fn with_405(router: MethodRouter, allow: &'static str) -> MethodRouter {
    router
        .options(move || async move { (StatusCode::NO_CONTENT, [(header::ALLOW, allow)]) })
        .fallback(move |request: Request| async move {
            let allowed: Vec<&str> = allow.split(", ").collect();
            let mut response = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!(
                    "Method {} is not allowed on {}; allowed: {allow}",
                    request.method(),
                    request.uri().path()
                ),
            )
            .with_details(json!({ "allow": allowed }))
            .into_response();
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            response
        })
}

async fn not_found(method: Method, uri: Uri) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("No route for {method} {}", uri.path()),
    )
    .into_response()
}
