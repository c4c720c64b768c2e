//! The one error shape every response of an fsroute app uses:
//! `{ "error": { "code": "NOT_FOUND", "message": "…", "details": null } }`.
//!
//! Handlers return [`ApiResult<T>`] and use `?`: errors they did not expect (I/O,
//! database, `anyhow`) become a 500 whose body says only "Internal server error", while
//! the cause is logged with `tracing`. Nothing internal is ever sent.
//!
//! [`code`] lists every `error.code` the runtime sends.

pub mod code;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde_json::{Value, json};

/// An error a handler returns; it becomes a JSON response with its status.
///
/// ```
/// use fsroute::{ApiError, ApiResult};
///
/// fn find_user(id: i64) -> ApiResult<String> {
///     if id == 7 { Ok("Ada".into()) } else { Err(ApiError::not_found(format!("User {id}"))) }
/// }
/// let err = find_user(8).unwrap_err();
/// assert_eq!(err.status(), 404);
/// assert_eq!(err.message(), "User 8 not found");
/// ```
#[derive(Clone)]
pub struct ApiError {
    // Boxed so that `Result<T, ApiError>` stays small: handlers return it everywhere, and
    // clippy's `result_large_err` would flag every one of them in users' crates.
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    details: Option<Value>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    /// What really went wrong, for the log only.
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
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
            inner: Box::new(Inner {
                status,
                code: code.into(),
                message: message.into(),
                details: None,
                headers: Vec::new(),
                cause: None,
            }),
        }
    }

    /// Another machine-readable code for the same status (`INVALID_JSON`).
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        self.inner.code = code.into();
        self
    }

    /// Structured data for clients, in `error.details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.inner.details = Some(details);
        self
    }

    /// A header on the error response (`Retry-After`, `WWW-Authenticate`).
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.inner.headers.push((name, value));
        self
    }

    /// Keeps the underlying error for the log; it is never sent to the client.
    pub fn with_cause(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.cause = Some(Arc::new(cause));
        self
    }

    /// 400 `BAD_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    /// 401 `UNAUTHORIZED`: no or bad credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, code::UNAUTHORIZED, message)
    }

    /// 403 `FORBIDDEN`: known, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, code::FORBIDDEN, message)
    }

    /// 404 `NOT_FOUND`: `ApiError::not_found("User 7")` says "User 7 not found".
    pub fn not_found(resource: impl fmt::Display) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            format!("{resource} not found"),
        )
    }

    /// 409 `CONFLICT`: the request clashes with what exists (a duplicate email).
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, code::CONFLICT, message)
    }

    /// 422 `UNPROCESSABLE_ENTITY`: well-formed, but not acceptable.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::UNPROCESSABLE_ENTITY,
            message,
        )
    }

    /// 429 `TOO_MANY_REQUESTS` with `Retry-After` in seconds.
    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            code::TOO_MANY_REQUESTS,
            format!("Too many requests; retry after {retry_after_seconds} seconds"),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds))
    }

    /// 500 `INTERNAL_ERROR`. The message sent is always "Internal server error".
    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL_ERROR,
            "Internal server error",
        )
    }

    /// 500 that logs `cause` when it is turned into a response.
    pub fn internal_from(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::internal().with_cause(cause)
    }

    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    pub fn code(&self) -> &str {
        &self.inner.code
    }

    pub fn message(&self) -> &str {
        &self.inner.message
    }

    pub fn details(&self) -> Option<&Value> {
        self.inner.details.as_ref()
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({
            "error": {
                "code": self.inner.code,
                "message": self.inner.message,
                "details": self.inner.details,
            }
        })
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ApiError");
        debug
            .field("status", &self.inner.status)
            .field("code", &self.inner.code)
            .field("message", &self.inner.message)
            .field("details", &self.inner.details);
        if let Some(cause) = &self.inner.cause {
            debug.field("cause", &cause.to_string());
        }
        debug.finish()
    }
}

impl PartialEq for ApiError {
    fn eq(&self, other: &Self) -> bool {
        self.inner.status == other.inner.status
            && self.inner.code == other.inner.code
            && self.inner.message == other.inner.message
            && self.inner.details == other.inner.details
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.inner.status.as_u16(),
            self.inner.code,
            self.inner.message
        )
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

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
        if self.inner.status.is_server_error() {
            match &self.inner.cause {
                Some(cause) => tracing::error!(
                    status = self.inner.status.as_u16(),
                    code = %self.inner.code,
                    cause = %error_chain(cause.as_ref()),
                    "request failed"
                ),
                None => tracing::error!(
                    status = self.inner.status.as_u16(),
                    code = %self.inner.code,
                    message = %self.inner.message,
                    "request failed"
                ),
            }
        }
        let envelope = Envelope {
            error: Body {
                code: &self.inner.code,
                message: &self.inner.message,
                details: &self.inner.details,
            },
        };
        let mut response = (self.inner.status, Json(envelope)).into_response();
        for (name, value) in self.inner.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// `outer: inner: innermost`, the way `anyhow` prints with `{:#}`.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `anyhow` errors are unexpected: a 500, unless one wraps an [`ApiError`], which is kept.
impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        match error.downcast::<ApiError>() {
            Ok(api_error) => api_error,
            Err(error) => ApiError::internal().with_cause(AnyhowCause(error)),
        }
    }
}

/// `anyhow::Error` is not itself `std::error::Error`; this keeps its whole chain for the log.
struct AnyhowCause(anyhow::Error);

impl fmt::Debug for AnyhowCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for AnyhowCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for AnyhowCause {}

/// A `serde_json` error inside a handler is the server's (a value it could not
/// (de)serialize); bad request bodies are rejected earlier by [`crate::Json`] with a 400.
impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> Self {
        ApiError::internal_from(error)
    }
}

/// A missing file is a 404; any other I/O failure is the server's.
impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, code::NOT_FOUND, "Not found").with_cause(error)
            }
            _ => ApiError::internal_from(error),
        }
    }
}

/// With the `sqlx` feature: no row is a 404, a unique or foreign-key violation a 409, text
/// the database cannot store a 400, an exhausted pool a 503; everything else a 500.
#[cfg(feature = "sqlx")]
impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, code::NOT_FOUND, "Not found").with_cause(error)
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                ApiError::conflict("A record with the same unique value already exists")
                    .with_cause(error)
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                ApiError::conflict("The record refers to, or is referred to by, another record")
                    .with_cause(error)
            }
            // PostgreSQL stores no NUL (`\u0000`) in text, and refuses characters its
            // encoding lacks: the request's text is at fault, not the server
            // (22021 character_not_in_repertoire, 22P05 untranslatable_character).
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22021") | Some("22P05")) =>
            {
                ApiError::bad_request(
                    "The text contains a character that cannot be stored (such as a NUL, \
                     \\u0000)",
                )
                .with_cause(error)
            }
            // No connection to be had, or the one in use broke (the server went away):
            // the database is unavailable, which is not the request's fault nor a bug.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                code::SERVICE_UNAVAILABLE,
                "The database is unavailable; try again shortly",
            )
            .with_cause(error),
            _ => ApiError::internal_from(error),
        }
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
        let err = ApiError::bad_request("nope").with_details(json!({"field": "x"}));
        assert_eq!(err.body()["error"]["details"]["field"], "x");
    }

    #[test]
    fn constructors_have_their_status_and_code() {
        let cases = [
            (ApiError::bad_request("x"), 400, "BAD_REQUEST"),
            (ApiError::unauthorized("x"), 401, "UNAUTHORIZED"),
            (ApiError::forbidden("x"), 403, "FORBIDDEN"),
            (ApiError::not_found("x"), 404, "NOT_FOUND"),
            (ApiError::conflict("x"), 409, "CONFLICT"),
            (ApiError::unprocessable("x"), 422, "UNPROCESSABLE_ENTITY"),
            (ApiError::too_many_requests(3), 429, "TOO_MANY_REQUESTS"),
            (ApiError::internal(), 500, "INTERNAL_ERROR"),
        ];
        for (err, status, code) in cases {
            assert_eq!((err.status().as_u16(), err.code()), (status, code));
        }
    }

    #[test]
    fn too_many_requests_says_when_to_retry() {
        let response = ApiError::too_many_requests(30).into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
    }

    #[test]
    fn unexpected_errors_hide_their_cause() {
        let io = std::io::Error::other("disk on fire at /var/secret");
        let err = ApiError::from(io);
        assert_eq!(err.status(), 500);
        assert_eq!(err.message(), "Internal server error");
        assert!(!err.body().to_string().contains("secret"));
        assert!(
            std::error::Error::source(&err)
                .unwrap()
                .to_string()
                .contains("disk on fire")
        );

        let err = ApiError::from(anyhow::anyhow!("pool exploded").context("loading user"));
        assert_eq!(err.status(), 500);
        assert_eq!(
            std::error::Error::source(&err).unwrap().to_string(),
            "loading user: pool exploded"
        );

        let err = ApiError::from(serde_json::from_str::<u8>("x").unwrap_err());
        assert_eq!(err.status(), 500);
    }

    #[test]
    fn anyhow_keeps_an_api_error_inside_it() {
        let err = ApiError::from(anyhow::Error::new(ApiError::forbidden("admins only")));
        assert_eq!(err, ApiError::forbidden("admins only"));
    }

    #[test]
    fn missing_file_is_a_404() {
        let err = ApiError::from(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!((err.status().as_u16(), err.message()), (404, "Not found"));
    }
}
