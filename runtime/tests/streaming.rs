//! Server-Sent Events framing and keep-alive, and chunked byte streams, read frame by
//! frame from the real response body.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use fsroute::prelude::*;
use fsroute::stream::KEEP_ALIVE;
use fsroute::stream::sse::Event;
use fsroute::test::TestClient;
use futures_util::StreamExt;
use serde::Serialize;

#[derive(Serialize)]
struct Token {
    token: &'static str,
}

fn app() -> Router {
    Router::new()
        .route(
            "/tokens",
            get(|| async {
                sse_json(futures_util::stream::iter([
                    Token { token: "Hel" },
                    Token { token: "lo" },
                ]))
            }),
        )
        .route(
            "/events",
            get(|| async {
                sse_events(futures_util::stream::iter([Event::default()
                    .event("greeting")
                    .id("1")
                    .data("hello\nworld")]))
            }),
        )
        .route(
            "/slow",
            get(|| async {
                // One event, then nothing for a long time: keep-alive must fill the silence.
                let first = futures_util::stream::iter([Event::default().data("first")]);
                sse_events(first.chain(futures_util::stream::pending()))
            }),
        )
        .route(
            "/csv",
            get(|| async {
                let rows = futures_util::stream::iter(["a,b\n", "1,2\n", "3,4\n"])
                    .map(|row| Ok::<_, std::io::Error>(bytes::Bytes::from(row)));
                stream_bytes("text/csv", rows)
            }),
        )
}

fn client() -> TestClient {
    TestClient::new(app())
}

#[tokio::test]
async fn json_events_are_framed_as_sse() {
    let reply = client().get("/tokens").await;
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    assert_eq!(
        reply.text(),
        "data: {\"token\":\"Hel\"}\n\ndata: {\"token\":\"lo\"}\n\n"
    );
}

#[tokio::test]
async fn named_events_with_ids_and_multiline_data() {
    let reply = client().get("/events").await;
    assert_eq!(
        reply.text(),
        "event: greeting\nid: 1\ndata: hello\ndata: world\n\n"
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_stream_sends_keep_alive_comments() {
    let mut stream = client().get("/slow").stream().await;
    let first = stream.next_chunk().await.unwrap();
    assert_eq!(&first[..], b"data: first\n\n");
    let started = tokio::time::Instant::now();
    let keep_alive = stream.next_chunk().await.unwrap();
    assert_eq!(&keep_alive[..], b":\n\n");
    // The paused clock jumps straight to the keep-alive deadline.
    let waited = started.elapsed();
    assert!(
        waited >= KEEP_ALIVE && waited < KEEP_ALIVE + Duration::from_secs(1),
        "{waited:?}"
    );
}

#[tokio::test]
async fn byte_streams_are_chunked_with_their_content_type() {
    let mut stream = client().get("/csv").stream().await;
    assert_eq!(stream.header("content-type"), Some("text/csv"));
    assert!(stream.header("content-length").is_none());
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next_chunk().await {
        chunks.push(String::from_utf8(chunk.to_vec()).unwrap());
    }
    assert_eq!(chunks, ["a,b\n", "1,2\n", "3,4\n"]);
}
