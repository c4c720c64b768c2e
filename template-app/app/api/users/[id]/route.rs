//! `GET /api/users/{id}`: one user, or a JSON 404.

use fsroute::prelude::*;

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
