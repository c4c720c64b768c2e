//! HTTP/1.1 over loopback with hyper's client: one-off requests for seeding and the
//! correctness pass, and the load generator (keep-alive connections, each sending its
//! next request when the last answer is read).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A request to send, the same every time.
#[derive(Clone, Debug)]
pub struct Spec {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Spec {
    pub fn get(path: impl Into<String>) -> Spec {
        Spec {
            method: "GET",
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A POST with a JSON body and `Content-Type: application/json`.
    pub fn post_json(path: impl Into<String>, body: impl Into<String>) -> Spec {
        Spec {
            method: "POST",
            path: path.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(body.into()),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Spec {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn without_header(mut self, name: &str) -> Spec {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    pub fn bearer(self, token: &str) -> Spec {
        self.header("authorization", &format!("Bearer {token}"))
    }

    fn build(&self, port: u16) -> Request<Full<Bytes>> {
        let mut request = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .header("host", format!("127.0.0.1:{port}"));
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let body = self.body.clone().map(Bytes::from).unwrap_or_default();
        request.body(Full::new(body)).expect("a valid request")
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    /// `Retry-After` in seconds, on a 503 or 429.
    pub retry_after: Option<u64>,
    /// `x-fsroute-cache`: what the template's cache did.
    pub cache: Option<String>,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            serde_json::Value::String(format!(
                "(not JSON) {}",
                String::from_utf8_lossy(&self.body)
            ))
        })
    }
}

async fn connect(port: u16) -> std::io::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

async fn send_on(
    sender: &mut SendRequest<Full<Bytes>>,
    spec: &Spec,
    port: u16,
) -> Result<Answer, String> {
    sender.ready().await.map_err(|err| err.to_string())?;
    let response = sender
        .send_request(spec.build(port))
        .await
        .map_err(|err| err.to_string())?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, location) = (header("content-type"), header("location"));
    let retry_after = header("retry-after").and_then(|value| value.trim().parse().ok());
    let cache = header("x-fsroute-cache");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|err| err.to_string())?
        .to_bytes();
    Ok(Answer {
        status,
        content_type,
        location,
        retry_after,
        cache,
        body,
    })
}

/// One request on a connection of its own.
pub async fn send(port: u16, spec: &Spec) -> Answer {
    let mut sender = connect(port)
        .await
        .unwrap_or_else(|err| panic!("cannot connect to 127.0.0.1:{port}: {err}"));
    send_on(&mut sender, spec, port)
        .await
        .unwrap_or_else(|err| panic!("{} {} failed: {err}", spec.method, spec.path))
}

/// What one timed run measured.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub requests: u64,
    /// Answers with another status than expected, and broken connections.
    pub errors: u64,
    /// The errors by status; 0 for a broken or refused connection.
    pub error_statuses: BTreeMap<u16, u64>,
    pub seconds: f64,
    /// Latencies of the answers in the timed window, in microseconds, sorted.
    pub latencies: Vec<u32>,
}

impl Run {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// The latency at `fraction` (0.99 for p99), in milliseconds.
    pub fn percentile(&self, fraction: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 * fraction).ceil() as usize)
            .clamp(1, self.latencies.len())
            - 1;
        f64::from(self.latencies[index]) / 1000.0
    }
}

/// When the timed window starts and ends, for the caller's measurements of the server.
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

/// How hard and how long to drive a server.
pub struct Shape {
    pub connections: usize,
    pub warmup: Duration,
    pub seconds: Duration,
}

/// Drives `shape.connections` keep-alive connections with `spec`: the warm-up first, then
/// a timed window, whose answers alone are counted (those with the `expected` status; any
/// other, or a broken connection, is an error; after an answer with `Retry-After` the
/// connection waits that long). `at_start` runs as the window opens,
/// `at_end` as it closes (the server's counters are read there).
pub async fn load(
    port: u16,
    spec: Spec,
    expected: StatusCode,
    shape: Shape,
    at_start: impl FnOnce(),
    at_end: impl FnOnce(),
) -> Run {
    let Shape {
        connections,
        warmup,
        seconds,
    } = shape;
    let spec = Arc::new(spec);
    let begin = Instant::now();
    let window = Arc::new(Window {
        start: begin + warmup,
        end: begin + warmup + seconds,
    });
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (spec, window) = (spec.clone(), window.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors: BTreeMap<u16, u64> = BTreeMap::new();
            let mut sender = None;
            loop {
                let started = Instant::now();
                if started >= window.end {
                    break;
                }
                if sender.is_none() {
                    match connect(port).await {
                        Ok(connected) => sender = Some(connected),
                        Err(_) => {
                            if started >= window.start {
                                *errors.entry(0).or_default() += 1;
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    }
                }
                let result = send_on(sender.as_mut().expect("connected"), &spec, port).await;
                let finished = Instant::now();
                let counted = started >= window.start && finished <= window.end;
                match result {
                    Ok(answer) if answer.status == expected.as_u16() => {
                        if counted {
                            latencies.push(
                                finished
                                    .duration_since(started)
                                    .as_micros()
                                    .min(u32::MAX as u128) as u32,
                            );
                        }
                    }
                    Ok(answer) => {
                        if counted {
                            *errors.entry(answer.status).or_default() += 1;
                        }
                        // A client told to come back later does, as a real one would,
                        // instead of asking again at once.
                        if let Some(seconds) = answer.retry_after {
                            let until = (finished + Duration::from_secs(seconds)).min(window.end);
                            tokio::time::sleep_until(until.into()).await;
                        }
                    }
                    Err(_) => {
                        sender = None;
                        if counted {
                            *errors.entry(0).or_default() += 1;
                        }
                    }
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep_until(window.start.into()).await;
    at_start();
    tokio::time::sleep_until(window.end.into()).await;
    at_end();
    let mut run = Run {
        seconds: seconds.as_secs_f64(),
        ..Run::default()
    };
    for task in tasks {
        let (latencies, errors) = task.await.expect("a load task");
        for (status, count) in errors {
            run.errors += count;
            *run.error_statuses.entry(status).or_default() += count;
        }
        run.latencies.extend(latencies);
    }
    run.requests = run.latencies.len() as u64;
    run.latencies.sort_unstable();
    run
}
