//! `POST /api/auth/register` `{email, name, password}` → 201 with the user. The first
//! user registered is the admin.

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

/// A new account; the first one registered is the admin.
pub async fn POST(
    State(state): State<AppState>,
    Valid(Json(form)): Valid<Json<Registration>>,
) -> ApiResult<Created<User>> {
    let hash = auth::hash_password_blocking(form.password).await?;
    let email = form.email.trim().to_lowercase();
    let user = users::create(&state.db, &email, form.name.trim(), &hash, None).await?;
    Ok(Created::new(
        crate::routes::href::users_by_id(user.id),
        user,
    ))
}
