//! `app/proxy.rs`: a function that sees every request before routing, as Next.js 16's
//! `proxy.ts` (formerly `middleware.ts`) does. It may answer, redirect, add headers, or
//! rewrite the URL that routing then sees. `MATCHER` limits it to some paths.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use futures_util::future::Either;
use tower::{Layer, Service, ServiceExt};

/// Path patterns in the syntax of Next.js's `config.matcher`, for the few forms route
/// handlers need: a literal path (`/about`), a named segment (`/users/:id`), an optional
/// one (`/users/:id?`), and a named rest of zero or more (`/docs/:path*`) or one or more
/// (`/docs/:path+`) segments, only at the end. A path matches when one pattern matches
/// it.
///
/// ```
/// use fsroute::routing::PathMatcher;
///
/// let matcher = PathMatcher::new(&["/api/v1/:path*", "/legacy"]).unwrap();
/// assert!(matcher.matches("/api/v1"));
/// assert!(matcher.matches("/api/v1/users/7"));
/// assert!(matcher.matches("/legacy"));
/// assert!(!matcher.matches("/api/v2/users"));
/// assert!(!matcher.matches("/legacy/x"));
/// ```
#[derive(Debug, Clone)]
pub struct PathMatcher {
    patterns: Vec<Vec<Part>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// `:name`: one segment; `:name?`: one or none (only last).
    Segment {
        optional: bool,
    },
    /// `:name*` (zero or more segments) or `:name+` (one or more), only last.
    Rest {
        at_least_one: bool,
    },
}

impl PathMatcher {
    /// Parses the patterns; the error names the pattern and what is wrong with it. The
    /// generator checks `MATCHER` with the same rules, so a generated router never meets
    /// the error.
    pub fn new(patterns: &[&str]) -> Result<PathMatcher, String> {
        let patterns = patterns
            .iter()
            .map(|pattern| parse(pattern).map_err(|why| format!("matcher `{pattern}`: {why}")))
            .collect::<Result<_, _>>()?;
        Ok(PathMatcher { patterns })
    }

    pub fn matches(&self, path: &str) -> bool {
        let segments: Vec<&str> = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        self.patterns
            .iter()
            .any(|pattern| pattern_matches(pattern, &segments))
    }
}

fn parse(pattern: &str) -> Result<Vec<Part>, String> {
    let rest = pattern
        .strip_prefix('/')
        .ok_or("a pattern starts with `/`")?;
    let texts: Vec<&str> = rest.split('/').filter(|text| !text.is_empty()).collect();
    let mut parts = Vec::with_capacity(texts.len());
    for (index, text) in texts.iter().enumerate() {
        let last = index + 1 == texts.len();
        let part = match text.strip_prefix(':') {
            Some(name) => {
                let (name, modifier) = match name.char_indices().last() {
                    Some((at, modifier @ ('?' | '*' | '+'))) => (&name[..at], Some(modifier)),
                    _ => (name, None),
                };
                let is_name =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !is_name {
                    return Err(format!(
                        "`:{name}` is not a parameter name (letters, digits and `_`)"
                    ));
                }
                if modifier.is_some() && !last {
                    return Err(format!("`{text}` may only be the last segment"));
                }
                match modifier {
                    None => Part::Segment { optional: false },
                    Some('?') => Part::Segment { optional: true },
                    Some('*') => Part::Rest {
                        at_least_one: false,
                    },
                    Some(_) => Part::Rest { at_least_one: true },
                }
            }
            None => {
                if text.contains(['(', ')', '*', '+', '?', ':', '{', '}']) {
                    return Err(format!(
                        "`{text}`: regular expressions and wildcards are not supported; \
                         use `:name`, `:name?`, `:name*` or `:name+`"
                    ));
                }
                Part::Literal((*text).to_string())
            }
        };
        parts.push(part);
    }
    Ok(parts)
}

fn pattern_matches(pattern: &[Part], segments: &[&str]) -> bool {
    for (index, part) in pattern.iter().enumerate() {
        match part {
            Part::Literal(text) => {
                if segments.get(index) != Some(&text.as_str()) {
                    return false;
                }
            }
            Part::Segment { optional } => {
                if segments.get(index).is_none() {
                    return *optional && segments.len() == index;
                }
            }
            Part::Rest { at_least_one } => return segments.len() > index || !at_least_one,
        }
    }
    segments.len() == pattern.len()
}

/// The proxy of a generated router: a layer made from `app/proxy.rs`'s `proxy` function
/// (as `rt::middleware` makes one), and the paths it runs for.
pub struct Proxy<L> {
    layer: L,
    matcher: Option<PathMatcher>,
}

impl<L> Proxy<L> {
    /// Runs for every request.
    pub fn everywhere(layer: L) -> Proxy<L> {
        Proxy {
            layer,
            matcher: None,
        }
    }

    /// Runs for the paths `MATCHER` matches; the others go straight to routing.
    ///
    /// # Panics
    ///
    /// When a pattern is not one [`PathMatcher`] reads, when the router is built.
    pub fn matching(layer: L, matcher: &[&str]) -> Proxy<L> {
        let matcher = PathMatcher::new(matcher).unwrap_or_else(|error| panic!("{error}"));
        Proxy {
            layer,
            matcher: Some(matcher),
        }
    }
}

/// [`finish_in_order`](super::finish_in_order) with `proxy` in front of routing: it sees
/// each request (where its matcher matches) before any route is chosen, 404s included,
/// and routing sees the request as it passes it on, rewritten URL and all. The JSON
/// error layer and the panic catcher wrap it too.
pub fn finish_with_proxy<S, L>(
    tiers: impl IntoIterator<Item = Router<S>>,
    proxy: Proxy<L>,
    state: S,
) -> Router
where
    S: Clone + Send + Sync + 'static,
    L: Layer<Router>,
    L::Service:
        Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    <L::Service as Service<Request>>::Future: Send + 'static,
{
    // Every tier records its route: the request span is made in front of the proxy.
    let routing = super::fallback::routed_in_order(tiers, state, super::fallback::Behind::Proxy);
    let service = ProxyService {
        proxied: proxy.layer.layer(routing.clone()),
        routing,
        matcher: proxy.matcher,
    };
    Router::new()
        .fallback_service(service)
        .layer(crate::layers::JsonErrorsWithCacheLayer {
            cache: crate::cache::Cache::memory(),
        })
        .layer(crate::layers::catch_panic())
}

#[derive(Clone)]
struct ProxyService<P> {
    proxied: P,
    routing: Router,
    matcher: Option<PathMatcher>,
}

impl<P> Service<Request> for ProxyService<P>
where
    P: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<tower::util::Oneshot<P, Request>, tower::util::Oneshot<Router, Request>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Both are cloned per request below, and a clone is ready when called.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let runs = self
            .matcher
            .as_ref()
            .is_none_or(|matcher| matcher.matches(request.uri().path()));
        if runs {
            Either::Left(self.proxied.clone().oneshot(request))
        } else {
            Either::Right(self.routing.clone().oneshot(request))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(patterns: &[&str], path: &str) -> bool {
        PathMatcher::new(patterns).unwrap().matches(path)
    }

    #[test]
    fn patterns_match_as_next_js_matchers_do() {
        assert!(matches(&["/about"], "/about"));
        assert!(!matches(&["/about"], "/about/team"));
        assert!(matches(&["/users/:id"], "/users/7"));
        assert!(!matches(&["/users/:id"], "/users"));
        assert!(matches(&["/users/:id?"], "/users"));
        assert!(matches(&["/users/:id?"], "/users/7"));
        assert!(!matches(&["/users/:id?"], "/users/7/x"));
        assert!(matches(&["/docs/:path*"], "/docs"));
        assert!(matches(&["/docs/:path*"], "/docs/a/b"));
        assert!(!matches(&["/docs/:path+"], "/docs"));
        assert!(matches(&["/docs/:path+"], "/docs/a/b"));
        assert!(matches(&["/:path*"], "/"));
        assert!(matches(&["/a", "/b/:x"], "/b/1"));
        assert!(!matches(&[], "/a"));
    }

    #[test]
    fn unsupported_patterns_are_refused_naming_them() {
        for (pattern, says) in [
            ("api", "starts with `/`"),
            ("/((?!api).*)", "regular expressions"),
            ("/docs/:path*/edit", "only be the last segment"),
            ("/x/:", "not a parameter name"),
            ("/x/*", "regular expressions and wildcards"),
        ] {
            let error = PathMatcher::new(&[pattern]).unwrap_err();
            assert!(error.contains(pattern) && error.contains(says), "{error}");
        }
    }
}
