// POST /api/auth/login {email, password} → {token, user}, as template-app/app/api/auth/login/route.rs.
import { answer, jsonBody, expectObject, field, chars, unauthorized, validationFailed } from "../../../../lib/errors.js";
import { checkLoginRate, checkAccount, failed, succeeded, verifyPassword, issueToken } from "../../../../lib/auth.js";
import { db } from "../../../../lib/db.js";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(request) {
  return answer(async () => {
    checkLoginRate(request);
    const body = await jsonBody(request);
    expectObject(body, "Login");
    const rawEmail = field(body, "email", "string");
    const password = field(body, "password", "string");
    const problems = {};
    if (chars(rawEmail) > 254) problems.email = ["length is greater than 254"];
    if (chars(password) > 128) problems.password = ["length is greater than 128"];
    if (Object.keys(problems).length) throw validationFailed(problems);

    const email = rawEmail.trim().toLowerCase();
    checkAccount(email);
    const found = await (await db()).credentials(email);
    const matches = await verifyPassword(password, found?.hash);
    if (!matches) failed(email);
    if (!found || !matches) throw unauthorized("Invalid email or password");
    succeeded(email);
    const token = await issueToken(found.user, found.version);
    return Response.json({ token, user: found.user });
  });
}
