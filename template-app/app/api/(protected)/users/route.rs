//! `GET /api/users?page=&limit=&search=&sortBy=&order=` lists users and
//! `POST /api/users` creates one; admins only.

use fsroute::error::code;
use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::{AppState, User, accounts, auth, users};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Part of a name or email, any case.
    #[serde(default)]
    search: String,
    /// `id` (the default), `name`, `email` or `createdAt`.
    // The handler checks against `users::SORTABLE` and answers with the allowed names; the
    // document lists them too, so clients and fuzzers send only those (a test keeps the
    // two lists equal).
    #[schemars(extend("enum" = ["id", "name", "email", "createdAt"]))]
    sort_by: Option<String>,
    /// `asc` (the default) or `desc`.
    #[schemars(extend("enum" = ["asc", "desc"]))]
    order: Option<String>,
}

/// Users, a page at a time, optionally searched and sorted; admins only.
pub async fn GET(
    State(state): State<AppState>,
    me: User,
    page: Pagination,
    Query(query): Query<ListQuery>,
) -> ApiResult<Paginated<User>> {
    // The directory holds every email and who the admins are.
    if !me.is_admin() {
        return Err(ApiError::forbidden("Only admins can list users"));
    }
    crate::check_query_text("search", &query.search)?;
    let sort_by = query.sort_by.as_deref().unwrap_or("id");
    let Some((_, column)) = users::SORTABLE.iter().find(|(name, _)| *name == sort_by) else {
        let allowed: Vec<&str> = users::SORTABLE.iter().map(|(name, _)| *name).collect();
        return Err(ApiError::bad_request(format!(
            "Invalid query parameter `sortBy`: `{sort_by}` is not one of {}",
            allowed.join(", ")
        ))
        .with_code(code::INVALID_QUERY)
        .with_details(json!({ "field": "sortBy", "allowed": allowed })));
    };
    let descending = match query.order.as_deref().unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid query parameter `order`: `{other}` is not `asc` or `desc`"
            ))
            .with_code(code::INVALID_QUERY)
            .with_details(json!({ "field": "order", "allowed": ["asc", "desc"] })));
        }
    };
    let (rows, total) = users::list(
        &state.db,
        query.search.trim(),
        column,
        descending,
        page.limit,
        page.offset(),
    )
    .await?;
    Ok(page.respond(rows, total))
}

#[derive(Deserialize, Validate, JsonSchema)]
pub struct NewUser {
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
    /// `admin` or `user` (the default).
    #[garde(pattern("^(admin|user)$"))]
    role: Option<String>,
}

/// Creates a user; admins only.
pub async fn POST(
    State(state): State<AppState>,
    me: User,
    Valid(Json(form)): Valid<Json<NewUser>>,
) -> ApiResult<Created<User>> {
    if !me.is_admin() {
        return Err(ApiError::forbidden("Only admins can create users"));
    }
    let hash = auth::hash_password_blocking(form.password).await?;
    let role = form.role.as_deref().unwrap_or("user");
    let user = users::create(&state.db, &form.email, &form.name, &hash, role).await?;
    Ok(Created::new(
        crate::routes::href::users_by_id(user.id),
        user,
    ))
}
