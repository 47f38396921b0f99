//! JSON Lines export: everything received, in a stable shape other tools can rely on, and
//! complete enough that `import` rebuilds the store from it.

use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::ExportScope;
use super::rows::{
    self, LabelRef, MessageRow, NoteRef, Order, Organisation, QuarantineRow, for_each_message,
};
use crate::decode::{Content, MediaKind};
use crate::error::CoreError;
use crate::store::{MediaState, Queries};

/// One exported message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MessageLine {
    pub message_id: String,
    #[serde(rename = "type")]
    pub msg_type: String,
    pub from: String,
    pub to: Option<String>,
    pub timestamp_ms: i64,
    pub timestamp_estimated: bool,
    pub received_at_ms: i64,
    pub display_name: Option<String>,
    pub name: Option<String>,
    pub channel_id: Option<String>,
    pub waba_id: Option<String>,
    pub conversation_id: i64,
    pub content: Content,
    pub attachments: Vec<Attachment>,
    pub duplicates: u32,
    /// The chat's organisation (same on every line of the chat).
    pub conversation: ChatLine,
    /// The private note about the sender, if any.
    pub contact_note: Option<NoteRef>,
    pub queue_message_id: String,
    pub dequeue_count: u32,
    /// The queue body the message came from, byte for byte.
    pub raw_base64: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Attachment {
    pub state: MediaState,
    pub path: Option<String>,
    pub url: String,
    pub mime_type: Option<String>,
    pub bytes: Option<i64>,
    pub kind: MediaKind,
    pub filename: Option<String>,
    pub declared_mime: Option<String>,
    pub detected_mime: Option<String>,
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ChatLine {
    pub pinned: bool,
    pub archived: bool,
    pub unread_count: u32,
    pub labels: Vec<LabelRef>,
}

/// One exported quarantined body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct QuarantineLine {
    pub quarantined: bool,
    pub queue_message_id: String,
    #[serde(rename = "type")]
    pub msg_type: Option<String>,
    pub from: Option<String>,
    pub timestamp_ms: i64,
    pub error: String,
    pub raw_base64: String,
    pub first_seen_ms: i64,
    pub times_seen: u32,
    pub last_seen_ms: i64,
    pub dequeue_count: u32,
    pub raw_sha256: String,
}

/// Writes one JSON object per line: first every stored message in arrival order, then every
/// quarantined body not yet recovered. Returns the number of lines written. The store is read in
/// one snapshot, so a concurrent ingest is either wholly in the export or wholly not.
///
/// Stable shape (fields may be added, never removed or renamed):
///
/// ```text
/// message:     { "message_id", "type", "from", "to", "timestamp_ms", "timestamp_estimated",
///                "received_at_ms", "display_name", "name", "channel_id", "waba_id",
///                "conversation_id", "content": { "type": "text" | "image" | …, …fields },
///                "attachments": [ { "state", "path", "url", "mime_type", "bytes", "kind",
///                                   "filename", "declared_mime", "detected_mime", "sha256" } ],
///                "duplicates": n,
///                "conversation": { "pinned", "archived", "unread_count",
///                                  "labels": [ { "name", "colour" } ] },
///                "contact_note": { "text", "updated_at_ms" } | null,
///                "queue_message_id", "dequeue_count", "raw_base64" }
/// quarantined: { "quarantined": true, "queue_message_id", "type": null, "from": null,
///                "timestamp_ms" (= first_seen_ms), "error", "raw_base64", "first_seen_ms",
///                "times_seen", "last_seen_ms", "dequeue_count", "raw_sha256" }
/// ```
///
/// `type` and `from` are as sent (`From` keeps its `+` or masking); `content` is the decoded
/// `Message` in the shape of [`Content`]; `mime_type` is the detected type once the file is saved,
/// else the declared one; `raw_base64` is the queue body's exact bytes (for a body that carried
/// several messages, each of their lines has it); `contact_note` is the operator's note about the
/// sender. Every object has `message_id` (or `queue_message_id`), `type`, `from` and
/// `timestamp_ms`.
pub fn export_json_lines(source: &impl Queries, writer: impl Write) -> Result<usize, CoreError> {
    export_json_lines_scoped(source, &ExportScope::default(), writer)
}

/// [`export_json_lines`] for the messages in `scope` (and the quarantined bodies first seen in
/// its dates; none for a one-chat scope).
pub fn export_json_lines_scoped(
    source: &impl Queries,
    scope: &ExportScope,
    mut writer: impl Write,
) -> Result<usize, CoreError> {
    let conn = crate::store::connection_of(source);
    // One read transaction: every query sees the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let org = Organisation::load(&tx)?;
    let mut lines = 0;
    for_each_message(&tx, scope, Order::Arrival, |m| {
        write_line(&mut writer, &message_line(m, &org))?;
        lines += 1;
        Ok(())
    })?;
    for q in rows::quarantined(&tx, scope)? {
        write_line(&mut writer, &quarantine_line(q))?;
        lines += 1;
    }
    writer.flush()?;
    Ok(lines)
}

/// Writes the messages with these row ids (e.g. search hits), in the order given, as message
/// lines of [`export_json_lines`]. Unknown row ids are skipped. Returns the number written.
pub fn export_messages_json_lines(
    source: &impl Queries,
    rowids: &[i64],
    mut writer: impl Write,
) -> Result<usize, CoreError> {
    let conn: &Connection = crate::store::connection_of(source);
    let tx = conn.unchecked_transaction()?;
    let org = Organisation::load(&tx)?;
    let mut lines = 0;
    rows::messages_by_rowid(&tx, rowids, |m| {
        write_line(&mut writer, &message_line(m, &org))?;
        lines += 1;
        Ok(())
    })?;
    writer.flush()?;
    Ok(lines)
}

fn message_line(m: MessageRow, org: &Organisation) -> MessageLine {
    let chat = org.chats.get(&m.conversation_id);
    let conversation = ChatLine {
        pinned: chat.is_some_and(|c| c.pinned),
        archived: chat.is_some_and(|c| c.archived),
        unread_count: chat.map_or(0, |c| c.unread_count),
        labels: chat.map(|c| c.labels.clone()).unwrap_or_default(),
    };
    let attachments = m
        .media
        .map(|md| Attachment {
            mime_type: md.mime().map(str::to_string),
            state: md.state,
            path: md.path,
            url: md.url,
            bytes: md.bytes,
            kind: md.kind,
            filename: md.filename,
            declared_mime: md.declared_mime,
            detected_mime: md.detected_mime,
            sha256: md.sha256,
        })
        .into_iter()
        .collect();
    MessageLine {
        contact_note: org.note_for(&m.from_number).cloned(),
        message_id: m.message_id,
        msg_type: m.msg_type,
        from: m.from,
        to: m.to,
        timestamp_ms: m.timestamp_ms,
        timestamp_estimated: m.timestamp_estimated,
        received_at_ms: m.received_at_ms,
        display_name: m.display_name,
        name: m.name,
        channel_id: m.channel_id,
        waba_id: m.waba_id,
        conversation_id: m.conversation_id,
        content: m.content,
        attachments,
        duplicates: m.duplicates,
        conversation,
        queue_message_id: m.queue_message_id,
        dequeue_count: m.dequeue_count,
        raw_base64: BASE64.encode(&m.raw_body),
    }
}

fn quarantine_line(q: QuarantineRow) -> QuarantineLine {
    QuarantineLine {
        quarantined: true,
        queue_message_id: q.queue_message_id,
        msg_type: None,
        from: None,
        timestamp_ms: q.first_seen_ms,
        error: q.error,
        raw_base64: BASE64.encode(&q.raw),
        first_seen_ms: q.first_seen_ms,
        times_seen: q.times_seen,
        last_seen_ms: q.last_seen_ms,
        dequeue_count: q.dequeue_count,
        raw_sha256: q.raw_sha256,
    }
}

fn write_line(writer: &mut impl Write, value: &impl Serialize) -> Result<(), CoreError> {
    serde_json::to_writer(&mut *writer, value)?;
    writer.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::store::Incoming;
    use crate::test_support::{JSON_FIXTURES, delivery, fixture};

    fn lines(out: &[u8]) -> Vec<Value> {
        std::str::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn every_message_and_quarantined_body_is_exported_in_the_documented_shape() {
        let (_dir, mut store) = crate::test_support::temp_store();
        let mut batch: Vec<Incoming> = JSON_FIXTURES
            .iter()
            .map(|name| delivery(name, &fixture(name)))
            .collect();
        batch.push(delivery("redelivered", &fixture("text.json")));
        batch.push(Incoming::decode(
            "q-bad".into(),
            b"\xff not json".to_vec(),
            3,
        ));
        store.ingest(&batch, 1_700_000_000_000).unwrap();

        let mut out = Vec::new();
        let reader = store.reader().unwrap();
        let n = export_json_lines(&reader, &mut out).unwrap();
        let objects = lines(&out);
        assert_eq!(n, JSON_FIXTURES.len() + 1);
        assert_eq!(objects.len(), n);
        for o in &objects {
            let id = o.get("message_id").or_else(|| o.get("queue_message_id"));
            assert!(id.is_some_and(Value::is_string), "{o}");
            for key in ["type", "from", "timestamp_ms", "raw_base64"] {
                assert!(o.get(key).is_some(), "{key} missing in {o}");
            }
        }

        let text = objects
            .iter()
            .find(|o| o["type"] == "TEXT" && o["duplicates"] == 1)
            .unwrap();
        assert_eq!(
            text["content"],
            json!({"type": "text", "body": "hello,it's me 你好 👋"})
        );
        assert_eq!(text["from"], "8613800000001");
        assert_eq!(text["timestamp_ms"], 1_662_104_191_973i64);
        assert_eq!(text["display_name"], "Mr Liu");
        assert_eq!(text["waba_id"], "952718630000233");
        assert_eq!(text["channel_id"], "cams-83m8j9xxxxadc");
        assert!(text["conversation_id"].is_i64());
        assert_eq!(text["attachments"], json!([]));
        assert_eq!(text["queue_message_id"], "text.json");
        let raw = BASE64.decode(text["raw_base64"].as_str().unwrap()).unwrap();
        assert_eq!(raw, batch[JSON_FIXTURES.len() - 3].raw_body);
        let chat = &text["conversation"];
        assert_eq!(
            (&chat["pinned"], &chat["archived"], &chat["labels"]),
            (&json!(false), &json!(false), &json!([]))
        );
        assert!(chat["unread_count"].as_u64().unwrap() >= 1, "{chat}");
        assert!(text["contact_note"].is_null());

        let doc = objects.iter().find(|o| o["type"] == "DOCUMENT").unwrap();
        assert_eq!(doc["content"]["type"], "document");
        assert_eq!(doc["content"]["filename"], "invoice-2022-03.pdf");
        assert_eq!(
            doc["attachments"],
            json!([{"state": "queued", "path": null, "mime_type": "application/pdf", "bytes": null,
                    "url": "https://whatsapp-prod-oss-bucket.oss-ap-southeast-1.aliyuncs.com/7770001.pdf",
                    "kind": "document", "filename": "invoice-2022-03.pdf",
                    "declared_mime": "application/pdf", "detected_mime": null, "sha256": null}])
        );
        let plus = objects
            .iter()
            .find(|o| o["message_id"] == "1000000000000018")
            .unwrap();
        assert_eq!(plus["from"], "+8613800000001");

        let q = objects.last().unwrap();
        assert_eq!(q["quarantined"], true);
        assert_eq!(q["queue_message_id"], "q-bad");
        assert!(q["error"].as_str().unwrap().contains("UTF-8"), "{q}");
        let raw = BASE64.decode(q["raw_base64"].as_str().unwrap()).unwrap();
        assert_eq!(raw, b"\xff not json");
        assert_eq!(q["timestamp_ms"], q["first_seen_ms"]);
        assert_eq!(q["dequeue_count"], 3);
        assert!(q["type"].is_null() && q["from"].is_null());
    }

    #[test]
    fn labels_notes_and_flags_are_on_every_line_of_the_chat() {
        let (_dir, mut store) = crate::test_support::temp_store();
        let report = store
            .ingest(&[delivery("q", &fixture("text.json"))], 1_700_000_000_000)
            .unwrap();
        let chat = report.inserted[0].conversation_id;
        let vip = store.create_label("VIP", "#FFaa00", 1).unwrap();
        store.assign_label(chat, vip.id, 2).unwrap();
        store.set_pinned(chat, true).unwrap();
        store.mark_read(chat).unwrap();
        store
            .set_contact_note("+86 138 0000 0001", "pays late <b>", 3)
            .unwrap();
        let mut out = Vec::new();
        export_json_lines(&store, &mut out).unwrap();
        let line = &lines(&out)[0];
        assert_eq!(
            line["conversation"],
            json!({"pinned": true, "archived": false, "unread_count": 0,
                   "labels": [{"name": "VIP", "colour": "#ffaa00"}]})
        );
        assert_eq!(
            line["contact_note"],
            json!({"text": "pays late <b>", "updated_at_ms": 3})
        );
    }

    #[test]
    fn a_scope_limits_messages_and_quarantine() {
        let (_dir, mut store) = crate::test_support::temp_store();
        store
            .ingest(&[delivery("q", &fixture("text.json"))], 1_700_000_000_000)
            .unwrap();
        store
            .ingest(&[Incoming::decode("bad".into(), b"nope".to_vec(), 1)], 5)
            .unwrap();
        let mut out = Vec::new();
        let scope = ExportScope {
            since_ms: Some(1_662_104_191_974),
            ..ExportScope::default()
        };
        // The text (sent 1_662_104_191_973) is before the range; the body was quarantined at 5.
        assert_eq!(
            export_json_lines_scoped(&store, &scope, &mut out).unwrap(),
            0
        );
        let scope = ExportScope {
            until_ms: Some(1_662_104_191_974),
            ..ExportScope::default()
        };
        assert_eq!(
            export_json_lines_scoped(&store, &scope, &mut out).unwrap(),
            2
        );
    }

    #[test]
    fn an_empty_store_exports_nothing() {
        let (_dir, store) = crate::test_support::temp_store();
        let mut out = Vec::new();
        assert_eq!(export_json_lines(&store, &mut out).unwrap(), 0);
        assert!(out.is_empty());
    }
}
