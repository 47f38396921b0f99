//! Reading what an export writes: messages in scope with their attachment, and the chats' and
//! contacts' organisation (labels, flags, notes). Shared by the JSON, CSV and HTML writers.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

use super::ExportScope;
use crate::decode::{Content, MediaKind};
use crate::error::CoreError;
use crate::store::MediaState;

/// One stored message, as exports need it.
pub(crate) struct MessageRow {
    pub rowid: i64,
    pub conversation_id: i64,
    pub message_id: String,
    pub msg_type: String,
    pub from: String,
    pub from_number: String,
    pub to: Option<String>,
    pub timestamp_ms: i64,
    pub timestamp_estimated: bool,
    pub received_at_ms: i64,
    pub display_name: Option<String>,
    pub name: Option<String>,
    pub channel_id: Option<String>,
    pub waba_id: Option<String>,
    pub content: Content,
    pub duplicates: u32,
    pub raw_body: Vec<u8>,
    pub queue_message_id: String,
    pub dequeue_count: u32,
    pub media: Option<MediaRow>,
}

/// A message's attachment and where its download stands.
pub(crate) struct MediaRow {
    pub kind: MediaKind,
    pub state: MediaState,
    pub path: Option<String>,
    pub url: String,
    pub declared_mime: Option<String>,
    pub detected_mime: Option<String>,
    pub filename: Option<String>,
    pub bytes: Option<i64>,
    pub sha256: Option<String>,
}

impl MediaRow {
    /// The detected type once saved, else the declared one.
    pub fn mime(&self) -> Option<&str> {
        self.detected_mime
            .as_deref()
            .or(self.declared_mime.as_deref())
    }
}

const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.message_id, m.msg_type, m.from_original,
    m.from_number, m.to_original, m.timestamp_ms, m.timestamp_estimated, m.received_at_ms,
    m.display_name, m.name, m.channel_id, m.waba_id, m.content_json,
    coalesce(d.times_seen_again, 0), m.raw_body, m.queue_message_id, m.dequeue_count,
    md.kind, md.state, md.path, md.url, md.declared_mime, md.detected_mime, md.filename, md.bytes,
    md.sha256
    FROM messages m
    LEFT JOIN duplicates d ON d.message_rowid = m.id
    LEFT JOIN media md ON md.message_rowid = m.id";

fn message_row(r: &Row<'_>) -> Result<MessageRow, CoreError> {
    let content_json: String = r.get(14)?;
    let media = match r.get::<_, Option<String>>(19)? {
        None => None,
        Some(kind) => Some(MediaRow {
            kind: MediaKind::parse(&kind).unwrap_or(MediaKind::Other),
            state: r.get(20)?,
            path: r.get(21)?,
            url: r.get(22)?,
            declared_mime: r.get(23)?,
            detected_mime: r.get(24)?,
            filename: r.get(25)?,
            bytes: r.get(26)?,
            sha256: r.get(27)?,
        }),
    };
    Ok(MessageRow {
        rowid: r.get(0)?,
        conversation_id: r.get(1)?,
        message_id: r.get(2)?,
        msg_type: r.get(3)?,
        from: r.get(4)?,
        from_number: r.get(5)?,
        to: r.get(6)?,
        timestamp_ms: r.get(7)?,
        timestamp_estimated: r.get(8)?,
        received_at_ms: r.get(9)?,
        display_name: r.get(10)?,
        name: r.get(11)?,
        channel_id: r.get(12)?,
        waba_id: r.get(13)?,
        content: serde_json::from_str(&content_json)?,
        duplicates: r.get(15)?,
        raw_body: r.get(16)?,
        queue_message_id: r.get(17)?,
        dequeue_count: r.get(18)?,
        media,
    })
}

/// The order messages are visited in.
#[derive(Clone, Copy)]
pub(crate) enum Order {
    /// Arrival order (row id): what a re-import replays.
    Arrival,
    /// By chat, then time: what pages of a chat show.
    ChatThenTime,
}

/// Calls `visit` for each message in `scope`, in `order`.
pub(crate) fn for_each_message(
    conn: &Connection,
    scope: &ExportScope,
    order: Order,
    mut visit: impl FnMut(MessageRow) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    let (filter, args) = scope_filter(scope);
    let order = match order {
        Order::Arrival => "m.id",
        Order::ChatThenTime => "m.conversation_id, m.timestamp_ms, m.id",
    };
    let sql = format!("SELECT {MESSAGE_COLUMNS} WHERE {filter} ORDER BY {order}");
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    while let Some(row) = rows.next()? {
        visit(message_row(row)?)?;
    }
    Ok(())
}

/// The messages with these row ids, in the order given (unknown ids are skipped).
pub(crate) fn messages_by_rowid(
    conn: &Connection,
    rowids: &[i64],
    mut visit: impl FnMut(MessageRow) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} WHERE m.id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    for &rowid in rowids {
        let mut rows = stmt.query([rowid])?;
        if let Some(row) = rows.next()? {
            visit(message_row(row)?)?;
        }
    }
    Ok(())
}

/// The SQL condition (over `messages m`) and its arguments for a scope.
pub(crate) fn scope_filter(scope: &ExportScope) -> (String, Vec<Value>) {
    let mut clauses = vec!["1".to_string()];
    let mut args: Vec<Value> = Vec::new();
    let mut add = |clause: &str, value: i64| {
        args.push(value.into());
        clauses.push(clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(id) = scope.conversation_id {
        add("m.conversation_id = ?", id);
    }
    if let Some(since) = scope.since_ms {
        add("m.timestamp_ms >= ?", since);
    }
    if let Some(until) = scope.until_ms {
        add("m.timestamp_ms < ?", until);
    }
    (clauses.join(" AND "), args)
}

/// A label as exports show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LabelRef {
    pub name: String,
    pub colour: String,
}

/// A chat's organisation and who it is with.
#[derive(Debug, Clone)]
pub(crate) struct ChatInfo {
    pub customer_number: String,
    pub business_number: String,
    pub display_name: Option<String>,
    pub pinned: bool,
    pub archived: bool,
    pub unread_count: u32,
    pub labels: Vec<LabelRef>,
}

impl ChatInfo {
    /// What to call the chat: the customer's display name, else their number.
    pub fn title(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.customer_number)
    }
}

/// A private note, as exports show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct NoteRef {
    pub text: String,
    pub updated_at_ms: i64,
}

/// Every chat's organisation and every contact note, read once per export.
pub(crate) struct Organisation {
    pub chats: HashMap<i64, ChatInfo>,
    pub notes: HashMap<String, NoteRef>,
}

impl Organisation {
    pub fn load(conn: &Connection) -> Result<Organisation, CoreError> {
        let mut chats = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT c.id, c.current_customer_number, c.business_number,
                    coalesce(cur.display_name, first.display_name), c.pinned, c.archived,
                    c.unread_count
             FROM conversations c
             LEFT JOIN contacts cur ON cur.number = c.current_customer_number
             LEFT JOIN contacts first ON first.number = c.customer_number",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let info = ChatInfo {
                customer_number: r.get(1)?,
                business_number: r.get(2)?,
                display_name: r.get(3)?,
                pinned: r.get(4)?,
                archived: r.get(5)?,
                unread_count: r.get(6)?,
                labels: Vec::new(),
            };
            chats.insert(r.get::<_, i64>(0)?, info);
        }
        let mut stmt = conn.prepare(
            "SELECT cl.conversation_id, l.name, l.colour FROM conversation_labels cl
             JOIN labels l ON l.id = cl.label_id ORDER BY l.name, l.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(chat) = chats.get_mut(&r.get::<_, i64>(0)?) {
                chat.labels.push(LabelRef {
                    name: r.get(1)?,
                    colour: r.get(2)?,
                });
            }
        }
        let mut notes = HashMap::new();
        let mut stmt = conn.prepare("SELECT number, text, updated_at_ms FROM contact_notes")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let note = NoteRef {
                text: r.get(1)?,
                updated_at_ms: r.get(2)?,
            };
            notes.insert(r.get::<_, String>(0)?, note);
        }
        Ok(Organisation { chats, notes })
    }

    /// The note about whoever sent `m`.
    pub fn note_for(&self, from_number: &str) -> Option<&NoteRef> {
        self.notes.get(from_number)
    }
}

/// A quarantined body not yet recovered.
pub(crate) struct QuarantineRow {
    pub queue_message_id: String,
    pub error: String,
    pub raw: Vec<u8>,
    pub raw_sha256: String,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub times_seen: u32,
    pub dequeue_count: u32,
}

/// Unrecovered quarantined bodies first seen within the scope's dates (none for a one-chat
/// scope: a body that could not be read belongs to no chat), oldest first.
pub(crate) fn quarantined(
    conn: &Connection,
    scope: &ExportScope,
) -> Result<Vec<QuarantineRow>, CoreError> {
    if scope.conversation_id.is_some() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(
        "SELECT queue_message_id, error, raw, raw_sha256, first_seen_ms, last_seen_ms, times_seen,
                dequeue_count
         FROM quarantine
         WHERE resolved = 0 AND (?1 IS NULL OR first_seen_ms >= ?1)
           AND (?2 IS NULL OR first_seen_ms < ?2)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([scope.since_ms, scope.until_ms], |r| {
        Ok(QuarantineRow {
            queue_message_id: r.get(0)?,
            error: r.get(1)?,
            raw: r.get(2)?,
            raw_sha256: r.get(3)?,
            first_seen_ms: r.get(4)?,
            last_seen_ms: r.get(5)?,
            times_seen: r.get(6)?,
            dequeue_count: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
