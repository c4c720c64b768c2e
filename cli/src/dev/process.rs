//! The processes `fsroute dev` starts: the build, and the app it serves through. Each in a
//! process group of its own, so that stopping one stops what it started, and nothing is
//! left behind when `fsroute dev` stops.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

/// Kills a process group when dropped: a build stopped half-way takes its rustc and build
/// scripts with it.
pub struct GroupGuard(Option<u32>);

impl GroupGuard {
    pub fn new(pid: Option<u32>) -> GroupGuard {
        GroupGuard(pid)
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            signal_group(pid, Signal::Kill);
        }
    }
}

#[derive(Clone, Copy)]
enum Signal {
    Terminate,
    Kill,
}

#[cfg(unix)]
fn signal_group(pid: u32, signal: Signal) {
    let signal = match signal {
        Signal::Terminate => libc::SIGTERM,
        Signal::Kill => libc::SIGKILL,
    };
    // SAFETY: kill(2) with a negative pid signals the group that `pid` leads; no memory
    // is involved. An already-gone group is ESRCH, which is what we wanted anyway.
    unsafe {
        libc::kill(-(pid as libc::pid_t), signal);
    }
}

#[cfg(not(unix))]
fn signal_group(_pid: u32, _signal: Signal) {
    // Windows: the child is killed through its handle (`Child::start_kill`) instead.
}

/// The app's process, serving on the socket it was given.
pub struct App {
    child: Child,
    pub address: SocketAddr,
}

/// How long a stopped app has to finish its requests (its `SHUTDOWN_TIMEOUT`), and how
/// much longer it gets before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(3);
const KILL_AFTER: Duration = Duration::from_secs(5);

impl App {
    /// Starts `binary` in `root`, on a new socket of its own on the loopback: passed down
    /// as the first `LISTEN_FDS` socket on Unix (`fsroute::serve::listener` takes it), as
    /// `PORT` elsewhere. Its output goes to the terminal.
    pub fn start(binary: &Path, root: &Path, env: &[(String, String)]) -> Result<App, String> {
        let socket = std::net::TcpListener::bind(("127.0.0.1", 0))
            .map_err(|err| format!("cannot open a socket for the app: {err}"))?;
        let address = socket
            .local_addr()
            .map_err(|err| format!("cannot open a socket for the app: {err}"))?;
        let mut command = Command::new(binary);
        command
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .envs(env.iter().map(|(name, value)| (name, value)))
            .kill_on_drop(true);
        if std::env::var_os("SHUTDOWN_TIMEOUT").is_none() {
            command.env("SHUTDOWN_TIMEOUT", format!("{}s", STOP_GRACE.as_secs()));
        }
        let socket = pass_socket(&mut command, socket, address);
        let child = command
            .spawn()
            .map_err(|err| format!("cannot start `{}`: {err}", binary.display()))?;
        // The app holds the socket now; ours would keep it open after the app is gone, and
        // a request sent to a dead app would wait instead of failing.
        drop(socket);
        Ok(App { child, address })
    }

    /// The app's exit, whenever it comes.
    pub async fn exited(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// SIGTERM to the app's group, so it drains; killed if still there after the grace.
    pub async fn stop(mut self) {
        let Some(pid) = self.child.id() else {
            return; // already reaped
        };
        signal_group(pid, Signal::Terminate);
        #[cfg(not(unix))]
        let _ = self.child.start_kill();
        if tokio::time::timeout(KILL_AFTER, self.child.wait())
            .await
            .is_err()
        {
            signal_group(pid, Signal::Kill);
            let _ = self.child.kill().await;
        }
        // Whatever it started and left in its group.
        signal_group(pid, Signal::Kill);
    }
}

#[cfg(unix)]
/// Sets the command up to inherit `socket`, which must stay open until it has started.
fn pass_socket(
    command: &mut Command,
    socket: std::net::TcpListener,
    _address: SocketAddr,
) -> Option<std::net::TcpListener> {
    use std::os::fd::AsRawFd;
    let fd = socket.as_raw_fd();
    command
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDNAMES");
    // The app must not bind a port of its own: 0 if it ignores LISTEN_FDS (the start
    // then times out with a message naming `fsroute::serve::listener`).
    command.env("PORT", "0");
    command.process_group(0);
    // SAFETY: between fork and exec only async-signal-safe calls: dup2, fcntl, prctl.
    unsafe {
        command.pre_exec(move || {
            // The listenfd protocol: the first socket is descriptor 3.
            if fd == 3 {
                // Already there: only the close-on-exec flag must go.
                if libc::fcntl(3, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, 3) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // If `fsroute dev` itself is killed, the app follows instead of holding on.
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    Some(socket)
}

#[cfg(not(unix))]
fn pass_socket(
    command: &mut Command,
    socket: std::net::TcpListener,
    address: SocketAddr,
) -> Option<std::net::TcpListener> {
    // No descriptor passing: the app binds the port freed here (racy, but only locally).
    drop(socket);
    command
        .env("HOST", "127.0.0.1")
        .env("PORT", address.port().to_string());
    None
}
