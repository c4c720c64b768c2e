//! Every conflict that would make axum panic at start-up, or silently shadow a route,
//! becomes a build error here, naming every file or folder involved.
//!
//! The rules are Next.js's route sorter's, checked after route groups are removed, because
//! two folders in different groups can still be one URL.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::messages;
use crate::naming;
use crate::routes::{Route, RouteTable};
use crate::segment::Segment;

pub fn validate(table: &RouteTable, app_display: &str, diagnostics: &mut Diagnostics) {
    let routes = &table.routes;
    for middleware in &table.middlewares {
        if middleware.wraps == 0 {
            diagnostics.push(
                messages::unused_middleware(&middleware.display)
                    .at(Location::path(&middleware.display)),
            );
        }
    }
    for route in routes {
        check_catch_all_is_last(route, app_display, diagnostics);
        check_repeated_params(route, app_display, diagnostics);
    }
    check_siblings(routes, app_display, diagnostics);
    check_one_file_per_url(routes, diagnostics);
    check_names(routes, diagnostics);
}

/// Indices into `route.segments` of the segments that are in the URL.
fn url_indices(route: &Route) -> impl Iterator<Item = usize> + '_ {
    route
        .segments
        .iter()
        .enumerate()
        .filter(|(_, segment)| !matches!(segment, Segment::Group(_)))
        .map(|(index, _)| index)
}

fn check_catch_all_is_last(route: &Route, app_display: &str, out: &mut Diagnostics) {
    let indices: Vec<usize> = url_indices(route).collect();
    if let Some(position) = indices[..indices.len().saturating_sub(1)]
        .iter()
        .position(|&index| route.segments[index].is_catch_all())
    {
        let folder = route.folder_display(app_display, indices[position]);
        out.push(
            messages::catch_all_not_last(&route.display, &folder)
                .at(Location::path(&route.display)),
        );
    }
}

fn check_repeated_params(route: &Route, app_display: &str, out: &mut Diagnostics) {
    let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (index, segment) in route.segments.iter().enumerate() {
        if let Some(name) = segment.param_name() {
            by_name
                .entry(name)
                .or_default()
                .push(route.folder_display(app_display, index));
        }
    }
    for (name, folders) in by_name {
        if folders.len() > 1 {
            out.push(
                messages::repeated_param(&route.display, name, &folders)
                    .at(Location::path(&route.display)),
            );
        }
    }
}

/// What sits at one place in the URL tree, keyed by the URL before it.
#[derive(Default)]
struct Position {
    /// Parameter name → the folders (with groups) that declare it, per kind of segment.
    dynamic: BTreeMap<String, BTreeSet<String>>,
    catch_all: BTreeMap<String, BTreeSet<String>>,
    optional: BTreeMap<String, BTreeSet<String>>,
}

/// The URL up to a segment with parameters anonymised, so that `[id]` under `(a)` and
/// `[slug]` under `(b)` land in the same position.
fn parent_key(route: &Route, upto: usize) -> Vec<String> {
    route.segments[..upto]
        .iter()
        .filter_map(|segment| match segment {
            Segment::Static(text) => Some(format!("s:{text}")),
            Segment::Dynamic(_) => Some("[]".to_string()),
            Segment::CatchAll(_) => Some("[...]".to_string()),
            Segment::OptionalCatchAll(_) => Some("[[...]]".to_string()),
            Segment::Group(_) => None,
        })
        .collect()
}

fn check_siblings(routes: &[Route], app_display: &str, out: &mut Diagnostics) {
    let mut positions: BTreeMap<Vec<String>, Position> = BTreeMap::new();
    for route in routes {
        for (index, segment) in route.segments.iter().enumerate() {
            let position = positions.entry(parent_key(route, index)).or_default();
            let (kind, name) = match segment {
                Segment::Dynamic(name) => (&mut position.dynamic, name),
                Segment::CatchAll(name) => (&mut position.catch_all, name),
                Segment::OptionalCatchAll(name) => (&mut position.optional, name),
                Segment::Static(_) | Segment::Group(_) => continue,
            };
            kind.entry(name.clone())
                .or_default()
                .insert(route.folder_display(app_display, index));
        }
    }
    for position in positions.values() {
        for kind in [&position.dynamic, &position.catch_all, &position.optional] {
            if kind.len() > 1 {
                let names: Vec<String> = kind.keys().cloned().collect();
                let folders: Vec<String> = kind.values().flatten().cloned().collect();
                out.push(folder_diagnostic(
                    messages::conflicting_param_names(&names, &folders),
                    &folders,
                ));
            }
        }
        if !position.catch_all.is_empty() && !position.optional.is_empty() {
            let folders: Vec<String> = position
                .catch_all
                .values()
                .chain(position.optional.values())
                .flatten()
                .cloned()
                .collect();
            out.push(folder_diagnostic(
                messages::catch_all_beside_optional(&folders),
                &folders,
            ));
        }
    }
}

fn folder_diagnostic(diagnostic: Diagnostic, folders: &[String]) -> Diagnostic {
    folders
        .iter()
        .fold(diagnostic, |d, folder| d.at(Location::path(folder)))
}

fn check_one_file_per_url(routes: &[Route], out: &mut Diagnostics) {
    let mut by_path: BTreeMap<String, Vec<&Route>> = BTreeMap::new();
    for route in routes {
        for path in route.axum_paths() {
            by_path.entry(path).or_default().push(route);
        }
    }
    for (url, claimants) in by_path {
        if claimants.len() < 2 {
            continue;
        }
        let optional: Vec<&&Route> = claimants
            .iter()
            .filter(|route| ends_in_optional_catch_all(route))
            .collect();
        let plain: Vec<&&Route> = claimants
            .iter()
            .filter(|route| !ends_in_optional_catch_all(route))
            .collect();
        // A file beside its own optional catch-all has a message of its own, saying why.
        if let ([file], [optional_file]) = (plain.as_slice(), optional.as_slice()) {
            out.push(
                messages::route_beside_optional_catch_all(
                    &url,
                    &file.display,
                    &optional_file.display,
                )
                .at(Location::path(&file.display))
                .at(Location::path(&optional_file.display)),
            );
            continue;
        }
        let files: Vec<String> = claimants
            .iter()
            .map(|route| route.display.clone())
            .collect();
        out.push(
            files
                .iter()
                .fold(messages::duplicate_route(&url, &files), |d, file| {
                    d.at(Location::path(file))
                }),
        );
    }
}

/// Two URLs must not get one operationId or one `href` function name (`v1.0` and `v10`
/// both give `getV10`). One error per set of URLs, listing every name they share. Two
/// files for one URL are `duplicate-route`'s to report, not this.
/// A URL pattern that has a name: its URL and its file.
type Claim<'a> = (&'a str, &'a str);
/// A name: whether it is an `href` function's (else an operationId), and the name.
type Name<'a> = (bool, &'a str);

fn check_names(routes: &[Route], out: &mut Diagnostics) {
    let named: Vec<(&Route, Vec<naming::PatternNames>)> = routes
        .iter()
        .filter(|route| route.is_routed())
        .map(|route| (route, naming::route_names(route)))
        .collect();
    // Hashed and borrowed: this runs over every route of every build.
    let mut claims: HashMap<Name<'_>, Vec<Claim<'_>>> = HashMap::new();
    for (route, patterns) in &named {
        for names in patterns {
            let claim = (names.axum_path.as_str(), route.display.as_str());
            for (_, id) in &names.operation_ids {
                claims.entry((false, id)).or_default().push(claim);
            }
            claims.entry((true, &names.href)).or_default().push(claim);
        }
    }
    let mut collisions: BTreeMap<Vec<Claim<'_>>, Vec<Name<'_>>> = BTreeMap::new();
    for (name, mut urls) in claims {
        urls.sort_unstable();
        urls.dedup_by_key(|(url, _)| *url);
        if urls.len() > 1 {
            collisions.entry(urls).or_default().push(name);
        }
    }
    for (urls, mut names) in collisions {
        names.sort_unstable();
        let names: Vec<String> = names
            .into_iter()
            .map(|(is_href, name)| {
                if is_href {
                    format!("`routes::href` function `{name}`")
                } else {
                    format!("operationId `{name}`")
                }
            })
            .collect();
        let diagnostic = messages::colliding_names(&urls, &names);
        out.push(
            urls.iter()
                .fold(diagnostic, |d, (_, file)| d.at(Location::path(*file))),
        );
    }
}

fn ends_in_optional_catch_all(route: &Route) -> bool {
    matches!(
        route.url_segments().last(),
        Some(Segment::OptionalCatchAll(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::tests::{source, table};

    fn check(folders: &[&str]) -> Vec<Diagnostic> {
        let table = table(folders.iter().map(|f| source(f)).collect());
        let mut diagnostics = Diagnostics::default();
        validate(&table, "app", &mut diagnostics);
        diagnostics.as_slice().to_vec()
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_valid_tree_has_no_errors() {
        let d = check(&[
            "api",
            "api/users",
            "api/users/me",
            "api/users/[id]",
            "api/users/[id]/orders/[orderId]",
            "api/(admin)/stats",
            "api/(admin)/users/[id]/ban",
            "api/docs/[...slug]",
            "api/shop/[[...path]]",
            "api/[...rest]",
            "api/about",
        ]);
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn sibling_params_with_different_names_through_groups() {
        let d = check(&["api/(a)/[id]", "api/(b)/[slug]"]);
        assert_eq!(codes(&d), ["conflicting-param-names"]);
        let paths: Vec<_> = d[0].locations.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(paths, ["app/api/(a)/[id]", "app/api/(b)/[slug]"]);
    }

    #[test]
    fn two_files_for_one_url() {
        let d = check(&["api/(a)/users", "api/(b)/users", "api/users"]);
        assert_eq!(codes(&d), ["duplicate-route"]);
        assert_eq!(d[0].locations.len(), 3);
    }

    #[test]
    fn catch_all_rules() {
        assert_eq!(
            codes(&check(&["docs/[...slug]/edit"])),
            ["catch-all-not-last"]
        );
        assert_eq!(
            codes(&check(&["docs/[...a]", "docs/[[...b]]"])),
            ["catch-all-beside-optional"]
        );
        assert_eq!(
            codes(&check(&["shop", "shop/[[...slug]]"])),
            ["route-beside-optional-catch-all"]
        );
    }

    #[test]
    fn a_parameter_beside_a_catch_all_is_valid_as_in_next_js() {
        assert!(check(&["docs/[id]", "docs/[...slug]"]).is_empty());
        assert!(check(&["docs/(a)/[id]/x", "docs/(b)/[[...slug]]"]).is_empty());
    }

    #[test]
    fn urls_that_get_one_name() {
        let d = check(&["api/v1.0", "api/v10", "api/users", "api/(a)/Users"]);
        let lines: Vec<String> = d.iter().map(Diagnostic::render_line).collect();
        assert_eq!(
            lines,
            [
                "the URLs `/api/Users` (`app/api/(a)/Users/route.rs`) and `/api/users` \
                 (`app/api/users/route.rs`) get the same operationId `getUsers` and \
                 `routes::href` function `users`: names keep only the letters and digits of \
                 a URL; help: rename one of the folders so that the URLs differ in more than \
                 punctuation and letter case: operationIds in the OpenAPI document and \
                 `routes::href` functions need a name of their own",
                "the URLs `/api/v1.0` (`app/api/v1.0/route.rs`) and `/api/v10` \
                 (`app/api/v10/route.rs`) get the same operationId `getV10`: names keep only \
                 the letters and digits of a URL; help: rename one of the folders so that the \
                 URLs differ in more than punctuation and letter case: operationIds in the \
                 OpenAPI document and `routes::href` functions need a name of their own",
            ]
        );
        assert_eq!(d[0].locations.len(), 2);
        // Only the href name: `user_id` twice, `getUserId` and `getUserID`.
        let d = check(&["api/user-id", "api/user_id", "api/UserID"]);
        assert_eq!(codes(&d), ["colliding-names", "colliding-names"]);
        // One URL in two files is another error, not a name collision too.
        assert_eq!(
            codes(&check(&["api/(a)/x", "api/(b)/x"])),
            ["duplicate-route"]
        );
        // An optional catch-all's two URLs are two names.
        assert!(check(&["api/shop/[[...slug]]", "api/shop/x"]).is_empty());
    }

    #[test]
    fn repeated_parameter_names() {
        let d = check(&["users/[id]/friends/[id]"]);
        assert_eq!(codes(&d), ["repeated-param"]);
    }
}
