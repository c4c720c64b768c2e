fn main() {
    // `sqlx::migrate!` embeds the migrations when the crate compiles; recompile when one
    // is added or changed.
    println!("cargo::rerun-if-changed=migrations");
    fsroute_codegen::Builder::new()
        .state("crate::AppState")
        // `/api/openapi.json` and the docs page at `/api/docs`.
        .openapi(true)
        .docs(true)
        .build();
}
