//! Who is signed in: the bearer token from `POST /api/auth/login`, checked against the
//! account it names. The `(protected)` middleware checks it for whole folders, and its
//! handlers take the user as a plain `me: User` argument; the [`SignedIn`] extractor
//! checks it for one handler in a route file whose other methods are public (as a
//! Next.js route handler checks the session itself).

use axum::extract::{FromRequestParts, MatchedPath};
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

/// A handler argument in `app/api/(protected)/`: the user its middleware signed in (no
/// second token check). Anywhere else no middleware signed anyone in, and that is a
/// misplaced route file, not a client's mistake: a JSON 401 and an ERROR log line that
/// names the route and the fix, rather than the 500 `Extension<User>` answers there.
impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<User> {
        if let Some(user) = parts.extensions.get::<User>() {
            return Ok(user.clone());
        }
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or(parts.uri.path(), MatchedPath::as_str);
        tracing::error!("{}", misplaced_route(parts.method.as_str(), route));
        Err(ApiError::unauthorized(
            "This route needs a signed-in user, but it is not in `app/api/(protected)/`, \
             where sign-ins are checked; the server log says how to fix it",
        ))
    }
}

/// The OpenAPI document says what the route needs (in `(protected)` the folder's
/// `SECURITY` says the same).
impl OpenApiInput for User {
    fn describe(op: &mut Operation<'_>) {
        op.security(&BEARER);
    }
}

/// The log line for a handler taking `User` where no middleware signed anyone in: the
/// route, its file and where to move it, or the extractor to use instead.
pub fn misplaced_route(method: &str, route: &str) -> String {
    let file = crate::routes::ROUTES
        .iter()
        .find(|info| info.path == route)
        .map(|info| info.file);
    let fix = match file {
        Some(file) => match file.strip_prefix("app/api/") {
            Some(rest) => format!("move `{file}` to `app/api/(protected)/{rest}`"),
            None => format!("move `{file}` under `app/api/(protected)/`"),
        },
        None => "move its route file under `app/api/(protected)/`".to_string(),
    };
    format!(
        "{method} {route} takes the signed-in `User`, but no sign-in check runs before it, \
         so it answered 401: {fix}, whose middleware signs the user in; or, for one method \
         of a public route file, take `SignedIn(me): SignedIn`, which checks the token itself"
    )
}
