// GET /api/posts/{id}: a post you may see, as template-app/app/api/(protected)/posts/[id]/route.rs.
import { ApiError, answer, notFound } from "../../../../lib/errors.js";
import { signedInUser } from "../../../../lib/auth.js";
import { db } from "../../../../lib/db.js";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request, { params }) {
  return answer(async () => {
    const me = await signedInUser(request);
    const { id: raw } = await params;
    // `Path<i64>`: Rust's integer parsing (a sign, leading zeros), within i64.
    const number = /^[+-]?[0-9]+$/.test(raw) ? BigInt(raw) : null;
    if (number === null || number > 9223372036854775807n || number < -9223372036854775808n) {
      throw new ApiError(400, "INVALID_PATH_PARAM", `Invalid path parameter \`id\`: expected i64, got \`${raw}\``, {
        param: "id",
        value: raw,
        expected: "i64",
      });
    }
    const id = Number(number);
    const post = Number.isSafeInteger(id) ? await (await db()).findVisible(me, id) : null;
    if (!post) throw notFound(`Post ${number}`);
    return Response.json(post);
  });
}
