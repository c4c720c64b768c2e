//! The fsroute template app: copy this crate (or run `fsroute new`) to start a new API.
//!
//! Routes live in `app/api/**/route.rs`; `build.rs` turns them into `routes::router`.
//! What they share lives here: configuration, the database, passwords and tokens.
//!
//! Tests: `cargo test` runs them on SQLite; `bash .ci/with-postgres cargo test` runs them
//! on a throw-away PostgreSQL server too, with the suites only PostgreSQL can run
//! (`cargo test` lists those as ignored).

pub mod accounts;
pub mod auth;
pub mod config;
pub mod db;
pub mod errors;
pub mod posts;
pub mod rate_limit;
pub mod responses;
pub mod sessions;
pub mod streams;
pub mod uploads;
pub mod users;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{HeaderValue, header};
use fsroute::cache::Cache;
use fsroute::layers::{AppLayers, DEFAULT_BODY_LIMIT};
use fsroute::rate_limit::{Quota, RateLimits};
use fsroute::store::{Redis, RedisConfig};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use config::Config;
pub use users::User;

pub mod routes {
    fsroute::include_routes!();
}

/// What every handler can extract with `State<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub tokens: auth::Tokens,
    /// Where uploads are stored and files are served from.
    pub data_dir: PathBuf,
    /// Where `REVALIDATE` responses live: Redis with `REDIS_URL` (every replica shares
    /// them and their invalidations), else this process's memory.
    pub cache: Cache,
    /// Login attempts per client address (shared with `REDIS_URL`, else per replica).
    pub login_limiter: Arc<rate_limit::AddressLimiter>,
    /// Registrations per client address (shared with `REDIS_URL`, else per replica).
    pub register_limiter: Arc<rate_limit::AddressLimiter>,
    /// Failed sign-ins per account, from any address (per replica).
    pub account_limiter: Arc<rate_limit::AccountLimiter>,
    /// Origins allowed to call the API from a browser (`CORS_ORIGINS`).
    pub cors_origins: Arc<[HeaderValue]>,
    /// What each user's uploads may add up to.
    pub upload_quota: config::UploadQuota,
    /// Uploads per user (per replica).
    pub upload_limiter: Arc<rate_limit::UserLimiter>,
    /// Chat replies streaming to each user now (per replica).
    pub chat_streams: Arc<streams::StreamSlots>,
    /// Prometheus's `GET /metrics`, when `METRICS` is on.
    pub metrics: Option<Metrics>,
}

/// Where `GET /metrics` is served: on the API's port, or on `METRICS_ADDR` alone.
#[derive(Clone)]
pub struct Metrics {
    pub endpoint: fsroute::metrics::MetricsEndpoint,
    /// `METRICS_ADDR`: `main` serves the endpoint there, and the API's port does not.
    pub own_addr: Option<SocketAddr>,
}

impl Metrics {
    /// Installs the process's recorder, so that the router built next measures its routes.
    fn start(config: &config::MetricsConfig) -> Result<Option<Metrics>, String> {
        if !config.enabled {
            return Ok(None);
        }
        let mut endpoint = fsroute::metrics::Prometheus::install()?.endpoint();
        if let Some(token) = &config.token {
            endpoint = endpoint.bearer_token(token.clone());
        }
        Ok(Some(Metrics {
            endpoint,
            own_addr: config.addr,
        }))
    }
}

impl AppState {
    /// Opens the database (creating and migrating it) and sets up signing.
    pub async fn start(config: &Config) -> Result<AppState, String> {
        let db = db::connect(config).await?;
        if let Some(admin) = &config.admin {
            users::bootstrap_admin(&db, admin).await?;
        }
        let secret = match &config.jwt_secret {
            // Checked here too, for configurations not read by `Config::from_env`.
            Some(secret) => config::check_secret(secret.clone())?.into_bytes(),
            None => {
                tracing::warn!(
                    "JWT_SECRET is not set: using a random secret for this run only. Tokens \
                     stop working when the server restarts, and replicas cannot share them. \
                     Set JWT_SECRET in production (`openssl rand -base64 48`)."
                );
                let mut random = vec![0; 48];
                argon2::password_hash::rand_core::RngCore::fill_bytes(
                    &mut argon2::password_hash::rand_core::OsRng,
                    &mut random,
                );
                random
            }
        };
        if !(config::MIN_TOKEN_TTL..=config::MAX_TOKEN_TTL).contains(&config.jwt_ttl) {
            return Err(format!(
                "JWT_TTL_SECONDS={} must be from {} to {} (30 days)",
                config.jwt_ttl.as_secs(),
                config::MIN_TOKEN_TTL.as_secs(),
                config::MAX_TOKEN_TTL.as_secs()
            ));
        }
        let (cache, limits) = shared_stores(config)?;
        Ok(AppState {
            cache,
            metrics: Metrics::start(&config.metrics)?,
            db,
            tokens: auth::Tokens::new(&secret, config.jwt_ttl, &config.jwt_issuer),
            data_dir: config.data_dir.clone(),
            login_limiter: Arc::new(rate_limit::AddressLimiter::new(
                limits.limiter(
                    "login",
                    Quota::per_minute(
                        NonZeroU32::new(config.login_rate_per_minute).unwrap_or(NonZeroU32::MIN),
                    ),
                ),
                config.trust_forwarded_for,
            )),
            register_limiter: Arc::new(rate_limit::AddressLimiter::new(
                limits.limiter(
                    "register",
                    Quota::per_minute(
                        NonZeroU32::new(config.register_rate_per_minute).unwrap_or(NonZeroU32::MIN),
                    ),
                ),
                config.trust_forwarded_for,
            )),
            account_limiter: Arc::default(),
            upload_quota: config.upload_quota,
            upload_limiter: Arc::new(rate_limit::UserLimiter::new(
                NonZeroU32::new(config.upload_rate_per_minute).unwrap_or(NonZeroU32::MIN),
                "uploads",
            )),
            chat_streams: Arc::new(streams::StreamSlots::new(config.chat_streams_per_user)),
            cors_origins: config
                .cors_origins
                .iter()
                .map(|origin| {
                    HeaderValue::from_str(origin)
                        .map_err(|_| format!("CORS_ORIGINS: `{origin}` is not a valid origin"))
                })
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn upload_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }
}

/// The cache and the rate limits: on Redis with `REDIS_URL`, keys prefixed with this
/// app's name and version (two deploys never read each other's entries), else in this
/// process. An unreachable Redis does not stop the start: the app serves uncached and
/// limits per replica until Redis answers (a malformed URL does stop it).
fn shared_stores(config: &Config) -> Result<(Cache, RateLimits), String> {
    let Some(url) = &config.redis_url else {
        return Ok((Cache::memory(), RateLimits::memory()));
    };
    let redis = Redis::open(RedisConfig::new(
        url,
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
    ))?;
    tracing::info!(
        redis = redis.address(),
        "the cache and rate limits are shared through Redis"
    );
    Ok((
        Cache::redis(redis.clone()),
        RateLimits::redis(redis).on_store_error(config.limits_on_store_error),
    ))
}

/// Text a query filters by (a tag, a search): a 400 `INVALID_QUERY` for control
/// characters, which nothing stored contains. PostgreSQL cannot even take a NUL in a
/// parameter; SQLite would search for it: now both answer the same.
pub fn check_query_text(parameter: &str, value: &str) -> Result<(), fsroute::ApiError> {
    if value.chars().any(char::is_control) {
        return Err(fsroute::ApiError::bad_request(format!(
            "`{parameter}` cannot contain control characters"
        ))
        .with_code(fsroute::error::code::INVALID_QUERY)
        .with_details(serde_json::json!({ "parameter": parameter })));
    }
    Ok(())
}

/// The whole app, ready to serve or to test with `fsroute::test::TestClient`: the
/// generated router and `GET /metrics` (unless that has a port of its own) inside the
/// app-wide layers (request IDs, request logs, CORS, compression, body limit). Change
/// them here.
pub fn app(state: AppState) -> axum::Router {
    let cors_layer = cors(&state.cors_origins);
    let state_cache = state.cache.clone();
    let metrics = state
        .metrics
        .clone()
        .filter(|metrics| metrics.own_addr.is_none());
    let mut router = routes::router(state);
    if let Some(metrics) = metrics {
        router = metrics.endpoint.mount(router);
    }
    let router = AppLayers::new()
        .cache(state_cache)
        .cors(cors_layer)
        .body_limit(DEFAULT_BODY_LIMIT)
        .apply(router);
    with_security_headers(router)
}

/// Headers every response gets unless its route set its own (security review L4):
/// responses carry tokens and personal data, so no cache or browser history keeps them
/// (`no-store`; a download sets `public, max-age=3600`); a browser keeps to the declared
/// type (`nosniff`, for error JSON that echoes input too), frames nothing, and sends no
/// `Referer` onwards.
fn with_security_headers(router: axum::Router) -> axum::Router {
    use tower_http::set_header::SetResponseHeaderLayer;
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ]
    .into_iter()
    .fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

/// Only the configured origins get CORS headers; with none configured, no response
/// carries any, so browsers allow same-origin calls only.
fn cors(origins: &[HeaderValue]) -> CorsLayer {
    // `*` alone (`CORS_ORIGINS=*`): any origin. tower-http refuses it inside a list.
    let allowed = if origins == [HeaderValue::from_static("*")] {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.to_vec())
    };
    CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods(tower_http::cors::Any)
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}
