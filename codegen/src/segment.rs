//! One folder name → one URL segment.
//!
//! `users` is static, `[id]` a parameter, `[...slug]` a catch-all, `[[...slug]]` an optional
//! catch-all and `(admin)` a route group that adds nothing to the URL. Anything else with
//! brackets or parentheses is an error, because guessing would route a URL the user did not
//! mean.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// Matched literally. Holds the decoded URL text (`%5Fdocs` → `_docs`).
    Static(String),
    /// `[name]`: exactly one URL segment.
    Dynamic(String),
    /// `[...name]`: one or more segments.
    CatchAll(String),
    /// `[[...name]]`: zero or more segments.
    OptionalCatchAll(String),
    /// `(name)`: organises folders, no URL segment.
    Group(String),
}

impl Segment {
    /// The parameter this segment binds, if any.
    pub fn param_name(&self) -> Option<&str> {
        match self {
            Segment::Dynamic(name) | Segment::CatchAll(name) | Segment::OptionalCatchAll(name) => {
                Some(name)
            }
            Segment::Static(_) | Segment::Group(_) => None,
        }
    }

    pub fn is_catch_all(&self) -> bool {
        matches!(self, Segment::CatchAll(_) | Segment::OptionalCatchAll(_))
    }

    /// How the segment is written in an axum 0.8 path. `None` for groups, and for the
    /// optional catch-all, which the tree expands into two paths.
    pub fn axum_segment(&self) -> Option<String> {
        match self {
            Segment::Static(text) => Some(utf8_percent_encode(text, NOT_PCHAR).to_string()),
            Segment::Dynamic(name) => Some(format!("{{{name}}}")),
            Segment::CatchAll(name) => Some(format!("{{*{name}}}")),
            Segment::OptionalCatchAll(_) | Segment::Group(_) => None,
        }
    }
}

/// Everything RFC 3986 does not allow raw in a path segment (`pchar`). Clients send these
/// percent-encoded and axum matches the raw path, so a folder named `café` must be routed
/// as `caf%C3%A9`. This also keeps `{`, `}` and `%` from being read as axum syntax.
const NOT_PCHAR: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Why a folder name is not a segment. Rendered by [`crate::messages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentError {
    /// Brackets that do not enclose the whole name, or do not match (`[id`, `a[id]`).
    MalformedBrackets,
    /// `[]`, `[...]`, `[[...]]`.
    EmptyParam,
    /// `[[id]]`: Next.js has no optional single parameters either.
    OptionalParam(String),
    /// `[my-id]`: the name must be an identifier so that it can be a struct field.
    InvalidParamName(String),
    /// `()`.
    EmptyGroup,
    /// Parentheses that do not enclose the whole name (`(admin`, `(a)b`).
    MalformedGroup,
    /// `(.)photo`, `(..)photo`: a Next.js page feature with no meaning for API routes.
    InterceptingRoute,
    /// `@modal`: a Next.js page feature with no meaning for API routes.
    ParallelSlot,
    /// `.` or `..`: clients and proxies remove these from URLs before we ever see them.
    DotSegment,
    /// Percent escapes that decode to bytes that are not UTF-8.
    InvalidPercentEncoding,
}

/// Parses one folder name. Names starting with `_` never get here: they are private folders.
pub fn parse_segment(name: &str) -> Result<Segment, SegmentError> {
    if let Some(rest) = name.strip_prefix("[[") {
        let inner = rest
            .strip_suffix("]]")
            .ok_or(SegmentError::MalformedBrackets)?;
        return match inner.strip_prefix("...") {
            Some(param) => Ok(Segment::OptionalCatchAll(param_name(param)?)),
            None if inner.is_empty() => Err(SegmentError::EmptyParam),
            None if inner.contains(['[', ']']) => Err(SegmentError::MalformedBrackets),
            None => Err(SegmentError::OptionalParam(inner.to_string())),
        };
    }
    if let Some(rest) = name.strip_prefix('[') {
        let inner = rest
            .strip_suffix(']')
            .ok_or(SegmentError::MalformedBrackets)?;
        return match inner.strip_prefix("...") {
            Some(param) => Ok(Segment::CatchAll(param_name(param)?)),
            None => Ok(Segment::Dynamic(param_name(inner)?)),
        };
    }
    if name.contains(['[', ']']) {
        return Err(SegmentError::MalformedBrackets);
    }
    if let Some(rest) = name.strip_prefix('(') {
        if rest.starts_with('.') {
            return Err(SegmentError::InterceptingRoute);
        }
        let inner = rest.strip_suffix(')').ok_or(SegmentError::MalformedGroup)?;
        if inner.is_empty() {
            return Err(SegmentError::EmptyGroup);
        }
        if inner.contains(['(', ')']) {
            return Err(SegmentError::MalformedGroup);
        }
        return Ok(Segment::Group(inner.to_string()));
    }
    if name.starts_with('@') {
        return Err(SegmentError::ParallelSlot);
    }
    let decoded = percent_decode_str(name)
        .decode_utf8()
        .map_err(|_| SegmentError::InvalidPercentEncoding)?;
    if decoded == "." || decoded == ".." {
        return Err(SegmentError::DotSegment);
    }
    Ok(Segment::Static(decoded.into_owned()))
}

fn param_name(inner: &str) -> Result<String, SegmentError> {
    if inner.is_empty() {
        return Err(SegmentError::EmptyParam);
    }
    if inner.contains(['[', ']']) {
        return Err(SegmentError::MalformedBrackets);
    }
    if !is_identifier(inner) {
        return Err(SegmentError::InvalidParamName(inner.to_string()));
    }
    Ok(inner.to_string())
}

/// ASCII identifier, not `_` alone: the name must work as a serde field and a tuple-free
/// `Path` key. Keywords are fine (`[type]` binds to a field `r#type`).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_names_are_literal_and_decoded() {
        assert_eq!(parse_segment("users"), Ok(Segment::Static("users".into())));
        assert_eq!(parse_segment("v1.0"), Ok(Segment::Static("v1.0".into())));
        assert_eq!(
            parse_segment("%5Fdocs"),
            Ok(Segment::Static("_docs".into()))
        );
        assert_eq!(parse_segment("café"), Ok(Segment::Static("café".into())));
    }

    #[test]
    fn static_segments_are_percent_encoded_for_axum() {
        let axum = |name: &str| parse_segment(name).unwrap().axum_segment().unwrap();
        assert_eq!(axum("kebab-case"), "kebab-case");
        assert_eq!(axum("v1.0"), "v1.0");
        assert_eq!(axum("café"), "caf%C3%A9");
        assert_eq!(axum("a b"), "a%20b");
        assert_eq!(axum("{x}"), "%7Bx%7D");
        assert_eq!(axum("100%25"), "100%25");
        assert_eq!(axum("a:b@c!$&'*+,;="), "a:b@c!$&'*+,;=");
    }

    #[test]
    fn parameters_and_catch_alls() {
        assert_eq!(parse_segment("[id]"), Ok(Segment::Dynamic("id".into())));
        assert_eq!(
            parse_segment("[orderId]"),
            Ok(Segment::Dynamic("orderId".into()))
        );
        assert_eq!(parse_segment("[type]"), Ok(Segment::Dynamic("type".into())));
        assert_eq!(
            parse_segment("[...slug]"),
            Ok(Segment::CatchAll("slug".into()))
        );
        assert_eq!(
            parse_segment("[[...slug]]"),
            Ok(Segment::OptionalCatchAll("slug".into()))
        );
        assert_eq!(parse_segment("(admin)"), Ok(Segment::Group("admin".into())));
    }

    #[test]
    fn axum_syntax() {
        let axum = |name: &str| parse_segment(name).unwrap().axum_segment();
        assert_eq!(axum("[id]").as_deref(), Some("{id}"));
        assert_eq!(axum("[...slug]").as_deref(), Some("{*slug}"));
        assert_eq!(axum("[[...slug]]"), None);
        assert_eq!(axum("(group)"), None);
    }

    #[test]
    fn malformed_names_are_errors() {
        use SegmentError::*;
        let cases = [
            ("[id", MalformedBrackets),
            ("id]", MalformedBrackets),
            ("a[id]", MalformedBrackets),
            ("[id]x", MalformedBrackets),
            ("[[...slug]", MalformedBrackets),
            ("[[id]]", OptionalParam("id".into())),
            ("[]", EmptyParam),
            ("[...]", EmptyParam),
            ("[[...]]", EmptyParam),
            ("[[]]", EmptyParam),
            ("[my-id]", InvalidParamName("my-id".into())),
            ("[1st]", InvalidParamName("1st".into())),
            ("[_]", InvalidParamName("_".into())),
            ("[....x]", InvalidParamName(".x".into())),
            ("()", EmptyGroup),
            ("(admin", MalformedGroup),
            ("(a)b", MalformedGroup),
            ("(.)photo", InterceptingRoute),
            ("(..)(..)photo", InterceptingRoute),
            ("@modal", ParallelSlot),
            ("..", DotSegment),
            ("%2E", DotSegment),
            ("%FF", InvalidPercentEncoding),
        ];
        for (name, expected) in cases {
            assert_eq!(parse_segment(name), Err(expected), "folder `{name}`");
        }
    }
}
