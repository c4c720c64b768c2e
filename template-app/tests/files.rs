//! Uploads and downloads over a real socket: an upload is written to disk as it arrives
//! (not held in memory until the body ends), and a download carries the headers that
//! keep a user's file inert on the API's origin (security review H2, H3, L4).

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The status line and headers (lower-cased names), and the body, of one answer read
/// until the server closes the connection.
async fn answer(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
    (head, bytes[split + 4..].to_vec())
}

async fn post_json(address: SocketAddr, path: &str, body: &Value) -> Value {
    let body = body.to_string();
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (head, body) = answer(&mut stream).await;
    assert!(head.starts_with("http/1.1 20"), "{head}");
    serde_json::from_slice(&body).unwrap()
}

/// A signed-in user's token.
async fn token(address: SocketAddr) -> String {
    let account = json!({
        "email": "files@example.com",
        "name": "Files",
        "password": "plum kettle harbour 91",
    });
    post_json(address, "/api/auth/register", &account).await;
    let session = post_json(address, "/api/auth/login", &account).await;
    session["token"].as_str().unwrap().to_string()
}

const BOUNDARY: &str = "files-test-boundary";

/// Every file in `dir` (hidden ones too), or none when it does not exist yet.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_on_disk_while_it_arrives_and_downloads_stay_inert() {
    let (address, data) = common::serve_on_socket().await;
    let token = token(address).await;
    let uploads = data.path().join("uploads");

    // A 4 MiB PNG, sent in two halves with a pause between them.
    let mut image = b"\x89PNG\r\n\x1a\n".to_vec();
    image.extend((0..4 * 1024 * 1024 - 8).map(|i| (i % 241) as u8));
    let mut body = format!(
        "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         content-type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&image);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").into_bytes());
    let head = format!(
        "POST /api/upload HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\
         authorization: Bearer {token}\r\n\
         content-type: multipart/form-data; boundary={BOUNDARY}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let half = body.len() / 2;
    stream.write_all(&body[..half]).await.unwrap();

    // While the second half has not been sent, the first is already in the uploads
    // folder, in a hidden part file: the server does not gather the body in memory.
    let mut written = 0;
    for _ in 0..100 {
        written = files_in(&uploads)
            .iter()
            .filter(|path| path.extension().is_some_and(|ext| ext == "part"))
            .map(|path| std::fs::metadata(path).map_or(0, |m| m.len()))
            .sum::<u64>();
        if written > 1024 * 1024 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        written > 1024 * 1024,
        "{written} bytes on disk while the upload is under way"
    );

    stream.write_all(&body[half..]).await.unwrap();
    let (head, reply) = answer(&mut stream).await;
    assert!(head.starts_with("http/1.1 201"), "{head}");
    let stored: Value = serde_json::from_slice(&reply).unwrap();
    assert_eq!(stored["size"], image.len());
    let files = files_in(&uploads);
    assert_eq!(files.len(), 1, "only the finished file: {files:?}");

    // The download: the same bytes, with headers for a file a user uploaded.
    let url = stored["url"].as_str().unwrap();
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {url} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let (head, bytes) = answer(&mut stream).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    for header in [
        "content-type: image/png",
        &format!("content-length: {}", image.len()),
        "x-content-type-options: nosniff",
        "content-security-policy: default-src 'none'; sandbox",
        "content-disposition: inline; filename=",
        "cache-control: public, max-age=3600",
    ] {
        assert!(head.contains(header), "{header} missing in {head}");
    }
    assert!(bytes == image, "the download is the file uploaded");
}
