//! Next.js answers a URL with a trailing slash by a 308 to the URL without it.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, Uri, header};
use tower::{Layer, Service};

/// `Some(308)` when the path ends in `/` and is not `/` itself.
pub(super) fn trailing_slash_redirect(uri: &Uri) -> Option<Response> {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    // `//evil.example/` must not become `//evil.example`, which browsers read as another
    // host; nor `/\evil.example/` become `/\evil.example`: URL parsers (WHATWG) read `\`
    // as `/` in http(s) URLs. So no leading slash of either kind, and no `\` anywhere.
    let trimmed = format!(
        "/{}",
        trimmed.trim_start_matches(['/', '\\']).replace('\\', "%5C")
    );
    let location = match uri.query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed,
    };
    // The path and query come from a parsed URI, so they are valid header text.
    let location = HeaderValue::from_str(&location).ok()?;
    Some(
        (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
    )
}

/// A layer that answers a request whose path ends in `/` with `308 Permanent Redirect` to
/// the same path without the slash (query kept), as Next.js does, and passes every other
/// request to the route.
///
/// Put it on catch-all routes (`/docs/{*slug}`): without it, `/docs/guide/` reaches the
/// handler with `guide/` in its parameter. Other routes do not need it, because a path
/// with a trailing slash matches none of them and [`no_route`](super::no_route) redirects
/// it. Generated routers put it on their catch-all routes. The redirect never leads to
/// another host: `//evil.example/` becomes `/evil.example`.
///
/// ```
/// use axum::{Router, body::Body, http::Request, routing::get};
/// use fsroute::routing::RedirectTrailingSlash;
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app: Router = Router::new().route(
///     "/docs/{*slug}",
///     get(|| async { "a page" }).layer(RedirectTrailingSlash),
/// );
///
/// let request = Request::get("/docs/guide/?v=2").body(Body::empty()).unwrap();
/// let response = app.oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 308);
/// assert_eq!(response.headers()["location"], "/docs/guide?v=2");
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RedirectTrailingSlash;

impl<S> Layer<S> for RedirectTrailingSlash {
    type Service = RedirectTrailingSlashService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RedirectTrailingSlashService { inner }
    }
}

/// The service [`RedirectTrailingSlash`] wraps a route in.
#[derive(Debug, Clone)]
pub struct RedirectTrailingSlashService<S> {
    inner: S,
}

impl<S> Service<Request> for RedirectTrailingSlashService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = RedirectTrailingSlashFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match trailing_slash_redirect(request.uri()) {
            Some(redirect) => RedirectTrailingSlashFuture::Redirect {
                response: Some(redirect),
            },
            None => RedirectTrailingSlashFuture::Inner {
                future: self.inner.call(request),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`RedirectTrailingSlashService`]: either the ready redirect or the
    /// route's own response; no boxing.
    #[project = RedirectFutureProjection]
    pub enum RedirectTrailingSlashFuture<F> {
        Redirect { response: Option<Response> },
        Inner { #[pin] future: F },
    }
}

impl<F> Future for RedirectTrailingSlashFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            RedirectFutureProjection::Redirect { response } => {
                Poll::Ready(Ok(response.take().expect("polled after completion")))
            }
            RedirectFutureProjection::Inner { future } => future.poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(uri: &str) -> Option<String> {
        let response = trailing_slash_redirect(&uri.parse().unwrap())?;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        Some(
            response.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_string(),
        )
    }

    #[test]
    fn trailing_slashes_redirect_to_the_canonical_path() {
        assert_eq!(location("/api/users/").as_deref(), Some("/api/users"));
        assert_eq!(location("/api/users//").as_deref(), Some("/api/users"));
        assert_eq!(
            location("/api/users/?page=2").as_deref(),
            Some("/api/users?page=2")
        );
        assert_eq!(location("/"), None);
        assert_eq!(location("/api/users"), None);
    }

    #[test]
    fn never_redirects_to_another_host() {
        assert_eq!(
            location("//evil.example/").as_deref(),
            Some("/evil.example")
        );
        assert_eq!(location("///").as_deref(), Some("/"));
        assert_eq!(
            location("/\\evil.example/").as_deref(),
            Some("/evil.example")
        );
        assert_eq!(
            location("/\\/\\evil.example//").as_deref(),
            Some("/evil.example")
        );
        assert_eq!(location("/api/a\\b/").as_deref(), Some("/api/a%5Cb"));
    }

    /// Whatever the path, the `Location` is a path on this host: one `/`, then neither
    /// `/` nor `\`, and no `\` at all (which URL parsers read as `/`).
    #[test]
    fn no_path_redirects_off_the_host() {
        let pieces = ["/", "\\", "evil.example", ".", "%5C", "%2F", "a"];
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            paths = paths
                .iter()
                .flat_map(|path| pieces.iter().map(move |piece| format!("{path}{piece}")))
                .collect();
            for path in &paths {
                let uri = format!("/{path}/");
                let Ok(parsed) = uri.parse::<Uri>() else {
                    continue;
                };
                let Some(location) = location(&parsed.to_string()) else {
                    continue;
                };
                assert!(location.starts_with('/'), "{uri} → {location}");
                assert!(!location[1..].starts_with('/'), "{uri} → {location}");
                assert!(!location.contains('\\'), "{uri} → {location}");
            }
        }
    }
}
