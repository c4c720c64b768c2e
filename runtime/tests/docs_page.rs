//! The API docs page (feature `docs`): its HTTP answers in-process, then the page itself
//! in a headless Chromium that can reach nothing but 127.0.0.1.
#![cfg(feature = "docs")]

mod chromium;

use std::io::Read;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use flate2::read::GzDecoder;
use fsroute::docs_page::routes;
use fsroute::layers::AppLayers;
use fsroute::test::{TestClient, TestResponse};

const DOCS: &str = "/api/docs";
const SPEC: &str = "/api/openapi.json";

fn script_path() -> String {
    format!("{DOCS}/{}", fsroute_docs::script_file_name())
}

/// The docs routes as a generated router has them: merged, then the runtime's fallback.
fn app() -> Router {
    fsroute::routing::finish(routes(DOCS, SPEC), ())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .expect("a gzip body");
    plain
}

#[tokio::test]
async fn the_page_is_small_html_with_a_strict_policy() {
    let client = TestClient::new(app());
    let reply = client.get(DOCS).await;
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        reply.header("content-security-policy"),
        Some(fsroute_docs::CONTENT_SECURITY_POLICY)
    );
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert!(reply.bytes().len() < 1500, "{} bytes", reply.bytes().len());
    let html = reply.text();
    assert!(html.contains(&format!(r#"data-url="{SPEC}""#)), "{html}");
    assert!(
        html.contains(&format!(r#"<script src="{}">"#, script_path())),
        "{html}"
    );

    // A trailing slash is the usual redirect, not a second page.
    let slash = client.get(format!("{DOCS}/")).await;
    assert_eq!(slash.status(), 308);
    assert_eq!(slash.header("location"), Some(DOCS));
}

fn assert_script_headers(reply: &TestResponse) {
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/javascript; charset=utf-8")
    );
    assert_eq!(
        reply.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(reply.header("vary"), Some("accept-encoding"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert!(reply.header("etag").is_some());
}

#[tokio::test]
async fn the_script_is_gzipped_once_for_clients_that_accept_it() {
    let client = TestClient::new(app());
    let zipped = client
        .get(script_path())
        .header("accept-encoding", "gzip, deflate, br")
        .await;
    assert_script_headers(&zipped);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(zipped.bytes(), fsroute_docs::script_gzip());

    let plain = client.get(script_path()).await;
    assert_script_headers(&plain);
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.bytes() == fsroute_docs::SCRIPT, "plain bytes differ");

    assert!(
        gunzip(zipped.bytes()) == plain.bytes(),
        "gzip is not the same script"
    );
    // A different representation, so a different strong tag.
    assert_ne!(zipped.header("etag"), plain.header("etag"));

    let refused = client
        .get(script_path())
        .header("accept-encoding", "gzip;q=0, br")
        .await;
    assert_eq!(refused.header("content-encoding"), None);
}

#[tokio::test]
async fn a_client_that_has_the_script_gets_304() {
    let client = TestClient::new(app());
    for accept in ["gzip", "identity"] {
        let first = client
            .get(script_path())
            .header("accept-encoding", accept)
            .await;
        let etag = first.header("etag").expect("an ETag").to_string();

        let again = client
            .get(script_path())
            .header("accept-encoding", accept)
            .header("if-none-match", etag.as_str())
            .await;
        assert_eq!(again.status(), 304, "{accept}");
        assert!(again.bytes().is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        assert_eq!(
            again.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );

        let weak = client
            .get(script_path())
            .header("accept-encoding", accept)
            .header("if-none-match", format!("\"other\", W/{etag}").as_str())
            .await;
        assert_eq!(weak.status(), 304, "{accept}: weak comparison");

        let stale = client
            .get(script_path())
            .header("accept-encoding", accept)
            .header("if-none-match", "\"an-older-script\"")
            .await;
        assert_eq!(stale.status(), 200, "{accept}");
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let client = TestClient::new(app());
    let page = client.head(DOCS).await;
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.header("content-security-policy").is_some());
    assert!(page.bytes().is_empty());

    let script = client
        .head(script_path())
        .header("accept-encoding", "gzip")
        .await;
    assert_script_headers(&script);
    assert_eq!(script.header("content-encoding"), Some("gzip"));
    let length = fsroute_docs::script_gzip().len().to_string();
    assert_eq!(script.header("content-length"), Some(length.as_str()));
    assert!(script.bytes().is_empty());
}

#[tokio::test]
async fn other_paths_and_methods_get_the_json_errors() {
    let client = TestClient::new(app());
    for path in [
        format!("{DOCS}/scalar-0.0.1.js"),
        format!("{DOCS}/standalone.js.map"),
        format!("{DOCS}/x/y"),
    ] {
        let reply = client.get(&path).await;
        assert_eq!(reply.status(), 404, "{path}");
        assert_eq!(reply.error_code(), Some("NOT_FOUND"), "{path}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }

    let post = client.post(DOCS).await;
    assert_eq!(post.status(), 405);
    assert_eq!(post.error_code(), Some("METHOD_NOT_ALLOWED"));
    assert_eq!(post.header("allow"), Some("GET, HEAD, OPTIONS"));

    let options = client.options(script_path()).await;
    assert_eq!(options.status(), 204);
    assert_eq!(options.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[tokio::test]
async fn the_app_compression_layer_leaves_the_gzipped_script_alone() {
    let client = TestClient::new(AppLayers::new().apply(app()));

    let zipped = client
        .get(script_path())
        .header("accept-encoding", "gzip")
        .await;
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.header_all("content-encoding"), ["gzip"]);
    assert_eq!(zipped.header_all("vary"), ["accept-encoding"]);
    // Compressed once: one gunzip gives the script back.
    assert!(gunzip(zipped.bytes()) == fsroute_docs::SCRIPT);

    let plain = client
        .get(script_path())
        .header("accept-encoding", "identity")
        .await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.bytes() == fsroute_docs::SCRIPT);

    // The page itself is compressed by the layer as any response is.
    let page = client.get(DOCS).header("accept-encoding", "gzip").await;
    assert_eq!(page.header("content-encoding"), Some("gzip"));
    assert!(
        String::from_utf8(gunzip(page.bytes()))
            .unwrap()
            .contains("api-reference")
    );
}

#[test]
#[should_panic(expected = "must be a literal path")]
fn a_docs_path_with_a_parameter_is_refused() {
    let _: Router = routes("/api/{version}/docs", SPEC);
}

/// A hand-written OpenAPI 3.1 document with two operations whose summaries appear
/// nowhere else, so finding them in the DOM means Scalar fetched and rendered it.
const SPEC_JSON: &str = r#"{
  "openapi": "3.1.0",
  "info": { "title": "Offline Widgets", "version": "1.0.0" },
  "paths": {
    "/api/widgets": {
      "get": {
        "operationId": "listWidgets",
        "summary": "Count every widget in the warehouse",
        "responses": { "200": { "description": "The widgets" } }
      },
      "post": {
        "operationId": "forgeWidget",
        "summary": "Forge a brand-new widget",
        "requestBody": {
          "content": {
            "application/json": {
              "schema": { "type": "object", "properties": { "name": { "type": "string" } } }
            }
          }
        },
        "responses": { "201": { "description": "Forged" } }
      }
    }
  }
}"#;

/// Serves the docs page and [`SPEC_JSON`] on a real socket, as an app would (app
/// layers, compression), and renders it in Chromium with no network but 127.0.0.1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_renders_the_document_in_a_browser_with_no_network() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let routes = routes(DOCS, SPEC).route(
        SPEC,
        get(|| async { ([("content-type", "application/json")], SPEC_JSON) }),
    );
    let app = AppLayers::new()
        .apply(fsroute::routing::finish(routes, ()))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let log = log.clone();
            async move {
                let line = format!("{} {}", request.method(), request.uri());
                let response: Response = next.run(request).await;
                log.lock()
                    .unwrap()
                    .push(format!("{line} -> {}", response.status()));
                response
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{DOCS}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let page = url.clone();
    let rendered = tokio::task::spawn_blocking(move || chromium::render_offline(&page))
        .await
        .unwrap();
    let Some(rendered) = rendered else {
        server.abort();
        return;
    };
    let seen = seen.lock().unwrap().clone();
    // For a person: FSROUTE_DOCS_SCREENSHOT=/tmp/docs.png keeps a picture of the page.
    if let Some(png) = std::env::var_os("FSROUTE_DOCS_SCREENSHOT") {
        let page = url.clone();
        tokio::task::spawn_blocking(move || chromium::screenshot(&page, png.as_ref()))
            .await
            .unwrap();
    }
    server.abort();
    eprintln!(
        "page requests: {:#?}\nChromium's own requests: {:#?}\nconsole: {:#?}",
        rendered.requested_urls, rendered.browser_requests, rendered.console
    );

    for summary in [
        "Count every widget in the warehouse",
        "Forge a brand-new widget",
    ] {
        assert!(
            rendered.dom.contains(summary),
            "the DOM does not show {summary:?}; the server saw {seen:#?}; console: {:#?}\n{}",
            rendered.console,
            &rendered.dom[..rendered.dom.len().min(3000)]
        );
    }

    assert_eq!(
        rendered.outside_requests(),
        Vec::<String>::new(),
        "requests left 127.0.0.1; all of the page's: {:#?}",
        rendered.requested_urls
    );
    let script = script_path();
    for path in [DOCS, script.as_str(), SPEC] {
        assert!(
            rendered
                .requested_urls
                .iter()
                .any(|url| url.ends_with(path)),
            "the browser did not ask for {path}: {:#?}",
            rendered.requested_urls
        );
    }
    // The server saw exactly those three, all answered (no favicon, no source map).
    let expected = [
        format!("GET {DOCS} -> 200 OK"),
        format!("GET {script} -> 200 OK"),
        format!("GET {SPEC} -> 200 OK"),
    ];
    assert_eq!(seen, expected);

    // The policy is all Scalar needs. A library in the bundle probes for `eval` once and
    // falls back; some Chromium versions log that refusal, which is harmless.
    let violations: Vec<&String> = rendered
        .console
        .iter()
        .filter(|message| message.contains("Content Security Policy") && !message.contains("eval"))
        .collect();
    assert!(violations.is_empty(), "{violations:#?}");
}
