//! A good client's success rate and latency while slowloris connections are held open,
//! `axum::serve` and `fsroute::serve` side by side, loopback only (docs/reliability.md):
//!
//!     cargo run --release -p bench-slow-clients [-- --slow 1138 --files 1024 --seconds 30 --rounds 5]
//!
//! Each server runs as its own process with `--files` open files allowed (1,024 is a
//! common default). The attack opens `--slow` connections at 500 a second, each sending a
//! request line and then one header byte every 5 s, as slowhttptest's slowloris mode
//! does; closed ones are not reopened. From the moment all are open, a good client sends
//! one request every 50 ms on a fresh connection for `--seconds`, giving each 2 s to be
//! answered. Then, with no attack, 32 keep-alive connections measure requests per second
//! for 5 s per server, `--rounds` rounds (5), alternating: the cost of the protections.
//!
//! Prints a table and writes it to `bench/results/slow-clients.md`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Options {
    slow: usize,
    files: u64,
    seconds: u64,
    rounds: usize,
}

fn options() -> Options {
    let mut options = Options {
        slow: 1138,
        files: 1024,
        seconds: 30,
        rounds: 5,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = || -> u64 {
            pair.get(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{} needs a number", pair[0]))
        };
        match pair[0].as_str() {
            "--slow" => options.slow = value() as usize,
            "--files" => options.files = value(),
            "--seconds" => options.seconds = value(),
            "--rounds" => options.rounds = value() as usize,
            other => {
                panic!("unknown option {other}; see the top of bench/slow-clients/src/main.rs")
            }
        }
    }
    options
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn build_server() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-q", "-p", "bench-slow-clients"])
        .args(["--bin", "slow-clients-server"])
        .current_dir(workspace())
        .status()
        .unwrap();
    assert!(status.success(), "building the server failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    target.join("release/slow-clients-server")
}

/// The attack needs more sockets than the usual 1,024: this process takes its hard limit.
fn raise_own_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain calls on a struct we own.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
    limit.rlim_cur
}

struct Server {
    child: Child,
    address: SocketAddr,
}

impl Server {
    fn start(binary: &Path, mode: &str, files: u64) -> Server {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(binary);
        command
            .arg(mode)
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // SAFETY: only setrlimit between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: files,
                    rlim_max: files,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
                Ok(())
            });
        }
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Server { child, address }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Slowloris connections: open `count` at 500 a second, then trickle until `stop`.
async fn attack(
    address: SocketAddr,
    count: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::with_capacity(count);
    for _ in 0..count {
        let stop = Arc::clone(&stop);
        tasks.push(tokio::spawn(async move {
            let Ok(Ok(mut stream)) =
                tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(address)).await
            else {
                return;
            };
            if stream
                .write_all(b"GET /api/health HTTP/1.1\r\nhost: bench\r\nx-a: ")
                .await
                .is_err()
            {
                return;
            }
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_secs(5)).await;
                if stream.write_all(b"a").await.is_err() {
                    return;
                }
            }
        }));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tasks
}

#[derive(Default)]
struct Outcome {
    ok: usize,
    busy: usize,
    failed: usize,
    latencies: Vec<Duration>,
}

impl Outcome {
    fn total(&self) -> usize {
        self.ok + self.busy + self.failed
    }

    fn percentile(&self, p: f64) -> Option<Duration> {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 * p).ceil() as usize).checked_sub(1)?;
        sorted.get(index).copied()
    }
}

/// One request on a fresh connection; its status, or `None` without an answer in 2 s.
async fn good_request(address: SocketAddr) -> Option<u16> {
    let attempt = async {
        let mut stream = TcpStream::connect(address).await.ok()?;
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        std::str::from_utf8(answer.get(9..12)?).ok()?.parse().ok()
    };
    tokio::time::timeout(Duration::from_secs(2), attempt)
        .await
        .ok()
        .flatten()
}

async fn good_client(address: SocketAddr, seconds: u64) -> Outcome {
    let mut outcome = Outcome::default();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        let sent = Instant::now();
        match good_request(address).await {
            Some(200) => {
                outcome.ok += 1;
                outcome.latencies.push(sent.elapsed());
            }
            Some(503) => outcome.busy += 1,
            _ => outcome.failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    outcome
}

/// Requests per second over `connections` keep-alive connections for `seconds`.
async fn throughput(address: SocketAddr, connections: usize, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.unwrap();
                let mut buffer = vec![0u8; 4096];
                while Instant::now() < deadline {
                    stream
                        .write_all(b"GET /api/health HTTP/1.1\r\nhost: bench\r\n\r\n")
                        .await
                        .unwrap();
                    // The answer is small and comes in one read: it ends with the body.
                    let mut read = 0;
                    while !buffer[..read].ends_with(b"}") {
                        let n = stream.read(&mut buffer[read..]).await.unwrap();
                        assert!(n > 0, "connection closed");
                        read += n;
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

fn ms(duration: Option<Duration>) -> String {
    duration.map_or("–".to_string(), |d| {
        format!("{:.1}", d.as_secs_f64() * 1000.0)
    })
}

#[tokio::main]
async fn main() {
    let options = options();
    let own_files = raise_own_file_limit();
    assert!(
        own_files as usize > options.slow + 200,
        "this process may open only {own_files} files; the attack needs {}",
        options.slow + 200
    );
    let binary = build_server();
    let mut report = String::new();
    writeln!(
        report,
        "Slow clients: {} slowloris connections (opened at 500/s, a header byte every 5 s), \
         servers limited to {} open files; a good client sends a request every 50 ms on a \
         fresh connection for {} s, 2 s timeout.\n",
        options.slow, options.files, options.seconds
    )
    .unwrap();
    writeln!(
        report,
        "| server | slow connections | good requests | answered 200 | 503 (busy) | no answer | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    .unwrap();
    for slow in [0, options.slow] {
        for mode in ["axum", "fsroute"] {
            let server = Server::start(&binary, mode, options.files);
            let stop = Arc::new(AtomicBool::new(false));
            let attackers = attack(server.address, slow, Arc::clone(&stop)).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let outcome = good_client(server.address, options.seconds).await;
            stop.store(true, Ordering::Relaxed);
            for task in attackers {
                task.abort();
            }
            let row = format!(
                "| `{}::serve` | {slow} | {} | {} ({:.1} %) | {} | {} | {} | {} |",
                mode,
                outcome.total(),
                outcome.ok,
                100.0 * outcome.ok as f64 / outcome.total().max(1) as f64,
                outcome.busy,
                outcome.failed,
                ms(outcome.percentile(0.5)),
                ms(outcome.percentile(0.99)),
            );
            println!("{row}");
            writeln!(report, "{row}").unwrap();
            drop(server);
        }
    }

    // What the protections cost when nobody attacks.
    let mut rates = [Vec::new(), Vec::new()];
    for round in 0..options.rounds {
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            let mode = ["axum", "fsroute"][index];
            let server = Server::start(&binary, mode, 65_536.min(own_files));
            rates[index].push(throughput(server.address, 32, 5).await);
        }
    }
    let ratios: Vec<f64> = rates[1].iter().zip(&rates[0]).map(|(f, a)| f / a).collect();
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let axum = median(&mut rates[0]);
    let fsroute = median(&mut rates[1]);
    let throughput_report = format!(
        "\nNo attack, 32 keep-alive connections, 5 s, median of {} rounds (alternating \
         order): `axum::serve` {axum:.0} requests/s, `fsroute::serve` {fsroute:.0} \
         requests/s, ratio fsroute/axum {:.3}; each round's ratio: {}.\n",
        options.rounds,
        fsroute / axum,
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    print!("{throughput_report}");
    report.push_str(&throughput_report);
    let path = workspace().join("bench/results/slow-clients.md");
    std::fs::write(&path, format!("# Slow clients\n\n{report}")).unwrap();
    println!("written to {}", path.display());
}
