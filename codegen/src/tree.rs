//! Route files → routes: parsed segments, URL patterns, module names, priority order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Location};
use crate::messages;
use crate::route_file::{Method, RouteFileAnalysis};
use crate::segment::{Segment, parse_segment};

/// A route file before its folders are parsed.
#[derive(Debug, Clone)]
pub struct RouteSource {
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
/// order with unique module names, and one error per bad folder (however many files are
/// below it).
pub fn build_routes(sources: Vec<RouteSource>, app_display: &str) -> (Vec<Route>, Vec<Diagnostic>) {
    let mut bad_folders = BTreeMap::new();
    let mut routes = Vec::new();
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
        file_parts.push(crate::scan::ROUTE_FILE.to_string());
        routes.push(Route {
            display: join_display(app_display, &file_parts),
            module: String::new(),
            folders: source.folders,
            segments,
            path: source.path,
            analysis: source.analysis,
        });
    }
    routes.sort_by(|a, b| {
        a.priority_key()
            .cmp(&b.priority_key())
            .then_with(|| a.display.cmp(&b.display))
    });
    assign_module_names(&mut routes);
    (routes, bad_folders.into_values().collect())
}

/// Names the generated code uses itself, in the module namespace.
const RESERVED_MODULES: &[&str] = &["rt"];

/// `api/users/[id]` → `api_users_id`; made unique by a numeric suffix in priority order.
fn assign_module_names(routes: &mut [Route]) {
    let mut taken: BTreeSet<String> = RESERVED_MODULES.iter().map(|s| s.to_string()).collect();
    for route in routes.iter_mut() {
        let base = module_base_name(&route.segments);
        let mut name = base.clone();
        let mut counter = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}_{counter}");
            counter += 1;
        }
        route.module = name;
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
            folders: folders
                .split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            path: PathBuf::from(format!("/abs/app/{folders}/route.rs")),
            analysis: RouteFileAnalysis {
                methods: vec![Method::Get],
                parsed: true,
                diagnostics: vec![],
            },
        }
    }

    fn routes(folders: &[&str]) -> Vec<Route> {
        let (routes, errors) = build_routes(folders.iter().map(|f| source(f)).collect(), "app");
        assert!(errors.is_empty(), "{errors:?}");
        routes
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
    fn a_bad_folder_is_reported_once_however_many_files_are_below_it() {
        let (routes, errors) = build_routes(
            vec![source("api/[id"), source("api/[id/a"), source("api/ok")],
            "app",
        );
        assert_eq!(routes.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].locations[0].path, "app/api/[id");
    }
}
