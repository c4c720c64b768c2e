//! `fsroute::test` itself: what requests it builds, what it reads back, and what its
//! panics say.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::{AppendHeaders, Html};
use axum::routing::{any, get, post};
use fsroute::prelude::*;
use fsroute::test::TestClient;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

/// Echoes what arrived: method, URI, the headers a test sets, and the body.
async fn echo(
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> Json<Value> {
    let header = |name: &str| {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        json!(values)
    };
    Json(json!({
        "method": method.as_str(),
        "uri": uri.to_string(),
        "contentType": header("content-type"),
        "authorization": header("authorization"),
        "tags": header("x-tag"),
        "body": body,
    }))
}

fn app() -> Router {
    Router::new()
        .route("/echo", any(echo))
        .route(
            "/user",
            get(|| async { Json(json!({ "id": 7, "name": "Ada", "tags": ["a", "b"] })) }),
        )
        .route(
            "/missing",
            get(|| async { ApiResult::<()>::Err(ApiError::not_found("User 7")) }),
        )
        .route("/html", get(|| async { Html("<h1>hi</h1>") }))
        .route("/binary", get(|| async { vec![0xff_u8, 0xfe] }))
        .route("/long", get(|| async { "x".repeat(5000) }))
        .route(
            "/cookies",
            get(|| async {
                let cookies = [("set-cookie", "a=1"), ("set-cookie", "b=2")];
                (AppendHeaders(cookies), "")
            }),
        )
        .route(
            "/events",
            get(|| async {
                // Two events, the second split across two frames, then an endless wait.
                let chunks = futures_util::stream::iter(["data: one\n\n", "data: tw", "o\n\n"])
                    .map(|chunk| Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)))
                    .chain(futures_util::stream::pending());
                stream_bytes("text/event-stream", chunks)
            }),
        )
        .route(
            "/cut",
            get(|| async {
                let chunks = futures_util::stream::iter(["data: whole\n\n", "data: half"])
                    .map(|chunk| Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)));
                stream_bytes("text/event-stream", chunks)
            }),
        )
        .route(
            "/mixed",
            get(|| async {
                let chunks = futures_util::stream::iter(["data: a\n\nrest", " more"])
                    .map(|chunk| Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)));
                stream_bytes("text/event-stream", chunks)
            }),
        )
        .route(
            "/fails",
            get(|| async {
                let chunks = futures_util::stream::iter([
                    Ok(bytes::Bytes::from("abc")),
                    Err(std::io::Error::other("disk on fire")),
                ]);
                Response::new(Body::from_stream(chunks))
            }),
        )
        .route(
            "/sum",
            post(|Form(f): Form<Sum>| async move { (f.a + f.b).to_string() }),
        )
}

/// A shape no route answers with.
#[derive(Deserialize, Debug)]
struct Wrong {
    #[allow(dead_code)]
    never: String,
}

#[derive(Deserialize)]
struct Sum {
    a: i32,
    b: i32,
}

fn client() -> TestClient {
    TestClient::new(app())
}

#[tokio::test]
async fn json_reads_the_body_as_a_value_or_a_type() {
    let reply = client().get("/user").await;
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.json()["name"], "Ada");
    assert_eq!(reply.json()["tags"], json!(["a", "b"]));

    #[derive(Deserialize, Debug, PartialEq)]
    struct User {
        id: u32,
        name: String,
    }
    assert_eq!(
        reply.json_as::<User>(),
        User {
            id: 7,
            name: "Ada".into()
        }
    );
}

#[tokio::test]
async fn a_json_body_is_serialized_with_its_content_type() {
    let reply = client()
        .post("/echo?x=1")
        .json(&json!({ "name": "Ada" }))
        .await;
    assert_eq!(
        reply.json(),
        json!({
            "method": "POST",
            "uri": "/echo?x=1",
            "contentType": ["application/json"],
            "authorization": [],
            "tags": [],
            "body": r#"{"name":"Ada"}"#,
        })
    );
}

#[tokio::test]
async fn headers_bearer_and_content_type_reach_the_handler() {
    let reply = client()
        .put("/echo")
        .header("x-tag", "a")
        .header("x-tag", String::from("b"))
        .bearer("t0k3n")
        .content_type("text/plain")
        .content_type("text/csv")
        .body("a,b")
        .await;
    let sent = reply.json();
    assert_eq!(sent["method"], "PUT");
    assert_eq!(sent["tags"], json!(["a", "b"]), "header adds a value");
    assert_eq!(sent["authorization"], json!(["Bearer t0k3n"]));
    assert_eq!(
        sent["contentType"],
        json!(["text/csv"]),
        "content_type replaces"
    );
    assert_eq!(sent["body"], "a,b");
}

#[tokio::test]
async fn every_method_and_a_caller_built_request() {
    let client = client();
    for (request, method) in [
        (client.get("/echo"), "GET"),
        (client.post("/echo"), "POST"),
        (client.put("/echo"), "PUT"),
        (client.patch("/echo"), "PATCH"),
        (client.delete("/echo"), "DELETE"),
        (client.options("/echo"), "OPTIONS"),
        (
            client.request(Method::from_bytes(b"PROPFIND").unwrap(), "/echo"),
            "PROPFIND",
        ),
    ] {
        assert_eq!(request.await.json()["method"], method);
    }
    let head = client.head("/user").await;
    assert_eq!((head.status().as_u16(), head.bytes().len()), (200, 0));

    let built = axum::http::Request::patch("/echo")
        .header("x-tag", "built")
        .body("raw")
        .unwrap();
    let sent = client.send(built).header("x-tag", "added").await.json();
    assert_eq!(
        (
            sent["method"].clone(),
            sent["tags"].clone(),
            sent["body"].clone()
        ),
        (json!("PATCH"), json!(["built", "added"]), json!("raw"))
    );
}

#[tokio::test]
async fn a_form_body_is_url_encoded() {
    let reply = client().post("/sum").form(&[("a", 2), ("b", 40)]).await;
    assert_eq!(reply.text(), "42");
}

#[tokio::test]
async fn response_headers_one_or_all() {
    let reply = client().get("/cookies").await;
    assert_eq!(reply.header("set-cookie"), Some("a=1"));
    assert_eq!(reply.header_all("set-cookie"), ["a=1", "b=2"]);
    assert_eq!(reply.header("x-missing"), None);
    assert!(reply.header_all("x-missing").is_empty());
    assert_eq!(reply.headers().get_all("set-cookie").iter().count(), 2);
}

#[tokio::test]
async fn error_code_and_message_of_the_error_shape() {
    let client = client();
    let missing = client.get("/missing").await;
    assert_eq!(missing.error_code(), Some("NOT_FOUND"));
    assert_eq!(missing.error_message(), Some("User 7 not found"));
    // Not an error, or not JSON at all: no code, and no panic.
    let user = client.get("/user").await;
    assert_eq!((user.error_code(), user.error_message()), (None, None));
    assert_eq!(client.get("/html").await.error_code(), None);
}

#[tokio::test]
async fn bytes_text_and_debug() {
    let reply = client().get("/binary").await;
    assert_eq!(reply.bytes(), [0xff, 0xfe]);
    let html = client().get("/html").await;
    assert_eq!(html.text(), "<h1>hi</h1>");
    let debug = format!("{html:?}");
    assert!(
        debug.contains("200") && debug.contains("<h1>hi</h1>"),
        "{debug}"
    );
    assert_eq!(html.into_bytes(), "<h1>hi</h1>");
}

#[tokio::test]
#[should_panic(
    expected = "the 200 OK response's body is not JSON (expected value at line 1 column 1): <h1>hi</h1>"
)]
async fn a_body_that_is_not_json_panics_with_the_body() {
    client().get("/html").await.json();
}

#[tokio::test]
#[should_panic(expected = "response's body is not a `test_client::Wrong` (missing field `never`")]
async fn a_body_of_another_shape_panics_with_the_type_and_the_body() {
    client().get("/user").await.json_as::<Wrong>();
}

#[tokio::test]
#[should_panic(expected = "the 200 OK response's body is not UTF-8")]
async fn a_body_that_is_not_text_panics() {
    client().get("/binary").await.text();
}

#[tokio::test]
async fn a_long_body_is_cut_short_in_the_panic_message() {
    let reply = client().get("/long").await;
    let message = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reply.json()))
        .unwrap_err()
        .downcast::<String>()
        .unwrap();
    assert!(message.ends_with("… (5000 bytes in all)"), "{message}");
    assert!(message.len() < 2200, "{}", message.len());
}

#[tokio::test]
#[should_panic(expected = "not a header name")]
async fn a_bad_header_name_panics_where_it_is_given() {
    let _ = client().get("/echo").header("bad name", "x");
}

#[tokio::test]
async fn a_stream_is_read_event_by_event_without_waiting_for_its_end() {
    let mut stream = client().get("/events").stream().await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(stream.next_event().await.as_deref(), Some("data: one"));
    // The second event came in two frames; it is handed out whole.
    assert_eq!(stream.next_event().await.as_deref(), Some("data: two"));
    // Nothing more, and no end: a read waits until the caller gives up.
    let more = tokio::time::timeout(Duration::from_millis(50), stream.next_event()).await;
    assert!(more.is_err(), "{more:?}");
}

#[tokio::test]
async fn a_stream_is_read_chunk_by_chunk_and_the_rest_collected() {
    let mut stream = client().get("/cut").stream().await;
    assert_eq!(
        stream.next_chunk().await.as_deref(),
        Some(&b"data: whole\n\n"[..])
    );
    let rest = stream.collect().await;
    assert_eq!(rest.text(), "data: half");

    // What next_event read past its event is not lost to next_chunk or collect.
    let mut stream = client().get("/mixed").stream().await;
    assert_eq!(stream.next_event().await.as_deref(), Some("data: a"));
    assert_eq!(stream.next_chunk().await.as_deref(), Some(&b"rest"[..]));
    assert_eq!(stream.collect().await.text(), " more");
    let mut stream = client().get("/mixed").stream().await;
    stream.next_event().await;
    assert_eq!(stream.collect().await.text(), "rest more");
}

#[tokio::test]
#[should_panic(expected = "the body ended in the middle of an event: data: half")]
async fn a_stream_that_ends_mid_event_panics_with_the_rest() {
    let mut stream = client().get("/cut").stream().await;
    assert_eq!(stream.next_event().await.as_deref(), Some("data: whole"));
    stream.next_event().await;
}

#[tokio::test]
#[should_panic(expected = "the 200 OK response's body failed after 3 bytes")]
async fn a_failing_body_panics_with_how_far_it_got() {
    client().get("/fails").await;
}
