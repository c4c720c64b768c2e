use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection as AxumPathRejection;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, RawPathParams};
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::rejection::{
    InvalidPathParam, MalformedPath, PathParamNotUtf8, PathRejection, RouteMismatch,
};

/// Path parameters, like `axum::extract::Path` (one value, a tuple, a struct or a map),
/// rejecting in JSON with the parameter's name and the expected type.
///
/// ```
/// use fsroute::prelude::*;
///
/// // app/api/users/[id]/route.rs
/// pub async fn GET(Path(id): Path<i64>) -> String {
///     format!("user {id}")
/// }
/// ```
///
/// `/api/users/abc` is answered with 400 `INVALID_PATH_PARAM`:
/// "Invalid path parameter `id`: expected i64, got `abc`" (a [`PathRejection`]).
///
/// For an optional catch-all (`[[...slug]]`) take `Option<Path<String>>`: `None` on the
/// bare path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PathRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
        {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(path_error(rejection, &param_names(parts, state).await)),
        }
    }
}

impl<T, S> OptionalFromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send + 'static,
    S: Send + Sync,
{
    type Rejection = PathRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let extracted =
            <axum::extract::Path<T> as OptionalFromRequestParts<S>>::from_request_parts(
                parts, state,
            )
            .await;
        match extracted {
            Ok(value) => Ok(value.map(|axum::extract::Path(value)| Path(value))),
            Err(rejection) => Err(path_error(rejection, &param_names(parts, state).await)),
        }
    }
}

/// The route's parameter names in URL order, to name the one a `Path<i64>` or a tuple
/// failed on (axum only knows its position).
async fn param_names<S: Send + Sync>(parts: &mut Parts, state: &S) -> Vec<String> {
    match RawPathParams::from_request_parts(parts, state).await {
        Ok(params) => params.iter().map(|(name, _)| name.to_string()).collect(),
        Err(_) => Vec::new(),
    }
}

fn invalid(param: Option<&str>, value: String, expected: impl Into<String>) -> PathRejection {
    InvalidPathParam {
        param: param.map(str::to_string),
        value,
        expected: expected.into(),
    }
    .into()
}

fn path_error(rejection: AxumPathRejection, names: &[String]) -> PathRejection {
    let AxumPathRejection::FailedToDeserializePathParams(error) = rejection else {
        // No parameters at all: the handler is on a route without them, a bug to log.
        return RouteMismatch::new(rejection.to_string()).into();
    };
    match error.into_kind() {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => invalid(Some(&key), value, expected_type),
        ErrorKind::ParseErrorAtIndex {
            index,
            value,
            expected_type,
        } => invalid(names.get(index).map(String::as_str), value, expected_type),
        ErrorKind::ParseError {
            value,
            expected_type,
        } => {
            let only = (names.len() == 1).then(|| names[0].as_str());
            invalid(only, value, expected_type)
        }
        ErrorKind::DeserializeError {
            key,
            value,
            message,
        } => invalid(Some(&key), value, message),
        ErrorKind::InvalidUtf8InPathParam { key } => PathParamNotUtf8 { param: key }.into(),
        ErrorKind::Message(reason) => MalformedPath { reason }.into(),
        // The handler's `Path` type does not fit the route: a bug in the app, not the request.
        kind => RouteMismatch::new(kind.to_string()).into(),
    }
}
