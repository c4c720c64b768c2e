//! `fsroute new <dir>`: a standalone copy of the template app.
//!
//! The template's files are built into the `fsroute` binary, so the command works
//! wherever it is installed. Its `Cargo.toml` uses the workspace's dependency versions;
//! this is rewritten into a standalone manifest with explicit versions, and the
//! workspace's `Cargo.lock` is copied so the new app resolves to the same, tested versions.

use std::path::{Path, PathBuf};

// `TEMPLATE_FILES` (every file of `template-app/` but its manifest, as `(relative path,
// content)`), `TEMPLATE_MANIFEST`, `WORKSPACE_MANIFEST` and `WORKSPACE_LOCK`. The build
// script lists the template folder, so a new template file is embedded without a code
// change.
include!(concat!(env!("OUT_DIR"), "/embedded_template.rs"));

/// The repository this binary was built from, for path dependencies on the runtime and
/// the generator (fsroute is not on crates.io yet).
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A crate name from a folder name: `My API` → `my-api`.
pub fn crate_name_for(dir: &Path) -> Result<String, String> {
    let base = std::path::absolute(dir)
        .ok()
        .and_then(|dir| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let mut name = String::new();
    for c in base.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_string();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Ok(name)
    } else {
        Err(format!(
            "cannot make a crate name from the folder name `{base}`; pass one with `--name my-api`"
        ))
    }
}

/// What `create` wrote.
#[derive(Debug)]
pub struct Created {
    pub dir: PathBuf,
    pub name: String,
    pub files: Vec<PathBuf>,
}

/// Writes a standalone copy of the template app into `dir` (which must not exist or be
/// empty), as crate `name`.
pub fn create(dir: &Path, name: &str) -> Result<Created, String> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|err| format!("cannot read `{}`: {err}", dir.display()))?
            .next()
            .is_none();
        if !empty {
            return Err(format!(
                "`{}` already exists and is not empty; choose a new folder",
                dir.display()
            ));
        }
    }
    let snake = name.replace('-', "_");
    let mut files: Vec<(String, String)> = TEMPLATE_FILES
        .iter()
        .map(|(path, content)| {
            let mut content = content.replace("template_app", &snake).replace(
                "CARGO_BIN_EXE_template-app",
                &format!("CARGO_BIN_EXE_{name}"),
            );
            // The committed OpenAPI documents are titled with the package's name, which
            // the app's own test compares with what it serves.
            if path.ends_with(".json") && path.starts_with("openapi") {
                content = content.replace(
                    "\"title\": \"template-app\"",
                    &format!("\"title\": {}", json_string(name)),
                );
            }
            // The TypeScript client's npm package is named after the app.
            if path.starts_with("clients/typescript/package") {
                content = content.replace(
                    "\"name\": \"template-app-client\"",
                    &format!("\"name\": \"{name}-client\""),
                );
            }
            (path.to_string(), content)
        })
        .collect();
    files.push((
        "Cargo.toml".to_string(),
        standalone_manifest(name, &repository())?,
    ));
    files.push(("Cargo.lock".to_string(), WORKSPACE_LOCK.to_string()));
    files.push((".gitignore".to_string(), "/target/\n/data/\n".to_string()));
    files.push(("README.md".to_string(), readme(name)));

    let mut written = Vec::new();
    for (path, content) in files {
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("cannot create `{}`: {err}", parent.display()))?;
        }
        std::fs::write(&target, content)
            .map_err(|err| format!("cannot write `{}`: {err}", target.display()))?;
        written.push(target);
    }
    Ok(Created {
        dir: dir.to_path_buf(),
        name: name.to_string(),
        files: written,
    })
}

/// What to do next, for the command line to print.
pub fn next_steps(created: &Created) -> String {
    format!(
        "Created `{name}` in {dir} ({count} files).\n\n\
         Next:\n  cd {dir}\n  cargo run          # serves the API on http://127.0.0.1:3000\n  \
         cargo test         # runs its tests\n\n\
         Routes live in app/api/**/route.rs; `fsroute routes` lists them.\n",
        name = created.name,
        dir = created.dir.display(),
        count = created.files.len(),
    )
}

fn readme(name: &str) -> String {
    format!(
        "# {name}\n\nAn API made with fsroute: `app/api/**/route.rs` files \
         become an axum router at build time.\n\n    cargo run     # http://127.0.0.1:3000\n    \
         cargo test\n\nTry it:\n\n    curl localhost:3000/api/health\n    \
         curl -X POST localhost:3000/api/auth/register -H 'content-type: application/json' \\\n      \
         -d '{{\"email\":\"me@example.com\",\"name\":\"Me\",\"password\":\"correct horse\"}}'\n\n\
         Registering never makes an admin: start the app with `ADMIN_EMAIL` and `ADMIN_PASSWORD` \
         set to make one, or run `cargo run -- create-admin you@example.com` (the password on stdin).\n\n\
         The API's docs: http://127.0.0.1:3000/api/docs (its OpenAPI document: `/api/openapi.json`, \
         committed as `openapi.json`; after changing the API, \
         `FSROUTE_UPDATE_OPENAPI=1 cargo test --test openapi` updates it).\n\n\
         A typed TypeScript client, generated from `openapi.json`, is in `clients/typescript`: \
         `npm ci`, then `npm run generate` after the document changes, `npm run typecheck`, \
         and `npm run build && API_URL=http://127.0.0.1:3000 npm start` walks through the API.\n\n\
         Configuration: `HOST`, `PORT`, `DATA_DIR`, `DATABASE_URL`, `JWT_SECRET` (at least 32 bytes: \
         `openssl rand -base64 48`), `ADMIN_EMAIL`, `ADMIN_PASSWORD`, `CORS_ORIGINS`, `RUST_LOG`; \
         the fsroute repository's docs/deploying.md lists them all, and docs/security.md says what \
         the app defends against.\n"
    )
}

/// The workspace's `[workspace.dependencies]`: name → the value text after `=`.
fn workspace_dependencies() -> Vec<(String, String)> {
    section_lines(WORKSPACE_MANIFEST, "[workspace.dependencies]")
        .filter_map(|line| {
            let (name, value) = line.split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

/// The lines of one `[section]` of a manifest, without comments and blank lines.
fn section_lines<'a>(manifest: &'a str, header: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    manifest
        .lines()
        .skip_while(move |line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// `{ a = 1, b = [x, y] }` → `["a = 1", "b = [x, y]"]`; a plain `"1"` → `["version = \"1\""]`.
fn inline_entries(value: &str) -> Vec<String> {
    let Some(inner) = value
        .trim()
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
    else {
        return vec![format!("version = {}", value.trim())];
    };
    let mut entries = Vec::new();
    let mut depth = 0;
    let mut in_string = false;
    let mut current = String::new();
    for c in inner.chars() {
        match c {
            '"' => in_string = !in_string,
            '[' | '{' if !in_string => depth += 1,
            ']' | '}' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                entries.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        entries.push(current.trim().to_string());
    }
    entries
}

fn entry_key(entry: &str) -> &str {
    entry.split('=').next().unwrap_or_default().trim()
}

/// The features of an entry list, and the list without them.
fn split_features(entries: Vec<String>) -> (Vec<String>, Vec<String>) {
    let mut features = Vec::new();
    let mut rest = Vec::new();
    for entry in entries {
        if entry_key(&entry) == "features" {
            let list = entry.split_once('=').map(|(_, v)| v.trim()).unwrap_or("[]");
            let list = list.trim_start_matches('[').trim_end_matches(']');
            features.extend(
                list.split(',')
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty()),
            );
        } else {
            rest.push(entry);
        }
    }
    (features, rest)
}

/// `name` as a JSON string; package names need no escaping, but nothing is assumed.
fn json_string(name: &str) -> String {
    let mut out = String::from("\"");
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One dependency line of the template, with `workspace = true` replaced by what the
/// workspace says (features merged), and our own crates pointed at this repository.
fn resolve_dependency(
    line: &str,
    workspace: &[(String, String)],
    repository: &Path,
) -> Result<String, String> {
    let (name, value) = line
        .split_once('=')
        .ok_or_else(|| format!("unexpected line in the template manifest: {line}"))?;
    let name = name
        .trim()
        .trim_end_matches(".workspace")
        .trim()
        .to_string();
    let local: Vec<String> = if value.trim() == "true" {
        Vec::new()
    } else {
        inline_entries(value)
            .into_iter()
            .filter(|entry| entry_key(entry) != "workspace")
            .collect()
    };
    let inherited = workspace
        .iter()
        .find(|(dependency, _)| *dependency == name)
        .map(|(_, value)| inline_entries(value))
        .ok_or_else(|| format!("`{name}` is not in the workspace's dependencies"))?;
    let (mut features, mut entries) = split_features(inherited);
    let (local_features, local_rest) = split_features(local);
    features.extend(local_features);
    features.sort();
    features.dedup();
    entries.extend(local_rest);
    for entry in &mut entries {
        if entry_key(entry) == "path" {
            let folder = entry
                .split_once('=')
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
                .unwrap_or_default();
            let path = repository.join(folder);
            *entry = format!("path = {:?}", path.to_string_lossy());
        }
    }
    if !features.is_empty() {
        entries.push(format!("features = [{}]", features.join(", ")));
    }
    Ok(format!("{name} = {{ {} }}", entries.join(", ")))
}

/// The template's manifest made standalone: a package of its own, explicit versions,
/// its own `[workspace]`, and the workspace's dev profile.
pub fn standalone_manifest(name: &str, repository: &Path) -> Result<String, String> {
    let workspace = workspace_dependencies();
    let mut out = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         # A workspace of its own, so it builds wherever it is created.\n[workspace]\n"
    );
    for section in [
        "[dependencies]",
        "[build-dependencies]",
        "[dev-dependencies]",
    ] {
        out.push('\n');
        out.push_str(section);
        out.push('\n');
        for line in section_lines(TEMPLATE_MANIFEST, section) {
            out.push_str(&resolve_dependency(line, &workspace, repository)?);
            out.push('\n');
        }
    }
    let profiles = WORKSPACE_MANIFEST
        .find("[profile.")
        .map(|start| &WORKSPACE_MANIFEST[start..])
        .unwrap_or_default();
    if !profiles.is_empty() {
        out.push('\n');
        out.push_str(profiles.trim_end());
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_from_folders() {
        assert_eq!(crate_name_for(Path::new("/tmp/My API")).unwrap(), "my-api");
        assert_eq!(crate_name_for(Path::new("shop_api")).unwrap(), "shop-api");
        assert!(crate_name_for(Path::new("/tmp/2024")).is_err());
    }

    #[test]
    fn inline_tables_split_at_top_level_commas() {
        assert_eq!(
            inline_entries(r#"{ version = "1", features = ["a", "b"], default-features = false }"#),
            [
                r#"version = "1""#,
                r#"features = ["a", "b"]"#,
                "default-features = false"
            ]
        );
        assert_eq!(inline_entries(r#""0.8""#), [r#"version = "0.8""#]);
    }

    #[test]
    fn workspace_dependencies_are_resolved_and_features_merged() {
        let workspace = vec![
            (
                "sqlx".to_string(),
                r#"{ version = "0.9", default-features = false }"#.to_string(),
            ),
            (
                "tokio".to_string(),
                r#"{ version = "1", features = ["macros"] }"#.to_string(),
            ),
            (
                "fsroute".to_string(),
                r#"{ path = "runtime", version = "0.1.0" }"#.to_string(),
            ),
        ];
        let repo = Path::new("/src/fsroute");
        assert_eq!(
            resolve_dependency(
                r#"sqlx = { workspace = true, features = ["sqlite"] }"#,
                &workspace,
                repo
            )
            .unwrap(),
            r#"sqlx = { version = "0.9", default-features = false, features = ["sqlite"] }"#
        );
        assert_eq!(
            resolve_dependency("tokio.workspace = true", &workspace, repo).unwrap(),
            r#"tokio = { version = "1", features = ["macros"] }"#
        );
        assert_eq!(
            resolve_dependency(
                r#"fsroute = { workspace = true, features = ["sqlx"] }"#,
                &workspace,
                repo
            )
            .unwrap(),
            r#"fsroute = { path = "/src/fsroute/runtime", version = "0.1.0", features = ["sqlx"] }"#
        );
    }

    #[test]
    fn the_template_manifest_resolves_completely() {
        let manifest = standalone_manifest("my-api", Path::new("/src/fsroute")).unwrap();
        assert!(!manifest.contains("workspace = true"), "{manifest}");
        assert!(!manifest.contains(".workspace"), "{manifest}");
        assert!(manifest.contains("name = \"my-api\""));
        assert!(manifest.contains("[profile.dev.package.argon2]"));
    }
}
