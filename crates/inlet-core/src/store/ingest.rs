//! Ingest: a batch of received queue messages in, one committed transaction out.
//!
//! The sync engine calls [`Store::ingest`] with everything one receive call returned, and deletes
//! the batch from the queue only after it returns `Ok`: a crash before the commit just means the
//! queue delivers the batch again, and idempotency on `(channel, MessageId)` absorbs that.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use ts_rs::TS;

use super::conversations::{self, ConversationKey};
use super::{Store, media, quarantine};
use crate::decode::{Content, MoMessage, decode_message_body, normalize_phone};
use crate::error::StoreError;

/// One message as received from the queue.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The queue's own MessageId (stable across redeliveries).
    pub queue_message_id: String,
    /// The `MessageBody` text as received (XML-unescaped, still base64).
    pub raw_body: Vec<u8>,
    /// The decoder's verdict; an error sends the body to quarantine.
    pub decoded: Result<Vec<MoMessage>, String>,
    /// The queue's DequeueCount for this delivery.
    pub dequeue_count: u32,
}

impl Incoming {
    /// Decodes `raw_body` with [`decode_message_body`].
    pub fn decode(queue_message_id: String, raw_body: Vec<u8>, dequeue_count: u32) -> Incoming {
        let decoded = decode_message_body(&raw_body).map_err(|e| e.to_string());
        Incoming {
            queue_message_id,
            raw_body,
            decoded,
            dequeue_count,
        }
    }
}

/// A stored message: its row id (arrival order) and conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StoredRef {
    #[ts(type = "number")]
    pub rowid: i64,
    #[ts(type = "number")]
    pub conversation_id: i64,
}

/// What one ingest did, for the sync engine's events and the UI's refresh.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct IngestReport {
    /// Newly stored messages, in arrival order.
    pub inserted: Vec<StoredRef>,
    /// Messages already stored (redeliveries); counted, not stored again.
    pub duplicates: u32,
    /// Bodies that went to (or were seen again in) quarantine.
    pub quarantined: u32,
    /// Conversations whose list entry changed, ascending.
    #[ts(type = "number[]")]
    pub changed_conversations: Vec<i64>,
    /// Conversations merged into another by a number change (they no longer exist).
    #[ts(type = "number[]")]
    pub removed_conversations: Vec<i64>,
    /// Media download jobs created, for the media keeper to pick up.
    #[ts(type = "number[]")]
    pub media_jobs: Vec<i64>,
}

/// Collects the report while a transaction runs.
#[derive(Default)]
pub(crate) struct Batch {
    report: IngestReport,
    changed: BTreeSet<i64>,
}

impl Batch {
    /// Brings every touched conversation's summary up to date and returns the report.
    pub(crate) fn finish(mut self, conn: &Connection) -> Result<IngestReport, StoreError> {
        for id in &self.report.removed_conversations {
            self.changed.remove(id);
        }
        for &id in &self.changed {
            conversations::refresh_summary(conn, id)?;
        }
        index_for_search(conn, &self.report.inserted)?;
        self.report.changed_conversations = self.changed.into_iter().collect();
        Ok(self.report)
    }

    pub(crate) fn count_quarantined(&mut self) {
        self.report.quarantined += 1;
    }
}

/// Adds the transaction's new messages to the full-text index, in one statement.
///
/// Not a per-row trigger (migration v6 says why). Row ids grow and there is one writer, so every
/// message between the first and the last one inserted here is new in this transaction, and
/// nothing in an ingest changes an indexed column of a message it inserted.
fn index_for_search(conn: &Connection, inserted: &[StoredRef]) -> Result<(), StoreError> {
    let (Some(first), Some(last)) = (inserted.first(), inserted.last()) else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO message_fts (rowid, text, display_name, name)
         SELECT id, text, display_name, name FROM messages WHERE id BETWEEN ?1 AND ?2",
    )?
    .execute([first.rowid, last.rowid])?;
    Ok(())
}

/// Where a decoded message came from.
pub(crate) struct Source<'a> {
    pub queue_message_id: &'a str,
    pub raw_body: &'a [u8],
    pub dequeue_count: u32,
}

impl Store {
    /// Stores a batch in ONE transaction and commits it (durably: `synchronous=FULL`).
    ///
    /// Decoded messages are stored once per `(channel, MessageId)`; a redelivery only counts a
    /// duplicate. Bodies that did not decode (or decoded to nothing) go to quarantine with their
    /// raw bytes; the same body seen again only counts another sighting. On `Err` nothing of the
    /// batch is stored and the caller must not delete it from the queue.
    pub fn ingest(&mut self, batch: &[Incoming], now_ms: i64) -> Result<IngestReport, StoreError> {
        let tx = self
            .durable()?
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut acc = Batch::default();
        for incoming in batch {
            let source = Source {
                queue_message_id: &incoming.queue_message_id,
                raw_body: &incoming.raw_body,
                dequeue_count: incoming.dequeue_count,
            };
            match &incoming.decoded {
                Ok(messages) if !messages.is_empty() => {
                    for message in messages {
                        store_message(&tx, message, &source, now_ms, &mut acc)?;
                    }
                    quarantine::resolve_body(&tx, &source, now_ms)?;
                }
                Ok(_) => {
                    quarantine::put(&tx, &source, "the body decoded to no messages", now_ms)?;
                    acc.count_quarantined();
                }
                Err(error) => {
                    quarantine::put(&tx, &source, error, now_ms)?;
                    acc.count_quarantined();
                }
            }
        }
        let report = acc.finish(&tx)?;
        tx.commit()?;
        Ok(report)
    }
}

/// `WabaId`, or else `CustSpaceId`, or else `""`: the scope in which `MessageId` is unique.
pub(crate) fn channel_key(m: &MoMessage) -> &str {
    m.waba_id
        .as_deref()
        .or(m.channel_id.as_deref())
        .unwrap_or("")
}

/// Stores one decoded message unless it is already stored.
pub(crate) fn store_message(
    conn: &Connection,
    m: &MoMessage,
    source: &Source<'_>,
    now_ms: i64,
    acc: &mut Batch,
) -> Result<(), StoreError> {
    let channel_key = channel_key(m);
    if let Some(rowid) = existing(conn, channel_key, &m.message_id)? {
        count_duplicate(conn, rowid, source.queue_message_id, now_ms)?;
        acc.report.duplicates += 1;
        return Ok(());
    }
    let from_number = normalize_phone(&m.from);
    let to_number = normalize_phone(m.to.as_deref().unwrap_or(""));
    // A number-change notice belongs with the old number's conversation, whichever number sent it.
    let change = m
        .number_change()
        .map(|(old, new)| (normalize_phone(&old), normalize_phone(&new)));
    let customer = change
        .as_ref()
        .map_or(from_number.as_str(), |(old, _)| old.as_str());
    let key = ConversationKey {
        channel_key,
        business_number: &to_number,
        customer_number: customer,
    };
    let conversation_id = conversations::find_or_create(
        conn,
        &key,
        m.channel_id.as_deref(),
        m.waba_id.as_deref(),
        now_ms,
    )?;
    let timestamp_ms = m.timestamp_ms.unwrap_or(now_ms);
    let rowid = insert_message(
        conn,
        m,
        conversation_id,
        &from_number,
        &to_number,
        source,
        now_ms,
    )?;
    conversations::note_names(
        conn,
        &from_number,
        m.display_name.as_deref(),
        m.name.as_deref(),
        timestamp_ms,
    )?;
    if let Some(media) = m.content.media() {
        let job = media::create_job(conn, rowid, &media, timestamp_ms, now_ms)?;
        acc.report.media_jobs.push(job);
    }
    if let Content::Location {
        latitude,
        longitude,
        ..
    } = &m.content
    {
        media::create_map_job(conn, rowid, *latitude, *longitude, now_ms)?;
    }
    if !m.content.is_notice() {
        conversations::add_unread(conn, conversation_id)?;
    }
    if let Some((old, new)) = change.as_ref().filter(|(old, new)| old != new) {
        conversations::carry_names(conn, old, new)?;
        let merged = conversations::join_new_number(conn, conversation_id, &key, new, now_ms)?;
        acc.report.removed_conversations.extend(merged);
    }
    acc.changed.insert(conversation_id);
    acc.report.inserted.push(StoredRef {
        rowid,
        conversation_id,
    });
    Ok(())
}

fn existing(
    conn: &Connection,
    channel_key: &str,
    message_id: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id FROM messages WHERE channel_key = ?1 AND message_id = ?2")?
        .query_row([channel_key, message_id], |r| r.get(0))
        .optional()?)
}

fn count_duplicate(
    conn: &Connection,
    rowid: i64,
    queue_message_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO duplicates (message_rowid, times_seen_again, last_seen_ms, last_queue_message_id)
         VALUES (?1, 1, ?2, ?3)
         ON CONFLICT (message_rowid) DO UPDATE SET
             times_seen_again = times_seen_again + 1,
             last_seen_ms = excluded.last_seen_ms,
             last_queue_message_id = excluded.last_queue_message_id",
    )?
    .execute(params![rowid, now_ms, queue_message_id])?;
    Ok(())
}

fn insert_message(
    conn: &Connection,
    m: &MoMessage,
    conversation_id: i64,
    from_number: &str,
    to_number: &str,
    source: &Source<'_>,
    now_ms: i64,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO messages (
             conversation_id, channel_key, channel_id, waba_id, message_id,
             from_original, from_number, to_original, to_number,
             timestamp_ms, timestamp_estimated, received_at_ms, msg_type, content_json, text, preview,
             is_notice, display_name, name, from_user_id, from_parent_user_id, from_user_name,
             extra_json, raw_body, queue_message_id, dequeue_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
    )?
    .execute(params![
        conversation_id,
        channel_key(m),
        m.channel_id,
        m.waba_id,
        m.message_id,
        m.from,
        from_number,
        m.to,
        to_number,
        m.timestamp_ms.unwrap_or(now_ms),
        m.timestamp_ms.is_none(),
        now_ms,
        m.msg_type,
        serde_json::to_string(&m.content)?,
        m.content.search_text(),
        m.content.preview(),
        m.content.is_notice(),
        m.display_name,
        m.name,
        m.from_user_id,
        m.from_parent_user_id,
        m.from_user_name,
        serde_json::to_string(&m.extra)?,
        source.raw_body,
        source.queue_message_id,
        source.dequeue_count,
    ])?;
    Ok(conn.last_insert_rowid())
}
