// Sign-in and sessions as template-app/src/auth.rs, sessions.rs and rate_limit.rs do them:
// argon2id password hashes, HS256 tokens with the same claims, and on every signed-in
// request the user row loaded and its token version compared.

import { hash, verify, Algorithm } from "@node-rs/argon2";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";

import { ApiError, unauthorized } from "./errors.js";
import { db } from "./db.js";

const issuer = (process.env.JWT_ISSUER || "template-app").trim();
const ttlSeconds = Number(process.env.JWT_TTL_SECONDS || 24 * 60 * 60);
const secret = new TextEncoder().encode(process.env.JWT_SECRET || "");

// The template's argon2 parameters (argon2 0.5's defaults): argon2id, m = 19456 KiB, t = 2,
// p = 1. Verification reads them from the stored hash; these only make the dummy hash.
const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** Verified when an email is unknown, so that both answers take as long (auth.rs `dummy_hash`). */
let dummy;
const dummyHash = () => (dummy ??= hash("not a real password", ARGON2));

export async function verifyPassword(password, stored) {
  try {
    return await verify(stored ?? (await dummyHash()), password);
  } catch {
    return false; // a malformed hash never matches
  }
}

/** A token with the template's header and claims, in its order: sub, role, iat, exp, iss, aud, ver. */
export function issueToken(user, version) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub: String(user.id), role: user.role, iat, exp: iat + ttlSeconds, iss: issuer, aud: issuer, ver: version };
  return new SignJWT(claims).setProtectedHeader({ typ: "JWT", alg: "HS256" }).sign(secret);
}

async function verifyToken(token) {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
      issuer,
      audience: issuer,
      clockTolerance: 0,
      requiredClaims: ["exp", "sub", "iat", "iss", "aud"],
    });
    // auth.rs `Claims`: every field present with its type, or the token is not valid.
    const whole = (n) => Number.isInteger(n) && n >= 0;
    if (
      typeof payload.sub !== "string" ||
      typeof payload.role !== "string" ||
      !whole(payload.iat) ||
      !whole(payload.exp) ||
      typeof payload.aud !== "string" ||
      !Number.isInteger(payload.ver)
    ) {
      throw unauthorized("The token is not valid");
    }
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthorized("The token has expired");
    throw unauthorized("The token is not valid");
  }
}

/** sessions.rs `bearer_token`. */
function bearerToken(request) {
  const header = request.headers.get("authorization");
  if (header === null) throw unauthorized("Sign in first: send `Authorization: Bearer <token>`");
  const space = header.indexOf(" ");
  const token = space < 0 ? "" : header.slice(space + 1).trim();
  if (space < 0 || header.slice(0, space).toLowerCase() !== "bearer" || token === "") {
    throw unauthorized("The Authorization header must be `Bearer <token>`");
  }
  return token;
}

/** sessions.rs `signed_in_user`: the user the token names, if its token version still holds. */
export async function signedInUser(request) {
  const claims = await verifyToken(bearerToken(request));
  // Digits only, no sign, no leading zero.
  if (!/^[1-9][0-9]*$/.test(claims.sub) || BigInt(claims.sub) > 9223372036854775807n) {
    throw unauthorized("The token is not valid");
  }
  const session = await (await db()).session(Number(claims.sub));
  if (!session) throw unauthorized("The account no longer exists");
  if (session.version !== claims.ver) throw unauthorized("The token is no longer valid: sign in again");
  return session.user;
}

// ---- rate limits (rate_limit.rs), per server ----

const loginRate = Number(process.env.LOGIN_RATE_PER_MINUTE || 10);
const attempts = (globalThis.__benchLoginAttempts ??= new Map());

/** LOGIN_RATE_PER_MINUTE attempts per client address (a sliding minute, counted before the body is read). */
export function checkLoginRate(request) {
  const address = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim() || "local";
  const now = Date.now();
  const window = attempts.get(address)?.filter((t) => now - t < 60_000) ?? [];
  if (window.length >= loginRate) {
    const retry = Math.max(1, Math.ceil((60_000 - (now - window[0])) / 1000));
    throw new ApiError(429, "RATE_LIMITED", `Too many requests; retry after ${retry} seconds`, null, {
      "retry-after": String(retry),
    });
  }
  // Only the last `loginRate` times matter; keep no more.
  window.push(now);
  attempts.set(address, window.length > loginRate ? window.slice(-loginRate) : window);
}

const failures = (globalThis.__benchFailures ??= new Map());
const FAILURES_BEFORE_LOCK = 5;

/** A 429 while the account's sign-in is locked (after 5 failures: 4 s, doubling, at most 15 min). */
export function checkAccount(email) {
  const until = failures.get(email)?.lockedUntil ?? 0;
  const now = Date.now();
  if (until > now) {
    const seconds = Math.ceil((until - now) / 1000);
    throw new ApiError(
      429,
      "RATE_LIMITED",
      `Too many failed sign-ins for this account; retry after ${seconds} seconds`,
      null,
      { "retry-after": String(seconds) },
    );
  }
}

export function failed(email) {
  const entry = failures.get(email) ?? { count: 0, lockedUntil: 0 };
  entry.count += 1;
  if (entry.count >= FAILURES_BEFORE_LOCK) {
    const lock = Math.min(4000 * 2 ** Math.min(entry.count - FAILURES_BEFORE_LOCK, 20), 15 * 60 * 1000);
    entry.lockedUntil = Date.now() + lock;
  }
  failures.set(email, entry);
}

export function succeeded(email) {
  failures.delete(email);
}
