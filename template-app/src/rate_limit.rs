//! Rate limits per client address: a few attempts per minute, then 429 with
//! `Retry-After`. Logins have one (password guessing gets slow; a user who mistyped waits
//! seconds), registrations another (each one costs a password hash). And a backoff per
//! account for failed sign-ins, whatever the address ([`AccountLimiter`]).
//!
//! The address limits count through `fsroute::rate_limit`: in this process by default,
//! so with several replicas a client gets the limit once per replica; on a Redis shared by
//! every replica when the app's `RateLimits` is `RateLimits::redis` (docs/deploying.md).
//! The account and upload limits are per replica (`governor`'s keyed GCRA limiter here).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use fsroute::ApiError;
use fsroute::rate_limit::RateLimiter;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::errors;

/// Above this many remembered users, the ones whose upload limit has fully recovered are
/// dropped: memory then holds the users seen within the last recovery period (a minute),
/// bounded by the request rate rather than by every user ever seen.
const FORGET_ABOVE: usize = 10_000;

/// A limit per client address (its /64 for IPv6), on an `fsroute::rate_limit` limiter.
pub struct AddressLimiter {
    limiter: RateLimiter,
    /// Take the client address from the last `X-Forwarded-For` entry (set by our own
    /// load balancer) instead of the TCP peer.
    trust_forwarded_for: bool,
}

impl AddressLimiter {
    /// Counts against `limiter` (for instance `limits.limiter("login",
    /// Quota::per_minute(n))`), keyed by the client address's text.
    pub fn new(limiter: RateLimiter, trust_forwarded_for: bool) -> AddressLimiter {
        AddressLimiter {
            limiter,
            trust_forwarded_for,
        }
    }

    /// Counts one attempt from the request's client; a 429 when it is one too many, a 400
    /// when the trusted proxy did not say who the client is.
    pub async fn check(
        &self,
        headers: &HeaderMap,
        peer: Option<&ConnectInfo<SocketAddr>>,
    ) -> Result<(), ApiError> {
        let client = self.client_key(headers, peer)?;
        let decision = self.limiter.check(&client.to_string()).await;
        if decision.allowed {
            Ok(())
        } else {
            Err(
                ApiError::too_many_requests(whole_seconds(decision.retry_after))
                    .with_code(errors::RATE_LIMITED),
            )
        }
    }

    /// Whom to count the request against: the client's address, an IPv6 one as its /64.
    fn client_key(
        &self,
        headers: &HeaderMap,
        peer: Option<&ConnectInfo<SocketAddr>>,
    ) -> Result<IpAddr, ApiError> {
        let address = if self.trust_forwarded_for {
            // No fallback to the peer: behind the proxy that is the proxy, one bucket for
            // every client, which one client could empty for all.
            forwarded_client(headers).ok_or_else(|| {
                ApiError::bad_request(
                    "The client address is unknown: the last X-Forwarded-For entry is \
                     missing or not an address, and this server trusts its proxy to set it",
                )
                .with_code(errors::CLIENT_ADDRESS_UNKNOWN)
            })?
        } else {
            // Without a socket (tests through `oneshot`), every request counts as one
            // client; the server in main.rs always has the peer.
            peer.map(|ConnectInfo(address)| address.ip())
                .unwrap_or(IpAddr::from([0, 0, 0, 0]))
        };
        Ok(bucket(address))
    }
}

/// The client our proxy saw: the last entry of the last `X-Forwarded-For` line. Proxies
/// append the address they saw to the end of the header, or add a line of their own
/// after any the client sent (HAProxy); everything before it is the client's to write.
pub fn forwarded_client(headers: &HeaderMap) -> Option<IpAddr> {
    let line = headers.get_all("x-forwarded-for").iter().next_back()?;
    let last = line.to_str().ok()?.rsplit(',').next()?.trim();
    parse_address(last)
}

/// `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:443`.
fn parse_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|address| address.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<Ipv6Addr>()
                .ok()
                .map(IpAddr::V6)
        })
}

/// IPv4 addresses as they are; IPv6 ones by their /64, the block one host or home
/// usually gets whole (counting per address, it could use a new one for every attempt).
/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is that IPv4 address.
pub fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// Rounded up: "retry after 0 seconds" would invite an immediate retry.
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Failed sign-ins per account (by normalised email), from any address: from the
/// [`FAILURES_BEFORE_LOCK`]th in a row on, each one locks the account's sign-in, for
/// [`FIRST_LOCK`] and then twice as long as the last time, up to [`MAX_LOCK`]. So guessing one account's password from many addresses, which
/// the address limit cannot see, gets slow too: once the locks are at their longest,
/// four guesses an hour. A success clears the count.
///
/// The price: someone who knows an email can keep that account's owner from signing in
/// (for at most [`MAX_LOCK`] after each of their failed guesses). Emails without an
/// account are counted the same way, so the answers do not tell which exist.
pub struct AccountLimiter {
    failures: Mutex<HashMap<String, Failures>>,
}

struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// The failure that starts the locks: four mistakes in a row cost nothing.
pub const FAILURES_BEFORE_LOCK: u32 = 5;
/// The first lock.
pub const FIRST_LOCK: Duration = Duration::from_secs(4);
/// The longest lock after one failure.
pub const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// A count with no failure for this long starts again from zero.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// The most accounts remembered; past it, forgotten counts are dropped first, and an
/// account not yet counted is not counted (the address limit still applies).
const MAX_ACCOUNTS: usize = 100_000;

impl Default for AccountLimiter {
    fn default() -> Self {
        AccountLimiter {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl AccountLimiter {
    /// A 429 with `Retry-After` while the account's sign-in is locked.
    pub fn check(&self, email: &str) -> Result<(), ApiError> {
        self.check_at(email, Instant::now())
    }

    pub fn check_at(&self, email: &str, now: Instant) -> Result<(), ApiError> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(email).and_then(|f| f.locked_until) {
            Some(until) if until > now => {
                let seconds = whole_seconds(until - now);
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    errors::RATE_LIMITED,
                    format!(
                        "Too many failed sign-ins for this account; retry after {seconds} seconds"
                    ),
                )
                .with_header(header::RETRY_AFTER, HeaderValue::from(seconds)))
            }
            _ => Ok(()),
        }
    }

    /// A wrong password for `email`.
    pub fn failed(&self, email: &str) {
        self.failed_at(email, Instant::now());
    }

    pub fn failed_at(&self, email: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_ACCOUNTS && !failures.contains_key(email) {
            failures.retain(|_, f| now.saturating_duration_since(f.last) < FORGET_AFTER);
            if failures.len() >= MAX_ACCOUNTS {
                return;
            }
        }
        let entry = failures.entry(email.to_string()).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: None,
        });
        if now.saturating_duration_since(entry.last) >= FORGET_AFTER {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
        if entry.count >= FAILURES_BEFORE_LOCK {
            let doublings = (entry.count - FAILURES_BEFORE_LOCK).min(20);
            let lock = (FIRST_LOCK * (1 << doublings)).min(MAX_LOCK);
            entry.locked_until = Some(now + lock);
        }
    }

    /// The right password for `email`: its count starts again.
    pub fn succeeded(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(email);
    }
}

/// Actions per signed-in user per minute (uploads), whatever the address: an account
/// cannot be used to fill the disk faster than its owner plausibly would.
pub struct UserLimiter {
    limiter: DefaultKeyedRateLimiter<i64>,
    action: &'static str,
}

impl UserLimiter {
    /// `per_minute` of `action` (for the message: "uploads") per user per minute.
    pub fn new(per_minute: NonZeroU32, action: &'static str) -> UserLimiter {
        UserLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
            action,
        }
    }

    /// Counts one action by `user_id`; a 429 with `Retry-After` when it is one too many.
    pub fn check(&self, user_id: i64) -> Result<(), ApiError> {
        if self.limiter.len() > FORGET_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&user_id).map_err(|not_until| {
            let seconds = whole_seconds(not_until.wait_time_from(self.limiter.clock().now()));
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                errors::RATE_LIMITED,
                format!(
                    "Too many {} from this account; retry after {seconds} seconds",
                    self.action
                ),
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from(seconds))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(ip: [u8; 4]) -> ConnectInfo<SocketAddr> {
        ConnectInfo(SocketAddr::from((ip, 40_000)))
    }

    fn per_minute(n: u32, trust_forwarded_for: bool) -> AddressLimiter {
        let limits = fsroute::rate_limit::RateLimits::memory();
        let quota = fsroute::rate_limit::Quota::per_minute(NonZeroU32::new(n).unwrap());
        AddressLimiter::new(limits.limiter("test", quota), trust_forwarded_for)
    }

    #[tokio::test]
    async fn each_address_has_its_own_allowance() {
        let limiter = per_minute(2, false);
        let headers = HeaderMap::new();
        let alice = peer([10, 0, 0, 1]);
        assert!(limiter.check(&headers, Some(&alice)).await.is_ok());
        assert!(limiter.check(&headers, Some(&alice)).await.is_ok());
        let refused = limiter.check(&headers, Some(&alice)).await.unwrap_err();
        assert_eq!(refused.status(), axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.code(), errors::RATE_LIMITED);
        // Two per minute: the next attempt is possible in about 30 s.
        let retry_after: u64 = refused
            .message()
            .split(' ')
            .nth(5)
            .unwrap()
            .parse()
            .unwrap();
        assert!((29..=30).contains(&retry_after), "{}", refused.message());
        let response = axum::response::IntoResponse::into_response(refused);
        assert_eq!(
            response.headers()[header::RETRY_AFTER],
            retry_after.to_string()
        );
        assert!(
            limiter
                .check(&headers, Some(&peer([10, 0, 0, 2])))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn forwarded_for_counts_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.1.1.1, 203.0.113.9".parse().unwrap());
        let proxy = peer([127, 0, 0, 1]);

        let trusting = per_minute(1, true);
        assert!(trusting.check(&headers, Some(&proxy)).await.is_ok());
        // Same last hop, same client, even though the spoofable first entry changes.
        headers.insert("x-forwarded-for", "9.9.9.9, 203.0.113.9".parse().unwrap());
        assert!(trusting.check(&headers, Some(&proxy)).await.is_err());

        // Not trusted: the header is ignored and the peer is the client.
        let direct = per_minute(1, false);
        assert!(direct.check(&headers, Some(&proxy)).await.is_ok());
        headers.insert("x-forwarded-for", "8.8.8.8".parse().unwrap());
        assert!(direct.check(&headers, Some(&proxy)).await.is_err());

        // Trusted, and no usable entry: a 400, not the proxy's bucket.
        headers.insert("x-forwarded-for", "unknown".parse().unwrap());
        let unknown = trusting.check(&headers, Some(&proxy)).await.unwrap_err();
        assert_eq!(unknown.status(), axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(unknown.code(), errors::CLIENT_ADDRESS_UNKNOWN);
    }

    #[tokio::test]
    async fn an_ipv6_client_is_counted_by_its_64() {
        let limiter = per_minute(1, false);
        let headers = HeaderMap::new();
        let host = |address: &str| ConnectInfo(SocketAddr::new(address.parse().unwrap(), 1));
        assert!(
            limiter
                .check(&headers, Some(&host("2001:db8:1:2::1")))
                .await
                .is_ok()
        );
        // Another address of the same /64: the same client.
        assert!(
            limiter
                .check(&headers, Some(&host("2001:db8:1:2:ffff::9")))
                .await
                .is_err()
        );
        assert!(
            limiter
                .check(&headers, Some(&host("2001:db8:1:3::1")))
                .await
                .is_ok()
        );
    }

    #[test]
    fn addresses_with_ports_and_brackets_are_read() {
        for (entry, address) in [
            ("192.0.2.1", "192.0.2.1"),
            ("192.0.2.1:443", "192.0.2.1"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
        ] {
            assert_eq!(
                parse_address(entry),
                Some(address.parse().unwrap()),
                "{entry}"
            );
        }
        for entry in ["unknown", "_hidden", "", "192.0.2.1:x", "[192.0.2.1]"] {
            assert_eq!(parse_address(entry), None, "{entry}");
        }
    }

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(bucket(ip("192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn failures_per_account_back_off_doubling_up_to_the_cap() {
        let limiter = AccountLimiter::default();
        let start = Instant::now();
        let mut now = start;
        for _ in 1..FAILURES_BEFORE_LOCK {
            assert!(limiter.check_at("a@example.com", now).is_ok());
            limiter.failed_at("a@example.com", now);
        }
        let mut locks = Vec::new();
        for _ in 0..11 {
            assert!(limiter.check_at("a@example.com", now).is_ok());
            limiter.failed_at("a@example.com", now);
            let refused = limiter.check_at("a@example.com", now).unwrap_err();
            let seconds: u64 = refused
                .message()
                .split(' ')
                .nth(9)
                .unwrap()
                .parse()
                .unwrap();
            locks.push(seconds);
            now += Duration::from_secs(seconds);
        }
        assert_eq!(locks, [4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
        assert!(
            limiter.check_at("b@example.com", now).is_ok(),
            "per account"
        );
        limiter.succeeded("a@example.com");
        limiter.failed_at("a@example.com", now);
        assert!(
            limiter.check_at("a@example.com", now).is_ok(),
            "a success clears"
        );
        // An hour without failures forgets the count.
        let limiter = AccountLimiter::default();
        for _ in 1..FAILURES_BEFORE_LOCK {
            limiter.failed_at("c@example.com", start);
        }
        let later = start + Duration::from_secs(3600);
        limiter.failed_at("c@example.com", later);
        assert!(limiter.check_at("c@example.com", later).is_ok());
    }
}
