//! The route manifest: what the generated `ROUTES` static lists.

use std::fmt::Write;

/// One URL pattern the generated router serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// The axum path pattern, e.g. `/api/users/{id}`.
    pub path: &'static str,
    /// The methods the route file exports, upper case (`GET`, `POST`).
    pub methods: &'static [&'static str],
    /// The route file, relative to the crate root.
    pub file: &'static str,
}

impl RouteInfo {
    /// Whether the pattern matches `path` (as it arrives, percent-encoded, without the
    /// query): for a proxy that sends a request elsewhere only where a route exists.
    ///
    /// ```
    /// use fsroute::RouteInfo;
    ///
    /// let route = RouteInfo { path: "/api/v2/users/{id}", methods: &["GET"], file: "…" };
    /// assert!(route.matches("/api/v2/users/7"));
    /// assert!(!route.matches("/api/v2/users"));
    /// assert!(!route.matches("/api/v2/users/7/posts"));
    /// ```
    pub fn matches(&self, path: &str) -> bool {
        let mut wanted = self.path.split('/').filter(|s| !s.is_empty());
        let mut given = path.split('/').filter(|s| !s.is_empty());
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return true,
                (Some(part), Some(_)) if part.starts_with("{*") => return true,
                (Some(part), Some(_)) if part.starts_with('{') => {}
                (Some(part), Some(segment)) if part == segment => {}
                _ => return false,
            }
        }
    }
}

/// The route table as `fsroute routes` prints it: methods, pattern, file; one line each.
pub fn route_table(routes: &[RouteInfo]) -> String {
    let methods: Vec<String> = routes.iter().map(|r| r.methods.join(", ")).collect();
    let method_width = methods.iter().map(String::len).max().unwrap_or(0);
    let path_width = routes.iter().map(|r| r.path.len()).max().unwrap_or(0);
    let mut table = String::new();
    for (route, methods) in routes.iter().zip(&methods) {
        let _ = writeln!(
            table,
            "{methods:<method_width$}  {path:<path_width$}  {file}",
            path = route.path,
            file = route.file
        );
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_paths_as_the_router_does() {
        let route = |path| RouteInfo {
            path,
            methods: &["GET"],
            file: "app/x/route.rs",
        };
        assert!(route("/").matches("/"));
        assert!(route("/api/health").matches("/api/health"));
        assert!(!route("/api/health").matches("/api/healthz"));
        assert!(route("/docs/{*slug}").matches("/docs/a/b"));
        assert!(!route("/docs/{*slug}").matches("/docs"));
        assert!(route("/caf%C3%A9").matches("/caf%C3%A9"));
        assert!(!route("/users/{id}").matches("/users/"));
    }

    #[test]
    fn table_aligns_columns() {
        let routes = [
            RouteInfo {
                path: "/api",
                methods: &["GET"],
                file: "app/api/route.rs",
            },
            RouteInfo {
                path: "/api/users/{id}",
                methods: &["GET", "DELETE"],
                file: "app/api/users/[id]/route.rs",
            },
        ];
        assert_eq!(
            route_table(&routes),
            "GET          /api             app/api/route.rs\n\
             GET, DELETE  /api/users/{id}  app/api/users/[id]/route.rs\n"
        );
    }
}
