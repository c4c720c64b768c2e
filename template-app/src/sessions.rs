//! Who is signed in: the bearer token from `POST /api/auth/login`, checked against the
//! account it names. The `(protected)` middleware uses it for whole folders; the
//! [`SignedIn`] extractor for one handler in a route file whose other methods are public
//! (as a Next.js route handler checks the session itself).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fsroute::openapi::{OpenApiInput, Operation, SecurityScheme};
use fsroute::prelude::*;

use crate::{AppState, User, users};

/// What the OpenAPI document says a signed-in route needs (the docs page asks for it).
pub const BEARER: SecurityScheme = SecurityScheme::bearer("JWT");

/// The signed-in user, or a JSON 401 saying why not (no header, not `Bearer`, a bad or
/// expired token, a deleted account, a token from before a password change).
pub async fn signed_in_user(state: &AppState, headers: &HeaderMap) -> ApiResult<User> {
    let token = bearer_token(headers)?;
    let claims = state.tokens.verify(&token)?;
    let id =
        user_id(&claims.sub).ok_or_else(|| ApiError::unauthorized("The token is not valid"))?;
    // The account may have been deleted since the token was issued, or its password,
    // email or role changed (or its owner signed out everywhere).
    let (user, version) = users::find_session(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("The account no longer exists"))?;
    if version != claims.ver {
        return Err(ApiError::unauthorized(
            "The token is no longer valid: sign in again",
        ));
    }
    Ok(user)
}

fn bearer_token(headers: &HeaderMap) -> ApiResult<String> {
    let header = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("Sign in first: send `Authorization: Bearer <token>`")
    })?;
    // The scheme's name ignores case (RFC 9110 §11.1): `bearer` is `Bearer`.
    header
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::unauthorized("The Authorization header must be `Bearer <token>`"))
}

/// A user id as tokens write it: digits only, no sign, no leading zero (`+2` and `02`
/// are not user 2).
fn user_id(sub: &str) -> Option<i64> {
    let canonical =
        !sub.is_empty() && sub.bytes().all(|b| b.is_ascii_digit()) && !sub.starts_with('0');
    canonical.then(|| sub.parse().ok()).flatten()
}

/// A handler argument: the signed-in user, for one method of a route file outside
/// `(protected)`. Its operation carries [`BEARER`] and a 401 in the OpenAPI document.
pub struct SignedIn(pub User);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<SignedIn> {
        signed_in_user(state, &parts.headers).await.map(SignedIn)
    }
}

impl OpenApiInput for SignedIn {
    fn describe(op: &mut Operation<'_>) {
        op.security(&BEARER);
    }
}
