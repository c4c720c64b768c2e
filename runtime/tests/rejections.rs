//! Each extractor rejects a real request with the variant of its rejection type that names
//! the failure, and that variant has the status and code the JSON answer has
//! (`extractors.rs` checks the answers themselves).

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use fsroute::extract::rejection::{
    FormRejection, JsonRejection, PathRejection, QueryRejection, ValidRejection,
};
use fsroute::garde::Validate;
use fsroute::prelude::*;
use fsroute::test::TestClient;
use serde::Deserialize;

#[derive(Debug, Deserialize, Validate)]
struct Person {
    #[garde(length(min = 1))]
    name: String,
    #[garde(range(min = 13))]
    age: u8,
}

/// The variant's name, from its `Debug`: `Syntax(JsonSyntaxError { … })` → `Syntax`.
fn variant(rejection: &impl std::fmt::Debug) -> String {
    let debug = format!("{rejection:?}");
    debug.split(['(', ' ']).next().unwrap().to_string()
}

/// `ok`, or the rejection as `variant status code`.
macro_rules! describe {
    ($result:expr) => {
        match $result {
            Ok(_) => "ok".to_string(),
            Err(rejection) => format!(
                "{} {} {}",
                variant(&rejection),
                rejection.status().as_u16(),
                rejection.code()
            ),
        }
    };
}

fn app() -> Router {
    Router::new()
        .route(
            "/json",
            post(|body: Result<Json<Person>, JsonRejection>| async move { describe!(body) }),
        )
        .route(
            "/small",
            post(|body: Result<Json<Person>, JsonRejection>| async move { describe!(body) })
                .layer(DefaultBodyLimit::max(8)),
        )
        .route(
            "/form",
            post(|body: Result<Form<Person>, FormRejection>| async move { describe!(body) }),
        )
        .route(
            "/query",
            get(|query: Result<Query<Person>, QueryRejection>| async move { describe!(query) }),
        )
        .route(
            "/users/{id}",
            get(|id: Result<Path<i64>, PathRejection>| async move { describe!(id) }),
        )
        .route(
            "/names/{name}",
            get(|name: Result<Path<String>, PathRejection>| async move { describe!(name) }),
        )
        .route(
            "/pairs/{a}/{b}",
            get(
                |triple: Result<Path<(u8, u8, u8)>, PathRejection>| async move {
                    describe!(triple)
                },
            ),
        )
        .route(
            "/no-params",
            get(|id: Result<Path<i64>, PathRejection>| async move { describe!(id) }),
        )
        .route(
            "/valid",
            post(
                |body: Result<Valid<Json<Person>>, ValidRejection<JsonRejection>>| async move {
                    match body {
                        Ok(_) => "ok".to_string(),
                        Err(ValidRejection::Extract(inner)) => {
                            format!("Extract({})", describe!(Err::<(), _>(inner)))
                        }
                        Err(ValidRejection::Invalid(failed)) => {
                            let fields: Vec<&String> = failed.field_errors.keys().collect();
                            format!("Invalid {fields:?}")
                        }
                        Err(other) => format!("{other:?}"),
                    }
                },
            ),
        )
}

/// The handler's description of what its extractor gave it.
async fn described(request: fsroute::test::TestRequest) -> String {
    let response = request.await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().to_string()
}

async fn get_uri(uri: &str) -> String {
    described(TestClient::new(app()).get(uri)).await
}

async fn post_body(uri: &str, content_type: &str, body: &str) -> String {
    let request = TestClient::new(app())
        .post(uri)
        .content_type(content_type)
        .body(body.to_string());
    described(request).await
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn json() {
    let good = r#"{"name":"Ada","age":36}"#;
    assert_eq!(post_body("/json", JSON, good).await, "ok");
    assert_eq!(
        post_body("/json", "text/plain", good).await,
        "UnsupportedMediaType 415 UNSUPPORTED_MEDIA_TYPE"
    );
    assert_eq!(
        post_body("/small", JSON, good).await,
        "PayloadTooLarge 413 PAYLOAD_TOO_LARGE"
    );
    assert_eq!(
        post_body("/json", JSON, "{oops").await,
        "Syntax 400 INVALID_JSON"
    );
    assert_eq!(
        post_body("/json", JSON, r#"{"name":"Ada"}"#).await,
        "Data 400 INVALID_BODY"
    );
}

#[tokio::test]
async fn form() {
    assert_eq!(post_body("/form", FORM, "name=Ada&age=36").await, "ok");
    assert_eq!(
        post_body("/form", JSON, "name=Ada&age=36").await,
        "UnsupportedMediaType 415 UNSUPPORTED_MEDIA_TYPE"
    );
    assert_eq!(
        post_body("/form", FORM, "name=Ada&age=old").await,
        "Invalid 400 INVALID_FORM"
    );
}

#[tokio::test]
async fn query() {
    assert_eq!(get_uri("/query?name=Ada&age=36").await, "ok");
    assert_eq!(
        get_uri("/query?name=Ada").await,
        "Invalid 400 INVALID_QUERY"
    );
}

#[tokio::test]
async fn path() {
    assert_eq!(get_uri("/users/7").await, "ok");
    assert_eq!(
        get_uri("/users/abc").await,
        "Invalid 400 INVALID_PATH_PARAM"
    );
    assert_eq!(
        get_uri("/names/%FF").await,
        "NotUtf8 400 INVALID_PATH_PARAM"
    );
    assert_eq!(
        get_uri("/pairs/1/2").await,
        "RouteMismatch 500 INTERNAL_ERROR"
    );
    assert_eq!(
        get_uri("/no-params").await,
        "RouteMismatch 500 INTERNAL_ERROR"
    );
}

#[tokio::test]
async fn valid() {
    assert_eq!(
        post_body("/valid", JSON, r#"{"name":"Ada","age":36}"#).await,
        "ok"
    );
    assert_eq!(
        post_body("/valid", JSON, r#"{"name":"","age":3}"#).await,
        r#"Invalid ["age", "name"]"#
    );
    assert_eq!(
        post_body("/valid", JSON, "{oops").await,
        "Extract(Syntax 400 INVALID_JSON)"
    );
}
