//! The generated client against the real template app on a real socket: the app starts
//! in-process on a fresh SQLite database, on a free port of 127.0.0.1.

use std::net::SocketAddr;

use futures_util::TryStreamExt;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use template_app::config::{TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD};
use template_app::{AppState, Config, app};
use template_client::{Client, ClientInfo, Error, types};

/// The running app; the server stops when this is dropped.
struct Server {
    url: String,
    task: tokio::task::JoinHandle<()>,
    /// The data folder (database, uploads), kept as long as the server.
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_data_dir(dir.path());
    let state = AppState::start(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // The login route's rate limit reads the peer address.
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    Server { url, task, dir }
}

/// A client that sends `Authorization: Bearer <token>` with every request: the
/// document's `bearerAuth`, which progenitor leaves to the `reqwest::Client`.
fn signed_in(url: &str, token: &str) -> Client {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    value.set_sensitive(true);
    let headers = HeaderMap::from_iter([(AUTHORIZATION, value)]);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::new_with_client(url, http)
}

/// Registers an account and logs in with it, through the generated client.
async fn register_and_log_in(url: &str, email: &str, name: &str) -> (types::User, Client) {
    let anonymous = Client::new(url);
    let password = "correct horse";
    let created = anonymous
        .post_auth_register()
        .body_map(|body| body.email(email).name(name).password(password))
        .send()
        .await
        .unwrap();
    // The same 202 whether or not the email had an account: the user comes with the login.
    assert_eq!(created.status(), StatusCode::ACCEPTED);
    let session = anonymous
        .post_auth_login()
        .body_map(|body| body.email(email).password(password))
        .send()
        .await
        .unwrap()
        .into_inner();
    (session.user, signed_in(url, &session.token))
}

#[tokio::test]
async fn register_log_in_and_work_with_posts() {
    let server = start().await;
    let (ada, client) = register_and_log_in(&server.url, "Ada@Example.com", "Ada").await;
    assert_eq!(
        ada.email, "ada@example.com",
        "the server lower-cases emails"
    );
    assert_eq!(ada.role, "user", "registering never makes an admin");

    // Create: tags come back trimmed, lower-cased and sorted, with a Location header.
    let created = client
        .post_posts()
        .body_map(|body| {
            body.title("  Hello from progenitor ")
                .content("Generated from openapi-3.0.json.")
                .published(true)
                .tags(vec![
                    " Rust ".try_into().unwrap(),
                    "OpenAPI".try_into().unwrap(),
                ])
        })
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let post = created.into_inner();
    assert_eq!(location, format!("/api/posts/{}", post.id));
    assert_eq!(post.title, "Hello from progenitor");
    assert_eq!(post.tags, ["openapi", "rust"]);
    assert_eq!(post.author_id, ada.id);
    assert!(post.published);

    // Two more, one without the tag, to page through and filter.
    for (title, tag) in [("Second", "rust"), ("Untagged", "other")] {
        client
            .post_posts()
            .body_map(|body| {
                body.title(title)
                    .content("More.")
                    .tags(vec![tag.try_into().unwrap()])
            })
            .send()
            .await
            .unwrap();
    }

    // List: the `rust` posts, one per page, newest first.
    let first = client
        .get_posts()
        .tag("rust")
        .limit(std::num::NonZeroU64::new(1).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.pagination.total, 2);
    assert_eq!(first.pagination.total_pages, 2);
    assert_eq!(first.pagination.page, 1);
    let titles: Vec<_> = first.data.iter().map(|post| post.title.as_str()).collect();
    assert_eq!(titles, ["Second"]);
    let second = client
        .get_posts()
        .tag("rust")
        .limit(std::num::NonZeroU64::new(1).unwrap())
        .page(std::num::NonZeroU64::new(2).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.pagination.page, 2);
    assert_eq!(second.data.len(), 1);
    assert_eq!(second.data[0].id, post.id);
    let everything = client.get_posts().send().await.unwrap().into_inner();
    assert_eq!(everything.pagination.total, 3);

    // Read by id.
    let read = client
        .get_posts_by_id()
        .id(post.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.title, "Hello from progenitor");
    assert_eq!(read.content, "Generated from openapi-3.0.json.");

    // PATCH one field, then PUT the required ones.
    let patched = client
        .patch_posts_by_id()
        .id(post.id)
        .body_map(|body| body.published(Some(false)))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(!patched.published);
    assert_eq!(
        patched.title, "Hello from progenitor",
        "PATCH keeps the rest"
    );
    let replaced = client
        .put_posts_by_id()
        .id(post.id)
        .body_map(|body| {
            body.title("Replaced")
                .content("New text.")
                .tags(Some(vec!["Changed".try_into().unwrap()]))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replaced.title, "Replaced");
    assert_eq!(replaced.content, "New text.");
    assert_eq!(replaced.tags, ["changed"]);
    let reread = client
        .get_posts_by_id()
        .id(post.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reread.title, "Replaced");

    // Delete: 204, and the post is gone.
    let deleted = client
        .delete_posts_by_id()
        .id(post.id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let left = client.get_posts().send().await.unwrap().into_inner();
    assert_eq!(left.pagination.total, 2);
    assert!(left.data.iter().all(|other| other.id != post.id));
}

#[tokio::test]
async fn a_missing_post_is_the_typed_404() {
    let server = start().await;
    let (_, client) = register_and_log_in(&server.url, "ada@example.com", "Ada").await;
    let error = client
        .get_posts_by_id()
        .id(999_999)
        .send()
        .await
        .unwrap_err();
    let Error::ErrorResponse(response) = error else {
        panic!("expected the document's ApiError, got {error:?}");
    };
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: &types::ApiError = &response;
    assert_eq!(body.error.code, "NOT_FOUND");
    assert!(
        body.error.message.contains("999999"),
        "{}",
        body.error.message
    );

    // A title longer than the document's `maxLength` is refused before it is sent.
    let refused = client
        .post_posts()
        .body_map(|body| body.title("x".repeat(201).as_str()).content("Too long."))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::InvalidRequest(_)), "{refused:?}");
    let listed = client.get_posts().send().await.unwrap().into_inner();
    assert_eq!(listed.pagination.total, 0, "the post reached the server");

    // Without a token the `(protected)` routes answer 401, in the same shape.
    let anonymous = Client::new(&server.url);
    match anonymous.get_posts().send().await.unwrap_err() {
        Error::ErrorResponse(response) => {
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(response.error.code, "UNAUTHORIZED");
        }
        other => panic!("expected the document's ApiError, got {other:?}"),
    }
}

#[tokio::test]
async fn users_are_searched_and_paged() {
    let server = start().await;
    for (email, name) in [
        ("ada@example.com", "Ada Lovelace"),
        ("grace@example.com", "Grace Hopper"),
        ("alan@example.com", "Alan Turing"),
    ] {
        register_and_log_in(&server.url, email, name).await;
    }
    // Listing users is for admins: the one `Config::for_data_dir` makes.
    let session = Client::new(&server.url)
        .post_auth_login()
        .body_map(|body| {
            body.email(template_app::config::TEST_ADMIN_EMAIL)
                .password(template_app::config::TEST_ADMIN_PASSWORD)
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let admin = signed_in(&server.url, &session.token);
    let found = admin
        .get_users()
        .search("HOPPER")
        .send()
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = found.data.iter().map(|user| user.name.as_str()).collect();
    assert_eq!(names, ["Grace Hopper"]);
    assert_eq!(found.pagination.total, 1);

    let sorted = admin
        .get_users()
        .sort_by("name")
        .order("desc")
        .limit(std::num::NonZeroU64::new(2).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = sorted.data.iter().map(|user| user.name.as_str()).collect();
    assert_eq!(names, ["Grace Hopper", "Alan Turing"]);
    assert_eq!(sorted.pagination.total, 4, "the three and the admin");
    assert_eq!(sorted.pagination.total_pages, 2);
}

/// `getHealth` is not generated (see build.rs); the generated `types::Health` and the
/// client's own `reqwest::Client` still reach it.
#[tokio::test]
async fn health_through_the_clients_connection() {
    let server = start().await;
    let client = Client::new(&server.url);
    let response = client
        .client()
        .get(format!("{}/api/health", client.baseurl()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let health: types::Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.database, "reachable");
    // The server runs the version of the document the client was generated from.
    assert_eq!(health.version, Client::api_version());
}

/// progenitor gives a `text/event-stream` response as raw bytes: the events are there,
/// parsing them is the caller's.
#[tokio::test]
async fn chat_is_a_stream_of_bytes() {
    let server = start().await;
    let (_, client) = register_and_log_in(&server.url, "chat@example.com", "Chat").await;
    let stream = client
        .post_chat()
        .body_map(|body| body.message("hello there"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let chunks: Vec<_> = stream
        .into_inner()
        .into_inner()
        .try_collect()
        .await
        .unwrap();
    let text = String::from_utf8(chunks.concat()).unwrap();
    assert!(
        text.contains(r#"data: {"token":"You "}"#),
        "no first token in {text:?}"
    );
    assert!(
        text.contains("event: done\ndata: [DONE]"),
        "no done event in {text:?}"
    );
}

/// The download is a typed `200` (the runtime's `Download`), so progenitor generates it:
/// the bytes of the file, streamed, and a typed 404 for a missing one. The upload itself
/// is not generated (multipart), so the file is put in the uploads folder directly.
#[tokio::test]
async fn a_file_is_downloaded_as_bytes() {
    let server = start().await;
    let uploads = server.dir.path().join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..200_000).map(|i| (i % 253) as u8));
    std::fs::write(uploads.join("picture.png"), &png).unwrap();

    let client = Client::new(&server.url);
    let file = client
        .get_files_by_path()
        .path("picture.png")
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(
        file.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    let chunks: Vec<_> = file.into_inner().into_inner().try_collect().await.unwrap();
    assert_eq!(chunks.concat(), png);

    // `unwrap_err` would need the byte stream to be `Debug`.
    let Err(missing) = client.get_files_by_path().path("nothing.png").send().await else {
        panic!("a file that does not exist was found");
    };
    let Error::ErrorResponse(response) = missing else {
        panic!("expected the document's ApiError, got {missing:?}");
    };
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.error.code, "NOT_FOUND");

    // Deleting needs a token: the typed 401 without one. A file put there by hand has
    // no owner on record, so the admin deletes it.
    let Err(Error::ErrorResponse(anonymous)) = client
        .delete_files_by_path()
        .path("picture.png")
        .send()
        .await
    else {
        panic!("deleted without a token");
    };
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let session = client
        .post_auth_login()
        .body_map(|body| body.email(TEST_ADMIN_EMAIL).password(TEST_ADMIN_PASSWORD))
        .send()
        .await
        .unwrap()
        .into_inner();
    let admin = signed_in(&server.url, &session.token);
    let deleted = admin
        .delete_files_by_path()
        .path("picture.png")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(!uploads.join("picture.png").exists());
}
