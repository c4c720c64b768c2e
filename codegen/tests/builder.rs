//! The builder's entry points outside a build script.

use std::path::Path;

use fsroute_codegen::Builder;

#[test]
fn without_out_dir_try_build_says_where_to_call_it() {
    // This package has no build script, so Cargo sets no OUT_DIR for its tests.
    assert!(std::env::var_os("OUT_DIR").is_none());
    let failed = Builder::new()
        .root(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/root"))
        .try_build()
        .unwrap_err();
    assert_eq!(failed.diagnostics[0].code, "not-in-build-script");
}
