//! `GET /api/posts?page=&limit=&tag=`: posts you may see (published ones, your own, all
//! for an admin), newest first. `POST /api/posts`: a new post by you, with its tags.

use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::posts::{self, Post, PostChanges};
use crate::{AppState, User};

#[derive(Deserialize, JsonSchema)]
pub struct ListQuery {
    /// Only posts with this tag.
    tag: Option<String>,
}

/// Posts you may see, newest first.
///
/// Published posts, your own, or all of them for an admin; `tag` keeps those with the tag.
pub async fn GET(
    State(state): State<AppState>,
    me: User,
    page: Pagination,
    Query(query): Query<ListQuery>,
) -> ApiResult<Paginated<Post>> {
    if let Some(tag) = &query.tag {
        crate::check_query_text("tag", tag)?;
    }
    let (rows, total) = posts::list_visible(
        &state.db,
        &me,
        query.tag.as_deref(),
        page.limit,
        page.offset(),
    )
    .await?;
    Ok(page.respond(rows, total))
}

#[derive(Deserialize, Validate, JsonSchema)]
pub struct NewPost {
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
    #[serde(default)]
    published: bool,
    /// Trimmed and lower-cased; a blank tag (spaces, controls) is a 422.
    #[garde(length(max = 20), inner(length(chars, min = 1, max = 50)))]
    #[serde(default)]
    tags: Vec<String>,
}

/// A new post by you, with its tags (trimmed and lower-cased).
pub async fn POST(
    State(state): State<AppState>,
    me: User,
    Valid(Json(post)): Valid<Json<NewPost>>,
) -> ApiResult<Created<Post>> {
    let tags: Vec<String> = post
        .tags
        .iter()
        .map(|tag| tag.trim().to_lowercase())
        .collect();
    let id = posts::create(
        &state.db,
        me.id,
        PostChanges {
            title: Some(&post.title),
            content: Some(&post.content),
            published: Some(post.published),
            tags: Some(&tags),
        },
    )
    .await?;
    let created = posts::find_visible(&state.db, id, &me)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Post {id}")))?;
    Ok(Created::new(crate::routes::href::posts_by_id(id), created))
}
