//! The rules for what an account may be made of — emails, names, passwords — in one
//! place, for the routes' validation and for the admin made at start-up alike.
//!
//! Text is normalised first (surrounding spaces trimmed, emails lower-cased), then
//! checked: the routes' bodies read emails and names through [`email`] and [`name`]
//! (serde's `deserialize_with`), so their `garde` rules see what will be stored.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};

/// The fewest characters a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The most: argon2 takes any length, but a request must not make it hash megabytes.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// The most characters of a name, after trimming.
pub const MAX_NAME_CHARS: usize = 100;
/// The most characters of an email (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// How an email is stored and looked up: without surrounding spaces, in lower case.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// How a name is stored: without surrounding spaces.
pub fn normalize_name(raw: &str) -> String {
    raw.trim().to_string()
}

/// Whether a (normalised) email may be stored; the reason when not.
pub fn check_email(email: &str) -> Result<(), String> {
    if email.chars().any(char::is_control) {
        return Err("an email cannot contain control characters".to_string());
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(format!("an email has at most {MAX_EMAIL_CHARS} characters"));
    }
    garde::rules::email::parse_email(email).map_err(|err| format!("not a valid email: {err}"))
}

/// Whether a (normalised) name may be stored; the reason when not. Control characters
/// (line breaks, tabs, escape codes) are refused: names end up in other people's pages
/// and in logs, where they could fake lines or colours.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name cannot be blank".to_string());
    }
    if name.chars().any(char::is_control) {
        return Err(
            "a name cannot contain control characters (line breaks, tabs, escapes)".to_string(),
        );
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("a name has at most {MAX_NAME_CHARS} characters"));
    }
    Ok(())
}

/// Whether a new password is acceptable; the reason when not.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(format!(
            "a password has at most {MAX_PASSWORD_CHARS} characters"
        ));
    }
    if password.trim().is_empty() {
        return Err("a password cannot be only spaces".to_string());
    }
    if is_common_password(password) {
        return Err(
            "this password is too common: it is on the list of the most used ones".to_string(),
        );
    }
    Ok(())
}

/// Whether the password (in any case, without surrounding spaces) is on the list of the
/// most common ones, `common-passwords.txt` (where it comes from is at its top).
pub fn is_common_password(password: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    });
    list.contains(password.trim().to_lowercase().as_str())
}

// ---- serde: normalise while reading a body ----

/// `deserialize_with` for an email: trimmed and lower-cased.
pub fn email<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    String::deserialize(deserializer).map(|raw| normalize_email(&raw))
}

/// `deserialize_with` for an optional email (use with `#[serde(default)]`).
pub fn optional_email<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|raw| raw.map(|raw| normalize_email(&raw)))
}

/// `deserialize_with` for a name: trimmed.
pub fn name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    String::deserialize(deserializer).map(|raw| normalize_name(&raw))
}

/// `deserialize_with` for an optional name (use with `#[serde(default)]`).
pub fn optional_name<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|raw| raw.map(|raw| normalize_name(&raw)))
}

// ---- garde: the checks above as `custom` rules ----

/// A field a rule below can check: text, or optional text (nothing to check when absent).
pub trait Text {
    fn text(&self) -> Option<&str>;
}

impl Text for String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Text for Option<String> {
    fn text(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// A `check_*` function as a garde result, for the `custom` rules here and in `posts`.
pub fn rule(value: Option<&str>, check: fn(&str) -> Result<(), String>) -> garde::Result {
    match value {
        Some(value) => check(value).map_err(garde::Error::new),
        None => Ok(()),
    }
}

/// `#[garde(custom(accounts::email_rule))]`
pub fn email_rule<T: Text + ?Sized>(value: &T, _: &()) -> garde::Result {
    rule(value.text(), check_email)
}

/// `#[garde(custom(accounts::name_rule))]`
pub fn name_rule<T: Text + ?Sized>(value: &T, _: &()) -> garde::Result {
    rule(value.text(), check_name)
}

/// `#[garde(custom(accounts::password_rule))]`: for new passwords only (a sign-in takes
/// any password an account may have from before these rules).
pub fn password_rule<T: Text + ?Sized>(value: &T, _: &()) -> garde::Result {
    rule(value.text(), check_new_password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_read_and_compared_in_lower_case() {
        assert!(is_common_password("password123"));
        assert!(is_common_password("  PassWord123 "));
        assert!(!is_common_password("a long enough secret"));
        assert!(!is_common_password(
            "# The most common passwords of at least 10"
        ));
    }

    #[test]
    fn names_are_checked_after_trimming() {
        assert_eq!(normalize_name("  Ada  "), "Ada");
        assert!(check_name(&normalize_name("   ")).is_err());
        assert!(check_name("Eve\u{1b}[31m").is_err());
        assert!(check_name(&"n".repeat(100)).is_ok());
        assert!(check_name(&"n".repeat(101)).is_err());
    }
}
