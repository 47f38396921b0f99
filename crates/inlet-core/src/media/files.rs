//! Where saved files live, and how a download becomes one without ever exposing a partial file.
//!
//! ```text
//! <data_dir>/media/ab/abcdef…      attachments, named by their SHA-256 (identical files stored once)
//! <data_dir>/media/tmp/…           downloads in progress (removed at start: nothing there is whole)
//! <data_dir>/tiles/{z}/{x}/{y}.png map tiles
//! <data_dir>/tiles/tmp/…           tiles in progress
//! ```
//!
//! A download is written to `tmp`, fsynced, then renamed into place and the directory fsynced:
//! after a crash, a file under its final name is always complete.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub(crate) struct Dirs {
    media: PathBuf,
    media_tmp: PathBuf,
    tiles: PathBuf,
    tiles_tmp: PathBuf,
}

impl Dirs {
    pub(crate) fn new(data_dir: &Path) -> Dirs {
        let media = data_dir.join("media");
        let tiles = data_dir.join("tiles");
        Dirs {
            media_tmp: media.join("tmp"),
            tiles_tmp: tiles.join("tmp"),
            media,
            tiles,
        }
    }

    pub(crate) fn create(&self) -> io::Result<()> {
        fs::create_dir_all(&self.media_tmp)?;
        fs::create_dir_all(&self.tiles_tmp)
    }

    /// Removes every leftover temporary file (from a crash or a kill). Returns how many.
    pub(crate) fn clean_temp(&self) -> io::Result<usize> {
        let mut removed = 0;
        for dir in [&self.media_tmp, &self.tiles_tmp] {
            for entry in fs::read_dir(dir)? {
                let path = entry?.path();
                if path.is_file() {
                    remove_if_present(&path)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// A fresh temporary path for media job `id`.
    pub(crate) fn media_temp(&self, id: i64) -> PathBuf {
        self.media_tmp
            .join(format!("{id}-{}.part", rand::random::<u64>()))
    }

    pub(crate) fn tile_temp(&self, z: u8, x: u32, y: u32) -> PathBuf {
        self.tiles_tmp
            .join(format!("{z}-{x}-{y}-{}.part", rand::random::<u64>()))
    }

    /// `media/ab/abcdef…` for a lower-case hex SHA-256.
    pub(crate) fn media_file(&self, sha256: &str) -> PathBuf {
        let fan = sha256.get(..2).unwrap_or("00");
        self.media.join(fan).join(sha256)
    }

    pub(crate) fn tile_file(&self, z: u8, x: u32, y: u32) -> PathBuf {
        self.tiles
            .join(z.to_string())
            .join(x.to_string())
            .join(format!("{y}.png"))
    }
}

/// Moves the fsynced temporary file `temp` to `target`. If `target` already exists (the same
/// content, saved for another message), the temporary file is dropped instead. Blocking.
pub(crate) fn commit(temp: &Path, target: &Path) -> io::Result<()> {
    let parent = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    if target.is_file() {
        return remove_if_present(temp);
    }
    fs::rename(temp, target)?;
    sync_dir(parent)
}

/// Makes a rename durable: on Unix the directory entry is only on disk once the directory is
/// fsynced. (Windows has no directory handles to sync; NTFS journals the rename.)
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub(crate) fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `path` as stored in the database (absolute paths are what the UI and export hand out).
pub(crate) fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_renames_once_and_deduplicates() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path());
        dirs.create().unwrap();
        let sha = "ab".repeat(32);
        let target = dirs.media_file(&sha);
        assert!(target.ends_with(format!("media/ab/{sha}")));

        let first = dirs.media_temp(1);
        fs::write(&first, b"same").unwrap();
        commit(&first, &target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"same");
        assert!(!first.exists());

        let second = dirs.media_temp(2);
        fs::write(&second, b"same").unwrap();
        commit(&second, &target).unwrap();
        assert!(!second.exists(), "the duplicate's temporary file is gone");
        assert_eq!(fs::read(&target).unwrap(), b"same");
    }

    #[test]
    fn clean_temp_removes_only_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path());
        dirs.create().unwrap();
        fs::write(dirs.media_temp(1), b"partial").unwrap();
        fs::write(dirs.tile_temp(3, 1, 2), b"partial").unwrap();
        let kept = dirs.media_file(&"cd".repeat(32));
        fs::create_dir_all(kept.parent().unwrap()).unwrap();
        fs::write(&kept, b"whole").unwrap();
        assert_eq!(dirs.clean_temp().unwrap(), 2);
        assert_eq!(dirs.clean_temp().unwrap(), 0);
        assert!(kept.exists());
    }
}
