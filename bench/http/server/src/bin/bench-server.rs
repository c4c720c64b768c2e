//! `bench-server generated|handwritten PORT`: serves one of the two routers on 127.0.0.1.

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let port = args.next().unwrap_or_else(|| "0".to_string());
    let app = match which.as_str() {
        "generated" => bench_http::generated(),
        "handwritten" => bench_http::handwritten(),
        _ => {
            eprintln!("usage: bench-server generated|handwritten PORT");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|err| panic!("cannot listen on port {port}: {err}"));
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
