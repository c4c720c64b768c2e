fn main() {
    fsroute_codegen::Builder::new().build();
}
