//! Quarantine: bodies that could not be decoded, kept byte for byte so nothing is lost, shown to
//! the operator, and re-decoded when a newer decoder can read them.

use std::fmt::Display;

use rusqlite::{Connection, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::Store;
use super::ingest::{Batch, IngestReport, Source, store_message};
use crate::decode::MoMessage;
use crate::error::StoreError;

/// A quarantined body, for the operator's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct QuarantineItem {
    #[ts(type = "number")]
    pub id: i64,
    pub queue_message_id: String,
    /// Why it could not be read (the latest attempt's reason).
    pub error: String,
    /// The raw body as text (invalid UTF-8 replaced); the exact bytes are in the export.
    pub raw_text: String,
    pub raw_len: u32,
    pub raw_sha256: String,
    #[ts(type = "number")]
    pub first_seen_ms: i64,
    #[ts(type = "number")]
    pub last_seen_ms: i64,
    pub times_seen: u32,
    pub dequeue_count: u32,
}

/// What a re-decoding pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RedecodeReport {
    /// Bodies now decoded and moved into messages.
    pub recovered: u32,
    /// Bodies the decoder still cannot read (their error text is updated).
    pub still_failing: u32,
    /// The messages stored from recovered bodies.
    pub ingest: IngestReport,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Quarantines a body, or counts another sighting of one already there (same queue message id
/// and same bytes).
pub(crate) fn put(
    conn: &Connection,
    source: &Source<'_>,
    error: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO quarantine (queue_message_id, raw_sha256, raw, error, first_seen_ms,
                                 last_seen_ms, dequeue_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
         ON CONFLICT (queue_message_id, raw_sha256) DO UPDATE SET
             times_seen = times_seen + 1,
             last_seen_ms = excluded.last_seen_ms,
             error = excluded.error,
             dequeue_count = excluded.dequeue_count",
    )?
    .execute(params![
        source.queue_message_id,
        sha256_hex(source.raw_body),
        source.raw_body,
        error,
        now_ms,
        source.dequeue_count,
    ])?;
    Ok(())
}

/// A body that decoded now (e.g. redelivered after an upgrade) is no longer quarantined.
pub(crate) fn resolve_body(
    conn: &Connection,
    source: &Source<'_>,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE quarantine SET resolved = 1, resolved_at_ms = ?3
         WHERE queue_message_id = ?1 AND raw_sha256 = ?2 AND resolved = 0",
    )?
    .execute(params![
        source.queue_message_id,
        sha256_hex(source.raw_body),
        now_ms
    ])?;
    Ok(())
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<QuarantineItem>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, queue_message_id, error, raw, raw_sha256, first_seen_ms, last_seen_ms,
                times_seen, dequeue_count
         FROM quarantine WHERE resolved = 0 ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let raw: Vec<u8> = r.get(3)?;
        Ok(QuarantineItem {
            id: r.get(0)?,
            queue_message_id: r.get(1)?,
            error: r.get(2)?,
            raw_len: u32::try_from(raw.len()).unwrap_or(u32::MAX),
            raw_text: String::from_utf8_lossy(&raw).into_owned(),
            raw_sha256: r.get(4)?,
            first_seen_ms: r.get(5)?,
            last_seen_ms: r.get(6)?,
            times_seen: r.get(7)?,
            dequeue_count: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    /// Runs `decoder` again over every unresolved quarantined body, in one transaction. Bodies it
    /// can now read are stored as messages (idempotently, as in ingest) and marked resolved; the
    /// others keep their bytes and get the new error text.
    ///
    /// The usual decoder is [`crate::decode::decode_message_body`].
    pub fn redecode_quarantine<E: Display>(
        &mut self,
        mut decoder: impl FnMut(&[u8]) -> Result<Vec<MoMessage>, E>,
        now_ms: i64,
    ) -> Result<RedecodeReport, StoreError> {
        let tx = self
            .durable()?
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pending: Vec<(i64, String, Vec<u8>, u32)> = tx
            .prepare("SELECT id, queue_message_id, raw, dequeue_count FROM quarantine WHERE resolved = 0 ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let mut acc = Batch::default();
        let (mut recovered, mut still_failing) = (0, 0);
        for (id, queue_message_id, raw, dequeue_count) in pending {
            match decoder(&raw) {
                Ok(messages) if !messages.is_empty() => {
                    let source = Source {
                        queue_message_id: &queue_message_id,
                        raw_body: &raw,
                        dequeue_count,
                    };
                    for message in &messages {
                        store_message(&tx, message, &source, now_ms, &mut acc)?;
                    }
                    tx.execute(
                        "UPDATE quarantine SET resolved = 1, resolved_at_ms = ?2 WHERE id = ?1",
                        params![id, now_ms],
                    )?;
                    recovered += 1;
                }
                result => {
                    let error = match result {
                        Err(e) => e.to_string(),
                        Ok(_) => "the body decoded to no messages".to_string(),
                    };
                    tx.execute(
                        "UPDATE quarantine SET error = ?2 WHERE id = ?1",
                        params![id, error],
                    )?;
                    still_failing += 1;
                }
            }
        }
        let ingest = acc.finish(&tx)?;
        tx.commit()?;
        Ok(RedecodeReport {
            recovered,
            still_failing,
            ingest,
        })
    }
}
