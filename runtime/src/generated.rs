//! What only generated routers call, behind `fsroute::__private`: handler erasure, `.wrap`,
//! and the route config constants as layers. Kept out of `__private` itself so that that
//! module reads as the list of everything the generator may name.

use std::sync::Arc;

use axum::extract::Request;
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use futures_util::future::BoxFuture;

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
///
/// `route_file` is not used at run time: it sits on the generated line next to the
/// handler, so that when rustc rejects the handler ([`RouteHandler`]), the line it
/// quotes names the file to fix.
pub fn erase<H, T, S>(route_file: &'static str, handler: H) -> Erased<S>
where
    H: RouteHandler<T, S>,
    T: 'static,
    S: Send + 'static,
{
    let _ = route_file;
    Erased(Arc::new(move |request, state| {
        handler.clone().call(request, state)
    }))
}

/// What [`erase`] asks of a handler: axum's `Handler`, with the future every `async fn`
/// handler has. A trait of our own only for its error message: axum's points at the
/// generated file and suggests a macro; this one says what usually went wrong, in terms
/// of the route file.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a route handler: the router cannot call it with a request",
    label = "not a route handler (its route file is named on this call)",
    note = "usual causes, all in the route file: the function is not `async`; an argument \
            that reads the body (`Json`, `Form`, `Bytes`, `String`, `Request`, `Multipart`, \
            `Valid<…>` of one) is not the last argument; an argument is not an extractor (it \
            implements neither `FromRequestParts` nor `FromRequest` for the router's state \
            type); the return type is not a response (it must implement `IntoResponse`: \
            return `Json(value)`, or `ApiResult<Json<T>>`, not the bare value)",
    note = "for the exact cause, put `#[fsroute::debug_handler]` above the handler and build \
            again (when no argument is `State<…>`, name the router's state type: \
            `#[fsroute::debug_handler(state = crate::AppState)]`)"
)]
pub trait RouteHandler<T, S>: Handler<T, S, Future = BoxFuture<'static, Response>> + Sync {}

impl<H, T, S> RouteHandler<T, S> for H where
    H: Handler<T, S, Future = BoxFuture<'static, Response>> + Sync
{
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

/// A route's `pub const REVALIDATE: u64` (seconds) with its `pub const TAGS: &[&str]`.
pub fn revalidate_tagged(seconds: u64, tags: &'static [&'static str]) -> crate::layers::Revalidate {
    crate::layers::Revalidate::seconds(seconds).tags(tags)
}
