fn main() {
    // `sqlx::migrate!` embeds the migrations when the crate compiles; recompile when one
    // is added or changed.
    println!("cargo::rerun-if-changed=migrations");
    postgres_tests();
    fsroute_codegen::Builder::new()
        .state("crate::AppState")
        // `/api/openapi.json` and the docs page at `/api/docs`.
        .openapi(true)
        .docs(true)
        .build();
}

/// The tests that only PostgreSQL can run are marked
/// `#[cfg_attr(not(postgres_tests), ignore = "…")]`: without a server (`TEST_DATABASE_URL`,
/// set by `.ci/with-postgres`) `cargo test` reports them as ignored, with the way to run
/// them, instead of as passed without having run. `FSROUTE_REQUIRE_POSTGRES` (CI) compiles
/// them in anyway, so that a missing server fails them.
fn postgres_tests() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=FSROUTE_REQUIRE_POSTGRES");
    // The same test as the suites' own (`tests/common/mod.rs`): set at all.
    let set = |name| std::env::var_os(name).is_some();
    if set("TEST_DATABASE_URL") || set("FSROUTE_REQUIRE_POSTGRES") {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
