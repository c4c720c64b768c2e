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

/// Another framework's file name in the app folder: the fsroute file meant, and what the
/// name is where it comes from. Only names that cannot be a Rust helper module of the
/// route (`page.rs` can, but a newcomer from Next.js writes it for a page).
pub fn foreign_file(name: &str) -> Option<ForeignFile> {
    let (stem, extension) = name.rsplit_once('.')?;
    let script = matches!(extension, "ts" | "tsx" | "js" | "jsx" | "mjs" | "mts");
    match stem {
        "route" if script => Some(ForeignFile::NextRoute),
        "+server" if script => Some(ForeignFile::SvelteKitEndpoint),
        "middleware" if script => Some(ForeignFile::NextMiddleware),
        "page" if script || extension == "rs" || extension == "mdx" => Some(ForeignFile::NextPage),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignFile {
    /// `route.ts`: a Next.js route handler.
    NextRoute,
    /// `+server.ts`: a SvelteKit endpoint.
    SvelteKitEndpoint,
    /// `middleware.ts`: Next.js middleware.
    NextMiddleware,
    /// `page.tsx`, `page.rs`: a page, which route handlers do not have.
    NextPage,
}

/// A folder named as another router names a parameter: `{id}` (axum, OpenAPI), `:id`
/// (Express), `$id` (Remix), `{*rest}` (axum's catch-all). The folder fsroute spells it
/// as, and who writes it that way ("Express writes a parameter").
pub fn param_folder(name: &str) -> Option<(String, &'static str)> {
    let (inner, catch_all, origin) = if let Some(inner) = name
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
    {
        match inner.strip_prefix('*') {
            Some(rest) => (rest, true, "axum writes a catch-all"),
            None => (inner, false, "axum and OpenAPI write a parameter"),
        }
    } else if let Some(inner) = name.strip_prefix(':') {
        (inner, false, "Express writes a parameter")
    } else if let Some(inner) = name.strip_prefix('$') {
        (inner, false, "Remix writes a parameter")
    } else {
        return None;
    };
    let looks_like_a_name = !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if !looks_like_a_name {
        return None;
    }
    let param = if crate::segment::is_identifier(inner) {
        inner.to_string()
    } else {
        identifier(inner)
    };
    let folder = if catch_all {
        format!("[...{param}]")
    } else {
        format!("[{param}]")
    };
    Some((folder, origin))
}

/// A known constant within two edits (`MAX_DURATON`; one for a name as short as `TAGS`,
/// so that `FLAGS` is not taken for it), or the same letters in another case
/// (`maxDuration`, Next.js's spelling).
pub fn config_const(name: &str) -> Option<ConfigConst> {
    let squash = |s: &str| s.replace('_', "").to_ascii_lowercase();
    ConfigConst::ALL.iter().copied().find(|known| {
        let edits = if known.name().len() <= 4 { 1 } else { 2 };
        squash(known.name()) == squash(name) || edit_distance(known.name(), name) <= edits
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
        assert_eq!(name("TAG"), Some("TAGS"));
        assert_eq!(name("tags"), Some("TAGS"));
        assert_eq!(name("TAGZ"), Some("TAGS"));
        assert_eq!(name("PAGE_SIZE"), None);
        for near_but_not_it in ["FLAGS", "TAB", "DAYS", "MAPS"] {
            assert_eq!(name(near_but_not_it), None, "{near_but_not_it}");
        }
    }

    #[test]
    fn identifier_suggestions_are_identifiers() {
        for bad in ["my-id", "1st", "a.b", "-"] {
            assert!(crate::segment::is_identifier(&identifier(bad)), "{bad}");
        }
    }

    #[test]
    fn other_frameworks_parameter_folders() {
        let meant = |name| param_folder(name).map(|(folder, _)| folder);
        assert_eq!(meant("{id}").as_deref(), Some("[id]"));
        assert_eq!(meant("{*rest}").as_deref(), Some("[...rest]"));
        assert_eq!(meant(":userId").as_deref(), Some("[userId]"));
        assert_eq!(meant("$slug").as_deref(), Some("[slug]"));
        assert_eq!(meant(":my-id").as_deref(), Some("[my_id]"));
        for plain in ["users", "{}", ":", "$", "a{id}", "{id", "v1.0", "{a/b}"] {
            assert_eq!(meant(plain), None, "{plain}");
        }
    }

    #[test]
    fn other_frameworks_file_names() {
        assert_eq!(foreign_file("route.ts"), Some(ForeignFile::NextRoute));
        assert_eq!(foreign_file("route.js"), Some(ForeignFile::NextRoute));
        assert_eq!(foreign_file("page.rs"), Some(ForeignFile::NextPage));
        assert_eq!(foreign_file("page.tsx"), Some(ForeignFile::NextPage));
        assert_eq!(
            foreign_file("+server.ts"),
            Some(ForeignFile::SvelteKitEndpoint)
        );
        assert_eq!(
            foreign_file("middleware.ts"),
            Some(ForeignFile::NextMiddleware)
        );
        for ours_or_helper in [
            "route.rs",
            "middleware.rs",
            "helpers.rs",
            "README.md",
            "route",
        ] {
            assert_eq!(foreign_file(ours_or_helper), None, "{ours_or_helper}");
        }
    }

    #[test]
    fn file_name_suggestions() {
        assert_eq!(file_name("Route.rs"), Some("route.rs"));
        assert_eq!(file_name("middlewares.rs"), Some("middleware.rs"));
        assert_eq!(file_name("router.rs"), None);
    }
}
