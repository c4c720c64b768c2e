//! `fsroute new <dir>`: a standalone copy of the template app.
//!
//! The template's files are built into the `fsroute` binary, so the command works
//! wherever it is installed. Its `Cargo.toml` uses the workspace's dependency versions;
//! this is rewritten into a standalone manifest with explicit versions, taking fsroute
//! from the place the user chose ([`Source`]), and the workspace's `Cargo.lock` is copied
//! so the new app resolves to the same, tested versions. The app also gets
//! `.ci/with-postgres`, which its tests' docs name, and a git repository of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::paths;

// `TEMPLATE_FILES` (every file of `template-app/` but its manifest, as `(relative path,
// content)`), `TEMPLATE_MANIFEST`, `WORKSPACE_MANIFEST`, `WORKSPACE_LOCK` and
// `WITH_POSTGRES` (`.ci/with-postgres`). The build script lists the template folder, so a
// new template file is embedded without a code change.
include!(concat!(env!("OUT_DIR"), "/embedded_template.rs"));

/// Where the script that runs the tests on PostgreSQL goes in the new app, the same place
/// as in this repository, so the docs' `bash .ci/with-postgres cargo test` works in both.
const WITH_POSTGRES_PATH: &str = ".ci/with-postgres";

/// The checkout of the fsroute repository this binary was built from: the default place a
/// new app takes fsroute from, as fsroute is not on crates.io yet and no public git URL
/// is known to the binary.
pub fn built_from() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Where the new app's `Cargo.toml` takes `fsroute` and `fsroute-codegen` from; both
/// always from the same place, so that the generator and the runtime match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A checkout of the fsroute repository, by path. A relative `checkout` (from the
    /// current folder) is written relative to the new app, so the two can move together.
    Path { checkout: PathBuf, default: bool },
    /// A git repository of fsroute; Cargo finds both packages in its workspace by name.
    Git { url: String, reference: GitRef },
    /// A version on crates.io.
    Version(String),
}

/// Which commit of a git repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitRef {
    DefaultBranch,
    Rev(String),
    Branch(String),
    Tag(String),
}

impl GitRef {
    /// The manifest entry (`rev = "…"`) and Cargo.lock's query (`rev=…`), if any.
    fn key_value(&self) -> Option<(&'static str, &str)> {
        match self {
            GitRef::DefaultBranch => None,
            GitRef::Rev(rev) => Some(("rev", rev)),
            GitRef::Branch(branch) => Some(("branch", branch)),
            GitRef::Tag(tag) => Some(("tag", tag)),
        }
    }
}

/// How fsroute is written into the manifest, once the path is settled.
enum Dependency<'a> {
    /// The checkout as the manifest names it (absolute, or relative to the app).
    Path(PathBuf),
    Git {
        url: &'a str,
        reference: &'a GitRef,
    },
    Version(&'a str),
}

impl Source {
    /// The checkout must hold the two crates a new app depends on; the default one may
    /// have been moved or deleted since this binary was built.
    fn dependency(&self, app_dir: &Path) -> Result<Dependency<'_>, String> {
        match self {
            Source::Path { checkout, default } => {
                for folder in ["runtime", "codegen"] {
                    let manifest = checkout.join(folder).join("Cargo.toml");
                    if manifest.is_file() {
                        continue;
                    }
                    return Err(if *default {
                        format!(
                            "the fsroute checkout this `fsroute` was built from, `{}`, has no \
                             `{folder}/Cargo.toml` any more; name one with `--fsroute-path DIR`, \
                             or use `--fsroute-git URL`",
                            checkout.display()
                        )
                    } else {
                        format!(
                            "`{}` is not a checkout of the fsroute repository: it has no \
                             `{folder}/Cargo.toml`",
                            checkout.display()
                        )
                    });
                }
                Ok(Dependency::Path(if checkout.is_absolute() {
                    checkout.clone()
                } else {
                    paths::relative(app_dir, checkout)
                }))
            }
            Source::Git { url, reference } => Ok(Dependency::Git { url, reference }),
            Source::Version(version) => Ok(Dependency::Version(version)),
        }
    }
}

/// What happened to the new app's git repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitInit {
    Done,
    /// The folder is already inside this work tree: a repository of its own there would
    /// be a nested one, which the outer repository does not track.
    InsideWorkTree(PathBuf),
    NotInstalled,
    Failed(String),
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
    /// Where the app takes fsroute from, in words, for the closing message.
    pub source: String,
    pub git: GitInit,
}

/// Writes a standalone copy of the template app into `dir` (which must not exist or be
/// empty), as crate `name`, taking fsroute from `source`, then makes it a git repository
/// when it can.
pub fn create(dir: &Path, name: &str, source: &Source) -> Result<Created, String> {
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
    let dependency = source.dependency(dir)?;
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
        standalone_manifest(name, &dependency)?,
    ));
    files.push(("Cargo.lock".to_string(), lock_file(&dependency)));
    // Build output, the database and uploads of a local run, the TypeScript client's npm
    // packages (its own .gitignore, copied, covers its build), and the `.env` the app reads
    // at start-up, where secrets such as JWT_SECRET go.
    files.push((
        ".gitignore".to_string(),
        "/target/\n/data/\nnode_modules/\n.env\n".to_string(),
    ));
    files.push(("README.md".to_string(), readme(name)));
    files.push((WITH_POSTGRES_PATH.to_string(), WITH_POSTGRES.to_string()));

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
    make_executable(&dir.join(WITH_POSTGRES_PATH))?;
    Ok(Created {
        dir: dir.to_path_buf(),
        name: name.to_string(),
        files: written,
        source: describe(source, &dependency),
        git: git_init(dir),
    })
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|err| format!("cannot make `{}` executable: {err}", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), String> {
    Ok(())
}

/// `git init` in the new app, unless it is already inside a work tree or git is missing.
/// Never an error: the app is complete without a repository.
fn git_init(dir: &Path) -> GitInit {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            // Set by git hooks; they would point these commands at another repository.
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
    };
    match git(&["rev-parse", "--show-toplevel"]) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => GitInit::NotInstalled,
        Err(err) => GitInit::Failed(err.to_string()),
        Ok(inside) if inside.status.success() => GitInit::InsideWorkTree(PathBuf::from(
            String::from_utf8_lossy(&inside.stdout).trim(),
        )),
        Ok(_) => match git(&["init", "--quiet"]) {
            Ok(init) if init.status.success() => GitInit::Done,
            Ok(init) => GitInit::Failed(String::from_utf8_lossy(&init.stderr).trim().to_string()),
            Err(err) => GitInit::Failed(err.to_string()),
        },
    }
}

/// Where the app takes fsroute from, and what that means for who can build it.
fn describe(source: &Source, dependency: &Dependency) -> String {
    match (source, dependency) {
        (Source::Path { default: true, .. }, Dependency::Path(path)) => format!(
            "fsroute: by path, from the checkout this `fsroute` was built from:\n  {}\n  \
             The app builds on this machine while that checkout stays there. For an app\n  \
             others and CI can build, create it with `--fsroute-git URL` (`fsroute --help`).\n",
            path.display()
        ),
        (_, Dependency::Path(path)) if path.is_relative() => format!(
            "fsroute: by path, from {} (relative to the app: move the two together).\n",
            path.display()
        ),
        (_, Dependency::Path(path)) => format!("fsroute: by path, from {}.\n", path.display()),
        (_, Dependency::Git { url, reference }) => match reference.key_value() {
            Some(("rev", rev)) => format!("fsroute: from git, {url} at commit {rev}.\n"),
            Some((kind, name)) => format!(
                "fsroute: from git, {url} at {kind} {name}; the first build pins its commit in \
                 Cargo.lock.\n"
            ),
            None => format!(
                "fsroute: from git, {url} at its default branch; the first build pins its commit \
                 in Cargo.lock.\n"
            ),
        },
        (_, Dependency::Version(version)) => {
            format!("fsroute: version {version} from crates.io.\n")
        }
    }
}

/// What to do next, for the command line to print.
pub fn next_steps(created: &Created) -> String {
    let dir = created.dir.display().to_string();
    let git = match &created.git {
        GitInit::Done => format!("git: made a repository in {dir} (nothing committed yet).\n"),
        GitInit::InsideWorkTree(top) => format!(
            "git: no repository made: {dir} is inside the one at {}.\n",
            top.display()
        ),
        GitInit::NotInstalled => {
            format!("git: not found, so no repository made; run `git init` in {dir}.\n")
        }
        GitInit::Failed(why) => {
            format!("git: `git init` failed, so no repository made ({why}).\n")
        }
    };
    // A folder name with spaces is one argument to `cd` only when quoted.
    let cd = if dir.contains(char::is_whitespace) {
        format!("'{dir}'")
    } else {
        dir.clone()
    };
    format!(
        "Created `{name}` in {dir} ({count} files).\n\n{source}{git}\n\
         Next:\n  cd {cd}\n  \
         fsroute dev                        # serves the API on http://127.0.0.1:3000, rebuilt on each save\n  \
         cargo test                         # runs its tests on SQLite\n  \
         bash .ci/with-postgres cargo test  # and on a throw-away PostgreSQL\n\n\
         Routes live in app/api/**/route.rs; `fsroute routes` lists them.\n",
        name = created.name,
        count = created.files.len(),
        source = created.source,
    )
}

fn readme(name: &str) -> String {
    format!(
        "# {name}\n\nAn API made with fsroute: `app/api/**/route.rs` files \
         become an axum router at build time.\n\n    fsroute dev   # http://127.0.0.1:3000, rebuilt and restarted on each save\n    \
         cargo run     # the same server, built once\n    \
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
         The tests run on SQLite. `bash .ci/with-postgres cargo test` runs them on a throw-away \
         PostgreSQL server too (installed from Debian's packages when missing), with the tests \
         only PostgreSQL can run.\n\n\
         Routes are `app/api/**/route.rs` files. Without building, `fsroute routes` lists them \
         (with their middleware and config), `fsroute check` reports mistakes in the tree, and \
         `fsroute print` shows the router the build generates, from the settings in \
         Cargo.toml's `[package.metadata.fsroute]` (keep them the same as `build.rs`'s).\n\n\
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
/// workspace says (features merged), and our own crates (path dependencies in the
/// workspace) taken from where `dependency` says.
fn resolve_dependency(
    line: &str,
    workspace: &[(String, String)],
    dependency: &Dependency,
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
    if let Some(index) = entries.iter().position(|entry| entry_key(entry) == "path") {
        let folder = entries[index]
            .split_once('=')
            .map(|(_, v)| v.trim().trim_matches('"').to_string())
            .unwrap_or_default();
        let source: Vec<String> = match dependency {
            Dependency::Path(checkout) => {
                vec![format!(
                    "path = {}",
                    toml_string(&checkout.join(folder).to_string_lossy())
                )]
            }
            Dependency::Git { url, reference } => {
                std::iter::once(format!("git = {}", toml_string(url)))
                    .chain(
                        reference
                            .key_value()
                            .map(|(key, value)| format!("{key} = {}", toml_string(value))),
                    )
                    .collect()
            }
            Dependency::Version(_) => Vec::new(),
        };
        entries.splice(index..=index, source);
        if let Dependency::Version(version) = dependency {
            entries.retain(|entry| entry_key(entry) != "version");
            entries.insert(0, format!("version = {}", toml_string(version)));
        }
    }
    if !features.is_empty() {
        entries.push(format!("features = [{}]", features.join(", ")));
    }
    Ok(format!("{name} = {{ {} }}", entries.join(", ")))
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    // A JSON string is a valid TOML basic string.
    json_string(text)
}

/// The lines of a manifest's `[header]` table as written, comments included.
fn raw_section<'a>(manifest: &'a str, header: &str) -> Option<Vec<&'a str>> {
    let mut lines = manifest.lines().skip_while(|line| line.trim() != header);
    lines.next()?;
    let body: Vec<&str> = lines
        .take_while(|line| !line.trim_start().starts_with('['))
        .collect();
    let end = body.iter().rposition(|line| !line.trim().is_empty())?;
    Some(body[..=end].to_vec())
}

/// The template's manifest made standalone: a package of its own with the template's
/// `[package.metadata.fsroute]`, explicit versions, its own `[workspace]`, and the
/// workspace's dev profile.
fn standalone_manifest(name: &str, dependency: &Dependency) -> Result<String, String> {
    let workspace = workspace_dependencies();
    let mut out = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n"
    );
    if let Some(lines) = raw_section(TEMPLATE_MANIFEST, crate::settings::TABLE) {
        out.push('\n');
        out.push_str(crate::settings::TABLE);
        out.push('\n');
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("\n# A workspace of its own, so it builds wherever it is created.\n[workspace]\n");
    for section in [
        "[dependencies]",
        "[build-dependencies]",
        "[dev-dependencies]",
    ] {
        out.push('\n');
        out.push_str(section);
        out.push('\n');
        for line in section_lines(TEMPLATE_MANIFEST, section) {
            out.push_str(&resolve_dependency(line, &workspace, dependency)?);
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

/// The workspace's lock file, for the new app to build with the tested versions. With a
/// path dependency it fits as it is (path packages carry no source). From git at a full
/// commit hash, our packages get that source, so the first build needs no resolution
/// (and no network but the git fetch); otherwise Cargo resolves our packages on the
/// first build and keeps every other version.
fn lock_file(dependency: &Dependency) -> String {
    let Dependency::Git {
        url,
        reference: GitRef::Rev(rev),
    } = dependency
    else {
        return WORKSPACE_LOCK.to_string();
    };
    let full_hash = rev.len() == 40 && rev.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !full_hash {
        return WORKSPACE_LOCK.to_string();
    }
    let ours: Vec<String> = workspace_dependencies()
        .into_iter()
        .filter(|(_, value)| inline_entries(value).iter().any(|e| entry_key(e) == "path"))
        .map(|(name, _)| format!("name = \"{name}\""))
        .collect();
    let source = format!("source = \"git+{url}?rev={rev}#{rev}\"");
    let mut out = String::with_capacity(WORKSPACE_LOCK.len() + 512);
    let mut ours_here = false;
    for line in WORKSPACE_LOCK.lines() {
        out.push_str(line);
        out.push('\n');
        if line == "[[package]]" {
            ours_here = false;
        } else if line.starts_with("name = ") {
            ours_here = ours.iter().any(|name| name == line);
        } else if ours_here && line.starts_with("version = ") {
            out.push_str(&source);
            out.push('\n');
        }
    }
    out
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
        let repo = Dependency::Path(PathBuf::from("/src/fsroute"));
        assert_eq!(
            resolve_dependency(
                r#"sqlx = { workspace = true, features = ["sqlite"] }"#,
                &workspace,
                &repo
            )
            .unwrap(),
            r#"sqlx = { version = "0.9", default-features = false, features = ["sqlite"] }"#
        );
        assert_eq!(
            resolve_dependency("tokio.workspace = true", &workspace, &repo).unwrap(),
            r#"tokio = { version = "1", features = ["macros"] }"#
        );
        let fsroute = r#"fsroute = { workspace = true, features = ["sqlx"] }"#;
        assert_eq!(
            resolve_dependency(fsroute, &workspace, &repo).unwrap(),
            r#"fsroute = { path = "/src/fsroute/runtime", version = "0.1.0", features = ["sqlx"] }"#
        );
        let sibling = Dependency::Path(PathBuf::from("../fsroute"));
        assert_eq!(
            resolve_dependency(fsroute, &workspace, &sibling).unwrap(),
            r#"fsroute = { path = "../fsroute/runtime", version = "0.1.0", features = ["sqlx"] }"#
        );
        let git = |reference: GitRef| {
            let dependency = Dependency::Git {
                url: "https://example.com/fsroute.git",
                reference: &reference,
            };
            resolve_dependency(fsroute, &workspace, &dependency).unwrap()
        };
        assert_eq!(
            git(GitRef::Rev("abc123".into())),
            r#"fsroute = { git = "https://example.com/fsroute.git", rev = "abc123", version = "0.1.0", features = ["sqlx"] }"#
        );
        assert_eq!(
            git(GitRef::Branch("main".into())),
            r#"fsroute = { git = "https://example.com/fsroute.git", branch = "main", version = "0.1.0", features = ["sqlx"] }"#
        );
        assert_eq!(
            git(GitRef::DefaultBranch),
            r#"fsroute = { git = "https://example.com/fsroute.git", version = "0.1.0", features = ["sqlx"] }"#
        );
        assert_eq!(
            resolve_dependency(fsroute, &workspace, &Dependency::Version("0.2")).unwrap(),
            r#"fsroute = { version = "0.2", features = ["sqlx"] }"#
        );
    }

    #[test]
    fn the_template_manifest_resolves_completely() {
        let checkout = Dependency::Path(PathBuf::from("/src/fsroute"));
        let manifest = standalone_manifest("my-api", &checkout).unwrap();
        assert!(!manifest.contains("workspace = true"), "{manifest}");
        assert!(!manifest.contains(".workspace"), "{manifest}");
        assert!(manifest.contains("name = \"my-api\""));
        assert!(manifest.contains("[profile.dev.package.argon2]"));
        // Both crates from the one place, so the generator and the runtime match.
        assert!(manifest.contains(r#"fsroute = { path = "/src/fsroute/runtime""#));
        assert!(manifest.contains(r#"fsroute-codegen = { path = "/src/fsroute/codegen""#));
        // The generator's settings travel with the template, for the CLI to read.
        let settings = crate::settings::parse(&manifest).unwrap();
        assert_eq!(
            settings,
            crate::settings::parse(TEMPLATE_MANIFEST).unwrap(),
            "{manifest}"
        );
    }

    #[test]
    fn a_lock_for_a_git_commit_gives_our_packages_that_source() {
        let rev = "0123456789abcdef0123456789abcdef01234567";
        let git = Dependency::Git {
            url: "file:///srv/fsroute",
            reference: &GitRef::Rev(rev.to_string()),
        };
        let lock = lock_file(&git);
        let source = format!("source = \"git+file:///srv/fsroute?rev={rev}#{rev}\"");
        for name in ["fsroute", "fsroute-codegen", "fsroute-docs"] {
            let entry = format!("name = \"{name}\"\nversion = \"0.1.0\"\n{source}\n");
            assert!(lock.contains(&entry), "{name} has no git source");
        }
        assert_eq!(lock.matches(&source).count(), 3);
        // A short hash or a branch names no exact commit: Cargo resolves it.
        let short = Dependency::Git {
            url: "file:///srv/fsroute",
            reference: &GitRef::Rev("0123456".to_string()),
        };
        assert_eq!(lock_file(&short), WORKSPACE_LOCK);
    }
}
