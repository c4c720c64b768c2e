//! `GET /api/openapi.json`: the document, built on first request, with an `ETag` so
//! clients and the docs page revalidate instead of downloading it again.

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

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
    static ETAG: OnceLock<HeaderValue> = OnceLock::new();
    let etag = ETAG.get_or_init(|| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        document.json().hash(&mut hasher);
        HeaderValue::try_from(format!("\"{:016x}\"", hasher.finish()))
            .unwrap_or(HeaderValue::from_static("\"0\""))
    });
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
        .any(|tag| tag.trim() == etag.to_str().unwrap_or_default() || tag.trim() == "*");
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
