//! The template app's docs page in a real browser with no network: headless Chromium
//! (Debian's `chromium`, installed by `.ci/with-chromium`) resolves no host but
//! 127.0.0.1, loads `/api/docs` from the running app, and must show the template's
//! operations — with no request leaving the machine.
//!
//! Skipped with a note when Chromium is missing, unless `FSROUTE_REQUIRE_CHROMIUM=1`
//! (as in CI), when that is a failure.

#[path = "../../runtime/tests/chromium/mod.rs"]
mod chromium;

use template_app::{AppState, Config, app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_shows_the_templates_operations_offline() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_data_dir(dir.path());
    let state = AppState::start(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/docs", listener.local_addr().unwrap());
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });

    let page = url.clone();
    let rendered = tokio::task::spawn_blocking(move || chromium::render_offline(&page))
        .await
        .unwrap();
    server.abort();
    let Some(rendered) = rendered else {
        return;
    };

    if let Some(path) = std::env::var_os("FSROUTE_DOCS_DOM") {
        std::fs::write(path, &rendered.dom).unwrap();
    }
    // Every operation's summary (from its handler's `///` doc) is listed; the sidebar
    // breaks long words with `<wbr>`.
    let dom = rendered.dom.replace("<wbr>", "");
    let document = template_app::routes::openapi().value();
    let mut summaries = Vec::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            if let Some(summary) = operation["summary"].as_str() {
                summaries.push(summary);
            }
        }
    }
    assert_eq!(
        summaries.len(),
        22,
        "every template operation has a summary"
    );
    for summary in summaries {
        assert!(
            dom.contains(summary),
            "the page does not show {summary:?}; console: {:#?}\n{}",
            rendered.console,
            &dom[..dom.len().min(3000)]
        );
    }
    assert_eq!(
        rendered.outside_requests(),
        Vec::<String>::new(),
        "requests left 127.0.0.1; the page's: {:#?}",
        rendered.requested_urls
    );
    assert!(
        rendered
            .requested_urls
            .iter()
            .any(|url| url.ends_with("/api/openapi.json")),
        "the page did not load the document: {:#?}",
        rendered.requested_urls
    );
}
