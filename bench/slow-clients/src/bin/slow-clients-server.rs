//! The server the slow-clients benchmark attacks: one small JSON route, served by
//! `axum::serve` with the client's address (how the template served before) or
//! `fsroute::serve` (its defaults).
//!
//!     slow-clients-server axum|fsroute

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::json;

#[tokio::main]
async fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let app = Router::new().route(
        "/api/health",
        get(|| async { Json(json!({ "status": "ok" })) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    match mode.as_str() {
        // With the client's address, as the template served before (and as
        // fsroute::serve always gives it).
        "axum" => axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap(),
        "fsroute" => {
            fsroute::serve::serve(listener, app).await.unwrap();
        }
        other => panic!("unknown mode `{other}`: axum or fsroute"),
    }
}
