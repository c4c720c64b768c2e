//! What fuzz targets, benchmarks and property tests reach inside the generator for. Not
//! public API: it changes whenever the pipeline does. Each function runs one real step,
//! so nothing outside this crate copies a step to measure or fuzz it.

use std::time::Duration;

use crate::Builder;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

/// Parses one folder name: `Ok` with nothing to show for a segment, `Err` with the
/// diagnostic the build would print.
pub fn parse_segment(name: &str) -> Result<(), Diagnostic> {
    crate::segment::parse_segment(name)
        .map(|_| ())
        .map_err(|error| crate::messages::bad_segment("app", name, &error))
}

/// Analyses `source` as a route file named `path`; returns the problems found.
pub fn analyze_route_file(source: &str, path: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Diagnostics::default();
    crate::route_file::analyze(source, path, &mut diagnostics);
    diagnostics.into_sorted()
}

/// Analyses `source` as a middleware file named `path`; returns the problems found.
pub fn analyze_middleware_file(source: &str, path: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Diagnostics::default();
    crate::route_file::analyze_middleware(source, path, &mut diagnostics);
    diagnostics.into_sorted()
}

/// Runs the whole pipeline as [`Builder::generate`] does and returns how long each step
/// took, in order (scan, read, routes, validate, emit); panics if the tree has errors.
pub fn step_times(builder: &Builder) -> Vec<(&'static str, Duration)> {
    let mut times = Vec::new();
    let generated = builder.generate_timed(&mut |step, time| times.push((step, time)));
    if let Err(failed) = generated {
        panic!("the tree has errors:\n{failed}");
    }
    times
}

/// The code of every diagnostic the generator can produce.
pub fn diagnostic_codes() -> Vec<&'static str> {
    Code::ALL.iter().map(|code| code.as_str()).collect()
}
