//! JSON Lines export: everything received, in a stable shape other tools can rely on.

use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rusqlite::{Connection, Row};
use serde::Serialize;

use crate::decode::Content;
use crate::error::CoreError;
use crate::store::MediaState;
use crate::store::Queries;

/// One exported message.
#[derive(Serialize)]
struct MessageLine {
    message_id: String,
    #[serde(rename = "type")]
    msg_type: String,
    from: String,
    to: Option<String>,
    timestamp_ms: i64,
    timestamp_estimated: bool,
    received_at_ms: i64,
    display_name: Option<String>,
    name: Option<String>,
    channel_id: Option<String>,
    waba_id: Option<String>,
    conversation_id: i64,
    content: Content,
    attachments: Vec<Attachment>,
    duplicates: u32,
}

#[derive(Serialize)]
struct Attachment {
    state: MediaState,
    path: Option<String>,
    url: String,
    mime_type: Option<String>,
    bytes: Option<i64>,
}

/// One exported quarantined body.
#[derive(Serialize)]
struct QuarantineLine {
    quarantined: bool,
    queue_message_id: String,
    #[serde(rename = "type")]
    msg_type: Option<String>,
    from: Option<String>,
    timestamp_ms: i64,
    error: String,
    raw_base64: String,
    first_seen_ms: i64,
    times_seen: u32,
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
///                "attachments": [ { "state", "path", "url", "mime_type", "bytes" } ],
///                "duplicates": n }
/// quarantined: { "quarantined": true, "queue_message_id", "type": null, "from": null,
///                "timestamp_ms" (= first_seen_ms), "error", "raw_base64", "first_seen_ms",
///                "times_seen" }
/// ```
///
/// `type` and `from` are as sent (`From` keeps its `+` or masking); `content` is the decoded
/// `Message` in the shape of [`Content`]; `mime_type` is the detected type once the file is saved,
/// else the declared one; `raw_base64` is the queue body's exact bytes. Every object has
/// `message_id` (or `queue_message_id`), `type`, `from` and `timestamp_ms`.
pub fn export_json_lines(source: &impl Queries, writer: impl Write) -> Result<usize, CoreError> {
    export_from(crate::store::connection_of(source), writer)
}

fn export_from(conn: &Connection, mut writer: impl Write) -> Result<usize, CoreError> {
    // One read transaction: both queries see the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut lines = 0;
    let mut stmt = tx.prepare(
        "SELECT m.message_id, m.msg_type, m.from_original, m.to_original, m.timestamp_ms,
                m.timestamp_estimated, m.received_at_ms, m.display_name, m.name, m.channel_id,
                m.waba_id, m.conversation_id, m.content_json, coalesce(d.times_seen_again, 0),
                md.state, md.path, md.url, coalesce(md.detected_mime, md.declared_mime), md.bytes
         FROM messages m
         LEFT JOIN duplicates d ON d.message_rowid = m.id
         LEFT JOIN media md ON md.message_rowid = m.id
         ORDER BY m.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        write_line(&mut writer, &message_line(row)?)?;
        lines += 1;
    }
    let mut stmt = tx.prepare(
        "SELECT queue_message_id, error, raw, first_seen_ms, times_seen
         FROM quarantine WHERE resolved = 0 ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let raw: Vec<u8> = row.get(2)?;
        let first_seen_ms = row.get(3)?;
        let line = QuarantineLine {
            quarantined: true,
            queue_message_id: row.get(0)?,
            msg_type: None,
            from: None,
            timestamp_ms: first_seen_ms,
            error: row.get(1)?,
            raw_base64: BASE64.encode(raw),
            first_seen_ms,
            times_seen: row.get(4)?,
        };
        write_line(&mut writer, &line)?;
        lines += 1;
    }
    writer.flush()?;
    Ok(lines)
}

fn message_line(r: &Row<'_>) -> Result<MessageLine, CoreError> {
    let content_json: String = r.get(12)?;
    let attachment = match r.get::<_, Option<MediaState>>(14)? {
        None => None,
        Some(state) => Some(Attachment {
            state,
            path: r.get(15)?,
            url: r.get(16)?,
            mime_type: r.get(17)?,
            bytes: r.get(18)?,
        }),
    };
    Ok(MessageLine {
        message_id: r.get(0)?,
        msg_type: r.get(1)?,
        from: r.get(2)?,
        to: r.get(3)?,
        timestamp_ms: r.get(4)?,
        timestamp_estimated: r.get(5)?,
        received_at_ms: r.get(6)?,
        display_name: r.get(7)?,
        name: r.get(8)?,
        channel_id: r.get(9)?,
        waba_id: r.get(10)?,
        conversation_id: r.get(11)?,
        content: serde_json::from_str(&content_json)?,
        attachments: attachment.into_iter().collect(),
        duplicates: r.get(13)?,
    })
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
    use crate::store::{Incoming, Store};
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
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("inlet.db")).unwrap();
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
            for key in ["type", "from", "timestamp_ms"] {
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

        let doc = objects.iter().find(|o| o["type"] == "DOCUMENT").unwrap();
        assert_eq!(doc["content"]["type"], "document");
        assert_eq!(doc["content"]["filename"], "invoice-2022-03.pdf");
        assert_eq!(
            doc["attachments"],
            json!([{"state": "queued", "path": null, "mime_type": "application/pdf", "bytes": null,
                    "url": "https://whatsapp-prod-oss-bucket.oss-ap-southeast-1.aliyuncs.com/7770001.pdf"}])
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
        assert!(q["type"].is_null() && q["from"].is_null());
    }

    #[test]
    fn an_empty_store_exports_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("inlet.db")).unwrap();
        let mut out = Vec::new();
        assert_eq!(export_json_lines(&store, &mut out).unwrap(), 0);
        assert!(out.is_empty());
    }
}
