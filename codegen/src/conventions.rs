//! The names fsroute gives meaning to: the files it reads, the methods and config
//! constants a route file may export, the middleware function. Everything else reads them
//! from here; this module depends on nothing.
//!
//! Adding a method or a config constant starts at its enum: the exhaustive matches here,
//! in the messages and in the emitter then point at every place that must follow.

use std::fmt;

/// The file that holds one URL's handlers.
pub const ROUTE_FILE: &str = "route.rs";
/// The file that wraps every route in its folder's subtree.
pub const MIDDLEWARE_FILE: &str = "middleware.rs";
/// The middleware function's name, in `middleware.rs` and in route files.
pub const MIDDLEWARE_FN: &str = "middleware";
/// The file at the top of the app folder whose function runs before routing.
pub const PROXY_FILE: &str = "proxy.rs";
/// Its function's name.
pub const PROXY_FN: &str = "proxy";
/// Its constant that limits it to some paths (Next.js's `config.matcher`).
pub const MATCHER_CONST: &str = "MATCHER";
/// The constant that declares the security scheme a route needs (in a route file), or
/// every route below a folder needs (in a `middleware.rs`), for the OpenAPI document.
/// Not a [`ConfigConst`]: it makes no layer.
pub const SECURITY_CONST: &str = "SECURITY";

/// The most tags a route's `TAGS` may list, and the longest a tag may be, in characters:
/// Next.js's limits for cache tags.
pub const MAX_CACHE_TAGS: usize = 128;
pub const MAX_CACHE_TAG_CHARS: usize = 256;
/// The prefix of the tag the runtime gives every cached response itself (`path:` and its
/// path, for `fsroute::cache::revalidate_path`); no `TAGS` entry may start with it.
pub const PATH_TAG_PREFIX: &str = "path:";

/// The kinds of file the generator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// `route.rs`: handlers for one URL.
    Route,
    /// `middleware.rs`: wraps every route in its folder's subtree.
    Middleware,
    /// `proxy.rs`, at the top of the app folder: runs before routing.
    Proxy,
}

impl FileKind {
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Route => ROUTE_FILE,
            FileKind::Middleware => MIDDLEWARE_FILE,
            FileKind::Proxy => PROXY_FILE,
        }
    }

    pub fn from_file_name(name: &str) -> Option<FileKind> {
        [FileKind::Route, FileKind::Middleware, FileKind::Proxy]
            .into_iter()
            .find(|kind| kind.file_name() == name)
    }
}

/// Declares an enum of names with `ALL` (every variant, in order) and `text()`, from one
/// list: a variant cannot be left out of `ALL` or go without its text.
macro_rules! named {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $text:literal,)*
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            fn text(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }
    };
}

named! {
    /// The methods a route file can export, in the order the route table prints them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Method {
        Get => "GET",
        Head => "HEAD",
        Post => "POST",
        Put => "PUT",
        Patch => "PATCH",
        Delete => "DELETE",
        Options => "OPTIONS",
        /// Every method the file does not export by name (SvelteKit's `fallback`, the
        /// Pages Router's one handler); `OPTIONS` and `HEAD` are still answered for it
        /// unless exported.
        Any => "ANY",
    }
}

impl Method {
    /// The exported name, which is also the HTTP method.
    pub fn as_str(self) -> &'static str {
        self.text()
    }

    /// The `MethodRouter` method that registers it (`.get(…)`).
    pub fn router_fn(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Head => "head",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
            Method::Options => "options",
            // The `MethodRouter`'s fallback: every method without a handler of its own,
            // instead of the 405.
            Method::Any => "fallback",
        }
    }

    pub fn from_export_name(name: &str) -> Option<Method> {
        Method::ALL.iter().copied().find(|m| m.as_str() == name)
    }

    /// `get`, `Get`: the right method in the wrong case.
    pub(crate) fn from_wrong_case(name: &str) -> Option<Method> {
        Method::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() != name && m.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

named! {
    /// Route segment config: the constants a route file may export, as in Next.js's
    /// `export const maxDuration`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub(crate) enum ConfigConst {
        /// `pub const MAX_DURATION: u64` seconds; a JSON 504 after it.
        MaxDuration => "MAX_DURATION",
        /// `pub const BODY_LIMIT: usize` bytes; a JSON 413 past it.
        BodyLimit => "BODY_LIMIT",
        /// `pub const REVALIDATE: u64` seconds; GET responses cached per URL.
        Revalidate => "REVALIDATE",
        /// `pub const TAGS: &[&str]`: the cache tags of the responses `REVALIDATE` keeps
        /// (Next.js's cache tags), for `fsroute::cache::revalidate_tag`. No layer of its
        /// own: it goes to `REVALIDATE`'s.
        Tags => "TAGS",
    }
}

impl ConfigConst {
    pub fn name(self) -> &'static str {
        self.text()
    }

    pub fn from_name(name: &str) -> Option<ConfigConst> {
        ConfigConst::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The type the generated code reads it as, and what it counts (or holds).
    pub fn expected_type(self) -> (&'static str, &'static str) {
        match self {
            ConfigConst::MaxDuration => ("u64", "seconds"),
            ConfigConst::BodyLimit => ("usize", "bytes"),
            ConfigConst::Revalidate => ("u64", "seconds"),
            ConfigConst::Tags => ("&[&str]", "cache tags"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &method in Method::ALL {
            assert_eq!(Method::from_export_name(method.as_str()), Some(method));
            if method != Method::Any {
                assert_eq!(method.router_fn(), method.as_str().to_ascii_lowercase());
            }
        }
        assert_eq!(Method::Any.router_fn(), "fallback");
        for &config in ConfigConst::ALL {
            assert_eq!(ConfigConst::from_name(config.name()), Some(config));
        }
        assert_eq!(FileKind::from_file_name("route.rs"), Some(FileKind::Route));
        assert_eq!(Method::from_wrong_case("Get"), Some(Method::Get));
        assert_eq!(Method::from_wrong_case("GET"), None);
    }
}
