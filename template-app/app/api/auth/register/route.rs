//! `POST /api/auth/register` `{email, name, password}` → 202, the same whether or not the
//! email had an account; a new account is a user, never an admin (admins are made by the
//! operator, docs/security.md). At most `REGISTER_RATE_PER_MINUTE` registrations per
//! client address, then 429 with `Retry-After`.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::middleware::Next;
use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::responses::Accepted;
use crate::{AppState, accounts, auth, users};

#[derive(Deserialize, Validate, JsonSchema)]
pub struct Registration {
    /// Trimmed and lower-cased.
    #[serde(deserialize_with = "accounts::email")]
    #[garde(custom(accounts::email_rule))]
    #[schemars(email, length(max = 254))]
    email: String,
    /// Trimmed; no control characters (line breaks, tabs, escapes).
    #[serde(deserialize_with = "accounts::name")]
    #[garde(custom(accounts::name_rule))]
    #[schemars(length(min = 1, max = 100))]
    name: String,
    /// At least 10 characters, not only spaces, and not one of the most common passwords.
    #[garde(custom(accounts::password_rule))]
    #[schemars(length(min = 10, max = 128))]
    password: String,
}

/// The same whatever happened, so that registering does not tell who has an account.
#[derive(Serialize, JsonSchema)]
pub struct RegistrationReceived {
    message: &'static str,
}

/// Counted before the body is read: each registration costs a password hash.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    if let Err(limited) = state.register_limiter.check(request.headers(), peer).await {
        return limited.into_response();
    }
    next.run(request).await
}

/// Registers an account (a user; admins are made by the operator).
///
/// The answer is the same 202 whether the email was free or not, so it tells no one who
/// has an account: sign in to use the new one. A taken email keeps its account and its
/// password.
pub async fn POST(
    State(state): State<AppState>,
    Valid(Json(form)): Valid<Json<Registration>>,
) -> ApiResult<Accepted<RegistrationReceived>> {
    // Hashed either way, so that both answers take as long.
    let hash = auth::hash_password_blocking(form.password).await?;
    match users::create(&state.db, &form.email, &form.name, &hash, "user").await {
        Ok(_) => {}
        Err(taken) if taken.status() == StatusCode::CONFLICT => {}
        Err(err) => return Err(err),
    }
    Ok(Accepted(RegistrationReceived {
        message: "If this email had no account, it has one now: sign in with it",
    }))
}
