//! The correctness pass: the same requests, in the same order, to both contestants (each
//! on its own fresh copy of the seeded database), comparing status, content type, the
//! `Location` of a created post, and the JSON.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::client::{self, Answer, Spec};
use crate::seed::{self, POSTS};

/// How two answers are compared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    /// Status, content type, `Location` and the whole JSON (timestamps of posts written
    /// during the pass checked for their format, not their value).
    Exact,
    /// Status, content type, `error.code` and `error.details.field`: the message comes
    /// from the JSON parser (serde_json against `JSON.parse`), and only serde_json says
    /// the line and column.
    Parser,
    /// A sign-in: the user exactly; the token's header and claims, `iat` and `exp` apart
    /// (they hold the second it was issued), and the same lifetime.
    Login,
}

struct Case {
    name: String,
    spec: Spec,
    compare: Compare,
}

/// What the pass needs to know about the seeded data and the servers' settings.
pub struct Setup {
    pub secret: String,
    pub issuer: String,
    pub own_unpublished: i64,
    pub other_unpublished: i64,
}

fn token(
    setup: &Setup,
    sub: &str,
    ver: i64,
    exp_offset: i64,
    issuer: &str,
    secret: &str,
) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = json!({
        "sub": sub, "role": "user", "iat": now - 7200, "exp": now + exp_offset,
        "iss": issuer, "aud": issuer, "ver": ver,
    });
    let _ = setup;
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a token")
}

/// The cases that need a signed-in user take that contestant's own token (`{user}`,
/// `{admin}` in a header are replaced per contestant).
fn cases(setup: &Setup) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name: &str, spec: Spec, compare: Compare| {
        cases.push(Case {
            name: name.to_string(),
            spec,
            compare,
        })
    };
    let login = |body: Value| Spec::post_json("/api/auth/login", body.to_string());
    let user = |spec: Spec| spec.header("authorization", "Bearer {user}");
    let admin = |spec: Spec| spec.header("authorization", "Bearer {admin}");
    let (email, password) = (seed::user_email(1), seed::user_password(1));

    // ---- POST /api/auth/login ----
    add(
        "login",
        login(json!({"email": email, "password": password})),
        Compare::Login,
    );
    add(
        "login, email with spaces and capitals",
        login(json!({"email": format!("  {}  ", email.to_uppercase()), "password": password})),
        Compare::Login,
    );
    add(
        "login, wrong password",
        login(json!({"email": email, "password": "not the password"})),
        Compare::Exact,
    );
    add(
        "login, unknown email",
        login(json!({"email": "nobody@bench.example", "password": password})),
        Compare::Exact,
    );
    add(
        "login, text/plain (415)",
        login(json!({"email": email, "password": password})).header("content-type", "text/plain"),
        Compare::Exact,
    );
    add(
        "login, no content type (415)",
        login(json!({"email": email, "password": password})).without_header("content-type"),
        Compare::Exact,
    );
    add(
        "login, bad JSON",
        Spec::post_json("/api/auth/login", "{\"email\": \"a@b.c\","),
        Compare::Parser,
    );
    add(
        "login, email a number",
        login(json!({"email": 5, "password": "x"})),
        Compare::Parser,
    );
    add(
        "login, no password",
        login(json!({"email": email})),
        Compare::Parser,
    );
    add(
        "login, an array",
        Spec::post_json("/api/auth/login", "[]"),
        Compare::Parser,
    );
    add(
        "login, password of 129 characters (422)",
        login(json!({"email": email, "password": "p".repeat(129)})),
        Compare::Exact,
    );

    // ---- who is signed in ----
    let read = || Spec::get("/api/posts/5001");
    add("no Authorization header", read(), Compare::Exact);
    add(
        "Basic credentials",
        read().header("authorization", "Basic dXNlcjpwYXNz"),
        Compare::Exact,
    );
    add(
        "Bearer without a token",
        read().header("authorization", "Bearer"),
        Compare::Exact,
    );
    add(
        "garbage token",
        read().bearer("not.a.token"),
        Compare::Exact,
    );
    let (secret, issuer) = (setup.secret.as_str(), setup.issuer.as_str());
    add(
        "another secret",
        read().bearer(&token(
            setup,
            "2",
            0,
            3600,
            issuer,
            "another secret, 32 bytes long!!",
        )),
        Compare::Exact,
    );
    add(
        "expired token",
        read().bearer(&token(setup, "2", 0, -60, issuer, secret)),
        Compare::Exact,
    );
    add(
        "another issuer",
        read().bearer(&token(setup, "2", 0, 3600, "someone-else", secret)),
        Compare::Exact,
    );
    add(
        "account that does not exist",
        read().bearer(&token(setup, "99999", 0, 3600, issuer, secret)),
        Compare::Exact,
    );
    add(
        "sub not a number",
        read().bearer(&token(setup, "abc", 0, 3600, issuer, secret)),
        Compare::Exact,
    );
    add(
        "sub with a leading zero",
        read().bearer(&token(setup, "02", 0, 3600, issuer, secret)),
        Compare::Exact,
    );
    add(
        "old token version",
        read().bearer(&token(setup, "2", 7, 3600, issuer, secret)),
        Compare::Exact,
    );
    add(
        "lower-case bearer",
        read().header("authorization", "bearer {user}"),
        Compare::Exact,
    );

    // ---- GET /api/posts ----
    let list = |query: &str| user(Spec::get(format!("/api/posts{query}")));
    add(
        "list, the measured page",
        list("?page=5&limit=20"),
        Compare::Exact,
    );
    add("list, defaults", list(""), Compare::Exact);
    add(
        "list, as admin",
        admin(Spec::get("/api/posts?page=2&limit=50")),
        Compare::Exact,
    );
    add("list, a tag", list("?tag=topic-03"), Compare::Exact);
    add(
        "list, a tag, page 2 of 7",
        list("?tag=topic-03&page=2&limit=7"),
        Compare::Exact,
    );
    add("list, an unknown tag", list("?tag=nothing"), Compare::Exact);
    add("list, an empty tag", list("?tag="), Compare::Exact);
    add(
        "list, last page",
        list("?page=81&limit=100"),
        Compare::Exact,
    );
    add(
        "list, past the end",
        list("?page=100000&limit=100"),
        Compare::Exact,
    );
    add("list, page=0", list("?page=0"), Compare::Exact);
    add("list, page=abc", list("?page=abc"), Compare::Exact);
    add("list, limit=101", list("?limit=101"), Compare::Exact);
    add("list, limit=0", list("?limit=0"), Compare::Exact);
    add("list, page=-1", list("?page=-1"), Compare::Exact);
    add("list, page=+5 (a space)", list("?page=+5"), Compare::Exact);
    add("list, page=%2B5", list("?page=%2B5"), Compare::Exact);
    add("list, page twice", list("?page=2&page=3"), Compare::Exact);
    add(
        "list, a control character in the tag",
        list("?tag=a%01b"),
        Compare::Exact,
    );
    add(
        "list, tag twice",
        list("?tag=topic-01&tag=topic-02"),
        Compare::Exact,
    );
    add("list, signed out", Spec::get("/api/posts"), Compare::Exact);

    // ---- GET /api/posts/{id} ----
    let get = |id: &str| user(Spec::get(format!("/api/posts/{id}")));
    add("get, the measured post", get("5001"), Compare::Exact);
    let own = setup.own_unpublished.to_string();
    let other = setup.other_unpublished.to_string();
    add("get, own unpublished post", get(&own), Compare::Exact);
    add(
        "get, someone else's unpublished post (404)",
        get(&other),
        Compare::Exact,
    );
    add(
        "get, someone else's unpublished post as admin",
        admin(Spec::get(format!("/api/posts/{other}"))),
        Compare::Exact,
    );
    add("get, 007", get("007"), Compare::Exact);
    add("get, -1", get("-1"), Compare::Exact);
    add("get, abc", get("abc"), Compare::Exact);
    add("get, past i64", get("99999999999999999999"), Compare::Exact);
    add("get, missing post", get("20000"), Compare::Exact);

    // ---- POST /api/posts ----
    let create = |body: Value| user(Spec::post_json("/api/posts", body.to_string()));
    add(
        "create, the measured body",
        create(crate::create_body()),
        Compare::Exact,
    );
    add(
        "create, tags trimmed and lower-cased",
        create(
            json!({"title": "  Spaced title  ", "content": "Line one\n\tLine two", "published": false, "tags": ["  Rust ", "SQLite", "topic-01"]}),
        ),
        Compare::Exact,
    );
    add(
        "create, defaults",
        create(json!({"title": "Only a title", "content": ""})),
        Compare::Exact,
    );
    add(
        "create, a tag twice (409, rolled back)",
        create(json!({"title": "Twice", "content": "x", "tags": ["dup", " DUP "]})),
        Compare::Exact,
    );
    add(
        "create, after the rollback",
        create(json!({"title": "After", "content": "y", "published": true, "tags": ["dup"]})),
        Compare::Exact,
    );
    add(
        "create, a tag of a control character (422)",
        create(json!({"title": "Blank tag", "content": "x", "tags": ["ok", "\u{1}"]})),
        Compare::Exact,
    );
    add(
        "create, many problems (422)",
        create(json!({"title": "   ", "content": "nul \u{0} here", "tags": ["", "t".repeat(51)]})),
        Compare::Exact,
    );
    add(
        "create, 21 tags (422)",
        create(
            json!({"title": "Tags", "content": "x", "tags": (0..21).map(|n| format!("t{n}")).collect::<Vec<_>>()}),
        ),
        Compare::Exact,
    );
    add(
        "create, a line break in the title (422)",
        create(json!({"title": "two\nlines", "content": "x"})),
        Compare::Exact,
    );
    add(
        "create, a title of 201 characters (422)",
        create(json!({"title": "é".repeat(201), "content": "x"})),
        Compare::Exact,
    );
    add(
        "create, a title of 200 characters",
        create(json!({"title": "é".repeat(200), "content": "x"})),
        Compare::Exact,
    );
    add(
        "create, text/plain (415)",
        create(json!({"title": "t", "content": "c"})).header("content-type", "text/plain"),
        Compare::Exact,
    );
    add(
        "create, bad JSON",
        user(Spec::post_json("/api/posts", "{\"title\": ")),
        Compare::Parser,
    );
    add(
        "create, no title",
        create(json!({"content": "c"})),
        Compare::Parser,
    );
    add(
        "create, published a string",
        create(json!({"title": "t", "content": "c", "published": "yes"})),
        Compare::Parser,
    );
    add(
        "create, tags not a list",
        create(json!({"title": "t", "content": "c", "tags": "a"})),
        Compare::Parser,
    );
    add(
        "create, signed out",
        Spec::post_json(
            "/api/posts",
            json!({"title": "t", "content": "c"}).to_string(),
        ),
        Compare::Exact,
    );

    // ---- read back what was written ----
    add(
        "list, newest first after the writes",
        list("?page=1&limit=10"),
        Compare::Exact,
    );
    add("list, the new tag", list("?tag=dup"), Compare::Exact);
    add(
        "get, the first created post",
        get(&(POSTS + 1).to_string()),
        Compare::Exact,
    );
    cases
}

/// Posts written during the pass carry the moment they were written: check its format
/// and blank it, so the rest compares exactly.
fn blank_new_timestamps(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(blank_new_timestamps),
        Value::Object(map) => {
            let new = map
                .get("id")
                .and_then(Value::as_i64)
                .is_some_and(|id| id > POSTS as i64)
                && map.contains_key("authorId");
            for (key, field) in map.iter_mut() {
                if new && (key == "createdAt" || key == "updatedAt") {
                    let text = field.as_str().unwrap_or_default();
                    let shaped = text.len() == 24
                        && text.ends_with('Z')
                        && text.as_bytes()[10] == b'T'
                        && text.as_bytes()[19] == b'.';
                    *field = Value::String(if shaped {
                        "(written now)".into()
                    } else {
                        format!("(malformed) {text}")
                    });
                } else {
                    blank_new_timestamps(field);
                }
            }
        }
        _ => {}
    }
}

fn decode_part(part: &str) -> Value {
    URL_SAFE_NO_PAD
        .decode(part)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// The parts of an answer that must agree, per comparison.
fn essence(answer: &Answer, compare: Compare) -> Value {
    let mut body = answer.json();
    let mut shown = json!({ "status": answer.status, "contentType": answer.content_type });
    match compare {
        Compare::Exact => {
            blank_new_timestamps(&mut body);
            shown["location"] = json!(answer.location);
            shown["body"] = body;
        }
        Compare::Parser => {
            shown["code"] = body["error"]["code"].clone();
            shown["field"] = body["error"]["details"]["field"].clone();
        }
        Compare::Login if answer.status == 200 => {
            let token = body["token"].as_str().unwrap_or_default().to_string();
            let parts: Vec<&str> = token.split('.').collect();
            let header = parts.first().map(|p| decode_part(p)).unwrap_or(Value::Null);
            let mut claims = parts.get(1).map(|p| decode_part(p)).unwrap_or(Value::Null);
            let lifetime =
                claims["exp"].as_i64().unwrap_or(0) - claims["iat"].as_i64().unwrap_or(0);
            if let Value::Object(map) = &mut claims {
                map.remove("iat");
                map.remove("exp");
            }
            shown["user"] = body["user"].clone();
            shown["tokenHeader"] = header;
            shown["tokenHeaderText"] = json!(parts.first().map(|p| {
                String::from_utf8_lossy(&URL_SAFE_NO_PAD.decode(p).unwrap_or_default()).to_string()
            }));
            shown["claims"] = claims;
            shown["lifetime"] = json!(lifetime);
        }
        Compare::Login => shown["body"] = body,
    }
    shown
}

/// A token for `email`, from `port`.
pub async fn sign_in(port: u16, email: &str, password: &str) -> String {
    let body = json!({"email": email, "password": password}).to_string();
    let answer = client::send(port, &Spec::post_json("/api/auth/login", body)).await;
    assert_eq!(
        answer.status,
        200,
        "signing in as {email}: {:?}",
        answer.json()
    );
    answer.json()["token"]
        .as_str()
        .expect("a token")
        .to_string()
}

/// Runs every case against both; the mismatches, as lines to print.
pub async fn run(
    rust_port: u16,
    next_port: u16,
    setup: &Setup,
    show: bool,
) -> (usize, Vec<String>) {
    let mut tokens = Vec::new();
    for port in [rust_port, next_port] {
        let user = sign_in(port, &seed::user_email(1), &seed::user_password(1)).await;
        let admin = sign_in(port, seed::ADMIN_EMAIL, seed::ADMIN_PASSWORD).await;
        tokens.push((user, admin));
    }
    let cases = cases(setup);
    let mut problems = Vec::new();
    for case in &cases {
        let mut answers = Vec::new();
        for (port, (user, admin)) in [rust_port, next_port].into_iter().zip(&tokens) {
            let mut spec = case.spec.clone();
            for (_, value) in spec.headers.iter_mut() {
                *value = value.replace("{user}", user).replace("{admin}", admin);
            }
            answers.push(essence(&client::send(port, &spec).await, case.compare));
        }
        if show {
            eprintln!("{}: Rust {}", case.name, answers[0]);
            if answers[0] != answers[1] {
                eprintln!("{}: Next {}", case.name, answers[1]);
            }
        }
        if answers[0] != answers[1] {
            problems.push(format!(
                "{} ({} {}):\n    Rust: {}\n    Next: {}",
                case.name, case.spec.method, case.spec.path, answers[0], answers[1]
            ));
        }
    }
    (cases.len(), problems)
}
