use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;

use template_app::{AppState, Config, accounts, app, routes};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn main() -> ExitCode {
    return_large_buffers_to_the_os();
    // Before the runtime starts its threads: setting environment variables is only sound
    // while no other thread may read them.
    if let Err(err) = load_dot_env() {
        eprintln!("error: {err}");
        return ExitCode::from(2);
    }
    run()
}

/// Settings from a `.env` file in the current folder, as Next.js reads its `.env`: one
/// `NAME=value` a line, `#` comments. The real environment wins over the file, so a
/// deployment's settings are never overridden by a stray file; a file that does not
/// parse stops the start.
fn load_dot_env() -> Result<(), String> {
    match dotenvy::from_path(".env") {
        Ok(()) => Ok(()),
        Err(err) if err.not_found() => Ok(()),
        Err(err) => Err(format!("cannot read .env: {err}")),
    }
}

#[tokio::main]
async fn run() -> ExitCode {
    // Colour codes are for a person at a terminal; in a file, a pipe or journald they are
    // noise around every line. `NO_COLOR` (no-color.org) turns them off at a terminal too.
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    // Each request a span, exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
    // (docs/observability.md); without it, no exporter at all.
    let (otel, telemetry) = match fsroute::telemetry::otlp_layer_from_env(env!("CARGO_PKG_NAME")) {
        Ok(export) => export.unzip(),
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let exporting = otel.is_some();
    // `RUST_LOG` chooses the log lines only: with `RUST_LOG=warn` the exported traces
    // would otherwise lose every request span (they are INFO), and with it everything.
    let log_filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,template_app=debug".into());
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(colour)
                .with_filter(log_filter),
        )
        .with(otel.map(|layer| layer.with_filter(tracing_subscriber::filter::LevelFilter::INFO)))
        .init();
    let code = serve(exporting).await;
    // After the server stopped: the spans of the last requests still in the batch.
    if let Some(telemetry) = telemetry {
        match tokio::task::spawn_blocking(move || telemetry.shutdown()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("warning: the last spans were not exported: {err}"),
            Err(err) => eprintln!("warning: the last spans were not exported: {err}"),
        }
    }
    code
}

async fn serve(exporting_traces: bool) -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        None => {}
        Some("create-admin") => return create_admin(&config, args.collect()).await,
        Some(other) => {
            eprintln!(
                "error: unknown command `{other}`: run with no arguments to serve, or \
                 `create-admin EMAIL [NAME]` (the password on stdin or in ADMIN_PASSWORD)"
            );
            return ExitCode::from(2);
        }
    }
    let state = match AppState::start(&config).await {
        Ok(state) => state,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let address: SocketAddr = match format!("{}:{}", config.host, config.port).parse() {
        Ok(address) => address,
        Err(err) => {
            eprintln!(
                "error: HOST={} PORT={} is not an address: {err}",
                config.host, config.port
            );
            return ExitCode::from(2);
        }
    };
    // A socket handed down by `fsroute dev` (or systemfd, watchexec --socket) keeps the
    // port open across restarts; otherwise HOST:PORT.
    let listener = match fsroute::serve::listener(address).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {address}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().unwrap_or(address);
    let metrics_server = match serve_metrics_alone(&state).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let metrics_open_to_all = state
        .metrics
        .as_ref()
        .is_some_and(|metrics| metrics.own_addr.is_none())
        && config.metrics.token.is_none()
        && !address.ip().is_loopback();
    if metrics_open_to_all {
        tracing::warn!(
            "GET /metrics is open to anyone who can reach {address}: set METRICS_TOKEN, or \
             METRICS_ADDR to serve it on a private address (docs/observability.md)"
        );
    }
    println!("Routes:\n{}", fsroute::route_table(routes::ROUTES));
    // Never the password: this line goes to journald, container logs and CI logs.
    println!(
        "Database: {}",
        template_app::db::redacted(&config.database_url)
    );
    if exporting_traces {
        println!("Traces: exported over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT)");
    }
    // Tests read this line to find the port.
    println!("listening on http://{address}");
    if let Some(metrics_address) = metrics_server {
        println!("metrics on http://{metrics_address}/metrics");
    }

    // Timeouts, connection and request caps, graceful shutdown: docs/deploying.md. The
    // peer address reaches handlers as `ConnectInfo` (the rate limits key on it).
    let server = fsroute::serve::Server::new(listener, app(state))
        .config(config.serve.clone())
        .with_graceful_shutdown(async {
            fsroute::serve::shutdown_signal().await;
            println!("shutting down: finishing in-flight requests");
        });
    match server.run().await {
        Ok(report) if report.cut == 0 => {
            println!("stopped: every in-flight request finished");
            ExitCode::SUCCESS
        }
        Ok(report) => {
            println!(
                "stopped: {} connections still busy at SHUTDOWN_TIMEOUT were cut",
                report.cut
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: the server failed: {err}");
            ExitCode::FAILURE
        }
    }
}

/// With `METRICS_ADDR`, `GET /metrics` on that address alone, served beside the API
/// until the process ends; the address it got (the port may be 0 in tests).
async fn serve_metrics_alone(state: &AppState) -> Result<Option<SocketAddr>, String> {
    let Some((endpoint, address)) = state
        .metrics
        .as_ref()
        .and_then(|metrics| Some((metrics.endpoint.clone(), metrics.own_addr?)))
    else {
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| format!("cannot listen on METRICS_ADDR={address}: {err}"))?;
    let address = listener.local_addr().unwrap_or(address);
    let server = fsroute::serve::Server::new(listener, endpoint.router());
    tokio::spawn(async move {
        if let Err(err) = server.run().await {
            tracing::error!("the metrics server failed: {err}");
        }
    });
    Ok(Some(address))
}

/// `create-admin EMAIL [NAME]`: makes an admin out of band, before or while the API
/// runs, with the password from `ADMIN_PASSWORD` or the first line of stdin (never an
/// argument, which other users of the machine can read). An existing account with that
/// email becomes an admin with this password.
async fn create_admin(config: &Config, args: Vec<String>) -> ExitCode {
    let (email, name) = match args.as_slice() {
        [email] => (email.clone(), None),
        [email, name] => (email.clone(), Some(accounts::normalize_name(name))),
        _ => {
            eprintln!(
                "error: usage: create-admin EMAIL [NAME] (the password on stdin or in ADMIN_PASSWORD)"
            );
            return ExitCode::from(2);
        }
    };
    let password = match std::env::var("ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        Some(password) => password,
        None => {
            let mut line = String::new();
            if let Err(err) = std::io::stdin().read_line(&mut line) {
                eprintln!("error: cannot read the password from stdin: {err}");
                return ExitCode::from(2);
            }
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let email = accounts::normalize_email(&email);
    let checked = accounts::check_email(&email)
        .map_err(|why| format!("{email}: {why}"))
        .and_then(|()| {
            accounts::check_new_password(&password)
                .map_err(|why| format!("the password is refused: {why}"))
        });
    let name = name
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or("Admin").to_string());
    let checked = checked
        .and_then(|()| accounts::check_name(&name).map_err(|why| format!("{name:?}: {why}")));
    if let Err(err) = checked {
        eprintln!("error: {err}");
        return ExitCode::from(2);
    }
    let made = async {
        let db = template_app::db::connect(config).await?;
        let hash = template_app::auth::hash_password_blocking(password)
            .await
            .map_err(|err| err.message().to_string())?;
        template_app::users::make_admin(&db, &email, &name, &hash)
            .await
            .map_err(|err| err.message().to_string())
    };
    match made.await {
        Ok((user, true)) => {
            println!("created the admin {} (id {})", user.email, user.id);
            ExitCode::SUCCESS
        }
        Ok((user, false)) => {
            println!(
                "{} (id {}) is now an admin, with the new password",
                user.email, user.id
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Buffers of 1 MiB and more (an argon2 run's 19 MiB, an upload) get their own memory
/// from the OS and give it back when freed.
///
/// Why: glibc raises its threshold for that after the first large buffer is freed, and
/// from then on keeps freed large buffers in its per-thread pools. Measured on this app:
/// every login added 19 MiB of resident memory until about 200 MiB. With the threshold
/// fixed, memory after any number of logins stays where it was.
fn return_large_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes an allocator setting; it is called once, first thing
    // in `main` (before any other thread), with a documented parameter and a valid value.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
