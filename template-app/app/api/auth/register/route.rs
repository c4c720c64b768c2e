//! `POST /api/auth/register` `{email, name, password}` → 201 with the user, who is never
//! an admin (admins are made by the operator, docs/security.md). At most
//! `REGISTER_RATE_PER_MINUTE` registrations per client address, then 429 with
//! `Retry-After`.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::middleware::Next;
use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::{AppState, User, auth, users};

#[derive(Deserialize, Validate, JsonSchema)]
pub struct Registration {
    #[garde(email, length(chars, max = 254))]
    email: String,
    #[garde(length(chars, min = 1, max = 100))]
    name: String,
    #[garde(length(chars, min = 8, max = 128))]
    password: String,
}

/// Counted before the body is read: each registration costs a password hash.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    if let Err(limited) = state.register_limiter.check(request.headers(), peer) {
        return limited.into_response();
    }
    next.run(request).await
}

/// A new account (a user; admins are made by the operator).
pub async fn POST(
    State(state): State<AppState>,
    Valid(Json(form)): Valid<Json<Registration>>,
) -> ApiResult<Created<User>> {
    let hash = auth::hash_password_blocking(form.password).await?;
    let email = form.email.trim().to_lowercase();
    let user = users::create(&state.db, &email, form.name.trim(), &hash, "user").await?;
    Ok(Created::new(
        crate::routes::href::users_by_id(user.id),
        user,
    ))
}
