// The app package's manifest and `tauri.conf.json` sit at the repository root (so the Tauri CLI
// can bundle it), but its capabilities live in `src-tauri/capabilities/` with the rest of the shell.
const CAPABILITIES_DIR: &str = "src-tauri/capabilities";

fn main() {
    // A custom capabilities path is not watched by tauri-build, so tell cargo ourselves.
    println!("cargo:rerun-if-changed={CAPABILITIES_DIR}");
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*");
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by exiting non-zero; the message explains why.
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
