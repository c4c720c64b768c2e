//! `fsroute dev`: serve the app, rebuild it when its files change, and keep the port
//! answering throughout. See docs/dev.md.
//!
//! The loop: build, start the new app on a fresh socket, wait until it answers, send
//! requests to it, stop the old one; on a change, hold requests until the next build is
//! done. A failed build stops the app and answers every request with `BUILD_FAILED`.

mod cargo;
mod process;
mod proxy;
mod routes_diff;
mod secret;
mod watch;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::json;
use tokio::sync::watch as state;

use crate::settings;
use cargo::Build;
use process::App;
use proxy::Upstream;

/// What `fsroute dev` was asked for.
pub struct Options {
    pub root: PathBuf,
    pub settings: settings::Settings,
    /// `HOST:PORT` of the public port.
    pub address: SocketAddr,
    pub bin: Option<String>,
}

/// How long a new app has to answer its first request.
const START_LIMIT: Duration = Duration::from_secs(30);

pub fn run(options: Options) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dev(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn dev(options: Options) -> Result<(), String> {
    let Options {
        root,
        settings,
        address,
        bin,
    } = options;
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|err| {
        format!("cannot listen on {address}: {err} (another server there? choose with PORT=… or --port)")
    })?;
    let public = listener.local_addr().unwrap_or(address);
    let (upstream, requests) = state::channel(Upstream::Building);
    tokio::spawn(proxy::serve(listener, requests));

    let app_dir = root.join(settings.app.as_deref().unwrap_or("app"));
    let mut watch = watch::start(&root, &app_dir)?;
    let builder = || settings.apply(fsroute_codegen::Builder::new()).root(&root);
    let colour = std::io::stderr().is_terminal();
    let env = child_env(&root).await?;

    println!(
        "fsroute dev: http://{public}, watching {} {}",
        watch.folders.join(" "),
        watch::ROOT_FILES.join(" ")
    );
    let mut app: Option<App> = None;
    let mut routes = routes_diff::routes(builder());
    let mut stopping = tokio::task::JoinSet::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut reason = "building".to_string();

    'cycle: loop {
        upstream.send_replace(Upstream::Building);
        println!("fsroute dev: {reason}…");
        let started = Instant::now();
        let build = tokio::select! {
            build = cargo::build(&root, bin.as_deref(), colour) => build?,
            () = &mut shutdown => break 'cycle,
        };
        // Saves made during the build: this build may not have seen them.
        let mut changed_meanwhile = Vec::new();
        while let Ok(path) = watch.changes.try_recv() {
            // One save is often several events on the same file.
            if !changed_meanwhile.contains(&path) {
                changed_meanwhile.push(path);
            }
        }
        if !changed_meanwhile.is_empty() {
            reason = format!(
                "{} changed during the build, rebuilding",
                shown(&root, &changed_meanwhile)
            );
            continue 'cycle;
        }

        match build {
            Build::Built {
                binary,
                fresh,
                took,
            } => {
                let new_routes = routes_diff::routes(builder());
                if let (true, Some(running)) = (fresh, &app) {
                    // Cargo redid nothing: the same app serves on.
                    upstream.send_replace(Upstream::Ready(running.address));
                    println!("✓ nothing to rebuild ({})", seconds(took));
                } else {
                    let starting = Instant::now();
                    let mut new_app = App::start(&binary, &root, &env)?;
                    tokio::select! {
                        ready = wait_ready(&mut new_app) => match ready {
                            Ok(()) => {
                                upstream.send_replace(Upstream::Ready(new_app.address));
                                if let Some(old) = app.replace(new_app) {
                                    stopping.spawn(old.stop());
                                }
                                println!(
                                    "✓ ready in {} (build {}, start {})",
                                    seconds(started.elapsed()),
                                    seconds(took),
                                    seconds(starting.elapsed())
                                );
                            }
                            Err(err) => {
                                eprintln!("✗ {err}");
                                upstream.send_replace(Upstream::error(
                                    StatusCode::INTERNAL_SERVER_ERROR,
                                    "APP_NOT_RUNNING",
                                    &err,
                                    json!(null),
                                ));
                                new_app.stop().await;
                                if let Some(old) = app.take() {
                                    stopping.spawn(old.stop());
                                }
                            }
                        },
                        () = &mut shutdown => {
                            new_app.stop().await;
                            break 'cycle;
                        }
                    }
                }
                if let (Some(before), Some(after)) = (&routes, &new_routes) {
                    for line in routes_diff::lines(before, after) {
                        println!("  {line}");
                    }
                }
                if new_routes.is_some() {
                    routes = new_routes;
                }
            }
            Build::Failed {
                first_error,
                errors,
                took,
            } => {
                // Nothing half-running: the old code does not answer for the new files.
                if let Some(old) = app.take() {
                    stopping.spawn(old.stop());
                }
                let place = first_error
                    .location
                    .as_deref()
                    .map(|at| format!(" ({at})"))
                    .unwrap_or_default();
                println!(
                    "✗ build failed in {}: {}{place}; requests get BUILD_FAILED until the next good build",
                    seconds(took),
                    first_error.message
                );
                upstream.send_replace(Upstream::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "BUILD_FAILED",
                    &first_error.message,
                    json!({
                        "location": first_error.location,
                        "errors": errors,
                        "rendered": first_error.rendered,
                    }),
                ));
            }
        }

        // Until the next change: the app may also exit on its own (a crash at start-up
        // after the probe, `std::process::exit` in a handler).
        let first = loop {
            let exited = async {
                match &mut app {
                    Some(app) => app.exited().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                change = watch.changes.recv() => match change {
                    Some(path) => break path,
                    None => return Err("the file watcher stopped".into()),
                },
                status = exited => {
                    let status = status.map(|status| status.to_string()).unwrap_or_else(|err| err.to_string());
                    let message = format!("the app exited ({status}); save a file to build and start it again");
                    println!("✗ {message}");
                    app = None;
                    upstream.send_replace(Upstream::error(StatusCode::INTERNAL_SERVER_ERROR, "APP_NOT_RUNNING", &message, json!(null)));
                }
                () = &mut shutdown => break 'cycle,
            }
        };
        // Requests from now on wait for the build this change starts.
        upstream.send_replace(Upstream::Building);
        let changed = watch::settle(first, &mut watch.changes).await;
        reason = format!("{} changed, rebuilding", shown(&root, &changed));
    }

    println!("fsroute dev: stopping");
    upstream.send_replace(Upstream::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "DEV_SERVER_STOPPING",
        "fsroute dev is stopping",
        json!(null),
    ));
    if let Some(app) = app.take() {
        stopping.spawn(app.stop());
    }
    while stopping.join_next().await.is_some() {}
    Ok(())
}

/// The app's environment on top of ours: the development secret unless `JWT_SECRET` is
/// set, and `FSROUTE_DEV=1`.
async fn child_env(root: &Path) -> Result<Vec<(String, String)>, String> {
    let mut env = vec![("FSROUTE_DEV".to_string(), "1".to_string())];
    if std::env::var_os("JWT_SECRET").is_none() {
        let target = target_dir(root).await?;
        env.push(("JWT_SECRET".to_string(), secret::load_or_create(&target)?));
    }
    Ok(env)
}

/// The crate's target folder, as Cargo resolves it (workspaces, `CARGO_TARGET_DIR`,
/// `.cargo/config.toml`).
async fn target_dir(root: &Path) -> Result<PathBuf, String> {
    let output =
        tokio::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["metadata", "--format-version=1", "--no-deps"])
            .current_dir(root)
            .output()
            .await
            .map_err(|err| format!("cannot run cargo: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("`cargo metadata` printed something else: {err}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` names no target folder".to_string())
}

/// The first request the new app answers, whatever its status: it is serving.
async fn wait_ready(app: &mut App) -> Result<(), String> {
    let address = app.address;
    let probe = async {
        loop {
            if probe(address).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        answered = tokio::time::timeout(START_LIMIT, probe) => answered.map_err(|_| format!(
            "the app did not answer on the socket `fsroute dev` gave it within {} s: does it \
             serve on `fsroute::serve::listener(…)`, which takes that socket (LISTEN_FDS)?",
            START_LIMIT.as_secs()
        )),
        status = app.exited() => Err(format!(
            "the app stopped as it started ({}); its output is above",
            status.map(|status| status.to_string()).unwrap_or_else(|err| err.to_string())
        )),
    }
}

/// One `HEAD /` over a plain connection; true when any HTTP response came back.
async fn probe(address: SocketAddr) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else {
        return false;
    };
    let request = format!("HEAD / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut start = [0u8; 5];
    stream.read_exact(&mut start).await.is_ok() && &start == b"HTTP/"
}

/// `app/api/posts/route.rs`, or `app/api/posts/route.rs and 2 more`.
fn shown(root: &Path, paths: &[PathBuf]) -> String {
    let first = paths
        .first()
        .map(|path| {
            path.strip_prefix(root)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .unwrap_or_default();
    match paths.len() {
        0 | 1 => first,
        n => format!("{first} and {} more", n - 1),
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
