//! `fsroute::serve` over real sockets on 127.0.0.1: slow headers, slow bodies, too many
//! connections and requests, graceful shutdown, HTTP/2. Every wait is bounded.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::response::sse::{Event, Sse};
use axum::routing::{get, post};
use fsroute::serve::{ServeConfig, ServeReport, ServeStats, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "hello" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(600)).await;
                "slow"
            }),
        )
        .route(
            "/slower",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "slower"
            }),
        )
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/events",
            get(|| async {
                let ticks = futures_util::stream::unfold(0u64, |tick| async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Ok::<_, Infallible>(Event::default().data(tick.to_string())),
                        tick + 1,
                    ))
                });
                Sse::new(ticks)
            }),
        )
}

/// Short timeouts, so that the tests take seconds.
fn quick() -> ServeConfig {
    ServeConfig {
        header_read_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_secs(2),
        body_read_timeout: Duration::from_millis(800),
        shutdown_timeout: Duration::from_secs(5),
        ..ServeConfig::default()
    }
}

struct Running {
    address: SocketAddr,
    stats: Arc<ServeStats>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<ServeReport>>,
}

impl Running {
    async fn stop(mut self) -> ServeReport {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("the server stops within 20 s")
            .unwrap()
            .unwrap()
    }
}

async fn start(config: ServeConfig) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = Server::new(listener, app())
        .config(config)
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        });
    let stats = server.stats();
    let task = tokio::spawn(server.run());
    Running {
        address,
        stats,
        stop: Some(stop),
        task,
    }
}

/// The whole answer on a fresh connection (`Connection: close`), within 10 s.
async fn exchange(address: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer within 10 s")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

async fn get_path(address: SocketAddr, path: &str) -> String {
    exchange(
        address,
        &format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n"),
    )
    .await
}

/// Whether the server closed `stream` (reads end) within `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_closed_and_good_clients_are_served() {
    let server = start(quick()).await;
    // 200 connections that send a request line and then a header byte now and then.
    let slow: Vec<_> = (0..200)
        .map(|_| {
            let address = server.address;
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.unwrap();
                stream
                    .write_all(b"GET / HTTP/1.1\r\nhost: te")
                    .await
                    .unwrap();
                let opened = Instant::now();
                let mut buffer = [0u8; 64];
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if stream.write_all(b"s").await.is_err() {
                        return opened.elapsed();
                    }
                    if let Ok(Ok(0) | Err(_)) =
                        tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buffer))
                            .await
                    {
                        return opened.elapsed();
                    }
                    assert!(opened.elapsed() < Duration::from_secs(10), "never closed");
                }
            })
        })
        .collect();
    // Meanwhile a good client sends a request every 50 ms.
    let mut answered = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        let answer = get_path(server.address, "/").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        answered += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for task in slow {
        let held = task.await.unwrap();
        assert!(
            held >= Duration::from_millis(700) && held < Duration::from_secs(3),
            "a slow connection was held {held:?} (header timeout 800 ms)"
        );
    }
    assert!(answered >= 10, "{answered}");
    assert!(server.stats.header_timeouts.load(Ordering::Relaxed) >= 200);
    assert_eq!(server.stop().await.cut, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_cap_the_longest_waiting_make_room_or_new_ones_get_a_json_503() {
    let server = start(ServeConfig {
        max_connections: 20,
        header_read_timeout: Duration::from_secs(4),
        ..quick()
    })
    .await;
    // 40 silent connections at once: 20 are held, and the other 20 come before any has
    // waited long enough to give its place (a quarter of the header timeout, at most
    // 1 s): they get the JSON 503 and are closed.
    let mut silent = Vec::new();
    for _ in 0..40 {
        silent.push(TcpStream::connect(server.address).await.unwrap());
    }
    let answers = futures_util::future::join_all(silent.iter_mut().map(|stream| async {
        let mut answer = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_millis(300), stream.read_to_end(&mut answer)).await;
        read.is_ok()
            .then(|| String::from_utf8_lossy(&answer).into_owned())
    }))
    .await;
    let refused: Vec<_> = answers.into_iter().flatten().collect();
    assert_eq!(refused.len(), 20, "{refused:?}");
    for answer in refused {
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.contains("retry-after: 1"), "{answer}");
        assert!(
            answer.contains(r#""code":"SERVICE_UNAVAILABLE""#),
            "{answer}"
        );
    }
    assert_eq!(server.stats.peak_connections.load(Ordering::Relaxed), 20);
    // Now the held ones have waited over a second: a new client takes the place of the
    // one that has waited longest, and is served at once.
    tokio::time::sleep(Duration::from_millis(800)).await;
    for _ in 0..3 {
        let served = get_path(server.address, "/").await;
        assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    }
    // The first took a held connection's place; the others found the first's slot free.
    assert_eq!(server.stats.evicted.load(Ordering::Relaxed), 1);
    assert!(server.stats.peak_connections.load(Ordering::Relaxed) <= 20);
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = start(quick()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let read = stream.read(&mut buffer).await.unwrap();
    assert!(buffer[..read].starts_with(b"HTTP/1.1 200"));
    let idle = Instant::now();
    // Longer than the header timeout (800 ms): an idle connection is not a slow one.
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
    let held = idle.elapsed();
    assert!(
        held >= Duration::from_millis(1900) && held < Duration::from_secs(4),
        "{held:?}"
    );
    assert_eq!(server.stats.idle_closed.load(Ordering::Relaxed), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_a_json_408() {
    let server = start(quick()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 1000\r\n\r\nonly this")
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("answered and closed within 5 s")
        .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"REQUEST_TIMEOUT""#), "{answer}");
    assert!(
        answer.contains("the request body stopped arriving for 0.8 seconds"),
        "{answer}"
    );
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(server.stats.body_timeouts.load(Ordering::Relaxed), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_body_trickling_below_the_minimum_rate_is_a_json_408() {
    let server = start(ServeConfig {
        body_read_timeout: Duration::from_secs(5),
        min_body_rate: 100,
        ..quick()
    })
    .await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 100000\r\n\r\n")
        .await
        .unwrap();
    // A byte every 250 ms: never stalled 5 s, but 4 bytes/s.
    let trickle = async {
        loop {
            if stream.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(9), trickle).await;
    assert_eq!(server.stats.body_timeouts.load(Ordering::Relaxed), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_request_cap_requests_get_a_json_503_at_once() {
    let server = start(ServeConfig {
        max_in_flight: 4,
        ..quick()
    })
    .await;
    let started = Instant::now();
    let answers =
        futures_util::future::join_all((0..20).map(|_| get_path(server.address, "/slow"))).await;
    let ok = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 200"))
        .count();
    let busy: Vec<_> = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 503"))
        .collect();
    assert_eq!(
        ok + busy.len(),
        20,
        "every request was answered: {answers:?}"
    );
    assert_eq!(ok, 4);
    assert!(busy.iter().all(|a| a.contains("retry-after: 1")));
    // The refused ones did not wait for a slot: all done in about one handler's time.
    assert!(started.elapsed() < Duration::from_millis(1500));
    // And right after, the server takes requests again.
    assert!(
        get_path(server.address, "/")
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert_eq!(server.stats.overloaded.load(Ordering::Relaxed), 16);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_requests_finish_and_ends_event_streams_with_a_final_event() {
    let server = start(quick()).await;
    let address = server.address;
    let slow = tokio::spawn(async move { get_path(address, "/slow").await });
    let events = tokio::spawn(async move { get_path(address, "/events").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let report = server.stop().await;
    assert_eq!(report.cut, 0);
    assert!(started.elapsed() < Duration::from_secs(2));
    let slow = slow.await.unwrap();
    assert!(
        slow.starts_with("HTTP/1.1 200") && slow.ends_with("slow"),
        "{slow}"
    );
    let events = events.await.unwrap();
    assert!(events.contains("data: 0"), "{events}");
    assert!(
        events.contains("event: shutdown\ndata: {\"reason\":\"the server is shutting down\"}"),
        "{events}"
    );
    // The stream ended properly (the last chunk), not cut.
    assert!(events.ends_with("0\r\n\r\n"), "{events:?}");
    // No new connection is accepted.
    assert!(TcpStream::connect(address).await.is_err());
}

#[tokio::test]
async fn stragglers_are_cut_at_the_shutdown_deadline_and_counted() {
    let server = start(ServeConfig {
        shutdown_timeout: Duration::from_millis(500),
        ..quick()
    })
    .await;
    let address = server.address;
    let slower = tokio::spawn(async move { get_path(address, "/slower").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let report = server.stop().await;
    assert_eq!(report.cut, 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    let answer = slower.await.unwrap();
    assert!(answer.is_empty(), "the straggler was cut: {answer}");
}

#[tokio::test]
async fn http2_with_prior_knowledge_on_the_same_port_with_the_same_limits() {
    use http_body_util::BodyExt;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let server = start(ServeConfig {
        max_in_flight: 2,
        ..quick()
    })
    .await;
    let stream = TcpStream::connect(server.address).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let send = |path: &'static str| {
        let mut sender = sender.clone();
        async move {
            let request = http::Request::get(format!("http://test{path}"))
                .body(http_body_util::Empty::<Bytes>::new())
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            let status = response.status();
            let version = response.version();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, version, body)
        }
    };
    let (status, version, body) = send("/").await;
    assert_eq!((status.as_u16(), version), (200, http::Version::HTTP_2));
    assert_eq!(body, "hello");
    // Six streams at once on the one connection, two slots: four 503s.
    let answers = futures_util::future::join_all((0..6).map(|_| send("/slow"))).await;
    let busy = answers.iter().filter(|(s, _, _)| s.as_u16() == 503).count();
    assert_eq!(busy, 4, "{answers:?}");
    server.stop().await;
}

#[tokio::test]
async fn handlers_see_the_client_address() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/peer",
        get(
            |axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>| async move {
                peer.ip().to_string()
            },
        ),
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(
        Server::new(listener, app)
            .config(quick())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .run(),
    );
    let answer = get_path(address, "/peer").await;
    assert!(answer.ends_with("127.0.0.1"), "{answer}");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn event_streams_pass_through_unbuffered() {
    let server = start(quick()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"GET /events HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&received).contains("data: 2") {
        let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer))
            .await
            .expect("events arrive as they are made")
            .unwrap();
        assert!(read > 0);
        received.extend_from_slice(&buffer[..read]);
    }
    drop(stream);
    server.stop().await;
}
