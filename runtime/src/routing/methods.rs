//! The part of a route's `MethodRouter` that does not depend on its handlers: `OPTIONS`
//! and the 405 for methods the route does not have.

use std::future::{Ready, ready};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

use crate::ApiError;
use crate::error::code;

/// A `MethodRouter` to add a route's handlers to, which already answers the methods the
/// route does not handle:
///
/// - `OPTIONS` gets `204 No Content` with `Allow: <allow>`;
/// - any other method the route has no handler for gets a JSON `405 Method Not Allowed`
///   with code `METHOD_NOT_ALLOWED`, the same `Allow` header, and the allowed methods in
///   `error.details.allow`.
///
/// `allow` is the header's value: the route's methods, comma-separated, with `HEAD` when
/// it has `GET` and with `OPTIONS` (`"GET, HEAD, OPTIONS, POST"`). Generated routers start
/// every route with this call. Use [`method_router_own_options`] when the route has its
/// own `OPTIONS` handler.
///
/// # Panics
///
/// When `allow` is not a valid header value (a control character in it). This happens
/// while the router is built, not on a request.
///
/// ```
/// use axum::{Router, body::Body, http::Request};
/// use fsroute::routing::method_router;
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new().route(
///     "/items",
///     method_router("GET, HEAD, OPTIONS").get(|| async { "[]" }),
/// );
///
/// let options = Request::options("/items").body(Body::empty()).unwrap();
/// let response = app.clone().oneshot(options).await.unwrap();
/// assert_eq!(response.status(), 204);
/// assert_eq!(response.headers()["allow"], "GET, HEAD, OPTIONS");
///
/// let delete = Request::delete("/items").body(Body::empty()).unwrap();
/// let response = app.oneshot(delete).await.unwrap();
/// assert_eq!(response.status(), 405);
/// assert_eq!(response.headers()["allow"], "GET, HEAD, OPTIONS");
/// # }
/// ```
pub fn method_router<S>(allow: &'static str) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let allow_value = allow_header(allow);
    MethodRouter::new()
        .options(options(allow_value.clone()))
        .fallback(method_not_allowed(allow, allow_value))
}

/// [`method_router`] for a route with its own `OPTIONS` handler: only the JSON 405 for the
/// methods it does not handle, with `Allow: <allow>`.
///
/// # Panics
///
/// When `allow` is not a valid header value, while the router is built.
///
/// ```
/// use axum::{Router, body::Body, http::Request};
/// use fsroute::routing::method_router_own_options;
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new().route(
///     "/items",
///     method_router_own_options("GET, HEAD, OPTIONS")
///         .get(|| async { "[]" })
///         .options(|| async { "my own" }),
/// );
///
/// let options = Request::options("/items").body(Body::empty()).unwrap();
/// let response = app.clone().oneshot(options).await.unwrap();
/// assert_eq!(response.status(), 200);
///
/// let post = Request::post("/items").body(Body::empty()).unwrap();
/// let response = app.oneshot(post).await.unwrap();
/// assert_eq!(response.status(), 405);
/// # }
/// ```
pub fn method_router_own_options<S>(allow: &'static str) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    MethodRouter::new().fallback(method_not_allowed(allow, allow_header(allow)))
}

/// Checked once, when the router is built, so that a request can never find it invalid.
fn allow_header(allow: &'static str) -> HeaderValue {
    HeaderValue::from_str(allow)
        .unwrap_or_else(|_| panic!("`{allow}` is not a valid value for the `Allow` header"))
}

/// The `OPTIONS` handler of a route without one of its own.
fn options(allow: HeaderValue) -> impl FnOnce() -> Ready<Response> + Clone + Send + Sync + 'static {
    move || ready((StatusCode::NO_CONTENT, [(header::ALLOW, allow)]).into_response())
}

fn method_not_allowed(
    allow: &'static str,
    allow_value: HeaderValue,
) -> impl FnOnce(Request) -> Ready<Response> + Clone + Send + Sync + 'static {
    move |request: Request| {
        // Split per 405 rather than kept split per route: 405s are rare, routes are many.
        let allowed: Vec<&str> = allow.split(',').map(str::trim).collect();
        let error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            code::METHOD_NOT_ALLOWED,
            format!(
                "Method {} is not allowed on {}; allowed: {allow}",
                request.method(),
                request.uri().path()
            ),
        )
        .with_details(json!({ "allow": allowed }))
        .with_header(header::ALLOW, allow_value);
        ready(error.into_response())
    }
}
