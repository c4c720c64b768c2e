//! `GET /api/openapi.json`: the document, built on first request, with an `ETag` so
//! clients and the docs page revalidate instead of downloading it again.

use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use http::{HeaderMap, HeaderValue, StatusCode, header};

use super::Document;

/// The route that serves `document()` as JSON; `document` is the generated `openapi`.
pub fn json_route<S>(document: fn() -> &'static Document) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    axum::routing::get(move |headers: HeaderMap| async move { respond(document(), &headers) })
}

fn respond(document: &'static Document, headers: &HeaderMap) -> Response {
    // Per document, not per process: an app may serve several routers' documents.
    let etag = HeaderValue::from_str(document.etag()).unwrap_or(HeaderValue::from_static("\"0\""));
    let cache = [
        (header::ETAG, etag.clone()),
        // Cached, but checked every time: the document changes with each deploy.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == document.etag() || tag.trim() == "*");
    if matches {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document.json(),
    )
        .into_response()
}
