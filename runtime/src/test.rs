//! Testing route handlers: send requests to your router in-process and check the answer.
//!
//! Available with the `testing` feature; add it to your dev-dependencies only:
//!
//! ```toml
//! [dev-dependencies]
//! fsroute = { version = "0.1", features = ["testing"] }
//! ```
//!
//! A Next.js route test calls the handler with a `Request` and reads the JSON. Here you
//! build the router your app serves, state included (`routes::router(state)`), and send
//! it requests through [`TestClient`]. Each request runs the whole stack (routing,
//! middleware, extractors, the JSON error shape) without opening a socket.
//!
//! ```
//! use axum::{Json, Router, routing::get};
//! use fsroute::test::TestClient;
//! use serde_json::{Value, json};
//!
//! async fn user() -> Json<Value> {
//!     Json(json!({ "id": 1, "name": "Ada" }))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // In your tests: `TestClient::new(routes::router(state))`.
//! let client = TestClient::new(Router::new().route("/api/users/1", get(user)));
//!
//! let reply = client.get("/api/users/1").await;
//! assert_eq!(reply.status(), 200);
//! assert_eq!(reply.json()["name"], "Ada");
//!
//! let missing = client.get("/api/users/2").await;
//! assert_eq!(missing.status(), 404);
//! # }
//! ```
//!
//! Requests are built with [`TestRequest`]: headers, a bearer token, a JSON, form or raw
//! body; `.await` sends it and collects the whole body into a [`TestResponse`]. For
//! streams that do not end by themselves (Server-Sent Events),
//! [`.stream()`](TestRequest::stream) returns as soon as the response head is there and
//! a [`StreamingResponse`] reads the body piece by piece.
//!
//! The helpers panic when something is not what the test expects (a body that is not
//! JSON, a header that is not text), and the message shows the status and the body.

#[cfg(feature = "redis")]
mod redis_server;
#[cfg(feature = "redis")]
pub use redis_server::{RedisServer, redis_url_or_skip};

use std::fmt;
use std::future::{Future, IntoFuture};
use std::panic::Location;
use std::pin::Pin;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt;

/// Longest body text a panic message shows; a 5 MB upload would drown the message.
const SHOWN_BODY: usize = 2000;

/// Sends requests to a router in-process, as a server would.
///
/// Cheap to clone; every request goes to a fresh clone of the router, so one client can
/// be shared by concurrent requests.
///
/// ```
/// use axum::{Router, routing::post};
/// use fsroute::test::TestClient;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let client = TestClient::new(Router::new().route("/echo", post(|body: String| async { body })));
/// let reply = client.post("/echo").body("hello").await;
/// assert_eq!(reply.text(), "hello");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TestClient {
    router: Router,
}

impl TestClient {
    /// A client for `router`: what your app serves, usually `routes::router(state)` with
    /// the app's layers applied.
    pub fn new(router: Router) -> TestClient {
        TestClient { router }
    }

    /// The router requests go to.
    ///
    /// ```
    /// # use fsroute::test::TestClient;
    /// let client = TestClient::new(axum::Router::new());
    /// let _router: &axum::Router = client.router();
    /// ```
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// A request with any method, for example `OPTIONS` or `PROPFIND`.
    ///
    /// Panics when `uri` is not a valid URI.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use fsroute::test::TestClient;
    /// use http::Method;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let reply = client.request(Method::PUT, "/").await;
    /// assert_eq!(reply.status(), 405);
    /// # }
    /// ```
    #[track_caller]
    pub fn request(&self, method: Method, uri: impl AsRef<str>) -> TestRequest {
        let uri = uri.as_ref();
        // `match`, not `unwrap_or_else`: a closure would hide the caller's line.
        match Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
        {
            Ok(request) => self.send(request),
            Err(err) => panic!("cannot make a request for `{uri}`: {err}"),
        }
    }

    /// A `GET` request.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/health", get(|| async { "ok" })));
    /// assert_eq!(client.get("/health").await.text(), "ok");
    /// # }
    /// ```
    #[track_caller]
    pub fn get(&self, uri: impl AsRef<str>) -> TestRequest {
        self.request(Method::GET, uri)
    }

    /// A `POST` request; add a body with [`TestRequest::json`], [`TestRequest::form`]
    /// or [`TestRequest::body`].
    ///
    /// ```
    /// use axum::{Json, Router, routing::post};
    /// use fsroute::test::TestClient;
    /// use serde_json::{Value, json};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Router::new().route("/users", post(|Json(user): Json<Value>| async { Json(user) }));
    /// let reply = TestClient::new(app).post("/users").json(&json!({ "name": "Ada" })).await;
    /// assert_eq!(reply.json(), json!({ "name": "Ada" }));
    /// # }
    /// ```
    #[track_caller]
    pub fn post(&self, uri: impl AsRef<str>) -> TestRequest {
        self.request(Method::POST, uri)
    }

    /// A `PUT` request.
    ///
    /// ```
    /// use axum::{Router, routing::put};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", put(|| async { "put" })));
    /// assert_eq!(client.put("/").await.text(), "put");
    /// # }
    /// ```
    #[track_caller]
    pub fn put(&self, uri: impl AsRef<str>) -> TestRequest {
        self.request(Method::PUT, uri)
    }

    /// A `PATCH` request.
    ///
    /// ```
    /// use axum::{Router, routing::patch};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", patch(|| async { "patch" })));
    /// assert_eq!(client.patch("/").await.text(), "patch");
    /// # }
    /// ```
    #[track_caller]
    pub fn patch(&self, uri: impl AsRef<str>) -> TestRequest {
        self.request(Method::PATCH, uri)
    }

    /// A `DELETE` request.
    ///
    /// ```
    /// use axum::{Router, http::StatusCode, routing::delete};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", delete(|| async { StatusCode::NO_CONTENT })));
    /// let reply = client.delete("/").await;
    /// assert_eq!((reply.status(), reply.bytes().len()), (StatusCode::NO_CONTENT, 0));
    /// # }
    /// ```
    #[track_caller]
    pub fn delete(&self, uri: impl AsRef<str>) -> TestRequest {
        self.request(Method::DELETE, uri)
    }

    /// A `HEAD` request.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hello" })));
    /// let reply = client.head("/").await;
    /// assert_eq!((reply.header("content-length"), reply.text()), (Some("5"), ""));
    /// # }
    /// ```
    #[track_caller]
    pub fn head(&self, uri: impl AsRef<str>) -> TestRequest {
        self.request(Method::HEAD, uri)
    }

    /// An `OPTIONS` request.
    ///
    /// ```
    /// use axum::{Router, routing::options};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", options(|| async { "options" })));
    /// assert_eq!(client.options("/").await.text(), "options");
    /// # }
    /// ```
    #[track_caller]
    pub fn options(&self, uri: impl AsRef<str>) -> TestRequest {
        self.request(Method::OPTIONS, uri)
    }

    /// A request the caller built with `http::Request`: for what the builder does not
    /// cover, or to reuse a request-making helper. The request can still be changed
    /// before it is sent.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use fsroute::test::TestClient;
    /// use http::Request;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let request = Request::get("/").header("x-trace", "1").body(()).unwrap();
    /// assert_eq!(client.send(request).await.text(), "hi");
    /// # }
    /// ```
    pub fn send<B: Into<Body>>(&self, request: Request<B>) -> TestRequest {
        TestRequest {
            router: self.router.clone(),
            request: request.map(Into::into),
        }
    }
}

/// A request being built. `.await` it (or call [`send`](TestRequest::send)) for the
/// whole response, or [`stream`](TestRequest::stream) for a streaming one.
///
/// The builder methods panic on input that cannot make a request (a header name with a
/// space, a value that does not serialize), at the line that passed it.
///
/// ```
/// use axum::{Router, http::HeaderMap, routing::get};
/// use fsroute::test::TestClient;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let who = |headers: HeaderMap| async move {
///     format!("{:?}", headers.get("authorization").unwrap())
/// };
/// let client = TestClient::new(Router::new().route("/me", get(who)));
/// let reply = client.get("/me").bearer("secret").header("x-extra", "1").await;
/// assert_eq!(reply.text(), "\"Bearer secret\"");
/// # }
/// ```
pub struct TestRequest {
    router: Router,
    request: Request<Body>,
}

impl TestRequest {
    /// Adds a header; a second call with the same name adds a second value.
    ///
    /// ```
    /// use axum::{Router, http::HeaderMap, routing::get};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let count = |headers: HeaderMap| async move { headers.get_all("x-tag").iter().count().to_string() };
    /// let client = TestClient::new(Router::new().route("/", get(count)));
    /// let reply = client.get("/").header("x-tag", "a").header("x-tag", "b").await;
    /// assert_eq!(reply.text(), "2");
    /// # }
    /// ```
    #[track_caller]
    pub fn header<K, V>(mut self, name: K, value: V) -> TestRequest
    where
        K: TryInto<HeaderName>,
        K::Error: fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Display,
    {
        let name = match name.try_into() {
            Ok(name) => name,
            Err(err) => panic!("not a header name: {err}"),
        };
        let value = match value.try_into() {
            Ok(value) => value,
            Err(err) => panic!("not a value for header `{name}`: {err}"),
        };
        self.request.headers_mut().append(name, value);
        self
    }

    /// Sets `Content-Type`, replacing any earlier one; for a raw [`body`](Self::body).
    ///
    /// ```
    /// use axum::{Json, Router, routing::post};
    /// use fsroute::test::TestClient;
    /// use serde_json::Value;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Router::new().route("/", post(|Json(v): Json<Value>| async move { v.to_string() }));
    /// let client = TestClient::new(app);
    /// // A JSON body that does not parse: only a raw body can send one.
    /// let reply = client.post("/").content_type("application/json").body("{oops").await;
    /// assert_eq!(reply.status(), 400);
    /// # }
    /// ```
    #[track_caller]
    pub fn content_type(mut self, content_type: &str) -> TestRequest {
        let value = match HeaderValue::from_str(content_type) {
            Ok(value) => value,
            Err(err) => panic!("not a content type `{content_type}`: {err}"),
        };
        self.request.headers_mut().insert(CONTENT_TYPE, value);
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    ///
    /// ```
    /// use axum::{Router, http::HeaderMap, routing::get};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let auth = |h: HeaderMap| async move { h["authorization"].to_str().unwrap().to_owned() };
    /// let client = TestClient::new(Router::new().route("/", get(auth)));
    /// assert_eq!(client.get("/").bearer("t0k3n").await.text(), "Bearer t0k3n");
    /// # }
    /// ```
    #[track_caller]
    pub fn bearer(self, token: &str) -> TestRequest {
        self.header(AUTHORIZATION, format!("Bearer {token}"))
    }

    /// A JSON body, with `Content-Type: application/json`.
    ///
    /// ```
    /// use axum::{Json, Router, routing::post};
    /// use fsroute::test::TestClient;
    /// use serde_json::{Value, json};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Router::new().route("/", post(|Json(v): Json<Value>| async move { Json(v) }));
    /// let reply = TestClient::new(app).post("/").json(&json!([1, 2])).await;
    /// assert_eq!(reply.json(), json!([1, 2]));
    /// # }
    /// ```
    #[track_caller]
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> TestRequest {
        let body = match serde_json::to_vec(value) {
            Ok(body) => body,
            Err(err) => panic!("the JSON body does not serialize: {err}"),
        };
        self.content_type("application/json").body(body)
    }

    /// A form body (`a=1&b=two`), with `Content-Type: application/x-www-form-urlencoded`.
    ///
    /// ```
    /// use axum::{Router, routing::post};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", post(|body: String| async { body })));
    /// let reply = client.post("/").form(&[("name", "Ada L"), ("age", "36")]).await;
    /// assert_eq!(reply.text(), "name=Ada+L&age=36");
    /// # }
    /// ```
    #[track_caller]
    pub fn form<T: Serialize + ?Sized>(self, value: &T) -> TestRequest {
        let body = match serde_urlencoded::to_string(value) {
            Ok(body) => body,
            Err(err) => panic!("the form body does not serialize: {err}"),
        };
        self.content_type("application/x-www-form-urlencoded")
            .body(body)
    }

    /// A raw body, sent as given: bytes, a string, or any [`Body`]. Set its type with
    /// [`content_type`](Self::content_type).
    ///
    /// ```
    /// use axum::{Router, body::Bytes, routing::post};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let size = |body: Bytes| async move { body.len().to_string() };
    /// let client = TestClient::new(Router::new().route("/", post(size)));
    /// let reply = client.post("/").content_type("image/png").body(vec![0u8; 10]).await;
    /// assert_eq!(reply.text(), "10");
    /// # }
    /// ```
    pub fn body(mut self, body: impl Into<Body>) -> TestRequest {
        *self.request.body_mut() = body.into();
        self
    }

    /// Adds a request extension, as a server or an outer layer would: for example
    /// `axum::extract::ConnectInfo`, which only a real connection sets.
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use axum::{Router, extract::ConnectInfo, routing::get};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let peer = |ConnectInfo(addr): ConnectInfo<SocketAddr>| async move { addr.ip().to_string() };
    /// let client = TestClient::new(Router::new().route("/", get(peer)));
    /// let from = ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 50_000)));
    /// assert_eq!(client.get("/").extension(from).await.text(), "192.0.2.1");
    /// # }
    /// ```
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> TestRequest {
        self.request.extensions_mut().insert(value);
        self
    }

    /// Sends the request and reads the whole body; the same as `.await` on the request.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let pending = client.get("/").send();
    /// assert_eq!(pending.await.text(), "hi");
    /// # }
    /// ```
    pub async fn send(self) -> TestResponse {
        // No caller to name: `.await` goes through `IntoFuture`, which cannot track one.
        self.stream().await.read_rest(At(None)).await
    }

    /// Sends the request and returns once the status and headers are there, without
    /// waiting for the body: for Server-Sent Events and other streams, which may never
    /// end.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use fsroute::prelude::*;
    /// use fsroute::stream::sse::Event;
    /// use fsroute::test::TestClient;
    /// use futures_util::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // One event, then a stream that never ends.
    /// let events = || async {
    ///     let first = futures_util::stream::iter([Event::default().data("first")]);
    ///     sse_events(first.chain(futures_util::stream::pending()))
    /// };
    /// let client = TestClient::new(Router::new().route("/events", get(events)));
    /// let mut stream = client.get("/events").stream().await;
    /// assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    /// assert_eq!(stream.next_event().await.as_deref(), Some("data: first"));
    /// # }
    /// ```
    pub async fn stream(self) -> StreamingResponse {
        let response = match self.router.oneshot(self.request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        StreamingResponse::new(response)
    }
}

impl IntoFuture for TestRequest {
    type Output = TestResponse;
    type IntoFuture = Pin<Box<dyn Future<Output = TestResponse> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl fmt::Debug for TestRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestRequest")
            .field("method", self.request.method())
            .field("uri", self.request.uri())
            .field("headers", self.request.headers())
            .finish_non_exhaustive()
    }
}

/// A response whose whole body has been read.
///
/// ```
/// use axum::{Router, routing::get};
/// use fsroute::prelude::*;
/// use fsroute::test::TestClient;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = Router::new().route("/", get(|| async { ApiResult::<()>::Err(ApiError::not_found("User 7")) }));
/// let reply = TestClient::new(app).get("/").await;
/// assert_eq!(reply.status(), StatusCode::NOT_FOUND);
/// assert_eq!(reply.header("content-type"), Some("application/json"));
/// assert_eq!(reply.error_code(), Some("NOT_FOUND"));
/// assert_eq!(reply.error_message(), Some("User 7 not found"));
/// # }
/// ```
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// Parsed on first use, so `error_code` can hand out a `&str` into it.
    json: OnceLock<Result<Value, String>>,
}

impl TestResponse {
    /// The status code; compares with a number too: `assert_eq!(reply.status(), 200)`.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let reply = TestClient::new(Router::new()).get("/nowhere").await;
    /// assert_eq!(reply.status(), 404);
    /// assert!(reply.status().is_client_error());
    /// # }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// All the headers.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let reply = client.get("/").await;
    /// assert!(reply.headers().contains_key("content-type"));
    /// # }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header, as text; `None` when the response has none.
    ///
    /// Panics when the value is not visible ASCII.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let reply = client.post("/").await;
    /// assert_eq!(reply.header("allow"), Some("GET,HEAD"));
    /// assert_eq!(reply.header("retry-after"), None);
    /// # }
    /// ```
    #[track_caller]
    pub fn header(&self, name: &str) -> Option<&str> {
        header_text(&self.headers, name)
    }

    /// Every value of a header, in order.
    ///
    /// Panics when a value is not visible ASCII.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use axum::response::AppendHeaders;
    ///
    /// let cookies = || async { (AppendHeaders([("set-cookie", "a=1"), ("set-cookie", "b=2")]), "") };
    /// let client = TestClient::new(Router::new().route("/", get(cookies)));
    /// assert_eq!(client.get("/").await.header_all("set-cookie"), ["a=1", "b=2"]);
    /// # }
    /// ```
    #[track_caller]
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|value| visible(name, value))
            .collect()
    }

    /// The body as bytes.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { vec![0u8, 159] })));
    /// assert_eq!(client.get("/").await.bytes(), [0, 159]);
    /// # }
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body, taken out of the response.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let body: bytes::Bytes = client.get("/").await.into_bytes();
    /// assert_eq!(body, "hi");
    /// # }
    /// ```
    pub fn into_bytes(self) -> Bytes {
        self.body
    }

    /// The body as text.
    ///
    /// Panics, showing the body, when it is not UTF-8.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "café" })));
    /// assert_eq!(client.get("/").await.text(), "café");
    /// # }
    /// ```
    #[track_caller]
    pub fn text(&self) -> &str {
        match std::str::from_utf8(&self.body) {
            Ok(text) => text,
            Err(err) => panic!(
                "the {} response's body is not UTF-8 ({err}): {}",
                self.status,
                self.shown()
            ),
        }
    }

    /// The body as JSON, to index into: `reply.json()["user"]["name"]`.
    ///
    /// Panics, showing the body, when it is not JSON.
    ///
    /// ```
    /// # use axum::{Json, Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// use serde_json::json;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let user = || async { Json(json!({ "user": { "name": "Ada" } })) };
    /// let reply = TestClient::new(Router::new().route("/", get(user))).get("/").await;
    /// assert_eq!(reply.json()["user"]["name"], "Ada");
    /// assert_eq!(reply.json(), json!({ "user": { "name": "Ada" } }));
    /// # }
    /// ```
    #[track_caller]
    pub fn json(&self) -> Value {
        match self.parsed() {
            Ok(value) => value.clone(),
            Err(err) => panic!(
                "the {} response's body is not JSON ({err}): {}",
                self.status,
                self.shown()
            ),
        }
    }

    /// The body as JSON, deserialized into `T`.
    ///
    /// Panics, showing the body, when it is not JSON of that shape.
    ///
    /// ```
    /// # use axum::{Json, Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// use serde_json::json;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct User { name: String }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let user = || async { Json(json!({ "name": "Ada", "id": 1 })) };
    /// let reply = TestClient::new(Router::new().route("/", get(user))).get("/").await;
    /// assert_eq!(reply.json_as::<User>().name, "Ada");
    /// # }
    /// ```
    #[track_caller]
    pub fn json_as<T: DeserializeOwned>(&self) -> T {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(err) => panic!(
                "the {} response's body is not a `{}` ({err}): {}",
                self.status,
                std::any::type_name::<T>(),
                self.shown()
            ),
        }
    }

    /// The `code` of fsroute's error shape, `{"error":{"code":…,"message":…,"details":…}}`;
    /// `None` when the body is not an error of that shape.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::prelude::*;
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Router::new()
    ///     .route("/taken", get(|| async { ApiResult::<()>::Err(ApiError::conflict("Email taken")) }))
    ///     .route("/ok", get(|| async { "ok" }));
    /// let client = TestClient::new(app);
    /// assert_eq!(client.get("/taken").await.error_code(), Some("CONFLICT"));
    /// assert_eq!(client.get("/ok").await.error_code(), None);
    /// # }
    /// ```
    pub fn error_code(&self) -> Option<&str> {
        self.error_field("code")
    }

    /// The `message` of fsroute's error shape; `None` when the body is not an error of
    /// that shape.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::prelude::*;
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Router::new().route("/", get(|| async { ApiResult::<()>::Err(ApiError::forbidden("Admins only")) }));
    /// let reply = TestClient::new(app).get("/").await;
    /// assert_eq!(reply.error_message(), Some("Admins only"));
    /// # }
    /// ```
    pub fn error_message(&self) -> Option<&str> {
        self.error_field("message")
    }

    fn error_field(&self, field: &str) -> Option<&str> {
        self.parsed().ok()?.get("error")?.get(field)?.as_str()
    }

    fn parsed(&self) -> Result<&Value, &str> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.body).map_err(|err| err.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The body for a panic message: lossy text, cut short when long.
    fn shown(&self) -> String {
        shown(&self.body)
    }
}

impl fmt::Debug for TestResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.shown())
            .finish()
    }
}

/// A response whose body is read as it arrives: frame by frame, event by event, or the
/// rest at once with [`collect`](Self::collect).
///
/// Reading waits for the next piece with no time limit; wrap a read in
/// `tokio::time::timeout` when a test must fail rather than hang, or use
/// `#[tokio::test(start_paused = true)]` so timers fire without real waiting.
///
/// ```
/// use axum::{Router, routing::get};
/// use fsroute::prelude::*;
/// use fsroute::test::TestClient;
/// use futures_util::StreamExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let rows = || async {
///     let rows = futures_util::stream::iter(["a,b\n", "1,2\n"])
///         .map(|row| Ok::<_, std::io::Error>(bytes::Bytes::from(row)));
///     stream_bytes("text/csv", rows)
/// };
/// let client = TestClient::new(Router::new().route("/csv", get(rows)));
/// let mut stream = client.get("/csv").stream().await;
/// assert_eq!(stream.status(), 200);
/// assert_eq!(stream.next_chunk().await.as_deref(), Some(&b"a,b\n"[..]));
/// assert_eq!(stream.next_chunk().await.as_deref(), Some(&b"1,2\n"[..]));
/// assert_eq!(stream.next_chunk().await, None);
/// # }
/// ```
pub struct StreamingResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    /// Read but not handed out yet: what follows the last event `next_event` returned.
    pending: BytesMut,
    /// How much was read, for the message when the body fails.
    read: usize,
}

impl StreamingResponse {
    fn new(response: Response) -> StreamingResponse {
        let (parts, body) = response.into_parts();
        StreamingResponse {
            status: parts.status,
            headers: parts.headers,
            body,
            pending: BytesMut::new(),
            read: 0,
        }
    }

    /// The status code.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let stream = TestClient::new(Router::new()).get("/").stream().await;
    /// assert_eq!(stream.status(), 404);
    /// # }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// All the headers.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let stream = client.get("/").stream().await;
    /// assert_eq!(stream.headers()["content-length"], "2");
    /// # }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header, as text; `None` when the response has none.
    ///
    /// Panics when the value is not visible ASCII.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let stream = client.get("/").stream().await;
    /// assert_eq!(stream.header("content-type"), Some("text/plain; charset=utf-8"));
    /// # }
    /// ```
    #[track_caller]
    pub fn header(&self, name: &str) -> Option<&str> {
        header_text(&self.headers, name)
    }

    /// The next piece of the body as the handler sent it (one SSE event, one chunk of a
    /// byte stream), waiting for it; `None` at the end of the body.
    ///
    /// Panics when the body fails (a stream that yields an error).
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let mut stream = client.get("/").stream().await;
    /// assert_eq!(stream.next_chunk().await.as_deref(), Some(&b"hi"[..]));
    /// assert_eq!(stream.next_chunk().await, None);
    /// # }
    /// ```
    #[track_caller]
    pub fn next_chunk(&mut self) -> impl Future<Output = Option<Bytes>> + '_ {
        // `#[track_caller]` does not reach into an `async fn` body; capture it here.
        let caller = At(Some(Location::caller()));
        async move {
            if !self.pending.is_empty() {
                return Some(self.pending.split().freeze());
            }
            self.read_frame(caller).await
        }
    }

    /// The next Server-Sent Event, as its text without the blank line that ends it
    /// (`"event: done\ndata: [DONE]"`); waits for it, and returns `None` at the end of
    /// the body. A keep-alive comment is an event too (`":"`).
    ///
    /// Panics when the body fails, when it ends in the middle of an event, or when an
    /// event is not UTF-8.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// use fsroute::prelude::*;
    /// # use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tokens = || async { sse_json(futures_util::stream::iter([1, 2])) };
    /// let client = TestClient::new(Router::new().route("/", get(tokens)));
    /// let mut stream = client.get("/").stream().await;
    /// assert_eq!(stream.next_event().await.as_deref(), Some("data: 1"));
    /// assert_eq!(stream.next_event().await.as_deref(), Some("data: 2"));
    /// assert_eq!(stream.next_event().await, None);
    /// # }
    /// ```
    #[track_caller]
    pub fn next_event(&mut self) -> impl Future<Output = Option<String>> + '_ {
        let caller = At(Some(Location::caller()));
        async move {
            loop {
                if let Some(end) = self.pending.windows(2).position(|w| w == b"\n\n") {
                    let event = self.pending.split_to(end + 2);
                    let text = std::str::from_utf8(&event[..end]).unwrap_or_else(|err| {
                        panic!("{caller}an event is not UTF-8 ({err}): {}", shown(&event))
                    });
                    return Some(text.to_string());
                }
                match self.read_frame(caller).await {
                    Some(data) => self.pending.extend_from_slice(&data),
                    None if self.pending.is_empty() => return None,
                    None => panic!(
                        "{caller}the body ended in the middle of an event: {}",
                        shown(&self.pending)
                    ),
                }
            }
        }
    }

    /// Reads the rest of the body: a [`TestResponse`] with what was not read yet.
    ///
    /// Panics when the body fails.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// use fsroute::prelude::*;
    /// # use fsroute::test::TestClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tokens = || async { sse_json(futures_util::stream::iter([1, 2])) };
    /// let client = TestClient::new(Router::new().route("/", get(tokens)));
    /// let mut stream = client.get("/").stream().await;
    /// stream.next_event().await;
    /// assert_eq!(stream.collect().await.text(), "data: 2\n\n");
    /// # }
    /// ```
    #[track_caller]
    pub fn collect(self) -> impl Future<Output = TestResponse> {
        self.read_rest(At(Some(Location::caller())))
    }

    /// The body itself, for anything else: for example
    /// `into_body().into_data_stream()` for a `Stream` of chunks.
    ///
    /// ```
    /// # use axum::{Router, routing::get};
    /// # use fsroute::test::TestClient;
    /// use http_body_util::BodyExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Router::new().route("/", get(|| async { "hi" })));
    /// let body = client.get("/").stream().await.into_body();
    /// assert_eq!(body.collect().await.unwrap().to_bytes(), "hi");
    /// # }
    /// ```
    pub fn into_body(self) -> Body {
        self.body
    }

    async fn read_rest(mut self, caller: At) -> TestResponse {
        let mut body = std::mem::take(&mut self.pending);
        while let Some(data) = self.read_frame(caller).await {
            body.extend_from_slice(&data);
        }
        TestResponse {
            status: self.status,
            headers: self.headers,
            body: body.freeze(),
            json: OnceLock::new(),
        }
    }

    /// The next data frame; trailers are skipped.
    async fn read_frame(&mut self, caller: At) -> Option<Bytes> {
        loop {
            let frame = match self.body.frame().await? {
                Ok(frame) => frame,
                Err(err) => panic!(
                    "{caller}the {} response's body failed after {} bytes: {err}",
                    self.status, self.read
                ),
            };
            if let Ok(data) = frame.into_data() {
                self.read += data.len();
                return Some(data);
            }
        }
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Where a test read a stream, for panics from inside an `async` block, where
/// `#[track_caller]` does not reach: `"tests/api.rs:12:5: "`, or nothing when unknown.
#[derive(Clone, Copy)]
struct At(Option<&'static Location<'static>>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(location) => write!(f, "{location}: "),
            None => Ok(()),
        }
    }
}

#[track_caller]
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|value| visible(name, value))
}

#[track_caller]
fn visible<'a>(name: &str, value: &'a HeaderValue) -> &'a str {
    match value.to_str() {
        Ok(text) => text,
        Err(_) => panic!("header `{name}` is not visible ASCII: {value:?}"),
    }
}

fn shown(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(SHOWN_BODY) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], body.len()),
        None => text.into_owned(),
    }
}

/// What `tracing` logs on this thread while it lives, as plain text (no colour): for a
/// test that checks the log line a route writes, such as the ERROR line of a 500.
///
/// The capture is the thread's default subscriber, so the handler must run on the
/// test's thread: `#[tokio::test]` (current-thread) does that, as [`TestClient`] does.
///
/// ```
/// use fsroute::test::CapturedLog;
///
/// let log = CapturedLog::start();
/// tracing::error!("the database is unreachable");
/// assert_eq!(log.lines_at("ERROR").len(), 1);
/// assert!(log.text().contains("the database is unreachable"));
/// ```
pub struct CapturedLog {
    written: LogBuffer,
    _default: tracing::subscriber::DefaultGuard,
}

#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    /// Starts capturing; it stops when the value is dropped.
    pub fn start() -> CapturedLog {
        let written = LogBuffer::default();
        let writer = written.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        CapturedLog {
            written,
            _default: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        let bytes = self
            .written
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The lines logged at `level` (`"ERROR"`, `"WARN"`, `"INFO"`, …).
    pub fn lines_at(&self, level: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| line.split_whitespace().nth(1) == Some(level))
            .map(str::to_string)
            .collect()
    }
}
