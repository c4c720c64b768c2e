//! One seeded database for both contestants: the template's own migrations and accounts
//! (registered through its API, so the argon2 hashes are its own), then 10,000 posts with
//! two tags each written by SQL that follows its schema, from a fixed random seed.

use std::path::{Path, PathBuf};

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

use crate::client::{self, Spec};

pub const USERS: usize = 20;
pub const POSTS: usize = 10_000;
pub const TAGS: usize = 40;
pub const ADMIN_EMAIL: &str = "admin@bench.example";
pub const ADMIN_PASSWORD: &str = "bench admin password 7f3a";

/// The password of `user01@bench.example` … `user20@bench.example`.
pub fn user_password(n: usize) -> String {
    format!("bench user password {n:02} q8z")
}

pub fn user_email(n: usize) -> String {
    format!("user{n:02}@bench.example")
}

/// Registers the users through the running template app (`port`).
pub async fn register_users(port: u16) {
    for n in 1..=USERS {
        let body = serde_json::json!({
            "email": user_email(n),
            "name": format!("User {n:02}"),
            "password": user_password(n),
        });
        let answer = client::send(
            port,
            &Spec::post_json("/api/auth/register", body.to_string()),
        )
        .await;
        assert_eq!(
            answer.status,
            202,
            "registering user {n}: {:?}",
            answer.json()
        );
    }
}

/// A small fixed-seed generator (xorshift64*): the same posts on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "router",
    "handler",
    "request",
    "response",
    "database",
    "query",
    "index",
    "page",
    "token",
    "session",
    "latency",
    "throughput",
    "schema",
    "migration",
    "cache",
    "connection",
    "pool",
    "transaction",
    "commit",
    "journal",
    "benchmark",
    "server",
    "client",
    "header",
    "body",
    "status",
    "error",
    "field",
    "value",
    "record",
    "table",
    "column",
    "row",
    "limit",
    "offset",
];

/// `2026-01-01T00:00:00.000Z` plus `millis`, in the template's timestamp format.
fn timestamp(millis: u64) -> String {
    let seconds = millis / 1000;
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Days from 1970-01-01 to a civil date (H. Hinnant's algorithm), from 2026-01-01.
    let z = days as i64 + 20_454 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        millis % 1000
    )
}

/// The users' ids by number (1 = user01), read back from the database.
async fn user_ids(pool: &AnyPool) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 1..=USERS {
        let id: i64 = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(user_email(n))
            .fetch_one(pool)
            .await
            .expect("a registered user")
            .get(0);
        ids.push(id);
    }
    ids
}

/// Writes the posts, their tags and links in one transaction. Post 5001 is published (the
/// measured single read); about one in five of the others is not.
pub async fn write_posts(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap_or_else(|err| panic!("cannot open the seed database: {err}"));
    let users = user_ids(&pool).await;
    let mut random = Random(0x5eed_f00d_2026_0022);
    let mut tx = pool.begin().await.expect("a transaction");
    let mut tag_ids = Vec::new();
    for n in 0..TAGS {
        let id: i64 = sqlx::query("INSERT INTO tags (name) VALUES ($1) RETURNING id")
            .bind(format!("topic-{n:02}"))
            .fetch_one(&mut *tx)
            .await
            .expect("a tag")
            .get(0);
        tag_ids.push(id);
    }
    let mut clock = 0u64;
    for n in 1..=POSTS {
        clock += 30_000 + random.below(60_000);
        let at = timestamp(clock);
        let author = users[random.below(USERS as u64) as usize];
        let published = n == 5001 || random.below(100) >= 20;
        let title = format!(
            "Post {n}: the {} and the {}",
            WORDS[random.below(WORDS.len() as u64) as usize],
            WORDS[random.below(WORDS.len() as u64) as usize]
        );
        let sentences = 3 + random.below(8);
        let mut content = String::new();
        for _ in 0..sentences {
            let words: Vec<&str> = (0..8 + random.below(10))
                .map(|_| WORDS[random.below(WORDS.len() as u64) as usize])
                .collect();
            content.push_str(&words.join(" "));
            content.push_str(".\n");
        }
        let id: i64 = sqlx::query(
            "INSERT INTO posts (author_id, title, content, published, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(author)
        .bind(title)
        .bind(content)
        .bind(published)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .expect("a post")
        .get(0);
        assert_eq!(id, n as i64, "posts are numbered from 1 in order");
        let first = random.below(TAGS as u64) as usize;
        let second = (first + 1 + random.below(TAGS as u64 - 1) as usize) % TAGS;
        for tag in [first, second] {
            sqlx::query("INSERT INTO post_tags (post_id, tag_id) VALUES ($1, $2)")
                .bind(id)
                .bind(tag_ids[tag])
                .execute(&mut *tx)
                .await
                .expect("a post's tag");
        }
    }
    tx.commit().await.expect("the seed commits");
    if url.starts_with("sqlite:") {
        // Everything into the main file, so that a copy of it alone is the whole database.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .expect("a checkpoint");
    }
    pool.close().await;
}

/// Ids the correctness pass needs: an unpublished post of user01's, and one of someone
/// else's.
pub async fn unpublished_posts(url: &str) -> (i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("the seed database");
    let own: i64 = sqlx::query(
        "SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id \
         WHERE u.email = $1 AND NOT p.published ORDER BY p.id LIMIT 1",
    )
    .bind(user_email(1))
    .fetch_one(&pool)
    .await
    .expect("user01 has an unpublished post")
    .get(0);
    let other: i64 = sqlx::query(
        "SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id \
         WHERE u.email <> $1 AND NOT p.published ORDER BY p.id LIMIT 1",
    )
    .bind(user_email(1))
    .fetch_one(&pool)
    .await
    .expect("someone else has an unpublished post")
    .get(0);
    pool.close().await;
    (own, other)
}

/// `sqlite://…` for a database file.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A byte-identical copy of the seeded file into a new folder of `parent`.
pub fn copy_sqlite(seed: &Path, parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a data folder");
    std::fs::copy(seed, dir.join("app.db")).expect("a copy of the seeded database");
    // The copy's pages on disk now, and whatever else is waiting to be written: left to
    // the kernel, they were written back in the middle of the next timed run, and a
    // create run's fsyncs waited behind them (one contestant's 1,288 creates/s fell to
    // 742 in the next round).
    unsafe { libc::sync() };
    dir
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps() {
        assert_eq!(super::timestamp(0), "2026-01-01T00:00:00.000Z");
        assert_eq!(
            super::timestamp(86_400_000 * 59 + 3_723_004),
            "2026-03-01T01:02:03.004Z"
        );
    }
}
