//! The crate a command works on, and the generator settings it declares in
//! `[package.metadata.fsroute]`, so that `fsroute print` shows what `cargo build` compiles.
//!
//! ```toml
//! [package.metadata.fsroute]
//! app = "app"                 # Builder::app_dir
//! state = "crate::AppState"   # Builder::state
//! openapi = true              # Builder::openapi
//! docs = true                 # Builder::docs
//! ```
//!
//! The build does not read this table: `build.rs` says the same with `Builder` calls, and
//! the template app has a test that the two agree. Read by hand rather than with a TOML
//! crate: the table is flat, its values are strings and booleans, and anything else is
//! refused with a message, never misread.

use std::path::{Path, PathBuf};

use fsroute_codegen::Builder;

/// The table's header, as it must be written.
pub const TABLE: &str = "[package.metadata.fsroute]";

/// The keys the table may hold, with what each takes.
const KEYS: &[(&str, Kind)] = &[
    ("app", Kind::String),
    ("state", Kind::String),
    ("openapi", Kind::Bool),
    ("openapi-path", Kind::String),
    ("openapi-strict", Kind::Bool),
    ("docs", Kind::Bool),
    ("docs-path", Kind::String),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Bool,
}

/// What `[package.metadata.fsroute]` says; `None` where it says nothing (the builder's
/// default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub app: Option<String>,
    pub state: Option<String>,
    pub openapi: Option<bool>,
    pub openapi_path: Option<String>,
    pub openapi_strict: Option<bool>,
    pub docs: Option<bool>,
    pub docs_path: Option<String>,
}

impl Settings {
    /// `builder` configured as `build.rs` would be, with the calls in the order that
    /// gives each key its own meaning (`openapi = false` first, so that `docs = true`,
    /// which turns the document on, still wins as it does in the builder).
    pub fn apply(&self, mut builder: Builder) -> Builder {
        if let Some(app) = &self.app {
            builder = builder.app_dir(app);
        }
        if let Some(state) = &self.state {
            builder = builder.state(state);
        }
        if let Some(on) = self.openapi {
            builder = builder.openapi(on);
        }
        if let Some(path) = &self.openapi_path {
            builder = builder.openapi_path(path);
        }
        if let Some(strict) = self.openapi_strict {
            builder = builder.openapi_strict(strict);
        }
        if let Some(on) = self.docs {
            builder = builder.docs(on);
        }
        if let Some(path) = &self.docs_path {
            builder = builder.docs_path(path);
        }
        builder
    }
}

/// The nearest folder at or above `start` whose `Cargo.toml` has a `[package]`: a
/// workspace's root manifest without one is passed over, as Cargo does for `cargo run`.
pub fn find_crate(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|line| line.trim() == "[package]")
            .then(|| dir.to_path_buf())
    })
}

/// The settings in the `Cargo.toml` of the crate at `root`.
pub fn read(root: &Path) -> Result<Settings, String> {
    let path = root.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&path)
        .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    parse(&manifest).map_err(|err| format!("`{}`: {err}", path.display()))
}

/// The settings in a manifest's text.
pub fn parse(manifest: &str) -> Result<Settings, String> {
    let mut settings = Settings::default();
    let mut section = String::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = strip_comment(line).to_string();
            continue;
        }
        let content = strip_comment(line);
        if section != TABLE {
            // Written another way (an inline table, dotted keys), the settings would be
            // ignored here while Cargo accepts them: refuse rather than misread.
            let key = content.split('=').next().unwrap_or_default().trim();
            let elsewhere = match section.as_str() {
                "" => key.starts_with("package.metadata.fsroute"),
                "[package]" => key.starts_with("metadata.fsroute"),
                "[package.metadata]" => key == "fsroute" || key.starts_with("fsroute."),
                _ => false,
            };
            if elsewhere {
                return Err(format!(
                    "fsroute reads its settings from a table of their own; write them as\n\n\
                     {TABLE}\nstate = \"crate::AppState\"\n"
                ));
            }
            continue;
        }
        if content.is_empty() {
            continue;
        }
        let Some((key, value)) = content.split_once('=') else {
            return Err(format!("in {TABLE}, `{line}` is not `key = value`"));
        };
        let key = key.trim().trim_matches('"');
        let value = value.trim();
        let Some(&(_, kind)) = KEYS.iter().find(|(known, _)| *known == key) else {
            let known: Vec<String> = KEYS.iter().map(|(k, _)| format!("`{k}`")).collect();
            return Err(format!(
                "in {TABLE}, `{key}` is not a setting; the settings are {}",
                known.join(", ")
            ));
        };
        match kind {
            Kind::String => {
                let text = string_value(value).ok_or_else(|| {
                    format!("in {TABLE}, `{key}` must be a string, like `{key} = \"…\"`")
                })?;
                let slot = match key {
                    "app" => &mut settings.app,
                    "state" => &mut settings.state,
                    "openapi-path" => &mut settings.openapi_path,
                    _ => &mut settings.docs_path,
                };
                *slot = Some(text);
            }
            Kind::Bool => {
                let on = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(format!(
                            "in {TABLE}, `{key}` must be `true` or `false`, not `{value}`"
                        ));
                    }
                };
                let slot = match key {
                    "openapi" => &mut settings.openapi,
                    "openapi-strict" => &mut settings.openapi_strict,
                    _ => &mut settings.docs,
                };
                *slot = Some(on);
            }
        }
    }
    Ok(settings)
}

/// The line without a trailing `# comment` (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut escaped = false;
    for (index, c) in line.char_indices() {
        match (quote, c) {
            (Some('"'), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(open), c) if c == open && !escaped => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return line[..index].trim(),
            _ => {}
        }
        escaped = false;
    }
    line.trim()
}

/// A TOML basic (`"…"`, with the common escapes) or literal (`'…'`) string.
fn string_value(value: &str) -> Option<String> {
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return (!inner.contains('\'')).then(|| inner.to_string());
    }
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(match chars.next()? {
                '"' => '"',
                '\\' => '\\',
                'n' => '\n',
                't' => '\t',
                _ => return None,
            }),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_with_comments_and_both_string_kinds() {
        let manifest = "[package]\nname = \"x\"\n\n\
                        [package.metadata.fsroute]\n\
                        # the generator's settings\n\
                        app = 'routes'      # Builder::app_dir\n\
                        state = \"crate::State<'a, \\\"x\\\">\"\n\
                        openapi = true\n\
                        docs-path = \"/docs#top\"\n\n\
                        [dependencies]\nstate = \"1\"\n";
        assert_eq!(
            parse(manifest).unwrap(),
            Settings {
                app: Some("routes".into()),
                state: Some("crate::State<'a, \"x\">".into()),
                openapi: Some(true),
                docs_path: Some("/docs#top".into()),
                ..Settings::default()
            }
        );
        assert_eq!(
            parse("[package]\nname = \"x\"\n").unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn what_it_cannot_read_is_an_error_naming_the_key() {
        let table = |body: &str| parse(&format!("{TABLE}\n{body}\n")).unwrap_err();
        assert_eq!(
            table("stat = \"x\""),
            "in [package.metadata.fsroute], `stat` is not a setting; the settings are `app`, \
             `state`, `openapi`, `openapi-path`, `openapi-strict`, `docs`, `docs-path`"
        );
        assert_eq!(
            table("state = crate::AppState"),
            "in [package.metadata.fsroute], `state` must be a string, like `state = \"…\"`"
        );
        assert_eq!(
            table("docs = \"yes\""),
            "in [package.metadata.fsroute], `docs` must be `true` or `false`, not `\"yes\"`"
        );
        let inline = parse("[package.metadata]\nfsroute = { state = \"crate::S\" }\n");
        assert!(
            inline
                .unwrap_err()
                .starts_with("fsroute reads its settings from a table of their own")
        );
        let dotted = parse("[package]\nmetadata.fsroute.state = \"crate::S\"\n");
        assert!(dotted.is_err());
        // A dependency named fsroute is not the table.
        let dependency =
            "[dependencies]\nfsroute = { workspace = true }\nfsroute.workspace = true\n";
        assert_eq!(parse(dependency).unwrap(), Settings::default());
    }

    #[test]
    fn the_crate_is_the_nearest_folder_with_a_package() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        std::fs::write(ws.join("Cargo.toml"), "[workspace]\nmembers = [\"api\"]\n").unwrap();
        std::fs::create_dir_all(ws.join("api/src/deep")).unwrap();
        std::fs::write(ws.join("api/Cargo.toml"), "[package]\nname = \"api\"\n").unwrap();
        assert_eq!(find_crate(&ws.join("api/src/deep")), Some(ws.join("api")));
        assert_eq!(find_crate(&ws.join("api")), Some(ws.join("api")));
        assert_eq!(find_crate(ws), None);
    }
}
