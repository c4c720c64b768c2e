//! Generates a router for each fixture tree that is meant to compile.

fn main() {
    fsroute_codegen::Builder::new()
        .app_dir("fixtures/conventions/app")
        .state("crate::FixtureState")
        .out_file("conventions.rs")
        .build();
    fsroute_codegen::Builder::new()
        .app_dir("fixtures/middleware/app")
        .state("crate::MiddlewareState")
        .out_file("middleware.rs")
        .build();
    fsroute_codegen::Builder::new()
        .app_dir("fixtures/root/app")
        .out_file("root.rs")
        .build();
    fsroute_codegen::Builder::new()
        .app_dir("fixtures/links/app")
        .out_file("links.rs")
        .build();
    fsroute_codegen::Builder::new()
        .app_dir("fixtures/openapi/app")
        .out_file("openapi.rs")
        .openapi(true)
        .docs(true)
        .build();
}
