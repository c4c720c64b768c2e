//! End-to-end: real requests through routers generated from the fixture trees and compiled
//! by rustc. One test per convention and per HTTP behaviour the generated router promises.

use axum::http::{Method, StatusCode};
use fsroute_tests::{conventions, conventions_router, get, root, send};
use serde_json::json;

#[tokio::test]
async fn static_folders_map_to_url_segments() {
    let app = conventions_router();
    let reply = get(&app, "/api").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "api root")
    );
    let reply = get(&app, "/api/users/me").await;
    assert_eq!(reply.body, "me");
}

#[tokio::test]
async fn state_reaches_handlers_and_private_helpers_work() {
    let reply = get(&conventions_router(), "/api/users").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({ "users": ["ada", "grace"], "greeting": "hello" })
    );
}

#[tokio::test]
async fn private_folders_are_never_routed() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/_lib").await.status, StatusCode::NOT_FOUND);
    assert!(conventions::ROUTES.iter().all(|r| !r.file.contains("_lib")));
}

#[tokio::test]
async fn dynamic_segment_delivers_the_parameter() {
    let reply = get(&conventions_router(), "/api/users/42").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "user 42")
    );
}

#[tokio::test]
async fn static_folder_beats_dynamic_sibling() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/users/me").await.body, "me");
    assert_eq!(get(&app, "/api/users/mee").await.body, "user mee");
}

#[tokio::test]
async fn parameters_arrive_percent_decoded() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/users/a%2Fb").await.body, "user a/b");
    assert_eq!(get(&app, "/api/users/caf%C3%A9").await.body, "user café");
    assert_eq!(get(&app, "/api/users/a%20b").await.body, "user a b");
}

#[tokio::test]
async fn several_parameters_as_tuple_struct_and_map() {
    let app = conventions_router();
    assert_eq!(
        get(&app, "/api/users/7/orders/99").await.body,
        "user 7 order 99"
    );
    assert_eq!(
        get(&app, "/api/shops/north/items/5").await.body,
        "shop north item 5"
    );
    assert_eq!(get(&app, "/api/tags/rust").await.body, "tag rust");
}

#[tokio::test]
async fn catch_all_takes_one_segment_or_more() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/docs/intro").await.body, "docs intro");
    assert_eq!(get(&app, "/api/docs/a/b/c").await.body, "docs a/b/c");
    let bare = get(&app, "/api/docs").await;
    assert_eq!(bare.status, StatusCode::NOT_FOUND);
    assert_eq!(bare.json()["error"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn optional_catch_all_takes_zero_segments_or_more() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/shop").await.body, "shop home");
    assert_eq!(get(&app, "/api/shop/shoes").await.body, "shop shoes");
    assert_eq!(
        get(&app, "/api/shop/shoes/red/42").await.body,
        "shop shoes/red/42"
    );
}

#[tokio::test]
async fn groups_add_no_url_segment() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/stats").await.body, "stats");
    assert_eq!(
        get(&app, "/api/(admin)/stats").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/api/admin/stats").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn folder_names_that_are_not_identifiers_are_urls() {
    let app = conventions_router();
    for name in ["v1.0", "kebab-case", "type", "self", "crate", "match"] {
        let reply = get(&app, &format!("/api/{name}")).await;
        assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, name));
    }
}

#[tokio::test]
async fn non_ascii_folder_names_match_their_encoded_urls() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/caf%C3%A9").await.body, "café");
}

#[tokio::test]
async fn percent_5f_makes_a_leading_underscore() {
    let app = conventions_router();
    assert_eq!(get(&app, "/api/_underscore").await.body, "underscore");
}

#[tokio::test]
async fn re_exported_handlers_are_routed() {
    assert_eq!(
        get(&conventions_router(), "/api/reexport").await.body,
        "pong"
    );
}

#[tokio::test]
async fn every_method_reaches_its_handler() {
    let app = conventions_router();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        let reply = send(
            &app,
            Method::from_bytes(method.as_bytes()).unwrap(),
            "/api/methods",
            None,
        )
        .await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, method)
        );
    }
    let head = send(&app, Method::HEAD, "/api/methods", None).await;
    assert_eq!(head.header("x-handler"), Some("HEAD"));
    let options = send(&app, Method::OPTIONS, "/api/methods", None).await;
    assert_eq!(options.body, "custom OPTIONS");
}

#[tokio::test]
async fn post_body_reaches_the_handler() {
    let reply = send(
        &conventions_router(),
        Method::POST,
        "/api/users",
        Some(r#"{"name":"ada"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json(), json!({ "created": { "name": "ada" } }));
}

#[tokio::test]
async fn wrong_method_is_a_json_405_with_exact_allow() {
    let app = conventions_router();
    let reply = send(&app, Method::PUT, "/api/users/7", None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("DELETE, GET, HEAD, OPTIONS"));
    assert_eq!(
        reply.json(),
        json!({ "error": {
            "code": "METHOD_NOT_ALLOWED",
            "message": "Method PUT is not allowed on /api/users/7; allowed: DELETE, GET, HEAD, OPTIONS",
            "details": { "allow": ["DELETE", "GET", "HEAD", "OPTIONS"] },
        }})
    );

    let reply = get(&app, "/api/post-only").await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("OPTIONS, POST"));

    // No GET, so no HEAD from it either.
    let reply = send(&app, Method::HEAD, "/api/post-only", None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);

    // Methods axum has no routing function for are refused the same way.
    let reply = send(
        &app,
        Method::from_bytes(b"PROPFIND").unwrap(),
        "/api/users",
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS, POST"));
}

#[tokio::test]
async fn options_is_answered_with_allow_when_not_exported() {
    let app = conventions_router();
    let reply = send(&app, Method::OPTIONS, "/api/users", None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS, POST"));
    assert_eq!(reply.body, "");

    let reply = send(&app, Method::OPTIONS, "/api/post-only", None).await;
    assert_eq!(reply.header("allow"), Some("OPTIONS, POST"));

    // With every method exported, Allow still lists exactly what the route serves.
    let reply = send(
        &app,
        Method::from_bytes(b"TRACE").unwrap(),
        "/api/methods",
        None,
    )
    .await;
    assert_eq!(
        reply.header("allow"),
        Some("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
    );
}

#[tokio::test]
async fn head_is_served_from_get_without_a_body() {
    let app = conventions_router();
    let reply = send(&app, Method::HEAD, "/api/users/7", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "");
    assert_eq!(
        reply.header("content-length"),
        Some("6"),
        "length of `user 7`"
    );
}

#[tokio::test]
async fn unknown_path_is_a_json_404() {
    let reply = get(&conventions_router(), "/api/nope").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
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
    let app = conventions_router();
    for (from, to) in [
        ("/api/users/", "/api/users"),
        ("/api/users/?page=2", "/api/users?page=2"),
        ("/api/docs/a/b/", "/api/docs/a/b"),
        ("/api/shop/", "/api/shop"),
        ("/api/shop/x/", "/api/shop/x"),
        ("/api/nope/", "/api/nope"),
    ] {
        let reply = get(&app, from).await;
        assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT, "{from}");
        assert_eq!(reply.header("location"), Some(to), "{from}");
    }
    // 308 keeps the method, so a POST is redirected too.
    let reply = send(&app, Method::POST, "/api/users/", Some("{}")).await;
    assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT);
}

#[tokio::test]
async fn root_route_and_root_catch_all() {
    let app = root::router(());
    assert_eq!(get(&app, "/").await.body, "home");
    assert_eq!(get(&app, "/about").await.body, "about");
    assert_eq!(get(&app, "/abc").await.body, "rest abc");
    assert_eq!(get(&app, "/a/b").await.body, "rest a/b");
    let reply = get(&app, "/a/b/").await;
    assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT);
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
    let app = conventions_router();
    let reply = get(&app, "/api/panic").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.json(),
        json!({ "error": { "code": "INTERNAL_ERROR", "message": "Internal server error", "details": null } })
    );
    assert_eq!(get(&app, "/api/users/me").await.body, "me");
}

#[tokio::test]
async fn axum_rejections_through_the_generated_router_are_json() {
    let app = conventions_router();
    let reply = send(&app, Method::POST, "/api/axum-json", Some("{nope")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn bad_path_parameter_through_the_generated_router() {
    let reply = get(&conventions_router(), "/api/items/abc").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["error"]["message"],
        "Invalid path parameter `itemId`: expected u32, got `abc`"
    );
}

#[tokio::test]
async fn body_over_the_default_limit_is_a_json_413() {
    let big = format!("\"{}\"", "x".repeat(2 * 1024 * 1024 + 1));
    let reply = send(&conventions_router(), Method::POST, "/api/echo", Some(&big)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"]["code"], "PAYLOAD_TOO_LARGE");
    let small = send(
        &conventions_router(),
        Method::POST,
        "/api/echo",
        Some("[1]"),
    )
    .await;
    assert_eq!(small.body, "[1]");
}
