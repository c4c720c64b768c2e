//! Responses a Next.js route handler builds with `NextResponse`: JSON with a status,
//! 201 with `Location`, 204, redirects, headers and cookies.

use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;

pub use axum::response::Redirect;
pub use cookie::{Cookie, SameSite};

use crate::ApiError;

/// 201 Created, with `Location` and the created resource as JSON.
///
/// ```
/// use fsroute::prelude::*;
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// pub struct User { id: i64, name: String }
///
/// pub async fn POST() -> Created<User> {
///     let user = User { id: 7, name: "Ada".into() };
///     Created::new(format!("/api/users/{}", user.id), user)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Created<T> {
    location: String,
    body: T,
}

impl<T> Created<T> {
    pub fn new(location: impl Into<String>, body: T) -> Self {
        Created {
            location: location.into(),
            body,
        }
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        match HeaderValue::try_from(self.location) {
            Ok(location) => (
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                axum::Json(self.body),
            )
                .into_response(),
            Err(error) => ApiError::internal_from(error).into_response(),
        }
    }
}

/// 204 No Content: `DELETE` handlers' usual answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// Adds a `Set-Cookie` header to any response: `(SetCookie(cookie), Json(body))`.
///
/// ```
/// use fsroute::prelude::*;
///
/// pub async fn POST() -> impl IntoResponse {
///     let session = Cookie::build(("session", "abc123")).http_only(true).path("/");
///     (SetCookie(session.into()), Json(serde_json::json!({ "ok": true })))
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SetCookie(pub Cookie<'static>);

impl SetCookie {
    /// A cookie that tells the browser to delete `name`.
    pub fn removal(name: impl Into<String>) -> Self {
        let mut cookie = Cookie::new(name.into(), "");
        cookie.set_path("/");
        cookie.make_removal();
        SetCookie(cookie)
    }
}

impl IntoResponseParts for SetCookie {
    type Error = ApiError;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, ApiError> {
        let value = HeaderValue::try_from(self.0.to_string()).map_err(ApiError::internal_from)?;
        parts.headers_mut().append(header::SET_COOKIE, value);
        Ok(parts)
    }
}

/// `NextResponse.json(data, { status, headers })`, with cookies: a JSON response built
/// step by step.
///
/// ```
/// use fsroute::prelude::*;
///
/// pub async fn GET() -> JsonResponse<serde_json::Value> {
///     JsonResponse::new(serde_json::json!({ "queued": true }))
///         .status(StatusCode::ACCEPTED)
///         .header("x-queue", "emails")
///         .cookie(Cookie::new("seen", "1"))
/// }
/// ```
#[derive(Debug)]
pub struct JsonResponse<T> {
    status: StatusCode,
    headers: HeaderMap,
    cookies: Vec<Cookie<'static>>,
    body: T,
    /// A header that could not be built; reported as a 500 instead of being dropped.
    invalid_header: Option<String>,
}

impl<T> JsonResponse<T> {
    /// 200 with `body` as JSON.
    pub fn new(body: T) -> Self {
        JsonResponse {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            body,
            invalid_header: None,
        }
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Sets a header; a name or value that is not valid HTTP turns the response into a 500.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(name), Ok(value)) => {
                self.headers.insert(name, value);
            }
            _ => self.invalid_header = Some("a header name or value is not valid HTTP".into()),
        }
        self
    }

    pub fn cookie(mut self, cookie: Cookie<'static>) -> Self {
        self.cookies.push(cookie);
        self
    }
}

impl<T: Serialize> IntoResponse for JsonResponse<T> {
    fn into_response(self) -> Response {
        if let Some(problem) = self.invalid_header {
            return ApiError::internal_from(std::io::Error::other(problem)).into_response();
        }
        let mut response = (self.status, self.headers, axum::Json(self.body)).into_response();
        for cookie in self.cookies {
            match HeaderValue::try_from(cookie.to_string()) {
                Ok(value) => {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
                Err(error) => return ApiError::internal_from(error).into_response(),
            }
        }
        response
    }
}
