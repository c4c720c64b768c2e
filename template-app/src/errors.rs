//! The error codes this app sends besides fsroute's own (`fsroute::error::code`), in one
//! place, so that clients and tests find every code the API can answer with.

/// 429: too many logins or registrations from one address, failed sign-ins to one
/// account, or uploads from one account; `Retry-After` says when to try again.
pub const RATE_LIMITED: &str = "RATE_LIMITED";

/// 400: a file path with `..`, `.`, an empty segment or a backslash in it.
pub const INVALID_PATH: &str = "INVALID_PATH";

/// 403: changing your own email or password with a `currentPassword` that is not right.
pub const INVALID_CURRENT_PASSWORD: &str = "INVALID_CURRENT_PASSWORD";

/// 400: behind a trusted proxy (`TRUST_FORWARDED_FOR`), a login or registration whose
/// last `X-Forwarded-For` entry is missing or not an address.
pub const CLIENT_ADDRESS_UNKNOWN: &str = "CLIENT_ADDRESS_UNKNOWN";

/// 413: an upload that would take its owner past `UPLOAD_QUOTA_MB` or `UPLOAD_MAX_FILES`;
/// `details` says what is used and what is allowed. Deleting files makes room.
pub const UPLOAD_QUOTA_EXCEEDED: &str = "UPLOAD_QUOTA_EXCEEDED";

/// 429: a chat reply asked for while `CHAT_STREAMS_PER_USER` replies to the same user are
/// still streaming.
pub const TOO_MANY_STREAMS: &str = "TOO_MANY_STREAMS";
