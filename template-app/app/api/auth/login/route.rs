//! `POST /api/auth/login` `{email, password}` → `{token, user}`; a wrong email or password
//! is a 401 that does not say which. At most `LOGIN_RATE_PER_MINUTE` attempts per client
//! address, and a few failures per account before each one locks its sign-in for longer;
//! then 429 with `Retry-After`.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::middleware::Next;
use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{AppState, User, accounts, auth, users};

#[derive(Deserialize, Validate, JsonSchema)]
pub struct Login {
    #[garde(length(chars, max = 254))]
    email: String,
    /// At most 128 characters, as at registration (a longer one is not hashed).
    #[garde(length(chars, max = 128))]
    password: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Session {
    /// Send it as `Authorization: Bearer <token>`.
    token: String,
    user: User,
}

/// Counts the attempt before the password is even read, so guessing is slow whatever
/// the outcome.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    if let Err(limited) = state.login_limiter.check(request.headers(), peer).await {
        return limited.into_response();
    }
    next.run(request).await
}

/// A token for the account with this email and password.
///
/// A wrong email or password is a 401 that does not say which; too many attempts from one
/// address, or failures for one account, are a 429 with `Retry-After`.
pub async fn POST(
    State(state): State<AppState>,
    Valid(Json(login)): Valid<Json<Login>>,
) -> ApiResult<Json<Session>> {
    let email = accounts::normalize_email(&login.email);
    // Before any hashing: a locked account costs nothing to refuse.
    state.account_limiter.check(&email)?;
    let found = users::find_credentials(&state.db, &email).await?;
    // Verify against a dummy hash when there is no such user, so both cases take as long.
    let hash = found
        .as_ref()
        .map(|found| found.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let matches = auth::verify_password_blocking(login.password, hash).await?;
    if !matches {
        state.account_limiter.failed(&email);
    }
    match found {
        Some(found) if matches => {
            state.account_limiter.succeeded(&email);
            let user = found.user;
            let token = state
                .tokens
                .issue(user.id, &user.role, found.token_version)?;
            Ok(Json(Session { token, user }))
        }
        _ => Err(ApiError::unauthorized("Invalid email or password")),
    }
}
