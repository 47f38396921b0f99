//! Names for quick-reply button payloads. A REPLY carries the caption of the button the customer
//! tapped and the payload the business attached when it sent the template (often a code such as
//! `order_confirm_17`); the operator can give a payload a name that the inbox shows beside it.
//!
//! Names are global, not per channel: payloads are the business's own codes, and one business
//! uses the same code for the same button across its numbers.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Store;
use super::organise::short_name;
use crate::error::StoreError;

/// Longest payload accepted for naming (WhatsApp caps button payloads far below this).
const MAX_PAYLOAD_CHARS: usize = 4096;
/// At most this many payloads are listed: the most recently used (and every named one).
const MAX_LISTED: u32 = 1000;

/// A button payload: its name if the operator gave one, and how customers used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PayloadName {
    pub payload: String,
    pub name: Option<String>,
    /// Replies carrying this payload.
    pub replies: u32,
    /// The button caption of the latest of them.
    pub caption: Option<String>,
    #[ts(type = "number | null")]
    pub last_reply_ms: Option<i64>,
}

/// Payloads seen in replies (latest first) and named payloads not seen (yet).
pub(crate) fn list(conn: &Connection) -> Result<Vec<PayloadName>, StoreError> {
    // The WHERE terms repeat the partial index's expressions word for word, so SQLite uses it.
    let mut stmt = conn.prepare_cached(
        "WITH seen AS (
             SELECT json_extract(content_json, '$.payload') AS payload, count(*) AS replies,
                    max(timestamp_ms) AS last_ms, json_extract(content_json, '$.text') AS caption
             FROM messages
             WHERE json_extract(content_json, '$.type') = 'reply'
               AND json_extract(content_json, '$.payload') IS NOT NULL
             GROUP BY 1
         ),
         everything AS (SELECT payload FROM seen UNION SELECT payload FROM payload_names)
         SELECT e.payload, n.name, coalesce(s.replies, 0), s.caption, s.last_ms
         FROM everything e
         LEFT JOIN seen s ON s.payload = e.payload
         LEFT JOIN payload_names n ON n.payload = e.payload
         ORDER BY n.name IS NULL, s.last_ms DESC NULLS LAST, e.payload
         LIMIT ?1",
    )?;
    let rows = stmt.query_map([MAX_LISTED], |r| {
        Ok(PayloadName {
            payload: r.get(0)?,
            name: r.get(1)?,
            replies: r.get(2)?,
            caption: r.get(3)?,
            last_reply_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    /// Names a payload; a blank name removes the name. Returns the name as stored.
    pub fn set_payload_name(
        &mut self,
        payload: &str,
        name: &str,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        if payload.is_empty() || payload.chars().count() > MAX_PAYLOAD_CHARS {
            return Err(StoreError::Invalid(format!(
                "payload: it must have 1 to {MAX_PAYLOAD_CHARS} characters"
            )));
        }
        if name.trim().is_empty() {
            self.conn
                .execute("DELETE FROM payload_names WHERE payload = ?1", [payload])?;
            return Ok(None);
        }
        let name = short_name("payload name", name)?;
        self.conn.execute(
            "INSERT INTO payload_names (payload, name, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (payload) DO UPDATE SET name = excluded.name,
                 updated_at_ms = excluded.updated_at_ms",
            params![payload, name, now_ms],
        )?;
        Ok(Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Incoming, Organised as _};
    use crate::test_support::temp_store;

    fn reply(id: &str, ts: i64, caption: &str, payload: &str) -> Incoming {
        let body = serde_json::json!({
            "MessageId": id, "WabaId": "w1", "From": "8613800000001", "To": "8613900000000",
            "Timestamp": ts, "Type": "REPLY",
            "Message": serde_json::json!({"text": caption, "payload": payload}).to_string(),
        });
        Incoming::decode(format!("q-{id}"), body.to_string().into_bytes(), 1)
    }

    #[test]
    fn payloads_seen_in_replies_are_listed_with_their_use_and_latest_caption() {
        let (_dir, mut store) = temp_store();
        store
            .ingest(
                &[
                    reply("a", 1_000, "Yes", "confirm"),
                    reply("b", 3_000, "Yes, confirm", "confirm"),
                    reply("c", 2_000, "No", "cancel"),
                ],
                5_000,
            )
            .unwrap();
        let listed = store.payload_names().unwrap();
        let summary: Vec<_> = listed
            .iter()
            .map(|p| {
                (
                    p.payload.as_str(),
                    p.replies,
                    p.caption.as_deref(),
                    p.last_reply_ms,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("confirm", 2, Some("Yes, confirm"), Some(3_000)),
                ("cancel", 1, Some("No"), Some(2_000)),
            ]
        );
        assert!(listed.iter().all(|p| p.name.is_none()));
    }

    #[test]
    fn a_name_is_set_replaced_and_removed_and_named_payloads_come_first() {
        let (_dir, mut store) = temp_store();
        store
            .ingest(
                &[
                    reply("a", 1_000, "Yes", "confirm"),
                    reply("b", 2_000, "No", "cancel"),
                ],
                5_000,
            )
            .unwrap();
        assert_eq!(
            store
                .set_payload_name("confirm", "  Order confirmed ", 6_000)
                .unwrap(),
            Some("Order confirmed".into())
        );
        // A payload nobody has used yet can be named ahead of time.
        store
            .set_payload_name("refund", "Refund asked", 6_000)
            .unwrap();
        let names: Vec<_> = store
            .payload_names()
            .unwrap()
            .into_iter()
            .map(|p| (p.payload, p.name, p.replies))
            .collect();
        assert_eq!(
            names,
            [
                (
                    "confirm".to_string(),
                    Some("Order confirmed".to_string()),
                    1
                ),
                ("refund".to_string(), Some("Refund asked".to_string()), 0),
                ("cancel".to_string(), None, 1),
            ]
        );
        store
            .set_payload_name("confirm", "Confirmed", 7_000)
            .unwrap();
        assert_eq!(
            store.set_payload_name("refund", "   ", 7_000).unwrap(),
            None
        );
        let names: Vec<_> = store
            .payload_names()
            .unwrap()
            .into_iter()
            .map(|p| (p.payload, p.name))
            .collect();
        assert_eq!(
            names,
            [
                ("confirm".to_string(), Some("Confirmed".to_string())),
                ("cancel".to_string(), None),
            ]
        );
    }

    #[test]
    fn bad_names_and_payloads_are_refused_in_words() {
        let (_dir, mut store) = temp_store();
        let long = "x".repeat(65);
        for (payload, name) in [("p", long.as_str()), ("p", "bell\u{7}"), ("", "Name")] {
            let err = store.set_payload_name(payload, name, 1).unwrap_err();
            assert!(
                matches!(err, StoreError::Invalid(_)),
                "{payload:?} {name:?}: {err}"
            );
        }
        assert!(store.payload_names().unwrap().is_empty());
    }

    #[test]
    fn listing_uses_the_partial_index_rather_than_reading_every_message() {
        let (_dir, store) = temp_store();
        let plan: Vec<String> = store
            .conn()
            .prepare(
                "EXPLAIN QUERY PLAN SELECT json_extract(content_json, '$.payload'), count(*)
                 FROM messages WHERE json_extract(content_json, '$.type') = 'reply'
                   AND json_extract(content_json, '$.payload') IS NOT NULL GROUP BY 1",
            )
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("messages_reply_payload")),
            "{plan:?}"
        );
    }
}
