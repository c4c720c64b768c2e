//! How handler argument and return types describe themselves: [`OpenApiInput`] and
//! [`OpenApiOutput`], implemented here for what fsroute and axum offer, and by users for
//! their own extractors and responses.

use axum::extract::{ConnectInfo, Extension, MatchedPath, OriginalUri, Request, State};
use axum::response::{Html, Redirect, Response, Sse};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri};
use schemars::JsonSchema;
use serde_json::json;

use super::document::Operation;
use crate::extract::{Form, Json, Path, Query, Valid};
use crate::pagination::{CursorPage, CursorPagination, Paginated, Pagination};
use crate::response::{Created, JsonResponse, NoContent};
use crate::upload::Multipart;
use crate::{ApiError, ApiResult};

/// A handler argument that adds to its operation: parameters, a request body, the errors
/// its rejection sends. Implement it for your own extractors; one that reads nothing a
/// client sends has an empty `describe`.
///
/// ```
/// use fsroute::openapi::{OpenApiInput, Operation};
///
/// /// Reads the `X-Tenant` header.
/// pub struct Tenant(pub String);
///
/// impl OpenApiInput for Tenant {
///     fn describe(op: &mut Operation<'_>) {
///         op.parameter("header", "X-Tenant", true, serde_json::json!({ "type": "string" }));
///         op.error(400);
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no OpenAPI description, and the router is built with `openapi_strict`",
    label = "this handler argument",
    note = "derive `schemars::JsonSchema` for the type inside it, or implement \
            `fsroute::openapi::OpenApiInput` for your own extractor"
)]
pub trait OpenApiInput {
    fn describe(op: &mut Operation<'_>);
}

/// A handler return type that adds its responses to its operation.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no OpenAPI description, and the router is built with `openapi_strict`",
    label = "this handler's return type",
    note = "derive `schemars::JsonSchema` for the type inside it, return a type fsroute \
            knows (`Json<T>`, `Created<T>`, `Paginated<T>`, `ApiResult<…>`), or implement \
            `fsroute::openapi::OpenApiOutput` for your own response"
)]
pub trait OpenApiOutput {
    fn describe(op: &mut Operation<'_>);
}

// ---- inputs ----

/// Arguments that read nothing a client sends, or only what the router already describes.
macro_rules! no_input {
    ($($ty:ty $(, $param:ident)*;)*) => {
        $(impl<$($param),*> OpenApiInput for $ty {
            fn describe(_: &mut Operation<'_>) {}
        })*
    };
}

no_input! {
    State<S>, S;
    Extension<T>, T;
    ConnectInfo<T>, T;
    HeaderMap;
    Method;
    Uri;
    OriginalUri;
    MatchedPath;
    Request;
    http::Version;
    http::request::Parts;
}

fn body_errors(op: &mut Operation<'_>) {
    op.error(400);
    op.error(413);
    op.error(415);
}

impl<T: JsonSchema> OpenApiInput for Json<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.request_schema::<T>();
        op.request_body("application/json", schema);
        body_errors(op);
    }
}

impl<T: JsonSchema> OpenApiInput for axum::Json<T> {
    fn describe(op: &mut Operation<'_>) {
        <Json<T> as OpenApiInput>::describe(op);
    }
}

impl<T: JsonSchema> OpenApiInput for Form<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.request_schema::<T>();
        op.request_body("application/x-www-form-urlencoded", schema);
        body_errors(op);
    }
}

impl<T: JsonSchema> OpenApiInput for Query<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.parameters_schema::<T>();
        op.query_parameters(schema);
        op.error(400);
    }
}

impl<T: JsonSchema> OpenApiInput for axum::extract::Query<T> {
    fn describe(op: &mut Operation<'_>) {
        <Query<T> as OpenApiInput>::describe(op);
    }
}

impl<T: JsonSchema> OpenApiInput for Path<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.parameters_schema::<T>();
        op.path_parameters(schema);
        op.error(400);
    }
}

impl<T: JsonSchema> OpenApiInput for axum::extract::Path<T> {
    fn describe(op: &mut Operation<'_>) {
        <Path<T> as OpenApiInput>::describe(op);
    }
}

/// The inner extractor, then 422 when the rules fail. The rules themselves reach the
/// schema through schemars, which reads `#[garde(…)]` attributes.
impl<E: OpenApiInput> OpenApiInput for Valid<E> {
    fn describe(op: &mut Operation<'_>) {
        E::describe(op);
        op.error(422);
    }
}

impl OpenApiInput for Pagination {
    fn describe(op: &mut Operation<'_>) {
        op.parameter(
            "query",
            "page",
            false,
            json!({
                "type": "integer",
                "minimum": 1,
                "maximum": Pagination::MAX_PAGE,
                "default": 1,
                "description": "The page, from 1.",
            }),
        );
        limit_parameter(op);
        op.error(400);
    }
}

impl OpenApiInput for CursorPagination {
    fn describe(op: &mut Operation<'_>) {
        op.parameter(
            "query",
            "cursor",
            false,
            json!({
                "type": "string",
                "description": "`pagination.nextCursor` of the previous page; none for the first.",
            }),
        );
        limit_parameter(op);
        op.error(400);
    }
}

fn limit_parameter(op: &mut Operation<'_>) {
    op.parameter(
        "query",
        "limit",
        false,
        json!({
            "type": "integer",
            "minimum": 1,
            "maximum": Pagination::MAX_LIMIT,
            "default": Pagination::DEFAULT_LIMIT,
            "description": "Items per page.",
        }),
    );
}

impl OpenApiInput for Multipart {
    fn describe(op: &mut Operation<'_>) {
        let file = op.binary_schema();
        op.request_body(
            "multipart/form-data",
            json!({
                "type": "object",
                "properties": { "file": file },
                "additionalProperties": true,
            }),
        );
        body_errors(op);
    }
}

impl OpenApiInput for Bytes {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.binary_schema();
        op.request_body("application/octet-stream", schema);
        op.error(413);
    }
}

impl OpenApiInput for String {
    fn describe(op: &mut Operation<'_>) {
        op.request_body("text/plain", json!({ "type": "string" }));
        op.error(400);
        op.error(413);
    }
}

// ---- outputs ----

impl<T: JsonSchema> OpenApiOutput for Json<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.response_schema::<T>();
        op.response("200", "OK", Some(("application/json", schema)));
    }
}

impl<T: JsonSchema> OpenApiOutput for axum::Json<T> {
    fn describe(op: &mut Operation<'_>) {
        <Json<T> as OpenApiOutput>::describe(op);
    }
}

impl<T: JsonSchema> OpenApiOutput for Created<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.response_schema::<T>();
        op.response("201", "Created", Some(("application/json", schema)));
        op.response_header("201", "Location", "The URL of what was created.");
    }
}

impl OpenApiOutput for NoContent {
    fn describe(op: &mut Operation<'_>) {
        op.response("204", "No Content", None);
    }
}

impl<T: JsonSchema> OpenApiOutput for Paginated<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.response_schema::<Paginated<T>>();
        op.response("200", "One page", Some(("application/json", schema)));
    }
}

impl<T: JsonSchema> OpenApiOutput for CursorPage<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.response_schema::<CursorPage<T>>();
        op.response("200", "One page", Some(("application/json", schema)));
    }
}

/// The status is chosen at run time.
impl<T: JsonSchema> OpenApiOutput for JsonResponse<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.response_schema::<T>();
        op.response(
            "default",
            "A JSON response",
            Some(("application/json", schema)),
        );
    }
}

impl<R: OpenApiOutput> OpenApiOutput for (StatusCode, R) {
    fn describe(op: &mut Operation<'_>) {
        R::describe(op);
        op.move_success_to_default();
    }
}

/// The success, and the errors: the `4XX`/`5XX` every operation has, and the statuses
/// the arguments added.
impl<R: OpenApiOutput> OpenApiOutput for ApiResult<R> {
    fn describe(op: &mut Operation<'_>) {
        R::describe(op);
    }
}

impl OpenApiOutput for ApiError {
    fn describe(_: &mut Operation<'_>) {}
}

/// Untyped on purpose: described as "any response", not a gap.
impl OpenApiOutput for Response {
    fn describe(op: &mut Operation<'_>) {
        op.response(
            "default",
            "Any response (the handler builds it by hand)",
            Some(("*/*", json!({}))),
        );
    }
}

/// The schema describes one event, not the body: that is what `itemSchema` means in
/// OpenAPI 3.2, and how tools read `schema` under `text/event-stream` in 3.0 and 3.1
/// (Schemathesis checks each event against it). Each event as an SSE parser gives it.
impl<S> OpenApiOutput for Sse<S> {
    fn describe(op: &mut Operation<'_>) {
        op.response(
            "200",
            "A stream of Server-Sent Events",
            Some(("text/event-stream", server_sent_event_schema())),
        );
    }
}

fn server_sent_event_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "description": "One event of the stream, as an SSE parser (`EventSource`) gives it: \
            `data` is its `data:` lines joined with newlines; `event` is `message` when the \
            server names none. Comments (keep-alives) are not events.",
        "required": ["data"],
        "properties": {
            "data": { "type": "string" },
            "event": { "type": "string" },
            "id": { "type": "string" },
            "retry": { "type": "integer", "minimum": 0 },
        },
    })
}

impl<T> OpenApiOutput for Html<T> {
    fn describe(op: &mut Operation<'_>) {
        op.response(
            "200",
            "OK",
            Some(("text/html", json!({ "type": "string" }))),
        );
    }
}

impl OpenApiOutput for Redirect {
    fn describe(op: &mut Operation<'_>) {
        op.response("3XX", "Redirect", None);
        op.response_header("3XX", "Location", "Where to go.");
    }
}

impl OpenApiOutput for String {
    fn describe(op: &mut Operation<'_>) {
        op.response(
            "200",
            "OK",
            Some(("text/plain", json!({ "type": "string" }))),
        );
    }
}

impl OpenApiOutput for &'static str {
    fn describe(op: &mut Operation<'_>) {
        <String as OpenApiOutput>::describe(op);
    }
}

impl OpenApiOutput for Bytes {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.binary_schema();
        op.response("200", "OK", Some(("application/octet-stream", schema)));
    }
}

/// A file of any type, with the type in its `Content-Type`: `*/*`, bytes.
impl OpenApiOutput for crate::download::Download {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.binary_schema();
        op.response(
            "200",
            "The file, with its own `Content-Type`",
            Some(("*/*", schema)),
        );
        op.response_header(
            "200",
            "Content-Disposition",
            "`inline` (or `attachment`) with the file's name.",
        );
    }
}

impl OpenApiOutput for Vec<u8> {
    fn describe(op: &mut Operation<'_>) {
        <Bytes as OpenApiOutput>::describe(op);
    }
}

impl OpenApiOutput for StatusCode {
    fn describe(op: &mut Operation<'_>) {
        op.response("default", "A status with no body", None);
    }
}

impl OpenApiOutput for () {
    fn describe(op: &mut Operation<'_>) {
        op.response("200", "OK, no body", None);
    }
}
