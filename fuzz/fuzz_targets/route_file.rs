//! Arbitrary bytes as a route file and as a middleware file: the analysis answers
//! (handlers found, or diagnostics), never panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // Route files are read as UTF-8; anything else is refused before analysis, as the
    // generator does with `read_to_string`.
    let Ok(source) = std::str::from_utf8(bytes) else {
        return;
    };
    let _ = fsroute_codegen::__internals::analyze_route_file(source, "app/api/route.rs");
    let _ = fsroute_codegen::__internals::analyze_middleware_file(source, "app/api/middleware.rs");
});
