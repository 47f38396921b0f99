//! Exports (HTML folder, JSON Lines, CSV), backup and restore of the open inbox.
//!
//! Decision: the save/open dialogs are opened here, in Rust (`tauri_plugin_dialog`), not from
//! JavaScript. The webview only says *what* to export; *where* comes from the operator through
//! the native dialog and never passes through the webview, so a compromised page cannot make
//! Inlet write to (or restore from) a path of its choosing, and the window's capability grants
//! no dialog or file permission at all. The export itself is the core's
//! (`inlet_core::export`, `inlet_core::backup`) and runs on a blocking thread.
//!
//! Under test hooks (`INLET_TEST_HOOKS=1`) a test may preset the path the next dialog returns
//! ([`DialogAnswers`]), because WebDriver cannot drive a native GTK dialog. That is the only
//! substitution: the export, backup and restore are the real ones.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use inlet_core::CoreError;
use inlet_core::backup::{self, BackupReport, RestoreReport};
use inlet_core::export::{self, ExportScope, HtmlOptions};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

use crate::error::AppError;
use crate::session::DB_FILE;
use crate::settings::InboxMode;
use crate::state::AppState;

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    /// A folder that opens offline in any browser.
    Html,
    /// One JSON object per line: complete, and what `inlet import` reads back.
    JsonLines,
    /// One row per message, for spreadsheets.
    Csv,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Html => "",
            ExportFormat::JsonLines => "jsonl",
            ExportFormat::Csv => "csv",
        }
    }
}

/// What an export wrote, for the sentence the UI shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportOutcome {
    pub format: ExportFormat,
    /// The file, or for HTML the folder, that was written.
    pub path: String,
    /// Messages written (for JSON Lines, lines: messages plus quarantined bodies in scope).
    pub items: u32,
    /// For HTML: the page to open.
    pub index: Option<String>,
}

/// Paths the next dialogs return, preset by tests; empty (and ignored) without test hooks.
#[derive(Default)]
pub struct DialogAnswers {
    next: Mutex<Option<PathBuf>>,
    /// The backup chosen by `choose_backup`, waiting for the operator's confirmation.
    pending_restore: Mutex<Option<PathBuf>>,
}

impl DialogAnswers {
    pub fn preset(&self, path: PathBuf) {
        *lock(&self.next) = Some(path);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

enum Dialog {
    Save,
    Open,
}

/// Asks the operator for a path with the native dialog (on a blocking thread: it waits for
/// them). `None` when they cancel.
async fn ask_path(
    app: &AppHandle,
    kind: Dialog,
    title: &str,
    file_name: &str,
    filter: Option<(&str, &str)>,
) -> Result<Option<PathBuf>, AppError> {
    if app.state::<AppState>().options.test_hooks
        && let Some(path) = lock(&app.state::<DialogAnswers>().next).take()
    {
        return Ok(Some(path));
    }
    let mut builder = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name);
    if let Some((name, extension)) = filter {
        builder = builder.add_filter(name, &[extension]);
    }
    if let Some(window) = app.get_webview_window("main") {
        builder = builder.set_parent(&window);
    }
    let chosen = tauri::async_runtime::spawn_blocking(move || match kind {
        Dialog::Save => builder.blocking_save_file(),
        Dialog::Open => builder.blocking_pick_file(),
    })
    .await?;
    chosen
        .map(|p| {
            p.into_path()
                .map_err(|e| AppError::Invalid(format!("that location cannot be used: {e}")))
        })
        .transpose()
}

fn core_error(error: CoreError) -> AppError {
    match error {
        CoreError::Store(e) => AppError::Store(e),
        CoreError::Io(e) => AppError::io("writing the export", e),
        other => AppError::Invalid(other.to_string()),
    }
}

fn suggested_name(format: ExportFormat, scope: &ExportScope) -> String {
    let stem = match scope.conversation_id {
        Some(id) => format!("inlet-chat-{id}"),
        None => format!("inlet-export-{}", chrono::Local::now().format("%Y-%m-%d")),
    };
    match format.extension() {
        "" => stem,
        ext => format!("{stem}.{ext}"),
    }
}

/// Exports `scope` in `format` to where the operator chooses. `None`: they cancelled.
#[tauri::command]
pub async fn export_chats(
    app: AppHandle,
    state: State<'_, AppState>,
    format: ExportFormat,
    scope: ExportScope,
) -> Result<Option<ExportOutcome>, AppError> {
    let session = state.session().await?;
    let filter = match format {
        ExportFormat::Html => None,
        ExportFormat::JsonLines => Some(("JSON Lines", "jsonl")),
        ExportFormat::Csv => Some(("CSV", "csv")),
    };
    let title = match format {
        ExportFormat::Html => "Export as a folder of web pages (a new folder)",
        _ => "Export",
    };
    let name = suggested_name(format, &scope);
    let Some(path) = ask_path(&app, Dialog::Save, title, &name, filter).await? else {
        return Ok(None);
    };
    let out = path.clone();
    let outcome = session
        .readers
        .run(move |conn| {
            let (items, index) = match format {
                ExportFormat::Html => {
                    let report = export::export_html(&conn.core, &scope, &HtmlOptions::new(&out))
                        .map_err(core_error)?;
                    (report.messages, Some(report.index))
                }
                ExportFormat::JsonLines | ExportFormat::Csv => {
                    (write_file(conn, format, &scope, &out)?, None)
                }
            };
            Ok(ExportOutcome {
                format,
                path: out.display().to_string(),
                items,
                index,
            })
        })
        .await?;
    tracing::info!(?format, items = outcome.items, "exported");
    Ok(Some(outcome))
}

/// Writes a JSON Lines or CSV file; a failed export does not leave a half-written file.
fn write_file(
    conn: &crate::readers::ReadConn,
    format: ExportFormat,
    scope: &ExportScope,
    out: &Path,
) -> Result<u32, AppError> {
    let file =
        File::create(out).map_err(|e| AppError::io(format!("creating {}", out.display()), e))?;
    let mut writer = BufWriter::new(file);
    let written = match format {
        // With a byte-order mark: Excel needs it to read non-Latin names correctly.
        ExportFormat::Csv => export::export_csv(&conn.core, scope, true, &mut writer),
        _ => export::export_json_lines_scoped(&conn.core, scope, &mut writer),
    }
    .map_err(core_error)
    .and_then(|n| {
        writer
            .flush()
            .map_err(|e| AppError::io(format!("writing {}", out.display()), e))?;
        Ok(n)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(out);
    }
    Ok(u32::try_from(written?).unwrap_or(u32::MAX))
}

/// Backs up the open inbox (database, attachments, map tiles) into one file the operator
/// chooses. `None`: they cancelled.
#[tauri::command]
pub async fn backup_inbox(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<BackupReport>, AppError> {
    let session = state.session().await?;
    let name = format!(
        "inlet-backup-{}.tar",
        chrono::Local::now().format("%Y-%m-%d")
    );
    let Some(out) = ask_path(
        &app,
        Dialog::Save,
        "Back up the inbox",
        &name,
        Some(("Inlet backup", "tar")),
    )
    .await?
    else {
        return Ok(None);
    };
    let dir = session.dir.clone();
    let report = tauri::async_runtime::spawn_blocking(move || {
        backup::create_backup(&dir.join(DB_FILE), Some(&dir), &out)
    })
    .await?
    .map_err(core_error)?;
    Ok(Some(report))
}

/// Step one of a restore: the operator picks the backup file. Returns its name for the
/// confirmation (`None`: they cancelled); the path itself stays here.
#[tauri::command]
pub async fn choose_backup(
    app: AppHandle,
    answers: State<'_, DialogAnswers>,
) -> Result<Option<String>, AppError> {
    let chosen = ask_path(
        &app,
        Dialog::Open,
        "Restore from a backup",
        "",
        Some(("Inlet backup", "tar")),
    )
    .await?;
    let name = chosen.as_ref().map(|p| p.display().to_string());
    *lock(&answers.pending_restore) = chosen;
    Ok(name)
}

/// Step two, after the operator confirmed: closes the inbox, restores the chosen backup over
/// it (the core verifies every file before replacing anything), and opens it again.
#[tauri::command]
pub async fn restore_inbox(
    app: AppHandle,
    state: State<'_, AppState>,
    answers: State<'_, DialogAnswers>,
) -> Result<RestoreReport, AppError> {
    let from = lock(&answers.pending_restore)
        .take()
        .ok_or_else(|| AppError::Invalid("choose a backup file first".into()))?;
    let mode = state.settings().mode;
    if mode == InboxMode::None {
        return Err(AppError::NoInbox);
    }
    let dir = state.session().await?.dir.clone();
    state.close(&app).await?;
    let restored = tauri::async_runtime::spawn_blocking(move || {
        backup::restore_backup(&from, &dir.join(DB_FILE), Some(&dir), true)
    })
    .await;
    // Whatever happened, the inbox opens again: the restored one, or the untouched old one
    // (a failed verification changes nothing).
    let reopened = state.open(&app, mode).await;
    let report = restored?.map_err(core_error)?;
    reopened?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::ReadConn;
    use inlet_core::store::{Incoming, Store};
    use rusqlite::{Connection, OpenFlags};

    fn inbox_with_one_message() -> (tempfile::TempDir, ReadConn) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(DB_FILE);
        let mut store = Store::open(&db).unwrap();
        let body = br#"{"MessageId":"m1","WabaId":"w","From":"111","To":"222",
            "Timestamp":1700000000000,"Type":"TEXT","Message":"hello, export"}"#;
        store
            .ingest(&[Incoming::decode("q1".into(), body.to_vec(), 1)], 1)
            .unwrap();
        let conn = ReadConn {
            core: Store::open_reader(&db).unwrap(),
            raw: Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap(),
        };
        (dir, conn)
    }

    #[test]
    fn a_file_export_counts_what_it_wrote() {
        let (dir, conn) = inbox_with_one_message();
        let out = dir.path().join("out.jsonl");
        let scope = ExportScope::default();
        assert_eq!(
            write_file(&conn, ExportFormat::JsonLines, &scope, &out).unwrap(),
            1
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains("hello, export"), "{text}");
        let csv = dir.path().join("out.csv");
        assert_eq!(
            write_file(&conn, ExportFormat::Csv, &scope, &csv).unwrap(),
            1
        );
        assert!(
            std::fs::read_to_string(&csv)
                .unwrap()
                .starts_with('\u{feff}')
        );
    }

    #[test]
    fn an_unwritable_place_is_an_io_error_in_words() {
        let (dir, conn) = inbox_with_one_message();
        let out = dir.path().join("no such folder").join("out.csv");
        let error = write_file(&conn, ExportFormat::Csv, &ExportScope::default(), &out)
            .expect_err("the folder does not exist");
        assert!(matches!(error, AppError::Io { .. }), "{error:?}");
        assert!(error.to_string().contains("no such folder"), "{error}");
    }

    #[test]
    fn names_suggest_the_chat_or_the_day_and_the_format() {
        let chat = ExportScope {
            conversation_id: Some(7),
            ..ExportScope::default()
        };
        assert_eq!(
            suggested_name(ExportFormat::JsonLines, &chat),
            "inlet-chat-7.jsonl"
        );
        assert_eq!(suggested_name(ExportFormat::Html, &chat), "inlet-chat-7");
        assert!(suggested_name(ExportFormat::Csv, &ExportScope::default()).ends_with(".csv"));
    }

    #[test]
    fn core_errors_keep_their_meaning() {
        let archive = core_error(CoreError::Archive("x is not empty".into()));
        assert!(matches!(archive, AppError::Invalid(ref m) if m == "x is not empty"));
        let missing = core_error(CoreError::Store(inlet_core::StoreError::NotFound(
            "conversation 3".into(),
        )));
        assert_eq!(missing.kind(), crate::error::ErrorKind::NotFound);
    }
}
