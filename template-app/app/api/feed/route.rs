//! `GET /api/feed?page=&limit=&tag=`: the published posts, newest first, for anyone.
//!
//! Cached for `REVALIDATE` seconds per URL (with `REDIS_URL`, once for every replica) and
//! tagged `posts`: every post write drops it (`posts::CACHE_TAG`), before the write's
//! response leaves, so a client's next read shows its write. No sign-in: a request that
//! carries `Authorization` or a cookie is answered uncached.

use fsroute::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::AppState;
use crate::posts::{self, Post};

pub const REVALIDATE: u64 = 60;
pub const TAGS: &[&str] = &["posts"];

#[derive(Deserialize, JsonSchema)]
pub struct FeedQuery {
    /// Only posts with this tag.
    tag: Option<String>,
}

/// The published posts, newest first.
///
/// Anyone may read it, signed in or not; `tag` keeps those with the tag. Served from the
/// cache (`x-fsroute-cache: HIT`) until a post changes or a minute passes.
pub async fn GET(
    State(state): State<AppState>,
    page: Pagination,
    Query(query): Query<FeedQuery>,
) -> ApiResult<Paginated<Post>> {
    if let Some(tag) = &query.tag {
        crate::check_query_text("tag", tag)?;
    }
    let (rows, total) =
        posts::list_published(&state.db, query.tag.as_deref(), page.limit, page.offset()).await?;
    Ok(page.respond(rows, total))
}
