//! The listening socket: one handed down by a process that keeps the port open across
//! restarts (`fsroute dev`, `systemfd`, `watchexec --socket`), else a fresh bind.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;

/// The TCP listener to serve on: the first socket passed down with the `LISTEN_FDS`
/// protocol (systemd's, which `systemfd`, `watchexec --socket` and `fsroute dev` speak;
/// on Windows, systemfd's own), or else a new one bound to `address`.
///
/// With an inherited socket, requests that arrive while the app restarts wait in the
/// socket's queue instead of being refused, and `address` is not used: the socket is
/// already bound (its address is `local_addr()`).
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = fsroute::serve::listener(([127, 0, 0, 1], 3000).into()).await?;
/// fsroute::serve::serve(listener, app).await?;
/// # Ok(())
/// # }
/// ```
pub async fn listener(address: SocketAddr) -> io::Result<TcpListener> {
    match inherited()? {
        Some(listener) => Ok(listener),
        None => TcpListener::bind(address).await,
    }
}

/// The socket passed down, if any. An inherited descriptor that is not a TCP listener is an
/// error, not a silent fresh bind: the process handing it down expects it to be served.
fn inherited() -> io::Result<Option<TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() == 0 {
        return Ok(None);
    }
    let Some(listener) = fds.take_tcp_listener(0).map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("the socket passed down in LISTEN_FDS is not a TCP listener: {err}"),
        )
    })?
    else {
        return Ok(None);
    };
    listener.set_nonblocking(true)?;
    TcpListener::from_std(listener).map(Some)
}
