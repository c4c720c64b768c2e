fn main() {
    fsroute_codegen::Builder::new()
        .state("crate::AppState")
        .build();
}
