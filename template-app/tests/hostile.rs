//! Hostile requests over a real socket: odd paths, odd headers, broken and slow bodies.
//! Every one gets a 4xx (a JSON error whenever it reaches the app), nothing panics, and
//! the server answers a good request afterwards. A panicking handler would show as a 500
//! (the app turns panics into one), which every status assertion here would catch.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Answer {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "not JSON ({err}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn is_json_error(&self) -> bool {
        (400..500).contains(&self.status)
            && self.headers.contains("content-type: application/json")
            && self.json()["error"]["code"].is_string()
    }
}

/// Sends raw bytes on a new connection and reads the answer until the server closes it.
async fn raw(address: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address).await.unwrap();
    // The server may answer and close before taking everything (an oversized head).
    let _ = stream.write_all(request).await;
    read_answer(&mut stream).await
}

async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .expect("the server answered within 10 s")
        .ok();
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Answer {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let mut body = bytes[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = unchunk(&body);
    }
    Answer {
        status,
        headers: head,
        body,
    }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

async fn get(address: SocketAddr, target: &str) -> Answer {
    let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    raw(address, request.as_bytes()).await
}

async fn post(address: SocketAddr, target: &str, content_type: &str, body: &[u8]) -> Answer {
    let mut request = format!(
        "POST {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    raw(address, &request).await
}

/// The server still serves: a good request right after a bad one.
async fn still_serving(address: SocketAddr) {
    let health = get(address, "/api/health").await;
    assert_eq!(
        health.status,
        200,
        "{}",
        String::from_utf8_lossy(&health.body)
    );
}

#[tokio::test]
async fn odd_paths_get_json_errors() {
    let (address, _dir) = common::serve_on_socket().await;
    let cases: &[(&str, u16)] = &[
        // Percent-encoding: valid, invalid, and encoding something that is not UTF-8.
        ("/api/files/%2E%2E%2Fapp.db", 400),
        ("/api/files/..%2F..%2Fetc%2Fpasswd", 400),
        ("/api/files/%zz", 404),
        ("/api/files/%ff%fe.png", 400),
        // `..` and `%2F` in a catch-all: refused, never a file outside the folder.
        ("/api/files/../../etc/passwd", 400),
        ("/api/files/a/..%2F..%2Fapp.db", 400),
        // Empty segments and no route at all.
        ("/api//health", 404),
        ("/api/nothing/here", 404),
        // A parameter that is not what the route expects.
        ("/api/users/1%2F2", 401),
        // Long but within the server's limits: routed, 404.
        (&format!("/api/{}", "a".repeat(8 * 1024)), 404),
        (&format!("/api/files/{}c", "b/".repeat(2_000)), 404),
    ];
    for (target, status) in cases {
        let answer = get(address, target).await;
        assert_eq!(
            answer.status,
            *status,
            "{target}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(answer.is_json_error(), "{target}: {}", answer.headers);
    }
    // Trailing slashes are redirected away, as Next.js does, never to another host.
    let slashes = get(address, "/api/health//").await;
    assert_eq!(slashes.status, 308);
    assert!(
        slashes.headers.contains("location: /api/health\r\n"),
        "{}",
        slashes.headers
    );
    let other_host = get(address, "//evil.example/").await;
    assert!(
        !other_host.headers.contains("location: //evil"),
        "{}",
        other_host.headers
    );
    // Browsers and URL libraries read `\` as `/`: `Location: /\evil.example` would send
    // them to https://evil.example/. (Security review L5.)
    for target in ["/\\evil.example/", "/\\/evil.example/", "//\\evil.example/"] {
        let backslash = get(address, target).await;
        assert_eq!(backslash.status, 308, "{target}");
        assert!(
            backslash.headers.contains("location: /evil.example\r\n"),
            "{target}: {}",
            backslash.headers
        );
    }
    still_serving(address).await;
}

#[tokio::test]
async fn many_and_duplicate_query_parameters_are_a_json_400() {
    let (address, _dir) = common::serve_on_socket().await;
    // The admin `for_data_dir` makes: listing users is for admins.
    let credentials = serde_json::json!({
        "email": template_app::config::TEST_ADMIN_EMAIL,
        "password": template_app::config::TEST_ADMIN_PASSWORD,
    });
    let login = post(
        address,
        "/api/auth/login",
        "application/json",
        credentials.to_string().as_bytes(),
    )
    .await;
    let token = login.json()["token"].as_str().unwrap().to_string();
    let authorized = |target: String| {
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        async move { raw(address, request.as_bytes()).await }
    };

    // Pagination reads the first of repeated keys, as `URLSearchParams.get` does.
    let duplicate = authorized("/api/posts?limit=5&limit=6".to_string()).await;
    assert_eq!(duplicate.status, 200);
    assert_eq!(duplicate.json()["pagination"]["limit"], 5);
    let sorted =
        authorized("/api/users?sort=name&sort=%27%3B%20DROP%20TABLE%20users".to_string()).await;
    assert_eq!(
        sorted.status,
        200,
        "{}",
        String::from_utf8_lossy(&sorted.body)
    );

    // Thousands of unknown parameters (up to the 64 KiB a URI may have) are ignored, not
    // a crash or a stall.
    let many: Vec<String> = (0..5_000).map(|i| format!("k{i}={i}")).collect();
    let crowded = authorized(format!("/api/posts?{}", many.join("&"))).await;
    assert_eq!(crowded.status, 200);

    let huge_number = authorized("/api/posts?limit=99999999999999999999999999".to_string()).await;
    assert_eq!(huge_number.status, 400);
    assert!(huge_number.is_json_error());
    still_serving(address).await;
}

#[tokio::test]
async fn requests_that_are_not_http_are_refused_and_the_server_goes_on() {
    let (address, _dir) = common::serve_on_socket().await;
    // These never reach the app: hyper refuses them while reading the request head, with a
    // bare 4xx and a closed connection.
    let invalid_utf8 = raw(
        address,
        b"GET /api/files/\xff\xfe HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        (400..500).contains(&invalid_utf8.status),
        "{}",
        invalid_utf8.status
    );

    let huge_path = get(address, &format!("/api/{}", "a".repeat(1024 * 1024))).await;
    assert!(
        (400..500).contains(&huge_path.status),
        "{}",
        huge_path.status
    );

    let huge_header = raw(
        address,
        format!(
            "GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
            "x".repeat(1024 * 1024)
        )
        .as_bytes(),
    )
    .await;
    assert!(
        (400..500).contains(&huge_header.status),
        "{}",
        huge_header.status
    );

    let garbage = raw(
        address,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n",
    )
    .await;
    assert_eq!(garbage.status, 400);
    still_serving(address).await;
}

#[tokio::test]
async fn broken_bodies_get_json_errors() {
    let (address, _dir) = common::serve_on_socket().await;
    let register = "/api/auth/register";
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("application/json", br#"{"email":"a@exa"#.to_vec(), 400),
        (
            "application/json",
            br#"{"email": 1e999999, "name": "x", "password": "p"}"#.to_vec(),
            400,
        ),
        (
            "application/json",
            br#"{"email": 123456789012345678901234567890, "name": "x", "password": "p"}"#.to_vec(),
            400,
        ),
        ("application/json", nested.into_bytes(), 400),
        ("application/json", b"\xff\xfe\x00 not utf-8".to_vec(), 400),
        ("text/plain", br#"{"email":"a@example.com"}"#.to_vec(), 415),
        (
            "application/x-www-form-urlencoded",
            b"email=a%40example.com".to_vec(),
            415,
        ),
        ("application/json", vec![b' '; 3 * 1024 * 1024], 413),
    ];
    for (content_type, body, status) in cases {
        let answer = post(address, register, content_type, &body).await;
        let shown: String = String::from_utf8_lossy(&body).chars().take(60).collect();
        assert_eq!(
            answer.status,
            status,
            "{content_type} {shown}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(answer.is_json_error(), "{content_type} {shown}");
    }
    still_serving(address).await;
}

#[tokio::test]
async fn a_client_that_trickles_its_body_holds_up_no_one_else() {
    let (address, _dir) = common::serve_on_socket().await;
    let body = br#"{"email":"slow@example.com","name":"Slow","password":"correct horse"}"#;
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(
        format!(
            "POST /api/auth/register HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    for (index, chunk) in body.chunks(8).enumerate() {
        slow.write_all(chunk).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if index == 2 {
            // Meanwhile everyone else is served at once.
            let started = std::time::Instant::now();
            still_serving(address).await;
            assert!(started.elapsed() < Duration::from_secs(2));
        }
    }
    let answer = read_answer(&mut slow).await;
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    still_serving(address).await;
}
