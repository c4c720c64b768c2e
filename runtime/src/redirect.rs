//! Next.js answers a URL with a trailing slash by a 308 to the URL without it.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, Uri, header};
use tower::{Layer, Service};

/// `Some(308)` when the path ends in `/` and is not `/` itself.
pub(crate) fn trailing_slash_redirect(uri: &Uri) -> Option<Response> {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    // `//evil.example/` must not become `//evil.example`, which browsers read as another host.
    let trimmed = format!("/{}", trimmed.trim_start_matches('/'));
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

/// Redirects a trailing slash before a catch-all route can capture it into its parameter.
/// Generated routers put it on catch-all routes only; other routes never see one.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedirectTrailingSlash;

impl<S> Layer<S> for RedirectTrailingSlash {
    type Service = RedirectTrailingSlashService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RedirectTrailingSlashService { inner }
    }
}

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
    type Future = RedirectFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match trailing_slash_redirect(request.uri()) {
            Some(redirect) => RedirectFuture::Redirect {
                response: Some(redirect),
            },
            None => RedirectFuture::Inner {
                future: self.inner.call(request),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// Either the ready redirect or the route's own response; no boxing.
    #[project = RedirectFutureProjection]
    pub enum RedirectFuture<F> {
        Redirect { response: Option<Response> },
        Inner { #[pin] future: F },
    }
}

impl<F> Future for RedirectFuture<F>
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
    }
}
