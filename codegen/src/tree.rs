//! Route files → routes: parsed segments, URL patterns, module names, priority order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Location};
use crate::messages;
use crate::route_file::{Method, RouteFileAnalysis};
use crate::scan::FileKind;
use crate::segment::{Segment, parse_segment};

/// A route or middleware file before its folders are parsed.
#[derive(Debug, Clone)]
pub struct RouteSource {
    pub kind: FileKind,
    /// Folder names from the app folder down to the file.
    pub folders: Vec<String>,
    /// Where the file is on disk, for `#[path]`.
    pub path: PathBuf,
    pub analysis: RouteFileAnalysis,
}

/// A route file whose folders all parsed.
#[derive(Debug, Clone)]
pub struct Route {
    pub folders: Vec<String>,
    pub segments: Vec<Segment>,
    pub path: PathBuf,
    pub analysis: RouteFileAnalysis,
    /// How users and diagnostics name the file (`app/api/users/[id]/route.rs`).
    pub display: String,
    /// The Rust module the file becomes in the generated code.
    pub module: String,
    /// Modules of the `middleware.rs` files that wrap this route, outermost first.
    pub middlewares: Vec<String>,
}

/// A `middleware.rs` whose folders all parsed.
#[derive(Debug, Clone)]
pub struct Middleware {
    pub folders: Vec<String>,
    pub path: PathBuf,
    pub display: String,
    pub module: String,
    /// How many routes it wraps; none is worth a warning.
    pub wraps: usize,
}

/// Routes in priority order and the middleware files that wrap them.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub routes: Vec<Route>,
    pub middlewares: Vec<Middleware>,
}

impl Route {
    /// The segments that appear in the URL (groups removed).
    pub fn url_segments(&self) -> impl Iterator<Item = &Segment> {
        self.segments
            .iter()
            .filter(|segment| !matches!(segment, Segment::Group(_)))
    }

    /// The axum paths this file answers: one, or two for an optional catch-all.
    pub fn axum_paths(&self) -> Vec<String> {
        let mut base = String::new();
        let mut optional = None;
        for segment in self.url_segments() {
            match segment.axum_segment() {
                Some(text) => {
                    base.push('/');
                    base.push_str(&text);
                }
                None => optional = segment.param_name(),
            }
        }
        let bare = if base.is_empty() {
            "/".to_string()
        } else {
            base.clone()
        };
        match optional {
            Some(name) => vec![bare, format!("{base}/{{*{name}}}")],
            None => vec![bare],
        }
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
/// order with unique module names, the middleware files with the routes they wrap, and one
/// error per bad folder (however many files are below it).
pub fn build_tree(sources: Vec<RouteSource>, app_display: &str) -> (Tree, Vec<Diagnostic>) {
    let mut bad_folders = BTreeMap::new();
    let mut tree = Tree::default();
    for source in sources {
        let mut segments = Vec::with_capacity(source.folders.len());
        let mut ok = true;
        for (index, name) in source.folders.iter().enumerate() {
            match parse_segment(name) {
                Ok(segment) => segments.push(segment),
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
        file_parts.push(source.kind.file_name().to_string());
        let display = join_display(app_display, &file_parts);
        match source.kind {
            FileKind::Route => tree.routes.push(Route {
                display,
                module: String::new(),
                middlewares: Vec::new(),
                folders: source.folders,
                segments,
                path: source.path,
                analysis: source.analysis,
            }),
            FileKind::Middleware => tree.middlewares.push(Middleware {
                display,
                module: String::new(),
                folders: source.folders,
                path: source.path,
                wraps: 0,
            }),
        }
    }
    tree.routes.sort_by(|a, b| {
        a.priority_key()
            .cmp(&b.priority_key())
            .then_with(|| a.display.cmp(&b.display))
    });
    // Outer folders first, so that each route lists its middleware outermost first.
    tree.middlewares
        .sort_by(|a, b| (a.folders.len(), &a.folders).cmp(&(b.folders.len(), &b.folders)));
    assign_module_names(&mut tree);
    for route in &mut tree.routes {
        for middleware in &mut tree.middlewares {
            if route.folders.starts_with(&middleware.folders) {
                route.middlewares.push(middleware.module.clone());
                if route.is_routed() {
                    middleware.wraps += 1;
                }
            }
        }
    }
    (tree, bad_folders.into_values().collect())
}

/// Names the generated code uses itself, in the module namespace.
const RESERVED_MODULES: &[&str] = &["rt"];

/// `api/users/[id]` → `api_users_id`, `api/(auth)/middleware.rs` → `api_auth_middleware`;
/// made unique by a numeric suffix, routes first in priority order.
fn assign_module_names(tree: &mut Tree) {
    let mut taken: BTreeSet<String> = RESERVED_MODULES.iter().map(|s| s.to_string()).collect();
    let mut unique = |base: String| {
        let mut name = base.clone();
        let mut counter = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}_{counter}");
            counter += 1;
        }
        name
    };
    for route in &mut tree.routes {
        route.module = unique(module_base_name(&route.segments));
    }
    for middleware in &mut tree.middlewares {
        let segments: Vec<Segment> = middleware
            .folders
            .iter()
            .filter_map(|name| parse_segment(name).ok())
            .collect();
        let base = if segments.is_empty() {
            "app_middleware".to_string()
        } else {
            format!("{}_middleware", module_base_name(&segments))
        };
        middleware.module = unique(base);
    }
}

fn module_base_name(segments: &[Segment]) -> String {
    let words: Vec<String> = segments
        .iter()
        .map(|segment| match segment {
            Segment::Static(text) | Segment::Group(text) => snake_case(text),
            Segment::Dynamic(name) | Segment::CatchAll(name) | Segment::OptionalCatchAll(name) => {
                snake_case(name)
            }
        })
        .filter(|word| !word.is_empty())
        .collect();
    let mut name = words.join("_");
    if name.is_empty() {
        name = "root".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "route_");
    }
    if is_keyword(&name) {
        name.push('_');
    }
    name
}

/// `orderId` → `order_id`, `v1.0` → `v1_0`, `café` → `caf`: ASCII snake case, everything
/// else a separator.
fn snake_case(text: &str) -> String {
    let mut out = String::new();
    let mut previous_lower_or_digit = false;
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower_or_digit {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower_or_digit = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower_or_digit = true;
        } else {
            out.push('_');
            previous_lower_or_digit = false;
        }
    }
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if !(c == '_' && (collapsed.is_empty() || collapsed.ends_with('_'))) {
            collapsed.push(c);
        }
    }
    collapsed.trim_end_matches('_').to_string()
}

fn is_keyword(name: &str) -> bool {
    // Strict, reserved and edition-2018+ keywords: none may name a module without `r#`,
    // and `self`, `super`, `crate` and `Self` may not even with it.
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "abstract", "become", "box", "break", "const", "continue", "crate",
        "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
        "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
        "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
        "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(folders: &str) -> RouteSource {
        RouteSource {
            kind: FileKind::Route,
            folders: folders
                .split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            path: PathBuf::from(format!("/abs/app/{folders}/route.rs")),
            analysis: RouteFileAnalysis {
                methods: vec![Method::Get],
                parsed: true,
                ..Default::default()
            },
        }
    }

    fn routes(folders: &[&str]) -> Vec<Route> {
        let (tree, errors) = build_tree(folders.iter().map(|f| source(f)).collect(), "app");
        assert!(errors.is_empty(), "{errors:?}");
        tree.routes
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
    fn module_names_compile_and_are_unique() {
        let r = routes(&[
            "",
            "type",
            "self",
            "crate",
            "match",
            "v1.0",
            "v1_0",
            "kebab-case",
            "2024",
            "rt",
            "users/[orderId]",
        ]);
        let names: Vec<_> = r.iter().map(|r| r.module.as_str()).collect();
        assert_eq!(
            names,
            [
                "root",
                "route_2024",
                "crate_",
                "kebab_case",
                "match_",
                "rt_2",
                "self_",
                "type_",
                "users_order_id",
                "v1_0",
                "v1_0_2"
            ]
        );
    }

    #[test]
    fn middleware_wraps_its_subtree_outermost_first() {
        let middleware = |folders: &str| RouteSource {
            kind: FileKind::Middleware,
            ..source(folders)
        };
        let (tree, errors) = build_tree(
            vec![
                source("api/(auth)/users"),
                source("api/public"),
                middleware("api/(auth)"),
                middleware("api"),
                middleware(""),
                middleware("api/(auth)/users"),
                middleware("other"),
            ],
            "app",
        );
        assert!(errors.is_empty());
        let chains: Vec<(&str, Vec<&str>)> = tree
            .routes
            .iter()
            .map(|r| {
                (
                    r.display.as_str(),
                    r.middlewares.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            chains,
            [
                (
                    "app/api/public/route.rs",
                    vec!["app_middleware", "api_middleware"]
                ),
                (
                    "app/api/(auth)/users/route.rs",
                    vec![
                        "app_middleware",
                        "api_middleware",
                        "api_auth_middleware",
                        "api_auth_users_middleware"
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
    fn a_bad_folder_is_reported_once_however_many_files_are_below_it() {
        let (tree, errors) = build_tree(
            vec![source("api/[id"), source("api/[id/a"), source("api/ok")],
            "app",
        );
        assert_eq!(tree.routes.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].locations[0].path, "app/api/[id");
    }
}
