//! What the server allows slow and numerous clients, with defaults and the environment
//! variables that change them.

use std::time::Duration;

/// The limits [`Server`](super::Server) enforces. The defaults suit an API behind a
/// proxy or on the open internet alike; each one can be changed here or, through
/// [`ServeConfig::from_env`], from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// `HEADER_READ_TIMEOUT` (default 10 s): a new connection must finish its first
    /// request's headers within this, and a later request its headers within this of its
    /// first byte. Slowloris clients, which trickle headers, are closed here.
    pub header_read_timeout: Duration,
    /// `IDLE_TIMEOUT` (default 75 s): a keep-alive connection with nothing in flight is
    /// closed after this. Longer than the idle timeout of the proxies in front (nginx's
    /// upstream `keepalive_timeout` is 60 s), so that they, not we, close first.
    pub idle_timeout: Duration,
    /// `BODY_READ_TIMEOUT` (default 30 s): the longest wait for the next piece of a
    /// request body. Past it the request is answered 408.
    pub body_read_timeout: Duration,
    /// `MIN_BODY_RATE` (default 1024 bytes/s): after the first [`BODY_RATE_GRACE`], a
    /// body must keep arriving at least this fast on average, or it is answered 408. `0`
    /// turns the check off.
    pub min_body_rate: u64,
    /// `MAX_CONNECTIONS` (default: from the process's file limit, see
    /// [`default_max_connections`]): connections past it get a JSON 503 at once and are
    /// closed.
    pub max_connections: usize,
    /// `MAX_IN_FLIGHT` (default 1024): requests being handled at once, over every
    /// connection; past it, a JSON 503 with `Retry-After` at once.
    pub max_in_flight: usize,
    /// `SHUTDOWN_TIMEOUT` (default 30 s): on SIGTERM or Ctrl-C, how long requests in flight
    /// get to finish before their connections are cut.
    pub shutdown_timeout: Duration,
    /// `HTTP2` (default on): HTTP/2 with prior knowledge (h2c) on the same port as
    /// HTTP/1.1, for proxies that speak it to their upstreams.
    pub http2: bool,
}

/// How long a request body may start slowly before [`ServeConfig::min_body_rate`] applies.
pub const BODY_RATE_GRACE: Duration = Duration::from_secs(5);

/// File descriptors kept for everything but client connections: the database pool, files
/// being read and written, logs, the listener itself.
const RESERVED_FILES: u64 = 64;

/// The default connection cap never goes above this, whatever the file limit: each
/// connection costs memory too.
const MAX_DEFAULT_CONNECTIONS: u64 = 10_000;

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            body_read_timeout: Duration::from_secs(30),
            min_body_rate: 1024,
            max_connections: default_max_connections(),
            max_in_flight: 1024,
            shutdown_timeout: Duration::from_secs(30),
            http2: true,
        }
    }
}

impl ServeConfig {
    /// The defaults, changed by whichever of `HEADER_READ_TIMEOUT`, `IDLE_TIMEOUT`,
    /// `BODY_READ_TIMEOUT`, `SHUTDOWN_TIMEOUT` (seconds, or `500ms`, `10s`, `2m`),
    /// `MIN_BODY_RATE` (bytes per second), `MAX_CONNECTIONS`, `MAX_IN_FLIGHT` and `HTTP2`
    /// (`1`/`0`) are set. A bad value is a one-line error naming the variable.
    pub fn from_env() -> Result<ServeConfig, String> {
        ServeConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ServeConfig::from_env`] reading from `var` instead of the environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ServeConfig, String> {
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let mut config = ServeConfig::default();
        let durations = [
            ("HEADER_READ_TIMEOUT", &mut config.header_read_timeout),
            ("IDLE_TIMEOUT", &mut config.idle_timeout),
            ("BODY_READ_TIMEOUT", &mut config.body_read_timeout),
            ("SHUTDOWN_TIMEOUT", &mut config.shutdown_timeout),
        ];
        for (name, field) in durations {
            if let Some(text) = var(name) {
                *field = parse_duration(&text).ok_or_else(|| {
                    format!("{name}={text} is not a duration: write seconds (`10`) or `500ms`, `10s`, `2m`")
                })?;
                if field.is_zero() && name != "SHUTDOWN_TIMEOUT" {
                    return Err(format!("{name}={text} must be more than zero"));
                }
            }
        }
        let count = |name: &str, text: String| -> Result<u64, String> {
            text.trim()
                .parse()
                .map_err(|_| format!("{name}={text} is not a whole number"))
        };
        if let Some(text) = var("MIN_BODY_RATE") {
            config.min_body_rate = count("MIN_BODY_RATE", text)?;
        }
        for (name, field) in [
            ("MAX_CONNECTIONS", &mut config.max_connections),
            ("MAX_IN_FLIGHT", &mut config.max_in_flight),
        ] {
            if let Some(text) = var(name) {
                let value = count(name, text.clone())?;
                if value == 0 {
                    return Err(format!("{name}={text} must be at least 1"));
                }
                *field = usize::try_from(value).unwrap_or(usize::MAX);
            }
        }
        if let Some(text) = var("HTTP2") {
            config.http2 = match text.trim() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => return Err(format!("HTTP2={text} is not one of 1, true, 0, false")),
            };
        }
        Ok(config)
    }
}

/// `10` (seconds), `10s`, `500ms`, `2m`.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    match unit.trim() {
        "" | "s" => Some(Duration::from_secs(number)),
        "ms" => Some(Duration::from_millis(number)),
        "m" => number.checked_mul(60).map(Duration::from_secs),
        _ => None,
    }
}

/// The process's limit on open files (the soft `RLIMIT_NOFILE`), if it can be read.
pub fn file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct we own and reads nothing else.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        (read == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A connection cap that leaves room under the file limit: the limit less an eighth (at
/// least 64) for the database, files and logs, and less the sockets the server may hold
/// past the cap for a moment ([`SPARE_SOCKETS`](super::SPARE_SOCKETS)); at most 10,000.
/// 1,024 files (a common default) give 864 connections. Without a readable limit, 1,000.
pub fn default_max_connections() -> usize {
    let connections = match file_limit() {
        Some(files) => files
            .saturating_sub(RESERVED_FILES.max(files / 8))
            .saturating_sub(super::SPARE_SOCKETS as u64)
            .clamp(1, MAX_DEFAULT_CONNECTIONS),
        None => 1_000,
    };
    usize::try_from(connections).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<ServeConfig, String> {
        ServeConfig::from_vars(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn durations_read_as_seconds_or_with_a_unit() {
        let config = from(&[
            ("HEADER_READ_TIMEOUT", "5"),
            ("IDLE_TIMEOUT", "2m"),
            ("BODY_READ_TIMEOUT", "1500ms"),
            ("SHUTDOWN_TIMEOUT", "0"),
        ])
        .unwrap();
        assert_eq!(config.header_read_timeout, Duration::from_secs(5));
        assert_eq!(config.idle_timeout, Duration::from_secs(120));
        assert_eq!(config.body_read_timeout, Duration::from_millis(1500));
        assert_eq!(config.shutdown_timeout, Duration::ZERO);
    }

    #[test]
    fn bad_values_are_one_line_naming_the_variable() {
        assert_eq!(
            from(&[("IDLE_TIMEOUT", "soon")]).unwrap_err(),
            "IDLE_TIMEOUT=soon is not a duration: write seconds (`10`) or `500ms`, `10s`, `2m`"
        );
        assert_eq!(
            from(&[("HEADER_READ_TIMEOUT", "0")]).unwrap_err(),
            "HEADER_READ_TIMEOUT=0 must be more than zero"
        );
        assert_eq!(
            from(&[("MAX_CONNECTIONS", "0")]).unwrap_err(),
            "MAX_CONNECTIONS=0 must be at least 1"
        );
        assert_eq!(
            from(&[("MAX_IN_FLIGHT", "-3")]).unwrap_err(),
            "MAX_IN_FLIGHT=-3 is not a whole number"
        );
        assert_eq!(
            from(&[("HTTP2", "maybe")]).unwrap_err(),
            "HTTP2=maybe is not one of 1, true, 0, false"
        );
    }

    #[test]
    fn unset_or_blank_variables_keep_the_defaults() {
        assert_eq!(
            from(&[("MAX_IN_FLIGHT", " ")]).unwrap(),
            ServeConfig::default()
        );
    }

    #[test]
    fn the_default_connection_cap_stays_under_the_file_limit() {
        let cap = default_max_connections() as u64;
        if let Some(files) = file_limit() {
            assert!(cap < files, "{cap} connections with {files} files");
        }
        assert!(cap >= 1);
    }
}
