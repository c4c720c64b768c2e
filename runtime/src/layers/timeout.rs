use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use tower::{Layer, Service};

use crate::ApiError;
use crate::error::code;

/// A route's `MAX_DURATION`: a request still running after `limit` gets a JSON 504
/// `GATEWAY_TIMEOUT`, and the handler's future is dropped (so its work stops at its next
/// `.await`).
#[derive(Debug, Clone, Copy)]
pub struct MaxDuration {
    limit: Duration,
}

impl MaxDuration {
    pub fn new(limit: Duration) -> Self {
        MaxDuration { limit }
    }

    /// From a route file's `pub const MAX_DURATION: u64` (seconds).
    pub fn seconds(seconds: u64) -> Self {
        MaxDuration::new(Duration::from_secs(seconds))
    }
}

impl<S> Layer<S> for MaxDuration {
    type Service = MaxDurationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MaxDurationService {
            inner,
            limit: self.limit,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MaxDurationService<S> {
    inner: S,
    limit: Duration,
}

impl<S> Service<Request> for MaxDurationService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = MaxDurationFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        MaxDurationFuture {
            inner: self.inner.call(request),
            deadline: tokio::time::sleep(self.limit),
            limit: self.limit,
        }
    }
}

pin_project_lite::pin_project! {
    pub struct MaxDurationFuture<F> {
        #[pin]
        inner: F,
        #[pin]
        deadline: tokio::time::Sleep,
        limit: Duration,
    }
}

impl<F> Future for MaxDurationFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(response) = this.inner.poll(cx) {
            return Poll::Ready(response);
        }
        match this.deadline.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Ok(timed_out(*this.limit))),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn timed_out(limit: Duration) -> Response {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        code::GATEWAY_TIMEOUT,
        format!(
            "The request took longer than this route's limit of {} seconds",
            limit.as_secs_f64()
        ),
    )
    .into_response()
}
