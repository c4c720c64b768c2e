//! The template app's whole flow, through real requests on a temporary SQLite database.

mod common;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn health_reports_the_database() {
    let app = TestApp::new().await;
    let reply = app.get("/api/health", None).await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "database": "reachable", "cache": "local" })
    );
    assert_eq!(reply.header("x-request-id").map(str::len), Some(36));

    app.state.db.close().await;
    let reply = app.get("/api/health", None).await;
    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["database"], "unreachable");
}

#[tokio::test]
async fn register_then_login() {
    let app = TestApp::new().await;
    let first = app
        .register("Ada@Example.com", "Ada", "correct horse")
        .await;
    // The same answer whether or not the email had an account (docs/security.md).
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    assert!(first.json()["message"].is_string(), "{}", first.text());
    assert_eq!(first.header("location"), None);

    let session = app.login("ada@example.com", "correct horse").await;
    assert_eq!(session.status(), StatusCode::OK);
    let session = session.json();
    let user = &session["user"];
    assert_eq!(user["name"], "Ada");
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["role"], "user", "registering never makes an admin");
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none());
    let token = session["token"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/users/{}", user["id"]), Some(token))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_the_same_401() {
    let app = TestApp::new().await;
    app.register("ada@example.com", "Ada", "correct horse")
        .await;
    let wrong = app.login("ada@example.com", "wrong horse").await;
    let unknown = app.login("nobody@example.com", "correct horse").await;
    for reply in [wrong, unknown] {
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.json()["error"]["message"],
            "Invalid email or password"
        );
    }
}

#[tokio::test]
async fn validation_errors_carry_field_details() {
    let app = TestApp::new().await;
    let reply = app.register("not-an-email", "", "short").await;
    assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &reply.json()["error"]["details"]["fieldErrors"];
    for field in ["email", "name", "password"] {
        assert!(fields[field].is_array(), "{field}: {fields}");
    }
    let reply = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({ "email": "a@b.co" })),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), Some("INVALID_BODY"));
}

#[tokio::test]
async fn a_duplicate_email_is_a_409() {
    let app = TestApp::new().await;
    let (admin, _) = app.admin().await;
    let user = |email: &str| json!({ "email": email, "name": "Ada", "password": "correct horse" });
    app.call(
        Method::POST,
        "/api/users",
        Some(&admin),
        Some(user("ada@example.com")),
    )
    .await;
    let again = app
        .call(
            Method::POST,
            "/api/users",
            Some(&admin),
            Some(user("ADA@example.com")),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(
        again.json()["error"]["message"],
        "A user with the email ada@example.com already exists"
    );
}

#[tokio::test]
async fn tokens_missing_invalid_or_expired_are_401() {
    let app = TestApp::new().await;
    let (_, id) = app.sign_up("ada@example.com").await;
    let uri = format!("/api/users/{id}");

    let missing = app.get(&uri, None).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.error_code(), Some("UNAUTHORIZED"));

    let garbage = app.get(&uri, Some("not.a.token")).await;
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(garbage.json()["error"]["message"], "The token is not valid");

    let now = template_app::auth::now_seconds();
    let expired = app
        .state
        .tokens
        .issue_with_expiry(id, "admin", 0, now - 7200, now - 3600)
        .unwrap();
    let reply = app.get(&uri, Some(&expired)).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"]["message"], "The token has expired");

    let forged = template_app::auth::Tokens::new(
        b"someone else's secret, long enough",
        std::time::Duration::from_secs(60),
        &app.config.jwt_issuer,
    )
    .issue(id, "admin", 0)
    .unwrap();
    assert_eq!(
        app.get(&uri, Some(&forged)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // `alg: none` with the right claims and no signature.
    let encode = |json: serde_json::Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
    };
    let unsigned = format!(
        "{}.{}.",
        encode(json!({ "alg": "none", "typ": "JWT" })),
        encode(json!({ "sub": id.to_string(), "role": "admin", "iat": now, "exp": now + 3600 }))
    );
    assert_eq!(
        app.get(&uri, Some(&unsigned)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Signed with the right key, but missing a claim or with one of the wrong kind.
    let secret = app.config.jwt_secret.clone().unwrap();
    let signed = |claims: serde_json::Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let issuer = &app.config.jwt_issuer;
    let good = json!({ "sub": id.to_string(), "role": "admin", "iat": now, "exp": now + 3600, "iss": issuer, "aud": issuer, "ver": 0 });
    assert_eq!(
        app.get(&uri, Some(&signed(good.clone()))).await.status(),
        StatusCode::OK,
        "the hand-made token is right when complete"
    );
    for claim in ["sub", "exp", "role", "ver"] {
        let mut claims = good.clone();
        claims.as_object_mut().unwrap().remove(claim);
        let reply = app.get(&uri, Some(&signed(claims))).await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "without {claim}");
    }
    for (claim, value) in [
        ("sub", json!("not-a-number")),
        ("exp", json!("tomorrow")),
        ("sub", json!(9_999_999)),
    ] {
        let mut claims = good.clone();
        claims[claim] = value;
        let reply = app.get(&uri, Some(&signed(claims))).await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "{claim} wrong");
    }

    let not_bearer = app
        .client
        .get(&uri)
        .header("authorization", "Basic YWRhOnB3")
        .await;
    assert_eq!(not_bearer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_client_address() {
    let app = TestApp::with_config(|config| config.login_rate_per_minute = 3).await;
    let attempt = |ip: [u8; 4]| {
        app.client
            .post("/api/auth/login")
            .content_type("application/json")
            .body(r#"{"email":"a@example.com","password":"guess"}"#)
            .extension(ConnectInfo(SocketAddr::from((ip, 50_000))))
    };
    for _ in 0..3 {
        assert_eq!(
            attempt([192, 0, 2, 1]).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = attempt([192, 0, 2, 1]).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_code(), Some("RATE_LIMITED"));
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    // Another client is not affected.
    assert_eq!(
        attempt([192, 0, 2, 2]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Other routes are not limited by it.
    let registered = app.register("b@example.com", "B", "correct horse").await;
    assert_eq!(registered.status(), StatusCode::ACCEPTED);
}

/// Tokens and personal data are kept by no cache; every response is typed, unframed and
/// sends no `Referer` (security review L4). Downloads keep their own caching.
#[tokio::test]
async fn responses_carry_security_and_caching_headers() {
    let app = TestApp::new().await;
    let (token, _) = app.admin().await;
    let login = app
        .login(
            template_app::config::TEST_ADMIN_EMAIL,
            template_app::config::TEST_ADMIN_PASSWORD,
        )
        .await;
    let signed_in = app.get("/api/posts", Some(&token)).await;
    let refused = app.get("/api/posts", None).await;
    for (what, reply) in [
        ("login", &login),
        ("signed in", &signed_in),
        ("401", &refused),
    ] {
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{what}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{what}"
        );
    }
}

/// `CORS_ORIGINS=*` panicked inside tower-http once the app was already listening
/// (security review L10); alone, it now allows every origin.
#[tokio::test]
async fn a_wildcard_cors_origin_allows_every_origin_and_does_not_panic() {
    let app = TestApp::with_config(|config| {
        config.cors_origins = template_app::config::cors_origins("*").unwrap();
    })
    .await;
    let reply = app
        .client
        .get("/api/health")
        .header("origin", "https://anywhere.example")
        .await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn cors_headers_only_for_configured_origins() {
    let app = TestApp::with_config(|config| {
        config.cors_origins = vec!["https://app.example".to_string()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .options("/api/posts")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
    };
    let allowed = preflight("https://app.example").await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    // The route's own methods, not `*`.
    assert_eq!(
        allowed.header("access-control-allow-methods"),
        Some("GET, HEAD, OPTIONS, POST")
    );
    let allowed_headers = allowed.header("access-control-allow-headers").unwrap();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );

    for origin in [
        "https://evil.example",
        "https://app.example.evil.example",
        "null",
    ] {
        let refused = preflight(origin).await;
        let allow_headers: Vec<_> = refused
            .headers()
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-allow-"))
            .collect();
        assert!(allow_headers.is_empty(), "{origin}: {allow_headers:?}");
        let simple = app.client.get("/api/health").header("origin", origin).await;
        assert_eq!(simple.status(), StatusCode::OK);
        assert_eq!(
            simple.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
    }

    // No origins configured: no CORS headers for anyone.
    let closed = TestApp::new().await;
    let reply = closed
        .client
        .get("/api/health")
        .header("origin", "https://app.example")
        .await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_deleted_account_token_stops_working() {
    let app = TestApp::new().await;
    let (token, id) = app.sign_up("ada@example.com").await;
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/users/{id}"),
            Some(&token),
            None
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    let reply = app.get("/api/users", Some(&token)).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json()["error"]["message"],
        "The account no longer exists"
    );
}

async fn admin_with_users(count: usize) -> (TestApp, String) {
    let app = TestApp::new().await;
    let (admin, _) = app.admin().await;
    for i in 0..count {
        let reply = app
            .call(
                Method::POST,
                "/api/users",
                Some(&admin),
                Some(json!({ "email": format!("user{i:02}@example.com"), "name": format!("User {i:02}"), "password": "correct horse" })),
            )
            .await;
        assert_eq!(reply.status(), StatusCode::CREATED, "{}", reply.text());
    }
    (app, admin)
}

#[tokio::test]
async fn users_are_paginated_searched_and_sorted() {
    let (app, admin) = admin_with_users(24).await;
    let page = app
        .get("/api/users?page=2&limit=10", Some(&admin))
        .await
        .json();
    assert_eq!(
        page["pagination"],
        json!({ "page": 2, "limit": 10, "total": 25, "totalPages": 3 })
    );
    assert_eq!(page["data"].as_array().unwrap().len(), 10);
    assert!(page["data"][0].get("passwordHash").is_none());

    let found = app
        .get("/api/users?search=user%201", Some(&admin))
        .await
        .json();
    let names: Vec<&str> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(names.iter().all(|name| name.starts_with("User 1")));

    let sorted = app
        .get("/api/users?sortBy=name&order=desc&limit=3", Some(&admin))
        .await
        .json();
    let names: Vec<&str> = sorted["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["User 23", "User 22", "User 21"]);

    let bad = app
        .get("/api/users?sortBy=password_hash", Some(&admin))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json()["error"]["details"]["allowed"],
        json!(["id", "name", "email", "createdAt"])
    );
    assert_eq!(
        app.get("/api/users?order=sideways", Some(&admin))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/users?limit=0", Some(&admin)).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn sql_in_search_and_sort_does_nothing() {
    let (app, admin) = admin_with_users(3).await;
    for search in ["' OR 1=1 --", "%", "_", "'; DROP TABLE users; --"] {
        let uri = format!("/api/users?search={}", urlencode(search));
        let reply = app.get(&uri, Some(&admin)).await;
        assert_eq!(reply.status(), StatusCode::OK, "{search}");
        assert_eq!(reply.json()["pagination"]["total"], 0, "{search}");
    }
    let uri = format!("/api/users?sortBy={}", urlencode("name; DROP TABLE users"));
    assert_eq!(
        app.get(&uri, Some(&admin)).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 4);
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn only_admins_create_users_and_users_change_only_themselves() {
    let app = TestApp::new().await;
    let (admin, admin_id) = app.admin().await;
    let (user, user_id) = app.sign_up("user@example.com").await;

    let reply = app
        .call(
            Method::POST,
            "/api/users",
            Some(&user),
            Some(json!({ "email": "x@example.com", "name": "X", "password": "correct horse" })),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), Some("FORBIDDEN"));

    let other = format!("/api/users/{admin_id}");
    let reply = app
        .call(
            Method::PATCH,
            &other,
            Some(&user),
            Some(json!({ "name": "Hacked" })),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.call(Method::DELETE, &other, Some(&user), None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let mine = format!("/api/users/{user_id}");
    let reply = app
        .call(
            Method::PATCH,
            &mine,
            Some(&user),
            Some(json!({ "name": "Renamed" })),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.json()["name"], "Renamed");
    let reply = app
        .call(
            Method::PATCH,
            &mine,
            Some(&user),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(
        reply.status(),
        StatusCode::FORBIDDEN,
        "no promoting yourself"
    );

    let reply = app
        .call(
            Method::PUT,
            &mine,
            Some(&admin),
            Some(json!({ "email": "u2@example.com", "name": "U2" })),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.json()["email"], "u2@example.com");
    let reply = app
        .call(
            Method::PUT,
            &mine,
            Some(&admin),
            Some(json!({ "name": "only a name" })),
        )
        .await;
    // PUT's body type requires what it replaces, so this is the body's 400.
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), Some("INVALID_BODY"));

    // A changed password is the one that works.
    app.call(
        Method::PATCH,
        &mine,
        Some(&admin),
        Some(json!({ "password": "a new password" })),
    )
    .await;
    assert_eq!(
        app.login("u2@example.com", "a new password").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login("u2@example.com", "correct horse").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn missing_users_are_404_and_delete_is_204() {
    let app = TestApp::new().await;
    let (admin, _) = app.admin().await;
    let (_, user_id) = app.sign_up("user@example.com").await;
    let missing = app.get("/api/users/999", Some(&admin)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["message"], "User 999 not found");
    let reply = app
        .call(
            Method::DELETE,
            &format!("/api/users/{user_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (reply.status(), reply.bytes().len()),
        (StatusCode::NO_CONTENT, 0)
    );
    assert_eq!(
        app.get(&format!("/api/users/{user_id}"), Some(&admin))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/users/abc", Some(&admin)).await.error_code(),
        Some("INVALID_PATH_PARAM")
    );
}

#[tokio::test]
async fn posts_with_tags_and_visibility() {
    let app = TestApp::new().await;
    let (alice, alice_id) = app.sign_up("alice@example.com").await;
    let (bob, _) = app.sign_up("bob@example.com").await;

    let draft = app
        .call(
            Method::POST,
            "/api/posts",
            Some(&bob),
            Some(json!({ "title": "Draft", "content": "wip", "tags": ["Rust", "drafts"] })),
        )
        .await;
    assert_eq!(draft.status(), StatusCode::CREATED, "{}", draft.text());
    let draft = draft.json();
    assert_eq!(draft["tags"], json!(["drafts", "rust"]));
    let published = app
        .call(Method::POST, "/api/posts", Some(&bob), Some(json!({ "title": "Hello", "content": "world", "published": true, "tags": ["rust"] })))
        .await
        .json();
    assert_ne!(
        published["authorId"], alice_id,
        "the author comes from the token"
    );

    // Bob's draft is his alone; the published post is everyone's.
    let (carol, _) = app.sign_up("carol@example.com").await;
    let (admin, _) = app.admin().await;
    let draft_uri = format!("/api/posts/{}", draft["id"]);
    assert_eq!(
        app.get(&draft_uri, Some(&carol)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&draft_uri, Some(&bob)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&draft_uri, Some(&alice)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&draft_uri, Some(&admin)).await.status(),
        StatusCode::OK,
        "admins see all"
    );
    let list = app.get("/api/posts", Some(&carol)).await.json();
    assert_eq!(list["pagination"]["total"], 1);
    let list = app.get("/api/posts?tag=drafts", Some(&bob)).await.json();
    assert_eq!(list["data"][0]["title"], "Draft");

    let published_uri = format!("/api/posts/{}", published["id"]);
    let reply = app
        .call(
            Method::PATCH,
            &published_uri,
            Some(&carol),
            Some(json!({ "title": "Mine now" })),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    let reply = app
        .call(
            Method::PATCH,
            &published_uri,
            Some(&bob),
            Some(json!({ "tags": ["web", "axum"] })),
        )
        .await;
    assert_eq!(reply.json()["tags"], json!(["axum", "web"]));
    assert_eq!(
        app.call(Method::DELETE, &published_uri, Some(&bob), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&published_uri, Some(&bob)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_failing_multi_row_write_leaves_nothing_behind() {
    let app = TestApp::new().await;
    let (token, _) = app.sign_up("ada@example.com").await;
    // The post is written, then its tags are found to hold `alpha` twice (after
    // lowercasing): the whole transaction must roll back, the post with it.
    let reply = app
        .call(
            Method::POST,
            "/api/posts",
            Some(&token),
            Some(json!({ "title": "Half", "content": "x", "tags": ["alpha", "beta", "Alpha"] })),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CONFLICT);
    assert_eq!(
        reply.json()["error"]["message"],
        "The tag `alpha` is given twice"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM posts").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM tags").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM post_tags").await, 0);
}

#[tokio::test]
async fn uploads_are_limited_stored_and_served() {
    let app = TestApp::new().await;
    let (token, _) = app.sign_up("ada@example.com").await;
    let png = b"\x89PNG\r\n\x1a\nnot really an image";

    let reply = app.upload(&token, "../../evil.png", "image/png", png).await;
    assert_eq!(reply.status(), StatusCode::CREATED, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["originalName"], "evil.png");
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with("/api/files/") && url.ends_with(".png"),
        "{url}"
    );
    let served = app.get(url, None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(served.bytes(), png);

    let reply = app
        .upload(&token, "x.svg", "image/svg+xml", b"<svg/>")
        .await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // The declared type is checked against the content, not trusted.
    let script = b"<script>alert(document.cookie)</script>";
    let reply = app.upload(&token, "x.png", "image/png", script).await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.error_code(), Some("CONTENT_TYPE_MISMATCH"));
    let gif = b"GIF89a\x01\x00\x01\x00";
    let reply = app.upload(&token, "x.png", "image/png", gif).await;
    assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        reply.json()["error"]["message"],
        "File content is `image/gif`, not the declared `image/png`"
    );

    let big = vec![0u8; 5 * 1024 * 1024 + 1];
    let reply = app.upload(&token, "big.png", "image/png", &big).await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), Some("PAYLOAD_TOO_LARGE"));

    let files = std::fs::read_dir(app.config.data_dir.join("uploads"))
        .unwrap()
        .count();
    assert_eq!(files, 1, "only the good upload was stored");
}

#[tokio::test]
async fn file_paths_cannot_leave_the_uploads_folder() {
    let app = TestApp::new().await;
    for path in [
        "/api/files/../app.db",
        "/api/files/%2E%2E/app.db",
        "/api/files/a/../../app.db",
        "/api/files/..%2Fapp.db",
    ] {
        let reply = app.get(path, None).await;
        assert!(
            reply.status() == StatusCode::BAD_REQUEST || reply.status() == StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.status()
        );
        assert!(reply.json()["error"].is_object(), "{path}");
    }
    assert_eq!(
        app.get("/api/files/..%2Fapp.db", None).await.error_code(),
        Some("INVALID_PATH")
    );
    let missing = app.get("/api/files/nope.png", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), Some("NOT_FOUND"));
}

#[tokio::test]
async fn chat_streams_a_reply_as_server_sent_events() {
    let app = TestApp::new().await;
    let (token, _) = app.sign_up("ada@example.com").await;
    // Read the events as they arrive, as a browser's EventSource would.
    let mut stream = app
        .client
        .post("/api/chat")
        .bearer(&token)
        .json(&json!({ "message": "hello there" }))
        .stream()
        .await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    let mut events = Vec::new();
    while let Some(event) = stream.next_event().await {
        events.push(event);
    }
    let (last, tokens) = events.split_last().unwrap();
    assert_eq!(*last, "event: done\ndata: [DONE]");
    let words: String = tokens
        .iter()
        .map(|event| {
            let data = event
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("{event}"));
            serde_json::from_str::<serde_json::Value>(data).unwrap()["token"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        words,
        "You said \"hello there\" (2 words). This reply is streamed one token at a time."
    );
    let empty = app
        .call(
            Method::POST,
            "/api/chat",
            Some(&token),
            Some(json!({ "message": "" })),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Security review L9: the chat is not open to anyone, and one user holds at most
/// `CHAT_STREAMS_PER_USER` replies open at once.
#[tokio::test]
async fn the_chat_needs_a_token_and_caps_the_streams_per_user() {
    let app = TestApp::with_config(|config| config.chat_streams_per_user = 2).await;
    let message = json!({ "message": "a reply long enough to still be streaming" });
    let anonymous = app
        .call(Method::POST, "/api/chat", None, Some(message.clone()))
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let (ada, ada_id) = app.sign_up("ada@example.com").await;
    let (bob, _) = app.sign_up("bob@example.com").await;
    let open = |token: String| {
        let request = app.client.post("/api/chat").bearer(&token).json(&message);
        async move { request.stream().await }
    };
    let mut first = open(ada.clone()).await;
    let second = open(ada.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(app.state.chat_streams.open_for(ada_id), 2);
    let third = app
        .call(Method::POST, "/api/chat", Some(&ada), Some(message.clone()))
        .await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.error_code(), Some("TOO_MANY_STREAMS"));
    assert!(third.header("retry-after").is_some());
    // Another user is not affected.
    assert_eq!(open(bob).await.status(), StatusCode::OK);

    // A reply that ends frees its slot, and so does one whose client goes away.
    while first.next_event().await.is_some() {}
    drop(first);
    drop(second);
    assert_eq!(app.state.chat_streams.open_for(ada_id), 0);
    let again = open(ada).await;
    assert_eq!(again.status(), StatusCode::OK);
}

// Found by Schemathesis (see docs/reliability.md): each test below pins one finding.

/// garde counted bytes where the document (JSON Schema) counts characters: a 7-letter
/// password of accented letters was accepted, a 100-letter name of them refused.
#[tokio::test]
async fn text_limits_count_characters_as_the_document_does() {
    let app = TestApp::new().await;
    let short = app.register("ada@example.com", "Ada", "ééééééé").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.json()["error"]["details"]["fieldErrors"]["password"].is_array());
    let long = app
        .register("ada@example.com", &"é".repeat(100), &"é".repeat(128))
        .await;
    assert_eq!(long.status(), StatusCode::ACCEPTED, "{}", long.text());
    let session = app.login("ada@example.com", &"é".repeat(128)).await;
    let token = session.json()["token"].as_str().unwrap().to_string();
    let post = app
        .call(
            Method::POST,
            "/api/posts",
            Some(&token),
            Some(json!({ "title": "é".repeat(200), "content": "x", "tags": ["é".repeat(50)] })),
        )
        .await;
    assert_eq!(post.status(), StatusCode::CREATED, "{}", post.text());
    let too_long = app
        .call(
            Method::POST,
            "/api/posts",
            Some(&token),
            Some(json!({ "title": "é".repeat(201), "content": "x" })),
        )
        .await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// The rule on `Option<Vec<String>>` tags applied to the list, not to each tag: PATCH
/// could not clear the tags (`[]` was "length is lower than 1"), and a 51-letter tag
/// went through PUT and PATCH.
#[tokio::test]
async fn tags_of_a_post_change_are_checked_one_by_one_and_can_be_cleared() {
    let app = TestApp::new().await;
    let (token, _) = app.sign_up("ada@example.com").await;
    let post = app
        .call(
            Method::POST,
            "/api/posts",
            Some(&token),
            Some(json!({ "title": "T", "content": "c", "tags": ["rust"] })),
        )
        .await
        .json();
    let uri = format!("/api/posts/{}", post["id"]);
    let cleared = app
        .call(
            Method::PATCH,
            &uri,
            Some(&token),
            Some(json!({ "tags": [] })),
        )
        .await;
    assert_eq!(cleared.status(), StatusCode::OK, "{}", cleared.text());
    assert_eq!(cleared.json()["tags"], json!([]));
    for method in [Method::PATCH, Method::PUT] {
        let reply = app
            .call(
                method.clone(),
                &uri,
                Some(&token),
                Some(json!({ "title": "T", "content": "c", "tags": ["ok", "x".repeat(51)] })),
            )
            .await;
        assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY, "{method}");
        assert!(
            reply.json()["error"]["details"]["fieldErrors"]["tags[1]"].is_array(),
            "{method}: {}",
            reply.text()
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM post_tags").await, 0);
}

/// The document let PUT leave out every field, and the handler then refused with 422:
/// PUT now has its own body type, with the fields it replaces required.
#[tokio::test]
async fn put_requires_the_fields_it_replaces_and_keeps_the_others() {
    let app = TestApp::new().await;
    let (token, id) = app.sign_up("ada@example.com").await;
    let post = app
        .call(
            Method::POST,
            "/api/posts",
            Some(&token),
            Some(json!({ "title": "T", "content": "c", "published": true, "tags": ["rust"] })),
        )
        .await
        .json();
    let uri = format!("/api/posts/{}", post["id"]);
    let partial = app
        .call(
            Method::PUT,
            &uri,
            Some(&token),
            Some(json!({ "title": "New" })),
        )
        .await;
    assert_eq!(partial.status(), StatusCode::BAD_REQUEST);
    assert_eq!(partial.error_code(), Some("INVALID_BODY"));
    let replaced = app
        .call(
            Method::PUT,
            &uri,
            Some(&token),
            Some(json!({ "title": "New", "content": "new" })),
        )
        .await;
    assert_eq!(replaced.status(), StatusCode::OK, "{}", replaced.text());
    let replaced = replaced.json();
    assert_eq!(
        (&replaced["title"], &replaced["content"]),
        (&json!("New"), &json!("new"))
    );
    assert_eq!(
        (&replaced["published"], &replaced["tags"]),
        (&json!(true), &json!(["rust"]))
    );

    let uri = format!("/api/users/{id}");
    let partial = app
        .call(
            Method::PUT,
            &uri,
            Some(&token),
            Some(json!({ "name": "Ada" })),
        )
        .await;
    assert_eq!(partial.status(), StatusCode::BAD_REQUEST);
    let replaced = app
        .call(
            Method::PUT,
            &uri,
            Some(&token),
            Some(json!({ "email": "ada@example.org", "name": "Ada L.", "currentPassword": "correct horse" })),
        )
        .await;
    assert_eq!(replaced.status(), StatusCode::OK, "{}", replaced.text());
    assert_eq!(replaced.json()["email"], "ada@example.org");
    assert_eq!(
        app.login("ada@example.org", "correct horse").await.status(),
        StatusCode::OK,
        "the password is kept"
    );
}

/// A tag of spaces or control characters passed `min = 1`, then was trimmed and
/// filtered to an empty name and stored.
#[tokio::test]
async fn blank_tags_are_refused() {
    let app = TestApp::new().await;
    let (token, _) = app.sign_up("ada@example.com").await;
    for tag in ["   ", "\u{7}", " \u{1b} "] {
        let reply = app
            .call(
                Method::POST,
                "/api/posts",
                Some(&token),
                Some(json!({ "title": "T", "content": "c", "tags": ["fine", tag] })),
            )
            .await;
        assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY, "{tag:?}");
        assert_eq!(reply.error_code(), Some("VALIDATION_FAILED"));
        assert_eq!(
            reply.json()["error"]["details"]["fieldErrors"]["tags[1]"],
            json!(["a tag cannot be blank"])
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM posts").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM tags").await, 0);
}

/// Security review L8, for posts: a title of spaces passed `min = 1` and was stored
/// empty, titles kept line breaks and escapes, and a NUL in content was stored on SQLite
/// but a 400 on PostgreSQL. Now titles are trimmed, then checked, on both databases.
#[tokio::test]
async fn post_titles_and_content_are_normalised_then_checked() {
    let app = TestApp::new().await;
    let (token, _) = app.sign_up("ada@example.com").await;
    let post =
        |body: serde_json::Value| app.call(Method::POST, "/api/posts", Some(&token), Some(body));

    let created = post(json!({ "title": "  Hello  ", "content": "two lines\n\tand a tab" })).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    assert_eq!(created["title"], "Hello");
    assert_eq!(created["content"], "two lines\n\tand a tab");

    for (body, field, message) in [
        (
            json!({ "title": "   ", "content": "c" }),
            "title",
            "a title cannot be blank",
        ),
        (
            json!({ "title": "one\ntwo", "content": "c" }),
            "title",
            "a title cannot contain control characters (line breaks, tabs, escapes)",
        ),
        (
            json!({ "title": "\u{1b}[31mred", "content": "c" }),
            "title",
            "a title cannot contain control characters (line breaks, tabs, escapes)",
        ),
        (
            json!({ "title": "T", "content": "a\u{0}b" }),
            "content",
            "content cannot contain control characters other than line breaks and tabs",
        ),
        (
            json!({ "title": "é".repeat(201), "content": "c" }),
            "title",
            "a title has at most 200 characters",
        ),
    ] {
        let reply = post(body.clone()).await;
        assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            reply.json()["error"]["details"]["fieldErrors"][field],
            json!([message]),
            "{body}"
        );
    }
    // 200 characters of two bytes each is within the limit.
    let long = post(json!({ "title": "é".repeat(200), "content": "c" })).await;
    assert_eq!(long.status(), StatusCode::CREATED);

    // The same rules on a change and a replacement.
    let url = format!("/api/posts/{}", created["id"]);
    let blank = app
        .call(
            Method::PATCH,
            &url,
            Some(&token),
            Some(json!({ "title": " \t " })),
        )
        .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let replaced = app
        .call(
            Method::PUT,
            &url,
            Some(&token),
            Some(json!({ "title": " Replaced ", "content": "new" })),
        )
        .await;
    assert_eq!(replaced.json()["title"], "Replaced");
    assert_eq!(app.count("SELECT COUNT(*) FROM posts").await, 2);
}

/// A NUL in a search or a tag filter was a 500 on PostgreSQL (fixed in the runtime as a
/// 400) and an ordinary search on SQLite; control characters are in no stored tag, name
/// or email, so both databases now answer 400 `INVALID_QUERY` and name the parameter.
#[tokio::test]
async fn control_characters_in_filters_are_a_400() {
    let app = TestApp::new().await;
    let (admin, _) = app.admin().await;
    for (url, parameter) in [
        ("/api/posts?tag=a%00b", "tag"),
        ("/api/posts?tag=%1B", "tag"),
        ("/api/users?search=ad%00", "search"),
    ] {
        let reply = app.get(url, Some(&admin)).await;
        assert_eq!(
            reply.status(),
            StatusCode::BAD_REQUEST,
            "{url}: {}",
            reply.text()
        );
        assert_eq!(reply.error_code(), Some("INVALID_QUERY"), "{url}");
        assert_eq!(reply.json()["error"]["details"]["parameter"], parameter);
    }
    let fine = app.get("/api/users?search=admin", Some(&admin)).await;
    assert_eq!(fine.json()["data"].as_array().unwrap().len(), 1);
}

/// The `pagination.total` of `GET /api/posts` for a signed-in user.
async fn total(app: &TestApp, token: &str) -> i64 {
    let reply = app.get("/api/posts", Some(token)).await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
    reply.json()["pagination"]["total"].as_i64().unwrap()
}

/// The list's total comes from counts kept by triggers (migration 8), not from counting
/// the posts: it must follow every change that moves a post in or out of a list — a new
/// post, publishing, unpublishing, deleting a post, deleting its author.
#[tokio::test]
async fn list_totals_follow_every_change() {
    let app = TestApp::new().await;
    let (admin, _) = app.admin().await;
    let (ada, ada_id) = app.sign_up("ada@example.com").await;
    let (bob, _) = app.sign_up("bob@example.com").await;
    let post = |token: String, published: bool| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/posts",
                Some(&token),
                Some(json!({ "title": "T", "content": "c", "published": published })),
            )
            .await
        }
    };
    let mut ada_posts = Vec::new();
    for published in [true, true, false] {
        let reply = post(ada.clone(), published).await;
        ada_posts.push(reply.json()["id"].as_i64().unwrap());
    }
    let bob_published = post(bob.clone(), true).await.json()["id"].as_i64().unwrap();
    post(bob.clone(), false).await;
    // Published: 3. Each sees those and their own drafts; the admin sees all 5.
    assert_eq!(
        (
            total(&app, &ada).await,
            total(&app, &bob).await,
            total(&app, &admin).await
        ),
        (4, 4, 5)
    );

    // Ada publishes her draft: one more for Bob.
    let url = format!("/api/posts/{}", ada_posts[2]);
    app.call(
        Method::PATCH,
        &url,
        Some(&ada),
        Some(json!({ "published": true })),
    )
    .await;
    assert_eq!((total(&app, &ada).await, total(&app, &bob).await), (4, 5));
    // And takes one back: one fewer for Bob, none for her.
    let url = format!("/api/posts/{}", ada_posts[0]);
    app.call(
        Method::PATCH,
        &url,
        Some(&ada),
        Some(json!({ "published": false })),
    )
    .await;
    assert_eq!((total(&app, &ada).await, total(&app, &bob).await), (4, 4));

    // Bob deletes his published post.
    let url = format!("/api/posts/{bob_published}");
    let deleted = app.call(Method::DELETE, &url, Some(&bob), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!((total(&app, &ada).await, total(&app, &bob).await), (3, 3));

    // Ada's account goes, with her posts.
    let url = format!("/api/users/{ada_id}");
    let deleted = app.call(Method::DELETE, &url, Some(&admin), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!((total(&app, &bob).await, total(&app, &admin).await), (1, 1));
    assert_eq!(app.count("SELECT COUNT(*) FROM posts").await, 1);
}

/// A page so far that `(page - 1) * limit` passed `i64::MAX` became a negative OFFSET:
/// SQLite answered with the first page, PostgreSQL with a 500.
#[tokio::test]
async fn pages_past_the_end_of_any_table_are_empty() {
    let app = TestApp::new().await;
    // The admin can list both; it is the only user and writes the only post.
    let (token, _) = app.admin().await;
    app.call(
        Method::POST,
        "/api/posts",
        Some(&token),
        Some(json!({ "title": "T", "content": "c", "published": true })),
    )
    .await;
    let last = fsroute::prelude::Pagination::MAX_PAGE;
    for list in ["/api/posts", "/api/users"] {
        // The last page a client may ask for is empty, on both databases.
        let reply = app
            .get(&format!("{list}?page={last}&limit=100"), Some(&token))
            .await;
        assert_eq!(reply.status(), StatusCode::OK, "{list}: {}", reply.text());
        let body = reply.json();
        assert_eq!(body["data"], json!([]), "{list}");
        assert_eq!(body["pagination"]["page"], last);
        assert_eq!(body["pagination"]["total"], 1);
        // Past it, a 400 (it was page 1 again on SQLite, a 500 on PostgreSQL).
        for page in [last + 1, i64::MAX as u64, u64::MAX] {
            let reply = app
                .get(&format!("{list}?page={page}&limit=100"), Some(&token))
                .await;
            assert_eq!(
                reply.status(),
                StatusCode::BAD_REQUEST,
                "{list} {page}: {}",
                reply.text()
            );
            assert_eq!(reply.json()["error"]["code"], "INVALID_QUERY");
            assert_eq!(reply.json()["error"]["details"]["field"], "page");
        }
    }
}

/// `app/proxy.rs`, before routing: `/api/v1/…` is `/api/…`, and `accept-version: 2` goes
/// to `/api/v2/…` where a route exists there, to the current route elsewhere.
#[tokio::test]
async fn the_proxy_serves_api_versions() {
    let app = TestApp::new().await;
    let current = json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "database": "reachable",
        "cache": "local"
    });
    let version_2 = json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "checks": { "database": "reachable", "cache": "local" }
    });

    let reply = app.get("/api/v1/health", None).await;
    assert_eq!(
        (reply.status(), reply.json()),
        (StatusCode::OK, current.clone())
    );

    let reply = app
        .client
        .get("/api/health")
        .header("accept-version", "2")
        .await;
    assert_eq!(
        (reply.status(), reply.json()),
        (StatusCode::OK, version_2.clone())
    );
    let reply = app.get("/api/v2/health", None).await;
    assert_eq!(reply.json(), version_2);
    let reply = app
        .client
        .get("/api/health")
        .header("accept-version", "1")
        .await;
    assert_eq!(reply.json(), current);

    // No `/api/v2/posts`: version 2 of it is the current one (here, its 401).
    let reply = app
        .client
        .get("/api/posts")
        .header("accept-version", "2")
        .await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);

    // Rewritten to a path with no route: the 404 names the path routing saw.
    let reply = app.get("/api/v1/nothing", None).await;
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json()["error"]["message"],
        "No route for GET /api/nothing"
    );
}

/// `GET /api/feed`: published posts for anyone, cached (`REVALIDATE`, `TAGS`), and every
/// post write (create, update, delete, the author's deletion) drops it before its
/// response leaves.
#[tokio::test]
async fn the_public_feed_is_cached_and_every_post_write_drops_it() {
    let app = TestApp::new().await;
    let (token, user_id) = app.sign_up("ada@example.com").await;
    let titles = |reply: &fsroute::test::TestResponse| -> Vec<String> {
        reply.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|post| post["title"].as_str().unwrap().to_string())
            .collect()
    };
    let feed = || app.get("/api/feed", None);
    let reply = feed().await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.header("x-fsroute-cache"), Some("MISS"));
    assert!(titles(&reply).is_empty());
    assert_eq!(feed().await.header("x-fsroute-cache"), Some("HIT"));

    let post = |title: &str, published: bool| json!({ "title": title, "content": "c", "published": published, "tags": ["news"] });
    let created = app
        .call(
            Method::POST,
            "/api/posts",
            Some(&token),
            Some(post("first", true)),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    // A draft is not in the feed (but it still drops it: the feed cannot know).
    app.call(
        Method::POST,
        "/api/posts",
        Some(&token),
        Some(post("draft", false)),
    )
    .await;
    let reply = feed().await;
    assert_eq!(reply.header("x-fsroute-cache"), Some("MISS"));
    assert_eq!(titles(&reply), ["first"]);
    assert_eq!(
        titles(&app.get("/api/feed?tag=news", None).await),
        ["first"]
    );
    assert!(titles(&app.get("/api/feed?tag=other", None).await).is_empty());

    let path = format!("/api/posts/{id}");
    let renamed = json!({ "title": "renamed" });
    let reply = app
        .call(Method::PATCH, &path, Some(&token), Some(renamed))
        .await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
    assert_eq!(titles(&feed().await), ["renamed"]);
    assert_eq!(
        titles(&app.get("/api/feed?tag=news", None).await),
        ["renamed"]
    );

    // Signed in: answered, not from the cache.
    let reply = app.get("/api/feed", Some(&token)).await;
    assert_eq!(reply.header("x-fsroute-cache"), Some("BYPASS"));

    let reply = app.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(reply.status(), StatusCode::NO_CONTENT);
    let reply = feed().await;
    assert_eq!(reply.header("x-fsroute-cache"), Some("MISS"));
    assert!(titles(&reply).is_empty());

    // The author's account deleted by an admin: their posts go, and so does the feed.
    app.call(
        Method::POST,
        "/api/posts",
        Some(&token),
        Some(post("again", true)),
    )
    .await;
    assert_eq!(titles(&feed().await), ["again"]);
    assert_eq!(feed().await.header("x-fsroute-cache"), Some("HIT"));
    let (admin, _) = app.admin().await;
    let reply = app
        .call(
            Method::DELETE,
            &format!("/api/users/{user_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reply.status(), StatusCode::NO_CONTENT, "{}", reply.text());
    assert!(titles(&feed().await).is_empty());
}
