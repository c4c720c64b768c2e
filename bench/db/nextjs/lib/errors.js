// The template's one error shape: {"error": {"code", "message", "details"}}, with the
// same statuses, codes and messages as fsroute's extractors and the template's handlers.

export class ApiError extends Error {
  constructor(status, code, message, details = null, headers = undefined) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const unauthorized = (message) => new ApiError(401, "UNAUTHORIZED", message);
export const notFound = (what) => new ApiError(404, "NOT_FOUND", `${what} not found`);
export const conflict = (message) => new ApiError(409, "CONFLICT", message);

/** 422 in the shape of the runtime's `ValidationFailed`: field paths sorted, as a BTreeMap. */
export function validationFailed(fieldErrors) {
  const sorted = {};
  for (const key of Object.keys(fieldErrors).sort()) sorted[key] = fieldErrors[key];
  const fields = Object.keys(sorted);
  const message = fields.length ? `Validation failed for ${fields.join(", ")}` : "Validation failed";
  return new ApiError(422, "VALIDATION_FAILED", message, { fieldErrors: sorted, formErrors: [] });
}

export function errorResponse(error) {
  if (!(error instanceof ApiError)) {
    console.error("request failed", error);
    error = new ApiError(500, "INTERNAL_ERROR", "Internal server error");
  }
  return Response.json(
    { error: { code: error.code, message: error.message, details: error.details } },
    { status: error.status, headers: error.headers },
  );
}

/** Runs a handler, turning thrown `ApiError`s (and anything else, as a 500) into responses. */
export async function answer(handler) {
  try {
    return await handler();
  } catch (error) {
    return errorResponse(error);
  }
}

// ---- request bodies: what fsroute's `Json<T>` checks, in its order ----

/** `application/json` or any `application/…+json`, lower case, without parameters. */
function mediaType(request) {
  const value = request.headers.get("content-type");
  if (value === null) return null;
  const essence = value.split(";")[0].trim().toLowerCase();
  return essence === "" ? null : essence;
}

/** The body as a JSON value: 415 without a JSON content type, 400 INVALID_JSON when it does not parse. */
export async function jsonBody(request) {
  const received = mediaType(request);
  const isJson =
    received !== null &&
    (received === "application/json" || (received.startsWith("application/") && received.endsWith("+json")));
  if (!isJson) {
    const expected = "application/json";
    const message =
      received === null
        ? `Expected a request body with \`Content-Type: ${expected}\``
        : `Expected a request body with \`Content-Type: ${expected}\`, got \`${received}\``;
    throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message, { expected, received });
  }
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse says neither line nor column the way serde_json does; the status and code
    // are the same.
    throw new ApiError(400, "INVALID_JSON", `Request body is not valid JSON: ${error.message}`, {
      reason: error.message,
      line: null,
      column: null,
    });
  }
}

function typeName(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "sequence";
  if (typeof value === "number") return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "boolean") return `boolean \`${value}\``;
  return "map";
}

/** 400 INVALID_BODY, as serde reports a value of the wrong shape (field `null` for the whole body). */
export function invalidBody(field, reason) {
  const message = field === null ? `Invalid request body: ${reason}` : `Invalid request body at \`${field}\`: ${reason}`;
  return new ApiError(400, "INVALID_BODY", message, { field, reason, line: null, column: null });
}

export function expectObject(body, structName) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidBody(null, `invalid type: ${typeName(body)}, expected struct ${structName}`);
  }
}

/** A required or optional (when `fallback` is given) field of one JSON type, as serde reads it. */
export function field(body, name, kind, fallback) {
  const value = body[name];
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw invalidBody(name, "missing field");
  }
  const ok =
    kind === "string"
      ? typeof value === "string"
      : kind === "boolean"
        ? typeof value === "boolean"
        : Array.isArray(value);
  if (!ok) {
    const expected = kind === "string" ? "a string" : kind === "boolean" ? "a boolean" : "a sequence";
    throw invalidBody(name, `invalid type: ${typeName(value)}, expected ${expected}`);
  }
  if (kind === "array") {
    value.forEach((item, index) => {
      if (typeof item !== "string") {
        throw invalidBody(`${name}[${index}]`, `invalid type: ${typeName(item)}, expected a string`);
      }
    });
  }
  return value;
}

/** Rust's `char::is_control`: the C0 and C1 controls and DEL. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
export const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Characters as Rust counts them (code points, not UTF-16 units). */
export const chars = (text) => {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
};
