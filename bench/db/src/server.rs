//! The contestants' processes: started pinned to CPU 0, stopped with their process group,
//! and measured through `/proc` (CPU time, context switches, peak resident memory).

use std::collections::HashMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Who a server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contestant {
    Rust,
    Next,
}

impl Contestant {
    pub fn label(self) -> &'static str {
        match self {
            Contestant::Rust => "Rust template",
            Contestant::Next => "Next.js 16",
        }
    }
}

/// How to start one contestant: its program, arguments, folder and environment.
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
}

pub struct Server {
    pub contestant: Contestant,
    pub port: u16,
    child: Child,
    log: PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

impl Server {
    /// Starts `launch` on `port`, pinned to CPU 0 when `pin` (`taskset` execs the server,
    /// so the child's pid is the server's), and waits until it answers.
    pub fn start(
        contestant: Contestant,
        launch: &Launch,
        port: u16,
        pin: bool,
        log: &Path,
    ) -> Server {
        let mut command = if pin {
            let mut command = Command::new("taskset");
            command.arg("-c").arg("0").arg(&launch.program);
            command
        } else {
            Command::new(&launch.program)
        };
        let output = fs::File::create(log).expect("a log file for the server");
        command
            .args(&launch.args)
            .current_dir(&launch.cwd)
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("log"))
            .stderr(output)
            .process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", launch.program.display()));
        let mut server = Server {
            contestant,
            port,
            child,
            log: log.to_path_buf(),
        };
        server.wait_ready();
        server
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Ready when `GET /api/posts` without a token is answered (401 on both).
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited at start ({status}); its output:\n{}",
                    self.contestant.label(),
                    fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let request =
                    "GET /api/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
                let mut answer = String::new();
                if stream.write_all(request.as_bytes()).is_ok()
                    && stream.read_to_string(&mut answer).is_ok()
                    && answer.starts_with("HTTP/1.1 401")
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "{} did not answer within 90 s; its output:\n{}",
            self.contestant.label(),
            fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// SIGTERM to the process group, SIGKILL after 15 s.
    pub fn stop(mut self) {
        let group = -self.pid();
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    /// The server and every process below it.
    pub fn tree(&self) -> Vec<i32> {
        let mut parents: HashMap<i32, Vec<i32>> = HashMap::new();
        if let Ok(entries) = fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                    continue;
                };
                if let Some(fields) = stat_fields(pid)
                    && let Some(ppid) = fields.get(1).and_then(|f| f.parse::<i32>().ok())
                {
                    parents.entry(ppid).or_default().push(pid);
                }
            }
        }
        let mut tree = vec![self.pid()];
        let mut index = 0;
        while index < tree.len() {
            if let Some(children) = parents.get(&tree[index]) {
                tree.extend(children);
            }
            index += 1;
        }
        tree
    }

    /// CPU time and context switches of the whole tree so far.
    pub fn usage(&self) -> Usage {
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let mut usage = Usage::default();
        for pid in self.tree() {
            if let Some(fields) = stat_fields(pid) {
                // After the command's `)`: state is field 3, utime 14, stime 15.
                let time = |index: usize| {
                    fields
                        .get(index)
                        .and_then(|f| f.parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                usage.cpu_seconds += (time(11) + time(12)) / ticks;
            }
            if let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) {
                for task in tasks.flatten() {
                    let Ok(status) = fs::read_to_string(task.path().join("status")) else {
                        continue;
                    };
                    for line in status.lines() {
                        if let Some(rest) = line
                            .strip_prefix("voluntary_ctxt_switches:")
                            .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                        {
                            usage.context_switches += rest.trim().parse::<u64>().unwrap_or(0);
                        }
                    }
                }
            }
        }
        usage
    }

    /// Resets the peak resident memory (VmHWM) of the tree.
    pub fn reset_peak_memory(&self) {
        for pid in self.tree() {
            let _ = fs::write(format!("/proc/{pid}/clear_refs"), "5");
        }
    }

    /// Peak resident memory of the tree since the last reset, in KiB.
    pub fn peak_memory_kib(&self) -> u64 {
        self.tree()
            .into_iter()
            .filter_map(|pid| fs::read_to_string(format!("/proc/{pid}/status")).ok())
            .filter_map(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("VmHWM:"))
                    .and_then(|rest| {
                        rest.trim()
                            .trim_end_matches("kB")
                            .trim()
                            .parse::<u64>()
                            .ok()
                    })
            })
            .sum()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cpu_seconds: f64,
    pub context_switches: u64,
}

/// `/proc/<pid>/stat` split after the command name (which may hold spaces).
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after) = text.rsplit_once(')')?;
    Some(after.split_whitespace().map(str::to_string).collect())
}
