//! Reading a request body: content type, size limit, bytes.

use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};

use crate::ApiError;

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

/// 415 saying what was expected and what came.
pub(crate) fn unsupported_media_type(headers: &HeaderMap, expected: &str) -> ApiError {
    let got = media_type(headers);
    let message = match &got {
        Some(got) => {
            format!("Expected a request body with `Content-Type: {expected}`, got `{got}`")
        }
        None => format!("Expected a request body with `Content-Type: {expected}`"),
    };
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        message,
    )
    .with_details(serde_json::json!({ "expected": expected, "received": got }))
}

/// 413, in the one shape; used wherever a body limit is hit.
pub(crate) fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        "Request body is larger than this route accepts",
    )
}

/// The whole body, within axum's `DefaultBodyLimit` (2 MB unless the route sets another).
pub(crate) async fn read<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                payload_too_large()
            } else {
                ApiError::bad_request("Could not read the request body")
                    .with_code("INVALID_BODY")
                    .with_cause(rejection)
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
