//! `/api/users/{id}`: read anyone's name, and all of your own account; change or delete
//! yourself, or anyone as an admin. The last admin cannot be demoted or deleted.

use fsroute::error::code;
use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::users::UserProfile;
use crate::{AppState, User, accounts, auth, errors, uploads, users};

/// A user's id and name; all of your own account, or of anyone's as an admin.
///
/// The email, role and creation time are left out of other users' accounts.
pub async fn GET(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserProfile>> {
    users::find(&state.db, id)
        .await?
        .map(|user| Json(UserProfile::seen_by(user, &me)))
        .ok_or_else(|| ApiError::not_found(format!("User {id}")))
}

/// PATCH sends any of the fields; those left out keep their values. Changing your own
/// email or password needs `currentPassword`; a new password, email or role ends the
/// account's sessions (sign in again).
#[derive(Deserialize, Validate, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "UserChanges")]
pub struct Changes {
    /// Trimmed and lower-cased.
    #[serde(default, deserialize_with = "accounts::optional_email")]
    #[garde(custom(accounts::email_rule))]
    #[schemars(email, length(max = 254))]
    email: Option<String>,
    /// Trimmed; no control characters (line breaks, tabs, escapes).
    #[serde(default, deserialize_with = "accounts::optional_name")]
    #[garde(custom(accounts::name_rule))]
    #[schemars(length(min = 1, max = 100))]
    name: Option<String>,
    /// At least 10 characters, not only spaces, and not one of the most common passwords.
    #[garde(custom(accounts::password_rule))]
    #[schemars(length(min = 10, max = 128))]
    password: Option<String>,
    #[garde(pattern("^(admin|user)$"))]
    role: Option<String>,
    /// Your password now: needed to change your own email or password.
    #[garde(length(chars, max = 128))]
    current_password: Option<String>,
}

/// PUT sends `email` and `name`; the password and role keep their values when left out.
/// A different email or a password of your own needs `currentPassword`.
#[derive(Deserialize, Validate, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "UserReplacement")]
pub struct Replacement {
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
    password: Option<String>,
    #[garde(pattern("^(admin|user)$"))]
    role: Option<String>,
    /// Your password now: needed to change your own email or password.
    #[garde(length(chars, max = 128))]
    current_password: Option<String>,
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
    let email = changes.email;
    // A stolen token alone must not be enough to take the account over for good.
    let email_changes = email.as_ref().is_some_and(|email| *email != me.email);
    if me.id == id && (changes.password.is_some() || email_changes) {
        check_current_password(state, me, changes.current_password).await?;
    }
    let hash = match changes.password {
        Some(password) => Some(auth::hash_password_blocking(password).await?),
        None => None,
    };
    users::update(
        &state.db,
        id,
        email.as_deref(),
        changes.name.as_deref(),
        hash.as_deref(),
        changes.role.as_deref(),
    )
    .await?
    .map(Json)
    .ok_or_else(|| ApiError::not_found(format!("User {id}")))
}

async fn check_current_password(
    state: &AppState,
    me: &User,
    current: Option<String>,
) -> ApiResult<()> {
    let Some(current) = current else {
        return Err(
            ApiError::unprocessable("Validation failed for currentPassword")
                .with_code(code::VALIDATION_FAILED)
                .with_details(json!({
                    "fieldErrors": {
                        "currentPassword": ["needed to change your own email or password"]
                    },
                    "formErrors": [],
                })),
        );
    };
    // Guesses here count against the account like failed sign-ins.
    state.account_limiter.check(&me.email)?;
    let stored = users::find_credentials(&state.db, &me.email)
        .await?
        .map(|found| found.password_hash)
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    if auth::verify_password_blocking(current, stored).await? {
        state.account_limiter.succeeded(&me.email);
        Ok(())
    } else {
        state.account_limiter.failed(&me.email);
        Err(ApiError::forbidden("The current password is not right")
            .with_code(errors::INVALID_CURRENT_PASSWORD))
    }
}

/// Replaces your account (anyone's, as an admin): `email` and `name` are required.
pub async fn PUT(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
    Valid(Json(user)): Valid<Json<Replacement>>,
) -> ApiResult<Json<User>> {
    let changes = Changes {
        email: Some(user.email),
        name: Some(user.name),
        password: user.password,
        role: user.role,
        current_password: user.current_password,
    };
    apply(&state, &me, id, changes).await
}

/// Changes the fields sent of your account (anyone's, as an admin).
pub async fn PATCH(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
    Valid(Json(changes)): Valid<Json<Changes>>,
) -> ApiResult<Json<User>> {
    apply(&state, &me, id, changes).await
}

/// Deletes your account (anyone's, as an admin); not the last admin's.
///
/// Its posts and uploaded files go with it.
pub async fn DELETE(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
) -> ApiResult<NoContent> {
    may_change(&me, id)?;
    let files = users::delete(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("User {id}")))?;
    uploads::remove_files(&state.upload_dir(), &files).await;
    Ok(NoContent)
}
