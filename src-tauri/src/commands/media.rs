//! Attachments and links leaving the app: a saved file opened in the system's viewer, a link
//! opened in the system browser (after the UI asked the operator). Nothing from a message is
//! ever loaded inside the app except saved media and cached map tiles, through the asset
//! protocol scoped to those two folders.

use std::path::{Path, PathBuf};

use inlet_core::media::{LocationMap, MediaItem, location_map, media_item};
use inlet_core::store::MediaState;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt as _;

use crate::error::AppError;
use crate::state::AppState;

/// One attachment, fresh (the UI asks after a `media_changed` event).
#[tauri::command]
pub async fn media_details(
    state: State<'_, AppState>,
    media_id: i64,
) -> Result<Option<MediaItem>, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(move |conn| Ok(media_item(&conn.core, media_id)?))
        .await
}

/// A location's offline map, fresh (the UI asks again while its tiles are being fetched).
#[tauri::command]
pub async fn location_map_of(
    state: State<'_, AppState>,
    message_rowid: i64,
) -> Result<Option<LocationMap>, AppError> {
    let session = state.session().await?;
    session
        .readers
        .run(move |conn| Ok(location_map(&conn.core, message_rowid)?))
        .await
}

/// Opens a saved attachment in the system's default app for its type.
///
/// Saved files are named by their SHA-256 without an extension, which desktop viewers cannot
/// type; so the file is linked (or copied) to `opened/<media id>/<safe name>` first.
#[tauri::command]
pub async fn open_media(
    app: AppHandle,
    state: State<'_, AppState>,
    media_id: i64,
) -> Result<(), AppError> {
    let session = state.session().await?;
    let item = session
        .readers
        .run(move |conn| Ok(media_item(&conn.core, media_id)?))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("attachment {media_id}")))?;
    let dir = session.dir.clone();
    let target = tauri::async_runtime::spawn_blocking(move || named_copy(&dir, &item)).await??;
    app.opener()
        .open_path(target.to_string_lossy(), None::<&str>)
        .map_err(|e| AppError::Open(e.to_string()))
}

/// The saved file of `item` under a readable name in `inbox_dir/opened/`.
fn named_copy(inbox_dir: &Path, item: &MediaItem) -> Result<PathBuf, AppError> {
    let (MediaState::Saved, Some(path)) = (item.state, item.path.as_deref()) else {
        return Err(AppError::Invalid(
            "this attachment has not been saved".into(),
        ));
    };
    let media_dir = inbox_dir.join("media");
    let source = PathBuf::from(path);
    // The path comes from our own database, but only files the keeper saved may be opened.
    if !source.starts_with(&media_dir) {
        return Err(AppError::Invalid(
            "this attachment is not in the media folder".into(),
        ));
    }
    let name = item
        .display_name
        .clone()
        .unwrap_or_else(|| format!("attachment-{}", item.id));
    let folder = inbox_dir.join("opened").join(item.id.to_string());
    std::fs::create_dir_all(&folder)
        .map_err(|e| AppError::io(format!("creating {}", folder.display()), e))?;
    let target = folder.join(&name);
    // `display_name` is the core's sanitised name, but a name that still tried to climb out of
    // the folder is refused rather than trusted.
    if target.parent() != Some(folder.as_path()) {
        return Err(AppError::Invalid(format!("unsafe file name {name:?}")));
    }
    if !target.exists() {
        std::fs::hard_link(&source, &target)
            .or_else(|_| std::fs::copy(&source, &target).map(|_| ()))
            .map_err(|e| AppError::io(format!("preparing {}", target.display()), e))?;
    }
    Ok(target)
}

/// A link from a message, opened in the system browser. Only web links: no `file:`,
/// `javascript:` or custom schemes, whatever the message says.
#[tauri::command]
pub fn open_link(app: AppHandle, url: String) -> Result<(), AppError> {
    let parsed = web_link(&url)?;
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| AppError::Open(e.to_string()))
}

fn web_link(text: &str) -> Result<url::Url, AppError> {
    let parsed = url::Url::parse(text.trim())
        .map_err(|e| AppError::Invalid(format!("{text:?} is not a link ({e})")))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        other => Err(AppError::Invalid(format!(
            "only web links (http, https) are opened, not {other}:"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_open() {
        assert!(web_link(" https://example.com/a?b=c ").is_ok());
        assert!(web_link("http://example.com").is_ok());
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "smb://host/share",
            "data:text/html,x",
            "example.com",
        ] {
            assert!(web_link(bad).is_err(), "{bad} must not open");
        }
    }

    fn saved(path: Option<String>, display_name: Option<&str>) -> MediaItem {
        MediaItem {
            id: 7,
            message_rowid: 1,
            kind: inlet_core::decode::MediaKind::Document,
            state: MediaState::Saved,
            url: "https://x/y".into(),
            declared_mime: None,
            detected_mime: None,
            mime_mismatch: false,
            filename: None,
            display_name: display_name.map(str::to_owned),
            path,
            sha256: None,
            bytes: Some(3),
            progress_bytes: None,
            total_bytes: None,
            deadline_ms: 0,
            attempts: 1,
            next_attempt_ms: 0,
            last_error: None,
        }
    }

    #[test]
    fn saved_files_get_a_readable_name_and_outside_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media/ab");
        std::fs::create_dir_all(&media).unwrap();
        let file = media.join("abcdef");
        std::fs::write(&file, b"pdf").unwrap();
        let item = saved(Some(file.display().to_string()), Some("Invoice 1042.pdf"));
        let opened = named_copy(dir.path(), &item).unwrap();
        assert_eq!(opened, dir.path().join("opened/7/Invoice 1042.pdf"));
        assert_eq!(std::fs::read(&opened).unwrap(), b"pdf");
        assert_eq!(
            named_copy(dir.path(), &item).unwrap(),
            opened,
            "opening twice reuses it"
        );

        let outside = saved(Some("/etc/passwd".into()), Some("x"));
        assert!(named_copy(dir.path(), &outside).is_err());
        let climbing = saved(Some(file.display().to_string()), Some("../../x"));
        assert!(named_copy(dir.path(), &climbing).is_err());
        let mut pending = item.clone();
        pending.state = MediaState::Retrying;
        assert!(named_copy(dir.path(), &pending).is_err());
    }
}
