//! Where the app binary and the test artifacts are.

use std::path::{Path, PathBuf};

use crate::Error;

/// Environment variable naming the app binary to test (default: the debug build).
pub const APP_BIN_ENV: &str = "INLET_APP_BIN";

fn workspace_root() -> PathBuf {
    // This crate lives in `<root>/tests/e2e`.
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    match manifest_dir.parent().and_then(Path::parent) {
        Some(root) => root.to_path_buf(),
        None => manifest_dir.join("../.."),
    }
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// `target/e2e-artifacts`: screenshots of failures and of named views.
pub fn artifacts_dir() -> PathBuf {
    target_dir().join("e2e-artifacts")
}

/// The absolute path of the app binary: `$INLET_APP_BIN`, or `target/debug/inlet-desktop`.
pub fn app_binary() -> Result<PathBuf, Error> {
    let path = match std::env::var_os(APP_BIN_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => target_dir().join("debug/inlet-desktop"),
    };
    // WebKitWebDriver starts the binary itself, from its own working directory.
    std::path::absolute(&path)
        .ok()
        .filter(|path| path.is_file())
        .ok_or_else(|| {
            Error::Setup(format!(
                "the app binary {} does not exist; build it with `cargo build -p inlet-desktop` \
                 or set {APP_BIN_ENV}",
                path.display()
            ))
        })
}
