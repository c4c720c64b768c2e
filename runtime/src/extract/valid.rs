use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use garde::Validate;
use http::StatusCode;
use http::request::Parts;
use serde_json::json;

use super::{Form, Json, Path, Query};
use crate::ApiError;

/// Validates what another extractor produced with [`garde`], the way a Next.js route runs
/// `schema.safeParse(body)`: `Valid<Json<T>>`, `Valid<Query<T>>`, `Valid<Form<T>>`,
/// `Valid<Path<T>>`.
///
/// A value that fails is answered with 422 `VALIDATION_FAILED` and the errors per field,
/// in the shape of Zod's `error.flatten()`:
/// `{"fieldErrors": {"email": ["not a valid email address: …"]}, "formErrors": []}`.
///
/// ```
/// use fsroute::prelude::*;
/// use garde::Validate;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Validate)]
/// pub struct NewUser {
///     #[garde(email)]
///     email: String,
///     #[garde(length(min = 8))]
///     password: String,
/// }
///
/// pub async fn POST(Valid(Json(user)): Valid<Json<NewUser>>) -> StatusCode {
///     StatusCode::CREATED
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Valid<E>(pub E);

/// An extractor whose value can be validated: the four JSON-rejecting extractors.
pub trait Validated {
    type Value: Validate;
    fn value(&self) -> &Self::Value;
}

macro_rules! validated {
    ($($extractor:ident),*) => {$(
        impl<T: Validate> Validated for $extractor<T> {
            type Value = T;
            fn value(&self) -> &T {
                &self.0
            }
        }
    )*};
}
validated!(Json, Query, Form, Path);

fn check<E>(extracted: E) -> Result<Valid<E>, ApiError>
where
    E: Validated,
    <E::Value as Validate>::Context: Default,
{
    match extracted.value().validate() {
        Ok(()) => Ok(Valid(extracted)),
        Err(report) => Err(validation_error(&report)),
    }
}

/// Zod's `flatten()`: field path → messages, and errors about the whole value apart.
fn validation_error(report: &garde::Report) -> ApiError {
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
    let fields: Vec<&str> = field_errors.keys().map(String::as_str).collect();
    let message = if fields.is_empty() {
        "Validation failed".to_string()
    } else {
        format!("Validation failed for {}", fields.join(", "))
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        message,
    )
    .with_details(json!({ "fieldErrors": field_errors, "formErrors": form_errors }))
}

impl<S, E> FromRequest<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequest<S, Rejection = ApiError> + Validated,
    <E::Value as Validate>::Context: Default,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        check(E::from_request(request, state).await?)
    }
}

impl<S, E> FromRequestParts<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequestParts<S, Rejection = ApiError> + Validated,
    <E::Value as Validate>::Context: Default,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        check(E::from_request_parts(parts, state).await?)
    }
}
