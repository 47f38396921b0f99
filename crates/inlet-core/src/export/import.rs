//! Reading a JSON Lines export back into a store: the bodies go through [`Store::ingest`] again
//! (so the messages are decoded and stored exactly as when they first arrived), then what the
//! bodies do not carry is restored from the lines: arrival times, redelivery counts, attachment
//! state, the chats' pins, archive, unread counts and labels, contact notes, and quarantine
//! sightings.
//!
//! Lines are processed as they are read, in batches of messages that arrived together (one
//! `received_at_ms`), each batch committed by one ingest. A malformed line stops the import with
//! its line number; what came before it is stored, and importing the file again is safe: a
//! message already in the store is skipped, not counted as a redelivery.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use super::json::{ChatLine, MessageLine, QuarantineLine};
use super::rows::NoteRef;
use crate::decode::normalize_phone;
use crate::error::CoreError;
use crate::store::organise::label_colour;
use crate::store::{Incoming, Store};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportReport {
    /// Lines read.
    pub lines: u32,
    /// Messages newly stored.
    pub messages: u32,
    /// Messages that were in the store already (skipped).
    pub already_present: u32,
    /// Quarantined bodies restored (or seen again).
    pub quarantined: u32,
    /// Labels created because the store had none of that name.
    pub labels_created: u32,
    /// Contact notes set.
    pub notes: u32,
}

/// Imports a JSON Lines export (see [`super::export_json_lines`]) into `store`.
pub fn import_json_lines(
    store: &mut Store,
    input: impl BufRead,
) -> Result<ImportReport, CoreError> {
    // Each batch is re-playable (ingest is idempotent), so per-commit fsyncs buy nothing here;
    // the store's usual durability is restored however the import ends.
    store.conn().pragma_update(None, "synchronous", "NORMAL")?;
    let result = Importer::default().run(store, input);
    store.conn().pragma_update(None, "synchronous", "FULL")?;
    result
}

/// A line of the file: a message or a quarantined body.
enum Line {
    Message(Box<MessageLine>),
    Quarantined(QuarantineLine),
}

fn parse(text: &str, number: usize) -> Result<Line, CoreError> {
    let bad = |e: serde_json::Error| {
        CoreError::Archive(format!(
            "line {number}: not a line of an Inlet JSON export ({e}); the lines before it were \
             imported, and importing the file again is safe"
        ))
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(bad)?;
    if value.get("quarantined").and_then(|q| q.as_bool()) == Some(true) {
        Ok(Line::Quarantined(
            serde_json::from_value(value).map_err(bad)?,
        ))
    } else {
        Ok(Line::Message(Box::new(
            serde_json::from_value(value).map_err(bad)?,
        )))
    }
}

fn raw_bytes(b64: &str, number: usize) -> Result<Vec<u8>, CoreError> {
    BASE64
        .decode(b64)
        .map_err(|e| CoreError::Archive(format!("line {number}: raw_base64 is not base64 ({e})")))
}

#[derive(Default)]
struct Importer {
    report: ImportReport,
    /// Messages that arrived together, waiting to be ingested as one batch.
    batch: Vec<(usize, MessageLine)>,
    /// The newest known state of each exported chat, keyed by the exported conversation id:
    /// a message of it, to find the chat it is in now, and its state.
    chats: HashMap<i64, ((String, String), ChatLine)>,
    notes: HashMap<String, NoteRef>,
}

impl Importer {
    fn run(mut self, store: &mut Store, input: impl BufRead) -> Result<ImportReport, CoreError> {
        for (i, line) in input.lines().enumerate() {
            let number = i + 1;
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            self.report.lines += 1;
            let parsed = match parse(&line, number) {
                Ok(parsed) => parsed,
                Err(e) => {
                    // Keep what came before the bad line, as the error says.
                    self.flush(store)?;
                    return Err(e);
                }
            };
            match parsed {
                Line::Message(m) => {
                    let same_batch = self
                        .batch
                        .first()
                        .is_none_or(|(_, first)| first.received_at_ms == m.received_at_ms);
                    if !same_batch {
                        self.flush(store)?;
                    }
                    self.batch.push((number, *m));
                }
                Line::Quarantined(q) => {
                    self.flush(store)?;
                    self.quarantine(store, q, number)?;
                }
            }
        }
        self.flush(store)?;
        self.restore_chats(store)?;
        self.restore_notes(store)?;
        Ok(self.report)
    }

    /// Ingests the pending batch, then restores what the bodies do not carry.
    fn flush(&mut self, store: &mut Store) -> Result<(), CoreError> {
        let batch = std::mem::take(&mut self.batch);
        let Some((_, first)) = batch.first() else {
            return Ok(());
        };
        let now_ms = first.received_at_ms;
        let mut fresh = Vec::new();
        let mut bodies: Vec<Incoming> = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for (number, line) in batch {
            if message_rowid(store, &line)?.is_some() {
                self.report.already_present += 1;
                continue;
            }
            if seen.insert((line.queue_message_id.clone(), line.raw_base64.clone())) {
                let raw = raw_bytes(&line.raw_base64, number)?;
                bodies.push(Incoming::decode(
                    line.queue_message_id.clone(),
                    raw,
                    line.dequeue_count,
                ));
            }
            fresh.push((number, line));
        }
        store.ingest(&bodies, now_ms)?;
        for (number, line) in fresh {
            let rowid = message_rowid(store, &line)?.ok_or_else(|| {
                CoreError::Archive(format!(
                    "line {number}: message {} is not in its raw_base64 body",
                    line.message_id
                ))
            })?;
            restore_message(store, rowid, &line)?;
            self.remember(line);
            self.report.messages += 1;
        }
        Ok(())
    }

    fn remember(&mut self, line: MessageLine) {
        let key = (channel_key(&line).to_string(), line.message_id);
        if let Some(note) = line.contact_note {
            let number = normalize_phone(&line.from);
            let newer = self
                .notes
                .get(&number)
                .is_none_or(|n| n.updated_at_ms <= note.updated_at_ms);
            if newer {
                self.notes.insert(number, note);
            }
        }
        self.chats
            .insert(line.conversation_id, (key, line.conversation));
    }

    fn quarantine(
        &mut self,
        store: &mut Store,
        q: QuarantineLine,
        number: usize,
    ) -> Result<(), CoreError> {
        let raw = raw_bytes(&q.raw_base64, number)?;
        let known: bool = store.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM quarantine WHERE queue_message_id = ?1 AND raw_sha256 = ?2)",
            params![q.queue_message_id, q.raw_sha256],
            |r| r.get(0),
        )?;
        if known {
            // Imported before: not another sighting.
            self.report.already_present += 1;
            return Ok(());
        }
        let body = Incoming::decode(q.queue_message_id.clone(), raw, q.dequeue_count);
        store.ingest(&[body], q.first_seen_ms)?;
        store.conn().execute(
            "UPDATE quarantine SET times_seen = max(times_seen, ?3),
                                   last_seen_ms = max(last_seen_ms, ?4), dequeue_count = ?5
             WHERE queue_message_id = ?1 AND raw_sha256 = ?2",
            params![
                q.queue_message_id,
                q.raw_sha256,
                q.times_seen,
                q.last_seen_ms,
                q.dequeue_count
            ],
        )?;
        self.report.quarantined += 1;
        Ok(())
    }

    /// Pins, archive, unread counts and labels, on the chats the messages are in now.
    fn restore_chats(&mut self, store: &mut Store) -> Result<(), CoreError> {
        for ((channel, message_id), chat) in std::mem::take(&mut self.chats).into_values() {
            let conversation: Option<i64> = store
                .conn()
                .query_row(
                    "SELECT conversation_id FROM messages WHERE channel_key = ?1 AND message_id = ?2",
                    [&channel, &message_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(id) = conversation else { continue };
            store.conn().execute(
                "UPDATE conversations SET pinned = ?2, archived = ?3, unread_count = ?4 WHERE id = ?1",
                params![id, chat.pinned, chat.archived, chat.unread_count],
            )?;
            for label in &chat.labels {
                let label_id = self.label_named(store, &label.name, &label.colour)?;
                store.assign_label(id, label_id, 0)?;
            }
        }
        Ok(())
    }

    fn label_named(
        &mut self,
        store: &mut Store,
        name: &str,
        colour: &str,
    ) -> Result<i64, CoreError> {
        let existing: Option<i64> = store
            .conn()
            .query_row(
                "SELECT id FROM labels WHERE name = ?1",
                [name.trim()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        // An export edited by hand may carry a colour we would not store: fall back to grey.
        let colour = label_colour(colour).unwrap_or_else(|_| "#888888".into());
        self.report.labels_created += 1;
        Ok(store.create_label(name, &colour, 0)?.id)
    }

    /// Notes, unless the store has a newer one.
    fn restore_notes(&mut self, store: &mut Store) -> Result<(), CoreError> {
        for (number, note) in std::mem::take(&mut self.notes) {
            let n = store.conn().execute(
                "INSERT INTO contact_notes (number, text, updated_at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (number) DO UPDATE SET text = excluded.text,
                     updated_at_ms = excluded.updated_at_ms
                 WHERE excluded.updated_at_ms > contact_notes.updated_at_ms",
                params![number, note.text, note.updated_at_ms],
            )?;
            self.report.notes += n as u32;
        }
        Ok(())
    }
}

/// `WabaId`, or else `CustSpaceId`, or else `""`, as the store keys messages.
fn channel_key(line: &MessageLine) -> &str {
    line.waba_id
        .as_deref()
        .or(line.channel_id.as_deref())
        .unwrap_or("")
}

fn message_rowid(store: &Store, line: &MessageLine) -> Result<Option<i64>, CoreError> {
    Ok(store
        .conn()
        .prepare_cached("SELECT id FROM messages WHERE channel_key = ?1 AND message_id = ?2")?
        .query_row([channel_key(line), &line.message_id], |r| r.get(0))
        .optional()?)
}

/// Redelivery count and attachment state, as exported.
fn restore_message(store: &Store, rowid: i64, line: &MessageLine) -> Result<(), CoreError> {
    let conn = store.conn();
    conn.prepare_cached("DELETE FROM duplicates WHERE message_rowid = ?1")?
        .execute([rowid])?;
    if line.duplicates > 0 {
        conn.prepare_cached(
            "INSERT INTO duplicates (message_rowid, times_seen_again, last_seen_ms,
                                     last_queue_message_id) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            rowid,
            line.duplicates,
            line.received_at_ms,
            line.queue_message_id
        ])?;
    }
    if let Some(a) = line.attachments.first() {
        conn.prepare_cached(
            "UPDATE media SET state = ?2, path = ?3, bytes = ?4, detected_mime = ?5, sha256 = ?6
             WHERE message_rowid = ?1",
        )?
        .execute(params![
            rowid,
            a.state,
            a.path,
            a.bytes,
            a.detected_mime,
            a.sha256
        ])?;
    }
    Ok(())
}
