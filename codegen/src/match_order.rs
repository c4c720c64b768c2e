//! Next.js's matching order on axum's router.
//!
//! Next.js sorts routes segment by segment (static, then `[param]`, then `[...rest]`,
//! then `[[...rest]]`) and answers with the first that matches the whole path, so
//! `/docs/a` goes to `docs/[id]` and `/docs/a/b` to `docs/[...slug]` beside it. axum's
//! router (matchit) matches in the same order, static before parameter before catch-all,
//! backtracking when a branch fails, but refuses a parameter and a catch-all at the same
//! place. So the routes are split into tiers: the generated router tries one tier, and
//! only when no route there matches the path, the next (`fsroute::routing::finish_in_order`).
//!
//! A route goes to the first tier that keeps Next.js's order: above every earlier route
//! it cannot sit beside, and not above any earlier route that can match the same path
//! (else a later route would answer a path an earlier one should). Most apps have one
//! tier; each pair of a `[param]` and a catch-all at one place adds at most one.

use crate::routes::{Route, UrlPattern};
use crate::segment::Segment;

/// The tier of each route, in the order given (Next.js's order: [`Route`]s as the route
/// table sorts them). Tier 0 is tried first.
pub fn tiers(routes: &[&Route]) -> Vec<usize> {
    let patterns: Vec<Vec<Vec<Kind<'_>>>> = routes
        .iter()
        .map(|route| route.url_patterns().iter().map(kinds).collect())
        .collect();
    // Only a pair with a catch-all can be refused, and only an earlier route in a later
    // tier can push a route down past tier 0 by overlapping it: each route is compared
    // with those earlier routes only (few in any tree), not with every earlier one.
    let has_rest: Vec<bool> = patterns
        .iter()
        .map(|route| {
            route
                .iter()
                .any(|pattern| pattern.last() == Some(&Kind::Rest))
        })
        .collect();
    let mut tiers: Vec<usize> = Vec::with_capacity(routes.len());
    let mut with_rest: Vec<usize> = Vec::new();
    let mut demoted: Vec<usize> = Vec::new();
    for (later, its_patterns) in patterns.iter().enumerate() {
        let mut tier = 0;
        let candidates: Box<dyn Iterator<Item = usize>> = if has_rest[later] {
            Box::new(0..later)
        } else {
            Box::new(with_rest.iter().chain(&demoted).copied())
        };
        for earlier in candidates {
            let earlier_patterns = &patterns[earlier];
            let pairs = || {
                earlier_patterns
                    .iter()
                    .flat_map(|a| its_patterns.iter().map(move |b| (a, b)))
            };
            if (has_rest[earlier] || has_rest[later])
                && tiers[earlier] + 1 > tier
                && pairs().any(|(a, b)| cannot_sit_beside(a, b))
            {
                tier = tiers[earlier] + 1;
            } else if tiers[earlier] > tier && pairs().any(|(a, b)| can_match_the_same_path(a, b)) {
                tier = tiers[earlier];
            }
        }
        if has_rest[later] {
            with_rest.push(later);
        }
        if tier > 0 {
            demoted.push(later);
        }
        tiers.push(tier);
    }
    tiers
}

/// What a segment of a URL pattern matches. In a pattern, an optional catch-all is the
/// second of its route's two patterns, where it stands for one or more segments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    Static(&'a str),
    Param,
    Rest,
}

fn kinds<'a>(pattern: &UrlPattern<'a>) -> Vec<Kind<'a>> {
    pattern
        .segments
        .iter()
        .map(|segment| match segment {
            Segment::Static(text) => Kind::Static(text),
            Segment::Dynamic(_) => Kind::Param,
            Segment::CatchAll(_) | Segment::OptionalCatchAll(_) => Kind::Rest,
            Segment::Group(_) => unreachable!("patterns hold URL segments only"),
        })
        .collect()
}

/// matchit refuses the pair: after the same prefix, a parameter in one and a catch-all
/// in the other. (A static segment may sit beside either.)
fn cannot_sit_beside(a: &[Kind<'_>], b: &[Kind<'_>]) -> bool {
    for (a, b) in a.iter().zip(b) {
        match (*a, *b) {
            (Kind::Static(x), Kind::Static(y)) if x == y => continue,
            (Kind::Param, Kind::Param) => continue,
            (Kind::Param, Kind::Rest) | (Kind::Rest, Kind::Param) => return true,
            _ => return false,
        }
    }
    false
}

/// Some path matches both: every place both fix agrees, and their lengths can meet.
fn can_match_the_same_path(a: &[Kind<'_>], b: &[Kind<'_>]) -> bool {
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (Kind::Rest, _) | (_, Kind::Rest) => break,
            (Kind::Static(x), Kind::Static(y)) if x != y => return false,
            _ => {}
        }
    }
    // A pattern ending in a catch-all matches its length or more segments; any other,
    // exactly its length.
    let lengths = |kinds: &[Kind<'_>]| match kinds.last() {
        Some(Kind::Rest) => (kinds.len(), usize::MAX),
        _ => (kinds.len(), kinds.len()),
    };
    let ((a_min, a_max), (b_min, b_max)) = (lengths(a), lengths(b));
    a_min.max(b_min) <= a_max.min(b_max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::tests::{source, table};

    /// Each route file's folder (below `app/`) with its tier, in Next.js's order.
    fn tiers_of(folders: &[&str]) -> Vec<(String, usize)> {
        let table = table(folders.iter().map(|f| source(f)).collect());
        let routes: Vec<&Route> = table.routes.iter().collect();
        let tiers = tiers(&routes);
        routes
            .iter()
            .zip(tiers)
            .map(|(route, tier)| (route.folders.join("/"), tier))
            .collect()
    }

    fn tier(found: &[(String, usize)], folder: &str) -> usize {
        found
            .iter()
            .find(|(f, _)| f == folder)
            .unwrap_or_else(|| panic!("{folder} not in {found:?}"))
            .1
    }

    #[test]
    fn an_app_without_a_parameter_beside_a_catch_all_has_one_tier() {
        let found = tiers_of(&[
            "api/users",
            "api/users/[id]",
            "api/users/[id]/orders",
            "api/docs/[...slug]",
            "api/shop/[[...path]]",
            "api/[...rest]",
            "api/about",
        ]);
        assert!(found.iter().all(|(_, tier)| *tier == 0), "{found:?}");
    }

    #[test]
    fn a_catch_all_beside_a_parameter_is_matched_after_it() {
        let found = tiers_of(&["docs/[id]", "docs/[...slug]", "docs/intro"]);
        assert_eq!(tier(&found, "docs/intro"), 0);
        assert_eq!(tier(&found, "docs/[id]"), 0);
        assert_eq!(tier(&found, "docs/[...slug]"), 1);
        let found = tiers_of(&["docs/[id]/edit", "docs/[[...slug]]"]);
        assert_eq!(tier(&found, "docs/[id]/edit"), 0);
        assert_eq!(tier(&found, "docs/[[...slug]]"), 1);
    }

    #[test]
    fn a_later_route_that_can_match_the_same_path_waits_for_the_earlier_one() {
        // `/docs/a/b`: `docs/[...slug]` (static `docs` first) before `[x]/[...rest]`, so
        // the second may not sit in the tier tried before the first.
        let found = tiers_of(&["docs/[id]", "docs/[...slug]", "[x]/[...rest]"]);
        assert_eq!(tier(&found, "docs/[...slug]"), 1);
        assert_eq!(tier(&found, "[x]/[...rest]"), 1);
        // A route no path shares with the demoted one stays in the first tier.
        let found = tiers_of(&["docs/[id]", "docs/[...slug]", "blog/[...slug]"]);
        assert_eq!(tier(&found, "blog/[...slug]"), 0);
    }

    #[test]
    fn nested_pairs_take_one_tier_each() {
        let found = tiers_of(&["a/[x]/[y]", "a/[x]/[...r]", "a/[...s]"]);
        assert_eq!(tier(&found, "a/[x]/[y]"), 0);
        assert_eq!(tier(&found, "a/[x]/[...r]"), 1);
        assert_eq!(tier(&found, "a/[...s]"), 2);
    }

    #[test]
    fn groups_do_not_count() {
        let found = tiers_of(&["docs/(a)/[id]", "(b)/docs/[...slug]"]);
        assert_eq!(tier(&found, "(b)/docs/[...slug]"), 1);
    }

    /// The route Next.js answers `path` with: the first in its order that matches.
    fn next_js_answer(routes: &[&Route], path: &[&str]) -> Option<usize> {
        routes.iter().position(|route| {
            route
                .url_patterns()
                .iter()
                .any(|pattern| pattern_matches(pattern, path))
        })
    }

    fn pattern_matches(pattern: &UrlPattern<'_>, path: &[&str]) -> bool {
        for (index, segment) in pattern.segments.iter().enumerate() {
            match segment {
                Segment::Static(text) => {
                    if path.get(index) != Some(&text.as_str()) {
                        return false;
                    }
                }
                Segment::Dynamic(_) => {
                    if path.get(index).is_none() {
                        return false;
                    }
                }
                // In a pattern an optional catch-all stands for one or more segments.
                Segment::CatchAll(_) | Segment::OptionalCatchAll(_) => return path.len() > index,
                Segment::Group(_) => unreachable!(),
            }
        }
        path.len() == pattern.segments.len()
    }

    /// The route the generated router answers `path` with: one matchit router per tier,
    /// as axum builds them (an insertion error would be a panic when the app starts),
    /// tried in order.
    fn tiered_answer(routes: &[&Route], tiers: &[usize], path: &[&str]) -> Option<usize> {
        let highest = tiers.iter().copied().max().unwrap_or(0);
        let url = format!("/{}", path.join("/"));
        for tier in 0..=highest {
            let mut router = matchit::Router::new();
            for (index, route) in routes.iter().enumerate() {
                if tiers[index] != tier {
                    continue;
                }
                for pattern in route.url_patterns() {
                    let axum_path = pattern.axum_path();
                    if let Err(refused) = router.insert(axum_path.clone(), index) {
                        panic!("tier {tier} cannot hold {axum_path}: {refused}");
                    }
                }
            }
            if let Ok(found) = router.at(&url) {
                return Some(*found.value);
            }
        }
        None
    }

    /// A route file's folders: up to three of `a`, `b`, `[id]`, `(g)`, then a last one
    /// that may also be a catch-all (one below a catch-all is refused anyway).
    fn route_folders() -> impl Strategy<Value = String> {
        let inner = prop::sample::select(&["a", "b", "[id]", "(g)"][..]);
        let last = prop::sample::select(&["a", "b", "[id]", "[...slug]", "[[...opt]]"][..]);
        (prop::collection::vec(inner, 0..4), last).prop_map(|(mut folders, last)| {
            folders.push(last);
            folders.join("/")
        })
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            max_global_rejects: 20_000,
            ..ProptestConfig::default()
        })]

        /// Any valid tree: every tier holds together in axum's router, and every path gets
        /// the route Next.js would answer it with.
        #[test]
        fn tiers_match_in_next_js_order(
            files in prop::collection::btree_set(route_folders(), 1..8),
            paths in prop::collection::vec(
                prop::collection::vec(prop::sample::select(&["a", "b", "c"][..]), 0..5),
                20,
            ),
        ) {
            let folders: Vec<String> = files.into_iter().collect();
            let table = table(folders.iter().map(|f| source(f)).collect());
            let mut problems = crate::diagnostic::Diagnostics::default();
            crate::validate::validate(&table, "app", &mut problems);
            prop_assume!(problems.as_slice().is_empty() && table.routes.len() == folders.len());
            let routes: Vec<&Route> = table.routes.iter().collect();
            let tiers = tiers(&routes);
            for path in &paths {
                prop_assert_eq!(
                    tiered_answer(&routes, &tiers, path),
                    next_js_answer(&routes, path),
                    "path /{} in {:?} with tiers {:?}",
                    path.join("/"),
                    routes.iter().map(|r| r.folders.join("/")).collect::<Vec<_>>(),
                    tiers
                );
            }
        }
    }
}
