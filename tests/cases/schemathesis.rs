//! Schemathesis (from PyPI, pinned in `.ci/requirements.txt`) against the template app on
//! a real socket: every operation of its OpenAPI document, signed in as its admin, with
//! the checks below, a fixed seed and a bounded number of examples per operation. Any
//! failure fails the test with Schemathesis' report. `docs/reliability.md` has the run's
//! figures and what it found.
//!
//! Skipped with a note when `schemathesis` is not on the `PATH`, unless
//! `FSROUTE_REQUIRE_SCHEMATHESIS=1` (as in CI), when that is a failure. To run it:
//!
//!     bash .ci/python-tools cargo test -p fsroute-tests --test schemathesis -- --nocapture
//!
//! `FSROUTE_SCHEMATHESIS_SEED` and `FSROUTE_SCHEMATHESIS_EXAMPLES` change the seed and the
//! examples per operation, for a longer run that explores further.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use template_app::{AppState, Config, app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the issue asks of every response (Schemathesis' names).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,response_headers_conformance";
/// Test cases per operation and phase; with the coverage and stateful phases about
/// 1,500 requests, 1 to 2 minutes on two cores.
const EXAMPLES: &str = "40";
/// Fixed, so that CI repeats one run; set `FSROUTE_SCHEMATHESIS_SEED` to explore.
const SEED: &str = "13";
/// Far above a run's time here: only a hung run reaches it.
const TIME_LIMIT: Duration = Duration::from_secs(8 * 60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_in_the_template_app() {
    let Some(schemathesis) = schemathesis_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // `for_data_dir` allows 1,000 logins a minute from one address. At the template's
    // default of 10, most of the run's login requests would be answered 429 (documented,
    // so no failure, but the login itself would go untested).
    let config = Config::for_data_dir(dir.path().join("data"));
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let state = AppState::start(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });

    // Sign in over HTTP, as a client does, as the admin `for_data_dir` makes at start-up
    // (registering never makes one), so that every operation can be reached.
    let account = json!({
        "email": template_app::config::TEST_ADMIN_EMAIL,
        "password": template_app::config::TEST_ADMIN_PASSWORD,
    });
    let (status, session) = send(address, "POST", "/api/auth/login", None, Some(&account)).await;
    assert_eq!(status, 200, "{session}");
    let user = session["user"].clone();
    assert_eq!(user["role"], "admin");
    // Schemathesis cannot log in itself (it knows no password): this is the one 200 of
    // the login it does not see, so check it against the document here.
    assert_conforms(&session, "Session");
    let token = session["token"].as_str().unwrap().to_string();
    let user_id = user["id"].as_i64().unwrap();

    let url = format!("http://{address}/api/openapi.json");
    let work = dir.path().to_path_buf();
    let bearer = token.clone();
    let run = tokio::task::spawn_blocking(move || {
        run_schemathesis(&schemathesis, &url, &bearer, user_id, &work)
    })
    .await
    .unwrap();

    // The hooks keep the signed-in admin alive and an admin: had it been deleted or
    // demoted, the rest of the run would have tested only the sign-in check.
    let (status, me) = send(
        address,
        "GET",
        &format!("/api/users/{user_id}"),
        Some(&token),
        None,
    )
    .await;
    server.abort();
    println!("{}", run.output);
    assert!(
        run.success,
        "Schemathesis reported failures (seed {}, its report above):\n{}",
        run.seed,
        failures_section(&run.output)
    );
    assert_eq!(status, 200, "the signed-in account is gone: {me}");
    assert_eq!(me["role"], "admin", "the signed-in account was demoted");

    let generated = generated_cases(&run.output)
        .unwrap_or_else(|| panic!("no `N generated` line in the report:\n{}", run.output));
    let operations = document_operations();
    let selected = format!("Selected: {0}/{0}", operations.len());
    assert!(
        run.output.contains(&selected)
            && run
                .output
                .contains(&format!("Tested: {}", operations.len())),
        "not every operation was tested (expected `{selected}`)"
    );
    let tally = tally_requests(&run.har, &operations);
    println!("{}", tally.table(&operations));
    println!(
        "Schemathesis {}: {generated} test cases generated, {} requests sent, in {:.0} s \
         (seed {}, {} examples per operation)",
        run.version,
        tally.total,
        run.elapsed.as_secs_f64(),
        run.seed,
        run.examples
    );
    // Every operation was reached, and answered by its handler at least once (a 2xx),
    // except where no generated request can succeed (see `NEVER_2XX`).
    for operation in &operations {
        let counts = tally
            .by_operation
            .get(operation)
            .copied()
            .unwrap_or_default();
        assert!(counts.sent > 0, "{operation} got no request");
        if !NEVER_2XX.iter().any(|(never, _)| never == operation) {
            assert!(
                counts.success > 0,
                "{operation} never succeeded: {counts:?}"
            );
        }
    }
    assert_eq!(
        tally.server_errors, 0,
        "5xx answers (not_a_server_error should have said)"
    );
    assert!(
        generated >= 20 * operations.len(),
        "only {generated} test cases for {} operations",
        operations.len()
    );
}

/// Operations no generated request can make succeed, and why.
const NEVER_2XX: &[(&str, &str)] = &[
    (
        "POST /api/auth/login",
        "Schemathesis knows no account's password; this test's own login is checked below",
    ),
    (
        "POST /api/upload",
        "the file must be a real PNG, JPEG, GIF or WebP (its first bytes are checked)",
    ),
    (
        "GET /api/files/{path}",
        "no file is uploaded during the run, so every name is a 404",
    ),
    (
        "DELETE /api/files/{path}",
        "no file is uploaded during the run, so every name is a 404",
    ),
];

struct Run {
    success: bool,
    output: String,
    har: Value,
    elapsed: Duration,
    seed: String,
    examples: String,
    version: String,
}

fn run_schemathesis(program: &Path, url: &str, token: &str, user_id: i64, work: &Path) -> Run {
    let seed = std::env::var("FSROUTE_SCHEMATHESIS_SEED").unwrap_or_else(|_| SEED.into());
    let examples =
        std::env::var("FSROUTE_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| EXAMPLES.into());
    let version = Command::new(program)
        .arg("--version")
        .output()
        .map(|out| {
            let text = String::from_utf8_lossy(&out.stdout);
            text.trim()
                .trim_start_matches("schemathesis, version ")
                .to_string()
        })
        .unwrap_or_default();
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemathesis/hooks.py");
    let har = work.join("requests.har");
    let log = work.join("schemathesis.log");
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(["run", url, "--no-color", "--checks", CHECKS])
        .args(["--max-examples", &examples, "--seed", &seed])
        // No example database: each run starts from the seed alone, and nothing is
        // written outside the temporary folder.
        .args(["--generation-database", "none", "--request-timeout", "10"])
        .args(["--report", "har", "--report-har-path"])
        .arg(&har)
        .env("SCHEMATHESIS_HOOKS", &hooks)
        .env("FSROUTE_SCHEMATHESIS_USER_ID", user_id.to_string())
        // The hooks' auth provider sends the token (and a throw-away account's to
        // `logout-all`, which would end the admin's).
        .env("FSROUTE_SCHEMATHESIS_TOKEN", token)
        .env(
            "FSROUTE_SCHEMATHESIS_BASE_URL",
            url.trim_end_matches("/api/openapi.json"),
        )
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(work.join("schemathesis.err")).unwrap())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", program.display()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Schemathesis ran for more than {} s; its output so far:\n{}",
                TIME_LIMIT.as_secs(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut output = std::fs::read_to_string(&log).unwrap();
    let errors = std::fs::read_to_string(work.join("schemathesis.err")).unwrap_or_default();
    if !errors.trim().is_empty() {
        output.push_str("\n--- stderr ---\n");
        output.push_str(&errors);
    }
    let har = std::fs::read_to_string(&har)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    Run {
        success: status.success(),
        output,
        har,
        elapsed: started.elapsed(),
        seed,
        examples,
        version,
    }
}

/// `schemathesis` from `FSROUTE_SCHEMATHESIS` or the `PATH`; `None` (after saying so)
/// when there is none, a panic when CI requires it.
fn schemathesis_or_skip() -> Option<PathBuf> {
    let found = std::env::var_os("FSROUTE_SCHEMATHESIS")
        .map(PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .map(|dir| dir.join("schemathesis"))
                .find(|candidate| candidate.is_file())
        });
    if found.is_none() {
        if std::env::var("FSROUTE_REQUIRE_SCHEMATHESIS").as_deref() == Ok("1") {
            panic!(
                "FSROUTE_REQUIRE_SCHEMATHESIS=1 but `schemathesis` is not on the PATH: run \
                 under `bash .ci/python-tools`"
            );
        }
        eprintln!(
            "note: the Schemathesis run is skipped: `schemathesis` is not on the PATH (run \
             `bash .ci/python-tools cargo test -p fsroute-tests --test schemathesis`)"
        );
    }
    found
}

/// Validates `value` against the template document's schema `name`.
fn assert_conforms(value: &Value, name: &str) {
    let mut root = template_app::routes::openapi().value().clone();
    root["$ref"] = json!(format!("#/components/schemas/{name}"));
    let validator = jsonschema::draft202012::new(&root).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{value} is not a {name}: {errors:?}");
}

/// One request on its own connection; the status and the JSON body.
async fn send(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the app answers")
        .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// `POST /api/users`, … for every operation of the template's document.
fn document_operations() -> Vec<String> {
    let mut operations = Vec::new();
    for (path, item) in template_app::routes::openapi().value()["paths"]
        .as_object()
        .unwrap()
    {
        for method in item.as_object().unwrap().keys() {
            if method != "description" {
                operations.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    sent: usize,
    success: usize,
    client_error: usize,
}

#[derive(Default)]
struct Tally {
    total: usize,
    by_operation: BTreeMap<String, Counts>,
    /// Requests with a method the path does not have (Schemathesis checks the 405).
    other: usize,
    server_errors: usize,
}

impl Tally {
    fn table(&self, operations: &[String]) -> String {
        let mut table =
            String::from("| operation | requests | 2xx | 4xx |\n| --- | ---: | ---: | ---: |\n");
        for operation in operations {
            let counts = self
                .by_operation
                .get(operation)
                .copied()
                .unwrap_or_default();
            table.push_str(&format!(
                "| `{operation}` | {} | {} | {} |\n",
                counts.sent, counts.success, counts.client_error
            ));
        }
        table.push_str(&format!(
            "| other methods on these paths (405) | {} | | |\n",
            self.other
        ));
        table
    }
}

/// Counts the requests of Schemathesis' HAR report by operation and status class.
fn tally_requests(har: &Value, operations: &[String]) -> Tally {
    let mut tally = Tally::default();
    let entries = har["log"]["entries"]
        .as_array()
        .expect("Schemathesis wrote its HAR report");
    for entry in entries {
        tally.total += 1;
        let method = entry["request"]["method"].as_str().unwrap_or_default();
        let url = entry["request"]["url"].as_str().unwrap_or_default();
        let status = entry["response"]["status"].as_u64().unwrap_or_default();
        if status >= 500 {
            tally.server_errors += 1;
        }
        let path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
            .unwrap_or(url);
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let operation = operations.iter().find(|operation| {
            let (op_method, template) = operation.split_once(' ').unwrap();
            op_method == method && path_matches(template, path)
        });
        match operation {
            Some(operation) => {
                let counts = tally.by_operation.entry(operation.clone()).or_default();
                counts.sent += 1;
                match status {
                    200..=299 => counts.success += 1,
                    400..=499 => counts.client_error += 1,
                    _ => {}
                }
            }
            None => tally.other += 1,
        }
    }
    tally
}

/// `/api/users/{id}` matches `/api/users/7`; a catch-all (`x-fsroute-catch-all`, always
/// last) matches one segment or more.
fn path_matches(template: &str, path: &str) -> bool {
    let item = &template_app::routes::openapi().value()["paths"][template];
    let catch_all = item
        .as_object()
        .into_iter()
        .flat_map(|item| item.values())
        .flat_map(|operation| operation["parameters"].as_array().into_iter().flatten())
        .any(|parameter| parameter["x-fsroute-catch-all"] == true);
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    let segment = |(t, p): (&&str, &&str)| t == p || (t.starts_with('{') && !p.is_empty());
    if catch_all {
        let fixed = template.len() - 1;
        return path.len() > fixed && template[..fixed].iter().zip(&path).all(segment);
    }
    template.len() == path.len() && template.iter().zip(&path).all(segment)
}

/// `N generated` from the report's summary.
fn generated_cases(output: &str) -> Option<usize> {
    let summary = &output[output.find("Test cases:")?..];
    let line = summary.lines().nth(1)?;
    let (count, rest) = line.trim().split_once(' ')?;
    rest.starts_with("generated").then(|| count.parse().ok())?
}

fn failures_section(output: &str) -> &str {
    output
        .find("FAILURES")
        .map(|start| &output[start..])
        .unwrap_or(output)
}
