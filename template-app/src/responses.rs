//! Responses the runtime has no type for.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fsroute::openapi::{OpenApiOutput, Operation};
use schemars::JsonSchema;
use serde::Serialize;

/// 202 Accepted with `T` as JSON: the request was taken, without saying more about
/// what it did (registration answers this way whether or not the email was free).
pub struct Accepted<T>(pub T);

impl<T: Serialize> IntoResponse for Accepted<T> {
    fn into_response(self) -> Response {
        (StatusCode::ACCEPTED, axum::Json(self.0)).into_response()
    }
}

impl<T: JsonSchema> OpenApiOutput for Accepted<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.response_schema::<T>();
        op.response("202", "Accepted", Some(("application/json", schema)));
    }
}
