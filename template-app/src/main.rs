use std::net::SocketAddr;

use template_app::{AppState, app, routes};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,template_app=debug".into()),
        )
        .init();

    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_string());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_string());
    let address: SocketAddr = match format!("{host}:{port}").parse() {
        Ok(address) => address,
        Err(err) => {
            eprintln!("error: HOST={host} PORT={port} is not an address to listen on: {err}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {address}: {err}");
            std::process::exit(1);
        }
    };
    println!("Routes:\n{}", fsroute::route_table(routes::ROUTES));
    println!("Listening on http://{address}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(err) = axum::serve(listener, app(AppState::with_sample_users()))
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("error: server failed: {err}");
        std::process::exit(1);
    }
}
