//! "Did you mean": the nearby name a user probably meant. Decisions only; the words
//! around them are in [`crate::messages`].

use crate::conventions::{ConfigConst, MIDDLEWARE_FILE, ROUTE_FILE};

/// `Route.rs`, `routes.rs`, `Middleware.rs`: close enough that the user surely meant one
/// of ours.
pub fn file_name(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "route.rs" | "routes.rs" => Some(ROUTE_FILE),
        "middleware.rs" | "middlewares.rs" => Some(MIDDLEWARE_FILE),
        _ => None,
    }
}

/// A known constant within two edits (`MAX_DURATON`), or the same letters in another case
/// (`maxDuration`, Next.js's spelling).
pub fn config_const(name: &str) -> Option<ConfigConst> {
    let squash = |s: &str| s.replace('_', "").to_ascii_lowercase();
    ConfigConst::ALL.iter().copied().find(|known| {
        squash(known.name()) == squash(name) || edit_distance(known.name(), name) <= 2
    })
}

/// `[id` → `[id]`, `[[...slug]` → `[[...slug]]`: a missing or extra bracket at an end.
pub fn brackets(name: &str) -> Option<String> {
    if !(name.starts_with('[') || name.ends_with(']')) {
        return None;
    }
    let inner = name.trim_matches(['[', ']']);
    if inner.is_empty() || inner.contains(['[', ']']) {
        return None;
    }
    let optional = name.starts_with("[[") && inner.starts_with("...");
    Some(if optional {
        format!("[[{inner}]]")
    } else {
        format!("[{inner}]")
    })
}

/// `my-id` → `my_id`, `1st` → `p1st`: a nearby name that would be accepted.
pub fn identifier(param: &str) -> String {
    let mut out: String = param
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'p');
    }
    out
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_suggestions() {
        assert_eq!(brackets("[id").as_deref(), Some("[id]"));
        assert_eq!(brackets("id]").as_deref(), Some("[id]"));
        assert_eq!(brackets("[[...slug]").as_deref(), Some("[[...slug]]"));
        assert_eq!(brackets("[...slug]]").as_deref(), Some("[...slug]"));
        assert_eq!(brackets("a[id]b"), None);
    }

    #[test]
    fn config_suggestions() {
        let name = |name| config_const(name).map(ConfigConst::name);
        assert_eq!(name("MAX_DURATON"), Some("MAX_DURATION"));
        assert_eq!(name("maxDuration"), Some("MAX_DURATION"));
        assert_eq!(name("REVALIDATES"), Some("REVALIDATE"));
        assert_eq!(name("PAGE_SIZE"), None);
    }

    #[test]
    fn identifier_suggestions_are_identifiers() {
        for bad in ["my-id", "1st", "a.b", "-"] {
            assert!(crate::segment::is_identifier(&identifier(bad)), "{bad}");
        }
    }

    #[test]
    fn file_name_suggestions() {
        assert_eq!(file_name("Route.rs"), Some("route.rs"));
        assert_eq!(file_name("middlewares.rs"), Some("middleware.rs"));
        assert_eq!(file_name("router.rs"), None);
    }
}
