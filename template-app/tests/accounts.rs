//! Accounts and sign-in against the attacks of the security review (docs/security.md):
//! each test pins one finding (its number in the test's comment) and failed before the
//! change it tests.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{AppProcess, TestApp};
use serde_json::{Value, json};

fn registration(email: &str) -> String {
    json!({ "email": email, "name": "Someone", "password": "a long enough secret" }).to_string()
}

fn credentials(email: &str, password: &str) -> String {
    json!({ "email": email, "password": password }).to_string()
}

// ---- H1: password hashing cannot be used to stall the server ----

/// H1: registration had no limit at all; it now has its own, per client address.
#[test]
fn registration_has_its_own_rate_limit_per_address() {
    let app = AppProcess::start_sqlite(&[("REGISTER_RATE_PER_MINUTE", "3")]);
    for n in 0..3 {
        let (status, body) = app.call(
            "POST",
            "/api/auth/register",
            None,
            Some(&registration(&format!("r{n}@example.com"))),
        );
        assert_eq!(status, 202, "{body}");
    }
    let (status, head, body) = app.exchange(
        "POST",
        "/api/auth/register",
        None,
        Some(&registration("r3@example.com")),
    );
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert!(head.contains("\r\nretry-after: "), "{head}");
    // Signing in is counted apart.
    let (status, body) = app.call(
        "POST",
        "/api/auth/login",
        None,
        Some(&credentials("r0@example.com", "a long enough secret")),
    );
    assert_eq!(status, 200, "{body}");
}

/// H1: a login password had no length limit (1.9 MB was hashed); it has registration's.
#[tokio::test]
async fn a_login_password_has_the_registration_length_limit() {
    let app = TestApp::new().await;
    let longest = "p".repeat(128);
    let registered = app.register("ada@example.com", "Ada", &longest).await;
    assert!(registered.status().is_success(), "{}", registered.text());
    assert_eq!(
        app.login("ada@example.com", &longest).await.status(),
        StatusCode::OK
    );
    let reply = app.login("ada@example.com", &"p".repeat(129)).await;
    assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.json()["error"]["details"]["fieldErrors"]["password"].is_array(),
        "{}",
        reply.text()
    );
}

/// A request on a connection of its own, sent and left open; the server's answer is not
/// read. Dropping the stream closes the connection: the client went away.
fn send_and_leave_open(address: &str, path: &str, body: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    stream
}

/// H1: 600 registrations sent at once and abandoned 0.3 s later stalled every login for
/// the ten seconds the server took to hash them all (the review measured 9.7 s). The
/// registration limit is lifted here, as if the flood came from many addresses, so
/// what is measured is the hashing queue: logins go first, the queue is bounded, and
/// the work of clients that went away is skipped.
#[test]
fn a_flood_of_abandoned_registrations_does_not_stall_a_login() {
    let app = AppProcess::start_sqlite(&[("REGISTER_RATE_PER_MINUTE", "1000000")]);
    let (status, body) = app.call(
        "POST",
        "/api/auth/register",
        None,
        Some(&registration("victim@example.com")),
    );
    assert_eq!(status, 202, "{body}");
    let login = || {
        let started = Instant::now();
        let (status, body) = app.call(
            "POST",
            "/api/auth/login",
            None,
            Some(&credentials("victim@example.com", "a long enough secret")),
        );
        assert_eq!(status, 200, "{body}");
        started.elapsed()
    };
    let before = login();

    // An existing email: each request costs a full hash and creates nothing.
    let flood = registration("victim@example.com");
    let started = Instant::now();
    let attackers: Vec<TcpStream> = (0..600)
        .map(|_| send_and_leave_open(&app.address, "/api/auth/register", &flood))
        .collect();
    let sent = started.elapsed();
    let during = login();
    std::thread::sleep(Duration::from_millis(300).saturating_sub(started.elapsed()));
    drop(attackers);
    let after = login();
    let again = login();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "login latency: {:.0} ms before; 600 registrations sent in {:.0} ms; {:.0} ms while \
         they were connected; {:.0} ms right after they went away; {:.0} ms then",
        ms(before),
        ms(sent),
        ms(during),
        ms(after),
        ms(again)
    );
    // Generous: the point is seconds before the change, milliseconds after.
    for (when, latency) in [("during", during), ("after", after)] {
        assert!(
            latency < Duration::from_secs(3),
            "a login {when} the flood took {latency:?}"
        );
    }
}

/// H1: the hashing queue had no bound; when it is full a registration is a 503 with
/// `Retry-After` straight away instead of one more job in the queue.
#[test]
fn a_full_hashing_queue_answers_503_with_retry_after() {
    let app = AppProcess::start_sqlite(&[("REGISTER_RATE_PER_MINUTE", "1000000")]);
    let answers: Vec<(u16, String, Value)> = std::thread::scope(|scope| {
        let app = &app;
        let clients: Vec<_> = (0..100)
            .map(|n| {
                scope.spawn(move || {
                    app.exchange(
                        "POST",
                        "/api/auth/register",
                        None,
                        Some(&registration(&format!("burst{n}@example.com"))),
                    )
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let busy: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 503).collect();
    let created = answers.iter().filter(|(s, _, _)| *s == 202).count();
    println!(
        "100 registrations at once: {created} created, {} answered 503",
        busy.len()
    );
    assert!(!busy.is_empty(), "no 503: the queue took all 100");
    assert_eq!(created + busy.len(), 100, "{answers:?}");
    for (_, head, body) in busy {
        assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
        assert!(head.contains("\r\nretry-after: 1"), "{head}");
    }
}

/// H1: a queued job ran even when its caller had gone (the review counted 468 of 600
/// hashes done for clients that had disconnected). Now it is skipped.
#[tokio::test]
async fn hashing_work_for_callers_that_went_away_is_skipped() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use template_app::auth::{HashingQueue, Priority};

    let queue = Arc::new(HashingQueue::new(1, 10));
    // Hold the only thread until the abandoned jobs are queued.
    let gate = Arc::new(Barrier::new(2));
    let holding = tokio::spawn({
        let (queue, gate) = (queue.clone(), gate.clone());
        async move { queue.run(Priority::NewPassword, move || gate.wait()).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..5 {
        let ran = ran.clone();
        let job = queue.run(Priority::NewPassword, move || {
            ran.fetch_add(1, Ordering::SeqCst);
        });
        // Polled once (so it is queued), then dropped: the client went away.
        let _ = tokio::time::timeout(Duration::from_millis(10), job).await;
    }
    gate.wait();
    holding.await.unwrap().unwrap();
    // A job behind them runs: they were passed over, not left blocking the queue.
    let after = queue.run(Priority::NewPassword, || "done").await.unwrap();
    assert_eq!(after, "done");
    assert_eq!(ran.load(Ordering::SeqCst), 0, "abandoned work ran");
    assert_eq!(queue.skipped(), 5);
}

/// H1: sign-ins waited behind every queued registration; they now go first.
#[tokio::test]
async fn a_sign_in_check_goes_before_queued_new_passwords() {
    use std::sync::{Arc, Barrier, Mutex};
    use template_app::auth::{HashingQueue, Priority};

    let queue = Arc::new(HashingQueue::new(1, 10));
    let gate = Arc::new(Barrier::new(2));
    let order = Arc::new(Mutex::new(Vec::new()));
    let holding = tokio::spawn({
        let (queue, gate) = (queue.clone(), gate.clone());
        async move { queue.run(Priority::NewPassword, move || gate.wait()).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut waiting = Vec::new();
    for (priority, name) in [
        (Priority::NewPassword, "register 1"),
        (Priority::NewPassword, "register 2"),
        (Priority::SignIn, "login"),
    ] {
        let (queue, order) = (queue.clone(), order.clone());
        waiting.push(tokio::spawn(async move {
            queue
                .run(priority, move || order.lock().unwrap().push(name))
                .await
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gate.wait();
    holding.await.unwrap().unwrap();
    for job in waiting {
        job.await.unwrap().unwrap();
    }
    assert_eq!(
        *order.lock().unwrap(),
        ["login", "register 1", "register 2"]
    );
}

// ---- M5, I4, I5: the signing secret and the tokens' claims ----

/// Starts the binary with `settings` and expects it to refuse: a failed exit within
/// 20 s; returns what it printed on stderr.
fn refuses_to_start(settings: &[(&str, &str)]) -> String {
    use std::process::Stdio;

    let data = tempfile::tempdir().unwrap();
    let mut command = common::app_command();
    command
        .env("DATA_DIR", data.path())
        .env("PORT", "0")
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (name, value) in settings {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the app started with {settings:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// M5: `JWT_SECRET=secret` started silently, and the secret was cracked in 10 guesses.
#[test]
fn a_short_jwt_secret_refuses_to_start_and_says_how_to_make_one() {
    for secret in ["secret", &"x".repeat(31)] {
        let stderr = refuses_to_start(&[("JWT_SECRET", secret)]);
        assert!(stderr.starts_with("error: JWT_SECRET "), "{stderr}");
        assert!(stderr.contains("at least 32"), "{stderr}");
        assert!(stderr.contains("openssl rand -base64 48"), "{stderr}");
    }
}

/// I4: `JWT_TTL_SECONDS=18446744073709551615` made every login a 500 (an overflow).
#[test]
fn a_token_lifetime_out_of_bounds_refuses_to_start() {
    for ttl in ["18446744073709551615", "31536000", "0"] {
        let stderr = refuses_to_start(&[
            ("JWT_SECRET", "a-long-enough-secret-for-this-test-0123"),
            ("JWT_TTL_SECONDS", ttl),
        ]);
        assert!(
            stderr.starts_with(&format!("error: JWT_TTL_SECONDS={ttl} ")),
            "{stderr}"
        );
        assert!(stderr.contains("2592000"), "{stderr}");
    }
}

/// Database settings that mean nothing refuse to start, saying what would.
#[test]
fn database_settings_out_of_bounds_refuse_to_start() {
    let stderr = refuses_to_start(&[("SQLITE_SYNCHRONOUS", "sometimes")]);
    assert!(
        stderr.starts_with("error: SQLITE_SYNCHRONOUS=sometimes is not a mode"),
        "{stderr}"
    );
    assert!(
        stderr.contains("full") && stderr.contains("normal"),
        "{stderr}"
    );
    for size in ["0", "-1", "4294967296"] {
        let stderr = refuses_to_start(&[("DB_MAX_CONNECTIONS", size)]);
        assert!(stderr.contains("DB_MAX_CONNECTIONS"), "{stderr}");
    }
}

fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn signed(secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// I5: tokens had no `iss` or `aud`, so two environments sharing a secret accepted each
/// other's. They carry both now, and a token without them, or for another, is refused.
#[tokio::test]
async fn tokens_carry_and_check_issuer_and_audience() {
    let app = TestApp::new().await;
    let registered = app
        .register("ada@example.com", "Ada", "a long enough secret")
        .await;
    assert!(registered.status().is_success(), "{}", registered.text());
    let session = app
        .login("ada@example.com", "a long enough secret")
        .await
        .json();
    let token = session["token"].as_str().unwrap();
    let claims = claims_of(token);
    assert_eq!(claims["iss"], env!("CARGO_PKG_NAME"), "{claims}");
    assert_eq!(claims["aud"], env!("CARGO_PKG_NAME"), "{claims}");
    let me = format!("/api/users/{}", session["user"]["id"]);
    assert_eq!(app.get(&me, Some(token)).await.status(), StatusCode::OK);

    let secret = app.config.jwt_secret.clone().unwrap();
    let mut other = claims.clone();
    other["aud"] = json!("staging");
    other["iss"] = json!("staging");
    let mut without = claims.clone();
    without.as_object_mut().unwrap().remove("iss");
    without.as_object_mut().unwrap().remove("aud");
    for claims in [other, without] {
        let reply = app.get(&me, Some(&signed(&secret, &claims))).await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "{claims}");
        assert_eq!(reply.json()["error"]["message"], "The token is not valid");
    }
}

// ---- M4, M3, L6: who is an admin, who sees what ----

/// M4: the first account registered became the admin, a race against anyone who could
/// reach a fresh deployment first.
#[tokio::test]
async fn the_first_account_registered_is_not_an_admin() {
    let app = TestApp::new().await;
    let registered = app
        .register("first@example.com", "First", "a long enough secret")
        .await;
    assert!(registered.status().is_success(), "{}", registered.text());
    let session = app.login("first@example.com", "a long enough secret").await;
    assert_eq!(session.json()["user"]["role"], "user");
}

/// M4: the admin comes from `ADMIN_EMAIL` and `ADMIN_PASSWORD` at start-up.
#[test]
fn the_admin_comes_from_admin_email_and_password_at_start_up() {
    let app = AppProcess::start_sqlite(&[
        ("ADMIN_EMAIL", " Boss@Example.com "),
        ("ADMIN_PASSWORD", "the boss's long password"),
    ]);
    let (status, session) = app.call(
        "POST",
        "/api/auth/login",
        None,
        Some(&credentials("boss@example.com", "the boss's long password")),
    );
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["user"]["role"], "admin");
    let token = session["token"].as_str().unwrap();
    let (status, listed) = app.call("GET", "/api/users", Some(token), None);
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["pagination"]["total"], 1);
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/app.db", dir.path().display())
}

fn register_plain_account(url: &str, email: &str) {
    let app = AppProcess::start(url, &[]);
    let (status, body) = app.call(
        "POST",
        "/api/auth/register",
        None,
        Some(&registration(email)),
    );
    assert!((200..300).contains(&status), "{body}");
}

/// M4: an `ADMIN_EMAIL` someone already registered is not made an admin behind the
/// operator's back: the app refuses to start and says what to do.
#[test]
fn an_admin_email_registered_by_someone_else_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    register_plain_account(&url, "boss@example.com");
    let stderr = refuses_to_start(&[
        ("DATABASE_URL", &url),
        ("JWT_SECRET", "a-long-enough-secret-for-this-test-0123"),
        ("ADMIN_EMAIL", "boss@example.com"),
        ("ADMIN_PASSWORD", "the boss's long password"),
    ]);
    assert!(
        stderr.starts_with("error: ADMIN_EMAIL=boss@example.com "),
        "{stderr}"
    );
    assert!(stderr.contains("create-admin"), "{stderr}");
    // Half a pair is a mistake too.
    let stderr = refuses_to_start(&[
        ("JWT_SECRET", "a-long-enough-secret-for-this-test-0123"),
        ("ADMIN_EMAIL", "boss@example.com"),
    ]);
    assert!(stderr.contains("ADMIN_PASSWORD"), "{stderr}");
}

/// Runs `template-app create-admin ARGS` with `password` on stdin; its exit status,
/// stdout and stderr. Fails if it is still running after 30 s (it started the server).
fn create_admin(url: &str, args: &[&str], password: &str) -> (bool, String, String) {
    use std::process::Stdio;

    let mut child = common::app_command()
        .arg("create-admin")
        .args(args)
        .env("DATABASE_URL", url)
        .env("PORT", "0")
        .env("RUST_LOG", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{password}").unwrap();
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`create-admin {args:?}` did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// M4: `template-app create-admin EMAIL` makes an admin out of band (the password on
/// stdin), or promotes an existing account and gives it that password.
#[test]
fn create_admin_makes_or_promotes_an_admin_out_of_band() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let (ok, stdout, stderr) = create_admin(
        &url,
        &["root@example.com", "Root"],
        "root's own long password",
    );
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("root@example.com"), "{stdout}");
    register_plain_account(&url, "owner@example.com");
    let (ok, stdout, stderr) =
        create_admin(&url, &["owner@example.com"], "the owner's new password");
    assert!(ok, "{stdout}{stderr}");

    let app = AppProcess::start(&url, &[]);
    for (email, password) in [
        ("root@example.com", "root's own long password"),
        ("owner@example.com", "the owner's new password"),
    ] {
        let (status, session) = app.call(
            "POST",
            "/api/auth/login",
            None,
            Some(&credentials(email, password)),
        );
        assert_eq!(status, 200, "{email}: {session}");
        assert_eq!(session["user"]["role"], "admin", "{email}");
    }
    let (status, _) = app.call(
        "POST",
        "/api/auth/login",
        None,
        Some(&credentials("owner@example.com", "a long enough secret")),
    );
    assert_eq!(status, 401, "the password of whoever registered it is gone");

    // A weak password is refused, with the reason.
    let (ok, _, stderr) = create_admin(&url, &["weak@example.com"], "short");
    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
}

async fn sign_up(app: &TestApp, email: &str, name: &str) -> (String, i64) {
    let registered = app.register(email, name, "a long enough secret").await;
    assert!(registered.status().is_success(), "{}", registered.text());
    let session = app.login(email, "a long enough secret").await.json();
    (
        session["token"].as_str().unwrap().to_string(),
        session["user"]["id"].as_i64().unwrap(),
    )
}

/// M3: any signed-in user could list every user's email and role, and read anyone's.
/// Listing is for admins; others see a user's id and name only.
#[tokio::test]
async fn only_admins_list_users_and_see_others_emails() {
    let app = TestApp::new().await;
    let (alice, alice_id) = sign_up(&app, "alice@example.com", "Alice").await;
    let (_, bob_id) = sign_up(&app, "bob@example.com", "Bob").await;

    let listed = app.get("/api/users?search=bob", Some(&alice)).await;
    assert_eq!(listed.status(), StatusCode::FORBIDDEN, "{}", listed.text());
    assert_eq!(listed.error_code(), Some("FORBIDDEN"));
    let bob = app.get(&format!("/api/users/{bob_id}"), Some(&alice)).await;
    assert_eq!(bob.status(), StatusCode::OK);
    assert_eq!(bob.json(), json!({ "id": bob_id, "name": "Bob" }));
    let me = app
        .get(&format!("/api/users/{alice_id}"), Some(&alice))
        .await
        .json();
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["role"], "user");

    let (admin, _) = app.admin().await;
    let listed = app.get("/api/users?search=bob", Some(&admin)).await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(listed.json()["data"][0]["email"], "bob@example.com");
    let bob = app
        .get(&format!("/api/users/{bob_id}"), Some(&admin))
        .await
        .json();
    assert_eq!(bob["email"], "bob@example.com");
    assert!(bob["createdAt"].is_string(), "{bob}");
}

/// L6: the only admin could demote or delete themself, and the API never had an admin
/// again. That is now a 409; with a second admin it is allowed.
#[tokio::test]
async fn the_last_admin_cannot_demote_or_delete_themself() {
    let app = TestApp::new().await;
    let (admin, admin_id) = app.admin().await;
    let me = format!("/api/users/{admin_id}");
    let demoted = app
        .call(
            axum::http::Method::PATCH,
            &me,
            Some(&admin),
            Some(json!({ "role": "user" })),
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::CONFLICT, "{}", demoted.text());
    assert_eq!(
        demoted.error_message(),
        Some("The last admin cannot stop being one: make another admin first")
    );
    let deleted = app
        .call(axum::http::Method::DELETE, &me, Some(&admin), None)
        .await;
    assert_eq!(deleted.status(), StatusCode::CONFLICT, "{}", deleted.text());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );

    let second = app
        .call(
            axum::http::Method::POST,
            "/api/users",
            Some(&admin),
            Some(json!({ "email": "second@example.com", "name": "Second", "password": "a long enough secret", "role": "admin" })),
        )
        .await;
    assert_eq!(second.status(), StatusCode::CREATED, "{}", second.text());
    let deleted = app
        .call(axum::http::Method::DELETE, &me, Some(&admin), None)
        .await;
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "{}",
        deleted.text()
    );
}

/// L6, concurrently: two admins demoting each other at the same moment (on two
/// replicas, say) must not both succeed. Runs on PostgreSQL too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::new().await;
    let (root, _) = app.admin().await;
    let created = app
        .call(
            axum::http::Method::POST,
            "/api/users",
            Some(&root),
            Some(json!({ "email": "a@example.com", "name": "A", "password": "a long enough secret", "role": "admin" })),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    let a_id = created.json()["id"].as_i64().unwrap();
    // Only A and B are admins from here on.
    let (_, b_id) = sign_up(&app, "b@example.com", "B").await;
    let promote = |id: i64, token: String| {
        let app = &app;
        async move {
            let reply = app
                .call(
                    axum::http::Method::PATCH,
                    &format!("/api/users/{id}"),
                    Some(&token),
                    Some(json!({ "role": "admin" })),
                )
                .await;
            assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text());
        }
    };
    promote(b_id, root.clone()).await;
    let root_id = app.admin().await.1;
    let (a, _) = sign_up_existing(&app, "a@example.com").await;
    promote(root_id, a.clone()).await;
    let demoted = app
        .call(
            axum::http::Method::PATCH,
            &format!("/api/users/{root_id}"),
            Some(&a),
            Some(json!({ "role": "user" })),
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::OK, "{}", demoted.text());

    for round in 0..10 {
        let (a, _) = sign_up_existing(&app, "a@example.com").await;
        let (b, _) = sign_up_existing(&app, "b@example.com").await;
        let demote = |id: i64, token: String| {
            let app = &app;
            async move {
                app.call(
                    axum::http::Method::PATCH,
                    &format!("/api/users/{id}"),
                    Some(&token),
                    Some(json!({ "role": "user" })),
                )
                .await
                .status()
            }
        };
        let (one, other) = tokio::join!(demote(b_id, a.clone()), demote(a_id, b.clone()));
        let admins = app
            .count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await;
        assert_eq!(admins, 1, "round {round}: {one} and {other}");
        // Whichever is still an admin promotes the other again.
        let (survivor, demoted_id) = if one == StatusCode::OK {
            (a, b_id)
        } else {
            (b, a_id)
        };
        promote(demoted_id, survivor).await;
    }
}

/// Signs in to an account that exists; the token and id.
async fn sign_up_existing(app: &TestApp, email: &str) -> (String, i64) {
    let session = app.login(email, "a long enough secret").await;
    assert_eq!(session.status(), StatusCode::OK, "{}", session.text());
    let session = session.json();
    (
        session["token"].as_str().unwrap().to_string(),
        session["user"]["id"].as_i64().unwrap(),
    )
}

// ---- M2: credentials ----

async fn patch(app: &TestApp, id: i64, token: &str, body: Value) -> fsroute::test::TestResponse {
    app.call(
        axum::http::Method::PATCH,
        &format!("/api/users/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

/// M2: a token outlived a password change (the owner's or an admin's reset), so a
/// stolen one could not be evicted. Now every token issued before the change is a 401.
#[tokio::test]
async fn a_password_change_ends_the_sessions_from_before() {
    let app = TestApp::new().await;
    let (old, alice) = sign_up(&app, "alice@example.com", "Alice").await;
    let (other_device, _) = sign_up_existing(&app, "alice@example.com").await;
    let me = format!("/api/users/{alice}");
    let changed = patch(
        &app,
        alice,
        &old,
        json!({ "password": "a new long secret", "currentPassword": "a long enough secret" }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK, "{}", changed.text());
    for token in [&old, &other_device] {
        let reply = app.get(&me, Some(token)).await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "{}", reply.text());
        assert_eq!(
            reply.error_message(),
            Some("The token is no longer valid: sign in again")
        );
    }
    let session = app.login("alice@example.com", "a new long secret").await;
    assert_eq!(session.status(), StatusCode::OK);
    let new = session.json()["token"].as_str().unwrap().to_string();
    assert_eq!(app.get(&me, Some(&new)).await.status(), StatusCode::OK);

    // An admin's reset, after a compromise, evicts whoever holds the token.
    let (admin, _) = app.admin().await;
    let reset = patch(
        &app,
        alice,
        &admin,
        json!({ "password": "reset by the admin" }),
    )
    .await;
    assert_eq!(reset.status(), StatusCode::OK, "{}", reset.text());
    assert_eq!(
        app.get(&me, Some(&new)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// M2: an email or role change ends the sessions from before too; a name change does not.
#[tokio::test]
async fn an_email_or_role_change_ends_the_sessions_from_before() {
    let app = TestApp::new().await;
    let (admin, _) = app.admin().await;
    let (token, bob) = sign_up(&app, "bob@example.com", "Bob").await;
    let me = format!("/api/users/{bob}");
    let renamed = patch(&app, bob, &token, json!({ "name": "Robert" })).await;
    assert_eq!(renamed.status(), StatusCode::OK, "{}", renamed.text());
    assert_eq!(app.get(&me, Some(&token)).await.status(), StatusCode::OK);

    let moved = patch(
        &app,
        bob,
        &token,
        json!({ "email": "robert@example.com", "currentPassword": "a long enough secret" }),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK, "{}", moved.text());
    assert_eq!(
        app.get(&me, Some(&token)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let (token, _) = sign_up_existing(&app, "robert@example.com").await;
    let promoted = patch(&app, bob, &admin, json!({ "role": "admin" })).await;
    assert_eq!(promoted.status(), StatusCode::OK, "{}", promoted.text());
    assert_eq!(
        app.get(&me, Some(&token)).await.status(),
        StatusCode::UNAUTHORIZED,
        "a token that says `user` for an admin is gone"
    );
}

/// M2: `PATCH /api/users/{me}` changed the email or password with no current password,
/// so a stolen token was enough to take the account over.
#[tokio::test]
async fn changing_your_own_email_or_password_needs_the_current_password() {
    let app = TestApp::new().await;
    let (token, alice) = sign_up(&app, "alice@example.com", "Alice").await;
    for change in [
        json!({ "password": "taken over for good" }),
        json!({ "email": "thief@example.com" }),
    ] {
        let missing = patch(&app, alice, &token, change.clone()).await;
        assert_eq!(
            missing.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            missing.text()
        );
        assert!(
            missing.json()["error"]["details"]["fieldErrors"]["currentPassword"].is_array(),
            "{}",
            missing.text()
        );
        let mut wrong = change.clone();
        wrong["currentPassword"] = json!("a guess at the password");
        let wrong = patch(&app, alice, &token, wrong).await;
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN, "{}", wrong.text());
        assert_eq!(wrong.error_code(), Some("INVALID_CURRENT_PASSWORD"));
    }
    let put = app
        .call(
            axum::http::Method::PUT,
            &format!("/api/users/{alice}"),
            Some(&token),
            Some(json!({ "email": "thief@example.com", "name": "Alice" })),
        )
        .await;
    assert_eq!(
        put.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        put.text()
    );
    assert_eq!(
        app.login("alice@example.com", "a long enough secret")
            .await
            .status(),
        StatusCode::OK,
        "nothing changed"
    );
    // The same email again is no change; an admin changing someone else needs only their
    // own token.
    let same = app
        .call(
            axum::http::Method::PUT,
            &format!("/api/users/{alice}"),
            Some(&token),
            Some(json!({ "email": "alice@example.com", "name": "Alice L." })),
        )
        .await;
    assert_eq!(same.status(), StatusCode::OK, "{}", same.text());
    let (admin, _) = app.admin().await;
    let moved = patch(&app, alice, &admin, json!({ "email": "alice@example.org" })).await;
    assert_eq!(moved.status(), StatusCode::OK, "{}", moved.text());
}

/// M2: there was no way to end one's sessions. `POST /api/auth/logout-all` ends every
/// token issued so far.
#[tokio::test]
async fn logout_all_ends_every_session() {
    let app = TestApp::new().await;
    let (laptop, alice) = sign_up(&app, "alice@example.com", "Alice").await;
    let (phone, _) = sign_up_existing(&app, "alice@example.com").await;
    let out = app
        .call(
            axum::http::Method::POST,
            "/api/auth/logout-all",
            Some(&phone),
            None,
        )
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT, "{}", out.text());
    let me = format!("/api/users/{alice}");
    for token in [&laptop, &phone] {
        assert_eq!(
            app.get(&me, Some(token)).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let (fresh, _) = sign_up_existing(&app, "alice@example.com").await;
    assert_eq!(app.get(&me, Some(&fresh)).await.status(), StatusCode::OK);
}

// ---- L2, L1, L8, I3, I6: passwords, registration, names and emails, the header ----

/// L2: `12345678`, `password` and eight spaces were all accepted.
#[tokio::test]
async fn weak_passwords_are_refused_with_the_reason() {
    let app = TestApp::new().await;
    for (password, reason) in [
        ("12345678", "at least 10 characters"),
        ("          ", "only spaces"),
        ("password123", "too common"),
        ("Password123", "too common"),
        ("qwertyuiop", "too common"),
    ] {
        let reply = app.register("weak@example.com", "Weak", password).await;
        assert_eq!(
            reply.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password:?}: {}",
            reply.text()
        );
        let errors = &reply.json()["error"]["details"]["fieldErrors"]["password"];
        assert!(
            errors.to_string().contains(reason),
            "{password:?}: {errors}"
        );
    }
    let (admin, admin_id) = app.admin().await;
    let created = app
        .call(
            axum::http::Method::POST,
            "/api/users",
            Some(&admin),
            Some(json!({ "email": "x@example.com", "name": "X", "password": "1234567890" })),
        )
        .await;
    assert_eq!(created.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = patch(
        &app,
        admin_id,
        &admin,
        json!({ "password": "iloveyou12", "currentPassword": common::ADMIN_PASSWORD }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fine = app
        .register("fine@example.com", "Fine", "a long enough secret")
        .await;
    assert!(fine.status().is_success(), "{}", fine.text());
}

/// L1: registering an email that exists was a 409 naming it, so anyone could check
/// which emails have accounts. Both answers are now the same, and the existing account
/// is untouched.
#[tokio::test]
async fn registration_answers_the_same_whether_or_not_the_email_is_taken() {
    let app = TestApp::new().await;
    let new = app
        .register("ada@example.com", "Ada", "a long enough secret")
        .await;
    let taken = app
        .register(" ADA@example.com", "Someone else", "another long secret")
        .await;
    assert_eq!(new.status(), StatusCode::ACCEPTED, "{}", new.text());
    assert_eq!(taken.status(), new.status(), "{}", taken.text());
    assert_eq!(taken.json(), new.json());
    assert_eq!(taken.header("location"), None);
    assert!(!taken.text().contains("already"), "{}", taken.text());
    assert_eq!(
        app.login("ada@example.com", "a long enough secret")
            .await
            .json()["user"]["name"],
        "Ada"
    );
    assert_eq!(
        app.login("ada@example.com", "another long secret")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// L8: names were validated before they were trimmed (`"   "` was stored as `""`) and
/// kept newlines and escape codes; emails were checked before being trimmed.
#[tokio::test]
async fn names_and_emails_are_normalised_then_validated() {
    let app = TestApp::new().await;
    for (email, name, field) in [
        ("a@example.com", "   ", "name"),
        (
            "a@example.com",
            "Eve\n2026-12-01T00:00:00Z INFO fake log line",
            "name",
        ),
        ("a@example.com", "\u{1b}[31mRed", "name"),
        ("a@example.com", "Tab\there", "name"),
        ("a\u{7}@example.com", "Bell", "email"),
    ] {
        let reply = app.register(email, name, "a long enough secret").await;
        assert_eq!(
            reply.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}: {}",
            reply.text()
        );
        assert!(
            reply.json()["error"]["details"]["fieldErrors"][field].is_array(),
            "{name:?}: {}",
            reply.text()
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        1,
        "only the admin"
    );

    let reply = app
        .register(
            "  Ada@Example.COM ",
            "  Ada Lovelace  ",
            "a long enough secret",
        )
        .await;
    assert!(reply.status().is_success(), "{}", reply.text());
    let (token, id) = sign_up_existing(&app, "ada@example.com").await;
    let me = app
        .get(&format!("/api/users/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(me["name"], "Ada Lovelace");
    assert_eq!(me["email"], "ada@example.com");
    // A name of 100 letters between spaces fits once trimmed.
    let long = format!("  {}  ", "n".repeat(100));
    let renamed = patch(&app, id, &token, json!({ "name": long })).await;
    assert_eq!(renamed.status(), StatusCode::OK, "{}", renamed.text());
    for name in ["  ", "a\u{0}b", "line\nbreak"] {
        let renamed = patch(&app, id, &token, json!({ "name": name })).await;
        assert_eq!(
            renamed.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}: {}",
            renamed.text()
        );
    }
}

/// I3: `Authorization: bearer <token>` was a 401; the scheme ignores case (RFC 9110).
#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = TestApp::new().await;
    let (token, id) = sign_up(&app, "ada@example.com", "Ada").await;
    let me = format!("/api/users/{id}");
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let reply = app
            .client
            .get(&me)
            .header("authorization", format!("{scheme} {token}"))
            .await;
        assert_eq!(reply.status(), StatusCode::OK, "{scheme}: {}", reply.text());
    }
    for header in [
        format!("Basic {token}"),
        "Bearer".to_string(),
        "Bearer ".to_string(),
    ] {
        let reply = app
            .client
            .get(&me)
            .header("authorization", header.clone())
            .await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "{header}");
    }
}

/// I6: a token's `sub` of `+2` or `02` was read as user 2. Only the plain number is.
#[tokio::test]
async fn a_token_subject_is_read_strictly() {
    let app = TestApp::new().await;
    let (_, id) = sign_up(&app, "ada@example.com", "Ada").await;
    let secret = app.config.jwt_secret.clone().unwrap();
    let issuer = &app.config.jwt_issuer;
    let now = template_app::auth::now_seconds();
    let token = |sub: String| {
        signed(
            &secret,
            &json!({ "sub": sub, "role": "user", "iat": now, "exp": now + 600, "iss": issuer, "aud": issuer, "ver": 0 }),
        )
    };
    let me = format!("/api/users/{id}");
    assert_eq!(
        app.get(&me, Some(&token(id.to_string()))).await.status(),
        StatusCode::OK
    );
    for sub in [
        format!("+{id}"),
        format!("0{id}"),
        format!(" {id}"),
        format!("{id}.0"),
    ] {
        let reply = app.get(&me, Some(&token(sub.clone()))).await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "sub {sub:?}");
    }
}

// ---- M6: client addresses behind proxies, and a limit per account ----

/// A login attempt (wrong password) with these `X-Forwarded-For` lines, from a proxy at
/// 10.0.0.1, or from `peer` itself.
async fn attempt(
    app: &TestApp,
    email: &str,
    forwarded: &[&str],
    peer: std::net::SocketAddr,
) -> fsroute::test::TestResponse {
    let mut request = app
        .client
        .post("/api/auth/login")
        .json(&json!({ "email": email, "password": "a wrong guess at it" }))
        .extension(axum::extract::ConnectInfo(peer));
    for line in forwarded {
        request = request.header("x-forwarded-for", *line);
    }
    request.await
}

fn proxy() -> std::net::SocketAddr {
    "10.0.0.1:40000".parse().unwrap()
}

async fn behind_a_proxy(rate: u32) -> TestApp {
    TestApp::with_config(|config| {
        config.login_rate_per_minute = rate;
        config.trust_forwarded_for = true;
    })
    .await
}

/// M6: with `TRUST_FORWARDED_FOR`, the first `X-Forwarded-For` line was read. A proxy
/// that adds its own line (HAProxy) puts the client last, so a client writing its own
/// first line got a fresh allowance on every attempt.
#[tokio::test]
async fn the_client_is_the_last_entry_of_the_last_forwarded_line() {
    let app = behind_a_proxy(3).await;
    for n in 0..3 {
        let spoofed = format!("198.51.100.{n}");
        let reply = attempt(
            &app,
            "m6-1@example.com",
            &[&spoofed, "203.0.113.9"],
            proxy(),
        )
        .await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let reply = attempt(
        &app,
        "m6-2@example.com",
        &["198.51.100.77", "203.0.113.9"],
        proxy(),
    )
    .await;
    assert_eq!(
        reply.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text()
    );
    // Another client behind the same proxy is not affected.
    let reply = attempt(&app, "m6-3@example.com", &["203.0.113.10"], proxy()).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
}

/// M6: an entry with a port (`ip:port`, `[v6]:port`) could not be parsed, and every such
/// client fell back to the proxy's address: one bucket for all, so one client locked
/// everyone out. Ports are read now; an entry that is no address is a 400, never the
/// proxy's bucket.
#[tokio::test]
async fn forwarded_entries_with_ports_are_read_and_unreadable_ones_refused() {
    let app = behind_a_proxy(3).await;
    for _ in 0..3 {
        let reply = attempt(&app, "m6-4@example.com", &["192.0.2.10:5555"], proxy()).await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = attempt(&app, "m6-5@example.com", &["192.0.2.10:6000"], proxy()).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    for other in [
        "192.0.2.77:6666",
        "[2001:db8::1]:443",
        "[2001:db8::2]",
        "2001:db8::3",
    ] {
        let reply = attempt(&app, "m6-6@example.com", &[other], proxy()).await;
        assert_eq!(
            reply.status(),
            StatusCode::UNAUTHORIZED,
            "{other}: {}",
            reply.text()
        );
    }
    for unreadable in ["unknown", "_hidden", "", "192.0.2.10, not an address"] {
        let reply = attempt(&app, "m6-7@example.com", &[unreadable], proxy()).await;
        assert_eq!(
            reply.status(),
            StatusCode::BAD_REQUEST,
            "{unreadable:?}: {}",
            reply.text()
        );
        assert_eq!(reply.error_code(), Some("CLIENT_ADDRESS_UNKNOWN"));
    }
    let missing = attempt(&app, "m6-8@example.com", &[], proxy()).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
}

/// M6: IPv6 clients were counted per address, and one host has a whole /64 of them.
#[tokio::test]
async fn ipv6_clients_are_counted_per_64() {
    let app = TestApp::with_config(|config| config.login_rate_per_minute = 3).await;
    for n in 1..=3 {
        let peer = format!("[2001:db8:1:2::{n}]:40000").parse().unwrap();
        let reply = attempt(&app, "m6-9@example.com", &[], peer).await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    }
    let same_64 = "[2001:db8:1:2:ffff::9]:40000".parse().unwrap();
    let reply = attempt(&app, "m6-10@example.com", &[], same_64).await;
    assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
    let other_64 = "[2001:db8:1:3::1]:40000".parse().unwrap();
    let reply = attempt(&app, "m6-11@example.com", &[], other_64).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
}

/// M6: there was no limit per account, so guesses at one account's password from many
/// addresses were not slowed at all. After a few failures each one locks the account's
/// sign-in for longer (the right password too, then), whatever the address; an email
/// without an account is treated the same, so the answers tell nothing.
#[tokio::test]
async fn failed_sign_ins_to_one_account_back_off_whatever_the_address() {
    let app = TestApp::new().await;
    sign_up(&app, "ada@example.com", "Ada").await;
    for email in ["ada@example.com", "nobody@example.com"] {
        for n in 0..5 {
            let peer = format!("192.0.2.{n}:40000").parse().unwrap();
            let reply = attempt(&app, email, &[], peer).await;
            assert_eq!(
                reply.status(),
                StatusCode::UNAUTHORIZED,
                "{email} attempt {n}"
            );
        }
        let peer = "198.51.100.1:40000".parse().unwrap();
        let reply = attempt(&app, &email.to_uppercase(), &[], peer).await;
        assert_eq!(
            reply.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{email}: {}",
            reply.text()
        );
        assert_eq!(reply.error_code(), Some("RATE_LIMITED"));
        assert!(reply.header("retry-after").is_some());
    }
    // Locked: even the right password waits.
    let locked = app.login("ada@example.com", "a long enough secret").await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    // Other accounts sign in as usual.
    let (_, _) = sign_up(&app, "grace@example.com", "Grace").await;
}
