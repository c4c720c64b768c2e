//! `fsroute`: look at what the generator makes of an app folder, without building.
//!
//! ```text
//! fsroute routes [APP_DIR]   the route table: method, URL pattern, operationId, file
//! fsroute print  [APP_DIR]   the generated Rust source
//! fsroute check  [APP_DIR]   errors and warnings only
//! fsroute fmt    [APP_DIR…]  rustfmt over the route files, which `cargo fmt` never sees
//! fsroute new    DIR         a new app: a standalone copy of the template app
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use fsroute_codegen::{Builder, Diagnostic, Generated};

mod fmt;
mod scaffold;

const USAGE: &str = "\
fsroute: file-based routes for axum

Usage:
  fsroute routes [APP_DIR] [--state TYPE]   print the route table, with operationIds
  fsroute print  [APP_DIR] [--state TYPE]   print the generated router source
  fsroute check  [APP_DIR] [--state TYPE]   report errors and warnings, build nothing
  fsroute fmt    [APP_DIR...] [--check]     format the route files with rustfmt
  fsroute new    DIR [--name NAME]          create a new app from the template app

APP_DIR defaults to `app` in the current folder. `cargo fmt` does not see route files
(they are reached through the generated file); `fsroute fmt` does. Exit status: 0 when
the tree is valid (for `fmt --check`: formatted), 1 when it has errors (would be
reformatted), 2 for a bad command line.
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Routes,
    Print,
    Check,
    Fmt,
    New,
}

struct Args {
    command: Command,
    /// The app folder, or for `new` the folder to create.
    path: Option<PathBuf>,
    /// More app folders, for `fmt`.
    more_paths: Vec<PathBuf>,
    state: Option<String>,
    name: Option<String>,
    check: bool,
}

fn parse_args() -> Result<Option<Args>, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut command = None;
    let mut path = None;
    let mut state = None;
    let mut name = None;
    let mut check = false;
    let mut more_paths = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("check") if command == Some(Command::Fmt) => check = true,
            Long("state") => state = Some(parser.value()?.string()?),
            Long("name") => name = Some(parser.value()?.string()?),
            Value(value) if command.is_none() => {
                command = Some(match value.string()?.as_str() {
                    "routes" => Command::Routes,
                    "print" => Command::Print,
                    "check" => Command::Check,
                    "fmt" => Command::Fmt,
                    "new" => Command::New,
                    other => return Err(format!("unknown command `{other}`").into()),
                });
            }
            Value(value) if path.is_none() => path = Some(PathBuf::from(value)),
            Value(value) if command == Some(Command::Fmt) => more_paths.push(PathBuf::from(value)),
            _ => return Err(arg.unexpected()),
        }
    }
    let Some(command) = command else {
        return Ok(None);
    };
    Ok(Some(Args {
        command,
        path,
        more_paths,
        state,
        name,
        check,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("error: {err}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.command == Command::New {
        return new_app(&args);
    }
    if args.command == Command::Fmt {
        return format_routes(&args);
    }
    let app_dir = args.path.clone().unwrap_or_else(|| PathBuf::from("app"));
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut builder = Builder::new().root(&cwd).app_dir(&app_dir);
    if let Some(state) = &args.state {
        builder = builder.state(state);
    }
    match builder.generate() {
        Ok(generated) => {
            report(&generated.warnings);
            match args.command {
                Command::Routes => print!("{}", route_table(&generated)),
                Command::Print => print!("{}", generated.source),
                Command::Check => eprintln!(
                    "ok: {} routes, {} warnings",
                    generated.routes.len(),
                    generated.warnings.len()
                ),
                Command::New | Command::Fmt => unreachable!("handled above"),
            }
            ExitCode::SUCCESS
        }
        Err(failed) => {
            report(&failed.diagnostics);
            let errors = failed.errors().count();
            eprintln!(
                "error: {errors} {} in `{}`; nothing generated",
                if errors == 1 { "problem" } else { "problems" },
                app_dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn new_app(args: &Args) -> ExitCode {
    let Some(dir) = &args.path else {
        eprintln!("error: `fsroute new` needs a folder: `fsroute new my-api`\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let name = match &args.name {
        Some(name) => Ok(name.clone()),
        None => scaffold::crate_name_for(dir),
    };
    match name.and_then(|name| scaffold::create(dir, &name)) {
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

fn format_routes(args: &Args) -> ExitCode {
    let mut app_dirs: Vec<PathBuf> = args.path.iter().cloned().collect();
    app_dirs.extend(args.more_paths.iter().cloned());
    if app_dirs.is_empty() {
        app_dirs.push(PathBuf::from("app"));
    }
    match fmt::format_app_dirs(&app_dirs, args.check) {
        Ok(outcome) => {
            for file in &outcome.unparsable {
                eprintln!("skipped `{file}`: it does not parse; `cargo build` shows why");
            }
            let verb = if args.check { "checked" } else { "formatted" };
            eprintln!("{verb} {} route files", outcome.formatted);
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

fn report(diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        eprintln!("{}", diagnostic.render());
    }
}

/// One line per method of each URL pattern, with its OpenAPI operationId, as
/// `rails routes` lists verbs: every line stands alone, so `grep` finds whole rows.
fn route_table(generated: &Generated) -> String {
    let rows: Vec<[String; 4]> = generated
        .routes
        .iter()
        .flat_map(|route| {
            route.operation_ids.iter().map(|(method, id)| {
                [
                    method.as_str().to_string(),
                    route.path.clone(),
                    id.clone(),
                    route.file.clone(),
                ]
            })
        })
        .collect();
    let header = ["METHOD", "PATH", "OPERATION ID", "FILE"].map(String::from);
    let widths = [0, 1, 2].map(|column| {
        rows.iter()
            .chain([&header])
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    });
    let mut table = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        table.push_str(&format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}\n",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    table
}
