//! End-to-end: real requests through routers generated from the fixture trees and compiled
//! by rustc. One test per convention and per HTTP behaviour the generated router promises.

use axum::http::{Method, StatusCode};
use fsroute::test::TestClient;
use fsroute_tests::{conventions, conventions_router, root};
use serde_json::json;

fn client() -> TestClient {
    TestClient::new(conventions_router())
}

#[tokio::test]
async fn static_folders_map_to_url_segments() {
    let client = client();
    let reply = client.get("/api").await;
    assert_eq!((reply.status(), reply.text()), (StatusCode::OK, "api root"));
    let reply = client.get("/api/users/me").await;
    assert_eq!(reply.text(), "me");
}

#[tokio::test]
async fn state_reaches_handlers_and_private_helpers_work() {
    let reply = client().get("/api/users").await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({ "users": ["ada", "grace"], "greeting": "hello" })
    );
}

#[tokio::test]
async fn private_folders_are_never_routed() {
    let client = client();
    assert_eq!(
        client.get("/api/_lib").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(conventions::ROUTES.iter().all(|r| !r.file.contains("_lib")));
}

#[tokio::test]
async fn dynamic_segment_delivers_the_parameter() {
    let reply = client().get("/api/users/42").await;
    assert_eq!((reply.status(), reply.text()), (StatusCode::OK, "user 42"));
}

#[tokio::test]
async fn static_folder_beats_dynamic_sibling() {
    let client = client();
    assert_eq!(client.get("/api/users/me").await.text(), "me");
    assert_eq!(client.get("/api/users/mee").await.text(), "user mee");
}

#[tokio::test]
async fn parameters_arrive_percent_decoded() {
    let client = client();
    assert_eq!(client.get("/api/users/a%2Fb").await.text(), "user a/b");
    assert_eq!(client.get("/api/users/caf%C3%A9").await.text(), "user café");
    assert_eq!(client.get("/api/users/a%20b").await.text(), "user a b");
}

#[tokio::test]
async fn several_parameters_as_tuple_struct_and_map() {
    let client = client();
    assert_eq!(
        client.get("/api/users/7/orders/99").await.text(),
        "user 7 order 99"
    );
    assert_eq!(
        client.get("/api/shops/north/items/5").await.text(),
        "shop north item 5"
    );
    assert_eq!(client.get("/api/tags/rust").await.text(), "tag rust");
}

#[tokio::test]
async fn catch_all_takes_one_segment_or_more() {
    let client = client();
    assert_eq!(client.get("/api/docs/intro").await.text(), "docs intro");
    assert_eq!(client.get("/api/docs/a/b/c").await.text(), "docs a/b/c");
    let bare = client.get("/api/docs").await;
    assert_eq!(bare.status(), StatusCode::NOT_FOUND);
    assert_eq!(bare.json()["error"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn optional_catch_all_takes_zero_segments_or_more() {
    let client = client();
    assert_eq!(client.get("/api/shop").await.text(), "shop home");
    assert_eq!(client.get("/api/shop/shoes").await.text(), "shop shoes");
    assert_eq!(
        client.get("/api/shop/shoes/red/42").await.text(),
        "shop shoes/red/42"
    );
}

#[tokio::test]
async fn groups_add_no_url_segment() {
    let client = client();
    assert_eq!(client.get("/api/stats").await.text(), "stats");
    assert_eq!(
        client.get("/api/(admin)/stats").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/api/admin/stats").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn folder_names_that_are_not_identifiers_are_urls() {
    let client = client();
    for name in ["v1.0", "kebab-case", "type", "self", "crate", "match"] {
        let reply = client.get(format!("/api/{name}")).await;
        assert_eq!((reply.status(), reply.text()), (StatusCode::OK, name));
    }
}

#[tokio::test]
async fn non_ascii_folder_names_match_their_encoded_urls() {
    let client = client();
    assert_eq!(client.get("/api/caf%C3%A9").await.text(), "café");
}

#[tokio::test]
async fn percent_5f_makes_a_leading_underscore() {
    let client = client();
    assert_eq!(client.get("/api/_underscore").await.text(), "underscore");
}

#[tokio::test]
async fn re_exported_handlers_are_routed() {
    assert_eq!(client().get("/api/reexport").await.text(), "pong");
}

#[tokio::test]
async fn every_method_reaches_its_handler() {
    let client = client();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        let reply = client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                "/api/methods",
            )
            .await;
        assert_eq!((reply.status(), reply.text()), (StatusCode::OK, method));
    }
    let head = client.head("/api/methods").await;
    assert_eq!(head.header("x-handler"), Some("HEAD"));
    let options = client.options("/api/methods").await;
    assert_eq!(options.text(), "custom OPTIONS");
}

#[tokio::test]
async fn post_body_reaches_the_handler() {
    let reply = client()
        .post("/api/users")
        .content_type("application/json")
        .body(r#"{"name":"ada"}"#)
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(reply.json(), json!({ "created": { "name": "ada" } }));
}

#[tokio::test]
async fn wrong_method_is_a_json_405_with_exact_allow() {
    let client = client();
    let reply = client.put("/api/users/7").await;
    assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("DELETE, GET, HEAD, OPTIONS"));
    assert_eq!(
        reply.json(),
        json!({ "error": {
            "code": "METHOD_NOT_ALLOWED",
            "message": "Method PUT is not allowed on /api/users/7; allowed: DELETE, GET, HEAD, OPTIONS",
            "details": { "allow": ["DELETE", "GET", "HEAD", "OPTIONS"] },
        }})
    );

    let reply = client.get("/api/post-only").await;
    assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("OPTIONS, POST"));

    // No GET, so no HEAD from it either.
    let reply = client.head("/api/post-only").await;
    assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Methods axum has no routing function for are refused the same way.
    let reply = client
        .request(Method::from_bytes(b"PROPFIND").unwrap(), "/api/users")
        .await;
    assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS, POST"));
}

#[tokio::test]
async fn options_is_answered_with_allow_when_not_exported() {
    let client = client();
    let reply = client.options("/api/users").await;
    assert_eq!(reply.status(), StatusCode::NO_CONTENT);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS, POST"));
    assert_eq!(reply.text(), "");

    let reply = client.options("/api/post-only").await;
    assert_eq!(reply.header("allow"), Some("OPTIONS, POST"));

    // With every method exported, Allow still lists exactly what the route serves.
    let reply = client
        .request(Method::from_bytes(b"TRACE").unwrap(), "/api/methods")
        .await;
    assert_eq!(
        reply.header("allow"),
        Some("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
    );
}

#[tokio::test]
async fn head_is_served_from_get_without_a_body() {
    let client = client();
    let reply = client.head("/api/users/7").await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.text(), "");
    assert_eq!(
        reply.header("content-length"),
        Some("6"),
        "length of `user 7`"
    );
}

#[tokio::test]
async fn unknown_path_is_a_json_404() {
    let reply = client().get("/api/nope").await;
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!({ "error": {
            "code": "NOT_FOUND",
            "message": "No route for GET /api/nope",
            "details": null,
        }})
    );
}

#[tokio::test]
async fn trailing_slash_redirects_to_the_canonical_path() {
    let client = client();
    for (from, to) in [
        ("/api/users/", "/api/users"),
        ("/api/users/?page=2", "/api/users?page=2"),
        ("/api/docs/a/b/", "/api/docs/a/b"),
        ("/api/shop/", "/api/shop"),
        ("/api/shop/x/", "/api/shop/x"),
        ("/api/nope/", "/api/nope"),
    ] {
        let reply = client.get(from).await;
        assert_eq!(reply.status(), StatusCode::PERMANENT_REDIRECT, "{from}");
        assert_eq!(reply.header("location"), Some(to), "{from}");
    }
    // 308 keeps the method, so a POST is redirected too.
    let reply = client
        .post("/api/users/")
        .content_type("application/json")
        .body("{}")
        .await;
    assert_eq!(reply.status(), StatusCode::PERMANENT_REDIRECT);
}

#[tokio::test]
async fn root_route_and_root_catch_all() {
    let client = TestClient::new(root::router(()));
    assert_eq!(client.get("/").await.text(), "home");
    assert_eq!(client.get("/about").await.text(), "about");
    assert_eq!(client.get("/abc").await.text(), "rest abc");
    assert_eq!(client.get("/a/b").await.text(), "rest a/b");
    let reply = client.get("/a/b/").await;
    assert_eq!(reply.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(reply.header("location"), Some("/a/b"));
}

#[test]
fn manifest_lists_every_route_with_its_methods_and_file() {
    let find = |path: &str| {
        conventions::ROUTES
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("{path} not in ROUTES"))
    };
    let users = find("/api/users/{id}");
    assert_eq!(users.methods, ["GET", "DELETE"]);
    assert_eq!(
        users.file,
        "fixtures/conventions/app/api/users/[id]/route.rs"
    );
    assert_eq!(find("/api/docs/{*slug}").methods, ["GET"]);
    assert_eq!(find("/api/shop").file, find("/api/shop/{*path}").file);
    assert_eq!(find("/api/caf%C3%A9").methods, ["GET"]);
    assert_eq!(
        find("/api/methods").methods,
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    );
    let paths: Vec<&str> = root::ROUTES.iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/", "/about", "/{*rest}"]);
}

#[tokio::test]
async fn a_panicking_handler_is_a_json_500_and_the_router_keeps_serving() {
    let client = client();
    let reply = client.get("/api/panic").await;
    assert_eq!(reply.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.json(),
        json!({ "error": { "code": "INTERNAL_ERROR", "message": "Internal server error", "details": null } })
    );
    assert_eq!(client.get("/api/users/me").await.text(), "me");
}

#[tokio::test]
async fn axum_rejections_through_the_generated_router_are_json() {
    let client = client();
    let reply = client
        .post("/api/axum-json")
        .content_type("application/json")
        .body("{nope")
        .await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn bad_path_parameter_through_the_generated_router() {
    let reply = client().get("/api/items/abc").await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["error"]["message"],
        "Invalid path parameter `itemId`: expected u32, got `abc`"
    );
}

#[tokio::test]
async fn body_over_the_default_limit_is_a_json_413() {
    let big = format!("\"{}\"", "x".repeat(2 * 1024 * 1024 + 1));
    let reply = client()
        .post("/api/echo")
        .content_type("application/json")
        .body(big)
        .await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"]["code"], "PAYLOAD_TOO_LARGE");
    let small = client()
        .post("/api/echo")
        .content_type("application/json")
        .body("[1]")
        .await;
    assert_eq!(small.text(), "[1]");
}
