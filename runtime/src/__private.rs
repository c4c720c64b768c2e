//! What generated routers call. Not public API: it changes whenever the generator does.

use std::future::{Ready, ready};
use std::sync::Arc;

use axum::extract::Request;
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use http::{HeaderValue, Method, StatusCode, Uri, header};
use serde_json::json;

pub use crate::redirect::RedirectTrailingSlash;
pub use axum;
pub use axum::Router;
pub use axum::routing::MethodRouter;

use crate::ApiError;
use crate::redirect::trailing_slash_redirect;

/// A route handler behind one type.
///
/// Why: `MethodRouter::get(handler)` instantiates axum's routing machinery (the
/// `HandlerService`, its boxed `Route`, their `Service` impls and futures) once per
/// handler *type*, and every `async fn` is its own type. Passing each handler through
/// [`erase`] leaves rustc one instantiation of that machinery for the whole app, and
/// only the handler's own extraction and body to compile per handler: the generated
/// app builds in about 0.8 of the time of the same routes wired by hand
/// (docs/performance.md). A request costs one more indirect call, no allocation:
/// axum already boxes the future of a function handler.
pub struct Erased<S>(Arc<ErasedFn<S>>);

type ErasedFn<S> = dyn Fn(Request, S) -> BoxFuture<'static, Response> + Send + Sync;

impl<S> Clone for Erased<S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<S: Send + 'static> Handler<(), S> for Erased<S> {
    type Future = BoxFuture<'static, Response>;

    fn call(self, request: Request, state: S) -> Self::Future {
        (self.0)(request, state)
    }
}

/// A route file's handler as an [`Erased`] one. Every `async fn` handler qualifies:
/// axum's `Handler` for functions returns exactly this boxed future.
pub fn erase<H, T, S>(handler: H) -> Erased<S>
where
    H: Handler<T, S, Future = BoxFuture<'static, Response>> + Sync,
    T: 'static,
    S: Send + 'static,
{
    Erased(Arc::new(move |request, state| {
        handler.clone().call(request, state)
    }))
}

/// `MethodRouter::layer` with the error type fixed, so that layers can be chained without
/// type annotations: `.wrap(a).wrap(b)`.
pub trait Wrap<S> {
    fn wrap<L>(self, layer: L) -> MethodRouter<S>
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as tower::Service<Request>>::Error: Into<std::convert::Infallible> + 'static,
        <L::Service as tower::Service<Request>>::Future: Send + 'static;
}

impl<S: Clone + Send + Sync + 'static> Wrap<S> for MethodRouter<S> {
    fn wrap<L>(self, layer: L) -> MethodRouter<S>
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as tower::Service<Request>>::Error: Into<std::convert::Infallible> + 'static,
        <L::Service as tower::Service<Request>>::Future: Send + 'static,
    {
        self.layer(layer)
    }
}

/// A `middleware` function (from `middleware.rs` or a route file) as a layer, with the
/// router's state, exactly as `axum::middleware::from_fn_with_state`.
pub fn middleware<S: Clone, F, T>(state: &S, f: F) -> axum::middleware::FromFnLayer<F, S, T> {
    axum::middleware::from_fn_with_state(state.clone(), f)
}

/// A route's `pub const BODY_LIMIT: usize` (bytes).
pub fn body_limit(bytes: usize) -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(bytes)
}

/// A route's `pub const MAX_DURATION: u64` (seconds).
pub fn max_duration(seconds: u64) -> crate::layers::MaxDuration {
    crate::layers::MaxDuration::seconds(seconds)
}

/// A route's `pub const REVALIDATE: u64` (seconds).
pub fn revalidate(seconds: u64) -> crate::layers::Revalidate {
    crate::layers::Revalidate::seconds(seconds)
}

/// Adds what every generated router has on top of its routes, then applies the state.
pub fn finish<S>(routes: Router<S>, state: S) -> Router
where
    S: Clone + Send + Sync + 'static,
{
    routes
        .fallback(no_route)
        .layer(crate::layers::JsonErrorsLayer)
        .layer(crate::layers::catch_panic())
        .with_state(state)
}

/// No route matched: a trailing slash is redirected away (Next.js's default), anything
/// else is a JSON 404.
fn no_route(method: Method, uri: Uri) -> Ready<Response> {
    if let Some(redirect) = trailing_slash_redirect(&uri) {
        return ready(redirect);
    }
    let error = ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("No route for {method} {}", uri.path()),
    );
    ready(error.into_response())
}

/// A route's `MethodRouter` before its handlers are added: `OPTIONS` answers 204 with
/// `allow` (the file exports no `OPTIONS`), and any method the file does not export gets
/// a JSON 405. One generic function for the whole app, instead of the same two calls
/// type-checked in every route's function.
pub fn method_router<S>(allow: &'static str) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    MethodRouter::new()
        .options(options(allow))
        .fallback(method_not_allowed(allow))
}

/// [`method_router`] for a route file that exports its own `OPTIONS`.
pub fn method_router_own_options<S>(allow: &'static str) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    MethodRouter::new().fallback(method_not_allowed(allow))
}

/// The `OPTIONS` handler of a route file that does not export one: 204 with `Allow`.
fn options(
    allow: &'static str,
) -> impl FnOnce() -> Ready<Response> + Clone + Send + Sync + 'static {
    move || {
        ready(
            (
                StatusCode::NO_CONTENT,
                [(header::ALLOW, HeaderValue::from_static(allow))],
            )
                .into_response(),
        )
    }
}

/// A known path with a method its file does not export: JSON 405 with exactly the
/// route's methods in `Allow`.
fn method_not_allowed(
    allow: &'static str,
) -> impl FnOnce(Request) -> Ready<Response> + Clone + Send + Sync + 'static {
    move |request: Request| {
        let allowed: Vec<&str> = allow.split(", ").collect();
        let error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!(
                "Method {} is not allowed on {}; allowed: {allow}",
                request.method(),
                request.uri().path()
            ),
        )
        .with_details(json!({ "allow": allowed }));
        let mut response = error.into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        ready(response)
    }
}
