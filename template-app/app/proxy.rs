//! Runs before routing for `/api` and below (Next.js's `proxy.ts`): API versions.
//!
//! - `/api/v1/…` is served by `/api/…`: the version the API started at keeps its URLs
//!   working while clients move to the unversioned ones.
//! - A request that sends `accept-version: 2` goes to `/api/v2/…` where a route exists
//!   there (`/api/v2/health`), and to the current one everywhere else.
//!
//! Both are rewrites: the client's URL does not change, routing sees the new one.

use axum::http::Uri;
use axum::middleware::Next;
use fsroute::prelude::*;

pub const MATCHER: &[&str] = &["/api/:path*"];

pub async fn proxy(mut request: Request, next: Next) -> Response {
    if let Some(path) = versioned_path(&request) {
        *request.uri_mut() = with_path(request.uri(), &path);
    }
    next.run(request).await
}

/// The path routing should see instead of the request's, if any.
fn versioned_path(request: &Request) -> Option<String> {
    let path = request.uri().path();
    if let Some(rest) = path.strip_prefix("/api/v1/") {
        return Some(format!("/api/{rest}"));
    }
    let wants_v2 = request
        .headers()
        .get("accept-version")
        .is_some_and(|version| version.as_bytes().trim_ascii() == b"2");
    let rest = path.strip_prefix("/api/")?;
    if !wants_v2 || rest.starts_with("v2/") {
        return None;
    }
    let candidate = format!("/api/v2/{rest}");
    crate::routes::ROUTES
        .iter()
        .any(|route| route.matches(&candidate))
        .then_some(candidate)
}

/// `uri` with another path, its query kept.
fn with_path(uri: &Uri, path: &str) -> Uri {
    let target = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    target.parse().unwrap_or_else(|_| uri.clone())
}
