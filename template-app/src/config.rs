//! Configuration from the environment, with defaults that work on a laptop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The shortest `JWT_SECRET` accepted: HS256's key is 256 bits, and anything shorter
/// that a person types can be guessed offline from a single token.
pub const MIN_SECRET_BYTES: usize = 32;

/// The longest a token may live (30 days): a stolen one stays useful no longer.
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The shortest a token may live: shorter ones expire before a client can use them.
pub const MIN_TOKEN_TTL: Duration = Duration::from_secs(60);

/// Everything the app reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `HOST` (default `127.0.0.1`) and `PORT` (default `3000`).
    pub host: String,
    pub port: u16,
    /// `DATA_DIR` (default `data`): the database file and uploads live here.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`; default `sqlite://<DATA_DIR>/app.db`.
    pub database_url: String,
    /// `DB_MAX_CONNECTIONS` (default: one per core and at least two on SQLite, 8 on
    /// PostgreSQL) and `DB_ACQUIRE_TIMEOUT_SECONDS` (default 5).
    pub max_connections: Option<u32>,
    pub acquire_timeout: Duration,
    /// `SQLITE_SYNCHRONOUS` (`full`, the default, or `normal`): `normal` skips the fsync
    /// per commit, which bench/db measured at 1.6× the writes per second, and in exchange
    /// a power cut or kernel crash may lose the last commits (never corrupt the file; a
    /// crash of the app alone loses nothing). docs/deploying.md has the trade-off.
    pub sqlite_sync_each_commit: bool,
    /// `JWT_SECRET`, at least [`MIN_SECRET_BYTES`] long; `None` means "make one up and warn".
    pub jwt_secret: Option<String>,
    /// `JWT_TTL_SECONDS` (default one day), at most [`MAX_TOKEN_TTL`].
    pub jwt_ttl: Duration,
    /// `JWT_ISSUER` (default the app's crate name): the `iss` and `aud` of every token, and
    /// the only ones accepted. Environments that share a secret need different values.
    pub jwt_issuer: String,
    /// `LOGIN_RATE_PER_MINUTE` (default 10): login attempts per client address per minute.
    pub login_rate_per_minute: u32,
    /// `REGISTER_RATE_PER_MINUTE` (default 5): registrations per client address per minute.
    pub register_rate_per_minute: u32,
    /// `TRUST_FORWARDED_FOR` (default off): take the client address from the last
    /// `X-Forwarded-For` entry. Turn it on only behind your own load balancer, which sets it.
    pub trust_forwarded_for: bool,
    /// `ADMIN_EMAIL` and `ADMIN_PASSWORD`: an admin made at start-up if that email has no
    /// account yet. Registration never makes admins.
    pub admin: Option<AdminAccount>,
    /// `CORS_ORIGINS=https://a.example,https://b.example`: origins whose pages may call
    /// the API from a browser. Empty (the default): same-origin only, no CORS headers.
    pub cors_origins: Vec<String>,
    /// `UPLOAD_QUOTA_MB` (default 100) and `UPLOAD_MAX_FILES` (default 500): what each
    /// user's uploads may add up to.
    pub upload_quota: UploadQuota,
    /// `UPLOAD_RATE_PER_MINUTE` (default 20): uploads per user per minute.
    pub upload_rate_per_minute: u32,
    /// `CHAT_STREAMS_PER_USER` (default 2): chat replies one user may be streamed at once.
    pub chat_streams_per_user: u32,
    /// How the server treats slow and numerous clients: `HEADER_READ_TIMEOUT`,
    /// `IDLE_TIMEOUT`, `BODY_READ_TIMEOUT`, `MIN_BODY_RATE`, `MAX_CONNECTIONS`,
    /// `MAX_IN_FLIGHT`, `SHUTDOWN_TIMEOUT`, `HTTP2` (`fsroute::serve::ServeConfig`).
    pub serve: fsroute::serve::ServeConfig,
    /// `METRICS`, `METRICS_TOKEN`, `METRICS_ADDR`: Prometheus's `GET /metrics`.
    pub metrics: MetricsConfig,
    /// `REDIS_URL` (`redis://[:password@]host:port[/db]`): the `REVALIDATE` cache and the
    /// sign-in and registration limits are shared by every replica through this Redis.
    /// Unset: each replica keeps its own in memory.
    pub redis_url: Option<String>,
    /// `LOGIN_RATE_ON_STORE_ERROR` (`local`, the default, `allow` or `deny`): how the
    /// sign-in and registration limits decide while Redis does not answer.
    pub limits_on_store_error: fsroute::rate_limit::OnStoreError,
}

/// Where and to whom `GET /metrics` answers (docs/observability.md).
#[derive(Clone, Default)]
pub struct MetricsConfig {
    /// `METRICS` (`on`, the default, or `off`): measure requests by route and serve them.
    pub enabled: bool,
    /// `METRICS_TOKEN`: answer only `Authorization: Bearer <token>`; at least
    /// [`MIN_METRICS_TOKEN_BYTES`] long.
    pub token: Option<String>,
    /// `METRICS_ADDR` (for example `127.0.0.1:9464`): serve `/metrics` on this address
    /// only, not on the API's port, so a private interface or port can be given to
    /// Prometheus alone.
    pub addr: Option<SocketAddr>,
}

/// The shortest `METRICS_TOKEN` accepted: a short one could be guessed by trying.
pub const MIN_METRICS_TOKEN_BYTES: usize = 16;

// Never print the token.
impl std::fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("enabled", &self.enabled)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field("addr", &self.addr)
            .finish()
    }
}

impl MetricsConfig {
    /// From `METRICS`, `METRICS_TOKEN` and `METRICS_ADDR`, or the one-line reason not.
    pub fn from_vars(
        metrics: Option<&str>,
        token: Option<String>,
        addr: Option<&str>,
    ) -> Result<MetricsConfig, String> {
        let enabled = match metrics
            .map(|value| value.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("on" | "1" | "true" | "yes") => true,
            Some("off" | "0" | "false" | "no") => false,
            Some(other) => {
                return Err(format!(
                    "METRICS={other} is not one of on, off (or 1, true, yes, 0, false, no)"
                ));
            }
        };
        if let Some(short) = token.as_ref().filter(|t| t.len() < MIN_METRICS_TOKEN_BYTES) {
            return Err(format!(
                "METRICS_TOKEN is {} bytes long; give at least {MIN_METRICS_TOKEN_BYTES} \
                 random bytes (`openssl rand -hex 24`)",
                short.len()
            ));
        }
        let addr = addr
            .map(|text| {
                text.trim().parse().map_err(|_| {
                    format!(
                        "METRICS_ADDR={text} is not an address: give host:port, like 127.0.0.1:9464"
                    )
                })
            })
            .transpose()?;
        if !enabled && (token.is_some() || addr.is_some()) {
            return Err(
                "METRICS=off, but METRICS_TOKEN or METRICS_ADDR is set: remove them, or turn \
                 METRICS on"
                    .to_string(),
            );
        }
        Ok(MetricsConfig {
            enabled,
            token,
            addr,
        })
    }
}

/// How much one user may keep in uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    pub bytes: u64,
    pub files: u64,
}

/// The admin account `ADMIN_EMAIL` and `ADMIN_PASSWORD` ask for.
#[derive(Clone)]
pub struct AdminAccount {
    /// Normalised (trimmed, lower case) and checked.
    pub email: String,
    pub password: String,
}

impl AdminAccount {
    /// The account, or the one-line reason it cannot be made, naming the variables.
    pub fn new(email: &str, password: String) -> Result<AdminAccount, String> {
        let email = crate::accounts::normalize_email(email);
        crate::accounts::check_email(&email)
            .map_err(|why| format!("ADMIN_EMAIL={email}: {why}"))?;
        crate::accounts::check_new_password(&password)
            .map_err(|why| format!("ADMIN_PASSWORD is refused: {why}"))?;
        Ok(AdminAccount { email, password })
    }
}

// Never print the password.
impl std::fmt::Debug for AdminAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminAccount")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// The admin every `Config::for_data_dir` app starts with, for tests and tools.
pub const TEST_ADMIN_EMAIL: &str = "admin@example.com";
pub const TEST_ADMIN_PASSWORD: &str = "test admin password";

/// `CORS_ORIGINS` as browsers send origins in `Origin`: `scheme://host[:port]`, lower
/// case, no path. A trailing `/` is dropped (it used to make the origin silently never
/// match); a path, query or other scheme is a one-line error; `*` alone allows every
/// origin (it used to panic once the app was already listening; security review L10).
pub fn cors_origins(text: &str) -> Result<Vec<String>, String> {
    let listed: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .collect();
    if listed.contains(&"*") {
        if listed.len() > 1 {
            return Err(
                "CORS_ORIGINS: `*` allows every origin; give it alone, or list the origins"
                    .to_string(),
            );
        }
        return Ok(vec!["*".to_string()]);
    }
    listed
        .into_iter()
        .map(|origin| {
            let bad = || {
                format!(
                    "CORS_ORIGINS: `{origin}` is not an origin: give scheme://host[:port] \
                     with no path, as browsers send it (https://app.example)"
                )
            };
            let trimmed = origin.strip_suffix('/').unwrap_or(origin);
            let (scheme, host) = trimmed.split_once("://").ok_or_else(bad)?;
            let scheme = scheme.to_ascii_lowercase();
            let host = host.to_ascii_lowercase();
            let plain_host = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if !matches!(scheme.as_str(), "http" | "https") || !plain_host {
                return Err(bad());
            }
            Ok(format!("{scheme}://{host}"))
        })
        .collect()
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let number = |name: &str, default: u64| -> Result<u64, String> {
            match var(name) {
                Some(text) => text
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name}={text} is not a whole number")),
                None => Ok(default),
            }
        };
        let rate = |name: &str, default: u64| -> Result<u32, String> {
            u32::try_from(number(name, default)?)
                .ok()
                .filter(|rate| *rate > 0)
                .ok_or_else(|| format!("{name} must be between 1 and 4294967295"))
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".to_string()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("app.db").display()));
        let port = number("PORT", 3000)?;
        Ok(Config {
            host: var("HOST").unwrap_or_else(|| "127.0.0.1".to_string()),
            port: u16::try_from(port).map_err(|_| format!("PORT={port} is not a port"))?,
            data_dir,
            database_url,
            max_connections: match var("DB_MAX_CONNECTIONS") {
                None => None,
                Some(_) => Some(
                    u32::try_from(number("DB_MAX_CONNECTIONS", 0)?)
                        .ok()
                        .filter(|size| *size > 0)
                        .ok_or("DB_MAX_CONNECTIONS must be between 1 and 4294967295")?,
                ),
            },
            acquire_timeout: Duration::from_secs(number("DB_ACQUIRE_TIMEOUT_SECONDS", 5)?),
            sqlite_sync_each_commit: match var("SQLITE_SYNCHRONOUS")
                .map(|mode| mode.trim().to_ascii_lowercase())
                .as_deref()
            {
                None | Some("full") => true,
                Some("normal") => false,
                Some(other) => {
                    return Err(format!(
                        "SQLITE_SYNCHRONOUS={other} is not a mode: use full (the default: \
                         every commit is on disk when it returns) or normal (faster writes; \
                         a power cut may lose the last commits)"
                    ));
                }
            },
            jwt_secret: match var("JWT_SECRET") {
                Some(secret) => Some(check_secret(secret)?),
                None => None,
            },
            jwt_ttl: token_ttl(var("JWT_TTL_SECONDS"))?,
            jwt_issuer: var("JWT_ISSUER")
                .map(|issuer| issuer.trim().to_string())
                .unwrap_or_else(|| env!("CARGO_PKG_NAME").to_string()),
            login_rate_per_minute: rate("LOGIN_RATE_PER_MINUTE", 10)?,
            register_rate_per_minute: rate("REGISTER_RATE_PER_MINUTE", 5)?,
            // The password as given: spaces may be part of it.
            admin: match (
                var("ADMIN_EMAIL"),
                std::env::var("ADMIN_PASSWORD")
                    .ok()
                    .filter(|p| !p.is_empty()),
            ) {
                (None, None) => None,
                (Some(email), Some(password)) => Some(AdminAccount::new(&email, password)?),
                (Some(_), None) => {
                    return Err("ADMIN_EMAIL is set but ADMIN_PASSWORD is not: set both to \
                                make that admin at start-up, or neither"
                        .to_string());
                }
                (None, Some(_)) => {
                    return Err("ADMIN_PASSWORD is set but ADMIN_EMAIL is not: set both to \
                                make that admin at start-up, or neither"
                        .to_string());
                }
            },
            cors_origins: cors_origins(&var("CORS_ORIGINS").unwrap_or_default())?,
            upload_quota: UploadQuota {
                bytes: number("UPLOAD_QUOTA_MB", 100)?
                    .checked_mul(1024 * 1024)
                    .ok_or_else(|| "UPLOAD_QUOTA_MB is too large".to_string())?,
                files: number("UPLOAD_MAX_FILES", 500)?,
            },
            upload_rate_per_minute: rate("UPLOAD_RATE_PER_MINUTE", 20)?,
            chat_streams_per_user: rate("CHAT_STREAMS_PER_USER", 2)?,
            serve: fsroute::serve::ServeConfig::from_env()?,
            metrics: MetricsConfig::from_vars(
                var("METRICS").as_deref(),
                var("METRICS_TOKEN"),
                var("METRICS_ADDR").as_deref(),
            )?,
            redis_url: var("REDIS_URL"),
            limits_on_store_error: match var("LOGIN_RATE_ON_STORE_ERROR") {
                Some(policy) => policy
                    .parse()
                    .map_err(|why| format!("LOGIN_RATE_ON_STORE_ERROR: {why}"))?,
                None => fsroute::rate_limit::OnStoreError::default(),
            },
            trust_forwarded_for: match var("TRUST_FORWARDED_FOR").as_deref().map(str::trim) {
                None | Some("0" | "false" | "no") => false,
                Some("1" | "true" | "yes") => true,
                Some(other) => {
                    return Err(format!(
                        "TRUST_FORWARDED_FOR={other} is not one of 1, true, yes, 0, false, no"
                    ));
                }
            },
        })
    }

    /// Settings for tests and tools: everything under `data_dir`, a fixed secret, and an
    /// admin ([`TEST_ADMIN_EMAIL`], [`TEST_ADMIN_PASSWORD`]).
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            host: "127.0.0.1".to_string(),
            port: 0,
            database_url: format!("sqlite://{}", data_dir.join("app.db").display()),
            data_dir,
            max_connections: None,
            acquire_timeout: Duration::from_secs(5),
            sqlite_sync_each_commit: true,
            jwt_secret: Some("test-secret-test-secret-test-secret".to_string()),
            jwt_ttl: Duration::from_secs(3600),
            jwt_issuer: env!("CARGO_PKG_NAME").to_string(),
            // Tests sign in many times from one (socket-less) client.
            login_rate_per_minute: 1_000,
            register_rate_per_minute: 1_000,
            trust_forwarded_for: false,
            admin: Some(AdminAccount {
                email: TEST_ADMIN_EMAIL.to_string(),
                password: TEST_ADMIN_PASSWORD.to_string(),
            }),
            cors_origins: Vec::new(),
            upload_quota: UploadQuota {
                bytes: 100 * 1024 * 1024,
                files: 500,
            },
            upload_rate_per_minute: 1_000,
            chat_streams_per_user: 2,
            serve: fsroute::serve::ServeConfig::default(),
            // The recorder is the process's: a test that wants it turns it on.
            metrics: MetricsConfig::default(),
            redis_url: None,
            limits_on_store_error: fsroute::rate_limit::OnStoreError::default(),
        }
    }
}

/// The secret as given, or the one-line reason it is refused.
pub fn check_secret(secret: String) -> Result<String, String> {
    if secret.len() >= MIN_SECRET_BYTES {
        return Ok(secret);
    }
    Err(format!(
        "JWT_SECRET is {} bytes long; it must be at least {MIN_SECRET_BYTES} random bytes, \
         or tokens can be forged: make one with `openssl rand -base64 48`",
        secret.len()
    ))
}

fn token_ttl(text: Option<String>) -> Result<Duration, String> {
    let Some(text) = text else {
        return Ok(Duration::from_secs(24 * 60 * 60));
    };
    let (min, max) = (MIN_TOKEN_TTL.as_secs(), MAX_TOKEN_TTL.as_secs());
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|seconds| (min..=max).contains(seconds))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            format!(
                "JWT_TTL_SECONDS={text} must be a whole number of seconds from {min} to {max} \
                 (30 days)"
            )
        })
}

#[cfg(test)]
mod metrics_config_tests {
    use super::MetricsConfig;

    #[test]
    fn metrics_settings_are_checked_with_one_line_errors() {
        let default = MetricsConfig::from_vars(None, None, None).unwrap();
        assert!(default.enabled && default.token.is_none() && default.addr.is_none());
        assert!(
            !MetricsConfig::from_vars(Some("off"), None, None)
                .unwrap()
                .enabled
        );
        let own_port =
            MetricsConfig::from_vars(None, Some("a".repeat(16)), Some("127.0.0.1:9464")).unwrap();
        assert_eq!(own_port.addr.unwrap().port(), 9464);
        assert!(
            !format!("{own_port:?}").contains("aaaa"),
            "the token was printed"
        );
        for (metrics, token, addr, says) in [
            (
                Some("maybe"),
                None,
                None,
                "METRICS=maybe is not one of on, off",
            ),
            (
                None,
                Some("short".to_string()),
                None,
                "METRICS_TOKEN is 5 bytes long",
            ),
            (
                None,
                None,
                Some(":9464"),
                "METRICS_ADDR=:9464 is not an address",
            ),
            (
                Some("off"),
                None,
                Some("127.0.0.1:9464"),
                "METRICS=off, but",
            ),
        ] {
            let error = MetricsConfig::from_vars(metrics, token, addr).unwrap_err();
            assert!(error.starts_with(says), "{error}");
            assert!(!error.contains('\n'), "{error}");
        }
    }
}

#[cfg(test)]
mod cors_tests {
    use super::cors_origins;

    #[test]
    fn cors_origins_are_origins_or_a_one_line_error() {
        assert_eq!(
            cors_origins(" https://App.example/ , http://localhost:5173").unwrap(),
            ["https://app.example", "http://localhost:5173"]
        );
        assert_eq!(cors_origins("").unwrap(), Vec::<String>::new());
        assert_eq!(cors_origins("*").unwrap(), ["*"]);
        for bad in [
            "https://app.example/app",
            "https://app.example?x=1",
            "app.example",
            "ftp://app.example",
            "https://user@app.example",
            "https://",
        ] {
            let error = cors_origins(bad).unwrap_err();
            assert!(error.starts_with("CORS_ORIGINS: `"), "{error}");
            assert!(!error.contains('\n'), "{error}");
        }
        assert!(cors_origins("*, https://a.example").is_err());
    }
}
