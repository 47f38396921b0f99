//! Inlet's desktop shell: a thin Tauri adapter between the Svelte UI (`ui/`) and the Rust core.
//!
//! The shell owns start-up (launch options, logging, the data folder), the open inbox
//! (`state.rs`, `session.rs`: store, sync engines, media keeper, the demo queue), forwarding
//! the core's events to the webview (`forward.rs`), notifications and the tray, and the IPC
//! commands. Everything with real logic belongs in the core crates, so that it can be tested
//! without a window.

mod commands;
mod demo;
mod error;
mod forward;
mod launch;
mod notify;
mod queries;
mod readers;
mod session;
mod settings;
mod state;
mod status;
mod tray;

use std::hash::{Hash, Hasher};

use tauri::{Manager, RunEvent};

pub use commands::AppInfo;
pub use error::{AppError, ErrorKind, ErrorPayload};
pub use launch::LaunchOptions;

use settings::InboxMode;
use state::AppState;

/// Starts the desktop app and blocks until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    init_logging();
    let options = LaunchOptions::parse(
        std::env::args_os().skip(1),
        std::env::var_os(launch::DATA_DIR_ENV),
    )
    .with_test_hooks(std::env::var_os(launch::TEST_HOOKS_ENV));
    tracing::info!(demo = options.demo, "starting Inlet");
    let app = tauri::Builder::default()
        // First: a second launch on the same data folder hands over to the running app.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(&options))
                .callback(|app, _args, _cwd| tray::show_window(app))
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        // Used from Rust only (commands/export.rs): the webview has no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        .manage(commands::export::DialogAnswers::default())
        .setup(move |app| {
            let data_dir = match &options.data_dir {
                Some(dir) => dir.clone(),
                None => app.path().app_data_dir()?,
            };
            std::fs::create_dir_all(&data_dir)?;
            let demo = options.demo;
            let state = AppState::new(options, data_dir);
            let mode = if demo {
                InboxMode::Demo
            } else {
                state.settings().mode
            };
            app.manage(state);
            tray::create(app.handle());
            if mode != InboxMode::None {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    // A failure is kept in the state; the UI shows it.
                    let _ = handle.state::<AppState>().open(&handle, mode).await;
                });
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::info::app_info,
            commands::setup::setup_state,
            commands::setup::start_demo,
            commands::setup::close_inbox,
            commands::setup::credentials_status,
            commands::setup::save_credentials,
            commands::setup::remove_credentials,
            commands::setup::save_connection,
            commands::setup::test_connection,
            commands::setup::save_preferences,
            commands::inbox::list_conversations,
            commands::inbox::channels,
            commands::inbox::conversation,
            commands::inbox::timeline,
            commands::inbox::timeline_around,
            commands::inbox::mark_read,
            commands::inbox::mark_unread,
            commands::inbox::set_pinned,
            commands::inbox::set_archived,
            commands::inbox::counts,
            commands::inbox::connectivity,
            commands::inbox::list_quarantine,
            commands::inbox::search,
            commands::media::media_details,
            commands::media::location_map_of,
            commands::media::open_media,
            commands::media::open_link,
            commands::payloads::payload_names,
            commands::payloads::set_payload_name,
            commands::organise::labels,
            commands::organise::create_label,
            commands::organise::rename_label,
            commands::organise::set_label_colour,
            commands::organise::delete_label,
            commands::organise::assign_label,
            commands::organise::unassign_label,
            commands::organise::contact_note,
            commands::organise::set_contact_note,
            commands::export::export_chats,
            commands::export::backup_inbox,
            commands::export::choose_backup,
            commands::export::restore_inbox,
            commands::test_hooks::test_stop_demo_queue,
            commands::test_hooks::test_preset_dialog_path,
        ])
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Let the engines finish the batch in hand (stored, then acknowledged) before exit.
            if let Some(state) = handle.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.shutdown());
            }
        }
    });
    Ok(())
}

/// The single-instance name: one running app per data folder, so a test (or a second profile
/// with `INLET_DATA_DIR`) never hands over to an app on another folder.
fn instance_id(options: &LaunchOptions) -> String {
    let base = "dev.inlet.desktop";
    match &options.data_dir {
        None => base.to_owned(),
        Some(dir) => {
            // Within one build the standard hasher is deterministic, which is all this needs.
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            dir.hash(&mut hasher);
            format!("{base}.d{:016x}", hasher.finish())
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_data_folder_is_its_own_instance() {
        let default = LaunchOptions::default();
        let a = LaunchOptions::parse([], Some("/tmp/a".into()));
        let b = LaunchOptions::parse([], Some("/tmp/b".into()));
        assert_eq!(instance_id(&default), "dev.inlet.desktop");
        assert_ne!(instance_id(&a), instance_id(&b));
        assert_eq!(instance_id(&a), instance_id(&a.clone()));
        // A D-Bus name element may not start with a digit.
        assert!(instance_id(&a).rsplit('.').next().unwrap().starts_with('d'));
    }
}
