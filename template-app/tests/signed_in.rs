//! Handlers take the signed-in user as a plain `me: User` argument. In
//! `app/api/(protected)/` that is the user the folder's middleware signed in; a route
//! file elsewhere that takes it is a mistake of the app's, answered with a JSON 401 (not
//! a 500) and logged as an ERROR that names the route and says where to move its file.

mod common;

use axum::http::StatusCode;
use axum::routing::get;
use common::TestApp;
use fsroute::openapi::{Document, DocumentBuilder, OpenApiInput};
use fsroute::prelude::*;
use fsroute::test::{CapturedLog, TestClient};
use serde_json::json;
use template_app::{User, sessions};

async fn whoami(me: User) -> Json<User> {
    Json(me)
}

const NOT_PROTECTED: &str = "This route needs a signed-in user, but it is not in \
    `app/api/(protected)/`, where sign-ins are checked; the server log says how to fix it";

/// As if `app/api/health/route.rs` (outside the group) took `me: User`: even a client
/// with a valid token gets the 401, since nothing checked the token for this route.
#[tokio::test]
async fn a_route_outside_protected_taking_the_user_is_a_401_and_an_error_log() {
    let app = TestApp::new().await;
    let (token, _) = app.sign_up("ada@example.com").await;
    let misplaced = TestClient::new(
        axum::Router::new()
            .route("/api/health", get(whoami))
            .with_state(app.state.clone()),
    );

    let log = CapturedLog::start();
    for reply in [
        misplaced.get("/api/health").await,
        misplaced.get("/api/health").bearer(&token).await,
    ] {
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.json(),
            json!({ "error": { "code": "UNAUTHORIZED", "message": NOT_PROTECTED, "details": null } })
        );
    }
    let errors = log.lines_at("ERROR");
    assert_eq!(errors.len(), 2, "one ERROR line per request: {errors:#?}");
    assert!(
        errors[0].ends_with(
            "GET /api/health takes the signed-in `User`, but no sign-in check runs before \
             it, so it answered 401: move `app/api/health/route.rs` to \
             `app/api/(protected)/health/route.rs`, whose middleware signs the user in; or, \
             for one method of a public route file, take `SignedIn(me): SignedIn`, which \
             checks the token itself"
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn a_route_the_app_does_not_list_is_named_by_its_path() {
    assert_eq!(
        sessions::misplaced_route("POST", "/api/whoami/{id}"),
        "POST /api/whoami/{id} takes the signed-in `User`, but no sign-in check runs \
         before it, so it answered 401: move its route file under `app/api/(protected)/`, \
         whose middleware signs the user in; or, for one method of a public route file, \
         take `SignedIn(me): SignedIn`, which checks the token itself"
    );
}

/// The template's own routes take `me: User` inside the group: the middleware's user,
/// with nothing logged; and without a token its 401 as before.
#[tokio::test]
async fn protected_routes_get_the_user_the_middleware_signed_in() {
    let app = TestApp::new().await;
    let (token, id) = app.sign_up("ada@example.com").await;
    let log = CapturedLog::start();

    let created = app
        .call(
            axum::http::Method::POST,
            "/api/posts",
            Some(&token),
            Some(json!({ "title": "Hello", "content": "First", "published": true })),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["authorId"], id);
    let me = app.get(&format!("/api/users/{id}"), Some(&token)).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json()["email"], "ada@example.com");

    let anonymous = app.get("/api/posts", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.error_message(),
        Some("Sign in first: send `Authorization: Bearer <token>`")
    );
    assert_eq!(log.lines_at("ERROR"), Vec::<String>::new());
}

/// A handler taking `User` asks for the token in the OpenAPI document wherever it is (in
/// `(protected)` the folder's `SECURITY` says the same, and the committed document is
/// unchanged: `tests/openapi.rs`).
#[test]
fn a_user_argument_asks_for_the_token_in_the_document() {
    fn describe(doc: &mut DocumentBuilder) {
        let path = doc.path("/api/whoami", "app/api/whoami/route.rs");
        let mut op = doc.operation(path, "get", "getWhoami");
        <User as OpenApiInput>::describe(&mut op);
    }
    let document = Document::new("whoami", "1", describe);
    let operation = &document.value()["paths"]["/api/whoami"]["get"];
    assert_eq!(operation["security"], json!([{ "bearerAuth": [] }]));
    assert!(operation["responses"]["401"].is_object(), "{operation:#}");
    assert_eq!(
        document.value()["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
}
