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
