//! Passwords (argon2) and sessions (signed JWTs).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::cell::{Cell, RefCell};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Argon2, Block, Params, Version};
use axum::http::{HeaderValue, StatusCode, header};
use fsroute::ApiError;
use fsroute::error::code;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = Argon2::default();
    let mut salt_bytes = [0u8; 64];
    let hashed = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .and_then(|salt_bytes| {
            let length = argon2
                .params()
                .output_len()
                .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
            Output::init_with(length, |out| {
                hash_into(&argon2, password.as_bytes(), salt_bytes, out)
            })
        })
        .and_then(|output| {
            Ok(PasswordHash {
                algorithm: argon2::Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(argon2.params())?,
                salt: Some(salt.as_salt()),
                hash: Some(output),
            }
            .to_string())
        });
    hashed.map_err(|err| ApiError::internal_from(std::io::Error::other(err.to_string())))
}

/// Whether `password` matches a stored hash (with the hash's own parameters). A malformed
/// hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let verified = || -> password_hash::Result<bool> {
        let parsed = PasswordHash::new(hash)?;
        let algorithm = argon2::Algorithm::try_from(parsed.algorithm)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let argon2 = Argon2::new(algorithm, version, params);
        let computed = Output::init_with(expected.len(), |out| {
            hash_into(&argon2, password.as_bytes(), salt_bytes, out)
        })?;
        // `Output`'s comparison takes the same time wherever the bytes differ.
        Ok(computed == expected)
    };
    verified().unwrap_or(false)
}

thread_local! {
    /// Set on the hashing threads: they keep the memory an argon2 run works in (19 MiB
    /// with the default parameters) for their next run. Allocating it fresh each time, as
    /// the argon2 crate does, cost a quarter of a login's CPU in page faults and zeroing
    /// (the app returns large buffers to the OS, see `main.rs`).
    static KEEPS_MEMORY: Cell<bool> = const { Cell::new(false) };
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The raw argon2 output of `password` and `salt` into `out`, in the thread's kept
/// memory on a hashing thread and in memory of its own elsewhere.
fn hash_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> password_hash::Result<()> {
    let needed = argon2.params().block_count();
    let hashed = if KEEPS_MEMORY.get() {
        MEMORY.with_borrow_mut(|blocks| {
            if blocks.len() < needed {
                blocks.resize(needed, Block::default());
            }
            argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
        })
    } else {
        argon2.hash_password_into(password, salt, out)
    };
    hashed.map_err(password_hash::Error::from)
}

/// [`hash_password`] on the hashing threads: for a new or changed password.
pub async fn hash_password_blocking(password: String) -> Result<String, ApiError> {
    HashingQueue::shared()
        .run(Priority::NewPassword, move || hash_password(&password))
        .await?
}

/// [`verify_password`] on the hashing threads, ahead of new passwords: a sign-in (or a
/// current-password check) waits for no registration.
pub async fn verify_password_blocking(password: String, hash: String) -> Result<bool, ApiError> {
    HashingQueue::shared()
        .run(Priority::SignIn, move || verify_password(&password, &hash))
        .await
}

/// Which jobs the hashing threads take first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Checking a password someone signs in with: taken before any [`Priority::NewPassword`].
    SignIn,
    /// Hashing a new password (registration, a changed password, a created user).
    NewPassword,
}

/// A fixed set of threads, one per core, that run argon2 jobs, with a bounded queue of
/// waiting jobs per [`Priority`].
///
/// Why not `spawn_blocking`: each argon2 run holds 19 MiB and a core for tens of
/// milliseconds. Tokio's blocking pool grows to 512 threads, so a burst of logins would
/// run hundreds at once — gigabytes of memory, every core taken. With one thread per core
/// hashing uses at most that many times 19 MiB and leaves the rest of the app responsive.
///
/// Why bounded, prioritised and cancellable (security review H1): an unbounded queue let
/// a burst of registrations stall every login for as long as the backlog took, even after
/// the clients had gone. Now a full queue answers 503 with `Retry-After` at once, sign-ins
/// go before new passwords, and a job whose caller has gone (the client disconnected, so
/// its request was dropped) is skipped instead of hashed.
pub struct HashingQueue {
    shared: Arc<Shared>,
}

struct Shared {
    queues: Mutex<Queues>,
    ready: Condvar,
    /// Jobs that may wait per priority (running ones not counted).
    waiting_limit: usize,
    skipped: AtomicU64,
}

#[derive(Default)]
struct Queues {
    sign_in: VecDeque<Box<dyn Job>>,
    new_password: VecDeque<Box<dyn Job>>,
    closed: bool,
}

trait Job: Send {
    /// Whether the caller stopped waiting for the result.
    fn abandoned(&self) -> bool;
    fn run(self: Box<Self>);
}

struct Pending<T, F> {
    work: F,
    done: tokio::sync::oneshot::Sender<T>,
}

impl<T: Send, F: FnOnce() -> T + Send> Job for Pending<T, F> {
    fn abandoned(&self) -> bool {
        self.done.is_closed()
    }

    fn run(self: Box<Self>) {
        let _ = self.done.send((self.work)());
    }
}

impl HashingQueue {
    /// `threads` hashing threads; up to `waiting_limit` jobs of each priority wait.
    pub fn new(threads: usize, waiting_limit: usize) -> HashingQueue {
        let shared = Arc::new(Shared {
            queues: Mutex::new(Queues::default()),
            ready: Condvar::new(),
            waiting_limit,
            skipped: AtomicU64::new(0),
        });
        for index in 0..threads.max(1) {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("password-hashing-{index}"))
                .spawn(move || shared.work())
                .expect("a password-hashing thread starts");
        }
        HashingQueue { shared }
    }

    /// The app's queue: one thread per core, and per priority four waiting jobs per
    /// thread but at least 16 — at most about 320 ms of work at argon2's 20 ms on one
    /// core, so a waiting login is answered well within a second, and a burst beyond that
    /// gets 503s rather than a growing backlog. (With four per thread only, a one-core
    /// server turned away a third of eight concurrent logins: bench/db.)
    pub fn shared() -> &'static HashingQueue {
        static QUEUE: OnceLock<HashingQueue> = OnceLock::new();
        QUEUE.get_or_init(|| {
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            HashingQueue::new(threads, (4 * threads).max(16))
        })
    }

    /// Runs `work` on a hashing thread and waits for it without blocking the async
    /// threads; a 503 with `Retry-After: 1` when `priority`'s queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        priority: Priority,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.shared
            .push(priority, Box::new(Pending { work, done }))?;
        // A panic inside the job drops `done` and surfaces here as an error, not a hang.
        result.await.map_err(ApiError::internal_from)
    }

    /// How many jobs were dropped unrun because their caller had gone.
    pub fn skipped(&self) -> u64 {
        self.shared.skipped.load(Ordering::Relaxed)
    }
}

impl Drop for HashingQueue {
    fn drop(&mut self) {
        // The threads finish what is queued, then end.
        if let Ok(mut queues) = self.shared.queues.lock() {
            queues.closed = true;
        }
        self.shared.ready.notify_all();
    }
}

impl Shared {
    fn push(&self, priority: Priority, job: Box<dyn Job>) -> Result<(), ApiError> {
        let mut queues = self.queues.lock().map_err(|_| stopped())?;
        let queue = match priority {
            Priority::SignIn => &mut queues.sign_in,
            Priority::NewPassword => &mut queues.new_password,
        };
        if queue.len() >= self.waiting_limit {
            // Make room from callers that have gone before turning this one away.
            let before = queue.len();
            queue.retain(|job| !job.abandoned());
            self.skipped
                .fetch_add((before - queue.len()) as u64, Ordering::Relaxed);
        }
        if queue.len() >= self.waiting_limit {
            return Err(busy());
        }
        queue.push_back(job);
        drop(queues);
        self.ready.notify_one();
        Ok(())
    }

    fn work(&self) {
        KEEPS_MEMORY.set(true);
        loop {
            let job = {
                let Ok(mut queues) = self.queues.lock() else {
                    return;
                };
                loop {
                    if let Some(job) = queues
                        .sign_in
                        .pop_front()
                        .or_else(|| queues.new_password.pop_front())
                    {
                        break job;
                    }
                    if queues.closed {
                        return;
                    }
                    queues = match self.ready.wait(queues) {
                        Ok(queues) => queues,
                        Err(_) => return,
                    };
                }
            };
            if job.abandoned() {
                self.skipped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            // A panic fails that one job (its caller gets an error), not the thread.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run()));
        }
    }
}

fn busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        code::SERVICE_UNAVAILABLE,
        "The server is busy checking passwords; retry after 1 second",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(1))
}

fn stopped() -> ApiError {
    ApiError::internal_from(std::io::Error::other("password hashing stopped"))
}

/// A hash of nothing anyone knows, verified when an email is unknown so that a login
/// takes as long whether or not the account exists.
pub fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// What a token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: String,
    pub iat: u64,
    pub exp: u64,
    /// Who issued it and whom it is for: both `JWT_ISSUER`.
    pub iss: String,
    pub aud: String,
    /// The account's token version when issued; a password, email or role change (or
    /// signing out everywhere) raises it, and the token stops working.
    pub ver: i64,
}

/// Signs and checks tokens with one HMAC secret (HS256 only: `alg: none` and other
/// algorithms are refused).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
    issuer: String,
}

impl Tokens {
    /// Tokens lasting `ttl`, issued by and for `issuer` (their `iss` and `aud`).
    pub fn new(secret: &[u8], ttl: Duration, issuer: &str) -> Self {
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
            issuer: issuer.to_string(),
        }
    }

    /// A token for `user_id` at its token `version`, expiring after the configured time.
    pub fn issue(&self, user_id: i64, role: &str, version: i64) -> Result<String, ApiError> {
        let now = now_seconds();
        let expiry = now.checked_add(self.ttl.as_secs()).ok_or_else(|| {
            ApiError::internal_from(std::io::Error::other("token expiry overflows"))
        })?;
        self.issue_with_expiry(user_id, role, version, now, expiry)
    }

    /// A token with explicit times, for tests of expiry.
    pub fn issue_with_expiry(
        &self,
        user_id: i64,
        role: &str,
        version: i64,
        iat: u64,
        exp: u64,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            iat,
            exp,
            iss: self.issuer.clone(),
            aud: self.issuer.clone(),
            ver: version,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal_from)
    }

    /// The claims of a valid, unexpired token signed with our secret.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iat", "iss", "aud"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.issuer]);
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|err| {
                let reason = match err.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => "The token has expired",
                    _ => "The token is not valid",
                };
                ApiError::unauthorized(reason)
            })
    }
}

pub fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    /// The hashes are the argon2 crate's own PHC strings, with or without kept memory:
    /// each side verifies the other's, and kept memory from one run never leaks into the
    /// next (a right password after a wrong one, other parameters after the defaults).
    #[test]
    fn kept_memory_gives_the_standard_hashes() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};

        let standard = Argon2::default()
            .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        let small = Argon2::new(
            argon2::Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"small horse", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        std::thread::spawn(move || {
            KEEPS_MEMORY.set(true);
            let ours = hash_password("correct horse").unwrap();
            assert!(
                ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
                "{ours}"
            );
            let parsed = PasswordHash::new(&ours).unwrap();
            assert!(
                Argon2::default()
                    .verify_password(b"correct horse", &parsed)
                    .is_ok()
            );
            assert!(!verify_password("wrong horse", &standard));
            assert!(verify_password("correct horse", &standard));
            assert!(verify_password("small horse", &small));
            assert!(verify_password("correct horse", &ours));
            assert!(!verify_password("correct horse", &small));
            assert_eq!(MEMORY.with_borrow(Vec::len), 19456);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn tokens_round_trip_and_expire() {
        let tokens = Tokens::new(&[7; 32], Duration::from_secs(60), "app");
        let token = tokens.issue(7, "user", 0).unwrap();
        let claims = tokens.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("7", "user"));
        let old = tokens.issue_with_expiry(7, "user", 0, 1, 2).unwrap();
        assert_eq!(
            tokens.verify(&old).unwrap_err().message(),
            "The token has expired"
        );
        for other in [
            Tokens::new(&[8; 32], Duration::from_secs(60), "app"),
            Tokens::new(&[7; 32], Duration::from_secs(60), "another app"),
        ] {
            assert_eq!(
                other.verify(&token).unwrap_err().message(),
                "The token is not valid"
            );
        }
    }
}
