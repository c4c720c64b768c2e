//! Rate limits per client address: a few attempts per minute, then 429 with
//! `Retry-After`. Logins have one (password guessing gets slow; a user who mistyped waits
//! seconds), registrations another (each one costs a password hash).
//!
//! The counts live in this process (`governor`'s keyed GCRA limiter). With several
//! replicas each keeps its own, so a client gets the limit once per replica; at scale,
//! limit at the load balancer or in a shared store (docs/deploying.md).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use fsroute::ApiError;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::errors;

/// Above this many remembered addresses, the ones whose limit has fully recovered are
/// dropped, so a scan from many addresses cannot grow memory without bound.
const FORGET_ABOVE: usize = 10_000;

pub struct AddressLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Take the client address from the last `X-Forwarded-For` entry (set by our own
    /// load balancer) instead of the TCP peer.
    trust_forwarded_for: bool,
}

impl AddressLimiter {
    /// `per_minute` attempts per address per minute, all of them usable at once.
    pub fn new(per_minute: NonZeroU32, trust_forwarded_for: bool) -> AddressLimiter {
        AddressLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
            trust_forwarded_for,
        }
    }

    /// Counts one attempt from the request's client; a 429 when it is one too many.
    pub fn check(
        &self,
        headers: &HeaderMap,
        peer: Option<&ConnectInfo<SocketAddr>>,
    ) -> Result<(), ApiError> {
        let client = self.client_address(headers, peer);
        if self.limiter.len() > FORGET_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            // Round up: "retry after 0 seconds" would invite an immediate retry.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::too_many_requests(seconds.max(1)).with_code(errors::RATE_LIMITED)
        })
    }

    fn client_address(
        &self,
        headers: &HeaderMap,
        peer: Option<&ConnectInfo<SocketAddr>>,
    ) -> IpAddr {
        let forwarded = self
            .trust_forwarded_for
            .then(|| headers.get("x-forwarded-for")?.to_str().ok())
            .flatten()
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok());
        // Without a socket (tests through `oneshot`), every request counts as one client.
        forwarded.unwrap_or_else(|| {
            peer.map(|ConnectInfo(address)| address.ip())
                .unwrap_or(IpAddr::from([0, 0, 0, 0]))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(ip: [u8; 4]) -> ConnectInfo<SocketAddr> {
        ConnectInfo(SocketAddr::from((ip, 40_000)))
    }

    #[test]
    fn each_address_has_its_own_allowance() {
        let limiter = AddressLimiter::new(NonZeroU32::new(2).unwrap(), false);
        let headers = HeaderMap::new();
        let alice = peer([10, 0, 0, 1]);
        assert!(limiter.check(&headers, Some(&alice)).is_ok());
        assert!(limiter.check(&headers, Some(&alice)).is_ok());
        let refused = limiter.check(&headers, Some(&alice)).unwrap_err();
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
        assert!(limiter.check(&headers, Some(&peer([10, 0, 0, 2]))).is_ok());
    }

    #[test]
    fn forwarded_for_counts_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.1.1.1, 203.0.113.9".parse().unwrap());
        let proxy = peer([127, 0, 0, 1]);

        let trusting = AddressLimiter::new(NonZeroU32::new(1).unwrap(), true);
        assert!(trusting.check(&headers, Some(&proxy)).is_ok());
        // Same last hop, same client, even though the spoofable first entry changes.
        headers.insert("x-forwarded-for", "9.9.9.9, 203.0.113.9".parse().unwrap());
        assert!(trusting.check(&headers, Some(&proxy)).is_err());

        // Not trusted: the header is ignored and the peer is the client.
        let direct = AddressLimiter::new(NonZeroU32::new(1).unwrap(), false);
        assert!(direct.check(&headers, Some(&proxy)).is_ok());
        headers.insert("x-forwarded-for", "8.8.8.8".parse().unwrap());
        assert!(direct.check(&headers, Some(&proxy)).is_err());
    }
}
