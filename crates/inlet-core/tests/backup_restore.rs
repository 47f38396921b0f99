//! Backup and restore: the restored store has the same rows in every table and the same media
//! bytes; a damaged, tampered or too-new backup is refused before anything is touched; an
//! existing store is replaced only when forced.

mod archive_support;

use std::io::Read;
use std::path::{Path, PathBuf};

use archive_support::{FIXTURES, NOW, add_map, delivery, dump, fixture, mark_saved, open, png};
use inlet_core::backup::{Manifest, create_backup, restore_backup};
use inlet_core::store::{Incoming, Queries, Store};

/// A store in `dir/inlet.db` with media under `dir/media` and tiles under `dir/tiles`, still open.
fn live_store(dir: &Path) -> Store {
    let mut s = open(dir);
    let mut batch: Vec<_> = FIXTURES.iter().map(|n| delivery(n, &fixture(n))).collect();
    batch.push(Incoming::decode("bad".into(), b"{nope".to_vec(), 2));
    let report = s.ingest(&batch, NOW).unwrap();
    let label = s.create_label("Wholesale", "#00aa66", 1).unwrap();
    s.assign_label(report.inserted[0].conversation_id, label.id, 1)
        .unwrap();
    s.set_contact_note("8613800000001", "note", 1).unwrap();
    let db = s.path().to_path_buf();
    let conn = archive_support::sql(&db);
    let media: Vec<(i64, String)> = conn
        .prepare("SELECT message_rowid, kind FROM media ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (i, (rowid, kind)) in media.iter().enumerate().take(3) {
        let file = dir.join(format!("media/{:02x}/{:064x}", i, i));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, format!("{kind} bytes {i}").repeat(50 + i)).unwrap();
        mark_saved(&db, *rowid, &file, "application/octet-stream");
    }
    let location: i64 = conn
        .query_row("SELECT message_rowid FROM location_maps LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    add_map(&db, location, dir, 15, 30.2741, 120.1551);
    s
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn restore_gives_the_same_rows_and_media_bytes() {
    let a = tempfile::tempdir().unwrap();
    let store = live_store(a.path());
    let db = store.path().to_path_buf();
    let file = a.path().join("backup.inlet");
    let report = create_backup(&db, None, &file).unwrap();
    assert_eq!(report.media_files, 3 + 4, "3 attachments and 4 tiles");
    assert_eq!(report.media_missing, 0);

    // Somewhere else: rows equal once the media paths are read relative to their folder.
    let b = tempfile::tempdir().unwrap();
    let restored_db = b.path().join("inlet.db");
    let r = restore_backup(&file, &restored_db, None, false).unwrap();
    assert_eq!(r.media_files, 7);
    assert!(!r.replaced);
    let relative = |d: &Path, root: &Path| -> Vec<(String, Vec<String>)> {
        let root = format!("{}/", root.display());
        dump(d)
            .into_iter()
            .map(|(t, rows)| {
                (
                    t,
                    rows.into_iter()
                        .map(|r| r.replace(&root, "<root>/"))
                        .collect(),
                )
            })
            .collect()
    };
    let (before, after) = (relative(&db, a.path()), relative(&restored_db, b.path()));
    assert_eq!(before.len(), after.len());
    for ((table, x), (_, y)) in before.iter().zip(&after) {
        for (r1, r2) in x.iter().zip(y) {
            assert_eq!(r1, r2, "table {table}");
        }
        assert_eq!(x.len(), y.len(), "rows of {table}");
    }
    let media_of = |d: &Path| {
        let mut f = files_under(&d.join("media"));
        f.extend(files_under(&d.join("tiles")));
        f
    };
    assert_eq!(media_of(a.path()), media_of(b.path()));
    // The restored store opens and its media paths lead to the restored files.
    let restored = Store::open(&restored_db).unwrap();
    let paths: Vec<String> = archive_support::sql(&restored_db)
        .prepare(
            "SELECT path FROM media WHERE path IS NOT NULL UNION ALL SELECT path FROM map_tiles",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(paths.len(), 7);
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with(&b.path().display().to_string()) && Path::new(p).is_file())
    );
    assert_eq!(restored.list_quarantine().unwrap().len(), 1);

    // In the same place, over the original (forced): every row identical, paths included.
    let before = dump(&db);
    drop(store);
    let r = restore_backup(&file, &db, None, true).unwrap();
    assert!(r.replaced);
    assert_eq!(r.paths_rewritten, 0);
    assert_eq!(dump(&db), before);
}

#[test]
fn an_existing_store_is_replaced_only_when_forced() {
    let a = tempfile::tempdir().unwrap();
    let store = live_store(a.path());
    let file = a.path().join("b.tar");
    create_backup(store.path(), None, &file).unwrap();
    let err = restore_backup(&file, store.path(), None, false).unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    // The backup file is not overwritten either.
    assert!(create_backup(store.path(), None, &file).is_err());
}

/// Rewrites the backup, changing entries with `edit` (name, bytes) and keeping the manifest as
/// it was (so hashes no longer agree), unless `fix_manifest`.
fn rewrite(src: &Path, dst: &Path, fix_manifest: bool, edit: impl Fn(&str, &mut Vec<u8>)) {
    let mut archive = tar::Archive::new(std::fs::File::open(src).unwrap());
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        edit(&name, &mut bytes);
        entries.push((name, bytes));
    }
    if fix_manifest {
        let (_, m) = entries
            .iter()
            .find(|(n, _)| n == "manifest.json")
            .unwrap()
            .clone();
        let mut manifest: Manifest = serde_json::from_slice(&m).unwrap();
        for entry in &mut manifest.entries {
            let (_, bytes) = entries.iter().find(|(n, _)| *n == entry.name).unwrap();
            entry.bytes = bytes.len() as u64;
            entry.sha256 = sha256(bytes);
        }
        entries
            .iter_mut()
            .find(|(n, _)| n == "manifest.json")
            .unwrap()
            .1 = serde_json::to_vec(&manifest).unwrap();
    }
    let mut out = tar::Builder::new(std::fs::File::create(dst).unwrap());
    for (name, bytes) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        out.append_data(&mut h, name, bytes.as_slice()).unwrap();
    }
    out.finish().unwrap();
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn refused(file: &Path, expect: &str) {
    let target = tempfile::tempdir().unwrap();
    let db = target.path().join("inlet.db");
    let err = restore_backup(file, &db, None, false).unwrap_err();
    assert!(
        err.to_string().contains(expect),
        "expected {expect:?} in: {err}"
    );
    assert!(!db.exists(), "nothing restored");
    let left: Vec<_> = std::fs::read_dir(target.path()).unwrap().collect();
    assert!(left.is_empty(), "no staging left behind: {left:?}");
}

#[test]
fn a_damaged_or_tampered_backup_is_refused_before_anything_is_touched() {
    let a = tempfile::tempdir().unwrap();
    let store = live_store(a.path());
    let good = a.path().join("good.tar");
    create_backup(store.path(), None, &good).unwrap();

    let flipped = a.path().join("flipped.tar");
    rewrite(&good, &flipped, false, |name, bytes| {
        if name.starts_with("media/") && name.contains("tiles") {
            bytes[10] ^= 1;
        }
    });
    refused(&flipped, "damaged");

    let too_new = a.path().join("new.tar");
    rewrite(&good, &too_new, true, |name, bytes| {
        if name == "inlet.db" {
            // user_version lives at byte 60 of the database header.
            bytes[60..64].copy_from_slice(&999u32.to_be_bytes());
        }
    });
    refused(&too_new, "newer than this Inlet understands");

    let corrupt = a.path().join("corrupt.tar");
    rewrite(&good, &corrupt, true, |name, bytes| {
        if name == "inlet.db" {
            let page = 4096;
            for b in &mut bytes[page * 2..page * 2 + 200] {
                *b = 0xa5;
            }
        }
    });
    refused(&corrupt, "database");

    let no_manifest = a.path().join("bare.tar");
    let mut out = tar::Builder::new(std::fs::File::create(&no_manifest).unwrap());
    out.append_path_with_name(store.path(), "inlet.db").unwrap();
    out.finish().unwrap();
    refused(&no_manifest, "no manifest");

    refused(&a.path().join("missing.tar"), "cannot open the backup");
    let junk = a.path().join("junk.tar");
    std::fs::write(&junk, png([1, 1, 1])).unwrap();
    refused(&junk, "backup");
}

#[test]
fn entries_that_would_escape_the_target_are_refused() {
    let a = tempfile::tempdir().unwrap();
    let store = live_store(a.path());
    let good = a.path().join("good.tar");
    create_backup(store.path(), None, &good).unwrap();
    let evil = a.path().join("evil.tar");
    std::fs::copy(&good, &evil).unwrap();
    // Append an entry named ../../evil (written into the header by hand: tar refuses to).
    let mut bytes = std::fs::read(&evil).unwrap();
    while bytes.ends_with(&[0u8; 512]) {
        bytes.truncate(bytes.len() - 512);
    }
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..13].copy_from_slice(b"media/../../x");
    h.set_size(4);
    h.set_mode(0o600);
    h.set_cksum();
    bytes.extend_from_slice(h.as_bytes());
    let mut data = b"evil".to_vec();
    data.resize(512, 0);
    bytes.extend(data);
    bytes.extend([0u8; 1024]);
    std::fs::write(&evil, bytes).unwrap();
    refused(&evil, "refused");
}
