//! Building stores for the search, export and backup tests: real ChatApp bodies (base64 JSON, as
//! the queue delivers them) ingested through `Store::ingest`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use inlet_core::store::{Incoming, Store};
use serde_json::{Value, json};

pub const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
pub const WABA: &str = "waba-1";
pub const BUSINESS: &str = "8613900000000";

/// A queue delivery of `json` (base64, as ChatApp sends it).
pub fn delivery(queue_message_id: &str, json: &[u8]) -> Incoming {
    let body = base64::engine::general_purpose::STANDARD
        .encode(json)
        .into_bytes();
    Incoming::decode(queue_message_id.to_string(), body, 1)
}

/// An MO body: `extra` fields are merged over the defaults.
pub fn mo(id: &str, from: &str, ts: i64, msg_type: &str, message: Value, extra: Value) -> Vec<u8> {
    let mut o = json!({
        "MessageId": id, "CustSpaceId": "cams-1", "WabaId": WABA, "From": from,
        "To": BUSINESS, "Timestamp": ts, "DisplayName": "Customer", "Name": "c",
        "Type": msg_type, "Message": message,
    });
    if let (Some(o), Value::Object(extra)) = (o.as_object_mut(), extra) {
        o.extend(extra);
    }
    serde_json::to_vec(&o).unwrap()
}

pub fn text(id: &str, from: &str, ts: i64, body: &str) -> Incoming {
    delivery(
        &format!("q-{id}"),
        &mo(id, from, ts, "TEXT", json!(body), json!({})),
    )
}

pub fn open(dir: &Path) -> Store {
    Store::open(dir.join("inlet.db")).unwrap()
}

/// The project's MO fixtures.
pub fn fixture(name: &str) -> Vec<u8> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/chatapp-mo/"
    );
    std::fs::read(format!("{dir}{name}")).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub const FIXTURES: &[&str] = &[
    "audio.json",
    "contacts.json",
    "document.json",
    "image-message-as-string.json",
    "image-no-caption-as-object.json",
    "location-as-object.json",
    "location-as-string.json",
    "newer-optional-fields.json",
    "plus-prefixed-numbers.json",
    "reply.json",
    "rtl-arabic.json",
    "system-identity-changed.json",
    "system-number-changed.json",
    "text.json",
    "unknown-type.json",
    "video.json",
];

/// A raw connection to the store's file, for setting up what other components would write
/// (saved media, map tiles) and for comparing whole tables.
pub fn sql(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

/// Every row of every table, as text, table by table: two stores with equal dumps hold the same
/// data.
pub fn dump(db: &Path) -> Vec<(String, Vec<String>)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| match r.get_ref(i).unwrap() {
                            rusqlite::types::ValueRef::Text(t) => {
                                format!("'{}'", String::from_utf8_lossy(t))
                            }
                            other => format!("{other:?}"),
                        })
                        .collect();
                    Ok(cells.join("|"))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows.sort();
            (t, rows)
        })
        .collect()
}

/// A small valid PNG (a 2×2 image of one colour), for saved photos and map tiles.
pub fn png(rgb: [u8; 3]) -> Vec<u8> {
    png_sized(2, rgb)
}

/// A valid PNG of `side × side` pixels of one colour (`side` ≤ 100).
pub fn png_sized(side: u32, rgb: [u8; 3]) -> Vec<u8> {
    // Built by hand: signature, IHDR, one stored (uncompressed) zlib IDAT, IEND.
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend(data);
        out.extend(&c);
        out.extend(crc32(&c).to_be_bytes());
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn adler32(bytes: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in bytes {
            a = (a + x as u32) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }
    // Each row: filter type 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.repeat(side as usize))
        .collect();
    let raw = row.repeat(side as usize);
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend((raw.len() as u16).to_le_bytes());
    z.extend((!(raw.len() as u16)).to_le_bytes());
    z.extend(&raw);
    z.extend(adler32(&raw).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::new();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Records message `rowid`'s attachment as saved at `path` (what the media keeper does).
pub fn mark_saved(db: &Path, rowid: i64, path: &Path, mime: &str) {
    let bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
    sql(db)
        .execute(
            "UPDATE media SET state = 'saved', path = ?2, bytes = ?3, detected_mime = ?4,
                              sha256 = 'test' WHERE message_rowid = ?1",
            rusqlite::params![rowid, path.to_string_lossy(), bytes, mime],
        )
        .unwrap();
}

/// Gives LOCATION message `rowid` a cached 2×2 map at zoom `z` (what the media keeper does),
/// with tile files under `dir`.
pub fn add_map(db: &Path, rowid: i64, dir: &Path, z: u8, lat: f64, lon: f64) -> Vec<PathBuf> {
    let block = inlet_core::media::tiles::block(lat, lon, z).unwrap();
    let conn = sql(db);
    let mut files = Vec::new();
    let colours = [
        [200, 220, 200],
        [210, 210, 235],
        [235, 225, 200],
        [220, 200, 210],
    ];
    for (i, (tx, ty)) in block.tiles().enumerate() {
        let path = dir.join(format!("tiles/{z}/{tx}/{ty}.png"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, png(colours[i % colours.len()])).unwrap();
        conn.execute(
            "INSERT OR REPLACE INTO map_tiles (z, x, y, path, bytes, fetched_at_ms)
             VALUES (?1, ?2, ?3, ?4, 100, 1)",
            rusqlite::params![z, tx, ty, path.to_string_lossy()],
        )
        .unwrap();
        conn.execute(
            "INSERT OR REPLACE INTO location_tiles (message_rowid, z, x, y) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![rowid, z, tx, ty],
        )
        .unwrap();
        files.push(path);
    }
    conn.execute(
        "UPDATE location_maps SET state = 'saved' WHERE message_rowid = ?1",
        [rowid],
    )
    .unwrap();
    files
}
