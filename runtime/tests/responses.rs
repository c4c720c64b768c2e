//! Response helpers and pagination, through real requests.

use axum::Router;
use axum::routing::get;
use fsroute::pagination::CursorPage;
use fsroute::prelude::*;
use fsroute::test::TestClient;
use serde::Serialize;
use serde_json::json;

#[derive(Serialize, Clone)]
struct Item {
    id: u64,
}

fn items() -> Vec<Item> {
    (1..=45).map(|id| Item { id }).collect()
}

async fn list(page: Pagination) -> Paginated<Item> {
    let all = items();
    let data = all
        .iter()
        .skip(page.offset() as usize)
        .take(page.limit as usize)
        .cloned()
        .collect();
    page.respond(data, all.len() as u64)
}

async fn feed(page: CursorPagination) -> ApiResult<CursorPage<Item>> {
    let after: u64 = page.decode()?.unwrap_or(0);
    let rows = items()
        .into_iter()
        .filter(|item| item.id > after)
        .take(page.limit as usize + 1)
        .collect();
    Ok(page.respond(rows, |item| item.id))
}

fn app() -> Router {
    Router::new()
        .route(
            "/created",
            get(|| async { Created::new("/api/items/7", json!({ "id": 7 })) }),
        )
        .route("/gone", get(|| async { NoContent }))
        .route("/temp", get(|| async { Redirect::temporary("/elsewhere") }))
        .route("/perm", get(|| async { Redirect::permanent("/forever") }))
        .route(
            "/built",
            get(|| async {
                JsonResponse::new(json!({ "queued": true }))
                    .status(StatusCode::ACCEPTED)
                    .header("x-queue", "emails")
                    .cookie(Cookie::build(("seen", "1")).http_only(true).into())
                    .cookie(Cookie::new("theme", "dark"))
            }),
        )
        .route(
            "/bad-header",
            get(|| async { JsonResponse::new(1).header("x-bad", "line\nbreak") }),
        )
        .route(
            "/login",
            get(|| async {
                (
                    SetCookie(Cookie::new("session", "abc")),
                    Json(json!({ "ok": true })),
                )
            }),
        )
        .route(
            "/logout",
            get(|| async { (SetCookie::removal("session"), NoContent) }),
        )
        .route(
            "/accepted",
            get(|| async { Json(json!([1])).with_status(StatusCode::ACCEPTED) }),
        )
        .route("/items", get(list))
        .route("/feed", get(feed))
}

fn client() -> TestClient {
    TestClient::new(app())
}

#[tokio::test]
async fn created_has_location_and_body() {
    let reply = client().get("/created").await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(reply.header("location"), Some("/api/items/7"));
    assert_eq!(reply.json(), json!({ "id": 7 }));
}

#[tokio::test]
async fn no_content_and_redirects() {
    let reply = client().get("/gone").await;
    assert_eq!((reply.status().as_u16(), reply.text()), (204, ""));
    let reply = client().get("/temp").await;
    assert_eq!(reply.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(reply.header("location"), Some("/elsewhere"));
    let reply = client().get("/perm").await;
    assert_eq!(reply.status(), StatusCode::PERMANENT_REDIRECT);
}

#[tokio::test]
async fn json_response_with_status_headers_and_cookies() {
    let reply = client().get("/built").await;
    assert_eq!(reply.status(), StatusCode::ACCEPTED);
    assert_eq!(reply.header("x-queue"), Some("emails"));
    assert_eq!(
        reply.header_all("set-cookie"),
        ["seen=1; HttpOnly", "theme=dark"]
    );
    assert_eq!(reply.json(), json!({ "queued": true }));
    assert_eq!(
        client().get("/accepted").await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn an_invalid_header_is_a_500_not_a_silent_drop() {
    let reply = client().get("/bad-header").await;
    assert_eq!(reply.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.error_code(), Some("INTERNAL_ERROR"));
}

#[tokio::test]
async fn cookies_on_any_response() {
    let reply = client().get("/login").await;
    assert_eq!(reply.header("set-cookie"), Some("session=abc"));
    let reply = client().get("/logout").await;
    let removal = reply.header("set-cookie").unwrap();
    assert!(
        removal.starts_with("session=; Path=/; Max-Age=0"),
        "{removal}"
    );
}

#[tokio::test]
async fn pagination_defaults_and_shape() {
    let reply = client().get("/items").await;
    let body = reply.json();
    assert_eq!(
        body["pagination"],
        json!({ "page": 1, "limit": 20, "total": 45, "totalPages": 3 })
    );
    assert_eq!(body["data"].as_array().unwrap().len(), 20);
    assert_eq!(body["data"][0], json!({ "id": 1 }));

    let body = client().get("/items?page=3&limit=20").await.json();
    let ids: Vec<u64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (41..=45).collect::<Vec<_>>());
    let body = client().get("/items?page=9").await.json();
    assert_eq!(body["data"], json!([]));
}

#[tokio::test]
async fn pagination_out_of_bounds_is_a_clear_400() {
    let cases = [
        (
            "limit=0",
            "Invalid query parameter `limit`: must be a whole number from 1 to 100, got `0`",
        ),
        (
            "limit=101",
            "Invalid query parameter `limit`: must be a whole number from 1 to 100, got `101`",
        ),
        (
            "page=-1",
            "Invalid query parameter `page`: must be a whole number from 1 to 92233720368547758, got `-1`",
        ),
        (
            "page=0",
            "Invalid query parameter `page`: must be a whole number from 1 to 92233720368547758, got `0`",
        ),
        (
            "page=abc",
            "Invalid query parameter `page`: must be a whole number from 1 to 92233720368547758, got `abc`",
        ),
        // Past the page whose offset still fits a signed 64-bit SQL OFFSET.
        (
            "page=92233720368547759",
            "Invalid query parameter `page`: must be a whole number from 1 to 92233720368547758, got `92233720368547759`",
        ),
        (
            "page=18446744073709551615",
            "Invalid query parameter `page`: must be a whole number from 1 to 92233720368547758, got `18446744073709551615`",
        ),
    ];
    for (query, message) in cases {
        let reply = client().get(format!("/items?{query}")).await;
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.error_code(), Some("INVALID_QUERY"));
        assert_eq!(reply.error_message(), Some(message));
    }
}

#[tokio::test]
async fn cursor_pages_walk_the_whole_list_once() {
    let client = client();
    let mut seen = Vec::new();
    let mut uri = "/feed?limit=20".to_string();
    loop {
        let body = client.get(&uri).await.json();
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_u64().unwrap()),
        );
        match body["pagination"]["nextCursor"].as_str() {
            Some(cursor) => {
                assert_eq!(body["pagination"]["hasMore"], true);
                uri = format!("/feed?limit=20&cursor={cursor}");
            }
            None => {
                assert_eq!(body["pagination"]["hasMore"], false);
                break;
            }
        }
    }
    assert_eq!(seen, (1..=45).collect::<Vec<_>>());
    let reply = client.get("/feed?cursor=not-ours").await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), Some("INVALID_CURSOR"));
}
