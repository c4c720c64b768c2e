//! Every `error.code` the runtime sends, as constants: match on them in tests and clients,
//! and pass them to [`ApiError::new`](crate::ApiError::new) and
//! [`ApiError::with_code`](crate::ApiError::with_code).
//!
//! Codes are `&'static str`, not an enum, because an app's own codes (`RATE_LIMITED`) go
//! in the same field the same way: a `const` of the app's next to these, and
//! [`ApiError::code`](crate::ApiError::code) compares with both.
//!
//! ```
//! use fsroute::ApiError;
//! use fsroute::error::code;
//!
//! let err = ApiError::not_found("User 7");
//! assert_eq!(err.code(), code::NOT_FOUND);
//! ```

use http::StatusCode;

/// 400: the request body is not JSON (a syntax error, or text after the document).
pub const INVALID_JSON: &str = "INVALID_JSON";

/// 400: the JSON body does not have the shape the handler takes (a missing field, a wrong
/// type), or the body could not be read at all.
pub const INVALID_BODY: &str = "INVALID_BODY";

/// 400: a form body (`application/x-www-form-urlencoded`) has a field of the wrong type,
/// or misses one.
pub const INVALID_FORM: &str = "INVALID_FORM";

/// 400: a query parameter has the wrong type, is missing, or is out of range
/// (pagination's `page` and `limit`).
pub const INVALID_QUERY: &str = "INVALID_QUERY";

/// 400: a path parameter does not parse as the handler's type (`abc` for an `i64`).
pub const INVALID_PATH_PARAM: &str = "INVALID_PATH_PARAM";

/// 400: a multipart body is malformed.
pub const INVALID_MULTIPART: &str = "INVALID_MULTIPART";

/// 400: a pagination cursor the API did not make.
pub const INVALID_CURSOR: &str = "INVALID_CURSOR";

/// 415: an uploaded file's bytes are not the type its part declares.
pub const CONTENT_TYPE_MISMATCH: &str = "CONTENT_TYPE_MISMATCH";

/// 422: [`Valid`](crate::Valid) found values that break their validation rules.
pub const VALIDATION_FAILED: &str = "VALIDATION_FAILED";

/// 500: any server error; the message is always "Internal server error".
pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";

/// An error status with no standard name (`499`), as rewritten by
/// [`JsonErrorsLayer`](crate::layers::JsonErrorsLayer).
pub const ERROR: &str = "ERROR";

/// The code of each standard error status: its reason phrase in `SCREAMING_SNAKE_CASE`.
macro_rules! status_codes {
    ($($(#[$doc:meta])* $status:literal $name:ident,)*) => {
        $(
            #[doc = concat!("Status `", stringify!($status), "` when nothing more specific applies.")]
            $(#[$doc])*
            pub const $name: &str = stringify!($name);
        )*

        /// The code for an error `status` with nothing more specific to say: its
        /// reason phrase in `SCREAMING_SNAKE_CASE` (`413` → [`PAYLOAD_TOO_LARGE`]),
        /// [`INTERNAL_ERROR`] for `500`, and [`ERROR`] for a status with no standard name.
        /// [`JsonErrorsLayer`](crate::layers::JsonErrorsLayer) uses it for the plain-text
        /// error responses it rewrites.
        ///
        /// ```
        /// use fsroute::error::code;
        /// use http::StatusCode;
        ///
        /// assert_eq!(code::for_status(StatusCode::PAYLOAD_TOO_LARGE), code::PAYLOAD_TOO_LARGE);
        /// assert_eq!(code::for_status(StatusCode::INTERNAL_SERVER_ERROR), code::INTERNAL_ERROR);
        /// ```
        pub fn for_status(status: StatusCode) -> &'static str {
            // By number, not `StatusCode` constant, so that every `http` 1.x has them all.
            match status.as_u16() {
                500 => INTERNAL_ERROR,
                $($status => $name,)*
                _ => ERROR,
            }
        }
    };
}

status_codes! {
    /// Sent by [`ApiError::bad_request`](crate::ApiError::bad_request).
    400 BAD_REQUEST,
    /// Sent by [`ApiError::unauthorized`](crate::ApiError::unauthorized).
    401 UNAUTHORIZED,
    402 PAYMENT_REQUIRED,
    /// Sent by [`ApiError::forbidden`](crate::ApiError::forbidden).
    403 FORBIDDEN,
    /// Sent by [`ApiError::not_found`](crate::ApiError::not_found), by a missing file or
    /// row, and when no route matches the path.
    404 NOT_FOUND,
    /// Sent when the route exists but has no handler for the method; `Allow` lists those
    /// it has.
    405 METHOD_NOT_ALLOWED,
    406 NOT_ACCEPTABLE,
    407 PROXY_AUTHENTICATION_REQUIRED,
    408 REQUEST_TIMEOUT,
    /// Sent by [`ApiError::conflict`](crate::ApiError::conflict), and for a unique or
    /// foreign-key violation (feature `sqlx`).
    409 CONFLICT,
    410 GONE,
    411 LENGTH_REQUIRED,
    412 PRECONDITION_FAILED,
    /// Sent when a body or an uploaded file is over its limit.
    413 PAYLOAD_TOO_LARGE,
    414 URI_TOO_LONG,
    /// Sent when the body's `Content-Type` is not the one the extractor reads, or an
    /// uploaded file's type is not allowed.
    415 UNSUPPORTED_MEDIA_TYPE,
    416 RANGE_NOT_SATISFIABLE,
    417 EXPECTATION_FAILED,
    /// Spelled as the status's reason phrase, "I'm a teapot".
    418 I_M_A_TEAPOT,
    421 MISDIRECTED_REQUEST,
    /// Sent by [`ApiError::unprocessable`](crate::ApiError::unprocessable).
    422 UNPROCESSABLE_ENTITY,
    423 LOCKED,
    424 FAILED_DEPENDENCY,
    425 TOO_EARLY,
    426 UPGRADE_REQUIRED,
    428 PRECONDITION_REQUIRED,
    /// Sent by [`ApiError::too_many_requests`](crate::ApiError::too_many_requests).
    429 TOO_MANY_REQUESTS,
    431 REQUEST_HEADER_FIELDS_TOO_LARGE,
    451 UNAVAILABLE_FOR_LEGAL_REASONS,
    501 NOT_IMPLEMENTED,
    502 BAD_GATEWAY,
    /// Sent when the database cannot be reached (feature `sqlx`).
    503 SERVICE_UNAVAILABLE,
    /// Sent when a route's `MAX_DURATION` runs out.
    504 GATEWAY_TIMEOUT,
    505 HTTP_VERSION_NOT_SUPPORTED,
    506 VARIANT_ALSO_NEGOTIATES,
    507 INSUFFICIENT_STORAGE,
    508 LOOP_DETECTED,
    510 NOT_EXTENDED,
    511 NETWORK_AUTHENTICATION_REQUIRED,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How codes were derived from statuses before this list existed; the list must give
    /// the same text on the wire.
    fn derived(status: StatusCode) -> String {
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            return "INTERNAL_ERROR".to_string();
        }
        status
            .canonical_reason()
            .unwrap_or("ERROR")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    }

    #[test]
    fn every_error_status_has_the_code_it_always_had() {
        for number in 400..600 {
            let status = StatusCode::from_u16(number).unwrap();
            assert_eq!(for_status(status), derived(status), "{number}");
        }
    }
}
