//! One client connection: what it is doing (reading headers, handling a request, idle),
//! watched so that a slow or silent client is closed on time, and its requests counted
//! against the server's cap.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::task::AtomicWaker;
use http::{HeaderValue, Request, StatusCode, Version, header};
use http_body::Frame;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::future::Future;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tower::ServiceExt;

use super::ServeStats;
use super::body::{CutFlag, WatchedBody};
use super::config::ServeConfig;
use crate::ApiError;
use crate::error::code;

/// No time recorded.
const NEVER: u64 = u64::MAX;

/// What the watchdog reads: kept up to date by the socket (bytes arriving) and by the
/// requests (starting, their responses ending). Times are milliseconds since `opened`.
struct Activity {
    opened: Instant,
    /// Requests of this connection whose responses have not ended.
    in_flight: AtomicUsize,
    /// Requests this connection has started.
    started: AtomicU64,
    /// When the connection last had nothing in flight (its opening, or a response's end).
    idle_since: AtomicU64,
    /// The first byte that came while nothing was in flight: a request's headers began.
    headers_began: AtomicU64,
    /// The client opened with HTTP/2's preface.
    http2: AtomicBool,
    /// No byte has been read yet.
    fresh: AtomicBool,
    /// What the server asks of the connection: [`RUN`], [`DRAIN`] or [`EVICT`].
    control: AtomicU8,
    /// The connection's task, woken when `control` changes. Lock-free to poll, unlike a
    /// shared cancellation token, which every connection would lock on every wake.
    control_waker: AtomicWaker,
}

const RUN: u8 = 0;
/// Finish what is in flight, then close (shutdown).
const DRAIN: u8 = 1;
/// Close at once, to make room at the cap.
const EVICT: u8 = 2;

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            headers_began: AtomicU64::new(NEVER),
            http2: AtomicBool::new(false),
            fresh: AtomicBool::new(true),
            control: AtomicU8::new(RUN),
            control_waker: AtomicWaker::new(),
        }
    }

    /// Asks the connection to `command` (only ever raised: an evicted one is not drained).
    fn command(&self, command: u8) {
        self.control.fetch_max(command, Ordering::AcqRel);
        self.control_waker.wake();
    }

    fn now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(NEVER - 1)
    }

    fn bytes_arrived(&self, first_bytes: &[u8]) {
        if self.fresh.swap(false, Ordering::Relaxed) {
            self.http2.store(
                first_bytes.starts_with(b"PRI * HTTP/2.0"),
                Ordering::Relaxed,
            );
        }
        if self.in_flight.load(Ordering::Relaxed) == 0 {
            let _ = self.headers_began.compare_exchange(
                NEVER,
                self.now(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }
}

impl Activity {
    /// Since when the connection has been waiting for a request (silent since it opened,
    /// trickling headers, or idle after a response); `None` while one is in flight.
    fn waiting_since(&self) -> Option<Instant> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let headers_began = self.headers_began.load(Ordering::Relaxed);
        let since = if headers_began != NEVER {
            headers_began
        } else {
            self.idle_since.load(Ordering::Relaxed)
        };
        Some(self.opened + Duration::from_millis(since))
    }
}

/// Every open connection, so that at the cap the one that has waited longest for a
/// request can make room for a new client, and so that shutdown reaches them all.
#[derive(Default)]
pub(crate) struct Registry {
    next_id: AtomicU64,
    open: Mutex<Connections>,
}

#[derive(Default)]
struct Connections {
    by_id: HashMap<u64, Arc<Activity>>,
    draining: bool,
}

impl Registry {
    fn register(&self, activity: &Arc<Activity>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut open = self.lock();
        if open.draining {
            // Accepted just before the shutdown began.
            activity.command(DRAIN);
        }
        open.by_id.insert(id, Arc::clone(activity));
        id
    }

    fn unregister(&self, id: u64) {
        self.lock().by_id.remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connections> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every connection finishes what it has in flight and closes.
    pub(crate) fn drain_all(&self) {
        let mut open = self.lock();
        open.draining = true;
        for activity in open.by_id.values() {
            activity.command(DRAIN);
        }
    }

    /// Closes the connection that has waited longest for a request, if it has waited at
    /// least `min_wait`; whether one was closed. A client sends its headers in
    /// milliseconds, so the longest waiters are the silent, the trickling and the idle.
    pub(crate) fn evict_longest_waiting(&self, min_wait: Duration) -> bool {
        let now = Instant::now();
        let open = self.lock();
        let victim = open
            .by_id
            .values()
            .filter(|activity| activity.control.load(Ordering::Acquire) == RUN)
            .filter_map(|activity| Some((activity.waiting_since()?, activity)))
            .filter(|(since, _)| now.saturating_duration_since(*since) >= min_wait)
            .min_by_key(|(since, _)| *since);
        match victim {
            Some((_, activity)) => {
                activity.command(EVICT);
                true
            }
            None => false,
        }
    }
}

/// Resolves when the server has asked something of the connection since `seen`.
struct Command<'a> {
    activity: &'a Activity,
    seen: u8,
}

impl Future for Command<'_> {
    type Output = u8;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        self.activity.control_waker.register(cx.waker());
        match self.activity.control.load(Ordering::Acquire) {
            command if command != self.seen => Poll::Ready(command),
            _ => Poll::Pending,
        }
    }
}

/// Why the watchdog closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    /// Headers not complete in time: closed at once, as they may never be.
    HeaderTimeout,
    /// Nothing in flight for the idle timeout: closed cleanly.
    Idle,
}

impl Activity {
    fn verdict(&self, config: &ServeConfig) -> Option<Close> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let now = self.now();
        let past = |since: u64, limit: Duration| {
            since != NEVER && u128::from(now.saturating_sub(since)) >= limit.as_millis()
        };
        let idle_since = self.idle_since.load(Ordering::Relaxed);
        if self.http2.load(Ordering::Relaxed) {
            // Frames (pings, settings) come and go on an idle HTTP/2 connection: only
            // whether a stream is open tells it is in use.
            return past(idle_since, config.idle_timeout).then_some(Close::Idle);
        }
        let headers_began = self.headers_began.load(Ordering::Relaxed);
        if past(headers_began, config.header_read_timeout) {
            return Some(Close::HeaderTimeout);
        }
        if self.started.load(Ordering::Relaxed) == 0 {
            // A new connection owes its first request's headers from the start.
            return past(idle_since, config.header_read_timeout).then_some(Close::HeaderTimeout);
        }
        (headers_began == NEVER && past(idle_since, config.idle_timeout)).then_some(Close::Idle)
    }
}

pin_project_lite::pin_project! {
    /// The socket, noting when bytes arrive.
    struct WatchedIo {
        #[pin]
        stream: TcpStream,
        activity: Arc<Activity>,
    }
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let read = this.stream.poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.bytes_arrived(&buf.filled()[before..]);
        }
        read
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().stream.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().stream.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// A request being handled: counted on its connection and against the server's cap until
/// its response has been sent (or dropped).
struct InFlight {
    activity: Arc<Activity>,
    _permit: Slot,
}

/// One of the server's `max_in_flight` request slots, given back on drop.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(in_flight: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        if in_flight.fetch_add(1, Ordering::AcqRel) >= max {
            in_flight.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Slot(Arc::clone(in_flight)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl InFlight {
    fn begin(activity: Arc<Activity>, permit: Slot) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.started.fetch_add(1, Ordering::Relaxed);
        activity.headers_began.store(NEVER, Ordering::Relaxed);
        InFlight {
            activity,
            _permit: permit,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.activity.in_flight.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.activity
                .idle_since
                .store(self.activity.now(), Ordering::Relaxed);
            self.activity.headers_began.store(NEVER, Ordering::Relaxed);
        }
    }
}

/// What a connection shares with the server (one `Arc` for all of it: it is cloned for
/// every request).
pub(crate) struct Shared {
    pub(crate) router: Router,
    pub(crate) config: ServeConfig,
    /// Requests in flight over all connections, against `config.max_in_flight`. A plain
    /// counter: a semaphore's release takes a lock, on every request.
    pub(crate) in_flight: Arc<AtomicUsize>,
    pub(crate) stats: Arc<ServeStats>,
    /// Cancelled at shutdown: ends Server-Sent Events streams (polled between events
    /// only, so its lock is no cost).
    pub(crate) shutdown: CancellationToken,
    pub(crate) registry: Registry,
}

/// Serves one connection until it ends, is closed by the watchdog, or the server shuts
/// down (then it finishes what is in flight; the server cuts it at the deadline).
pub(crate) async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    _slot: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let id = shared.registry.register(&activity);
    serve_registered(stream, peer, &shared, &activity).await;
    shared.registry.unregister(id);
}

async fn serve_registered(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    activity: &Arc<Activity>,
) {
    let io = TokioIo::new(WatchedIo {
        stream,
        activity: Arc::clone(activity),
    });
    let service = {
        let shared = Arc::clone(shared);
        let activity = Arc::clone(activity);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            handle(request, peer, Arc::clone(&shared), Arc::clone(&activity))
        })
    };

    let mut builder = auto::Builder::new(TokioExecutor::new());
    // No hyper header timer for HTTP/1: the watchdog keeps that time, and a timer per
    // request would cost every request a registration in tokio's timer wheel.
    builder.http1().header_read_timeout(None);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(100)
        // Pings find peers that vanished without closing.
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(20));
    let builder = if shared.config.http2 {
        builder
    } else {
        builder.http1_only()
    };
    let connection = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(connection);

    let config = &shared.config;
    let tick = (config.header_read_timeout.min(config.idle_timeout) / 4)
        .clamp(Duration::from_millis(10), Duration::from_secs(1));
    let mut watchdog = tokio::time::interval(tick);
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = RUN;
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            command = Command { activity, seen } => {
                seen = command;
                if command == EVICT {
                    shared.stats.evicted.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%peer, "closed: made room for a new connection at the cap");
                    return;
                }
                connection.as_mut().graceful_shutdown();
            }
            _ = watchdog.tick() => match activity.verdict(config) {
                Some(Close::HeaderTimeout) => {
                    shared.stats.header_timeouts.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%peer, "closed: request headers not complete in time");
                    return;
                }
                Some(Close::Idle) if seen == RUN => {
                    shared.stats.idle_closed.fetch_add(1, Ordering::Relaxed);
                    // Draining from here: nothing is in flight, so it closes at once.
                    activity.command(DRAIN);
                }
                _ => {}
            },
        }
    }
}

async fn handle(
    request: Request<Incoming>,
    peer: SocketAddr,
    shared: Arc<Shared>,
    activity: Arc<Activity>,
) -> Result<Response<ServedBody>, Infallible> {
    let http1 = request.version() < Version::HTTP_2;
    let Some(permit) = Slot::take(&shared.in_flight, shared.config.max_in_flight) else {
        shared.stats.overloaded.fetch_add(1, Ordering::Relaxed);
        return Ok(overloaded().map(|body| ServedBody {
            inner: body,
            _in_flight: None,
            shutdown: None,
            state: State::Streaming,
        }));
    };
    let in_flight = InFlight::begin(activity, permit);
    let cut = CutFlag::default();
    let config = &shared.config;
    let mut request = request.map(|body| {
        if http_body::Body::is_end_stream(&body) {
            // No body (most GETs): nothing to watch.
            Body::new(body)
        } else {
            Body::new(WatchedBody::new(
                body,
                config.body_read_timeout,
                config.min_body_rate,
                cut.clone(),
            ))
        }
    });
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = match shared.router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let response = match cut.get() {
        // Whatever the handler made of the failed read, the client was too slow.
        Some(why) => {
            shared.stats.body_timeouts.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%peer, "request body cut: {why}");
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                code::REQUEST_TIMEOUT,
                format!("Request body too slow: {why}"),
            )
            .into_response();
            if http1 {
                // The rest of the body is not worth waiting for.
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
        None => response,
    };
    let event_stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/event-stream"));
    let shutdown = event_stream.then(|| shared.shutdown.clone().cancelled_owned());
    // Not boxed again: hyper takes any body type.
    Ok(response.map(|body| ServedBody {
        inner: body,
        _in_flight: Some(in_flight),
        shutdown,
        state: State::Streaming,
    }))
}

/// 503 with `Retry-After` when every request slot is taken.
fn overloaded() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        code::SERVICE_UNAVAILABLE,
        "The server is busy: retry in a moment",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    .into_response()
}

/// The final event of a Server-Sent Events stream the server ends because it is shutting
/// down; `retry` asks the browser to reconnect in a second (to another replica).
pub(crate) const SHUTDOWN_EVENT: &str =
    "event: shutdown\ndata: {\"reason\":\"the server is shutting down\"}\nretry: 1000\n\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Streaming,
    FinalEventSent,
}

pin_project_lite::pin_project! {
    /// A response on its way out: holds the request's slot until it has been sent, and
    /// ends an event stream with a final event when the server shuts down.
    pub(crate) struct ServedBody {
        #[pin]
        inner: Body,
        _in_flight: Option<InFlight>,
        #[pin]
        shutdown: Option<WaitForCancellationFutureOwned>,
        state: State,
    }
}

impl http_body::Body for ServedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let mut this = self.project();
        if *this.state == State::FinalEventSent {
            return Poll::Ready(None);
        }
        // Between events only: the stream gives one whole event per frame.
        if let Some(shutdown) = this.shutdown.as_mut().as_pin_mut()
            && shutdown.poll(cx).is_ready()
        {
            *this.state = State::FinalEventSent;
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
                SHUTDOWN_EVENT.as_bytes(),
            )))));
        }
        this.inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.state == State::FinalEventSent || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
