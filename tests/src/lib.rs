//! Routers compiled from the fixture trees in `fixtures/`, and the state and middleware
//! helpers they use. The tests drive them with `fsroute::test::TestClient`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;

/// `fixtures/conventions/app`: every folder convention, with a state type.
pub mod conventions {
    fsroute::include_routes!("conventions.rs");
}

/// `fixtures/root/app`: routes at the top of the URL space, state `()`.
pub mod root {
    fsroute::include_routes!("root.rs");
}

/// `fixtures/middleware/app`: `middleware.rs` files, route middleware, route config.
pub mod middleware {
    fsroute::include_routes!("middleware.rs");
}

/// `fixtures/precedence/app`: a `[param]` beside a catch-all at several depths; each
/// handler answers with its route and parameters (Next.js's order, `cases/precedence.rs`).
pub mod precedence {
    fsroute::include_routes!("precedence.rs");
}

/// `fixtures/any-method/app`: `pub async fn ANY` alone, beside `GET`, beside `OPTIONS`.
pub mod any_method {
    fsroute::include_routes!("any_method.rs");
}

/// `fixtures/proxy/app`: `app/proxy.rs` with a `MATCHER`, before routing.
pub mod proxy {
    fsroute::include_routes!("proxy.rs");
}

/// `fixtures/links/app`: handlers that echo what `Path` extracted, for `routes::href`.
pub mod links {
    fsroute::include_routes!("links.rs");
}

/// The state of the middleware fixture: counters the tests read.
#[derive(Clone, Default)]
pub struct MiddlewareState {
    pub token: &'static str,
    pub cached_calls: Arc<AtomicUsize>,
    pub slow_handler: Lifecycle,
}

/// Records that a handler started and that its future was dropped.
#[derive(Clone, Default)]
pub struct Lifecycle {
    pub started: Arc<AtomicBool>,
    pub dropped: Arc<AtomicBool>,
}

impl Lifecycle {
    /// Hold the guard for the handler's whole life; dropping the future drops it.
    pub fn start(&self) -> LifecycleGuard {
        self.started.store(true, Ordering::SeqCst);
        LifecycleGuard(self.dropped.clone())
    }
}

pub struct LifecycleGuard(Arc<AtomicBool>);

impl Drop for LifecycleGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The user the `(protected)` middleware hands to handlers.
#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
}

/// The middleware a request passed through, in order.
#[derive(Clone, Debug, Default)]
pub struct Visits(pub Vec<&'static str>);

/// What every fixture middleware does: note itself on the way in (request extension), and
/// on the way out (`x-visited` response header, so the unwinding order shows too).
pub async fn visit(mut request: Request<Body>, next: Next, name: &'static str) -> Response {
    let visits = request.extensions_mut().get_or_insert_default::<Visits>();
    visits.0.push(name);
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .append("x-visited", name.parse().unwrap());
    response
}

/// The state of the conventions fixture.
#[derive(Clone)]
pub struct FixtureState {
    pub greeting: &'static str,
}

/// Handlers that route files re-export under a method name.
pub mod shared_handlers {
    pub async fn pong() -> &'static str {
        "pong"
    }
}

pub fn conventions_router() -> Router {
    conventions::router(FixtureState { greeting: "hello" })
}

/// `fixtures/openapi/app`: what the OpenAPI document makes of route files, built with
/// `.openapi(true).docs(true)`; and the types its route files share.
pub mod openapi {
    use axum::extract::FromRequestParts;
    use axum::http::request::Parts;
    use fsroute::{ApiError, Json};
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    pub mod routes {
        fsroute::include_routes!("openapi.rs");
    }

    /// An item.
    #[derive(Serialize, JsonSchema)]
    pub struct Item {
        pub id: u32,
        /// What it is called.
        pub name: String,
        pub color: Option<Color>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Color {
        Red,
        Blue,
    }

    /// Re-exported as `GET` by `api/reexported/route.rs`: the generator cannot see its
    /// arguments, only infer its output.
    pub async fn shared_list() -> Json<Vec<Item>> {
        Json(Vec::new())
    }

    /// A user's extractor with no OpenAPI description: a gap.
    pub struct Tenant(pub String);

    impl<S: Send + Sync> FromRequestParts<S> for Tenant {
        type Rejection = ApiError;

        async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
            let tenant = parts
                .headers
                .get("x-tenant")
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| ApiError::bad_request("Send `X-Tenant`"))?;
            Ok(Tenant(tenant.to_string()))
        }
    }
}
