//! `fsroute`: look at what the generator makes of an app folder, without building, and
//! start new apps.
//!
//! ```text
//! fsroute routes [APP_DIR] [--json]  the route table: method, URL pattern, operationId,
//!                                    middleware, config, file
//! fsroute print  [APP_DIR]           the generated Rust source
//! fsroute check  [APP_DIR]           errors and warnings only
//! fsroute fmt    [APP_DIR…]          rustfmt over the route files, which `cargo fmt` never sees
//! fsroute new    DIR                 a new app: a standalone copy of the template app
//! fsroute dev                        serve the app, rebuilt and restarted on every save
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fsroute_codegen::{Builder, Diagnostic};

mod dev;
mod fmt;
mod paths;
mod routes;
mod scaffold;
mod settings;

fn usage() -> String {
    format!(
        "\
fsroute: file-based routes for axum

Usage:
  fsroute routes [APP_DIR] [--state TYPE] [--json]  print the route table
  fsroute print  [APP_DIR] [--state TYPE]           print the generated router source
  fsroute check  [APP_DIR] [--state TYPE]           report errors and warnings, build nothing
  fsroute fmt    [APP_DIR...] [--check]             format the route files with rustfmt
  fsroute new    DIR [--name NAME] [SOURCE]         create a new app from the template app
  fsroute dev    [--port PORT] [--bin NAME]         serve the app, rebuilt on every save
  fsroute --version

Without APP_DIR, a command works on the crate that holds the current folder (the nearest
Cargo.toml with a [package]): its app folder, and for routes, print and check the
generator settings of its [package.metadata.fsroute] table (app, state, openapi, docs...),
so that they show what `cargo build` compiles. --state overrides the table. With APP_DIR,
that folder, with the settings of the crate that holds it.

`fsroute dev` serves on HOST:PORT (default 127.0.0.1:3000; --port overrides PORT) and
runs the crate's binary behind it, rebuilding and restarting it when the app folder,
src/, migrations/, build.rs, Cargo.toml, Cargo.lock or .env change. Requests made during
a build wait for it; after a failed build they get a JSON 500 `BUILD_FAILED`. Ctrl-C
stops it and everything it started.

SOURCE is where the new app's Cargo.toml takes fsroute from, one of:
  --fsroute-path DIR       a checkout of the fsroute repository; the default is the one
                           this fsroute was built from ({default})
  --fsroute-git URL        a git repository of fsroute, at [--rev REV | --branch BRANCH |
                           --tag TAG] (default: its default branch)
  --fsroute-version VER    a version from crates.io

Exit status: 0 when the tree is valid (for `fmt --check`: formatted), 1 when it has
errors (would be reformatted) or the command could not run, 2 for a bad command line.
",
        default = scaffold::built_from().display()
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Routes,
    Print,
    Check,
    Fmt,
    New,
    Dev,
}

impl Command {
    fn name(self) -> &'static str {
        match self {
            Command::Routes => "routes",
            Command::Print => "print",
            Command::Check => "check",
            Command::Fmt => "fmt",
            Command::New => "new",
            Command::Dev => "dev",
        }
    }
}

#[derive(Default)]
struct Args {
    command: Option<Command>,
    /// The app folder, or for `new` the folder to create.
    path: Option<PathBuf>,
    /// More app folders, for `fmt`.
    more_paths: Vec<PathBuf>,
    state: Option<String>,
    name: Option<String>,
    check: bool,
    json: bool,
    fsroute_path: Option<PathBuf>,
    fsroute_git: Option<String>,
    rev: Option<String>,
    branch: Option<String>,
    tag: Option<String>,
    fsroute_version: Option<String>,
    port: Option<u16>,
    bin: Option<String>,
    /// Every option given, as typed, to check it against the command.
    options: Vec<&'static str>,
}

/// What the command line asked for.
enum Parsed {
    Run(Box<Args>),
    Help,
    Version,
}

fn parse_args() -> Result<Parsed, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut args = Args::default();
    let error = |err: lexopt::Error| err.to_string();
    while let Some(arg) = parser.next().map_err(error)? {
        let option: &'static str = match arg {
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Long("check") => {
                args.check = true;
                "--check"
            }
            Long("json") => {
                args.json = true;
                "--json"
            }
            Long("state") => {
                args.state = Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--state"
            }
            Long("name") => {
                args.name = Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--name"
            }
            Long("fsroute-path") => {
                args.fsroute_path = Some(parser.value().map_err(error)?.into());
                "--fsroute-path"
            }
            Long("fsroute-git") => {
                args.fsroute_git = Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--fsroute-git"
            }
            Long("rev") => {
                args.rev = Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--rev"
            }
            Long("branch") => {
                args.branch = Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--branch"
            }
            Long("tag") => {
                args.tag = Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--tag"
            }
            Long("port") => {
                let port = parser.value().and_then(|v| v.string()).map_err(error)?;
                args.port = Some(
                    port.parse()
                        .map_err(|_| format!("--port takes a port number, not `{port}`"))?,
                );
                "--port"
            }
            Long("bin") => {
                args.bin = Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--bin"
            }
            Long("fsroute-version") => {
                args.fsroute_version =
                    Some(parser.value().and_then(|v| v.string()).map_err(error)?);
                "--fsroute-version"
            }
            Value(value) if args.command.is_none() => {
                let value = value.string().map_err(error)?;
                args.command = Some(match value.as_str() {
                    "routes" => Command::Routes,
                    "print" => Command::Print,
                    "check" => Command::Check,
                    "fmt" => Command::Fmt,
                    "new" => Command::New,
                    "dev" => Command::Dev,
                    other => return Err(format!("unknown command `{other}`")),
                });
                continue;
            }
            Value(value) if args.path.is_none() => {
                args.path = Some(PathBuf::from(value));
                continue;
            }
            Value(value) if args.command == Some(Command::Fmt) => {
                args.more_paths.push(PathBuf::from(value));
                continue;
            }
            _ => return Err(arg.unexpected().to_string()),
        };
        args.options.push(option);
    }
    let Some(command) = args.command else {
        return Ok(Parsed::Help);
    };
    let allowed: &[&str] = match command {
        Command::Routes => &["--state", "--json"],
        Command::Print | Command::Check => &["--state"],
        Command::Fmt => &["--check"],
        Command::New => &[
            "--name",
            "--fsroute-path",
            "--fsroute-git",
            "--rev",
            "--branch",
            "--tag",
            "--fsroute-version",
        ],
        Command::Dev => &["--port", "--bin"],
    };
    if let Some(option) = args.options.iter().find(|o| !allowed.contains(o)) {
        return Err(format!(
            "`{option}` is not an option of `fsroute {}`",
            command.name()
        ));
    }
    Ok(Parsed::Run(Box::new(args)))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("fsroute {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("error: {err}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    match args.command.expect("parse_args returns a command") {
        Command::New => new_app(&args),
        Command::Fmt => format_routes(&args),
        Command::Dev => dev_server(&args),
        command => generate(command, &args),
    }
}

/// Where a command looks: the builder configured as the crate's build is, and the app
/// folder as paths are shown (for the closing line and the table's short names).
struct Target {
    builder: Builder,
    root: PathBuf,
    app_display: String,
}

/// The crate's settings applied to a builder for `APP_DIR`, or for the crate that holds
/// the current folder.
fn target(args: &Args, command: Command) -> Result<Target, String> {
    let cwd = std::env::current_dir().map_err(|err| format!("no current folder: {err}"))?;
    match &args.path {
        Some(app_dir) => {
            // Paths are shown as the user named the folder, from the current one.
            let holder =
                settings::find_crate(&std::path::absolute(cwd.join(app_dir)).unwrap_or_default());
            let settings = match holder {
                Some(root) => settings::read(&root)?,
                None => settings::Settings::default(),
            };
            let builder = settings.apply(Builder::new()).root(&cwd).app_dir(app_dir);
            Ok(Target {
                builder,
                root: cwd,
                app_display: display(app_dir),
            })
        }
        None => {
            let root = settings::find_crate(&cwd).ok_or_else(|| no_crate(&cwd, command))?;
            let settings = settings::read(&root)?;
            let app = settings.app.clone().unwrap_or_else(|| "app".to_string());
            // As the build does: the app folder and every path from the crate root.
            let builder = settings.apply(Builder::new()).root(&root);
            Ok(Target {
                builder,
                root,
                app_display: display(Path::new(&app)),
            })
        }
    }
}

fn no_crate(cwd: &Path, command: Command) -> String {
    format!(
        "no Cargo.toml with a [package] in `{}` or any folder above it; run `fsroute {name}` \
         inside your crate, or name its app folder: `fsroute {name} path/to/app`",
        cwd.display(),
        name = command.name()
    )
}

fn display(path: &Path) -> String {
    path.to_string_lossy()
        .replace('\\', "/")
        .trim_end_matches('/')
        .to_string()
}

fn generate(command: Command, args: &Args) -> ExitCode {
    let target = match target(args, command) {
        Ok(target) => target,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut builder = target.builder;
    if let Some(state) = &args.state {
        builder = builder.state(state);
    }
    match builder.generate() {
        Ok(generated) => {
            report(&generated.warnings);
            match command {
                Command::Routes if args.json => {
                    print!("{}", routes::json(&generated, &target.root));
                }
                Command::Routes => print!(
                    "{}",
                    routes::table(&generated, &target.root, &target.app_display)
                ),
                Command::Print => print!("{}", generated.source),
                Command::Check => eprintln!(
                    "ok: {}, {}",
                    count(generated.routes.len(), "route", "routes"),
                    count(generated.warnings.len(), "warning", "warnings")
                ),
                Command::New | Command::Fmt | Command::Dev => unreachable!("handled in main"),
            }
            ExitCode::SUCCESS
        }
        Err(failed) => {
            report(&failed.diagnostics);
            eprintln!(
                "error: {} in `{}`; nothing generated",
                count(failed.errors().count(), "problem", "problems"),
                target.app_display
            );
            ExitCode::FAILURE
        }
    }
}

/// `1 warning`, `2 warnings`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn new_app(args: &Args) -> ExitCode {
    let Some(dir) = &args.path else {
        eprintln!(
            "error: `fsroute new` needs a folder: `fsroute new ../my-api`\n\n{}",
            usage()
        );
        return ExitCode::from(2);
    };
    let source = match source_choice(args) {
        Ok(source) => source,
        Err(err) => {
            eprintln!("error: {err}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let name = match &args.name {
        Some(name) => Ok(name.clone()),
        None => scaffold::crate_name_for(dir),
    };
    match name.and_then(|name| scaffold::create(dir, &name, &source)) {
        Ok(created) => {
            print!("{}", scaffold::next_steps(&created));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The one place the new app takes fsroute from; a contradiction is a bad command line.
fn source_choice(args: &Args) -> Result<scaffold::Source, String> {
    let chosen: Vec<&str> = [
        ("--fsroute-path", args.fsroute_path.is_some()),
        ("--fsroute-git", args.fsroute_git.is_some()),
        ("--fsroute-version", args.fsroute_version.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, given)| given.then_some(flag))
    .collect();
    if chosen.len() > 1 {
        return Err(format!(
            "choose one place to take fsroute from: {} were given",
            chosen.join(" and ")
        ));
    }
    let refs: Vec<(&str, &String)> = [
        ("--rev", &args.rev),
        ("--branch", &args.branch),
        ("--tag", &args.tag),
    ]
    .into_iter()
    .filter_map(|(flag, value)| value.as_ref().map(|value| (flag, value)))
    .collect();
    if let (Some((flag, _)), None) = (refs.first(), &args.fsroute_git) {
        return Err(format!(
            "`{flag}` picks a commit of a git repository: use it with `--fsroute-git URL`"
        ));
    }
    if refs.len() > 1 {
        let flags: Vec<&str> = refs.iter().map(|(flag, _)| *flag).collect();
        return Err(format!(
            "choose one of `--rev`, `--branch` and `--tag`: {} were given",
            flags.join(" and ")
        ));
    }
    if let Some(url) = &args.fsroute_git {
        let reference = match refs.first() {
            None => scaffold::GitRef::DefaultBranch,
            Some(("--rev", rev)) => scaffold::GitRef::Rev((*rev).clone()),
            Some(("--branch", branch)) => scaffold::GitRef::Branch((*branch).clone()),
            Some((_, tag)) => scaffold::GitRef::Tag((*tag).clone()),
        };
        return Ok(scaffold::Source::Git {
            url: url.clone(),
            reference,
        });
    }
    if let Some(version) = &args.fsroute_version {
        return Ok(scaffold::Source::Version(version.clone()));
    }
    Ok(match &args.fsroute_path {
        Some(dir) => scaffold::Source::Path {
            checkout: dir.clone(),
            default: false,
        },
        None => scaffold::Source::Path {
            checkout: scaffold::built_from(),
            default: true,
        },
    })
}

fn format_routes(args: &Args) -> ExitCode {
    let mut app_dirs: Vec<PathBuf> = args.path.iter().cloned().collect();
    app_dirs.extend(args.more_paths.iter().cloned());
    if app_dirs.is_empty() {
        // The crate's app folder, as for the other commands.
        let found = std::env::current_dir()
            .map_err(|err| format!("no current folder: {err}"))
            .and_then(|cwd| {
                let root =
                    settings::find_crate(&cwd).ok_or_else(|| no_crate(&cwd, Command::Fmt))?;
                let app = settings::read(&root)?
                    .app
                    .unwrap_or_else(|| "app".to_string());
                // Named from the current folder, as rustfmt and the notes show it.
                Ok(paths::relative(&cwd, &root.join(app)))
            });
        match found {
            Ok(app_dir) => app_dirs.push(app_dir),
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    match fmt::format_app_dirs(&app_dirs, args.check) {
        Ok(outcome) => {
            for file in &outcome.unparsable {
                eprintln!("skipped `{file}`: it does not parse; `cargo build` shows why");
            }
            let verb = if args.check { "checked" } else { "formatted" };
            eprintln!(
                "{verb} {}",
                count(outcome.formatted, "route file", "route files")
            );
            if outcome.ok {
                ExitCode::SUCCESS
            } else {
                if args.check {
                    eprintln!("run `fsroute fmt` to format them");
                }
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn dev_server(args: &Args) -> ExitCode {
    if args.path.is_some() {
        eprintln!(
            "error: `fsroute dev` runs in the app's crate folder and takes no folder\n\n{}",
            usage()
        );
        return ExitCode::from(2);
    }
    let options = std::env::current_dir()
        .map_err(|err| format!("no current folder: {err}"))
        .and_then(|cwd| {
            let root = settings::find_crate(&cwd).ok_or_else(|| no_crate(&cwd, Command::Dev))?;
            let settings = settings::read(&root)?;
            let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_string());
            let port = match args.port {
                Some(port) => port,
                None => match std::env::var("PORT") {
                    Ok(port) => port
                        .parse()
                        .map_err(|_| format!("PORT={port} is not a port number"))?,
                    Err(_) => 3000,
                },
            };
            let address = format!("{host}:{port}")
                .parse()
                .or_else(|_| format!("[{host}]:{port}").parse())
                .map_err(|_| format!("HOST={host} is not an IP address"))?;
            Ok(dev::Options {
                root,
                settings,
                address,
                bin: args.bin.clone(),
            })
        });
    match options {
        Ok(options) => dev::run(options),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn report(diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        eprintln!("{}", diagnostic.render());
    }
}
