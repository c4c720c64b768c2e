//! Request bodies that must keep arriving: a client that stops sending, or sends a byte
//! now and then (a slow POST), gets an error on the body after the configured wait,
//! which the server turns into a 408.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::config::BODY_RATE_GRACE;

/// Why a body was cut, for the log and the 408's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TooSlow {
    Stalled(Duration),
    BelowRate(u64),
}

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TooSlow::Stalled(wait) => write!(
                f,
                "the request body stopped arriving for {} seconds",
                wait.as_secs_f64()
            ),
            TooSlow::BelowRate(rate) => write!(
                f,
                "the request body arrived slower than {rate} bytes per second"
            ),
        }
    }
}

impl std::error::Error for TooSlow {}

/// Set when a request's body was cut, so the server answers 408 whatever the handler made
/// of the error.
#[derive(Debug, Default, Clone)]
pub(crate) struct CutFlag(Arc<std::sync::OnceLock<TooSlow>>);

impl CutFlag {
    pub(crate) fn get(&self) -> Option<TooSlow> {
        self.0.get().copied()
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pin_project_lite::pin_project! {
    pub(crate) struct WatchedBody<B> {
        #[pin]
        inner: B,
        #[pin]
        next_piece_by: Sleep,
        gap: Duration,
        min_rate: u64,
        started: Option<Instant>,
        received: u64,
        cut: CutFlag,
        done: bool,
    }
}

impl<B> WatchedBody<B> {
    pub(crate) fn new(inner: B, gap: Duration, min_rate: u64, cut: CutFlag) -> Self {
        WatchedBody {
            inner,
            next_piece_by: tokio::time::sleep(gap),
            gap,
            min_rate,
            started: None,
            received: 0,
            cut,
            done: false,
        }
    }
}

impl<B> Body for WatchedBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        let now = Instant::now();
        // The clocks start when the handler first reads, not when the headers came.
        let started = *this.started.get_or_insert_with(|| {
            this.next_piece_by.as_mut().reset(now + *this.gap);
            now
        });
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.received += data.len() as u64;
                    this.next_piece_by.as_mut().reset(now + *this.gap);
                    let elapsed = now.duration_since(started);
                    if *this.min_rate > 0
                        && elapsed > BODY_RATE_GRACE
                        && (*this.received as f64) < *this.min_rate as f64 * elapsed.as_secs_f64()
                    {
                        return cut(this.cut, this.done, TooSlow::BelowRate(*this.min_rate));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.next_piece_by.poll(cx) {
                Poll::Ready(()) => cut(this.cut, this.done, TooSlow::Stalled(*this.gap)),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn cut(
    flag: &CutFlag,
    done: &mut bool,
    why: TooSlow,
) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
    let _ = flag.0.set(why);
    *done = true;
    Poll::Ready(Some(Err(Box::new(why))))
}
