//! Every rejection path of the JSON-rejecting extractors, through real requests.

use std::collections::HashMap;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use fsroute::garde::Validate;
use fsroute::prelude::*;
use fsroute::test::{TestClient, TestRequest};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, Validate)]
struct NewUser {
    #[garde(length(min = 1, max = 50))]
    name: String,
    #[garde(email)]
    email: String,
    #[garde(range(min = 13))]
    age: u8,
    #[garde(dive)]
    address: Option<Address>,
}

#[derive(Debug, Deserialize, Validate)]
struct Address {
    #[garde(length(min = 2))]
    city: String,
}

#[derive(Debug, Deserialize, Validate)]
struct Search {
    #[garde(length(min = 2))]
    q: String,
    #[garde(skip)]
    #[serde(default)]
    exact: bool,
}

fn app() -> Router {
    Router::new()
        .route(
            "/json",
            post(|Json(user): Json<NewUser>| async move { user.name }),
        )
        .route(
            "/valid",
            post(|Valid(Json(user)): Valid<Json<NewUser>>| async move { user.email }),
        )
        .route(
            "/small",
            post(|Json(v): Json<serde_json::Value>| async move { v.to_string() })
                .layer(DefaultBodyLimit::max(16)),
        )
        .route(
            "/search",
            get(|Query(s): Query<Search>| async move { format!("{} {}", s.q, s.exact) }),
        )
        .route(
            "/valid-search",
            get(|Valid(Query(s)): Valid<Query<Search>>| async move { s.q }),
        )
        .route(
            "/users/{id}",
            get(|Path(id): Path<i64>| async move { id.to_string() }),
        )
        .route(
            "/users/{id}/orders/{order}",
            get(|Path((id, order)): Path<(i64, u32)>| async move { format!("{id}/{order}") }),
        )
        .route(
            "/map/{a}",
            get(|Path(map): Path<HashMap<String, String>>| async move { map["a"].clone() }),
        )
        .route("/opt", get(optional))
        .route("/opt/{*rest}", get(optional))
        .route(
            "/form",
            post(|Form(search): Form<Search>| async move { search.q }),
        )
}

fn client() -> TestClient {
    TestClient::new(app())
}

/// A body sent as given with the JSON content type: most of these bodies do not parse.
fn post_json(uri: &str, body: &'static str) -> TestRequest {
    client()
        .post(uri)
        .content_type("application/json")
        .body(body)
}

async fn optional(rest: Option<Path<String>>) -> String {
    match rest {
        Some(Path(rest)) => format!("rest {rest}"),
        None => "bare".to_string(),
    }
}

#[tokio::test]
async fn good_json_gets_through() {
    let reply = post_json("/json", r#"{"name":"Ada","email":"a@b.c","age":30}"#).await;
    assert_eq!((reply.status().as_u16(), reply.text()), (200, "Ada"));
}

#[tokio::test]
async fn malformed_json_says_where() {
    let reply = post_json("/json", "{\n  \"name\": \"Ada\",,\n}").await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({ "error": {
            "code": "INVALID_JSON",
            "message": "Request body is not valid JSON: key must be a string at line 2, column 17",
            "details": { "reason": "key must be a string", "line": 2, "column": 17 },
        }})
    );
}

#[tokio::test]
async fn truncated_json_is_a_syntax_error() {
    let reply = post_json("/json", r#"{"name":"Ada""#).await;
    assert_eq!(reply.error_code(), Some("INVALID_JSON"));
    assert_eq!(
        reply.json()["error"]["details"]["reason"],
        "EOF while parsing an object"
    );
}

#[tokio::test]
async fn wrong_type_names_the_field_and_the_expected_type() {
    let reply = post_json("/json", r#"{"name":"Ada","email":"a@b.c","age":"old"}"#).await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({ "error": {
            "code": "INVALID_BODY",
            "message": "Invalid request body at `age`: invalid type: string \"old\", expected u8",
            "details": { "field": "age", "reason": "invalid type: string \"old\", expected u8", "line": 1, "column": 41 },
        }})
    );
}

#[tokio::test]
async fn nested_fields_have_their_full_path() {
    let reply = post_json(
        "/json",
        r#"{"name":"Ada","email":"a@b.c","age":30,"address":{"city":7}}"#,
    )
    .await;
    assert_eq!(reply.json()["error"]["details"]["field"], "address.city");
}

#[tokio::test]
async fn missing_field_is_named() {
    let reply = post_json("/json", r#"{"name":"Ada","age":30}"#).await;
    assert_eq!(reply.error_code(), Some("INVALID_BODY"));
    assert_eq!(
        reply.error_message(),
        Some("Invalid request body at `email`: missing field")
    );
}

#[tokio::test]
async fn trailing_garbage_after_the_document_is_rejected() {
    let reply = post_json("/json", r#"{"name":"Ada","email":"a@b.c","age":30} x"#).await;
    assert_eq!(reply.error_code(), Some("INVALID_JSON"));
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let reply = client()
        .post("/json")
        .content_type("text/plain")
        .body(r#"{"name":"Ada"}"#)
        .await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        reply.json(),
        json!({ "error": {
            "code": "UNSUPPORTED_MEDIA_TYPE",
            "message": "Expected a request body with `Content-Type: application/json`, got `text/plain`",
            "details": { "expected": "application/json", "received": "text/plain" },
        }})
    );
    let missing = client()
        .send(axum::http::Request::post("/json").body("{}").unwrap())
        .await;
    assert_eq!(missing.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let reply = post_json("/small", r#"{"far":"more than sixteen bytes"}"#).await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), Some("PAYLOAD_TOO_LARGE"));
    assert_eq!(post_json("/small", "[1,2]").await.text(), "[1,2]");
}

#[tokio::test]
async fn validation_failures_are_422_per_field_like_zod_flatten() {
    let reply = post_json(
        "/valid",
        r#"{"name":"","email":"not-an-email","age":9,"address":{"city":"X"}}"#,
    )
    .await;
    assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = reply.json();
    assert_eq!(body["error"]["code"], "VALIDATION_FAILED");
    assert_eq!(
        body["error"]["message"],
        "Validation failed for address.city, age, email, name"
    );
    let fields = &body["error"]["details"]["fieldErrors"];
    let keys: Vec<&String> = fields.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["address.city", "age", "email", "name"]);
    assert!(
        fields["age"][0].as_str().unwrap().contains("13"),
        "{fields}"
    );
    assert_eq!(body["error"]["details"]["formErrors"], json!([]));

    let ok = post_json(
        "/valid",
        r#"{"name":"Ada","email":"ada@example.com","age":30}"#,
    )
    .await;
    assert_eq!((ok.status().as_u16(), ok.text()), (200, "ada@example.com"));
}

#[tokio::test]
async fn valid_keeps_the_inner_extractors_rejection() {
    let reply = post_json("/valid", "{").await;
    assert_eq!(reply.error_code(), Some("INVALID_JSON"));
}

#[tokio::test]
async fn bad_path_parameter_says_which_and_what_type() {
    let reply = client().get("/users/abc").await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({ "error": {
            "code": "INVALID_PATH_PARAM",
            "message": "Invalid path parameter `id`: expected i64, got `abc`",
            "details": { "param": "id", "value": "abc", "expected": "i64" },
        }})
    );
    let reply = client().get("/users/1/orders/-5").await;
    assert_eq!(reply.error_code(), Some("INVALID_PATH_PARAM"));
    assert_eq!(
        reply.json()["error"]["details"],
        json!({ "param": "order", "value": "-5", "expected": "u32" })
    );
    assert_eq!(client().get("/users/1/orders/5").await.text(), "1/5");
    assert_eq!(client().get("/map/x%2Fy").await.text(), "x/y");
}

#[tokio::test]
async fn optional_catch_all_path() {
    assert_eq!(client().get("/opt").await.text(), "bare");
    assert_eq!(client().get("/opt/a/b").await.text(), "rest a/b");
}

#[tokio::test]
async fn bad_query_names_the_parameter() {
    let reply = client().get("/search?q=rust&exact=maybe").await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), Some("INVALID_QUERY"));
    assert_eq!(reply.json()["error"]["details"]["field"], "exact");
    let reply = client().get("/search").await;
    assert_eq!(
        reply.error_message(),
        Some("Invalid query parameter `q`: missing field")
    );
    assert_eq!(
        client().get("/search?q=a%20b&exact=true").await.text(),
        "a b true"
    );
}

#[tokio::test]
async fn validated_query() {
    let reply = client().get("/valid-search?q=x").await;
    assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["error"]["details"]["fieldErrors"]["q"].is_array());
}

#[tokio::test]
async fn form_bodies() {
    let form = "application/x-www-form-urlencoded";
    assert_eq!(
        client()
            .post("/form")
            .content_type(form)
            .body("q=hello+world")
            .await
            .text(),
        "hello world"
    );
    let reply = client()
        .post("/form")
        .content_type(form)
        .body("q=x&exact=perhaps")
        .await;
    assert_eq!(reply.error_code(), Some("INVALID_FORM"));
    assert_eq!(reply.json()["error"]["details"]["field"], "exact");
    let reply = client()
        .post("/form")
        .content_type("application/json")
        .body("{}")
        .await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
