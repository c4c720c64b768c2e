//! What a router answers when no route matched, and the layers every generated router has.

use axum::Router;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, Uri};

use super::redirect::trailing_slash_redirect;
use crate::ApiError;
use crate::error::code;

/// A handler for `Router::fallback`: the answer when no route matched the path.
///
/// A path that ends in `/` gets `308 Permanent Redirect` to the path without it (query
/// kept), as Next.js does; `/` itself does not. Any other path gets a JSON
/// `404 Not Found` with code `NOT_FOUND` and the message `No route for GET /the/path`.
///
/// ```
/// use axum::{Router, body::Body, http::Request, routing::get};
/// use fsroute::routing::no_route;
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new()
///     .route("/users", get(|| async { "[]" }))
///     .fallback(no_route);
///
/// let request = Request::get("/nothing").body(Body::empty()).unwrap();
/// let response = app.clone().oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 404);
///
/// let request = Request::get("/users/").body(Body::empty()).unwrap();
/// let response = app.oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 308);
/// assert_eq!(response.headers()["location"], "/users");
/// # }
/// ```
pub async fn no_route(method: Method, uri: Uri) -> Response {
    if let Some(redirect) = trailing_slash_redirect(&uri) {
        return redirect;
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        code::NOT_FOUND,
        format!("No route for {method} {}", uri.path()),
    )
    .into_response()
}

/// Adds to `routes` what every generated router has on top of its routes, then applies
/// the state:
///
/// - [`no_route`] as the fallback: the trailing-slash redirect, else the JSON 404;
/// - [`JsonErrorsLayer`](crate::layers::JsonErrorsLayer): plain-text error responses
///   (axum's own rejections, a handler's `(StatusCode, "text")`) become the JSON shape;
/// - [`catch_panic`](crate::layers::catch_panic): a panicking handler gets a JSON 500
///   `INTERNAL_ERROR`, and the server goes on serving.
///
/// Generated `router()` functions end with it. For a hand-written axum router, it gives
/// the same answers outside the handlers; start its routes with
/// [`method_router`](super::method_router) for the same `OPTIONS` and 405 answers.
///
/// ```
/// use axum::{Router, body::Body, http::Request, routing::get};
/// use tower::ServiceExt;
///
/// async fn boom() -> &'static str {
///     panic!("a bug")
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let routes: Router<()> = Router::new()
///     .route("/ok", get(|| async { "ok" }))
///     .route("/boom", get(boom));
/// let app: Router = fsroute::routing::finish(routes, ());
///
/// let request = Request::get("/boom").body(Body::empty()).unwrap();
/// let response = app.clone().oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 500);
///
/// let request = Request::get("/nothing").body(Body::empty()).unwrap();
/// let response = app.oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 404);
/// # }
/// ```
pub fn finish<S>(routes: Router<S>, state: S) -> Router
where
    S: Clone + Send + Sync + 'static,
{
    finish_in_order([routes], state)
}

/// [`finish`] for routes that one axum router cannot hold together: `tiers` are tried in
/// order, each only when no route of the ones before it matches the path, and the last
/// falls back to [`no_route`]. A route that matches the path answers, with its own 405
/// for a method it does not have, as in one router.
///
/// Generated routers use it when a folder holds both a `[param]` and a catch-all (Next.js
/// allows `docs/[id]` beside `docs/[...slug]`; axum's router refuses `/docs/{id}` beside
/// `/docs/{*slug}`): the catch-all goes to a later tier. A request that the first tier
/// answers costs the same as with [`finish`]; one for a later tier, one more lookup per
/// tier before it.
///
/// ```
/// use axum::{Router, body::Body, http::Request, routing::get};
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let params: Router<()> = Router::new().route("/docs/{id}", get(|| async { "[id]" }));
/// let catch_alls: Router<()> =
///     Router::new().route("/docs/{*slug}", get(|| async { "[...slug]" }));
/// let app: Router = fsroute::routing::finish_in_order([params, catch_alls], ());
///
/// for (path, answered_by) in [("/docs/a", "[id]"), ("/docs/a/b", "[...slug]")] {
///     let request = Request::get(path).body(Body::empty()).unwrap();
///     let response = app.clone().oneshot(request).await.unwrap();
///     let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
///     assert_eq!(body, answered_by);
/// }
/// # }
/// ```
pub fn finish_in_order<S>(tiers: impl IntoIterator<Item = Router<S>>, state: S) -> Router
where
    S: Clone + Send + Sync + 'static,
{
    routed_in_order(tiers, state, Behind::Nothing)
        // With the router's own cache, for `REVALIDATE` and `revalidate_tag`, unless the
        // app puts one outside (`AppLayers::cache`).
        .layer(crate::layers::JsonErrorsWithCacheLayer {
            cache: crate::cache::Cache::memory(),
        })
        .layer(crate::layers::catch_panic())
}

/// What stands between the app-wide layers (the request span) and the tiers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Behind {
    /// The first tier's routes are the outer router's: the span sees their `MatchedPath`.
    Nothing,
    /// `finish_with_proxy`'s router: no tier's route is known where the span is made.
    Proxy,
}

/// The tiers chained, each the fallback of the one before, the last falling back to
/// [`no_route`]; the state applied, no layers.
pub(super) fn routed_in_order<S>(
    tiers: impl IntoIterator<Item = Router<S>>,
    state: S,
    behind: Behind,
) -> Router
where
    S: Clone + Send + Sync + 'static,
{
    let mut tiers: Vec<Router<S>> = tiers
        .into_iter()
        .enumerate()
        .map(|(index, tier)| per_route(tier, index > 0 || behind == Behind::Proxy))
        .collect();
    let mut rest: Router = unmatched(tiers.pop().unwrap_or_default()).with_state(state.clone());
    while let Some(tier) = tiers.pop() {
        rest = tier.fallback_service(rest).with_state(state.clone());
    }
    rest
}

/// What each route of a tier gets, as at most one layer (each layer is a boxed service per
/// route: bench-routing measured a few hundred nanoseconds a request):
///
/// - when `record_route`, its pattern recorded into the request span: inside the tier,
///   `MatchedPath` is the route that answers, though the span was made before a proxy or
///   an earlier tier. Not for the first tier of a router without a proxy: the span sees
///   its route already;
/// - once `fsroute::metrics::Prometheus` is installed (feature `metrics`), its requests
///   measured under the pattern: by a layer that records the route too, or, in the first
///   tier of a router without a proxy, by the `JsonErrors` layer `finish` adds anyway.
fn per_route<S>(tier: Router<S>, record_route: bool) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if !tier.has_routes() || !record_route {
        return tier;
    }
    #[cfg(feature = "metrics")]
    if crate::metrics::enabled() {
        return tier.route_layer(crate::metrics::RouteMetricsLayer::routes());
    }
    tier.route_layer(crate::layers::RecordRouteLayer)
}

/// [`no_route`] as the last fallback, measured as unmatched when metrics are on.
fn unmatched<S>(last: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    #[cfg(feature = "metrics")]
    if crate::metrics::enabled() {
        use axum::handler::HandlerWithoutStateExt;
        use tower::Layer;
        let counted = crate::metrics::RouteMetricsLayer::unmatched().layer(no_route.into_service());
        return last.fallback_service(counted);
    }
    last.fallback(no_route)
}
