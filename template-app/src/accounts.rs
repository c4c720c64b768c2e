//! The rules for what an account may be made of — emails, names, passwords — in one
//! place, for the routes' validation and for the admin made at start-up alike.

/// How an email is stored and looked up: without surrounding spaces, in lower case.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Whether a (normalised) email may be stored; the reason when not.
pub fn check_email(email: &str) -> Result<(), String> {
    if email.chars().count() > 254 {
        return Err("an email has at most 254 characters".to_string());
    }
    garde::rules::email::parse_email(email).map_err(|err| format!("not a valid email: {err}"))
}

/// Whether a new password is acceptable; the reason when not.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < 8 {
        return Err("a password has at least 8 characters".to_string());
    }
    if length > 128 {
        return Err("a password has at most 128 characters".to_string());
    }
    Ok(())
}
