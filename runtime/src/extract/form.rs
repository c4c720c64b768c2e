use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::body;
use crate::ApiError;

/// A `application/x-www-form-urlencoded` body, like `axum::Form`, rejecting in JSON.
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
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !body::is_form(request.headers()) {
            return Err(body::unsupported_media_type(
                request.headers(),
                "application/x-www-form-urlencoded",
            ));
        }
        let bytes = body::read(request, state).await?;
        super::from_urlencoded(&bytes, "INVALID_FORM", "form field").map(Form)
    }
}
