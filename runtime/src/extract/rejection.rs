//! What each extractor rejects a request with: one enum per extractor, one variant per
//! failure, each failure a type of its own with the status and code it is answered with.
//!
//! Every rejection becomes the one JSON error shape: it is `IntoResponse`, and
//! `From<…> for ApiError`, so `?` works in a handler that returns [`ApiResult`]. `Display`
//! is the message sent. To answer a failure yourself, take the extractor as a `Result`:
//!
//! ```
//! use fsroute::extract::rejection::JsonRejection;
//! use fsroute::prelude::*;
//!
//! pub async fn POST(body: Result<Json<serde_json::Value>, JsonRejection>) -> ApiResult<String> {
//!     match body {
//!         Ok(Json(value)) => Ok(value.to_string()),
//!         // An empty or broken body counts as `{}` here; anything else is refused as usual.
//!         Err(JsonRejection::Syntax(_)) => Ok("{}".to_string()),
//!         Err(other) => Err(other.into()),
//!     }
//! }
//! ```
//!
//! [`ApiResult`]: crate::ApiResult

use std::collections::BTreeMap;
use std::fmt;

use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

use crate::ApiError;
use crate::error::code;

/// The status and code of a failure, and its `IntoResponse` through [`ApiError`].
macro_rules! failure {
    ($name:ident, $status:ident, $code:ident) => {
        impl $name {
            #[doc = concat!("`", stringify!($status), "`: the status this failure is answered with.")]
            pub const STATUS: StatusCode = StatusCode::$status;
            #[doc = concat!("[`", stringify!($code), "`](code::", stringify!($code), "): its `error.code`.")]
            pub const CODE: &'static str = code::$code;

            /// The error with this failure's status, code and message.
            fn error(&self) -> ApiError {
                ApiError::new(Self::STATUS, Self::CODE, self.to_string())
            }
        }

        impl IntoResponse for $name {
            fn into_response(self) -> Response {
                ApiError::from(self).into_response()
            }
        }
    };
}

/// An enum of failures: its status, code, message, conversions, all from the variant's.
macro_rules! rejection {
    (
        $(#[$doc:meta])*
        pub enum $name:ident {
            $($(#[$variant_doc:meta])* $variant:ident($failure:ident),)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$variant_doc])* $variant($failure),)*
        }

        impl $name {
            /// The status the request is answered with.
            pub fn status(&self) -> StatusCode {
                match self {
                    $($name::$variant(_) => $failure::STATUS,)*
                }
            }

            /// The `error.code` sent, one of [`code`]'s.
            pub fn code(&self) -> &'static str {
                match self {
                    $($name::$variant(_) => $failure::CODE,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($name::$variant(failure) => fmt::Display::fmt(failure, f),)*
                }
            }
        }

        impl std::error::Error for $name {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                match self {
                    $($name::$variant(failure) => std::error::Error::source(failure),)*
                }
            }
        }

        impl From<$name> for ApiError {
            fn from(rejection: $name) -> ApiError {
                match rejection {
                    $($name::$variant(failure) => failure.into(),)*
                }
            }
        }

        impl IntoResponse for $name {
            fn into_response(self) -> Response {
                ApiError::from(self).into_response()
            }
        }

        $(
            impl From<$failure> for $name {
                fn from(failure: $failure) -> $name {
                    $name::$variant(failure)
                }
            }
        )*
    };
}

rejection! {
    /// Why [`Json<T>`](crate::Json) refused a request.
    pub enum JsonRejection {
        /// 415 `UNSUPPORTED_MEDIA_TYPE`: no `Content-Type: application/json` (or
        /// `application/…+json`).
        UnsupportedMediaType(UnsupportedMediaType),
        /// 413 `PAYLOAD_TOO_LARGE`: the body is over the route's limit.
        PayloadTooLarge(PayloadTooLarge),
        /// 400 `INVALID_BODY`: the body could not be read.
        BodyUnreadable(BodyUnreadable),
        /// 400 `INVALID_JSON`: the body is not JSON.
        Syntax(JsonSyntaxError),
        /// 400 `INVALID_BODY`: JSON, but not the shape the handler takes.
        Data(JsonDataError),
    }
}

rejection! {
    /// Why [`Form<T>`](crate::Form) refused a request.
    pub enum FormRejection {
        /// 415 `UNSUPPORTED_MEDIA_TYPE`: no `Content-Type: application/x-www-form-urlencoded`.
        UnsupportedMediaType(UnsupportedMediaType),
        /// 413 `PAYLOAD_TOO_LARGE`: the body is over the route's limit.
        PayloadTooLarge(PayloadTooLarge),
        /// 400 `INVALID_BODY`: the body could not be read.
        BodyUnreadable(BodyUnreadable),
        /// 400 `INVALID_FORM`: a field is missing or has the wrong type.
        Invalid(InvalidFormField),
    }
}

rejection! {
    /// Why [`Query<T>`](crate::Query) refused a request.
    pub enum QueryRejection {
        /// 400 `INVALID_QUERY`: a parameter is missing or has the wrong type.
        Invalid(InvalidQueryParam),
    }
}

rejection! {
    /// Why [`Path<T>`](crate::Path) refused a request.
    pub enum PathRejection {
        /// 400 `INVALID_PATH_PARAM`: a parameter does not parse as the handler's type.
        Invalid(InvalidPathParam),
        /// 400 `INVALID_PATH_PARAM`: a parameter is not valid UTF-8 once percent-decoded.
        NotUtf8(PathParamNotUtf8),
        /// 400 `INVALID_PATH_PARAM`: the type's own `Deserialize` refused the parameters.
        Malformed(MalformedPath),
        /// 500 `INTERNAL_ERROR`: the handler's `Path` type does not fit the route.
        RouteMismatch(RouteMismatch),
    }
}

/// The request's `Content-Type` is not the one the extractor reads.
///
/// Answered with 415 `UNSUPPORTED_MEDIA_TYPE`, "Expected a request body with
/// `Content-Type: application/json`, got `text/plain`", and `expected` and `received` in
/// `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsupportedMediaType {
    /// The media type the extractor reads.
    pub expected: &'static str,
    /// The request's media type, lower case, without parameters; `None` when it has no
    /// `Content-Type`.
    pub received: Option<String>,
}
failure!(
    UnsupportedMediaType,
    UNSUPPORTED_MEDIA_TYPE,
    UNSUPPORTED_MEDIA_TYPE
);

impl fmt::Display for UnsupportedMediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expected = self.expected;
        match &self.received {
            Some(received) => write!(
                f,
                "Expected a request body with `Content-Type: {expected}`, got `{received}`"
            ),
            None => write!(f, "Expected a request body with `Content-Type: {expected}`"),
        }
    }
}

impl From<UnsupportedMediaType> for ApiError {
    fn from(failure: UnsupportedMediaType) -> ApiError {
        failure
            .error()
            .with_details(json!({ "expected": failure.expected, "received": failure.received }))
    }
}

/// The body is larger than the route accepts (`DefaultBodyLimit`, 2 MB unless the route
/// sets `BODY_LIMIT`).
///
/// Answered with 413 `PAYLOAD_TOO_LARGE`, "Request body is larger than this route accepts".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayloadTooLarge;
failure!(PayloadTooLarge, PAYLOAD_TOO_LARGE, PAYLOAD_TOO_LARGE);

impl fmt::Display for PayloadTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Request body is larger than this route accepts")
    }
}

impl From<PayloadTooLarge> for ApiError {
    fn from(failure: PayloadTooLarge) -> ApiError {
        failure.error()
    }
}

/// The body could not be read: the client stopped sending, or the connection broke.
///
/// Answered with 400 `INVALID_BODY`, "Could not read the request body". axum's error is
/// the [`source`](std::error::Error::source), kept for the log.
#[derive(Debug)]
pub struct BodyUnreadable {
    cause: BytesRejection,
}
failure!(BodyUnreadable, BAD_REQUEST, INVALID_BODY);

impl BodyUnreadable {
    pub(crate) fn new(cause: BytesRejection) -> BodyUnreadable {
        BodyUnreadable { cause }
    }
}

impl fmt::Display for BodyUnreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Could not read the request body")
    }
}

impl std::error::Error for BodyUnreadable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl From<BodyUnreadable> for ApiError {
    fn from(failure: BodyUnreadable) -> ApiError {
        failure.error().with_cause(failure.cause)
    }
}

/// The body is not JSON: a syntax error, or text after the document.
///
/// Answered with 400 `INVALID_JSON`, "Request body is not valid JSON: key must be a string
/// at line 2, column 17", and `reason`, `line` and `column` in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonSyntaxError {
    /// What `serde_json` found wrong, without the position.
    pub reason: String,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
}
failure!(JsonSyntaxError, BAD_REQUEST, INVALID_JSON);

impl fmt::Display for JsonSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Request body is not valid JSON: {} at line {}, column {}",
            self.reason, self.line, self.column
        )
    }
}

impl From<JsonSyntaxError> for ApiError {
    fn from(failure: JsonSyntaxError) -> ApiError {
        failure.error().with_details(json!({
            "reason": failure.reason, "line": failure.line, "column": failure.column,
        }))
    }
}

/// The body is JSON but not the shape the handler takes: a missing field, a wrong type.
///
/// Answered with 400 `INVALID_BODY`, "Invalid request body at `age`: invalid type: string
/// \"x\", expected u8", and `field`, `reason`, `line` and `column` in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonDataError {
    /// The full path of the field (`address.city`, `items[0].name`); `None` for the
    /// document itself.
    pub field: Option<String>,
    /// What is wrong with it: "missing field", "invalid type: string \"x\", expected u8".
    pub reason: String,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
}
failure!(JsonDataError, BAD_REQUEST, INVALID_BODY);

impl fmt::Display for JsonDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "Invalid request body at `{field}`: {}", self.reason),
            None => write!(f, "Invalid request body: {}", self.reason),
        }
    }
}

impl From<JsonDataError> for ApiError {
    fn from(failure: JsonDataError) -> ApiError {
        failure.error().with_details(json!({
            "field": failure.field,
            "reason": failure.reason,
            "line": failure.line,
            "column": failure.column,
        }))
    }
}

/// A query parameter is missing or does not parse as its field's type.
///
/// Answered with 400 `INVALID_QUERY`, "Invalid query parameter `exact`: provided string
/// was not `true` or `false`", and `field` and `reason` in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidQueryParam {
    /// The parameter's name; `None` when the failure is not about one parameter.
    pub field: Option<String>,
    /// What is wrong with it.
    pub reason: String,
}
failure!(InvalidQueryParam, BAD_REQUEST, INVALID_QUERY);

impl fmt::Display for InvalidQueryParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        field_message(f, "query parameter", &self.field, &self.reason)
    }
}

impl From<InvalidQueryParam> for ApiError {
    fn from(failure: InvalidQueryParam) -> ApiError {
        failure
            .error()
            .with_details(json!({ "field": failure.field, "reason": failure.reason }))
    }
}

/// A form field is missing or does not parse as its type.
///
/// Answered with 400 `INVALID_FORM`, "Invalid form field `age`: invalid digit found in
/// string", and `field` and `reason` in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidFormField {
    /// The field's name; `None` when the failure is not about one field.
    pub field: Option<String>,
    /// What is wrong with it.
    pub reason: String,
}
failure!(InvalidFormField, BAD_REQUEST, INVALID_FORM);

impl fmt::Display for InvalidFormField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        field_message(f, "form field", &self.field, &self.reason)
    }
}

impl From<InvalidFormField> for ApiError {
    fn from(failure: InvalidFormField) -> ApiError {
        failure
            .error()
            .with_details(json!({ "field": failure.field, "reason": failure.reason }))
    }
}

fn field_message(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    field: &Option<String>,
    reason: &str,
) -> fmt::Result {
    match field {
        Some(field) => write!(f, "Invalid {what} `{field}`: {reason}"),
        None => write!(f, "Invalid {what}: {reason}"),
    }
}

/// A path parameter does not parse as the handler's type.
///
/// Answered with 400 `INVALID_PATH_PARAM`, "Invalid path parameter `id`: expected i64, got
/// `abc`", and `param`, `value` and `expected` in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidPathParam {
    /// The parameter's name in the route (`id` for `{id}`); `None` when it cannot be told.
    pub param: Option<String>,
    /// The parameter as it came in the URL, percent-decoded.
    pub value: String,
    /// The type expected (`i64`), or why the value was refused.
    pub expected: String,
}
failure!(InvalidPathParam, BAD_REQUEST, INVALID_PATH_PARAM);

impl fmt::Display for InvalidPathParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (expected, value) = (&self.expected, &self.value);
        match &self.param {
            Some(param) => write!(
                f,
                "Invalid path parameter `{param}`: expected {expected}, got `{value}`"
            ),
            None => write!(
                f,
                "Invalid path parameter: expected {expected}, got `{value}`"
            ),
        }
    }
}

impl From<InvalidPathParam> for ApiError {
    fn from(failure: InvalidPathParam) -> ApiError {
        failure.error().with_details(json!({
            "param": failure.param, "value": failure.value, "expected": failure.expected,
        }))
    }
}

/// A path parameter is not valid UTF-8 once percent-decoded (`%FF`).
///
/// Answered with 400 `INVALID_PATH_PARAM`, "Invalid path parameter `name`: not valid
/// UTF-8", and `param` in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathParamNotUtf8 {
    /// The parameter's name in the route.
    pub param: String,
}
failure!(PathParamNotUtf8, BAD_REQUEST, INVALID_PATH_PARAM);

impl fmt::Display for PathParamNotUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Invalid path parameter `{}`: not valid UTF-8",
            self.param
        )
    }
}

impl From<PathParamNotUtf8> for ApiError {
    fn from(failure: PathParamNotUtf8) -> ApiError {
        failure
            .error()
            .with_details(json!({ "param": failure.param }))
    }
}

/// The path parameters' type refused them in its own `Deserialize` (a custom error).
///
/// Answered with 400 `INVALID_PATH_PARAM`, "Invalid path: " and the type's message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MalformedPath {
    /// The type's message.
    pub reason: String,
}
failure!(MalformedPath, BAD_REQUEST, INVALID_PATH_PARAM);

impl fmt::Display for MalformedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid path: {}", self.reason)
    }
}

impl From<MalformedPath> for ApiError {
    fn from(failure: MalformedPath) -> ApiError {
        failure.error()
    }
}

/// The handler's `Path` type does not fit its route: a tuple of three on a route with two
/// parameters, or a `Path` on a route without any. A bug in the app, not in the request.
///
/// Answered with 500 `INTERNAL_ERROR`, "Internal server error"; what did not fit is
/// logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMismatch {
    detail: String,
}
failure!(RouteMismatch, INTERNAL_SERVER_ERROR, INTERNAL_ERROR);

impl RouteMismatch {
    pub(crate) fn new(detail: String) -> RouteMismatch {
        RouteMismatch { detail }
    }

    /// What did not fit, as axum says it (for the log, not for clients).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for RouteMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Internal server error")
    }
}

impl From<RouteMismatch> for ApiError {
    fn from(failure: RouteMismatch) -> ApiError {
        failure
            .error()
            .with_cause(std::io::Error::other(failure.detail))
    }
}

/// Why [`Valid<E>`](crate::Valid) refused a request: the inner extractor's own rejection,
/// unchanged, or values that break their rules.
#[derive(Debug)]
#[non_exhaustive]
pub enum ValidRejection<R> {
    /// The inner extractor refused the request (a [`JsonRejection`] for `Valid<Json<T>>`).
    Extract(R),
    /// 422 `VALIDATION_FAILED`: extracted, but not valid.
    Invalid(ValidationFailed),
}

impl<R: fmt::Display> fmt::Display for ValidRejection<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidRejection::Extract(rejection) => rejection.fmt(f),
            ValidRejection::Invalid(failure) => failure.fmt(f),
        }
    }
}

impl<R: std::error::Error> std::error::Error for ValidRejection<R> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ValidRejection::Extract(rejection) => rejection.source(),
            ValidRejection::Invalid(failure) => std::error::Error::source(failure),
        }
    }
}

impl<R: Into<ApiError>> From<ValidRejection<R>> for ApiError {
    fn from(rejection: ValidRejection<R>) -> ApiError {
        match rejection {
            ValidRejection::Extract(rejection) => rejection.into(),
            ValidRejection::Invalid(failure) => failure.into(),
        }
    }
}

impl<R: IntoResponse> IntoResponse for ValidRejection<R> {
    fn into_response(self) -> Response {
        match self {
            ValidRejection::Extract(rejection) => rejection.into_response(),
            ValidRejection::Invalid(failure) => failure.into_response(),
        }
    }
}

/// Values that break their validation rules, per field, in the shape of Zod's
/// `error.flatten()`.
///
/// Answered with 422 `VALIDATION_FAILED`, "Validation failed for age, email", and
/// `{"fieldErrors": {"age": ["lower than 13"], …}, "formErrors": []}` in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationFailed {
    /// Each failing field's full path (`address.city`) and its messages.
    pub field_errors: BTreeMap<String, Vec<String>>,
    /// Messages about the value as a whole.
    pub form_errors: Vec<String>,
}
failure!(ValidationFailed, UNPROCESSABLE_ENTITY, VALIDATION_FAILED);

impl ValidationFailed {
    pub(crate) fn from_report(report: &garde::Report) -> ValidationFailed {
        let mut field_errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut form_errors = Vec::new();
        for (path, error) in report.iter() {
            let path = path.to_string();
            if path.is_empty() {
                form_errors.push(error.to_string());
            } else {
                field_errors
                    .entry(path)
                    .or_default()
                    .push(error.to_string());
            }
        }
        ValidationFailed {
            field_errors,
            form_errors,
        }
    }
}

impl fmt::Display for ValidationFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field_errors.is_empty() {
            return f.write_str("Validation failed");
        }
        let fields: Vec<&str> = self.field_errors.keys().map(String::as_str).collect();
        write!(f, "Validation failed for {}", fields.join(", "))
    }
}

impl From<ValidationFailed> for ApiError {
    fn from(failure: ValidationFailed) -> ApiError {
        failure.error().with_details(
            json!({ "fieldErrors": failure.field_errors, "formErrors": failure.form_errors }),
        )
    }
}

macro_rules! no_source {
    ($($name:ident),*) => {$(
        impl std::error::Error for $name {}
    )*};
}
no_source!(
    UnsupportedMediaType,
    PayloadTooLarge,
    JsonSyntaxError,
    JsonDataError,
    InvalidQueryParam,
    InvalidFormField,
    InvalidPathParam,
    PathParamNotUtf8,
    MalformedPath,
    RouteMismatch,
    ValidationFailed
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The rejection says the status and code its response has, and its message is the
    /// one sent.
    fn answers(rejection: impl Into<ApiError> + fmt::Display, status: u16, code: &str) {
        let message = rejection.to_string();
        let error: ApiError = rejection.into();
        assert_eq!(
            (error.status().as_u16(), error.code(), error.message()),
            (status, code, message.as_str())
        );
    }

    fn check<R>(rejection: R, status: u16, code: &str)
    where
        R: Into<ApiError> + fmt::Display + HasStatus,
    {
        assert_eq!(
            (rejection.status().as_u16(), rejection.code()),
            (status, code)
        );
        answers(rejection, status, code);
    }

    trait HasStatus {
        fn status(&self) -> StatusCode;
        fn code(&self) -> &'static str;
    }

    macro_rules! has_status {
        ($($name:ident),*) => {$(
            impl HasStatus for $name {
                fn status(&self) -> StatusCode {
                    $name::status(self)
                }
                fn code(&self) -> &'static str {
                    $name::code(self)
                }
            }
        )*};
    }
    has_status!(JsonRejection, FormRejection, QueryRejection, PathRejection);

    fn media() -> UnsupportedMediaType {
        UnsupportedMediaType {
            expected: "application/json",
            received: Some("text/plain".into()),
        }
    }

    async fn unreadable() -> BodyUnreadable {
        use axum::extract::FromRequest;
        let broken = futures_util::stream::iter([Err::<bytes::Bytes, _>(std::io::Error::other(
            "connection reset",
        ))]);
        let request = axum::extract::Request::new(axum::body::Body::from_stream(broken));
        let rejection = bytes::Bytes::from_request(request, &()).await.unwrap_err();
        BodyUnreadable::new(rejection)
    }

    #[tokio::test]
    async fn json_rejections() {
        check(JsonRejection::from(media()), 415, "UNSUPPORTED_MEDIA_TYPE");
        check(
            JsonRejection::from(PayloadTooLarge),
            413,
            "PAYLOAD_TOO_LARGE",
        );
        check(JsonRejection::from(unreadable().await), 400, "INVALID_BODY");
        let syntax = JsonSyntaxError {
            reason: "EOF while parsing".into(),
            line: 1,
            column: 2,
        };
        check(JsonRejection::from(syntax), 400, "INVALID_JSON");
        let data = JsonDataError {
            field: Some("age".into()),
            reason: "missing field".into(),
            line: 1,
            column: 2,
        };
        check(JsonRejection::from(data), 400, "INVALID_BODY");
    }

    #[tokio::test]
    async fn form_rejections() {
        check(FormRejection::from(media()), 415, "UNSUPPORTED_MEDIA_TYPE");
        check(
            FormRejection::from(PayloadTooLarge),
            413,
            "PAYLOAD_TOO_LARGE",
        );
        check(FormRejection::from(unreadable().await), 400, "INVALID_BODY");
        let invalid = InvalidFormField {
            field: Some("age".into()),
            reason: "invalid digit found in string".into(),
        };
        check(FormRejection::from(invalid), 400, "INVALID_FORM");
    }

    #[test]
    fn query_rejections() {
        let invalid = InvalidQueryParam {
            field: None,
            reason: "missing field".into(),
        };
        assert_eq!(
            invalid.to_string(),
            "Invalid query parameter: missing field"
        );
        check(QueryRejection::from(invalid), 400, "INVALID_QUERY");
    }

    #[test]
    fn path_rejections() {
        let invalid = InvalidPathParam {
            param: Some("id".into()),
            value: "abc".into(),
            expected: "i64".into(),
        };
        check(PathRejection::from(invalid), 400, "INVALID_PATH_PARAM");
        let not_utf8 = PathParamNotUtf8 {
            param: "name".into(),
        };
        check(PathRejection::from(not_utf8), 400, "INVALID_PATH_PARAM");
        let malformed = MalformedPath {
            reason: "unknown variant".into(),
        };
        check(PathRejection::from(malformed), 400, "INVALID_PATH_PARAM");
        let mismatch = RouteMismatch::new("Wrong number of path arguments".into());
        check(PathRejection::from(mismatch.clone()), 500, "INTERNAL_ERROR");
        // What did not fit is kept for the log, never sent.
        let error = ApiError::from(mismatch);
        assert!(!error.body().to_string().contains("Wrong number"));
        let cause = std::error::Error::source(&error).unwrap().to_string();
        assert_eq!(cause, "Wrong number of path arguments");
    }

    #[test]
    fn valid_rejections() {
        let mut field_errors = BTreeMap::new();
        field_errors.insert("email".to_string(), vec!["not an email".to_string()]);
        let failed = ValidationFailed {
            field_errors,
            form_errors: Vec::new(),
        };
        assert_eq!(failed.to_string(), "Validation failed for email");
        let rejection = ValidRejection::<JsonRejection>::Invalid(failed);
        answers(rejection, 422, "VALIDATION_FAILED");
        let inner = ValidRejection::Extract(JsonRejection::from(PayloadTooLarge));
        answers(inner, 413, "PAYLOAD_TOO_LARGE");
    }

    #[test]
    fn failures_carry_their_status_and_code() {
        assert_eq!(
            (JsonSyntaxError::STATUS, JsonSyntaxError::CODE),
            (StatusCode::BAD_REQUEST, code::INVALID_JSON)
        );
        assert_eq!(
            (ValidationFailed::STATUS, ValidationFailed::CODE),
            (StatusCode::UNPROCESSABLE_ENTITY, code::VALIDATION_FAILED)
        );
    }
}
