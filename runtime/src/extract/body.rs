//! Reading a request body: content type, size limit, bytes.

use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};

use super::rejection::{BodyUnreadable, PayloadTooLarge, UnsupportedMediaType};

/// The media type without parameters, lower case: `application/json; charset=utf-8` →
/// `application/json`.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

/// `application/json` or any `application/…+json`, as axum accepts.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|mime| {
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
    })
}

pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|mime| mime == "application/x-www-form-urlencoded")
}

/// The extractor's media type did not come: what was expected and what came instead.
pub(crate) fn unsupported_media_type(
    headers: &HeaderMap,
    expected: &'static str,
) -> UnsupportedMediaType {
    UnsupportedMediaType {
        expected,
        received: media_type(headers),
    }
}

/// The whole body, within axum's `DefaultBodyLimit` (2 MB unless the route sets another).
pub(crate) async fn read<S, R>(request: Request, state: &S) -> Result<Bytes, R>
where
    S: Send + Sync,
    R: From<PayloadTooLarge> + From<BodyUnreadable>,
{
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PayloadTooLarge.into()
            } else {
                BodyUnreadable::new(rejection).into()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        headers
    }

    #[test]
    fn json_media_types() {
        assert!(is_json(&headers("application/json")));
        assert!(is_json(&headers("Application/JSON; charset=utf-8")));
        assert!(is_json(&headers("application/merge-patch+json")));
        assert!(!is_json(&headers("text/plain")));
        assert!(!is_json(&headers("application/jsonx")));
        assert!(!is_json(&HeaderMap::new()));
    }
}
