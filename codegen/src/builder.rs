//! The public entry point: [`Builder`] configures a run, and its results are
//! [`Generated`], [`Built`] or [`Failed`]. The steps it runs are private modules.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::conventions::Method;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::{emit, messages, naming, read, routes, scan, validate};

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
    openapi: Option<OpenApiOptions>,
}

/// What `Builder::openapi` and friends turned on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OpenApiOptions {
    strict: bool,
    json_path: String,
    docs_path: Option<String>,
}

impl Default for OpenApiOptions {
    fn default() -> Self {
        OpenApiOptions {
            strict: false,
            json_path: DEFAULT_OPENAPI_PATH.to_string(),
            docs_path: None,
        }
    }
}

/// Where the document is served unless `openapi_path` says otherwise.
pub const DEFAULT_OPENAPI_PATH: &str = "/api/openapi.json";
/// Where the docs page is served unless `docs_path` says otherwise.
pub const DEFAULT_DOCS_PATH: &str = "/api/docs";

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
    /// The OpenAPI operationId of each method, in the order of `methods` (`getUsersById`).
    pub operation_ids: Vec<(Method, String)>,
    /// What wraps its handlers, outermost first, relative to the crate root: each
    /// `middleware.rs` above it, then the route file itself when it exports `middleware`.
    pub middleware: Vec<String>,
    /// The route config constants its file exports, in a fixed order (`MAX_DURATION`,
    /// `BODY_LIMIT`, `REVALIDATE`).
    pub config: Vec<&'static str>,
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
            openapi: None,
        }
    }

    /// Generates `routes::openapi()`, the OpenAPI 3.1 document of the router, and serves
    /// it at `/api/openapi.json`. Needs the `openapi` feature of the `fsroute` crate. Off
    /// by default: builds that do not use it are unchanged.
    ///
    /// ```no_run
    /// fsroute_codegen::Builder::new().openapi(true).build();
    /// ```
    pub fn openapi(mut self, on: bool) -> Self {
        self.openapi = on.then(|| self.openapi.take().unwrap_or_default());
        self
    }

    fn openapi_options(&mut self) -> &mut OpenApiOptions {
        self.openapi.get_or_insert_with(OpenApiOptions::default)
    }

    /// Serves the document at `path` instead of `/api/openapi.json`; turns `openapi` on.
    pub fn openapi_path(mut self, path: impl Into<String>) -> Self {
        self.openapi_options().json_path = path.into();
        self
    }

    /// A type the document cannot describe (no `schemars::JsonSchema`) fails the build,
    /// naming the type, instead of becoming an open schema listed by `gaps()`; turns
    /// `openapi` on.
    pub fn openapi_strict(mut self, strict: bool) -> Self {
        self.openapi_options().strict = strict;
        self
    }

    /// Serves a docs page for the document at `/api/docs`, working with no network. Needs
    /// the `docs` feature of the `fsroute` crate; turns `openapi` on.
    ///
    /// ```no_run
    /// fsroute_codegen::Builder::new().openapi(true).docs(true).build();
    /// ```
    pub fn docs(mut self, on: bool) -> Self {
        self.openapi_options().docs_path = on.then(|| DEFAULT_DOCS_PATH.to_string());
        self
    }

    /// Serves the docs page at `path` instead of `/api/docs`; turns `docs` on.
    pub fn docs_path(mut self, path: impl Into<String>) -> Self {
        self.openapi_options().docs_path = Some(path.into());
        self
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
        self.generate_timed(&mut |_, _| {})
    }

    /// [`generate`](Self::generate), telling `step_done` how long each step took, in the
    /// order they run: scan, read, routes, validate, emit.
    pub(crate) fn generate_timed(
        &self,
        step_done: &mut dyn FnMut(&'static str, Duration),
    ) -> Result<Generated, Failed> {
        let root = self.root_dir();
        let app_dir = self.resolved_app_dir();
        let display = |path: &Path| display_path(&root, path);
        let app_display = display(&app_dir);
        let mut diagnostics = Diagnostics::default();
        let mut timer = Instant::now();
        let mut step = |name: &'static str| {
            step_done(name, timer.elapsed());
            timer = Instant::now();
        };

        // Checked to be a type, then written into the source as the user wrote it.
        if let Err(err) = syn::parse_str::<syn::Type>(&self.state) {
            diagnostics.push(messages::invalid_state_type(&self.state, &err.to_string()));
        }

        let files = scan::scan(&app_dir, &display, &mut diagnostics);
        step("scan");
        let files = read::read_all(files, &display, &mut diagnostics);
        step("read");
        let table = routes::build(files, &app_display, &mut diagnostics);
        step("routes");
        validate::validate(&table, &app_display, &mut diagnostics);
        step("validate");

        if let Some(openapi) = &self.openapi {
            check_served_paths(openapi, &table, &mut diagnostics);
        }

        if diagnostics.has_errors() {
            return Err(Failed {
                diagnostics: diagnostics.into_sorted(),
            });
        }
        let source = emit::emit(
            &table,
            &emit::EmitOptions {
                app_display: &app_display,
                state: self.state.trim(),
                openapi: self.openapi.as_ref().map(|openapi| emit::OpenApiEmit {
                    strict: openapi.strict,
                    json_path: &openapi.json_path,
                    docs_path: openapi.docs_path.as_deref(),
                }),
            },
        );
        step("emit");
        let entries = table
            .routes
            .iter()
            .filter(|route| route.is_routed())
            .flat_map(|route| {
                naming::route_names(route)
                    .into_iter()
                    .map(|names| RouteEntry {
                        path: names.axum_path,
                        methods: route.methods().to_vec(),
                        file: route.display.clone(),
                        operation_ids: names.operation_ids,
                        middleware: route
                            .middlewares
                            .iter()
                            .map(|&index| table.middlewares[index].display.clone())
                            .chain(route.analysis.middleware.then(|| route.display.clone()))
                            .collect(),
                        config: route.analysis.config.iter().map(|c| c.name()).collect(),
                    })
            })
            .collect();
        Ok(Generated {
            source,
            routes: entries,
            warnings: diagnostics.into_sorted(),
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

/// The document's and the docs page's URLs must be paths, and free: axum panics when two
/// routes claim one path, and a user's route there should not silently lose.
fn check_served_paths(
    openapi: &OpenApiOptions,
    table: &routes::RouteTable,
    diagnostics: &mut Diagnostics,
) {
    let served = std::iter::once(("the OpenAPI document", "openapi_path", &openapi.json_path))
        .chain(
            openapi
                .docs_path
                .iter()
                .map(|path| ("the docs page", "docs_path", path)),
        );
    for (what, option, path) in served {
        let valid = path.starts_with('/')
            && path.len() > 1
            && !path.ends_with('/')
            && !path.contains(['{', '}', '?', '#', ' ']);
        if !valid {
            diagnostics.push(messages::invalid_served_path(option, path));
            continue;
        }
        let taken = table
            .routes
            .iter()
            .filter(|route| route.is_routed())
            .find(|route| {
                route
                    .axum_paths()
                    .iter()
                    .any(|route_path| route_path == path)
            });
        if let Some(route) = taken {
            diagnostics.push(messages::served_path_taken(
                what,
                option,
                path,
                &route.display,
            ));
        }
    }
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
