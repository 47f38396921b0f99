//! The media keeper's side of the store: claiming due download jobs, recording what became of
//! them, the map jobs of LOCATION messages and their cached tiles, and the read-only summaries
//! for the UI and `inlet media`.
//!
//! Job rows are created at ingest (`media.rs` for files, a trigger from migration 3 for maps); this
//! module only moves them between states. Every write is one statement or one transaction, so a
//! crash leaves each job in a state the keeper knows how to resume from.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Queries;
use super::media::MediaState;
use super::queries::media_kind;
use crate::decode::MediaKind;
use crate::error::StoreError;
use crate::media::tiles::{self, TILE_SIZE};

/// How far ahead a deadline counts as "at risk" (same window as `Counts::media_at_risk`).
pub const AT_RISK_WINDOW_MS: i64 = 48 * 60 * 60 * 1000;

/// A download job as the keeper works on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaJob {
    pub id: i64,
    pub message_rowid: i64,
    pub kind: MediaKind,
    pub url: String,
    pub declared_mime: Option<String>,
    pub filename: Option<String>,
    pub deadline_ms: i64,
    /// Attempts so far, including the one just claimed.
    pub attempts: u32,
}

/// A job id with its message, for events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobRef {
    pub id: i64,
    pub message_rowid: i64,
}

/// What a finished download left on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub detected_mime: Option<String>,
    pub mime_mismatch: bool,
    pub display_name: String,
}

/// Everything known about one attachment, for `inlet media` and the UI's detail view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MediaItem {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub message_rowid: i64,
    pub kind: MediaKind,
    pub state: MediaState,
    pub url: String,
    pub declared_mime: Option<String>,
    /// The type sniffed from the bytes, once saved (when the bytes are recognisable).
    pub detected_mime: Option<String>,
    /// The bytes are not what the message declared.
    pub mime_mismatch: bool,
    /// The sender's file name as sent (untrusted; show `display_name` instead).
    pub filename: Option<String>,
    /// A safe file name for "save as", once saved.
    pub display_name: Option<String>,
    pub path: Option<String>,
    pub sha256: Option<String>,
    #[ts(type = "number | null")]
    pub bytes: Option<i64>,
    /// Bytes received so far by the attempt in flight.
    #[ts(type = "number | null")]
    pub progress_bytes: Option<i64>,
    /// The attempt in flight's announced size.
    #[ts(type = "number | null")]
    pub total_bytes: Option<i64>,
    #[ts(type = "number")]
    pub deadline_ms: i64,
    pub attempts: u32,
    #[ts(type = "number")]
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
}

/// Jobs per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StateCounts {
    pub queued: u32,
    pub downloading: u32,
    pub saved: u32,
    pub retrying: u32,
    pub expired: u32,
    pub too_large: u32,
}

impl StateCounts {
    pub fn total(&self) -> u32 {
        self.queued + self.downloading + self.saved + self.retrying + self.expired + self.too_large
    }

    /// Jobs that still need work (queued, downloading or retrying).
    pub fn pending(&self) -> u32 {
        self.queued + self.downloading + self.retrying
    }
}

/// Map jobs of LOCATION messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapCounts {
    pub locations: u32,
    /// Every tile of the location's map is cached.
    pub saved: u32,
    /// Queued or retrying.
    pub pending: u32,
    /// Gave up after repeated failures; the UI shows a card instead.
    pub failed: u32,
    /// Tile files in the cache (shared between locations).
    pub tiles_cached: u32,
    #[ts(type = "number")]
    pub tile_bytes: i64,
}

/// The summary `inlet media` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MediaStatus {
    pub counts: StateCounts,
    /// Sum of the saved attachments' sizes.
    #[ts(type = "number")]
    pub bytes_saved: i64,
    /// The same after de-duplication: what the files take on disk.
    #[ts(type = "number")]
    pub bytes_on_disk: i64,
    pub mime_mismatches: u32,
    /// Not saved yet and the URL dies within 48 hours.
    pub at_risk: u32,
    /// The unsaved jobs whose URLs die first, soonest first.
    pub next_deadlines: Vec<MediaItem>,
    pub maps: MapCounts,
}

/// A map job: the tiles around one LOCATION message's point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapJob {
    pub message_rowid: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub attempts: u32,
}

/// Where a location's map stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MapState {
    Queued,
    Retrying,
    Saved,
    Failed,
}

impl MapState {
    pub fn as_str(self) -> &'static str {
        match self {
            MapState::Queued => "queued",
            MapState::Retrying => "retrying",
            MapState::Saved => "saved",
            MapState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<MapState> {
        Some(match s {
            "queued" => MapState::Queued,
            "retrying" => MapState::Retrying,
            "saved" => MapState::Saved,
            "failed" => MapState::Failed,
            _ => return None,
        })
    }
}

/// One cached tile of a location's map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TileRef {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    /// The PNG file.
    pub path: String,
}

/// One zoom level of a location's map: a `columns × rows` block of 256-pixel tiles, row by row,
/// with the marker's position in pixels from the block's top-left corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapView {
    pub z: u8,
    pub columns: u32,
    pub rows: u32,
    pub tile_size: u32,
    /// Row-major: `tiles[row * columns + column]`.
    pub tiles: Vec<TileRef>,
    pub marker_x: f64,
    pub marker_y: f64,
}

/// A LOCATION message's offline map. `views` holds only zoom levels whose tiles are all cached;
/// empty `views` means "no tiles": show a card instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LocationMap {
    #[ts(type = "number")]
    pub message_rowid: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub state: MapState,
    pub views: Vec<MapView>,
}

impl LocationMap {
    pub fn has_tiles(&self) -> bool {
        !self.views.is_empty()
    }
}

// ---- the keeper's writes -------------------------------------------------------------------

/// After a crash or kill: jobs left `downloading` go back to `queued` (their partial files are
/// removed separately). Returns how many.
pub(crate) fn requeue_downloading(conn: &Connection, now_ms: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE media SET state = 'queued', progress_bytes = NULL, total_bytes = NULL,
                          next_attempt_ms = ?1, updated_at_ms = ?1
         WHERE state = 'downloading'",
        [now_ms],
    )?)
}

/// Puts the given in-flight jobs back in the queue (the keeper was stopped mid-download).
pub(crate) fn requeue(conn: &mut Connection, ids: &[i64], now_ms: i64) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    for id in ids {
        tx.execute(
            "UPDATE media SET state = 'queued', progress_bytes = NULL, total_bytes = NULL,
                              next_attempt_ms = ?2, updated_at_ms = ?2
             WHERE id = ?1 AND state = 'downloading'",
            params![id, now_ms],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// INDEXED BY: the partial index holds only jobs tried before, so jobs never tried (a whole
/// backlog of them, possibly older than the URLs' lifetime) are not walked past.
const EXPIRE_OVERDUE: &str = "
    UPDATE media INDEXED BY media_tried_by_deadline
    SET state = 'expired', updated_at_ms = ?1,
        last_error = 'the URL''s 7-day lifetime passed before the file could be saved'
                     || coalesce(' (last error: ' || last_error || ')', '')
    WHERE state IN ('queued', 'retrying') AND deadline_ms <= ?1 AND attempts > 0
    RETURNING id, message_rowid";

/// Jobs that were tried, failed and whose deadline has now passed become `expired`.
///
/// A job never tried is left alone even past its deadline: it gets one last attempt (the
/// deadline is an estimate from the message's timestamp; the URL may still answer).
pub(crate) fn expire_overdue(conn: &Connection, now_ms: i64) -> Result<Vec<JobRef>, StoreError> {
    let mut stmt = conn.prepare_cached(EXPIRE_OVERDUE)?;
    let rows = stmt
        .query_map([now_ms], |r| {
            Ok(JobRef {
                id: r.get(0)?,
                message_rowid: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The soonest deadline of two small candidate sets, each read from its own index: the first
/// queued job in deadline order (queued jobs are due from the start, so the partial index's first
/// row ends the search however long the backlog), and the retrying jobs whose next try is due (a
/// range of `media_due`, sorted, but only the due ones). One scan over all waiting jobs in
/// deadline order walked past every retrying job not yet due, on every claim.
const CLAIM_DUE: &str = "
    SELECT * FROM (
        SELECT * FROM (
            SELECT id, message_rowid, kind, url, declared_mime, filename, deadline_ms, attempts
            FROM media INDEXED BY media_queued_by_deadline
            WHERE state = 'queued' AND next_attempt_ms <= ?1
            ORDER BY deadline_ms, id LIMIT 1)
        UNION ALL
        SELECT * FROM (
            SELECT id, message_rowid, kind, url, declared_mime, filename, deadline_ms, attempts
            FROM media INDEXED BY media_due
            WHERE state = 'retrying' AND next_attempt_ms <= ?1
            ORDER BY deadline_ms, id LIMIT 1))
    ORDER BY deadline_ms, id
    LIMIT 1";

/// Takes the due job with the soonest deadline and marks it `downloading`.
pub(crate) fn claim_due(
    conn: &mut Connection,
    now_ms: i64,
) -> Result<Option<MediaJob>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let job = tx
        .prepare_cached(CLAIM_DUE)?
        .query_row([now_ms], |r| {
            Ok(MediaJob {
                id: r.get(0)?,
                message_rowid: r.get(1)?,
                kind: media_kind(r, 2)?,
                url: r.get(3)?,
                declared_mime: r.get(4)?,
                filename: r.get(5)?,
                deadline_ms: r.get(6)?,
                attempts: r.get::<_, u32>(7)?.saturating_add(1),
            })
        })
        .optional()?;
    if let Some(job) = &job {
        tx.prepare_cached(
            "UPDATE media SET state = 'downloading', attempts = ?2, progress_bytes = 0,
                              total_bytes = NULL, updated_at_ms = ?3
             WHERE id = ?1",
        )?
        .execute(params![job.id, job.attempts, now_ms])?;
    }
    tx.commit()?;
    Ok(job)
}

/// The earliest `next_attempt_ms` of the jobs waiting for a try.
pub(crate) fn next_due_ms(conn: &Connection) -> Result<Option<i64>, StoreError> {
    Ok(conn
        // One indexed min per state: `state IN (...)` would read every waiting job.
        .prepare_cached(
            "SELECT min(due) FROM (
                 SELECT min(next_attempt_ms) AS due FROM media WHERE state = 'queued'
                 UNION ALL
                 SELECT min(next_attempt_ms) FROM media WHERE state = 'retrying')",
        )?
        .query_row([], |r| r.get(0))?)
}

/// Jobs that still need work.
pub(crate) fn unsettled(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM media WHERE state IN ('queued', 'downloading', 'retrying')",
        )?
        .query_row([], |r| r.get(0))?)
}

pub(crate) fn record_progress(
    conn: &Connection,
    id: i64,
    done: u64,
    total: Option<u64>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE media SET progress_bytes = ?2, total_bytes = ?3
         WHERE id = ?1 AND state = 'downloading'",
    )?
    .execute(params![id, done, total])?;
    Ok(())
}

pub(crate) fn mark_saved(
    conn: &Connection,
    id: i64,
    file: &SavedFile,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE media SET state = 'saved', path = ?2, sha256 = ?3, bytes = ?4, detected_mime = ?5,
                          mime_mismatch = ?6, display_name = ?7, last_error = NULL,
                          progress_bytes = NULL, total_bytes = NULL, saved_at_ms = ?8,
                          updated_at_ms = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        file.path,
        file.sha256,
        file.bytes,
        file.detected_mime,
        file.mime_mismatch,
        file.display_name,
        now_ms
    ])?;
    Ok(())
}

pub(crate) fn mark_retrying(
    conn: &Connection,
    id: i64,
    reason: &str,
    next_attempt_ms: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE media SET state = 'retrying', last_error = ?2, next_attempt_ms = ?3,
                          progress_bytes = NULL, total_bytes = NULL, updated_at_ms = ?4
         WHERE id = ?1",
    )?
    .execute(params![id, reason, next_attempt_ms, now_ms])?;
    Ok(())
}

/// Ends a job that will not be tried again (`expired` or `too_large`).
pub(crate) fn mark_final(
    conn: &Connection,
    id: i64,
    state: MediaState,
    reason: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE media SET state = ?2, last_error = ?3, progress_bytes = NULL, total_bytes = NULL,
                          updated_at_ms = ?4
         WHERE id = ?1",
    )?
    .execute(params![id, state, reason, now_ms])?;
    Ok(())
}

// ---- maps ----------------------------------------------------------------------------------

/// The due map job of the newest message (the one the operator most likely looks at).
pub(crate) fn next_map_job(conn: &Connection, now_ms: i64) -> Result<Option<MapJob>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT message_rowid, latitude, longitude, attempts FROM location_maps
             WHERE state IN ('queued', 'retrying') AND next_attempt_ms <= ?1
             ORDER BY message_rowid DESC LIMIT 1",
        )?
        .query_row([now_ms], |r| {
            Ok(MapJob {
                message_rowid: r.get(0)?,
                latitude: r.get(1)?,
                longitude: r.get(2)?,
                attempts: r.get(3)?,
            })
        })
        .optional()?)
}

pub(crate) fn next_map_due_ms(conn: &Connection) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT min(next_attempt_ms) FROM location_maps WHERE state IN ('queued', 'retrying')",
        )?
        .query_row([], |r| r.get(0))?)
}

/// Map jobs not tried yet. Maps that failed and wait for a retry do not count: tiles are a
/// nicety, and a tile server that is down must not hold up `inlet sync --until-empty`.
pub(crate) fn untried_maps(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM location_maps WHERE state = 'queued'")?
        .query_row([], |r| r.get(0))?)
}

/// The cached file of tile `z/x/y`, if any.
pub(crate) fn cached_tile(
    conn: &Connection,
    z: u8,
    x: u32,
    y: u32,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT path FROM map_tiles WHERE z = ?1 AND x = ?2 AND y = ?3")?
        .query_row(params![z, x, y], |r| r.get(0))
        .optional()?)
}

pub(crate) fn forget_tile(conn: &Connection, z: u8, x: u32, y: u32) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM map_tiles WHERE z = ?1 AND x = ?2 AND y = ?3")?
        .execute(params![z, x, y])?;
    Ok(())
}

pub(crate) fn insert_tile(
    conn: &Connection,
    z: u8,
    x: u32,
    y: u32,
    path: &str,
    bytes: u64,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO map_tiles (z, x, y, path, bytes, fetched_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![z, x, y, path, bytes, now_ms])?;
    Ok(())
}

pub(crate) fn link_tile(
    conn: &Connection,
    message_rowid: i64,
    z: u8,
    x: u32,
    y: u32,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO location_tiles (message_rowid, z, x, y) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![message_rowid, z, x, y])?;
    Ok(())
}

/// Records a map job's outcome: `Saved`, or `Retrying` at `next_attempt_ms`, or `Failed`.
pub(crate) fn finish_map(
    conn: &Connection,
    message_rowid: i64,
    state: MapState,
    error: Option<&str>,
    next_attempt_ms: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE location_maps SET state = ?2, last_error = ?3, next_attempt_ms = ?4,
                                  attempts = attempts + 1, updated_at_ms = ?5
         WHERE message_rowid = ?1",
    )?
    .execute(params![
        message_rowid,
        state.as_str(),
        error,
        next_attempt_ms,
        now_ms
    ])?;
    Ok(())
}

// ---- reads for the UI and the CLI ----------------------------------------------------------

const ITEM_COLUMNS: &str = "id, message_rowid, kind, state, url, declared_mime, detected_mime,
    mime_mismatch, filename, display_name, path, sha256, bytes, progress_bytes, total_bytes,
    deadline_ms, attempts, next_attempt_ms, last_error";

fn item_row(r: &Row<'_>) -> rusqlite::Result<MediaItem> {
    Ok(MediaItem {
        id: r.get(0)?,
        message_rowid: r.get(1)?,
        kind: media_kind(r, 2)?,
        state: r.get(3)?,
        url: r.get(4)?,
        declared_mime: r.get(5)?,
        detected_mime: r.get(6)?,
        mime_mismatch: r.get(7)?,
        filename: r.get(8)?,
        display_name: r.get(9)?,
        path: r.get(10)?,
        sha256: r.get(11)?,
        bytes: r.get(12)?,
        progress_bytes: r.get(13)?,
        total_bytes: r.get(14)?,
        deadline_ms: r.get(15)?,
        attempts: r.get(16)?,
        next_attempt_ms: r.get(17)?,
        last_error: r.get(18)?,
    })
}

/// One attachment by its media id.
pub fn media_item(source: &impl Queries, id: i64) -> Result<Option<MediaItem>, StoreError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM media WHERE id = ?1");
    Ok(super::connection_of(source)
        .prepare_cached(&sql)?
        .query_row([id], item_row)
        .optional()?)
}

/// The attachment of a message, if it has one.
pub fn media_of_message(
    source: &impl Queries,
    message_rowid: i64,
) -> Result<Option<MediaItem>, StoreError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM media WHERE message_rowid = ?1");
    Ok(super::connection_of(source)
        .prepare_cached(&sql)?
        .query_row([message_rowid], item_row)
        .optional()?)
}

/// Every attachment, in job order.
pub fn media_items(source: &impl Queries) -> Result<Vec<MediaItem>, StoreError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM media ORDER BY id");
    let rows = super::connection_of(source)
        .prepare_cached(&sql)?
        .query_map([], item_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Counts per state, bytes, and the `limit` unsaved jobs whose URLs die first (as of `now_ms`).
pub fn media_status(
    source: &impl Queries,
    now_ms: i64,
    limit: u32,
) -> Result<MediaStatus, StoreError> {
    let conn = super::connection_of(source);
    // One read transaction, so the figures agree with each other.
    let tx = conn.unchecked_transaction()?;
    let mut counts = StateCounts::default();
    let mut stmt = tx.prepare("SELECT state, count(*) FROM media GROUP BY state")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let n: u32 = row.get(1)?;
        match row.get::<_, MediaState>(0)? {
            MediaState::Queued => counts.queued = n,
            MediaState::Downloading => counts.downloading = n,
            MediaState::Saved => counts.saved = n,
            MediaState::Retrying => counts.retrying = n,
            MediaState::Expired => counts.expired = n,
            MediaState::TooLarge => counts.too_large = n,
        }
    }
    let (bytes_saved, bytes_on_disk, mime_mismatches, at_risk) = tx.query_row(
        "SELECT
             (SELECT coalesce(sum(bytes), 0) FROM media WHERE state = 'saved'),
             (SELECT coalesce(sum(bytes), 0) FROM
                 (SELECT max(bytes) AS bytes FROM media WHERE state = 'saved' GROUP BY sha256)),
             (SELECT count(*) FROM media WHERE state = 'saved' AND mime_mismatch = 1),
             (SELECT count(*) FROM media
              WHERE state IN ('queued', 'downloading', 'retrying')
                AND deadline_ms > ?1 AND deadline_ms <= ?1 + ?2)",
        params![now_ms, AT_RISK_WINDOW_MS],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM media
         WHERE state IN ('queued', 'downloading', 'retrying')
         ORDER BY deadline_ms, id LIMIT ?1"
    );
    let next_deadlines = tx
        .prepare(&sql)?
        .query_map([limit], item_row)?
        .collect::<Result<_, _>>()?;
    let maps = tx.query_row(
        "SELECT count(*),
                count(*) FILTER (WHERE state = 'saved'),
                count(*) FILTER (WHERE state IN ('queued', 'retrying')),
                count(*) FILTER (WHERE state = 'failed'),
                (SELECT count(*) FROM map_tiles),
                (SELECT coalesce(sum(bytes), 0) FROM map_tiles)
         FROM location_maps",
        [],
        |r| {
            Ok(MapCounts {
                locations: r.get(0)?,
                saved: r.get(1)?,
                pending: r.get(2)?,
                failed: r.get(3)?,
                tiles_cached: r.get(4)?,
                tile_bytes: r.get(5)?,
            })
        },
    )?;
    Ok(MediaStatus {
        counts,
        bytes_saved,
        bytes_on_disk,
        mime_mismatches,
        at_risk,
        next_deadlines,
        maps,
    })
}

/// The cached tiles of a LOCATION message's map (empty: no tiles yet, or not a location).
pub fn location_tiles(
    source: &impl Queries,
    message_rowid: i64,
) -> Result<Vec<TileRef>, StoreError> {
    let rows = super::connection_of(source)
        .prepare_cached(
            "SELECT t.z, t.x, t.y, t.path FROM location_tiles l
             JOIN map_tiles t ON t.z = l.z AND t.x = l.x AND t.y = l.y
             WHERE l.message_rowid = ?1
             ORDER BY t.z, t.y, t.x",
        )?
        .query_map([message_rowid], |r| {
            Ok(TileRef {
                z: r.get(0)?,
                x: r.get(1)?,
                y: r.get(2)?,
                path: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A LOCATION message's offline map: the complete zoom levels, laid out with the marker's pixel
/// position. `None` when the message is not a location.
pub fn location_map(
    source: &impl Queries,
    message_rowid: i64,
) -> Result<Option<LocationMap>, StoreError> {
    let conn = super::connection_of(source);
    let job = conn
        .prepare_cached(
            "SELECT latitude, longitude, state FROM location_maps WHERE message_rowid = ?1",
        )?
        .query_row([message_rowid], |r| {
            Ok((
                r.get::<_, f64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let Some((latitude, longitude, state)) = job else {
        return Ok(None);
    };
    let state = MapState::parse(&state)
        .ok_or_else(|| StoreError::NotFound(format!("map state {state:?}")))?;
    let cached = location_tiles(source, message_rowid)?;
    let mut zooms: Vec<u8> = cached.iter().map(|t| t.z).collect();
    zooms.dedup();
    let views = zooms
        .into_iter()
        .filter_map(|z| view(latitude, longitude, z, &cached))
        .collect();
    Ok(Some(LocationMap {
        message_rowid,
        latitude,
        longitude,
        state,
        views,
    }))
}

/// The view at zoom `z` if every tile of its block is cached.
fn view(latitude: f64, longitude: f64, z: u8, cached: &[TileRef]) -> Option<MapView> {
    let block = tiles::block(latitude, longitude, z)?;
    let tiles = block
        .tiles()
        .map(|(x, y)| {
            cached
                .iter()
                .find(|t| t.z == z && t.x == x && t.y == y)
                .cloned()
        })
        .collect::<Option<Vec<_>>>()?;
    Some(MapView {
        z,
        columns: tiles::BLOCK,
        rows: tiles::BLOCK,
        tile_size: TILE_SIZE,
        tiles,
        marker_x: block.marker_x,
        marker_y: block.marker_y,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::{MEDIA_URL_LIFETIME_MS, Store};
    use crate::test_support::{JSON_FIXTURES, delivery, fixture, mo_json, temp_store};

    const NOW: i64 = 1_700_000_000_000;

    fn image(store: &mut Store, id: &str, ts: i64) -> i64 {
        let body = mo_json(
            id,
            "1",
            ts,
            "IMAGE",
            json!({"url": format!("https://x/{id}.jpg")}),
        );
        let report = store.ingest(&[delivery(id, &body)], NOW).unwrap();
        report.media_jobs[0]
    }

    fn plan(store: &Store, sql: &str) -> String {
        let rows: Vec<String> = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([NOW], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.join("; ")
    }

    #[test]
    fn the_keeper_reads_only_the_jobs_each_question_is_about() {
        let (_dir, mut store) = temp_store();
        // m0 is the newest message; a higher number is older, so its deadline comes sooner.
        let ids: Vec<i64> = (0..40)
            .map(|i| image(&mut store, &format!("m{i}"), NOW - i64::from(i) * 1_000))
            .collect();
        let set = |sql: &str, range: std::ops::Range<usize>| {
            for &id in &ids[range] {
                store.conn().execute(sql, params![id, NOW]).unwrap();
            }
        };
        // m0-m9 saved long ago; m30-m39, the oldest, tried and waiting an hour for their next
        // try; m25 tried and due again now; the rest never tried.
        set(
            "UPDATE media SET state = 'saved', saved_at_ms = ?2 WHERE id = ?1",
            0..10,
        );
        set(
            "UPDATE media SET state = 'retrying', attempts = 1, next_attempt_ms = ?2 + 3600000
             WHERE id = ?1",
            30..40,
        );
        set(
            "UPDATE media SET state = 'retrying', attempts = 1, next_attempt_ms = ?2 - 1
             WHERE id = ?1",
            25..26,
        );

        // Claims come in deadline order, the due retrying job in its place among the queued
        // ones, and jobs not yet due are not handed out.
        let mut claimed = Vec::new();
        while let Some(job) = claim_due(store.conn_mut(), NOW).unwrap() {
            claimed.push(job.id);
        }
        let expected: Vec<i64> = (10..30).rev().map(|i| ids[i]).collect();
        assert_eq!(claimed, expected);
        // Past every deadline, only the jobs tried and still waiting expire.
        let far = NOW + MEDIA_URL_LIFETIME_MS + 3_600_000;
        let mut expired: Vec<i64> = expire_overdue(store.conn(), far)
            .unwrap()
            .into_iter()
            .map(|j| j.id)
            .collect();
        expired.sort_unstable();
        assert_eq!(expired, ids[30..40].to_vec());

        // The statements as written read their own partial indexes and never sort the waiting
        // jobs as a whole (SQLite refuses an INDEXED BY it cannot follow, failing the query).
        let claim = plan(&store, CLAIM_DUE);
        assert!(claim.contains("media_queued_by_deadline"), "{claim}");
        assert!(claim.contains("media_due"), "{claim}");
        let overdue = plan(&store, EXPIRE_OVERDUE);
        assert!(overdue.contains("media_tried_by_deadline"), "{overdue}");
        assert!(!overdue.contains("TEMP B-TREE"), "{overdue}");
    }

    #[test]
    fn locations_get_a_map_job_at_ingest_and_other_messages_do_not() {
        let (_dir, mut store) = temp_store();
        let batch: Vec<_> = JSON_FIXTURES
            .iter()
            .map(|n| delivery(n, &fixture(n)))
            .collect();
        store.ingest(&batch, NOW).unwrap();
        let counts = media_status(&store, NOW, 5).unwrap().maps;
        // location-as-object.json and location-as-string.json.
        assert_eq!((counts.locations, counts.pending), (2, 2));
        let rowid: i64 = store
            .conn()
            .query_row("SELECT message_rowid FROM location_maps LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        let map = location_map(&store, rowid).unwrap().unwrap();
        assert!(!map.has_tiles(), "nothing fetched yet: the UI shows a card");
        assert!(location_tiles(&store, rowid).unwrap().is_empty());
        assert_eq!(location_map(&store, 999_999).unwrap(), None);
    }

    #[test]
    fn a_location_without_usable_coordinates_is_stored_without_a_map_job() {
        let (_dir, mut store) = temp_store();
        let body = mo_json(
            "loc-bad",
            "1",
            NOW,
            "LOCATION",
            json!({"latitude": "north"}),
        );
        let report = store.ingest(&[delivery("q", &body)], NOW).unwrap();
        assert_eq!(report.inserted.len(), 1, "the message is kept");
        assert_eq!(media_status(&store, NOW, 5).unwrap().maps.locations, 0);
    }

    #[test]
    fn the_soonest_deadline_is_claimed_first_and_only_when_due() {
        let (_dir, mut store) = temp_store();
        let late = image(&mut store, "late", NOW);
        let early = image(&mut store, "early", NOW - 3_600_000);
        let job = claim_due(store.conn_mut(), NOW).unwrap().unwrap();
        assert_eq!((job.id, job.attempts), (early, 1));
        assert_eq!(job.deadline_ms, NOW - 3_600_000 + MEDIA_URL_LIFETIME_MS);
        mark_retrying(store.conn(), early, "HTTP 500", NOW + 1000, NOW).unwrap();
        let next = claim_due(store.conn_mut(), NOW).unwrap().unwrap();
        assert_eq!(next.id, late, "the retrying job is not due yet");
        assert_eq!(claim_due(store.conn_mut(), NOW).unwrap(), None);
        assert_eq!(next_due_ms(store.conn()).unwrap(), Some(NOW + 1000));
        assert_eq!(unsettled(store.conn()).unwrap(), 2);
    }

    #[test]
    fn only_tried_jobs_expire_when_the_deadline_passes() {
        let (_dir, mut store) = temp_store();
        let tried = image(&mut store, "tried", NOW);
        let untried = image(&mut store, "untried", NOW);
        claim_due(store.conn_mut(), NOW).unwrap().unwrap();
        mark_retrying(store.conn(), tried, "HTTP 404 NoSuchKey", NOW + 1, NOW).unwrap();
        let after = NOW + MEDIA_URL_LIFETIME_MS + 1;
        let expired = expire_overdue(store.conn(), after).unwrap();
        assert_eq!(
            expired.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![tried]
        );
        let item = media_item(&store, tried).unwrap().unwrap();
        assert_eq!(item.state, MediaState::Expired);
        assert!(item.last_error.unwrap().contains("HTTP 404 NoSuchKey"));
        // The untried job gets its one last chance.
        let last = claim_due(store.conn_mut(), after).unwrap().unwrap();
        assert_eq!(last.id, untried);
    }

    #[test]
    fn interrupted_downloads_go_back_to_the_queue() {
        let (_dir, mut store) = temp_store();
        let id = image(&mut store, "a", NOW);
        claim_due(store.conn_mut(), NOW).unwrap().unwrap();
        record_progress(store.conn(), id, 10, Some(100)).unwrap();
        let item = media_item(&store, id).unwrap().unwrap();
        assert_eq!(
            (item.state, item.progress_bytes),
            (MediaState::Downloading, Some(10))
        );
        assert_eq!(requeue_downloading(store.conn(), NOW + 5).unwrap(), 1);
        let item = media_item(&store, id).unwrap().unwrap();
        assert_eq!(
            (item.state, item.progress_bytes, item.attempts),
            (MediaState::Queued, None, 1)
        );
    }

    #[test]
    fn status_counts_states_bytes_and_duplicates() {
        let (_dir, mut store) = temp_store();
        let a = image(&mut store, "a", NOW);
        let b = image(&mut store, "b", NOW);
        let c = image(&mut store, "c", NOW - MEDIA_URL_LIFETIME_MS + 3_600_000);
        let file = |mismatch| SavedFile {
            path: "/m/ab/abab".into(),
            sha256: "abab".into(),
            bytes: 1000,
            detected_mime: Some("image/jpeg".into()),
            mime_mismatch: mismatch,
            display_name: "a.jpg".into(),
        };
        mark_saved(store.conn(), a, &file(false), NOW).unwrap();
        mark_saved(store.conn(), b, &file(true), NOW).unwrap();
        let s = media_status(&store, NOW, 5).unwrap();
        assert_eq!(
            (s.counts.saved, s.counts.queued, s.counts.total()),
            (2, 1, 3)
        );
        assert_eq!((s.bytes_saved, s.bytes_on_disk), (2000, 1000));
        assert_eq!((s.mime_mismatches, s.at_risk), (1, 1));
        assert_eq!(
            s.next_deadlines.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![c]
        );
    }
}
