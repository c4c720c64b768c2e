//! The one error shape every response of an fsroute app uses:
//! `{ "error": { "code": "NOT_FOUND", "message": "…", "details": null } }`.

use std::borrow::Cow;
use std::fmt;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

/// An error a handler returns; it becomes a JSON response with its status.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    details: Option<Value>,
}

/// What handlers return: `Ok` with any response, or an [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// Any status with a machine-readable code (`SCREAMING_SNAKE_CASE`) and a message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            details: None,
        }
    }

    /// Structured data for clients, in `error.details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 400 `BAD_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// 404 `NOT_FOUND`: `ApiError::not_found("User 7")` says "User 7 not found".
    pub fn not_found(resource: impl fmt::Display) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{resource} not found"),
        )
    }

    /// 500 `INTERNAL_ERROR`; the message is sent, so keep internals out of it.
    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Internal server error",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "details": self.details,
            }
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

/// The wire shape, with fields in the documented order (`code`, `message`, `details`).
#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    details: &'a Option<Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let envelope = Envelope {
            error: Body {
                code: &self.code,
                message: &self.message,
                details: &self.details,
            },
        };
        (self.status, Json(envelope)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_one_shape() {
        let err = ApiError::not_found("User 7");
        assert_eq!(
            err.body(),
            json!({"error": {"code": "NOT_FOUND", "message": "User 7 not found", "details": null}})
        );
        let response = ApiError::not_found("User 7").into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let err = ApiError::bad_request("nope").with_details(json!({"field": "x"}));
        assert_eq!(err.body()["error"]["details"]["field"], "x");
    }

    #[tokio::test]
    async fn response_keeps_the_documented_field_order() {
        use http_body_util::BodyExt;
        let response = ApiError::not_found("User 7").into_response();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"error":{"code":"NOT_FOUND","message":"User 7 not found","details":null}}"#
        );
    }
}
