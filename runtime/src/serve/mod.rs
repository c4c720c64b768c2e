//! Serving an app over TCP so that slow, silent or numerous clients cannot starve it:
//! [`serve`], or [`Server`] to choose the limits and the shutdown signal.
//!
//! ```no_run
//! # async fn run(app: axum::Router) -> std::io::Result<()> {
//! // A socket handed down by `fsroute dev` or `systemfd` (LISTEN_FDS), else a new one.
//! let listener = fsroute::serve::listener(([127, 0, 0, 1], 3000).into()).await?;
//! // Stops on SIGTERM or Ctrl-C, letting requests in flight finish.
//! fsroute::serve::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Built on hyper-util's HTTP/1.1 and HTTP/2 connection, with what `axum::serve` leaves
//! out (see [`ServeConfig`] for each default and its variable):
//!
//! - **slow headers** (slowloris): a connection must finish its request's headers within
//!   `header_read_timeout`, counted from its opening or its request's first byte;
//! - **idle connections** are closed after `idle_timeout` with nothing in flight;
//! - **slow bodies**: a body that stops for `body_read_timeout`, or arrives slower than
//!   `min_body_rate`, is answered 408 `REQUEST_TIMEOUT`;
//! - **too many connections**: past `max_connections` (from the file limit), a new
//!   connection gets a JSON 503 with `Retry-After` and is closed; when the process is out
//!   of file descriptors, accepting backs off instead of spinning;
//! - **too many requests**: past `max_in_flight`, a request gets a JSON 503 with
//!   `Retry-After` at once instead of waiting in a queue;
//! - **graceful shutdown**: requests in flight finish, Server-Sent Events streams end with
//!   a final `event: shutdown`, and whatever is left at `shutdown_timeout` is cut and
//!   counted in the log;
//! - **HTTP/2** with prior knowledge (h2c) on the same port, under the same limits.
//!
//! Handlers see the client's address as `ConnectInfo<SocketAddr>`, as with
//! `into_make_service_with_connect_info`.

mod body;
mod config;
mod connection;
mod listener;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use config::{BODY_RATE_GRACE, ServeConfig, default_max_connections, file_limit};

use connection::{Registry, Shared, serve_connection};
pub use listener::listener;

/// Serves `router` on `listener` with the default limits until SIGTERM or Ctrl-C.
pub async fn serve(listener: TcpListener, router: Router) -> io::Result<ServeReport> {
    Server::new(listener, router).run().await
}

type Signal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A server with its limits and shutdown signal, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    router: Router,
    config: ServeConfig,
    signal: Signal,
    stats: Arc<ServeStats>,
}

impl Server {
    /// The default limits, stopping on SIGTERM or Ctrl-C.
    pub fn new(listener: TcpListener, router: Router) -> Server {
        Server {
            listener,
            router,
            config: ServeConfig::default(),
            signal: Box::pin(shutdown_signal()),
            stats: Arc::default(),
        }
    }

    pub fn config(mut self, config: ServeConfig) -> Server {
        self.config = config;
        self
    }

    /// Shuts down when `signal` completes, instead of on SIGTERM or Ctrl-C.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Server {
        self.signal = Box::pin(signal);
        self
    }

    /// The counters of this server, live (for tests and metrics).
    pub fn stats(&self) -> Arc<ServeStats> {
        Arc::clone(&self.stats)
    }

    /// Accepts and serves connections until the shutdown signal, then drains.
    pub async fn run(self) -> io::Result<ServeReport> {
        let Server {
            listener,
            router,
            config,
            mut signal,
            stats,
        } = self;
        let shutdown = CancellationToken::new();
        let slots = Arc::new(Semaphore::new(config.max_connections));
        // Sockets past the cap: a refused connection being answered, or a new one waiting
        // for an evicted connection's slot. These are few, so that the server never holds
        // more than `max_connections + SPARE_SOCKETS` (the default cap leaves room for them).
        let spare = Arc::new(Semaphore::new(SPARE_SOCKETS));
        let shared = Arc::new(Shared {
            router,
            in_flight: Arc::default(),
            config,
            stats: Arc::clone(&stats),
            shutdown: shutdown.clone(),
            registry: Registry::default(),
        });
        // A connection that has waited this long for a request gives its place to a new
        // client when the cap is reached; clients send headers within milliseconds.
        let evictable_after = (shared.config.header_read_timeout / 4).min(Duration::from_secs(1));
        let mut connections = JoinSet::new();
        let mut backoff = Backoff::default();
        loop {
            tokio::select! {
                _ = &mut signal => break,
                Some(_) = connections.join_next() => {}
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        backoff.reset();
                        let _ = stream.set_nodelay(true);
                        let slot = match Arc::clone(&slots).try_acquire_owned() {
                            Ok(slot) => Ok(slot),
                            Err(_) => match Arc::clone(&spare).try_acquire_owned() {
                                Ok(spare) if shared.registry.evict_longest_waiting(evictable_after) => Err(spare),
                                Ok(spare) => {
                                    stats.refused_connections.fetch_add(1, Ordering::Relaxed);
                                    tokio::spawn(async move {
                                        refuse(stream).await;
                                        drop(spare);
                                    });
                                    continue;
                                }
                                Err(_) => {
                                    stats.refused_connections.fetch_add(1, Ordering::Relaxed);
                                    refuse_now(stream);
                                    continue;
                                }
                            },
                        };
                        let shared = Arc::clone(&shared);
                        let stats = Arc::clone(&stats);
                        let slots = Arc::clone(&slots);
                        connections.spawn(async move {
                            // A slot, or the one an evicted connection is giving back.
                            let slot = match slot {
                                Ok(slot) => slot,
                                Err(spare) => match tokio::time::timeout(
                                    Duration::from_millis(200),
                                    slots.acquire_owned(),
                                )
                                .await
                                {
                                    Ok(Ok(slot)) => {
                                        drop(spare);
                                        slot
                                    }
                                    _ => {
                                        stats.refused_connections.fetch_add(1, Ordering::Relaxed);
                                        refuse(stream).await;
                                        return;
                                    }
                                },
                            };
                            let open = stats.open_connections.fetch_add(1, Ordering::Relaxed) + 1;
                            stats.peak_connections.fetch_max(open, Ordering::Relaxed);
                            serve_connection(stream, peer, shared, slot).await;
                            stats.open_connections.fetch_sub(1, Ordering::Relaxed);
                        });
                    }
                    Err(error) if is_per_connection(&error) => {}
                    Err(error) => {
                        // Out of file descriptors, most likely: wait for some to close.
                        stats.accept_errors.fetch_add(1, Ordering::Relaxed);
                        let wait = backoff.next();
                        tracing::warn!(%error, retry_in_ms = wait.as_millis() as u64, "accept failed");
                        tokio::time::sleep(wait).await;
                    }
                },
            }
        }
        drop(listener);
        let in_flight = stats.open_connections.load(Ordering::Relaxed);
        tracing::info!(
            connections = in_flight,
            "shutting down: finishing in-flight requests (at most {} s)",
            shared.config.shutdown_timeout.as_secs_f64()
        );
        shared.registry.drain_all();
        shutdown.cancel();
        let drained = tokio::time::timeout(shared.config.shutdown_timeout, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        let cut = if drained.is_err() {
            let left = connections.len();
            connections.abort_all();
            while connections.join_next().await.is_some() {}
            tracing::warn!(
                connections = left,
                "shutdown deadline reached: {left} connections cut"
            );
            left
        } else {
            0
        };
        stats.cut_at_shutdown.store(cut as u64, Ordering::Relaxed);
        Ok(ServeReport { cut })
    }
}

/// How the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeReport {
    /// Connections still busy at the shutdown deadline, cut there.
    pub cut: usize,
}

/// What the server has done so far; every field counts since it started.
#[derive(Debug, Default)]
pub struct ServeStats {
    /// Connections open now.
    pub open_connections: AtomicUsize,
    /// The most connections open at once.
    pub peak_connections: AtomicUsize,
    /// Connections closed because their headers did not come in time.
    pub header_timeouts: AtomicU64,
    /// Keep-alive connections closed after the idle timeout.
    pub idle_closed: AtomicU64,
    /// Requests answered 408 because their body was too slow.
    pub body_timeouts: AtomicU64,
    /// Connections past `max_connections`, answered 503 and closed.
    pub refused_connections: AtomicU64,
    /// Connections closed at the cap to make room for a new one: those that had waited
    /// longest for a request.
    pub evicted: AtomicU64,
    /// Requests past `max_in_flight`, answered 503.
    pub overloaded: AtomicU64,
    /// Failed accepts (out of file descriptors), each followed by a pause.
    pub accept_errors: AtomicU64,
    /// Connections cut at the shutdown deadline.
    pub cut_at_shutdown: AtomicU64,
}

/// Sockets the server may hold past `max_connections` for a moment (see `run`).
pub const SPARE_SOCKETS: usize = 32;

/// The answer to a connection past the cap, written without reading its request.
const REFUSED: &str = concat!(
    "HTTP/1.1 503 Service Unavailable\r\n",
    "content-type: application/json\r\n",
    "retry-after: 1\r\n",
    "connection: close\r\n",
    "content-length: 122\r\n",
    "\r\n",
    r#"{"error":{"code":"SERVICE_UNAVAILABLE","message":"The server has too many connections: retry in a moment","details":null}}"#,
);

/// Answers a connection past the cap and closes it, within 100 ms. The request is read
/// first (it has usually arrived whole by now): closing a socket with unread data resets
/// it, and the reset could destroy the answer before the client reads it.
async fn refuse(mut stream: TcpStream) {
    let mut request = [0u8; 4096];
    // A client that sends nothing gets the answer all the same.
    let _ = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut request)).await;
    let answered = async {
        stream.write_all(REFUSED.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_millis(50), answered).await;
}

/// [`refuse`] without waiting, when every spare socket is in use: whatever has
/// arrived is read, the answer written if the socket takes it at once, then closed.
fn refuse_now(stream: TcpStream) {
    let mut request = [0u8; 4096];
    let _ = stream.try_read(&mut request);
    let _ = stream.try_write(REFUSED.as_bytes());
}

/// Errors that concern one connection only (it went away before we took it).
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// 10 ms, doubling up to a second, for accept errors in a row.
#[derive(Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn next(&mut self) -> Duration {
        let wait = Duration::from_millis(10 << self.failures.min(7)).min(Duration::from_secs(1));
        self.failures += 1;
        wait
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

/// Completes on SIGTERM (what process managers and container runtimes send) or Ctrl-C.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_complete_json_answer() {
        let (head, body) = REFUSED.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], "SERVICE_UNAVAILABLE");
    }

    #[test]
    fn accept_errors_back_off_to_a_second() {
        let mut backoff = Backoff::default();
        let waits: Vec<_> = (0..10).map(|_| backoff.next().as_millis()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.next().as_millis(), 10);
    }
}
