//! The one error shape, as OpenAPI describes it: the `ApiError` schema, and what each
//! status fsroute itself answers with means.

use schemars::{Schema, SchemaGenerator};
use serde_json::{Value, json};

use super::document::{Dialect, apply_transforms};
use crate::error::code;

/// Codes the runtime sends, listed as examples of `error.code`. Not an enum: apps add
/// their own codes.
const KNOWN_CODES: &[&str] = &[
    code::BAD_REQUEST,
    code::INVALID_JSON,
    code::INVALID_BODY,
    code::INVALID_FORM,
    code::INVALID_QUERY,
    code::INVALID_PATH_PARAM,
    code::INVALID_MULTIPART,
    code::INVALID_CURSOR,
    code::UNAUTHORIZED,
    code::FORBIDDEN,
    code::NOT_FOUND,
    code::METHOD_NOT_ALLOWED,
    code::CONFLICT,
    code::PAYLOAD_TOO_LARGE,
    code::UNSUPPORTED_MEDIA_TYPE,
    code::CONTENT_TYPE_MISMATCH,
    code::UNPROCESSABLE_ENTITY,
    code::VALIDATION_FAILED,
    code::TOO_MANY_REQUESTS,
    code::INTERNAL_ERROR,
    code::SERVICE_UNAVAILABLE,
    code::GATEWAY_TIMEOUT,
];

/// `{"error": {"code", "message", "details"}}`, exactly as `ApiError::body` writes it.
pub(crate) fn api_error_schema(dialect: Dialect, generator: &mut SchemaGenerator) -> Value {
    let mut details = json!({
        "description": "More about the error, or null. `VALIDATION_FAILED` sends \
            `{\"fieldErrors\": {field: [messages]}, \"formErrors\": [messages]}`; body, \
            query and path errors name the `field`."
    });
    if dialect == Dialect::V3_0 {
        details["nullable"] = json!(true);
    }
    let value = json!({
        "type": "object",
        "description": "Every error response of the API.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Machine-readable, SCREAMING_SNAKE_CASE. The API's own \
                            codes appear here beside the ones listed as examples.",
                        "examples": KNOWN_CODES,
                    },
                    "message": {
                        "type": "string",
                        "description": "For people; never contains internals.",
                    },
                    "details": details,
                },
            },
        },
    });
    let mut schema = Schema::try_from(value.clone()).unwrap_or_else(|_| Schema::default());
    apply_transforms(generator, &mut schema);
    schema.to_value()
}

/// A response with the error shape.
pub(crate) fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/ApiError" } },
        },
    })
}

/// What fsroute answers a status with, where it is the one answering.
pub(crate) fn description(status: u16) -> &'static str {
    match status {
        400 => {
            "The body, query or path parameters could not be read: `INVALID_JSON`, \
            `INVALID_BODY`, `INVALID_FORM`, `INVALID_QUERY`, `INVALID_PATH_PARAM`, \
            `INVALID_MULTIPART` or `INVALID_CURSOR`, with the field in `details`."
        }
        401 => "Missing, invalid or expired credentials (`UNAUTHORIZED`).",
        413 => "The body is larger than the route accepts (`PAYLOAD_TOO_LARGE`).",
        415 => {
            "The body's `Content-Type` is not the one this operation reads \
            (`UNSUPPORTED_MEDIA_TYPE`)."
        }
        422 => {
            "The body parsed but breaks its validation rules (`VALIDATION_FAILED`, \
            per-field messages in `details.fieldErrors`)."
        }
        504 => {
            "The route's `MAX_DURATION` passed before the handler finished \
            (`GATEWAY_TIMEOUT`)."
        }
        _ => "An error.",
    }
}
