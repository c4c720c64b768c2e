//! Posts and their tags. Every write that touches several rows is one transaction.

use fsroute::ApiError;
use serde::Serialize;
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::users::User;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    pub content: String,
    pub published: bool,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

type PostRow = (i64, i64, String, String, bool, String, String, String);

/// Literals, so that queries stay `&'static str` (sqlx refuses SQL built at run time).
macro_rules! select {
    () => {
        "SELECT p.id, p.author_id, p.title, p.content, p.published, \
         (SELECT COALESCE(json_group_array(name), '[]') FROM \
             (SELECT t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
              WHERE pt.post_id = p.id ORDER BY t.name)) AS tags, \
         p.created_at, p.updated_at FROM posts p"
    };
}

/// Who may see a post: published ones, your own, and everything for an admin.
macro_rules! visible {
    () => {
        "(p.published = 1 OR p.author_id = ? OR ? = 'admin')"
    };
}

/// Posts with a tag, or all when the tag is `NULL`.
macro_rules! tagged {
    () => {
        "(? IS NULL OR EXISTS (SELECT 1 FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
          WHERE pt.post_id = p.id AND t.name = ?))"
    };
}

fn from_row(row: PostRow) -> Post {
    let (id, author_id, title, content, published, tags, created_at, updated_at) = row;
    Post {
        id,
        author_id,
        title,
        content,
        published,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        created_at,
        updated_at,
    }
}

/// A post the viewer may see.
pub async fn find_visible(
    db: &SqlitePool,
    id: i64,
    viewer: &User,
) -> Result<Option<Post>, ApiError> {
    let row: Option<PostRow> =
        sqlx::query_as(concat!(select!(), " WHERE p.id = ? AND ", visible!()))
            .bind(id)
            .bind(viewer.id)
            .bind(&viewer.role)
            .fetch_optional(db)
            .await?;
    Ok(row.map(from_row))
}

/// One page of the posts the viewer may see, newest first, optionally with a tag.
pub async fn list_visible(
    db: &SqlitePool,
    viewer: &User,
    tag: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Post>, u64), ApiError> {
    let total: i64 = sqlx::query_scalar(concat!(
        "SELECT COUNT(*) FROM posts p WHERE ",
        visible!(),
        " AND ",
        tagged!()
    ))
    .bind(viewer.id)
    .bind(&viewer.role)
    .bind(tag)
    .bind(tag)
    .fetch_one(db)
    .await?;
    let rows: Vec<PostRow> = sqlx::query_as(concat!(
        select!(),
        " WHERE ",
        visible!(),
        " AND ",
        tagged!(),
        " ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?"
    ))
    .bind(viewer.id)
    .bind(&viewer.role)
    .bind(tag)
    .bind(tag)
    .bind(limit as i64)
    .bind(offset as i64)
    .fetch_all(db)
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
pub async fn create(
    db: &SqlitePool,
    author_id: i64,
    changes: PostChanges<'_>,
) -> Result<i64, ApiError> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO posts (author_id, title, content, published) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(author_id)
    .bind(changes.title.unwrap_or_default())
    .bind(changes.content.unwrap_or_default())
    .bind(changes.published.unwrap_or(false))
    .fetch_one(&mut *tx)
    .await?;
    if let Some(tags) = changes.tags {
        link_tags(&mut tx, id, tags).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Updates a post and, when given, replaces its tags, in one transaction.
pub async fn update(db: &SqlitePool, id: i64, changes: PostChanges<'_>) -> Result<(), ApiError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE posts SET title = COALESCE(?, title), content = COALESCE(?, content), \
         published = COALESCE(?, published), \
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
    )
    .bind(changes.title)
    .bind(changes.content)
    .bind(changes.published)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if let Some(tags) = changes.tags {
        sqlx::query("DELETE FROM post_tags WHERE post_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        link_tags(&mut tx, id, tags).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Tags are created on first use. The same tag twice in one post is a 409, and because
/// it fails inside the transaction, nothing of the write is kept.
async fn link_tags(
    tx: &mut Transaction<'_, Sqlite>,
    post_id: i64,
    tags: &[String],
) -> Result<(), ApiError> {
    for tag in tags {
        sqlx::query("INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING")
            .bind(tag)
            .execute(&mut **tx)
            .await?;
        let linked = sqlx::query(
            "INSERT INTO post_tags (post_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
        )
        .bind(post_id)
        .bind(tag)
        .execute(&mut **tx)
        .await;
        match linked {
            Ok(_) => {}
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                return Err(ApiError::conflict(format!(
                    "The tag `{tag}` is given twice"
                )));
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

pub async fn author_of(db: &SqlitePool, id: i64) -> Result<Option<i64>, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT author_id FROM posts WHERE id = ?")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn delete(db: &SqlitePool, id: i64) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM posts WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
