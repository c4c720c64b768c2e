//! Everything in `(protected)` needs `Authorization: Bearer <token>` from
//! `POST /api/auth/login`. Missing, invalid or expired tokens get a JSON 401; a valid one
//! hands the signed-in `User` to handlers, which take it as an argument: `me: User`
//! (`src/sessions.rs`).

use axum::middleware::Next;
use fsroute::openapi::SecurityScheme;
use fsroute::prelude::*;

use crate::{AppState, sessions};

/// What the OpenAPI document says every route below needs (the docs page asks for it).
pub const SECURITY: SecurityScheme = sessions::BEARER;

pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // `OPTIONS` only tells which methods a route has (the router's 204 with `Allow`), and
    // a browser's CORS preflight never carries a token: let it through, so preflights
    // list the route's real methods.
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    match sessions::signed_in_user(&state, request.headers()).await {
        Ok(user) => {
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
}
