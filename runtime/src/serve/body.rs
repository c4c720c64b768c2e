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
        // Made the first time the body has to wait: most bodies never do.
        next_piece_by: Option<Pin<Box<Sleep>>>,
        // Whether `next_piece_by` counts the current wait (it is reset when data comes).
        waiting: bool,
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
            next_piece_by: None,
            waiting: false,
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
        let this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        // The rate is measured from the handler's first read, not from the headers.
        let started = *this.started.get_or_insert_with(Instant::now);
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.received += data.len() as u64;
                    // The wait for the next piece starts when the body next has to wait.
                    *this.waiting = false;
                    let elapsed = started.elapsed();
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
            Poll::Pending => {
                let gap = *this.gap;
                let timer = this
                    .next_piece_by
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(gap)));
                if !*this.waiting {
                    timer.as_mut().reset(Instant::now() + gap);
                    *this.waiting = true;
                }
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => cut(this.cut, this.done, TooSlow::Stalled(gap)),
                    Poll::Pending => Poll::Pending,
                }
            }
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
