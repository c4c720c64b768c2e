//! `POST /api/auth/logout-all`: every token of the signed-in account stops working, this
//! one included — after a device is lost or a token leaked. Sign in again for a new one.

use fsroute::prelude::*;

use crate::{AppState, User, users};

/// Signs you out everywhere: every token issued to your account so far stops working.
pub async fn POST(State(state): State<AppState>, me: User) -> ApiResult<NoContent> {
    users::end_sessions(&state.db, me.id).await?;
    Ok(NoContent)
}
