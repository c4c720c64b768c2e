//! `bench-server generated|generated-metrics|handwritten PORT`: serves one of the routers
//! on 127.0.0.1. `generated-metrics` is the generated router measured by route for
//! Prometheus (`fsroute::metrics`, as the template app runs by default), with `/metrics`.

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let port = args.next().unwrap_or_else(|| "0".to_string());
    let app = match which.as_str() {
        "generated" => bench_http::generated(),
        "generated-metrics" => {
            // Before the router is built: routers measure only once it is installed.
            let prometheus = fsroute::metrics::Prometheus::install().expect("one recorder");
            prometheus.endpoint().mount(bench_http::generated())
        }
        "handwritten" => bench_http::handwritten(),
        _ => {
            eprintln!("usage: bench-server generated|generated-metrics|handwritten PORT");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|err| panic!("cannot listen on port {port}: {err}"));
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
