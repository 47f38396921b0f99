//! Backup and restore of a whole store: the database and every media file and map tile it
//! refers to, in one tar file with a manifest of SHA-256 hashes.
//!
//! ```text
//! inlet.db              a consistent snapshot (`VACUUM INTO`), taken while the app may run
//! media/<relative path> each saved attachment and tile, relative to the media folder
//!                       (files that were outside it: media/external/<n>/<name>)
//! manifest.json         last: format, schema version, and every entry's size and SHA-256
//! ```
//!
//! A restore checks everything before touching the target: entry names (no absolute paths, no
//! `..`, regular files only), every hash and size against the manifest, nothing missing or extra,
//! `PRAGMA integrity_check`, and a schema version this build understands. It unpacks into a
//! staging folder beside the target and only then moves the files into place. An existing
//! database is replaced only with `force`.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::error::{CoreError, StoreError};
use crate::store::migrations;

const FORMAT: &str = "inlet-backup";
const FORMAT_VERSION: u32 = 1;
const DB_ENTRY: &str = "inlet.db";
const MANIFEST_ENTRY: &str = "manifest.json";
/// A manifest larger than this is not one of ours.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// The backup's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub created_at_ms: i64,
    pub schema_version: i64,
    pub entries: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Name inside the archive.
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    /// For a media file: its path as the database recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_path: Option<String>,
}

/// What a backup wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BackupReport {
    pub file: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub schema_version: u32,
    pub media_files: u32,
    /// Files the database refers to that were not found (the backup has the rest).
    pub media_missing: u32,
}

/// What a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RestoreReport {
    pub database: String,
    pub schema_version: u32,
    pub media_files: u32,
    /// Media rows whose recorded path now points into the new media folder.
    pub paths_rewritten: u32,
    /// True when an existing database was replaced (`force`).
    pub replaced: bool,
}

fn archive_error(message: impl Into<String>) -> CoreError {
    CoreError::Archive(message.into())
}

/// Backs up the database at `db` and the media it refers to into the new file `out`. Relative
/// media paths, and the layout inside the backup, are taken from `media_dir` (default: the
/// database's folder, where Inlet keeps `media/` and `tiles/`).
pub fn create_backup(
    db: &Path,
    media_dir: Option<&Path>,
    out: &Path,
) -> Result<BackupReport, CoreError> {
    if !db.is_file() {
        return Err(archive_error(format!("no database at {}", db.display())));
    }
    if out.exists() {
        return Err(archive_error(format!(
            "{} already exists; choose a new file name",
            out.display()
        )));
    }
    let media_dir = media_dir.map_or_else(|| parent_of(db), Path::to_path_buf);
    let parent = parent_of(out);
    let work = tempfile::Builder::new()
        .prefix(".inlet-backup-")
        .tempdir_in(&parent)?;
    let snapshot = work.path().join(DB_ENTRY);
    snapshot_database(db, &snapshot)?;
    let schema_version = schema_version_of(&snapshot)?;

    // Written under a temporary name and renamed when complete: a failed backup never leaves a
    // truncated file under the name asked for.
    let partial = work.path().join("backup.tar");
    let mut tar = tar::Builder::new(BufWriter::new(File::create(&partial)?));
    let mut entries = vec![append_file(&mut tar, DB_ENTRY, &snapshot, None)?];
    let (mut media_files, mut media_missing) = (0, 0);
    for (i, stored) in referenced_files(&snapshot)?.into_iter().enumerate() {
        let path = resolve(&media_dir, &stored);
        if !path.is_file() {
            tracing::warn!(path = %path.display(), "a media file the database refers to is missing");
            media_missing += 1;
            continue;
        }
        let name = format!("media/{}", entry_name(&media_dir, &path, i));
        entries.push(append_file(&mut tar, &name, &path, Some(stored))?);
        media_files += 1;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        created_at_ms: chrono::Utc::now().timestamp_millis(),
        schema_version,
        entries,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    let mut header = file_header(json.len() as u64);
    tar.append_data(&mut header, MANIFEST_ENTRY, json.as_slice())?;
    let file = tar.into_inner()?.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    let bytes = file.metadata()?.len();
    drop(file);
    fs::rename(&partial, out)?;
    Ok(BackupReport {
        file: out.to_string_lossy().into_owned(),
        bytes,
        schema_version: schema_version as u32,
        media_files,
        media_missing,
    })
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A consistent copy of the live database, even while the app writes to it.
fn snapshot_database(db: &Path, to: &Path) -> Result<(), CoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(db, flags).map_err(StoreError::from)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(StoreError::from)?;
    conn.execute("VACUUM INTO ?1", [to.to_string_lossy()])
        .map_err(StoreError::from)?;
    Ok(())
}

fn schema_version_of(db: &Path) -> Result<i64, CoreError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(StoreError::from)?;
    Ok(migrations::user_version(&conn)?)
}

/// Every file path the database records: saved attachments and cached map tiles.
fn referenced_files(db: &Path) -> Result<Vec<String>, CoreError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(StoreError::from)?;
    let has_tiles: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'map_tiles')",
            [],
            |r| r.get(0),
        )
        .map_err(StoreError::from)?;
    let sql = if has_tiles {
        "SELECT path FROM media WHERE path IS NOT NULL UNION SELECT path FROM map_tiles ORDER BY 1"
    } else {
        "SELECT DISTINCT path FROM media WHERE path IS NOT NULL ORDER BY 1"
    };
    let mut stmt = conn.prepare(sql).map_err(StoreError::from)?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(StoreError::from)?;
    Ok(rows.collect::<Result<_, _>>().map_err(StoreError::from)?)
}

fn resolve(media_dir: &Path, stored: &str) -> PathBuf {
    let p = Path::new(stored);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        media_dir.join(p)
    }
}

/// The file's place inside `media/`: its path relative to the media folder, or for a file
/// outside it, `external/<n>/<file name>`.
fn entry_name(media_dir: &Path, path: &Path, n: usize) -> String {
    let relative = path
        .strip_prefix(media_dir)
        .ok()
        .map(Path::to_path_buf)
        .or_else(|| {
            let (dir, file) = (media_dir.canonicalize().ok()?, path.canonicalize().ok()?);
            file.strip_prefix(dir).ok().map(Path::to_path_buf)
        });
    match relative.filter(|r| safe_relative(r)) {
        Some(r) => r
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into());
            format!("external/{n}/{name}")
        }
    }
}

fn file_header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o600);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    h
}

/// Adds `path` to the archive as `name`, hashing it on the way.
fn append_file(
    tar: &mut tar::Builder<impl Write>,
    name: &str,
    path: &Path,
    stored_path: Option<String>,
) -> Result<ManifestEntry, CoreError> {
    let file = File::open(path)?;
    let bytes = file.metadata()?.len();
    let mut header = file_header(bytes);
    let mut reader = Hashing::new(file.take(bytes));
    tar.append_data(&mut header, name, &mut reader)?;
    if reader.count != bytes {
        return Err(archive_error(format!(
            "{} changed size while it was being backed up",
            path.display()
        )));
    }
    Ok(ManifestEntry {
        name: name.into(),
        bytes,
        sha256: reader.hex(),
        stored_path,
    })
}

/// Counts and hashes what passes through.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    fn hex(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Only plain relative components: no root, no `..`, no `.`, no prefix.
fn safe_relative(p: &Path) -> bool {
    p.components().count() > 0 && p.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Restores the backup `from` as the database `db`, with its media under `media_dir` (default:
/// the database's folder). Refuses to replace an existing database unless `force`.
pub fn restore_backup(
    from: &Path,
    db: &Path,
    media_dir: Option<&Path>,
    force: bool,
) -> Result<RestoreReport, CoreError> {
    let existing = [db.to_path_buf(), sidecar(db, "-wal"), sidecar(db, "-shm")];
    let replaced = existing.iter().any(|p| p.exists());
    if replaced && !force {
        return Err(archive_error(format!(
            "{} already exists; restoring would replace it (use --force to do so)",
            db.display()
        )));
    }
    let media_dir = media_dir.map_or_else(|| parent_of(db), Path::to_path_buf);
    fs::create_dir_all(parent_of(db))?;
    let staging = tempfile::Builder::new()
        .prefix(".inlet-restore-")
        .tempdir_in(parent_of(db))?;
    let (manifest, found) = unpack(from, staging.path())?;
    verify(&manifest, &found)?;
    let staged_db = staging.path().join(DB_ENTRY);
    let schema_version = check_database(&staged_db)?;
    let paths_rewritten = rewrite_paths(&staged_db, &manifest, &media_dir)?;

    for p in existing.iter().filter(|p| p.exists()) {
        fs::remove_file(p)?;
    }
    fs::rename(&staged_db, db)?;
    let mut media_files = 0;
    for entry in manifest.entries.iter().filter(|e| e.name != DB_ENTRY) {
        let target = media_dir.join(media_relative(&entry.name));
        fs::create_dir_all(parent_of(&target))?;
        fs::rename(staging.path().join(&entry.name), &target)?;
        media_files += 1;
    }
    Ok(RestoreReport {
        database: db.to_string_lossy().into_owned(),
        schema_version: schema_version as u32,
        media_files,
        paths_rewritten,
        replaced,
    })
}

/// A media entry's path below the media folder (`media/x/y` → `x/y`).
fn media_relative(entry: &str) -> &str {
    entry.strip_prefix("media/").unwrap_or(entry)
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// What was found in the archive for one entry.
struct Found {
    name: String,
    bytes: u64,
    sha256: String,
}

/// Unpacks every entry into `staging` (hashing it), and reads the manifest.
fn unpack(from: &Path, staging: &Path) -> Result<(Manifest, Vec<Found>), CoreError> {
    let file = File::open(from)
        .map_err(|e| archive_error(format!("cannot open the backup {}: {e}", from.display())))?;
    let mut archive = tar::Archive::new(io::BufReader::new(file));
    let mut manifest = None;
    let mut found = Vec::new();
    let not_ours = |e: io::Error| archive_error(format!("not a readable backup file: {e}"));
    for entry in archive.entries().map_err(not_ours)? {
        let mut entry = entry.map_err(not_ours)?;
        let path = entry.path().map_err(not_ours)?.into_owned();
        let name = path.to_string_lossy().replace('\\', "/");
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(archive_error(format!(
                "{name}: not a regular file; refused"
            )));
        }
        let is_media = path.starts_with("media") && path.components().count() > 1;
        let known = name == DB_ENTRY || name == MANIFEST_ENTRY || is_media;
        if !known || !safe_relative(&path) {
            return Err(archive_error(format!("{name}: unexpected entry; refused")));
        }
        if name == MANIFEST_ENTRY {
            if entry.size() > MAX_MANIFEST_BYTES {
                return Err(archive_error("the manifest is implausibly large"));
            }
            let mut json = Vec::new();
            entry.read_to_end(&mut json)?;
            manifest = Some(
                serde_json::from_slice::<Manifest>(&json)
                    .map_err(|e| archive_error(format!("the manifest cannot be read: {e}")))?,
            );
            continue;
        }
        let target = staging.join(&path);
        fs::create_dir_all(parent_of(&target))?;
        let mut reader = Hashing::new(&mut entry);
        let mut out = File::create(&target)?;
        io::copy(&mut reader, &mut out)?;
        out.sync_all()?;
        found.push(Found {
            name,
            bytes: reader.count,
            sha256: reader.hex(),
        });
    }
    let manifest = manifest.ok_or_else(|| archive_error("the backup has no manifest"))?;
    Ok((manifest, found))
}

/// Every manifest entry present with its size and hash, and nothing else.
fn verify(manifest: &Manifest, found: &[Found]) -> Result<(), CoreError> {
    if manifest.format != FORMAT || manifest.format_version > FORMAT_VERSION {
        return Err(archive_error(format!(
            "not a backup this version of Inlet can read (format {:?} version {})",
            manifest.format, manifest.format_version
        )));
    }
    for e in &manifest.entries {
        let f = found.iter().find(|f| f.name == e.name).ok_or_else(|| {
            archive_error(format!("{}: listed in the manifest but missing", e.name))
        })?;
        if f.bytes != e.bytes || f.sha256 != e.sha256 {
            return Err(archive_error(format!(
                "{}: damaged (SHA-256 or size differs from the manifest)",
                e.name
            )));
        }
    }
    if let Some(extra) = found
        .iter()
        .find(|f| !manifest.entries.iter().any(|e| e.name == f.name))
    {
        return Err(archive_error(format!(
            "{}: not in the manifest; refused",
            extra.name
        )));
    }
    if !manifest.entries.iter().any(|e| e.name == DB_ENTRY) {
        return Err(archive_error("the backup has no database"));
    }
    Ok(())
}

/// `PRAGMA integrity_check` and a schema version this build can open. Returns the version.
fn check_database(db: &Path) -> Result<i64, CoreError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(StoreError::from)?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| archive_error(format!("the backed-up database cannot be read: {e}")))?;
    if verdict != "ok" {
        return Err(archive_error(format!(
            "the backed-up database failed its integrity check: {verdict}"
        )));
    }
    let version = migrations::user_version(&conn)?;
    if version > migrations::LATEST {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported: migrations::LATEST,
        }
        .into());
    }
    if version < 1 {
        return Err(archive_error(
            "the backed-up database holds no Inlet schema",
        ));
    }
    Ok(version)
}

/// Points recorded media paths at where the files are restored, where that differs.
fn rewrite_paths(db: &Path, manifest: &Manifest, media_dir: &Path) -> Result<u32, CoreError> {
    let conn = Connection::open(db).map_err(StoreError::from)?;
    let has_tiles: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'map_tiles')",
            [],
            |r| r.get(0),
        )
        .map_err(StoreError::from)?;
    let mut rewritten = 0;
    for e in &manifest.entries {
        let Some(old) = &e.stored_path else { continue };
        let new = media_dir.join(media_relative(&e.name));
        let new = new.to_string_lossy();
        if *old == new {
            continue;
        }
        rewritten += conn
            .execute(
                "UPDATE media SET path = ?2 WHERE path = ?1",
                params![old, new],
            )
            .map_err(StoreError::from)? as u32;
        if has_tiles {
            conn.execute(
                "UPDATE map_tiles SET path = ?2 WHERE path = ?1",
                params![old, new],
            )
            .map_err(StoreError::from)?;
        }
    }
    Ok(rewritten)
}
