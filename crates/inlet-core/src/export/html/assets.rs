//! Copying what a page shows into the export folder: saved attachments under `files/`, map tiles
//! under `tiles/`. A file the store says is saved but that is gone is counted and shown as
//! missing; it never stops the export.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::escape::{sanitise_file_name, url_path_segment};
use crate::decode::MediaKind;
use crate::export::rows::{MediaRow, MessageRow};
use crate::store::MediaState;

pub(crate) struct Assets {
    out_dir: PathBuf,
    /// Where relative paths recorded in the store are resolved.
    base_dir: PathBuf,
    tiles: HashMap<PathBuf, Option<String>>,
    pub files_copied: u32,
    pub files_missing: u32,
    pub tiles_copied: u32,
}

/// A media file as the page links it.
pub(crate) struct CopiedFile {
    /// Relative to a chat page.
    pub href: String,
    pub name: String,
}

impl Assets {
    pub fn new(out_dir: &Path, base_dir: PathBuf) -> Assets {
        Assets {
            out_dir: out_dir.to_path_buf(),
            base_dir,
            tiles: HashMap::new(),
            files_copied: 0,
            files_missing: 0,
            tiles_copied: 0,
        }
    }

    fn resolve(&self, stored: &str) -> PathBuf {
        let p = Path::new(stored);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// Copies a message's saved attachment; `None` if it is not saved or the file is gone.
    pub fn copy_media(&mut self, m: &MessageRow, media: &MediaRow) -> Option<CopiedFile> {
        if media.state != MediaState::Saved {
            return None;
        }
        let source = self.resolve(media.path.as_deref()?);
        let name = format!("{}-{}", m.rowid, file_name(media, &source));
        let target = self.out_dir.join("files").join(&name);
        match fs::copy(&source, &target) {
            Ok(_) => {
                self.files_copied += 1;
                Some(CopiedFile {
                    href: format!("../files/{}", url_path_segment(&name)),
                    name,
                })
            }
            Err(e) => {
                tracing::warn!(rowid = m.rowid, error = %e, "saved attachment missing; exported as a card");
                self.files_missing += 1;
                None
            }
        }
    }

    /// Copies one map tile (once, however many maps use it); `None` if the file is gone.
    pub fn copy_tile(&mut self, z: u8, x: u32, y: u32, stored: &str) -> Option<String> {
        let source = self.resolve(stored);
        if let Some(done) = self.tiles.get(&source) {
            return done.clone();
        }
        let name = format!("{z}-{x}-{y}.png");
        let copied = fs::copy(&source, self.out_dir.join("tiles").join(&name))
            .ok()
            .map(|_| format!("../tiles/{name}"));
        if copied.is_some() {
            self.tiles_copied += 1;
        }
        self.tiles.insert(source, copied.clone());
        copied
    }
}

/// The name a copied attachment gets (after its row id): the sender's file name if there is one,
/// else the kind with an extension from the file type.
fn file_name(media: &MediaRow, source: &Path) -> String {
    if let Some(name) = media.filename.as_deref().filter(|n| !n.trim().is_empty()) {
        return sanitise_file_name(name);
    }
    let ext = media
        .mime()
        .and_then(extension_for)
        .or_else(|| source.extension().and_then(|e| e.to_str()))
        .unwrap_or("bin");
    let kind = match media.kind {
        MediaKind::Image => "photo",
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
        MediaKind::Document => "document",
        MediaKind::Other => "file",
    };
    sanitise_file_name(&format!("{kind}.{ext}"))
}

fn extension_for(mime: &str) -> Option<&'static str> {
    let essence = mime.split(';').next().unwrap_or("").trim();
    Some(match essence.to_ascii_lowercase().as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" | "audio/aac" => "m4a",
        "audio/amr" => "amr",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => return None,
    })
}
