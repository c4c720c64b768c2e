//! Any folder name through the segment parser: an answer (a segment or a refusal with a
//! reason), never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|name: &str| {
    let _ = fsroute_codegen::__internals::parse_segment(name);
});
