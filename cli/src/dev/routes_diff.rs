//! The route table's changes between two builds: `+ GET /api/me`, `- DELETE /api/posts/{id}`.

use std::collections::BTreeSet;

use fsroute_codegen::Builder;

/// `METHOD /path` for every handler the generator finds, as the build compiles them.
pub type RouteSet = BTreeSet<(String, String)>;

/// The routes of the tree `builder` reads, or `None` when it has errors (the build shows
/// them).
pub fn routes(builder: Builder) -> Option<RouteSet> {
    let generated = builder.generate().ok()?;
    Some(
        generated
            .routes
            .iter()
            .flat_map(|route| {
                route
                    .methods
                    .iter()
                    .map(|method| (route.path.clone(), method.as_str().to_string()))
            })
            .map(|(path, method)| (method, path))
            .collect(),
    )
}

/// One line per route added or removed, additions first, each group in table order.
pub fn lines(before: &RouteSet, after: &RouteSet) -> Vec<String> {
    let added = after
        .difference(before)
        .map(|(method, path)| format!("+ {method} {path}"));
    let removed = before
        .difference(after)
        .map(|(method, path)| format!("- {method} {path}"));
    added.chain(removed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(routes: &[(&str, &str)]) -> RouteSet {
        routes
            .iter()
            .map(|(method, path)| (method.to_string(), path.to_string()))
            .collect()
    }

    #[test]
    fn added_then_removed() {
        let before = set(&[("GET", "/api/posts"), ("DELETE", "/api/posts/{id}")]);
        let after = set(&[("GET", "/api/posts"), ("GET", "/api/me")]);
        assert_eq!(
            lines(&before, &after),
            ["+ GET /api/me", "- DELETE /api/posts/{id}"]
        );
        assert!(lines(&after, &after).is_empty());
    }
}
