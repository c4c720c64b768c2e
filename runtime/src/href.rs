//! Typed links: [`Href`], what the generated `routes::href` functions return.
//!
//! ```ignore
//! // One function per URL pattern, checked at compile time: a renamed folder is a build
//! // error wherever it is linked to.
//! let link = routes::href::users_by_id(42);                 // "/api/users/42"
//! let file = routes::href::files_by_path(["a b", "c.txt"]); // "/api/files/a%20b/c.txt"
//! Created::new(routes::href::posts_by_id(post.id), post)
//! ```
//!
//! Values are percent-encoded so that each one stays one segment: axum's `Path` decodes
//! them back to what was given (`a/b` → `a%2Fb` → `a/b`).

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// A link to a route: a path, already percent-encoded, and maybe a query.
///
/// Build one from a static prefix, then add the parameters; or use the generated
/// `routes::href` functions, which do exactly that.
///
/// ```
/// use fsroute::href::Href;
///
/// let link = Href::new("/api/users").segment("ada lovelace").literal("/posts");
/// assert_eq!(link, "/api/users/ada%20lovelace/posts");
///
/// let file = Href::new("/api/files").rest(["docs", "a/b.txt"]);
/// assert_eq!(file.as_str(), "/api/files/docs/a%2Fb.txt");
/// ```
///
/// An empty value gives an empty segment (`/api/users/`): no route matches it (axum
/// does not match an empty segment, and the trailing-slash redirect would send
/// `/api/users/` to `/api/users`), so check for empty values before linking. Likewise
/// `.` and `..` are kept as they are, and browsers resolve them away before sending.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Href {
    text: Cow<'static, str>,
}

/// Bytes kept as they are in a path segment: RFC 3986's `pchar` without `%`, that is
/// letters, digits, `-._~`, `!$&'()*+,;=`, `:` and `@`. Everything else is encoded,
/// `/`, `?`, `#`, `%` and spaces included, and every byte of a non-ASCII character.
fn is_segment_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte)
}

impl Href {
    /// A link to `path`, taken as it is: it must already be a valid, encoded path
    /// (`/api/users`). Static paths are not copied until something is added.
    pub fn new(path: impl Into<Cow<'static, str>>) -> Href {
        Href { text: path.into() }
    }

    /// Appends `/` and `value`, percent-encoded so that it is exactly one segment.
    ///
    /// ```
    /// # use fsroute::href::Href;
    /// assert_eq!(Href::new("/api/tags").segment("c#/c++?"), "/api/tags/c%23%2Fc++%3F");
    /// assert_eq!(Href::new("/api/users").segment(42), "/api/users/42");
    /// ```
    pub fn segment(mut self, value: impl fmt::Display) -> Href {
        let text = self.text.to_mut();
        text.push('/');
        push_encoded(text, &value.to_string());
        self
    }

    /// Appends each of `segments` as [`segment`](Self::segment) does: what a catch-all
    /// (`[...path]`) takes. None leaves the path as it is (`/` if it was empty).
    ///
    /// ```
    /// # use fsroute::href::Href;
    /// assert_eq!(Href::new("/docs").rest(["guide", "intro"]), "/docs/guide/intro");
    /// assert_eq!(Href::new("").rest(["a"]), "/a");
    /// assert_eq!(Href::new("").rest(Vec::<String>::new()), "/");
    /// ```
    pub fn rest<T: fmt::Display>(mut self, segments: impl IntoIterator<Item = T>) -> Href {
        for value in segments {
            self = self.segment(value);
        }
        if self.text.is_empty() {
            self.text = Cow::Borrowed("/");
        }
        self
    }

    /// Appends `text` exactly as given, not encoded: a static part of a path (`/posts`).
    pub fn literal(mut self, text: &str) -> Href {
        self.text.to_mut().push_str(text);
        self
    }

    /// Appends `params` as a query string (`?page=2&q=a+b`, or `&…` after an existing
    /// query), encoded as HTML forms do; fields that serialize to nothing (`None`) are
    /// left out, and an empty query adds nothing.
    ///
    /// ```
    /// # use fsroute::href::Href;
    /// #[derive(serde::Serialize)]
    /// struct Page { page: u32, q: Option<&'static str> }
    ///
    /// let link = Href::new("/api/posts").query(&Page { page: 2, q: Some("a b&c") });
    /// assert_eq!(link, "/api/posts?page=2&q=a+b%26c");
    /// assert_eq!(Href::new("/api/posts").query(&Page { page: 1, q: None }), "/api/posts?page=1");
    /// ```
    ///
    /// # Panics
    ///
    /// When `params` is not something a query can hold: a struct, map or sequence of
    /// pairs whose values are plain (numbers, strings, booleans, `Option`s of them). That
    /// depends on the type alone, so a test of any one value shows it.
    pub fn query<T: Serialize + ?Sized>(mut self, params: &T) -> Href {
        let query = serde_urlencoded::to_string(params).unwrap_or_else(|error| {
            panic!(
                "`{}` cannot be written as a query string: {error}",
                std::any::type_name::<T>()
            )
        });
        if !query.is_empty() {
            let text = self.text.to_mut();
            text.push(if text.contains('?') { '&' } else { '?' });
            text.push_str(&query);
        }
        self
    }

    /// The link as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn push_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in value.as_bytes() {
        if is_segment_byte(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
}

impl fmt::Display for Href {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for Href {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl From<Href> for String {
    fn from(href: Href) -> String {
        href.text.into_owned()
    }
}

impl PartialEq<str> for Href {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Href {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_outside_pchar_is_encoded() {
        for byte in 0u8..128 {
            let raw = char::from(byte).to_string();
            let one = Href::new("").segment(&raw);
            if is_segment_byte(byte) {
                assert_eq!(one, format!("/{raw}").as_str());
            } else {
                assert_eq!(one, format!("/%{byte:02X}").as_str());
            }
        }
        assert_eq!(
            Href::new("/x").segment("é/%?# "),
            "/x/%C3%A9%2F%25%3F%23%20"
        );
        assert_eq!(Href::new("/x").segment("a-b_c.d~e"), "/x/a-b_c.d~e");
    }

    #[test]
    fn empty_and_dot_values_are_kept_as_they_are() {
        assert_eq!(Href::new("/api/users").segment(""), "/api/users/");
        assert_eq!(Href::new("/d").rest(["a", "", "b"]), "/d/a//b");
        assert_eq!(Href::new("/d").segment(".."), "/d/..");
    }

    #[test]
    fn query_after_query() {
        let link = Href::new("/a").query(&[("x", "1")]).query(&[("y", "2")]);
        assert_eq!(link, "/a?x=1&y=2");
        assert_eq!(Href::new("/a").query(&[("x", "")]), "/a?x=");
        assert_eq!(Href::new("/a").query(&Vec::<(String, u8)>::new()), "/a");
    }

    #[test]
    #[should_panic(expected = "cannot be written as a query string")]
    fn a_query_that_is_not_flat_panics() {
        let _ = Href::new("/a").query(&[("x", [1, 2])]);
    }

    #[test]
    fn conversions() {
        let href = Href::new("/a").segment(1);
        assert_eq!(href.to_string(), "/a/1");
        assert_eq!(href.as_ref(), "/a/1");
        assert_eq!(String::from(href.clone()), "/a/1");
        let static_path = Href::new("/a");
        assert!(matches!(static_path.text, Cow::Borrowed(_)));
    }
}
