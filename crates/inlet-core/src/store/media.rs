//! Media download jobs: a row per media-carrying message, created at ingest so that no file is
//! forgotten even if the app is closed before the media keeper runs.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::decode::MediaRef;
use crate::error::StoreError;

/// ChatApp media URLs are valid for 7 days from the message (spec §9.3).
pub const MEDIA_URL_LIFETIME_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Where a media job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MediaState {
    Queued,
    Downloading,
    Saved,
    Retrying,
    /// The URL's lifetime passed before the file could be saved.
    Expired,
    /// Larger than the configured limit; not downloaded.
    TooLarge,
}

impl MediaState {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaState::Queued => "queued",
            MediaState::Downloading => "downloading",
            MediaState::Saved => "saved",
            MediaState::Retrying => "retrying",
            MediaState::Expired => "expired",
            MediaState::TooLarge => "too_large",
        }
    }

    pub fn parse(s: &str) -> Option<MediaState> {
        Some(match s {
            "queued" => MediaState::Queued,
            "downloading" => MediaState::Downloading,
            "saved" => MediaState::Saved,
            "retrying" => MediaState::Retrying,
            "expired" => MediaState::Expired,
            "too_large" => MediaState::TooLarge,
            _ => return None,
        })
    }
}

impl ToSql for MediaState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for MediaState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        MediaState::parse(s)
            .ok_or_else(|| FromSqlError::Other(format!("unknown media state {s:?}").into()))
    }
}

/// Queues a download for `media` of message `message_rowid` sent at `timestamp_ms`.
pub(crate) fn create_job(
    conn: &Connection,
    message_rowid: i64,
    media: &MediaRef<'_>,
    timestamp_ms: i64,
    now_ms: i64,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO media (message_rowid, kind, url, declared_mime, filename, deadline_ms, state,
                            next_attempt_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        message_rowid,
        media.kind.as_str(),
        media.url,
        media.mime_type,
        media.filename,
        timestamp_ms.saturating_add(MEDIA_URL_LIFETIME_MS),
        MediaState::Queued,
        now_ms,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The map job of a LOCATION message, created in the ingest's own transaction like the media
/// job: no location is ever stored without one.
pub(crate) fn create_map_job(
    conn: &Connection,
    message_rowid: i64,
    latitude: f64,
    longitude: f64,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO location_maps (message_rowid, latitude, longitude, next_attempt_ms,
                                              updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![message_rowid, latitude, longitude, now_ms])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_text() {
        for s in [
            MediaState::Queued,
            MediaState::Downloading,
            MediaState::Saved,
            MediaState::Retrying,
            MediaState::Expired,
            MediaState::TooLarge,
        ] {
            assert_eq!(MediaState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(MediaState::parse("lost"), None);
    }
}
