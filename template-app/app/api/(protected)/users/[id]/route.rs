//! `/api/users/{id}`: read anyone's name, and all of your own account; change or delete
//! yourself, or anyone as an admin. The last admin cannot be demoted or deleted.

use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::users::UserProfile;
use crate::{AppState, User, auth, users};

/// A user's id and name; all of your own account, or of anyone's as an admin.
///
/// The email, role and creation time are left out of other users' accounts.
pub async fn GET(
    State(state): State<AppState>,
    Extension(me): Extension<User>,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserProfile>> {
    users::find(&state.db, id)
        .await?
        .map(|user| Json(UserProfile::seen_by(user, &me)))
        .ok_or_else(|| ApiError::not_found(format!("User {id}")))
}

/// PATCH sends any of the fields; those left out keep their values.
#[derive(Deserialize, Validate, JsonSchema)]
#[schemars(rename = "UserChanges")]
pub struct Changes {
    #[garde(email, length(chars, max = 254))]
    email: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    name: Option<String>,
    #[garde(length(chars, min = 8, max = 128))]
    password: Option<String>,
    #[garde(pattern("^(admin|user)$"))]
    role: Option<String>,
}

/// PUT sends `email` and `name`; the password and role keep their values when left out.
#[derive(Deserialize, Validate, JsonSchema)]
#[schemars(rename = "UserReplacement")]
pub struct Replacement {
    #[garde(email, length(chars, max = 254))]
    email: String,
    #[garde(length(chars, min = 1, max = 100))]
    name: String,
    #[garde(length(chars, min = 8, max = 128))]
    password: Option<String>,
    #[garde(pattern("^(admin|user)$"))]
    role: Option<String>,
}

fn may_change(me: &User, id: i64) -> ApiResult<()> {
    if me.id == id || me.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden("You can only change your own account"))
    }
}

async fn apply(state: &AppState, me: &User, id: i64, changes: Changes) -> ApiResult<Json<User>> {
    may_change(me, id)?;
    if changes.role.is_some() && !me.is_admin() {
        return Err(ApiError::forbidden("Only admins can change roles"));
    }
    let hash = match changes.password {
        Some(password) => Some(auth::hash_password_blocking(password).await?),
        None => None,
    };
    let email = changes.email.map(|email| email.trim().to_lowercase());
    users::update(
        &state.db,
        id,
        email.as_deref(),
        changes.name.as_deref().map(str::trim),
        hash.as_deref(),
        changes.role.as_deref(),
    )
    .await?
    .map(Json)
    .ok_or_else(|| ApiError::not_found(format!("User {id}")))
}

/// Replaces your account (anyone's, as an admin): `email` and `name` are required.
pub async fn PUT(
    State(state): State<AppState>,
    Extension(me): Extension<User>,
    Path(id): Path<i64>,
    Valid(Json(user)): Valid<Json<Replacement>>,
) -> ApiResult<Json<User>> {
    let changes = Changes {
        email: Some(user.email),
        name: Some(user.name),
        password: user.password,
        role: user.role,
    };
    apply(&state, &me, id, changes).await
}

/// Changes the fields sent of your account (anyone's, as an admin).
pub async fn PATCH(
    State(state): State<AppState>,
    Extension(me): Extension<User>,
    Path(id): Path<i64>,
    Valid(Json(changes)): Valid<Json<Changes>>,
) -> ApiResult<Json<User>> {
    apply(&state, &me, id, changes).await
}

/// Deletes your account (anyone's, as an admin); not the last admin's.
pub async fn DELETE(
    State(state): State<AppState>,
    Extension(me): Extension<User>,
    Path(id): Path<i64>,
) -> ApiResult<NoContent> {
    may_change(&me, id)?;
    if users::delete(&state.db, id).await? {
        Ok(NoContent)
    } else {
        Err(ApiError::not_found(format!("User {id}")))
    }
}
