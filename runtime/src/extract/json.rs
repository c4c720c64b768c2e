use std::ops::{Deref, DerefMut};

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::body;
use super::rejection::{JsonDataError, JsonRejection, JsonSyntaxError};

/// A JSON request body or response, like `axum::Json`, but a bad body is a JSON error that
/// says what was wrong.
///
/// ```
/// use fsroute::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// pub struct NewUser { name: String, age: u8 }
///
/// pub async fn POST(Json(user): Json<NewUser>) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "name": user.name, "age": user.age }))
/// }
/// ```
///
/// `{"name": "Ada", "age": "x"}` is answered with 400:
/// `{"error":{"code":"INVALID_BODY","message":"Invalid request body at `age`: invalid type:
/// string \"x\", expected u8","details":{"field":"age","line":1,"column":26,…}}}`.
/// [`JsonRejection`] lists every failure with its status and code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JsonRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !body::is_json(request.headers()) {
            return Err(body::unsupported_media_type(request.headers(), "application/json").into());
        }
        let bytes = body::read::<S, Self::Rejection>(request, state).await?;
        parse(&bytes).map(Json)
    }
}

/// Parses a whole JSON document; the error names the field, the line and the column.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonRejection> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        body_error(error.into_inner(), &path)
    })?;
    deserializer.end().map_err(|error| body_error(error, "."))?;
    Ok(value)
}

fn body_error(error: serde_json::Error, path: &str) -> JsonRejection {
    let (line, column) = (error.line(), error.column());
    let full = error.to_string();
    let reason = full
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&full)
        .to_string();
    if error.is_data() {
        let (field, reason) = super::field_and_reason(path, &reason);
        JsonDataError {
            field,
            reason,
            line,
            column,
        }
        .into()
    } else {
        JsonSyntaxError {
            reason,
            line,
            column,
        }
        .into()
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<T> Json<T> {
    /// The value with a status: `Json(user).with_status(StatusCode::ACCEPTED)`, like
    /// `NextResponse.json(data, { status: 202 })`.
    pub fn with_status(self, status: StatusCode) -> (StatusCode, Self) {
        (status, self)
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}
