//! Everything in `(protected)` needs `Authorization: Bearer <token>` from
//! `POST /api/auth/login`. Missing, invalid or expired tokens get a JSON 401; a valid one
//! hands the signed-in `User` to handlers (`Extension<User>`).

use axum::middleware::Next;
use fsroute::openapi::SecurityScheme;
use fsroute::prelude::*;

use crate::{AppState, users};

/// What the OpenAPI document says every route below needs (the docs page asks for it).
pub const SECURITY: SecurityScheme = SecurityScheme::bearer("JWT");

pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // Read the header before awaiting: a `&Request` held across `.await` is not `Send`.
    let token = bearer_token(request.headers());
    match signed_in_user(&state, token).await {
        Ok(user) => {
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
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

async fn signed_in_user(state: &AppState, token: ApiResult<String>) -> ApiResult<users::User> {
    let claims = state.tokens.verify(&token?)?;
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
