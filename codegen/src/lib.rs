//! Turns a folder of `route.rs` files into an axum `Router`, from `build.rs`.
//!
//! ```no_run
//! // build.rs, complete:
//! # #[allow(clippy::needless_doctest_main)]
//! fn main() {
//!     fsroute_codegen::Builder::new().build();
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs
//! mod routes {
//!     fsroute::include_routes!();
//! }
//! let app = routes::router(());
//! ```
//!
//! The pipeline runs in steps, each its own module, data flowing one way:
//! [`scan`] the folder → parse each folder name into a [`segment`] → read each
//! [`route_file`] with `syn` → build the [`tree`] of routes → [`validate`] it → [`emit`]
//! the source. Problems are collected, not thrown: a run reports all of them at once.

pub mod diagnostic;
pub mod emit;
pub mod items;
pub mod messages;
pub mod route_file;
pub mod scaffold;
pub mod scan;
pub mod segment;
pub mod tree;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Location, Severity};
pub use route_file::Method;

/// The file `include_routes!()` includes when given no name.
pub const DEFAULT_OUT_FILE: &str = "fsroute_routes.rs";

/// Configures and runs the generator. `Builder::new().build()` is a complete `build.rs`.
#[derive(Debug, Clone)]
pub struct Builder {
    app_dir: PathBuf,
    state: String,
    out_file: String,
    out_dir: Option<PathBuf>,
    root: Option<PathBuf>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// A route as the route table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    /// The axum path pattern (`/api/users/{id}`).
    pub path: String,
    pub methods: Vec<Method>,
    /// The route file, relative to the crate root.
    pub file: String,
}

/// What a successful run produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The router's Rust source.
    pub source: String,
    /// Every routed URL pattern, in priority order.
    pub routes: Vec<RouteEntry>,
    /// Problems that do not stop the build.
    pub warnings: Vec<Diagnostic>,
}

/// What `try_build` wrote.
#[derive(Debug, Clone)]
pub struct Built {
    pub generated: Generated,
    /// The file written (or left alone because its content was already the same).
    pub out_path: PathBuf,
    /// False when the file already had this content and was not touched.
    pub written: bool,
}

/// A run that found errors. Holds every problem found, errors first, warnings too.
#[derive(Debug, Clone)]
pub struct Failed {
    pub diagnostics: Vec<Diagnostic>,
}

impl Failed {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            f.write_str(&diagnostic.render())?;
        }
        Ok(())
    }
}

impl std::error::Error for Failed {}

impl Builder {
    /// App folder `app/` beside `Cargo.toml`, state `()`, output `fsroute_routes.rs`.
    pub fn new() -> Self {
        Builder {
            app_dir: PathBuf::from("app"),
            state: "()".to_string(),
            out_file: DEFAULT_OUT_FILE.to_string(),
            out_dir: None,
            root: None,
        }
    }

    /// The folder that holds the routes. Relative paths are taken from the crate root.
    ///
    /// ```no_run
    /// fsroute_codegen::Builder::new().app_dir("src/app").build();
    /// ```
    pub fn app_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.app_dir = dir.into();
        self
    }

    /// The type of the state that handlers extract with `State<…>`; `router()` takes it.
    ///
    /// ```no_run
    /// fsroute_codegen::Builder::new().state("crate::AppState").build();
    /// ```
    pub fn state(mut self, type_path: impl Into<String>) -> Self {
        self.state = type_path.into();
        self
    }

    /// The file name under `OUT_DIR`; include it with `include_routes!("name.rs")`. Lets one
    /// crate generate several routers.
    ///
    /// ```no_run
    /// fsroute_codegen::Builder::new().app_dir("admin").out_file("admin_routes.rs").build();
    /// ```
    pub fn out_file(mut self, name: impl Into<String>) -> Self {
        self.out_file = name.into();
        self
    }

    /// Where to write; defaults to `OUT_DIR`. For tools and tests.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The folder paths are shown relative to and relative `app_dir` is taken from;
    /// defaults to `CARGO_MANIFEST_DIR`, else the current folder.
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = Some(dir.into());
        self
    }

    fn root_dir(&self) -> PathBuf {
        self.root
            .clone()
            .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default()
    }

    /// The app folder as an absolute path.
    pub fn resolved_app_dir(&self) -> PathBuf {
        let root = self.root_dir();
        let dir = root.join(&self.app_dir);
        // Absolute, because generated `#[path]` attributes must not depend on where the
        // generated file is included from.
        std::path::absolute(&dir).unwrap_or(dir)
    }

    /// Runs the pipeline and returns the source, without writing anything.
    pub fn generate(&self) -> Result<Generated, Failed> {
        let root = self.root_dir();
        let app_dir = self.resolved_app_dir();
        let display = |path: &Path| display_path(&root, path);
        let app_display = display(&app_dir);
        let mut diagnostics = Vec::new();

        // Checked to be a type, then written into the source as the user wrote it.
        if let Err(err) = syn::parse_str::<syn::Type>(&self.state) {
            diagnostics.push(messages::invalid_state_type(&self.state, &err.to_string()));
        }

        let scanned = scan::scan(&app_dir, &display);
        diagnostics.extend(scanned.diagnostics);
        let mut sources = Vec::with_capacity(scanned.files.len());
        for (source, problems) in read_all(scanned.files, &display) {
            diagnostics.extend(problems);
            sources.push(source);
        }

        let (tree, segment_errors) = tree::build_tree(sources, &app_display);
        diagnostics.extend(segment_errors);
        diagnostics.extend(validate::validate(&tree, &app_display));
        diagnostic::sort_diagnostics(&mut diagnostics);

        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Failed { diagnostics });
        }
        let source = emit::emit(
            &tree,
            &emit::EmitOptions {
                app_display: &app_display,
                state: self.state.trim(),
            },
        );
        let entries = tree
            .routes
            .iter()
            .filter(|route| route.is_routed())
            .flat_map(|route| {
                route.axum_paths().into_iter().map(|path| RouteEntry {
                    path,
                    methods: route.methods().to_vec(),
                    file: route.display.clone(),
                })
            })
            .collect();
        Ok(Generated {
            source,
            routes: entries,
            warnings: diagnostics,
        })
    }

    /// Generates and writes `OUT_DIR/<out_file>`, touching it only when its content changed
    /// so that an unchanged tree does not make rustc rebuild the crate.
    pub fn try_build(&self) -> Result<Built, Failed> {
        let generated = self.generate()?;
        let out_dir = match self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
        {
            Some(dir) => dir,
            None => {
                return Err(Failed {
                    diagnostics: vec![messages::not_in_build_script()],
                });
            }
        };
        let out_path = out_dir.join(&self.out_file);
        let unchanged = std::fs::read_to_string(&out_path).is_ok_and(|old| old == generated.source);
        if !unchanged {
            std::fs::write(&out_path, &generated.source).map_err(|err| Failed {
                diagnostics: vec![messages::write_failed(
                    &out_path.display().to_string(),
                    &err.to_string(),
                )],
            })?;
        }
        Ok(Built {
            generated,
            out_path,
            written: !unchanged,
        })
    }

    /// The build-script entry point: generates, writes, and tells Cargo. Problems become
    /// `cargo::warning=` and `cargo::error=` lines (all of them, one per problem); any error
    /// fails the build. Never panics.
    pub fn build(self) {
        // Watching the app folder makes Cargo rerun us when any file below it changes or a
        // new one appears, and only then. Printed even on failure, so a fix is picked up.
        println!(
            "cargo::rerun-if-changed={}",
            self.resolved_app_dir().display()
        );
        match self.try_build() {
            Ok(built) => {
                for warning in &built.generated.warnings {
                    println!("cargo::warning={}", warning.render_line());
                }
            }
            Err(failed) => {
                for diagnostic in &failed.diagnostics {
                    let directive = if diagnostic.is_error() {
                        "error"
                    } else {
                        "warning"
                    };
                    println!("cargo::{directive}={}", diagnostic.render_line());
                    eprint!("{}", diagnostic.render());
                }
            }
        }
    }
}

/// Reads and analyses one route or middleware file.
fn read_one(
    file: scan::ScannedFile,
    display: &(dyn Fn(&Path) -> String + Sync),
) -> (tree::RouteSource, Vec<Diagnostic>) {
    let shown = display(&file.path);
    let mut problems = Vec::new();
    let analysis = match (std::fs::read_to_string(&file.path), file.kind) {
        (Ok(source), scan::FileKind::Route) => route_file::analyze(&source, &shown),
        (Ok(source), scan::FileKind::Middleware) => {
            problems.extend(route_file::analyze_middleware(&source, &shown));
            route_file::RouteFileAnalysis::default()
        }
        (Err(err), _) => route_file::RouteFileAnalysis {
            diagnostics: vec![messages::unreadable(&shown, &err.to_string())],
            ..Default::default()
        },
    };
    problems.extend(analysis.diagnostics.iter().cloned());
    let source = tree::RouteSource {
        kind: file.kind,
        folders: file.folders,
        path: file.path,
        analysis,
    };
    (source, problems)
}

/// Reads and analyses every file, in order. Parsing is most of the generator's time on a
/// large tree, so large trees are split across the machine's cores.
fn read_all(
    files: Vec<scan::ScannedFile>,
    display: &(dyn Fn(&Path) -> String + Sync),
) -> Vec<(tree::RouteSource, Vec<Diagnostic>)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads == 1 || files.len() < 256 {
        return files
            .into_iter()
            .map(|file| read_one(file, display))
            .collect();
    }
    let per_thread = files.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    let mut files = files.into_iter();
    loop {
        let chunk: Vec<scan::ScannedFile> = files.by_ref().take(per_thread).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|file| read_one(file, display))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Relative to `root` when inside it, with forward slashes whatever the platform.
fn display_path(root: &Path, path: &Path) -> String {
    let shown = path.strip_prefix(root).unwrap_or(path);
    let text = shown.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}
