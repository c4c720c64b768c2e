// The template's queries (template-app/src/users.rs and posts.rs), with the same SQL text,
// on SQLite through better-sqlite3 or on PostgreSQL through `pg`, chosen by DATABASE_URL
// as the template chooses: `sqlite://PATH` or `postgres://…`.

import { ApiError, conflict, validationFailed, CONTROLS } from "./errors.js";

// posts.rs: the tags of a post come back in one text column, separated by U+001F.
const SEP = "\u001f";
const SELECT =
  "SELECT p.id, p.author_id, p.title, p.content, CAST(p.published AS INTEGER), " +
  `(SELECT string_agg(t.name, '${SEP}' ORDER BY t.name) FROM post_tags pt ` +
  "JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id) AS tags, " +
  "p.created_at, p.updated_at FROM posts p";
const VISIBLE = "(p.published OR p.author_id = $1 OR $2 = 'admin')";
const TAGGED =
  "($3 IS NULL OR EXISTS (SELECT 1 FROM post_tags pt JOIN tags t ON t.id = pt.tag_id " +
  "WHERE pt.post_id = p.id AND t.name = $3))";

const SQL = {
  session: "SELECT id, email, name, role, created_at, token_version FROM users WHERE id = $1",
  credentials:
    "SELECT id, email, name, role, created_at, password_hash, token_version FROM users WHERE email = $1",
  findVisible: `${SELECT} WHERE ${VISIBLE} AND p.id = $3`,
  // posts.rs `list_visible`: the total without a tag sums the per-author counts that the
  // template's triggers keep (migration 8); with a tag it counts.
  countAll:
    "SELECT CAST(COALESCE(SUM(p.n), 0) AS BIGINT) FROM post_counts p " +
    "WHERE p.published OR p.author_id = $1 OR $2 = 'admin'",
  count: `SELECT COUNT(*) FROM posts p WHERE ${VISIBLE} AND ${TAGGED}`,
  page: `${SELECT} WHERE ${VISIBLE} AND ${TAGGED} ORDER BY p.created_at DESC, p.id DESC LIMIT $4 OFFSET $5`,
  insertPost:
    "INSERT INTO posts (author_id, title, content, published, created_at, updated_at) " +
    "VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
};

// posts.rs `link_tags`: two statements for all of a post's tags, their placeholders made
// for the number of tags.
const placeholders = (first, count) => Array.from({ length: count }, (_, i) => `$${first + i}`);
const insertTags = (count) =>
  `INSERT INTO tags (name) VALUES ${placeholders(1, count).map((p) => `(${p})`).join(", ")} ` +
  "ON CONFLICT (name) DO NOTHING";
const linkTags = (count) =>
  "INSERT INTO post_tags (post_id, tag_id) SELECT $1, id FROM tags WHERE name IN " +
  `(${placeholders(2, count).join(", ")})`;

/** Now, as the template stores timestamps: ISO 8601 in UTC with milliseconds. */
const now = () => new Date().toISOString();

function user(row) {
  return { id: Number(row.id), email: row.email, name: row.name, role: row.role, createdAt: row.created_at };
}

/** A post row, its columns in SELECT order (raw rows: arrays). */
function post(row) {
  const [id, authorId, title, content, published, tags, createdAt, updatedAt] = row;
  return {
    id: Number(id),
    authorId: Number(authorId),
    title,
    content,
    published: Number(published) !== 0,
    tags: tags === null ? [] : tags.split(SEP),
    createdAt,
    updatedAt,
  };
}

/** posts.rs `link_tags`: control characters removed, then trimmed; a blank tag is a 422. */
function cleanTag(tag, index) {
  const cleaned = tag.replace(CONTROLS, "").trim();
  if (cleaned === "") {
    const field = `tags[${index}]`;
    throw validationFailed({ [field]: ["a tag cannot be blank"] });
  }
  return cleaned;
}

const twice = (tag) => conflict(`The tag \`${tag}\` is given twice`);

/** The tags cleaned, in order; a tag given twice is a 409 (posts.rs `link_tags`). */
function cleanTags(tags) {
  const names = [];
  tags.forEach((raw, index) => {
    const tag = cleanTag(raw, index);
    if (names.includes(tag)) throw twice(tag);
    names.push(tag);
  });
  return names;
}

// ---- SQLite ----

async function openSqlite(url) {
  const { default: Database } = await import("better-sqlite3");
  const path = url.replace(/^sqlite:/, "").replace(/^\/\//, "").split("?")[0];
  const db = new Database(path);
  // The template's connections (fsroute::db::SQLITE_CONNECTION_SETTINGS): WAL,
  // `synchronous = FULL` (one fsync per commit), `busy_timeout = 5000`, `foreign_keys =
  // ON`. better-sqlite3 builds SQLite with WAL's default lowered to NORMAL (no fsync per
  // commit), so the template's durability is set here explicitly.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  // `$1` in the SQL is SQLite's named parameter "$1": bound from an object's key "1".
  const statements = Object.fromEntries(Object.entries(SQL).map(([name, text]) => [name, db.prepare(text)]));
  statements.findVisible.raw(true);
  statements.page.raw(true);
  statements.count.pluck(true);
  statements.countAll.pluck(true);
  // The tag statements, prepared once per number of tags.
  const tagStatements = new Map();
  const tagStatementsFor = (count) => {
    if (!tagStatements.has(count)) {
      tagStatements.set(count, { insert: db.prepare(insertTags(count)), link: db.prepare(linkTags(count)) });
    }
    return tagStatements.get(count);
  };
  const args = (...values) => Object.fromEntries(values.map((value, index) => [String(index + 1), value]));
  const createTx = db.transaction((authorId, title, content, published, tags) => {
    const { id } = statements.insertPost.get(args(authorId, title, content, published ? 1 : 0, now()));
    const names = cleanTags(tags);
    if (names.length > 0) {
      const { insert, link } = tagStatementsFor(names.length);
      insert.run(args(...names));
      link.run(args(id, ...names));
    }
    return id;
  });
  return {
    async session(id) {
      const row = statements.session.get(args(id));
      return row && { user: user(row), version: Number(row.token_version) };
    },
    async credentials(email) {
      const row = statements.credentials.get(args(email));
      return row && { user: user(row), hash: row.password_hash, version: Number(row.token_version) };
    },
    async findVisible(viewer, id) {
      const row = statements.findVisible.get(args(viewer.id, viewer.role, id));
      return row ? post(row) : null;
    },
    async listVisible(viewer, tag, limit, offset) {
      const count =
        tag === null
          ? statements.countAll.get(args(viewer.id, viewer.role))
          : statements.count.get(args(viewer.id, viewer.role, tag));
      const rows = statements.page.all(args(viewer.id, viewer.role, tag, limit, offset));
      return { rows: rows.map(post), total: Number(count) };
    },
    async createPost(authorId, title, content, published, tags) {
      return Number(createTx(authorId, title, content, published, tags));
    },
  };
}

// ---- PostgreSQL ----

// sqlx tells PostgreSQL each parameter's type; `pg` sends none and lets the server infer
// them, which it cannot for `$3 IS NULL`. The one change to the template's SQL text on
// PostgreSQL is that cast.
const PG_SQL = {
  ...SQL,
  count: SQL.count.replace("$3 IS NULL", "$3::text IS NULL"),
  page: SQL.page.replace("$3 IS NULL", "$3::text IS NULL"),
};

async function openPostgres(url) {
  const { default: pg } = await import("pg");
  const SQL = PG_SQL;
  // BIGINT ids and COUNT(*) as numbers, as the template's i64 (all far below 2^53 here).
  pg.types.setTypeParser(20, (text) => Number(text));
  // The template's pool: DB_MAX_CONNECTIONS, default 8.
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.DB_MAX_CONNECTIONS || 8) });
  const one = async (text, values) => (await pool.query({ text, values })).rows[0];
  const rows = async (text, values) => (await pool.query({ text, values, rowMode: "array" })).rows;
  return {
    async session(id) {
      const row = await one(SQL.session, [id]);
      return row && { user: user(row), version: Number(row.token_version) };
    },
    async credentials(email) {
      const row = await one(SQL.credentials, [email]);
      return row && { user: user(row), hash: row.password_hash, version: Number(row.token_version) };
    },
    async findVisible(viewer, id) {
      const [row] = await rows(SQL.findVisible, [viewer.id, viewer.role, id]);
      return row ? post(row) : null;
    },
    async listVisible(viewer, tag, limit, offset) {
      const [[count]] =
        tag === null
          ? await rows(SQL.countAll, [viewer.id, viewer.role])
          : await rows(SQL.count, [viewer.id, viewer.role, tag]);
      const page = await rows(SQL.page, [viewer.id, viewer.role, tag, limit, offset]);
      return { rows: page.map(post), total: Number(count) };
    },
    async createPost(authorId, title, content, published, tags) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query({ text: SQL.insertPost, values: [authorId, title, content, published, now()] });
        const id = rows[0].id;
        const names = cleanTags(tags);
        if (names.length > 0) {
          await client.query({ text: insertTags(names.length), values: names });
          await client.query({ text: linkTags(names.length), values: [id, ...names] });
        }
        await client.query("COMMIT");
        return Number(id);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/** One database for the whole server: route bundles share it through `globalThis`. */
export function db() {
  if (!globalThis.__benchDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new ApiError(500, "INTERNAL_ERROR", "Internal server error");
    globalThis.__benchDb = url.startsWith("sqlite:") ? openSqlite(url) : openPostgres(url);
  }
  return globalThis.__benchDb;
}
