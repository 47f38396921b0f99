//! Inlet's desktop shell: a thin Tauri adapter between the Svelte UI (`ui/`) and the Rust core.
//!
//! The shell owns start-up (launch options, logging) and the IPC commands; everything with real
//! logic belongs in the core crates, so that it can be tested without a window.

mod commands;
mod error;
mod launch;

pub use commands::AppInfo;
pub use error::{AppError, ErrorKind, ErrorPayload};
pub use launch::LaunchOptions;

/// Starts the desktop app and blocks until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    init_logging();
    let options = LaunchOptions::parse(
        std::env::args_os().skip(1),
        std::env::var_os(launch::DATA_DIR_ENV),
    );
    tracing::info!(demo = options.demo, "starting Inlet");
    tauri::Builder::default()
        .manage(options)
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!())
}

/// Logs go to stderr; `RUST_LOG` overrides the default level.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // `try_init` fails only if a subscriber is already set, which is harmless.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
