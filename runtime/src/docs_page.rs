//! The API docs page (feature `docs`): Scalar API Reference rendering the app's OpenAPI
//! document, served by the app itself so that it works with no network.
//!
//! [`routes`] mounts two responses:
//!
//! - `GET {docs_path}`: about 1 KB of HTML, `Cache-Control: no-cache`, with a
//!   `Content-Security-Policy` that lets the browser load nothing from anywhere else
//!   ([`fsroute_docs::CONTENT_SECURITY_POLICY`]);
//! - `GET {docs_path}/scalar-<version>.js`: the vendored Scalar bundle, cacheable forever
//!   (`immutable`: a new version is a new name), with an `ETag`; gzipped once, in memory,
//!   for the clients that accept it, so the app's compression layer has nothing to redo.
//!
//! `HEAD` and `OPTIONS` work on both, other methods get the JSON 405, and any other path
//! under `docs_path` gets the router's JSON 404.

use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderValue};

use crate::routing::method_router;

/// Every docs route allows the same methods: `GET` (and so `HEAD`) and `OPTIONS`.
const ALLOW: &str = "GET, HEAD, OPTIONS";

/// The routes of the docs page: `GET {docs_path}` (the page) and
/// `GET {docs_path}/scalar-<version>.js` (the script), rendering the OpenAPI document at
/// `spec_url`. Merge them into the app's router; its fallback answers the rest.
///
/// `docs_path` is a literal path (`/api/docs`; a trailing `/` is ignored) and `spec_url`
/// should be a path on the same server (`/api/openapi.json`): the page's
/// Content-Security-Policy lets the browser fetch nothing from another origin.
///
/// # Panics
///
/// When `docs_path` does not start with `/` or holds `{`, `}` or `*` (axum would read
/// them as parameters). This happens while the router is built, not on a request.
///
/// ```
/// use axum::{Router, body::Body, http::Request};
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let routes: Router<()> = fsroute::docs_page::routes("/api/docs", "/api/openapi.json");
/// let app: Router = fsroute::routing::finish(routes, ());
///
/// let request = Request::get("/api/docs").body(Body::empty()).unwrap();
/// let response = app.oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
/// # }
/// ```
pub fn routes<S: Clone + Send + Sync + 'static>(docs_path: &str, spec_url: &str) -> Router<S> {
    assert!(
        docs_path.starts_with('/') && !docs_path.contains(['{', '}', '*']),
        "the docs page's path must be a literal path starting with `/`, not `{docs_path}`"
    );
    let base = docs_path.trim_end_matches('/');
    let page_path = if base.is_empty() { "/" } else { base };
    let script_path = format!("{base}/{}", fsroute_docs::script_file_name());

    let html = Bytes::from(fsroute_docs::page_html(spec_url, &script_path, "API docs"));
    let page = move || {
        let html = html.clone();
        async move { page_response(html) }
    };

    // The first browser would otherwise wait for the compression (about a second
    // unoptimised); it is made once per process whatever the number of routers.
    std::thread::Builder::new()
        .name("fsroute-docs-gzip".into())
        .spawn(|| {
            fsroute_docs::script_gzip();
        })
        .ok();

    Router::new()
        .route(page_path, method_router(ALLOW).get(page))
        .route(
            &script_path,
            method_router(ALLOW).get(|headers: HeaderMap| async move { script_response(&headers) }),
        )
}

fn page_response(html: Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(fsroute_docs::CONTENT_SECURITY_POLICY),
            ),
            // The page names the script by version: always ask, so a new build's page
            // (and so its new script) is seen at once.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        html,
    )
        .into_response()
}

/// The script, gzipped when the request accepts it; `304` when the client has it already.
fn script_response(request: &HeaderMap) -> Response {
    let gzip = accepts_gzip(request);
    let etag = etag(gzip);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::ETAG, etag.clone());

    if none_match(request, &etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }

    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/javascript; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let body = if gzip {
        // tower-http's CompressionLayer leaves a response with Content-Encoding alone.
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        Body::from(Bytes::from_static(fsroute_docs::script_gzip()))
    } else {
        Body::from(Bytes::from_static(fsroute_docs::SCRIPT))
    };
    (headers, body).into_response()
}

/// A strong ETag per representation (RFC 9110 §8.8.3): the gzipped bytes are not the
/// plain ones, so they get a tag of their own. Both come from the bundle's sha256.
fn etag(gzip: bool) -> HeaderValue {
    let hash = &fsroute_docs::SCRIPT_SHA256[..32];
    let tag = if gzip {
        format!("\"{hash}-gzip\"")
    } else {
        format!("\"{hash}\"")
    };
    HeaderValue::from_str(&tag).expect("a hex digest is a valid header value")
}

/// `If-None-Match` lists `etag` (compared weakly, as RFC 9110 §13.1.2 says) or is `*`.
fn none_match(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
        .map(|tag| tag.trim_ascii())
        .any(|tag| tag == b"*" || tag.strip_prefix(b"W/").unwrap_or(tag) == ours)
}

/// `Accept-Encoding` allows gzip: `gzip` (or `x-gzip`) with a non-zero quality, or `*`
/// with one when gzip is not listed (RFC 9110 §12.5.3).
fn accepts_gzip(request: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in request.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let quality = parts
                .filter_map(|param| {
                    let (name, value) = param.split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| value.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(quality > 0.0);
            } else if coding == "*" {
                any = Some(quality > 0.0);
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(name.clone(), HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn accept_encoding() {
        let accepts =
            |values: &[&'static str]| accepts_gzip(&headers(header::ACCEPT_ENCODING, values));
        assert!(accepts(&["gzip, deflate, br, zstd"]));
        assert!(accepts(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(accepts(&["br", "x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(accepts(&["br, *;q=0.1"]));
        assert!(!accepts(&[]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["br, zstd"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip;q=0.0, *"]));
        assert!(!accepts(&["*;q=0"]));
    }

    #[test]
    fn if_none_match() {
        let etag = HeaderValue::from_static("\"abc\"");
        let matches =
            |values: &[&'static str]| none_match(&headers(header::IF_NONE_MATCH, values), &etag);
        assert!(matches(&["\"abc\""]));
        assert!(matches(&["W/\"abc\""]));
        assert!(matches(&["\"x\", \"abc\""]));
        assert!(matches(&["\"x\"", "\"abc\""]));
        assert!(matches(&["*"]));
        assert!(!matches(&[]));
        assert!(!matches(&["\"abc-gzip\""]));
        assert!(!matches(&["abc"]));
    }
}
