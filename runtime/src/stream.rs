//! Streaming responses: Server-Sent Events (what a Next.js route returns as a
//! `ReadableStream` with `text/event-stream`) and plain chunked bytes.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{HeaderValue, header};
use serde::Serialize;

pub use axum::response::sse;

/// How often an idle event stream sends a comment, so proxies do not close it.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Server-Sent Events from a stream of [`Event`]s, with a keep-alive comment every
/// [`KEEP_ALIVE`]. Call `.keep_alive(…)` on the result for another interval.
///
/// ```
/// use fsroute::prelude::*;
/// use fsroute::stream::sse::Event;
///
/// pub async fn GET() -> impl IntoResponse {
///     let words = futures_util::stream::iter(["hello", "world"]);
///     sse_events(words.map(|word| Event::default().event("word").data(word)))
/// }
/// # use futures_util::StreamExt;
/// ```
pub fn sse_events<S>(events: S) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    S: Stream<Item = Event> + Send + 'static,
{
    Sse::new(events.map(Ok)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

/// Server-Sent Events whose `data` is each item as JSON: `data: {"token":"hi"}`.
///
/// ```
/// use fsroute::prelude::*;
///
/// #[derive(serde::Serialize)]
/// struct Token { token: &'static str }
///
/// pub async fn POST() -> impl IntoResponse {
///     sse_json(futures_util::stream::iter([Token { token: "Hel" }, Token { token: "lo" }]))
/// }
/// ```
pub fn sse_json<S, T>(items: S) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    S: Stream<Item = T> + Send + 'static,
    T: Serialize,
{
    let events = items.filter_map(|item| {
        let event = match Event::default().json_data(&item) {
            Ok(event) => Some(event),
            Err(error) => {
                tracing::error!(%error, "an event could not be serialized; it was skipped");
                None
            }
        };
        std::future::ready(event)
    });
    sse_events(events)
}

/// A body sent in chunks as the stream yields them (`Transfer-Encoding: chunked`). An
/// error ends the response early; the client sees a cut-off body, as with any server.
///
/// ```
/// use fsroute::prelude::*;
///
/// pub async fn GET() -> Response {
///     let lines = futures_util::stream::iter(["a,b\n", "1,2\n"])
///         .map(|line| Ok::<_, std::io::Error>(bytes::Bytes::from(line)));
///     stream_bytes("text/csv", lines)
/// }
/// # use futures_util::StreamExt;
/// ```
pub fn stream_bytes<S, E>(content_type: &'static str, chunks: S) -> Response
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<axum::BoxError>,
{
    let mut response = Body::from_stream(chunks).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
