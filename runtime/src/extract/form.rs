use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::body;
use super::rejection::{FormRejection, InvalidFormField};

/// A `application/x-www-form-urlencoded` body, like `axum::Form`, rejecting in JSON with
/// a [`FormRejection`].
///
/// ```
/// use fsroute::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// pub struct Login { email: String, password: String }
///
/// pub async fn POST(Form(login): Form<Login>) -> String {
///     format!("hello {}", login.email)
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = FormRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !body::is_form(request.headers()) {
            let expected = "application/x-www-form-urlencoded";
            return Err(body::unsupported_media_type(request.headers(), expected).into());
        }
        let bytes = body::read::<S, Self::Rejection>(request, state).await?;
        let form = super::from_urlencoded(&bytes)
            .map_err(|(field, reason)| InvalidFormField { field, reason })?;
        Ok(Form(form))
    }
}
