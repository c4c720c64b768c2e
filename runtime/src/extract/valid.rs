use axum::extract::{FromRequest, FromRequestParts, Request};
use garde::Validate;
use http::request::Parts;

use super::rejection::{ValidRejection, ValidationFailed};
use super::{Form, Json, Path, Query};

/// Validates what another extractor produced with [`garde`], the way a Next.js route runs
/// `schema.safeParse(body)`: `Valid<Json<T>>`, `Valid<Query<T>>`, `Valid<Form<T>>`,
/// `Valid<Path<T>>`.
///
/// A value that fails is answered with 422 `VALIDATION_FAILED` and the errors per field,
/// in the shape of Zod's `error.flatten()`:
/// `{"fieldErrors": {"email": ["not a valid email address: …"]}, "formErrors": []}`.
/// A request the inner extractor refuses gets that extractor's answer
/// ([`ValidRejection`]).
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

fn check<E, R>(extracted: E) -> Result<Valid<E>, ValidRejection<R>>
where
    E: Validated,
    <E::Value as Validate>::Context: Default,
{
    match extracted.value().validate() {
        Ok(()) => Ok(Valid(extracted)),
        Err(report) => Err(ValidRejection::Invalid(ValidationFailed::from_report(
            &report,
        ))),
    }
}

impl<S, E> FromRequest<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequest<S> + Validated,
    <E::Value as Validate>::Context: Default,
{
    type Rejection = ValidRejection<E::Rejection>;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let extracted = E::from_request(request, state)
            .await
            .map_err(ValidRejection::Extract)?;
        check(extracted)
    }
}

impl<S, E> FromRequestParts<S> for Valid<E>
where
    S: Send + Sync,
    E: FromRequestParts<S> + Validated,
    <E::Value as Validate>::Context: Default,
{
    type Rejection = ValidRejection<E::Rejection>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let extracted = E::from_request_parts(parts, state)
            .await
            .map_err(ValidRejection::Extract)?;
        check(extracted)
    }
}
