//! IPC commands the UI calls with `invoke`. Each is a thin adapter: gather inputs, call the
//! core on a blocking thread where it touches the database, map errors to [`AppError`].

pub mod export;
pub mod inbox;
pub mod info;
pub mod media;
pub mod organise;
pub mod payloads;
pub mod setup;
pub mod test_hooks;

pub use info::AppInfo;
