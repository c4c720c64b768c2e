//! The real binary under slow and numerous clients (issue "Serving under slow and hostile
//! clients"), in a process with a low file limit, over loopback sockets.

mod common;

#[cfg(unix)]
mod with_a_low_file_limit {
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::common::AppProcess;

    /// The status of `GET /api/health` on a fresh connection, or `None` when no answer
    /// came within 5 s (refused, reset or silent).
    async fn health(address: SocketAddr) -> Option<u16> {
        let attempt = async {
            let mut stream = TcpStream::connect(address).await.ok()?;
            stream
                .write_all(b"GET /api/health HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
                .await
                .ok()?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.ok()?;
            std::str::from_utf8(answer.get(9..12)?).ok()?.parse().ok()
        };
        tokio::time::timeout(Duration::from_secs(5), attempt)
            .await
            .ok()
            .flatten()
    }

    /// A connection that sends a request line, then a header byte every 300 ms, until the
    /// server closes it or `hold` is over.
    async fn slowloris(address: SocketAddr, hold: Duration) {
        let Ok(mut stream) = TcpStream::connect(address).await else {
            return;
        };
        if stream
            .write_all(b"GET /api/health HTTP/1.1\r\nx-a: ")
            .await
            .is_err()
        {
            return;
        }
        let started = Instant::now();
        let mut buffer = [0u8; 256];
        while started.elapsed() < hold {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if stream.write_all(b"a").await.is_err() {
                return;
            }
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buffer)).await
            {
                return;
            }
        }
    }

    /// 128 files: the connection cap is 32 (the file limit less 64 for the database, logs
    /// and files, and less 32 spare sockets). 300 slowloris connections: the good client gets an answer to every
    /// request (200, or the JSON 503 while the cap is full), the slow ones are closed at
    /// the header timeout, and once they are gone every request is a 200 again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn slow_clients_are_shed_and_good_clients_answered() {
        let app = AppProcess::start_sqlite_with_file_limit(&[("HEADER_READ_TIMEOUT", "1")], 128);
        let address: SocketAddr = app.address.parse().unwrap();
        let slow: Vec<_> = (0..300)
            .map(|_| tokio::spawn(slowloris(address, Duration::from_secs(8))))
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;

        let mut statuses = Vec::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(2) {
            statuses.push(health(address).await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            statuses.iter().all(|s| matches!(s, Some(200 | 503))),
            "every request was answered, with 200 or the JSON 503: {statuses:?}"
        );
        for task in slow {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("every slow connection was closed within its hold")
                .unwrap();
        }
        for _ in 0..5 {
            assert_eq!(health(address).await, Some(200));
        }
        let (status, output) = app.terminate();
        assert!(status.success(), "{status}: {output:?}");
        assert!(
            !output
                .iter()
                .any(|line| line.contains("Too many open files")),
            "the cap kept the process under its file limit: {output:?}"
        );
    }

    /// A connection cap set above the file limit: the process does run out of files.
    /// Accepting then backs off (10 ms doubling to a second) instead of spinning and
    /// logging in a loop, and the server serves again when files come free.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn out_of_files_accepting_backs_off_and_recovers() {
        let app = AppProcess::start_sqlite_with_file_limit(
            &[("HEADER_READ_TIMEOUT", "2"), ("MAX_CONNECTIONS", "1000")],
            64,
        );
        let address: SocketAddr = app.address.parse().unwrap();
        // Silent connections: each takes one of the server's files until the timeout.
        let mut silent = Vec::new();
        for _ in 0..120 {
            if let Ok(stream) = TcpStream::connect(address).await {
                silent.push(stream);
            }
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let failures = app
            .output()
            .iter()
            .filter(|line| line.contains("accept failed"))
            .count();
        assert!(
            (1..=15).contains(&failures),
            "{failures} accept failures logged in 1.5 s"
        );
        drop(silent);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(health(address).await, Some(200));
        let (status, _) = app.terminate();
        assert!(status.success());
    }
}
