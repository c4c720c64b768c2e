use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::rejection::{InvalidQueryParam, QueryRejection};

/// The query string, like `axum::extract::Query`, rejecting in JSON with the parameter's
/// name.
///
/// ```
/// use fsroute::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// pub struct Search { q: String, #[serde(default)] exact: bool }
///
/// pub async fn GET(Query(search): Query<Search>) -> String {
///     format!("{} {}", search.q, search.exact)
/// }
/// ```
///
/// `?q=rust&exact=maybe` is answered with 400 `INVALID_QUERY`:
/// "Invalid query parameter `exact`: provided string was not `true` or `false`" (a
/// [`QueryRejection`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = QueryRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let query = super::from_urlencoded(query.as_bytes())
            .map_err(|(field, reason)| InvalidQueryParam { field, reason })?;
        Ok(Query(query))
    }
}
