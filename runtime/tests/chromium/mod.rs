//! Renders a page in headless Chromium that can reach nothing but 127.0.0.1, and reports
//! the DOM after its scripts ran and every URL requested on the way (from Chromium's
//! NetLog). For tests that prove a page works offline; kept to plain functions so other
//! suites can include this file (`#[path = "…/chromium/mod.rs"] mod chromium;`).
//!
//! Chromium is found through `FSROUTE_CHROMIUM` (set by `.ci/with-chromium`), else as
//! `chromium`, `chromium-browser` or `google-chrome` on the `PATH`. When there is none,
//! [`render_offline`] prints a note and returns `None`, unless `FSROUTE_REQUIRE_CHROMIUM=1`,
//! where it panics: CI must not skip.

#![allow(dead_code)] // Each suite that includes this uses part of it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What Chromium made of a page.
#[derive(Debug)]
pub struct Rendered {
    /// The DOM after the page's scripts ran (`--dump-dom`).
    pub dom: String,
    /// Every URL the page requested: the navigation, then what it loaded, in order.
    pub requested_urls: Vec<String>,
    /// Requests Chromium started on its own, not for the page (Google sign-in, component
    /// updates: some builds make them whatever the flags). The resolver rules stop them.
    pub browser_requests: Vec<BrowserRequest>,
    /// The page's console messages, CSP violations included.
    pub console: Vec<String>,
}

#[derive(Debug)]
pub struct BrowserRequest {
    pub url: String,
    /// Chromium's net error code; `-105` (`ERR_NAME_NOT_RESOLVED`) is the resolver rules.
    pub net_error: Option<i64>,
}

/// Chromium's `ERR_NAME_NOT_RESOLVED`.
pub const NAME_NOT_RESOLVED: i64 = -105;

impl Rendered {
    /// The requests that went, or may have gone, beyond this machine: the page's URLs not
    /// on 127.0.0.1, and Chromium's own that did not fail on name resolution. Empty when
    /// the page worked offline.
    pub fn outside_requests(&self) -> Vec<String> {
        let page = self
            .requested_urls
            .iter()
            .filter(|url| !is_local(url))
            .cloned();
        let browser = self
            .browser_requests
            .iter()
            .filter(|request| {
                !is_local(&request.url) && request.net_error != Some(NAME_NOT_RESOLVED)
            })
            .map(|request| {
                format!(
                    "{} (Chromium's own, net error {:?})",
                    request.url, request.net_error
                )
            });
        page.chain(browser).collect()
    }
}

/// A URL on this machine (127.0.0.1), or one with a scheme that never touches the
/// network (`data:`, `blob:`, `about:`, Chromium's internal pages).
pub fn is_local(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    match scheme {
        "http" | "https" | "ws" | "wss" => {
            let authority = rest.trim_start_matches("//").split(['/', '?', '#']).next();
            let host = authority.and_then(|authority| authority.rsplit('@').next());
            host.is_some_and(|host| host == "127.0.0.1" || host.starts_with("127.0.0.1:"))
        }
        "data" | "blob" | "about" | "chrome" | "chrome-extension" | "chrome-untrusted"
        | "devtools" => true,
        _ => false,
    }
}

/// The Chromium to run, if there is one.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FSROUTE_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|candidate| candidate.is_file())
}

/// `None` when there is no Chromium (after printing why), a panic when CI requires one.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        if std::env::var("FSROUTE_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!(
                "FSROUTE_REQUIRE_CHROMIUM=1 but no Chromium: run under `bash .ci/with-chromium`"
            );
        }
        eprintln!(
            "note: {test} skipped: no Chromium (install it with `bash .ci/with-chromium true`, \
             or set FSROUTE_CHROMIUM)"
        );
    }
    found
}

/// The flags that keep a run offline and reproducible: a fresh profile, no background
/// services, every host name but 127.0.0.1 unresolvable, virtual time so that the page's
/// scripts run to idle without real waiting.
fn offline_command(chromium: &Path, profile: &Path) -> Command {
    let mut command = Command::new(chromium);
    command
        .arg("--headless")
        .arg("--no-sandbox") // CI runs as root, where Chromium's sandbox refuses to start.
        .arg("--disable-gpu")
        .arg("--disable-quic")
        .arg("--no-first-run")
        .arg("--no-default-browser-check")
        .arg("--disable-background-networking")
        .arg("--disable-component-update")
        .arg("--disable-sync")
        .arg("--disable-extensions")
        .arg("--disable-features=NetworkTimeServiceQuerying")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
        .arg("--virtual-time-budget=15000")
        .arg("--window-size=1280,1000")
        .stdin(Stdio::null());
    command
}

/// Loads `url` in headless Chromium with no network but 127.0.0.1 and returns the DOM, the
/// URLs requested and the console. `None` when Chromium is missing (see the module doc).
///
/// # Panics
///
/// When Chromium fails, takes more than two minutes, or writes no NetLog.
pub fn render_offline(url: &str) -> Option<Rendered> {
    let chromium = chromium_or_skip("the offline browser test")?;
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let profile = scratch.path().join("profile");
    let net_log = scratch.path().join("netlog.json");

    let mut command = offline_command(&chromium, &profile);
    command
        .arg("--enable-logging=stderr")
        .arg("--v=0")
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (status, dom, log) = run(command.spawn().expect("Chromium starts"));
    assert!(status, "Chromium failed on {url}:\n{log}");

    let net_log = std::fs::read_to_string(&net_log).expect("Chromium wrote its NetLog");
    let (requested_urls, browser_requests) = requests(&net_log);
    Some(Rendered {
        dom,
        requested_urls,
        browser_requests,
        console: console_messages(&log),
    })
}

/// Saves a PNG of `url` rendered the same offline way, for a person to look at. Returns
/// `false` when Chromium is missing.
pub fn screenshot(url: &str, png: &Path) -> bool {
    let Some(chromium) = chromium_or_skip("the screenshot") else {
        return false;
    };
    let profile = tempfile::tempdir().expect("a temporary folder");
    let mut command = offline_command(&chromium, profile.path());
    command
        .arg(format!("--screenshot={}", png.display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (status, _, log) = run(command.spawn().expect("Chromium starts"));
    assert!(status && png.is_file(), "no screenshot of {url}:\n{log}");
    true
}

/// Waits for Chromium with a deadline, reading its output on the side so a full pipe
/// cannot block it. Returns (success, stdout, stderr).
fn run(mut child: Child) -> (bool, String, String) {
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));

    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("Chromium's status") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium took over two minutes:\n{}",
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    (status.success(), stdout, stderr)
}

/// The URL requests in a NetLog, split into the page's and Chromium's own.
///
/// Each `URL_REQUEST_START_JOB` begins with the URL, the initiator and the request type,
/// and ends with the net error. A request for the page has the page's origin as its
/// initiator, or is the navigation itself ("main frame"); Chromium's own have neither.
fn requests(net_log: &str) -> (Vec<String>, Vec<BrowserRequest>) {
    let log: Value = serde_json::from_str(net_log).expect("the NetLog is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_i64()
        .expect("the NetLog names URL_REQUEST_START_JOB");
    let empty = Vec::new();
    let events = log["events"].as_array().unwrap_or(&empty);

    let mut page = Vec::new();
    let mut browser: Vec<(i64, BrowserRequest)> = Vec::new();
    for event in events {
        if event["type"].as_i64() != Some(start_job) {
            continue;
        }
        let source = event["source"]["id"].as_i64().unwrap_or(-1);
        let params = &event["params"];
        if let Some(url) = params["url"].as_str() {
            let initiator = params["initiator"].as_str().unwrap_or("not an origin");
            let navigation = params["request_type"].as_str() == Some("main frame");
            if navigation || initiator != "not an origin" {
                page.push(url.to_string());
            } else {
                let url = url.to_string();
                browser.push((
                    source,
                    BrowserRequest {
                        url,
                        net_error: None,
                    },
                ));
            }
        } else if let Some(error) = params["net_error"].as_i64() {
            // The end of a job: the last request of that source still waiting for one.
            if let Some((_, request)) = browser
                .iter_mut()
                .rev()
                .find(|(id, request)| *id == source && request.net_error.is_none())
            {
                request.net_error = Some(error);
            }
        }
    }
    (
        page,
        browser.into_iter().map(|(_, request)| request).collect(),
    )
}

/// The page's console messages from Chromium's log (`…:INFO:CONSOLE:12] "text", source: …`).
fn console_messages(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| {
            line.split_once(":CONSOLE")?
                .1
                .split_once("] ")
                .map(|(_, text)| text)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn urls_on_this_machine() {
    assert!(is_local("http://127.0.0.1:3000/api/docs"));
    assert!(is_local("ws://127.0.0.1/socket"));
    assert!(is_local("data:,"));
    assert!(is_local("blob:http://127.0.0.1:3000/4b1c"));
    assert!(!is_local("https://fonts.scalar.com/inter.woff2"));
    assert!(!is_local("http://127.0.0.1.example.com/"));
    assert!(!is_local("http://localhost:3000/"));
    assert!(!is_local("http://user@evil.example/"));
    assert!(!is_local("ftp://127.0.0.1/"));
}
