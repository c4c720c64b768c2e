//! `/api/posts/{id}`: read a post you may see; change or delete your own (any, as admin).

use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::posts::{self, Post, PostChanges};
use crate::{AppState, User};

/// A post you may see; any other is a 404.
pub async fn GET(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
) -> ApiResult<Json<Post>> {
    posts::find_visible(&state.db, id, &me)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("Post {id}")))
}

/// PATCH sends any of the fields; those left out keep their values.
#[derive(Deserialize, Validate, JsonSchema)]
#[schemars(rename = "PostChanges")]
pub struct Changes {
    /// Trimmed; one line (no control characters).
    #[serde(default, deserialize_with = "posts::optional_title")]
    #[garde(custom(posts::title_rule))]
    #[schemars(length(min = 1, max = 200))]
    title: Option<String>,
    /// Line breaks and tabs, but no other control characters.
    #[garde(custom(posts::content_rule))]
    #[schemars(length(max = 100_000))]
    content: Option<String>,
    #[garde(skip)]
    published: Option<bool>,
    /// Replaces the post's tags; `[]` removes them; a blank tag (spaces, controls) is a 422.
    // garde's `inner` on an `Option` reaches the `Vec`, so each tag is `inner(inner(…))`;
    // schemars' `inner` means the array's items, so it gets its own attribute.
    #[garde(length(max = 20), inner(inner(length(chars, min = 1, max = 50))))]
    #[schemars(inner(length(min = 1, max = 50)))]
    tags: Option<Vec<String>>,
}

/// PUT sends `title` and `content`; left out, `published` and `tags` keep their values.
#[derive(Deserialize, Validate, JsonSchema)]
#[schemars(rename = "PostReplacement")]
pub struct Replacement {
    /// Trimmed; one line (no control characters).
    #[serde(deserialize_with = "posts::title")]
    #[garde(custom(posts::title_rule))]
    #[schemars(length(min = 1, max = 200))]
    title: String,
    /// Line breaks and tabs, but no other control characters.
    #[garde(custom(posts::content_rule))]
    #[schemars(length(max = 100_000))]
    content: String,
    #[garde(skip)]
    published: Option<bool>,
    /// Replaces the post's tags; `[]` removes them; a blank tag (spaces, controls) is a 422.
    #[garde(length(max = 20), inner(inner(length(chars, min = 1, max = 50))))]
    #[schemars(inner(length(min = 1, max = 50)))]
    tags: Option<Vec<String>>,
}

/// Your own post, or any as an admin; someone else's post you cannot see is a 404.
async fn check_owner(state: &AppState, me: &User, id: i64) -> ApiResult<()> {
    match posts::author_of(&state.db, id).await? {
        Some(author) if author == me.id || me.is_admin() => Ok(()),
        Some(_) if posts::find_visible(&state.db, id, me).await?.is_some() => {
            Err(ApiError::forbidden("You can only change your own posts"))
        }
        _ => Err(ApiError::not_found(format!("Post {id}"))),
    }
}

async fn apply(state: &AppState, me: &User, id: i64, changes: Changes) -> ApiResult<Json<Post>> {
    check_owner(state, me, id).await?;
    let tags: Option<Vec<String>> = changes
        .tags
        .map(|tags| tags.iter().map(|tag| tag.trim().to_lowercase()).collect());
    posts::update(
        &state.db,
        id,
        PostChanges {
            title: changes.title.as_deref(),
            content: changes.content.as_deref(),
            published: changes.published,
            tags: tags.as_deref(),
        },
    )
    .await?;
    posts::find_visible(&state.db, id, me)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("Post {id}")))
}

/// Replaces your post (any, as an admin): `title` and `content` are required.
pub async fn PUT(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
    Valid(Json(post)): Valid<Json<Replacement>>,
) -> ApiResult<Json<Post>> {
    let changes = Changes {
        title: Some(post.title),
        content: Some(post.content),
        published: post.published,
        tags: post.tags,
    };
    apply(&state, &me, id, changes).await
}

/// Changes the fields sent of your post (any, as an admin).
pub async fn PATCH(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
    Valid(Json(changes)): Valid<Json<Changes>>,
) -> ApiResult<Json<Post>> {
    apply(&state, &me, id, changes).await
}

/// Deletes your post (any, as an admin).
pub async fn DELETE(
    State(state): State<AppState>,
    me: User,
    Path(id): Path<i64>,
) -> ApiResult<NoContent> {
    check_owner(&state, &me, id).await?;
    posts::delete(&state.db, id).await?;
    Ok(NoContent)
}
