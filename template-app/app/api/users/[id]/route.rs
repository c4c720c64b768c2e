//! `GET /api/users/{id}`: one user, or a JSON 404.

use axum::Json;
use axum::extract::{Path, State};
use fsroute::{ApiError, ApiResult};

use crate::{AppState, User};

pub async fn GET(Path(id): Path<i64>, State(state): State<AppState>) -> ApiResult<Json<User>> {
    state
        .users
        .iter()
        .find(|user| user.id == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("User {id}")))
}
