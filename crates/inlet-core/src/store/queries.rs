//! The UI's read queries. Result types are serde + ts-rs so the UI gets them as typed JSON.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::media::MediaState;
use crate::decode::{Content, MediaKind};
use crate::error::StoreError;

/// Which conversations to list. The default lists every conversation, archived or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ConversationFilter {
    /// Only conversations with unread messages.
    pub unread_only: bool,
    /// Only this channel (its channel key: WabaId, or else CustSpaceId).
    pub channel: Option<String>,
    /// `Some(false)`: the inbox; `Some(true)`: the archive; `None`: both.
    pub archived: Option<bool>,
    /// Only conversations carrying this label.
    #[ts(type = "number | null")]
    pub label: Option<i64>,
    /// At most this many (all when `None`).
    pub limit: Option<u32>,
    pub offset: u32,
}

/// One entry of the chat list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConversationSummary {
    #[ts(type = "number")]
    pub id: i64,
    /// WabaId, or else CustSpaceId, or else "".
    pub channel_key: String,
    pub channel_id: Option<String>,
    pub waba_id: Option<String>,
    /// The business number (normalised).
    pub business_number: String,
    /// The customer's current number (normalised); changes when they change numbers.
    pub customer_number: String,
    /// Every number this customer has written from here, first one first.
    pub customer_numbers: Vec<String>,
    /// The customer's WhatsApp display name from their newest message.
    pub display_name: Option<String>,
    pub name: Option<String>,
    #[ts(type = "number | null")]
    pub last_message_id: Option<i64>,
    pub last_message_preview: Option<String>,
    #[ts(type = "number | null")]
    pub last_message_ms: Option<i64>,
    pub unread_count: u32,
    pub pinned: bool,
    pub archived: bool,
    /// The labels on this chat (ids of [`super::Label`]), so the list can show them without a
    /// query per row.
    #[serde(default)]
    #[ts(type = "number[]")]
    pub label_ids: Vec<i64>,
}

/// A message as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineMessage {
    /// Row id: arrival order, and the cursor's tie-breaker.
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub conversation_id: i64,
    pub message_id: String,
    /// `Type` as sent.
    pub msg_type: String,
    /// `From` / `To` as sent.
    pub from: String,
    pub to: Option<String>,
    #[ts(type = "number")]
    pub timestamp_ms: i64,
    /// True when the body had no timestamp and `timestamp_ms` is the arrival time.
    pub timestamp_estimated: bool,
    #[ts(type = "number")]
    pub received_at_ms: i64,
    pub display_name: Option<String>,
    pub name: Option<String>,
    /// A notice (SYSTEM) rather than something the customer wrote.
    pub is_notice: bool,
    pub content: Content,
    pub media: Option<MediaInfo>,
    /// How many times the queue delivered this message again.
    pub duplicates: u32,
}

/// A message's media file and its download state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MediaInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: MediaKind,
    pub state: MediaState,
    pub url: String,
    pub declared_mime: Option<String>,
    pub detected_mime: Option<String>,
    pub filename: Option<String>,
    /// Where the saved file is, once saved.
    pub path: Option<String>,
    #[ts(type = "number | null")]
    pub bytes: Option<i64>,
    /// When the URL stops working.
    #[ts(type = "number")]
    pub deadline_ms: i64,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// Dashboard figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Counts {
    /// Messages sent since the start of today.
    pub messages_today: u32,
    /// Unread messages across all conversations.
    pub unread: u32,
    /// Quarantined bodies not yet recovered.
    pub quarantined: u32,
    /// Media not saved yet whose URL dies within 48 hours.
    pub media_at_risk: u32,
}

/// How far ahead a media deadline counts as "at risk".
const AT_RISK_WINDOW_MS: i64 = 48 * 60 * 60 * 1000;

const CONVERSATION_COLUMNS: &str = "
    c.id, c.channel_key, c.channel_id, c.waba_id, c.business_number, c.current_customer_number,
    c.customer_number,
    (SELECT group_concat(customer_number, char(10)) FROM
        (SELECT customer_number FROM conversation_aliases a WHERE a.conversation_id = c.id
         ORDER BY created_at_ms, rowid)),
    coalesce(cur.display_name, first.display_name), coalesce(cur.name, first.name),
    c.last_message_id, c.last_message_preview, c.last_message_ms, c.unread_count, c.pinned,
    c.archived,
    (SELECT group_concat(label_id) FROM
        (SELECT label_id FROM conversation_labels l WHERE l.conversation_id = c.id
         ORDER BY label_id))
    FROM conversations c
    LEFT JOIN contacts cur ON cur.number = c.current_customer_number
    LEFT JOIN contacts first ON first.number = c.customer_number";

fn conversation_row(r: &Row<'_>) -> rusqlite::Result<ConversationSummary> {
    let first: String = r.get(6)?;
    let aliases: Option<String> = r.get(7)?;
    let mut customer_numbers = vec![first];
    for n in aliases.iter().flat_map(|a| a.split('\n')) {
        if !customer_numbers.iter().any(|k| k == n) {
            customer_numbers.push(n.to_string());
        }
    }
    Ok(ConversationSummary {
        id: r.get(0)?,
        channel_key: r.get(1)?,
        channel_id: r.get(2)?,
        waba_id: r.get(3)?,
        business_number: r.get(4)?,
        customer_number: r.get(5)?,
        customer_numbers,
        display_name: r.get(8)?,
        name: r.get(9)?,
        last_message_id: r.get(10)?,
        last_message_preview: r.get(11)?,
        last_message_ms: r.get(12)?,
        unread_count: r.get(13)?,
        pinned: r.get(14)?,
        archived: r.get(15)?,
        label_ids: r
            .get::<_, Option<String>>(16)?
            .iter()
            .flat_map(|ids| ids.split(','))
            .filter_map(|id| id.parse().ok())
            .collect(),
    })
}

pub(crate) fn conversations(
    conn: &Connection,
    f: &ConversationFilter,
) -> Result<Vec<ConversationSummary>, StoreError> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS}
         WHERE (?1 = 0 OR c.unread_count > 0)
           AND (?2 IS NULL OR c.channel_key = ?2)
           AND (?3 IS NULL OR c.archived = ?3)
           AND (?6 IS NULL OR EXISTS (SELECT 1 FROM conversation_labels cl
                                      WHERE cl.conversation_id = c.id AND cl.label_id = ?6))
         ORDER BY c.pinned DESC, c.last_message_ms DESC NULLS LAST, c.id DESC
         LIMIT ?4 OFFSET ?5"
    );
    let limit = f.limit.map_or(-1, i64::from);
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                f.unread_only,
                f.channel,
                f.archived,
                limit,
                f.offset,
                f.label
            ],
            conversation_row,
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(crate) fn conversation(
    conn: &Connection,
    id: i64,
) -> Result<Option<ConversationSummary>, StoreError> {
    let sql = format!("SELECT {CONVERSATION_COLUMNS} WHERE c.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], conversation_row)
        .optional()?)
}

pub(crate) fn timeline(
    conn: &Connection,
    conversation_id: i64,
    before: Option<(i64, i64)>,
    limit: u32,
) -> Result<Vec<TimelineMessage>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.conversation_id, m.message_id, m.msg_type, m.from_original, m.to_original,
                m.timestamp_ms, m.timestamp_estimated, m.received_at_ms, m.display_name, m.name,
                m.is_notice, m.content_json, coalesce(d.times_seen_again, 0),
                md.id, md.kind, md.state, md.url, md.declared_mime, md.detected_mime, md.filename,
                md.path, md.bytes, md.deadline_ms, md.attempts, md.last_error
         FROM messages m
         LEFT JOIN duplicates d ON d.message_rowid = m.id
         LEFT JOIN media md ON md.message_rowid = m.id
         WHERE m.conversation_id = ?1
           AND (?2 IS NULL OR (m.timestamp_ms, m.id) < (?2, ?3))
         ORDER BY m.timestamp_ms DESC, m.id DESC
         LIMIT ?4",
    )?;
    let (ts, id) = before.unzip();
    let mut page = stmt
        .query_map(params![conversation_id, ts, id, limit], timeline_row)?
        .collect::<Result<Vec<_>, _>>()?;
    page.reverse();
    Ok(page)
}

fn timeline_row(r: &Row<'_>) -> rusqlite::Result<TimelineMessage> {
    let content_json: String = r.get(12)?;
    let content = serde_json::from_str(&content_json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(12, rusqlite::types::Type::Text, e.into())
    })?;
    let media = match r.get::<_, Option<i64>>(14)? {
        None => None,
        Some(id) => Some(MediaInfo {
            id,
            kind: media_kind(r, 15)?,
            state: r.get(16)?,
            url: r.get(17)?,
            declared_mime: r.get(18)?,
            detected_mime: r.get(19)?,
            filename: r.get(20)?,
            path: r.get(21)?,
            bytes: r.get(22)?,
            deadline_ms: r.get(23)?,
            attempts: r.get(24)?,
            last_error: r.get(25)?,
        }),
    };
    Ok(TimelineMessage {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        message_id: r.get(2)?,
        msg_type: r.get(3)?,
        from: r.get(4)?,
        to: r.get(5)?,
        timestamp_ms: r.get(6)?,
        timestamp_estimated: r.get(7)?,
        received_at_ms: r.get(8)?,
        display_name: r.get(9)?,
        name: r.get(10)?,
        is_notice: r.get(11)?,
        content,
        media,
        duplicates: r.get(13)?,
    })
}

pub(crate) fn media_kind(r: &Row<'_>, idx: usize) -> rusqlite::Result<MediaKind> {
    let s: String = r.get(idx)?;
    MediaKind::parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("unknown media kind {s:?}").into(),
        )
    })
}

pub(crate) fn counts(
    conn: &Connection,
    now_ms: i64,
    day_start_ms: i64,
) -> Result<Counts, StoreError> {
    Ok(conn.query_row(
        "SELECT
             (SELECT count(*) FROM messages WHERE timestamp_ms >= ?2),
             (SELECT coalesce(sum(unread_count), 0) FROM conversations),
             (SELECT count(*) FROM quarantine WHERE resolved = 0),
             (SELECT count(*) FROM media
              WHERE state IN ('queued', 'downloading', 'retrying')
                AND deadline_ms > ?1 AND deadline_ms <= ?1 + ?3)",
        params![now_ms, day_start_ms, AT_RISK_WINDOW_MS],
        |r| {
            Ok(Counts {
                messages_today: r.get(0)?,
                unread: r.get(1)?,
                quarantined: r.get(2)?,
                media_at_risk: r.get(3)?,
            })
        },
    )?)
}
