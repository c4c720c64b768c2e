//! Passwords (argon2) and sessions (signed JWTs).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use fsroute::ApiError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| ApiError::internal_from(std::io::Error::other(err.to_string())))
}

/// Whether `password` matches a stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// [`hash_password`] off the async threads: argon2 is deliberately slow.
pub async fn hash_password_blocking(password: String) -> Result<String, ApiError> {
    on_hashing_threads(move || hash_password(&password)).await?
}

/// [`verify_password`] off the async threads.
pub async fn verify_password_blocking(password: String, hash: String) -> Result<bool, ApiError> {
    on_hashing_threads(move || verify_password(&password, &hash)).await
}

type HashingJob = Box<dyn FnOnce() + Send>;

/// Runs `job` on one of a fixed set of threads, one per core, and waits for it without
/// blocking the async threads.
///
/// Why not `spawn_blocking`: each argon2 run holds 19 MiB and a core for tens of
/// milliseconds. Tokio's blocking pool grows to 512 threads, so a burst of logins would
/// run hundreds at once — gigabytes of memory, every core taken — and the allocator keeps
/// each thread's 19 MiB afterwards. With one thread per core, hashing uses at most that
/// many times 19 MiB and leaves the rest of the app responsive; extra logins wait their
/// turn in the queue.
async fn on_hashing_threads<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    static QUEUE: std::sync::OnceLock<std::sync::mpsc::Sender<HashingJob>> =
        std::sync::OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<HashingJob>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for index in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("password-hashing-{index}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while taking the next job.
                        let next = receiver.lock().map(|queue| queue.recv());
                        match next {
                            // A panic fails that one job (its caller gets an error), not
                            // the thread.
                            Ok(Ok(job)) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            _ => return,
                        }
                    }
                })
                .expect("a password-hashing thread starts");
        }
        sender
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: HashingJob = Box::new(move || {
        let _ = done.send(job());
    });
    queue
        .send(job)
        .map_err(|_| ApiError::internal_from(std::io::Error::other("password hashing stopped")))?;
    // A panic inside the job drops `done` and surfaces here as an error, not a hang.
    result.await.map_err(ApiError::internal_from)
}

/// A hash of nothing anyone knows, verified when an email is unknown so that a login
/// takes as long whether or not the account exists.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
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
}

/// Signs and checks tokens with one HMAC secret (HS256 only: `alg: none` and other
/// algorithms are refused).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    /// A token for `user_id` that expires after the configured time.
    pub fn issue(&self, user_id: i64, role: &str) -> Result<String, ApiError> {
        let now = now_seconds();
        self.issue_with_expiry(user_id, role, now, now + self.ttl.as_secs())
    }

    /// A token with explicit times, for tests of expiry.
    pub fn issue_with_expiry(
        &self,
        user_id: i64,
        role: &str,
        iat: u64,
        exp: u64,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            iat,
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal_from)
    }

    /// The claims of a valid, unexpired token signed with our secret.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
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

    #[test]
    fn tokens_round_trip_and_expire() {
        let tokens = Tokens::new(b"secret", Duration::from_secs(60));
        let token = tokens.issue(7, "user").unwrap();
        let claims = tokens.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("7", "user"));
        let old = tokens.issue_with_expiry(7, "user", 1, 2).unwrap();
        assert_eq!(
            tokens.verify(&old).unwrap_err().message(),
            "The token has expired"
        );
        let other = Tokens::new(b"other", Duration::from_secs(60));
        assert_eq!(
            other.verify(&token).unwrap_err().message(),
            "The token is not valid"
        );
    }
}
