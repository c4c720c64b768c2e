//! Posts and their tags. Every write that touches several rows is one transaction.

use fsroute::ApiError;
use fsroute::error::code;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use sqlx::{Any, Transaction};

use crate::accounts::{self, Text};
use crate::db::{Db, now_timestamp};
use crate::users::User;

/// The most characters of a title, after trimming.
pub const MAX_TITLE_CHARS: usize = 200;
/// The most characters of a post's content.
pub const MAX_CONTENT_CHARS: usize = 100_000;

/// How a title is stored: without surrounding spaces. Bodies read titles through
/// [`title`] (serde's `deserialize_with`), so the rule checks what will be stored.
pub fn normalize_title(raw: &str) -> String {
    raw.trim().to_string()
}

/// Whether a (normalised) title may be stored; the reason when not. A title is one line:
/// control characters (line breaks, tabs, escapes, NUL) are refused.
pub fn check_title(title: &str) -> Result<(), String> {
    if title.is_empty() {
        return Err("a title cannot be blank".to_string());
    }
    if title.chars().any(char::is_control) {
        return Err(
            "a title cannot contain control characters (line breaks, tabs, escapes)".to_string(),
        );
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!("a title has at most {MAX_TITLE_CHARS} characters"));
    }
    Ok(())
}

/// Whether content may be stored: text over lines, so line breaks and tabs are kept, but
/// no other control character (NUL, which PostgreSQL cannot store; escapes, which fake
/// colours and lines wherever the text is printed).
pub fn check_content(content: &str) -> Result<(), String> {
    if content
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(
            "content cannot contain control characters other than line breaks and tabs".to_string(),
        );
    }
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(format!(
            "content has at most {MAX_CONTENT_CHARS} characters"
        ));
    }
    Ok(())
}

/// `deserialize_with` for a title: trimmed.
pub fn title<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    String::deserialize(deserializer).map(|raw| normalize_title(&raw))
}

/// `deserialize_with` for an optional title (use with `#[serde(default)]`).
pub fn optional_title<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|raw| raw.map(|raw| normalize_title(&raw)))
}

/// `#[garde(custom(posts::title_rule))]`
pub fn title_rule<T: Text + ?Sized>(value: &T, _: &()) -> garde::Result {
    accounts::rule(value.text(), check_title)
}

/// `#[garde(custom(posts::content_rule))]`
pub fn content_rule<T: Text + ?Sized>(value: &T, _: &()) -> garde::Result {
    accounts::rule(value.text(), check_content)
}

/// A post as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    pub content: String,
    /// Unpublished posts are seen only by their author and admins.
    pub published: bool,
    /// Lower case, sorted.
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `published` comes back as an integer from both databases (SQLite has no booleans).
type PostRow = (
    i64,
    i64,
    String,
    String,
    i64,
    Option<String>,
    String,
    String,
);

/// Separates tag names in the one text column a post's tags come back in. Tag names
/// cannot contain it: control characters are removed when a tag is stored.
const TAG_SEPARATOR: char = '\u{1f}';

// SQL as literals, so that queries stay `&'static str` (sqlx refuses SQL built at run
// time). Parameters are `$1`, `$2`…: PostgreSQL's form, which SQLite understands too, so
// one text serves both databases. `string_agg(… ORDER BY …)` exists in both (SQLite
// since 3.44; sqlx bundles a newer one).
macro_rules! select {
    () => {
        "SELECT p.id, p.author_id, p.title, p.content, CAST(p.published AS INTEGER), \
         (SELECT string_agg(t.name, '\u{1f}' ORDER BY t.name) FROM post_tags pt \
          JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id) AS tags, \
         p.created_at, p.updated_at FROM posts p"
    };
}

/// Who may see a post: published ones, your own ($1), and everything for an admin ($2).
macro_rules! visible {
    () => {
        "(p.published OR p.author_id = $1 OR $2 = 'admin')"
    };
}

/// Posts with the tag $3, or all when it is `NULL`.
macro_rules! tagged {
    () => {
        "($3 IS NULL OR EXISTS (SELECT 1 FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
          WHERE pt.post_id = p.id AND t.name = $3))"
    };
}

fn from_row(row: PostRow) -> Post {
    let (id, author_id, title, content, published, tags, created_at, updated_at) = row;
    Post {
        id,
        author_id,
        title,
        content,
        published: published != 0,
        tags: tags
            .map(|tags| tags.split(TAG_SEPARATOR).map(str::to_string).collect())
            .unwrap_or_default(),
        created_at,
        updated_at,
    }
}

/// A post the viewer may see.
#[tracing::instrument(name = "SELECT posts", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn find_visible(db: &Db, id: i64, viewer: &User) -> Result<Option<Post>, ApiError> {
    let row: Option<PostRow> =
        sqlx::query_as(concat!(select!(), " WHERE ", visible!(), " AND p.id = $3"))
            .bind(viewer.id)
            .bind(&viewer.role)
            .bind(id)
            .fetch_optional(db.reads())
            .await?;
    Ok(row.map(from_row))
}

/// The cache tag of every response that shows posts (`/api/feed`'s `TAGS`): each write
/// below drops them with `revalidate_tag`, before its response leaves.
pub const CACHE_TAG: &str = "posts";

/// One page of the posts the viewer may see, newest first, optionally with a tag.
#[tracing::instrument(name = "SELECT posts", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn list_visible(
    db: &Db,
    viewer: &User,
    tag: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Post>, u64), ApiError> {
    list_seen_by(db, viewer.id, &viewer.role, tag, limit, offset).await
}

/// One page of the published posts, newest first, optionally with a tag: what anyone
/// may see.
#[tracing::instrument(name = "SELECT posts", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn list_published(
    db: &Db,
    tag: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Post>, u64), ApiError> {
    // No account has id 0 and `anyone` is no role: only published posts are visible.
    list_seen_by(db, 0, "anyone", tag, limit, offset).await
}

async fn list_seen_by(
    db: &Db,
    viewer_id: i64,
    viewer_role: &str,
    tag: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Post>, u64), ApiError> {
    let total: i64 = match tag {
        // The counts per author and published state (migration 8): a sum over a row or
        // two per author instead of a pass over every post.
        None => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(p.n), 0) AS BIGINT) FROM post_counts p \
                 WHERE p.published OR p.author_id = $1 OR $2 = 'admin'",
            )
            .bind(viewer_id)
            .bind(viewer_role)
            .fetch_one(db.reads())
            .await?
        }
        Some(tag) => {
            sqlx::query_scalar(concat!(
                "SELECT COUNT(*) FROM posts p WHERE ",
                visible!(),
                " AND ",
                tagged!()
            ))
            .bind(viewer_id)
            .bind(viewer_role)
            .bind(tag)
            .fetch_one(db.reads())
            .await?
        }
    };
    let rows: Vec<PostRow> = sqlx::query_as(concat!(
        select!(),
        " WHERE ",
        visible!(),
        " AND ",
        tagged!(),
        " ORDER BY p.created_at DESC, p.id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(viewer_id)
    .bind(viewer_role)
    .bind(tag)
    .bind(limit as i64)
    .bind(offset as i64)
    .fetch_all(db.reads())
    .await?;
    Ok((rows.into_iter().map(from_row).collect(), total as u64))
}

/// What a write sets; `None` keeps the stored value (tags: keeps the stored tags).
pub struct PostChanges<'a> {
    pub title: Option<&'a str>,
    pub content: Option<&'a str>,
    pub published: Option<bool>,
    pub tags: Option<&'a [String]>,
}

/// Creates a post with its tags: the post, any new tags and the links, or nothing.
#[tracing::instrument(name = "INSERT posts", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn create(db: &Db, author_id: i64, changes: PostChanges<'_>) -> Result<i64, ApiError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO posts (author_id, title, content, published, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(author_id)
    .bind(changes.title.unwrap_or_default())
    .bind(changes.content.unwrap_or_default())
    .bind(changes.published.unwrap_or(false))
    .bind(now_timestamp())
    .fetch_one(&mut **tx)
    .await?;
    if let Some(tags) = changes.tags {
        link_tags(&mut tx, id, tags).await?;
    }
    tx.commit().await?;
    fsroute::cache::revalidate_tag(CACHE_TAG);
    Ok(id)
}

/// Updates a post and, when given, replaces its tags, in one transaction.
#[tracing::instrument(name = "UPDATE posts", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn update(db: &Db, id: i64, changes: PostChanges<'_>) -> Result<(), ApiError> {
    let mut tx = db.write().await?;
    sqlx::query(
        "UPDATE posts SET title = COALESCE($1, title), content = COALESCE($2, content), \
         published = COALESCE($3, published), updated_at = $4 WHERE id = $5",
    )
    .bind(changes.title)
    .bind(changes.content)
    .bind(changes.published)
    .bind(now_timestamp())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if let Some(tags) = changes.tags {
        sqlx::query("DELETE FROM post_tags WHERE post_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        link_tags(&mut tx, id, tags).await?;
    }
    tx.commit().await?;
    fsroute::cache::revalidate_tag(CACHE_TAG);
    Ok(())
}

/// Tags are created on first use. The same tag twice in one post is a 409, and a tag of
/// nothing but spaces and control characters is a 422 (it would be stored as an empty
/// name); either fails the transaction, so nothing of the write is kept.
///
/// Two statements whatever the number of tags, not two per tag: the transaction holds
/// SQLite's one write turn, and every statement is a trip to the connection's thread, so
/// the fewer there are the sooner the next writer goes.
async fn link_tags(
    tx: &mut Transaction<'_, Any>,
    post_id: i64,
    tags: &[String],
) -> Result<(), ApiError> {
    let mut names: Vec<String> = Vec::with_capacity(tags.len());
    for (index, tag) in tags.iter().enumerate() {
        let tag: String = tag.chars().filter(|c| !c.is_control()).collect();
        let tag = tag.trim();
        if tag.is_empty() {
            let field = format!("tags[{index}]");
            return Err(
                ApiError::unprocessable(format!("Validation failed for {field}"))
                    .with_code(code::VALIDATION_FAILED)
                    .with_details(json!({
                        "fieldErrors": { field: ["a tag cannot be blank"] },
                        "formErrors": [],
                    })),
            );
        }
        if names.iter().any(|name| name == tag) {
            return Err(ApiError::conflict(format!(
                "The tag `{tag}` is given twice"
            )));
        }
        names.push(tag.to_string());
    }
    if names.is_empty() {
        return Ok(());
    }
    // `$1`, `$2`…: only placeholders are built here, never values (at most 20 tags, so
    // at most 20 shapes of each statement for sqlx's statement cache).
    let numbered = |first: usize, each: fn(usize) -> String| -> String {
        (first..first + names.len())
            .map(each)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tags (name) VALUES {} ON CONFLICT (name) DO NOTHING",
        numbered(1, |n| format!("(${n})"))
    )));
    for name in &names {
        insert = insert.bind(name);
    }
    insert.execute(&mut **tx).await?;
    let mut link = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO post_tags (post_id, tag_id) SELECT $1, id FROM tags WHERE name IN ({})",
        numbered(2, |n| format!("${n}"))
    )))
    .bind(post_id);
    for name in &names {
        link = link.bind(name);
    }
    link.execute(&mut **tx).await?;
    Ok(())
}

#[tracing::instrument(name = "SELECT posts", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn author_of(db: &Db, id: i64) -> Result<Option<i64>, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT author_id FROM posts WHERE id = $1")
            .bind(id)
            .fetch_optional(db.reads())
            .await?,
    )
}

#[tracing::instrument(name = "DELETE posts", skip_all, fields(otel.kind = "client", db.system.name = db.system_name()))]
pub async fn delete(db: &Db, id: i64) -> Result<(), ApiError> {
    let mut write = db.write().await?;
    sqlx::query("DELETE FROM posts WHERE id = $1")
        .bind(id)
        .execute(&mut **write)
        .await?;
    write.commit().await?;
    fsroute::cache::revalidate_tag(CACHE_TAG);
    Ok(())
}
