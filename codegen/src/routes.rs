//! Read files → the route table: each folder name parsed into a segment, routes in
//! priority order, and each route's middleware files.
//!
//! A flat sorted list, not a trie: conflicts are found in [`crate::validate`] by keying
//! positions in the URL, and the emitter walks the list in order.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::conventions::Method;
use crate::diagnostic::{Diagnostics, Location};
use crate::messages;
use crate::proxy_file::ProxyAnalysis;
use crate::read::{Contents, ReadFile};
use crate::route_file::{MiddlewareAnalysis, RouteFileAnalysis};
use crate::segment::{Segment, parse_segment};
use crate::suggest;

/// A route file whose folders all parsed.
#[derive(Debug, Clone)]
pub struct Route {
    pub folders: Vec<String>,
    pub segments: Vec<Segment>,
    pub path: PathBuf,
    pub analysis: RouteFileAnalysis,
    /// How users and diagnostics name the file (`app/api/users/[id]/route.rs`).
    pub display: String,
    /// The `middleware.rs` files that wrap this route, as indices into
    /// [`RouteTable::middlewares`], outermost first.
    pub middlewares: Vec<usize>,
}

/// A `middleware.rs` whose folders all parsed.
#[derive(Debug, Clone)]
pub struct Middleware {
    pub folders: Vec<String>,
    pub segments: Vec<Segment>,
    pub path: PathBuf,
    pub display: String,
    /// How many routed files it wraps; none is worth a warning.
    pub wraps: usize,
    /// Exports `pub const SECURITY`: every route below needs that security scheme.
    pub security: bool,
}

/// `app/proxy.rs`, with its `proxy` function there.
#[derive(Debug, Clone)]
pub struct ProxyFile {
    pub display: String,
    pub path: PathBuf,
    /// `MATCHER`'s patterns; `None`: every request.
    pub matcher: Option<Vec<String>>,
}

/// Routes in priority order, the middleware files that wrap them, and the proxy that
/// runs before them.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub routes: Vec<Route>,
    pub middlewares: Vec<Middleware>,
    pub proxy: Option<ProxyFile>,
}

/// One URL pattern a route file answers. A route has one, or two for an optional
/// catch-all: without it and with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPattern<'a> {
    /// Its URL segments in order (no groups). An optional catch-all is only ever the last
    /// one, in the second pattern, where it stands for one or more segments as
    /// `[...name]` does.
    pub segments: Vec<&'a Segment>,
}

impl UrlPattern<'_> {
    /// The axum path (`/api/users/{id}`, `/docs/{*slug}`, `/`).
    pub fn axum_path(&self) -> String {
        let mut path = String::new();
        for segment in &self.segments {
            path.push('/');
            match segment {
                Segment::OptionalCatchAll(name) => {
                    path.push_str(&format!("{{*{name}}}"));
                }
                _ => path.push_str(&segment.axum_segment().unwrap_or_default()),
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }
}

impl Route {
    /// The segments that appear in the URL (groups removed).
    pub fn url_segments(&self) -> impl Iterator<Item = &Segment> {
        self.segments
            .iter()
            .filter(|segment| !matches!(segment, Segment::Group(_)))
    }

    /// The URL patterns this file answers: one, or two for an optional catch-all.
    pub fn url_patterns(&self) -> Vec<UrlPattern<'_>> {
        let segments: Vec<&Segment> = self.url_segments().collect();
        match segments.split_last() {
            Some((Segment::OptionalCatchAll(_), init)) => vec![
                UrlPattern {
                    segments: init.to_vec(),
                },
                UrlPattern { segments },
            ],
            _ => vec![UrlPattern { segments }],
        }
    }

    /// The axum paths this file answers: one, or two for an optional catch-all.
    pub fn axum_paths(&self) -> Vec<String> {
        self.url_patterns()
            .iter()
            .map(UrlPattern::axum_path)
            .collect()
    }

    /// The innermost `middleware.rs` above this route that exports `pub const SECURITY`,
    /// as an index into [`RouteTable::middlewares`]. The route's own `SECURITY`
    /// (`analysis.security`) wins over it.
    pub fn security_middleware(&self, table: &RouteTable) -> Option<usize> {
        self.middlewares
            .iter()
            .rev()
            .copied()
            .find(|&index| table.middlewares[index].security)
    }

    pub fn has_catch_all(&self) -> bool {
        self.url_segments().any(Segment::is_catch_all)
    }

    /// Routed only with at least one method; a file without any still compiles as a module.
    pub fn is_routed(&self) -> bool {
        !self.analysis.methods.is_empty()
    }

    /// Whether building its `MethodRouter` needs the state (for `from_fn_with_state`).
    pub fn needs_state(&self) -> bool {
        self.analysis.middleware || !self.middlewares.is_empty()
    }

    pub fn methods(&self) -> &[Method] {
        &self.analysis.methods
    }

    /// The folder that holds segment `index`, as users name it (`app/api/(admin)/[id]`).
    pub fn folder_display(&self, app_display: &str, index: usize) -> String {
        join_display(app_display, &self.folders[..=index])
    }

    /// Static first, then `[param]`, then `[...rest]`, then `[[...rest]]`, segment by
    /// segment: the order Next.js sorts routes in, and the order a reader expects.
    fn priority_key(&self) -> Vec<(u8, &str)> {
        self.url_segments()
            .map(|segment| match segment {
                Segment::Static(text) => (0, text.as_str()),
                Segment::Dynamic(_) => (1, ""),
                Segment::CatchAll(_) => (2, ""),
                Segment::OptionalCatchAll(_) => (3, ""),
                Segment::Group(_) => unreachable!("groups are filtered out"),
            })
            .collect()
    }
}

/// `app` + `["api", "users"]` → `app/api/users`.
pub fn join_display(app_display: &str, folders: &[String]) -> String {
    let mut out = app_display.trim_end_matches('/').to_string();
    for folder in folders {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(folder);
    }
    out
}

/// Parses every folder name; returns the routes whose names are all valid, in priority
/// order, and the middleware files with the routes they wrap. Reports one error per bad
/// folder, however many files are below it.
pub fn build(files: Vec<ReadFile>, app_display: &str, diagnostics: &mut Diagnostics) -> RouteTable {
    let mut bad_folders = BTreeMap::new();
    let mut foreign_folders = BTreeMap::new();
    let mut table = RouteTable::default();
    for source in files {
        let mut segments = Vec::with_capacity(source.folders.len());
        let mut ok = true;
        for (index, name) in source.folders.iter().enumerate() {
            match parse_segment(name) {
                Ok(segment) => {
                    // Routed as written, so only a warning: `{id}` may be meant literally.
                    if let (Segment::Static(_), Some((meant, origin))) =
                        (&segment, suggest::param_folder(name))
                    {
                        let folder = join_display(app_display, &source.folders[..=index]);
                        foreign_folders.entry(folder.clone()).or_insert_with(|| {
                            messages::foreign_param_folder(&folder, name, &meant, origin)
                                .at(Location::path(folder))
                        });
                    }
                    segments.push(segment);
                }
                Err(error) => {
                    ok = false;
                    let folder = join_display(app_display, &source.folders[..=index]);
                    bad_folders.entry(folder.clone()).or_insert_with(|| {
                        messages::bad_segment(&folder, name, &error).at(Location::path(folder))
                    });
                }
            }
        }
        if !ok {
            continue;
        }
        let mut file_parts = source.folders.clone();
        file_parts.push(source.kind().file_name().to_string());
        let display = join_display(app_display, &file_parts);
        match source.contents {
            Contents::Route(analysis) => table.routes.push(Route {
                display,
                middlewares: Vec::new(),
                folders: source.folders,
                segments,
                path: source.path,
                analysis,
            }),
            Contents::Middleware(MiddlewareAnalysis { security }) => {
                table.middlewares.push(Middleware {
                    display,
                    folders: source.folders,
                    segments,
                    path: source.path,
                    wraps: 0,
                    security,
                })
            }
            Contents::Proxy(ProxyAnalysis { has_proxy, matcher }) => {
                if !source.folders.is_empty() {
                    diagnostics.push(
                        messages::misplaced_proxy(&display, app_display)
                            .at(Location::path(&display)),
                    );
                } else if has_proxy {
                    table.proxy = Some(ProxyFile {
                        display,
                        path: source.path,
                        matcher,
                    });
                }
            }
        }
    }
    table.routes.sort_by(|a, b| {
        a.priority_key()
            .cmp(&b.priority_key())
            .then_with(|| a.display.cmp(&b.display))
    });
    // Outer folders first, so that each route lists its middleware outermost first.
    table
        .middlewares
        .sort_by(|a, b| (a.folders.len(), &a.folders).cmp(&(b.folders.len(), &b.folders)));
    for route in &mut table.routes {
        for (index, middleware) in table.middlewares.iter_mut().enumerate() {
            if route.folders.starts_with(&middleware.folders) {
                route.middlewares.push(index);
                if route.is_routed() {
                    middleware.wraps += 1;
                }
            }
        }
    }
    for diagnostic in bad_folders
        .into_values()
        .chain(foreign_folders.into_values())
    {
        diagnostics.push(diagnostic);
    }
    table
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A route file below `folders` that exports `GET`.
    pub(crate) fn source(folders: &str) -> ReadFile {
        ReadFile {
            folders: folders
                .split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            path: PathBuf::from(format!("/abs/app/{folders}/route.rs")),
            contents: Contents::Route(RouteFileAnalysis {
                methods: vec![Method::Get],
                ..Default::default()
            }),
        }
    }

    pub(crate) fn middleware(folders: &str) -> ReadFile {
        ReadFile {
            contents: Contents::Middleware(MiddlewareAnalysis::default()),
            ..source(folders)
        }
    }

    /// A `middleware.rs` below `folders` that exports `pub const SECURITY`.
    pub(crate) fn security_middleware(folders: &str) -> ReadFile {
        ReadFile {
            contents: Contents::Middleware(MiddlewareAnalysis { security: true }),
            ..source(folders)
        }
    }

    /// The table of `files`, which must all be valid.
    pub(crate) fn table(files: Vec<ReadFile>) -> RouteTable {
        let mut diagnostics = Diagnostics::default();
        let table = build(files, "app", &mut diagnostics);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        table
    }

    fn routes(folders: &[&str]) -> Vec<Route> {
        table(folders.iter().map(|f| source(f)).collect()).routes
    }

    #[test]
    fn axum_paths_follow_the_conventions() {
        let cases = [
            ("", vec!["/"]),
            ("api", vec!["/api"]),
            ("api/users/[id]", vec!["/api/users/{id}"]),
            ("api/(admin)/stats", vec!["/api/stats"]),
            ("docs/[...slug]", vec!["/docs/{*slug}"]),
            ("shop/[[...slug]]", vec!["/shop", "/shop/{*slug}"]),
            ("[[...all]]", vec!["/", "/{*all}"]),
            ("api/caf%C3%A9/v1.0", vec!["/api/caf%C3%A9/v1.0"]),
        ];
        for (folders, expected) in cases {
            assert_eq!(routes(&[folders])[0].axum_paths(), expected, "{folders}");
        }
    }

    #[test]
    fn routes_come_in_priority_order() {
        let sorted = routes(&[
            "api/users/[[...rest]]",
            "api/users/[id]",
            "api/(x)/users/me",
            "api/users",
            "api/users/[id]/posts",
            "api",
        ]);
        let displays: Vec<_> = sorted.iter().map(|r| r.display.as_str()).collect();
        assert_eq!(
            displays,
            [
                "app/api/route.rs",
                "app/api/users/route.rs",
                "app/api/(x)/users/me/route.rs",
                "app/api/users/[id]/route.rs",
                "app/api/users/[id]/posts/route.rs",
                "app/api/users/[[...rest]]/route.rs",
            ]
        );
    }

    #[test]
    fn middleware_wraps_its_subtree_outermost_first() {
        let tree = table(vec![
            source("api/(auth)/users"),
            source("api/public"),
            middleware("api/(auth)"),
            middleware("api"),
            middleware(""),
            middleware("api/(auth)/users"),
            middleware("other"),
        ]);
        let chains: Vec<(&str, Vec<&str>)> = tree
            .routes
            .iter()
            .map(|r| {
                (
                    r.display.as_str(),
                    r.middlewares
                        .iter()
                        .map(|&m| tree.middlewares[m].display.as_str())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            chains,
            [
                (
                    "app/api/public/route.rs",
                    vec!["app/middleware.rs", "app/api/middleware.rs"]
                ),
                (
                    "app/api/(auth)/users/route.rs",
                    vec![
                        "app/middleware.rs",
                        "app/api/middleware.rs",
                        "app/api/(auth)/middleware.rs",
                        "app/api/(auth)/users/middleware.rs"
                    ]
                ),
            ]
        );
        let unused: Vec<&str> = tree
            .middlewares
            .iter()
            .filter(|m| m.wraps == 0)
            .map(|m| m.display.as_str())
            .collect();
        assert_eq!(unused, ["app/other/middleware.rs"]);
    }

    #[test]
    fn the_innermost_middleware_declaring_security_wins() {
        let tree = table(vec![
            source("api/(auth)/users/[id]"),
            source("api/public"),
            source("other"),
            security_middleware("api"),
            middleware("api/(auth)"),
            security_middleware("api/(auth)/users"),
            middleware("api/(auth)/users/[id]"),
        ]);
        let security: Vec<(&str, Option<&str>)> = tree
            .routes
            .iter()
            .map(|route| {
                (
                    route.display.as_str(),
                    route
                        .security_middleware(&tree)
                        .map(|m| tree.middlewares[m].display.as_str()),
                )
            })
            .collect();
        assert_eq!(
            security,
            [
                ("app/api/public/route.rs", Some("app/api/middleware.rs")),
                (
                    "app/api/(auth)/users/[id]/route.rs",
                    Some("app/api/(auth)/users/middleware.rs")
                ),
                ("app/other/route.rs", None),
            ]
        );
    }

    #[test]
    fn url_patterns_hold_the_url_segments() {
        let routes = routes(&["api/(g)/shop/[[...slug]]", "api/users/[id]"]);
        let patterns: Vec<Vec<String>> = routes
            .iter()
            .map(|route| {
                route
                    .url_patterns()
                    .iter()
                    .map(|pattern| format!("{:?}", pattern.segments))
                    .collect()
            })
            .collect();
        assert_eq!(
            patterns,
            [
                vec![
                    r#"[Static("api"), Static("shop")]"#.to_string(),
                    r#"[Static("api"), Static("shop"), OptionalCatchAll("slug")]"#.to_string()
                ],
                vec![r#"[Static("api"), Static("users"), Dynamic("id")]"#.to_string()],
            ]
        );
    }

    #[test]
    fn a_bad_folder_is_reported_once_however_many_files_are_below_it() {
        let mut diagnostics = Diagnostics::default();
        let tree = build(
            vec![source("api/[id"), source("api/[id/a"), source("api/ok")],
            "app",
            &mut diagnostics,
        );
        assert_eq!(tree.routes.len(), 1);
        let errors = diagnostics.into_sorted();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].locations[0].path, "app/api/[id");
    }
}
