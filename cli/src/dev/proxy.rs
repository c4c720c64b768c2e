//! The public port. `fsroute dev` owns it for its whole run and forwards each request to
//! the app that is running now; while a build runs, requests wait for it, so the first
//! request after a save is answered by the new code; after a failed build, they are
//! answered with the error.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long a request waits for a build before it is answered 503.
pub const HOLD_LIMIT: Duration = Duration::from_secs(60);

/// Where requests go now.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// A build (or the app's start) is under way: requests wait.
    Building,
    /// The app serving on this address.
    Ready(SocketAddr),
    /// No app to send requests to: they get this status and JSON error body.
    Unavailable { status: StatusCode, body: Arc<str> },
}

impl Upstream {
    /// A JSON error in the runtime's shape: `{"error": {"code", "message", "details"}}`.
    pub fn error(
        status: StatusCode,
        code: &str,
        message: &str,
        details: serde_json::Value,
    ) -> Upstream {
        let body = json!({"error": {"code": code, "message": message, "details": details}});
        Upstream::Unavailable {
            status,
            body: body.to_string().into(),
        }
    }
}

type Body = BoxBody<Bytes, hyper::Error>;

/// Serves `listener` until the process ends, sending each request where `upstream` says.
pub async fn serve(listener: TcpListener, upstream: watch::Receiver<Upstream>) {
    let client: Client<HttpConnector, Incoming> = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of descriptors, or a connection reset before it was accepted.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let upstream = upstream.clone();
        let client = client.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let upstream = upstream.clone();
                let client = client.clone();
                async move { Ok::<_, Infallible>(handle(request, peer, upstream, client).await) }
            });
            // HTTP/1.1 and h2c, as the app itself serves.
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    request: Request<Incoming>,
    peer: SocketAddr,
    mut upstream: watch::Receiver<Upstream>,
    client: Client<HttpConnector, Incoming>,
) -> Response<Body> {
    let deadline = tokio::time::Instant::now() + HOLD_LIMIT;
    let address = loop {
        let now = upstream.borrow_and_update().clone();
        match now {
            Upstream::Ready(address) => break address,
            Upstream::Unavailable { status, body } => return json_response(status, &body),
            Upstream::Building => {
                match tokio::time::timeout_at(deadline, upstream.changed()).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(_)) => return stopping(),
                    Err(_) => {
                        let waited = json!({"error": {
                            "code": "BUILD_IN_PROGRESS",
                            "message": format!(
                                "the app is still building after {} s; the terminal running \
                                 `fsroute dev` shows its progress",
                                HOLD_LIMIT.as_secs()
                            ),
                            "details": null,
                        }});
                        let mut response =
                            json_response(StatusCode::SERVICE_UNAVAILABLE, &waited.to_string());
                        response
                            .headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                        return response;
                    }
                }
            }
        }
    };
    match client.request(to_app(request, address, peer)).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            // Streamed as it comes: Server-Sent Events reach the client event by event.
            Response::from_parts(parts, body.boxed())
        }
        Err(err) => {
            let body = json!({"error": {
                "code": "APP_NOT_RUNNING",
                "message": format!("the app did not answer: {err}; the terminal running `fsroute dev` says why"),
                "details": null,
            }});
            json_response(StatusCode::BAD_GATEWAY, &body.to_string())
        }
    }
}

/// The request as the app should see it: to its socket, with the client's address in
/// `X-Forwarded-For` and the Host it asked for kept.
fn to_app(request: Request<Incoming>, address: SocketAddr, peer: SocketAddr) -> Request<Incoming> {
    let (mut parts, body) = request.into_parts();
    // HTTP/2 carries the host in the URI's authority, not a Host header.
    let authority = parts.uri.authority().map(|authority| authority.to_string());
    let path = parts
        .uri
        .path_and_query()
        .map(|path| path.as_str())
        .unwrap_or("/");
    parts.uri = format!("http://{address}{path}")
        .parse()
        .expect("an address and a path that parsed already");
    if !parts.headers.contains_key(header::HOST) {
        let host = authority.unwrap_or_else(|| address.to_string());
        if let Ok(host) = HeaderValue::from_str(&host) {
            parts.headers.insert(header::HOST, host);
        }
    }
    strip_hop_by_hop(&mut parts.headers);
    if let Ok(peer) = HeaderValue::from_str(&peer.ip().to_string()) {
        parts
            .headers
            .append(HeaderName::from_static("x-forwarded-for"), peer);
    }
    // h2c in front, HTTP/1.1 behind: the app sees one protocol from the proxy.
    parts.version = hyper::Version::HTTP_11;
    Request::from_parts(parts, body)
}

/// Headers about one connection, not the message (RFC 9110, 7.6.1).
fn strip_hop_by_hop(headers: &mut hyper::HeaderMap) {
    for name in [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
}

fn json_response(status: StatusCode, body: &str) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(body.to_string()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn stopping() -> Response<Body> {
    let body = json!({"error": {"code": "DEV_SERVER_STOPPING", "message": "fsroute dev is stopping", "details": null}});
    json_response(StatusCode::SERVICE_UNAVAILABLE, &body.to_string())
}
