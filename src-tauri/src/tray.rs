//! The tray icon: the unread count at a glance, and a way back to the window.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

const TRAY_ID: &str = "inlet";

/// Adds the tray icon. A desktop without a tray is not an error worth stopping for.
pub fn create(app: &AppHandle) {
    if let Err(error) = try_create(app) {
        tracing::warn!(%error, "no tray icon");
    }
}

fn try_create(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show Inlet", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Inlet", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Inlet")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => show_window(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Brings the main window to the front (tray menu, or a second launch of the app).
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Shows `unread` on the tray icon (tooltip everywhere, a label beside the icon on Linux).
pub fn show_unread(app: &AppHandle, unread: u32) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let tooltip = match unread {
        0 => "Inlet: no unread messages".to_owned(),
        1 => "Inlet: 1 unread message".to_owned(),
        n => format!("Inlet: {n} unread messages"),
    };
    let _ = tray.set_tooltip(Some(tooltip));
    let label = (unread > 0).then(|| unread.to_string());
    let _ = tray.set_title(label);
}
