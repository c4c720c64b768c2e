// GET /api/posts?page=&limit=&tag= and POST /api/posts, as
// template-app/app/api/(protected)/posts/route.rs with fsroute's `Pagination`.
import {
  ApiError, answer, jsonBody, expectObject, field, chars, CONTROL, validationFailed, notFound,
} from "../../../lib/errors.js";
import { signedInUser } from "../../../lib/auth.js";
import { db } from "../../../lib/db.js";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const DEFAULT_LIMIT = 20n;
const MAX_LIMIT = 100n;
const MAX_PAGE = 9223372036854775807n / MAX_LIMIT;

/** The first value of a parameter, decoded as form_urlencoded does (`+` is a space). */
function first(query, name) {
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const decode = (text) => {
      try {
        return decodeURIComponent(text.replaceAll("+", " "));
      } catch {
        return text; // form_urlencoded keeps what does not decode
      }
    };
    const key = decode(at < 0 ? pair : pair.slice(0, at));
    if (key === name) return decode(at < 0 ? "" : pair.slice(at + 1));
  }
  return null;
}

/** pagination.rs `parse_in_range`: trimmed, then a u64 (a leading `+` allowed) from 1 to max. */
function inRange(name, value, fallback, max) {
  if (value === null) return fallback;
  const text = value.trim();
  if (/^\+?[0-9]+$/.test(text)) {
    const number = BigInt(text);
    if (number >= 1n && number <= max) return number;
  }
  const reason = `must be a whole number from 1 to ${max}`;
  throw new ApiError(400, "INVALID_QUERY", `Invalid query parameter \`${name}\`: ${reason}, got \`${value}\``, {
    field: name,
    reason,
    value,
  });
}

export function GET(request) {
  return answer(async () => {
    const me = await signedInUser(request);
    const query = new URL(request.url).search.slice(1);
    const page = inRange("page", first(query, "page"), 1n, MAX_PAGE);
    const limit = inRange("limit", first(query, "limit"), DEFAULT_LIMIT, MAX_LIMIT);
    // `Query<ListQuery>`: serde refuses a field given twice.
    const tags = new URLSearchParams(query).getAll("tag");
    if (tags.length > 1) {
      const reason = "duplicate field `tag`";
      throw new ApiError(400, "INVALID_QUERY", `Invalid query parameter: ${reason}`, { field: null, reason });
    }
    const tag = tags.length ? tags[0] : null;
    if (tag !== null && CONTROL.test(tag)) {
      throw new ApiError(400, "INVALID_QUERY", "`tag` cannot contain control characters", { parameter: "tag" });
    }
    const offset = (page - 1n) * limit;
    const { rows, total } = await (await db()).listVisible(me, tag, Number(limit), Number(offset));
    return Response.json({
      data: rows,
      pagination: {
        page: Number(page),
        limit: Number(limit),
        total,
        totalPages: Math.ceil(total / Number(limit)),
      },
    });
  });
}

/** posts.rs `check_title`, on the trimmed title. */
function titleProblem(title) {
  if (title === "") return "a title cannot be blank";
  if (CONTROL.test(title)) return "a title cannot contain control characters (line breaks, tabs, escapes)";
  if (chars(title) > 200) return "a title has at most 200 characters";
  return null;
}

/** posts.rs `check_content`: line breaks and tabs, no other control character. */
function contentProblem(content) {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(content)) {
    return "content cannot contain control characters other than line breaks and tabs";
  }
  if (chars(content) > 100_000) return "content has at most 100000 characters";
  return null;
}

export function POST(request) {
  return answer(async () => {
    const me = await signedInUser(request);
    const body = await jsonBody(request);
    expectObject(body, "NewPost");
    const title = field(body, "title", "string").trim();
    const content = field(body, "content", "string");
    const published = field(body, "published", "boolean", false);
    const tags = field(body, "tags", "array", []);

    const problems = {};
    const titleWrong = titleProblem(title);
    if (titleWrong) problems.title = [titleWrong];
    const contentWrong = contentProblem(content);
    if (contentWrong) problems.content = [contentWrong];
    if (tags.length > 20) problems.tags = ["length is greater than 20"];
    tags.forEach((tag, index) => {
      const n = chars(tag);
      if (n < 1) problems[`tags[${index}]`] = ["length is lower than 1"];
      else if (n > 50) problems[`tags[${index}]`] = ["length is greater than 50"];
    });
    if (Object.keys(problems).length) throw validationFailed(problems);

    const database = await db();
    const id = await database.createPost(
      me.id,
      title,
      content,
      published,
      tags.map((tag) => tag.trim().toLowerCase()),
    );
    const created = await database.findVisible(me, id);
    if (!created) throw notFound(`Post ${id}`);
    return Response.json(created, { status: 201, headers: { location: `/api/posts/${id}` } });
  });
}
