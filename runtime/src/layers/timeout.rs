use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http_body::{Frame, SizeHint};
use tokio::time::Sleep;
use tower::{Layer, Service};

use crate::ApiError;
use crate::error::code;

/// A route's `MAX_DURATION`: a request still running after `limit` gets a JSON 504
/// `GATEWAY_TIMEOUT`, and the handler's future is dropped (so its work stops at its next
/// `.await`). The limit covers the whole response, as Next.js's `maxDuration` does: a
/// body still streaming at the deadline (Server-Sent Events, a download) is cut there,
/// and the connection ends without the body's proper end, so the client can tell.
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
        if let Poll::Ready(Ok(response)) = this.inner.poll(cx) {
            let deadline = this.deadline.deadline();
            let limit = *this.limit;
            return Poll::Ready(Ok(response.map(|body| {
                Body::new(DeadlineBody {
                    inner: body,
                    deadline: tokio::time::sleep_until(deadline),
                    limit,
                })
            })));
        }
        match this.deadline.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Ok(timed_out(*this.limit))),
            Poll::Pending => Poll::Pending,
        }
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends in an error at the route's deadline. The timer is only
    /// armed when the body is still waiting for data: a body already in memory (JSON)
    /// finishes on its first polls and never touches it.
    struct DeadlineBody {
        #[pin]
        inner: Body,
        #[pin]
        deadline: Sleep,
        limit: Duration,
    }
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match this.deadline.poll(cx) {
            Poll::Ready(()) => {
                let seconds = this.limit.as_secs_f64();
                tracing::warn!(
                    max_duration = seconds,
                    "response body cut at the route's MAX_DURATION"
                );
                // The deadline stays elapsed, so a caller that polls again gets the error
                // again rather than more of the body.
                Poll::Ready(Some(Err(axum::Error::new(format!(
                    "the response took longer than this route's limit of {seconds} seconds"
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
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
