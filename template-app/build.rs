fn main() {
    // `sqlx::migrate!` embeds the migrations when the crate compiles; recompile when one
    // is added or changed.
    println!("cargo::rerun-if-changed=migrations");
    fsroute_codegen::Builder::new()
        .state("crate::AppState")
        .build();
}
