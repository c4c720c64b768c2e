//! What the generator tells the user: errors that stop the build and warnings that do not.
//!
//! Every message text lives in [`crate::messages`]; this module only holds the value and
//! renders it, either rustc-style over several lines (command line, build-script stderr) or
//! as one line per problem (`cargo::error=` / `cargo::warning=`).

use std::fmt;

/// Declares [`Code`]: one variant per rule, its kebab-case text, and the list of all.
macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// The rule a diagnostic reports. Its text is stable: tests, docs and users' scripts
        /// match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    AppDirMissing => "app-dir-missing",
    Unreadable => "unreadable",
    NonUtf8Path => "non-utf8-path",
    MisnamedFile => "misnamed-file",
    ForeignFile => "foreign-file",
    ForeignParamFolder => "foreign-param-folder",
    MalformedSegment => "malformed-segment",
    EmptyParamName => "empty-param-name",
    OptionalParam => "optional-param",
    InvalidParamName => "invalid-param-name",
    EmptyGroup => "empty-group",
    MalformedGroup => "malformed-group",
    InterceptingRoute => "intercepting-route",
    ParallelRoute => "parallel-route",
    DotSegment => "dot-segment",
    InvalidPercentEncoding => "invalid-percent-encoding",
    UnparsableRouteFile => "unparsable-route-file",
    NoMethods => "no-methods",
    WrongCaseMethod => "wrong-case-method",
    PrivateMethod => "private-method",
    MethodNotAFunction => "method-not-a-function",
    HandlerNotAsync => "handler-not-async",
    PrivateHandlerType => "private-handler-type",
    WrongConfigType => "wrong-config-type",
    TagsWithoutRevalidate => "tags-without-revalidate",
    InvalidCacheTag => "invalid-cache-tag",
    BodyExtractorNotLast => "body-extractor-not-last",
    BodyReadTwice => "body-read-twice",
    PrivateRouteMiddleware => "private-route-middleware",
    PrivateConfig => "private-config",
    UnknownConfig => "unknown-config",
    MissingMiddleware => "missing-middleware",
    PrivateMiddleware => "private-middleware",
    UnusedMiddleware => "unused-middleware",
    MissingProxy => "missing-proxy",
    MisplacedProxy => "misplaced-proxy",
    PrivateMatcher => "private-matcher",
    MatcherNotLiteral => "matcher-not-literal",
    InvalidMatcher => "invalid-matcher",
    CatchAllNotLast => "catch-all-not-last",
    RepeatedParam => "repeated-param",
    ConflictingParamNames => "conflicting-param-names",
    CatchAllBesideOptional => "catch-all-beside-optional",
    RouteBesideOptionalCatchAll => "route-beside-optional-catch-all",
    DuplicateRoute => "duplicate-route",
    CollidingNames => "colliding-names",
    InvalidStateType => "invalid-state-type",
    InvalidServedPath => "invalid-served-path",
    ServedPathTaken => "served-path-taken",
    NotInBuildScript => "not-in-build-script",
    WriteFailed => "write-failed",
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place a diagnostic points at: a file or folder, optionally a line and column in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Path as the user knows it: relative to the crate root, forward slashes.
    pub path: String,
    /// 1-based line and column, when the problem is inside a file.
    pub line_column: Option<(usize, usize)>,
    /// The source line and the width of the marked text, for a rustc-style snippet.
    pub snippet: Option<Snippet>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Snippet {
    pub source_line: String,
    pub width: usize,
}

impl Location {
    pub fn path(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line_column: None,
            snippet: None,
        }
    }

    pub fn at(path: impl Into<String>, line: usize, column: usize) -> Self {
        Location {
            path: path.into(),
            line_column: Some((line, column)),
            snippet: None,
        }
    }

    pub fn with_snippet(mut self, source_line: &str, width: usize) -> Self {
        self.snippet = Some(Snippet {
            source_line: source_line.to_string(),
            width: width.max(1),
        });
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_column {
            Some((line, column)) => write!(f, "{}:{}:{}", self.path, line, column),
            None => f.write_str(&self.path),
        }
    }
}

/// One problem found in the app folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case name of the rule (`conflicting-param-names`), for tests and docs;
    /// `docs/conventions.md` lists them all.
    pub code: &'static str,
    /// One sentence saying what is wrong; names every file or folder involved.
    pub message: String,
    /// Where to look; the first is the main place.
    pub locations: Vec<Location>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub(crate) fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code: code.as_str(),
            message: message.into(),
            locations: Vec::new(),
            help: None,
        }
    }

    pub(crate) fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub(crate) fn at(mut self, location: Location) -> Self {
        self.locations.push(location);
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// One line, as Cargo wants after `cargo::error=`: `path:line:col: message; help: …`.
    pub fn render_line(&self) -> String {
        let mut line = String::new();
        // The place first, unless the message already names it and there is no line to add.
        if let Some(first) = self.locations.first() {
            let named = self.message.contains(&format!("`{}`", first.path));
            if first.line_column.is_some() || !named {
                line.push_str(&first.to_string());
                line.push_str(": ");
            }
        }
        line.push_str(&self.message);
        if let Some(help) = &self.help {
            line.push_str("; help: ");
            line.push_str(help);
        }
        line.replace(['\n', '\r'], " ")
    }

    /// Several lines in the style of rustc: headline, `-->` locations, snippet, help.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{}[{}]: {}\n",
            self.severity.as_str(),
            self.code,
            self.message
        );
        for location in &self.locations {
            out.push_str(&format!("  --> {location}\n"));
            if let (Some((line, column)), Some(snippet)) = (location.line_column, &location.snippet)
            {
                let gutter = line.to_string();
                let pad = " ".repeat(gutter.len());
                out.push_str(&format!("{pad} |\n"));
                out.push_str(&format!("{gutter} | {}\n", snippet.source_line));
                let indent: String = snippet
                    .source_line
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&format!("{pad} | {indent}{}\n", "^".repeat(snippet.width)));
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_line())
    }
}

/// Where every step puts the problems it finds. Steps never stop at the first one: a run
/// reports all of them at once.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn append(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// Sorted, de-duplicated: errors first, then by place, so output does not depend on
    /// walk order.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|a, b| {
            (a.severity, &a.locations, a.code, &a.message).cmp(&(
                b.severity,
                &b.locations,
                b.code,
                &b.message,
            ))
        });
        self.0.dedup();
        self.0
    }

    #[cfg(test)]
    pub fn codes(&self) -> Vec<&'static str> {
        self.0.iter().map(|d| d.code).collect()
    }

    #[cfg(test)]
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_form_has_place_message_and_help() {
        let d = Diagnostic::error(Code::WriteFailed, "something is wrong")
            .at(Location::at("app/api/route.rs", 3, 14))
            .help("fix it");
        assert_eq!(
            d.render_line(),
            "app/api/route.rs:3:14: something is wrong; help: fix it"
        );
    }

    #[test]
    fn rustc_form_marks_the_column() {
        let d = Diagnostic::warning(Code::WrongCaseMethod, "`get` is not exported as a method")
            .at(Location::at("app/route.rs", 2, 14).with_snippet("pub async fn get() {}", 3))
            .help("rename it to `GET`");
        assert_eq!(
            d.render(),
            "warning[wrong-case-method]: `get` is not exported as a method\n  \
             --> app/route.rs:2:14\n  |\n2 | pub async fn get() {}\n  |              ^^^\n  \
             = help: rename it to `GET`\n"
        );
    }

    #[test]
    fn newlines_never_reach_the_one_line_form() {
        let d = Diagnostic::error(Code::WriteFailed, "a\nb");
        assert_eq!(d.render_line(), "a b");
    }
}
