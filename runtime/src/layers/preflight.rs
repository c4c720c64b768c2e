//! CORS as browsers need it, without hiding the router's `OPTIONS`: tower-http's
//! `CorsLayer` answers every `OPTIONS` itself, so a plain `OPTIONS` never reaches the
//! route's `204` with `Allow`, and a preflight lists the configured methods rather than
//! the route's. [`Preflight`] sends only real preflights to it.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use http::{Method, header};
use tower::{Layer, Service, ServiceExt};
use tower_http::cors::{Cors, CorsLayer};

/// Wraps a router with a CORS policy: a real preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) from an allowed origin is answered with the policy's
/// headers and the route's own methods; one from another origin gets the router's plain
/// answer, with no `Access-Control-Allow-*`; any other `OPTIONS` reaches the router; and
/// every other request goes through the policy (which adds its headers to the answer).
#[derive(Debug, Clone)]
pub struct PreflightLayer {
    cors: CorsLayer,
}

impl PreflightLayer {
    pub fn new(cors: CorsLayer) -> Self {
        PreflightLayer { cors }
    }
}

impl<S: Clone> Layer<S> for PreflightLayer {
    type Service = Preflight<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Preflight {
            cors: self.cors.layer(inner.clone()),
            inner,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Preflight<S> {
    inner: S,
    cors: Cors<S>,
}

impl<S> Service<Request> for Preflight<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<
        <Cors<S> as Service<Request>>::Future,
        BoxFuture<'static, Result<Response, Infallible>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.cors.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() != Method::OPTIONS {
            return Either::Left(self.cors.call(request));
        }
        let inner = self.inner.clone();
        if !is_preflight(&request) {
            return Either::Right(Box::pin(inner.oneshot(request)));
        }
        let cors = self.cors.clone();
        Either::Right(Box::pin(async move {
            let plain = plain_options(&request);
            let mut answer = cors.oneshot(request).await?;
            if !answer
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            {
                // Not an allowed origin: the browser gets nothing that allows it.
                return inner.oneshot(plain).await;
            }
            let route = inner.oneshot(plain).await?;
            if let Some(allow) = route.headers().get(header::ALLOW) {
                answer
                    .headers_mut()
                    .insert(header::ACCESS_CONTROL_ALLOW_METHODS, allow.clone());
            }
            Ok(answer)
        }))
    }
}

fn is_preflight(request: &Request) -> bool {
    let headers = request.headers();
    headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The same `OPTIONS` without its CORS headers, to ask the router for the route's
/// methods. A preflight has no body.
fn plain_options(request: &Request) -> Request {
    let mut plain = Request::new(Body::empty());
    *plain.method_mut() = Method::OPTIONS;
    *plain.uri_mut() = request.uri().clone();
    *plain.version_mut() = request.version();
    for (name, value) in request.headers() {
        let cors_header =
            name == header::ORIGIN || name.as_str().starts_with("access-control-request-");
        if !cors_header {
            plain.headers_mut().append(name, value.clone());
        }
    }
    plain.extensions_mut().clone_from(request.extensions());
    plain
}
