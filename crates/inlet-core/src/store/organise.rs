//! Organising chats, all local: read/unread, labels (several per chat) and a private note per
//! contact. Pinning and archiving are in `mod.rs`. Writes are on [`Store`]; reads, for the
//! store and readers alike, are in [`Organised`].

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::payloads::{self, PayloadName};
use super::queries::{self, ConversationSummary};
use super::{Queries, Store, connection_of, found};
use crate::decode::normalize_phone;
use crate::error::StoreError;

/// Longest label name, in characters.
pub const MAX_LABEL_CHARS: usize = 64;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// A label the operator can put on chats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Label {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// `#rrggbb`, lower case.
    pub colour: String,
    /// How many chats carry it.
    pub conversations: u32,
}

/// The operator's private note about a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ContactNote {
    /// The contact's number, normalised.
    pub number: String,
    pub text: String,
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

/// Label and note reads, for [`Store`] and [`super::Reader`].
pub trait Organised: Queries + Sized {
    /// Every label, by name.
    fn labels(&self) -> Result<Vec<Label>, StoreError> {
        labels(connection_of(self), None)
    }

    /// The labels on one chat, by name.
    fn conversation_labels(&self, conversation_id: i64) -> Result<Vec<Label>, StoreError> {
        labels(connection_of(self), Some(conversation_id))
    }

    /// Every `(conversation_id, label_id)` pair, for decorating the whole chat list at once.
    fn label_assignments(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let conn = connection_of(self);
        let mut stmt = conn.prepare_cached(
            "SELECT conversation_id, label_id FROM conversation_labels
             ORDER BY conversation_id, label_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The chats carrying a label, in chat-list order (pinned first, then newest).
    fn conversations_with_label(
        &self,
        label_id: i64,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        let conn = connection_of(self);
        let ids: Vec<i64> = conn
            .prepare_cached(
                "SELECT c.id FROM conversation_labels cl JOIN conversations c
                 ON c.id = cl.conversation_id WHERE cl.label_id = ?1
                 ORDER BY c.pinned DESC, c.last_message_ms DESC NULLS LAST, c.id DESC",
            )?
            .query_map([label_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(queries::conversation(conn, id)?);
        }
        Ok(out)
    }

    /// Every button payload seen in a reply or named by the operator, latest reply first.
    fn payload_names(&self) -> Result<Vec<PayloadName>, StoreError> {
        payloads::list(connection_of(self))
    }

    /// The note about the contact with this number (as sent or normalised), if any.
    fn contact_note(&self, number: &str) -> Result<Option<ContactNote>, StoreError> {
        Ok(connection_of(self)
            .prepare_cached(
                "SELECT number, text, updated_at_ms FROM contact_notes WHERE number = ?1",
            )?
            .query_row([normalize_phone(number)], |r| {
                Ok(ContactNote {
                    number: r.get(0)?,
                    text: r.get(1)?,
                    updated_at_ms: r.get(2)?,
                })
            })
            .optional()?)
    }
}

impl<T: Queries> Organised for T {}

fn labels(conn: &Connection, conversation_id: Option<i64>) -> Result<Vec<Label>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.name, l.colour,
                (SELECT count(*) FROM conversation_labels n WHERE n.label_id = l.id)
         FROM labels l
         WHERE ?1 IS NULL OR l.id IN
             (SELECT label_id FROM conversation_labels WHERE conversation_id = ?1)
         ORDER BY l.name, l.id",
    )?;
    let rows = stmt.query_map([conversation_id], |r| {
        Ok(Label {
            id: r.get(0)?,
            name: r.get(1)?,
            colour: r.get(2)?,
            conversations: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A label name as stored.
fn label_name(name: &str) -> Result<String, StoreError> {
    short_name("label name", name)
}

/// A short name as stored (labels, payload names): trimmed, not empty, no control characters,
/// at most [`MAX_LABEL_CHARS`].
pub(crate) fn short_name(what: &str, name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_LABEL_CHARS {
        return Err(StoreError::Invalid(format!(
            "{what}: it must have 1 to {MAX_LABEL_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{what}: it must not contain control characters"
        )));
    }
    Ok(name.to_string())
}

/// A colour as stored: `#rrggbb` in lower case. Nothing else is accepted, so a colour can be put
/// into a stylesheet as it is.
pub(crate) fn label_colour(colour: &str) -> Result<String, StoreError> {
    let c = colour.trim();
    let hex = c.strip_prefix('#').unwrap_or("");
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid(format!(
            "label colour {c:?}: expected #rrggbb"
        )));
    }
    Ok(format!("#{}", hex.to_ascii_lowercase()))
}

/// A clearer error than SQLite's for a second label of the same name.
fn name_taken(e: rusqlite::Error, name: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => {
            StoreError::Invalid(format!("label name: {name:?} is already a label"))
        }
        _ => StoreError::Sqlite(e),
    }
}

fn label_found(rows_changed: usize, label_id: i64) -> Result<(), StoreError> {
    if rows_changed == 0 {
        return Err(StoreError::NotFound(format!("label {label_id}")));
    }
    Ok(())
}

impl Store {
    /// Marks a conversation unread again (one unread message, or as many as it already had).
    pub fn mark_unread(&mut self, conversation_id: i64) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE conversations SET unread_count = max(unread_count, 1) WHERE id = ?1",
            [conversation_id],
        )?;
        found(n, conversation_id)
    }

    /// Creates a label. Names are unique, ignoring ASCII case.
    pub fn create_label(
        &mut self,
        name: &str,
        colour: &str,
        now_ms: i64,
    ) -> Result<Label, StoreError> {
        let name = label_name(name)?;
        let colour = label_colour(colour)?;
        self.conn
            .execute(
                "INSERT INTO labels (name, colour, created_at_ms) VALUES (?1, ?2, ?3)",
                params![name, colour, now_ms],
            )
            .map_err(|e| name_taken(e, &name))?;
        Ok(Label {
            id: self.conn.last_insert_rowid(),
            name,
            colour,
            conversations: 0,
        })
    }

    pub fn rename_label(&mut self, label_id: i64, name: &str) -> Result<(), StoreError> {
        let name = label_name(name)?;
        let n = self
            .conn
            .execute(
                "UPDATE labels SET name = ?2 WHERE id = ?1",
                params![label_id, name],
            )
            .map_err(|e| name_taken(e, &name))?;
        label_found(n, label_id)
    }

    pub fn set_label_colour(&mut self, label_id: i64, colour: &str) -> Result<(), StoreError> {
        let colour = label_colour(colour)?;
        let n = self.conn.execute(
            "UPDATE labels SET colour = ?2 WHERE id = ?1",
            params![label_id, colour],
        )?;
        label_found(n, label_id)
    }

    /// Deletes a label and takes it off every chat.
    pub fn delete_label(&mut self, label_id: i64) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM labels WHERE id = ?1", [label_id])?;
        label_found(n, label_id)
    }

    /// Puts a label on a chat (again is a no-op).
    pub fn assign_label(
        &mut self,
        conversation_id: i64,
        label_id: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.check_exists("conversations", conversation_id, "conversation")?;
        self.check_exists("labels", label_id, "label")?;
        self.conn.execute(
            "INSERT OR IGNORE INTO conversation_labels (conversation_id, label_id, assigned_at_ms)
             VALUES (?1, ?2, ?3)",
            params![conversation_id, label_id, now_ms],
        )?;
        Ok(())
    }

    /// Takes a label off a chat (not there is a no-op).
    pub fn unassign_label(
        &mut self,
        conversation_id: i64,
        label_id: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM conversation_labels WHERE conversation_id = ?1 AND label_id = ?2",
            [conversation_id, label_id],
        )?;
        Ok(())
    }

    /// Sets the note about the contact with this number; an empty (or blank) text deletes it.
    /// Returns the note as stored, `None` when deleted.
    pub fn set_contact_note(
        &mut self,
        number: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<Option<ContactNote>, StoreError> {
        let number = normalize_phone(number);
        if number.is_empty() {
            return Err(StoreError::Invalid("contact number: it is empty".into()));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(StoreError::Invalid(format!(
                "note: it is longer than {MAX_NOTE_CHARS} characters"
            )));
        }
        if text.trim().is_empty() {
            self.conn
                .execute("DELETE FROM contact_notes WHERE number = ?1", [&number])?;
            return Ok(None);
        }
        self.conn.execute(
            "INSERT INTO contact_notes (number, text, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (number) DO UPDATE SET text = excluded.text,
                                               updated_at_ms = excluded.updated_at_ms",
            params![number, text, now_ms],
        )?;
        Ok(Some(ContactNote {
            number,
            text: text.to_string(),
            updated_at_ms: now_ms,
        }))
    }

    fn check_exists(&self, table: &str, id: i64, what: &str) -> Result<(), StoreError> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
        let exists: bool = self.conn.query_row(&sql, [id], |r| r.get(0))?;
        if exists {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("{what} {id}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::{ConversationFilter, Incoming};
    use crate::test_support::{delivery, mo_json};

    fn chat_ids(chats: Vec<ConversationSummary>) -> Vec<i64> {
        chats.iter().map(|c| c.id).collect()
    }

    const NOW: i64 = 1_700_000_000_000;

    fn text(id: &str, from: &str, ts: i64) -> Incoming {
        delivery(id, &mo_json(id, from, ts, "TEXT", json!("hi")))
    }

    fn store_with_chats(n: usize) -> (tempfile::TempDir, Store, Vec<i64>) {
        let (dir, mut store) = crate::test_support::temp_store();
        let batch: Vec<_> = (0..n)
            .map(|i| text(&format!("m{i}"), &format!("10{i}"), 1_000 + i as i64))
            .collect();
        let report = store.ingest(&batch, NOW).unwrap();
        let ids = report.inserted.iter().map(|r| r.conversation_id).collect();
        (dir, store, ids)
    }

    #[test]
    fn labels_are_created_renamed_recoloured_assigned_and_deleted() {
        let (_d, mut s, chats) = store_with_chats(3);
        let vip = s.create_label("  VIP ", "#FFAA00", 1).unwrap();
        assert_eq!((vip.name.as_str(), vip.colour.as_str()), ("VIP", "#ffaa00"));
        let eu = s.create_label("EU", "#0000ff", 1).unwrap();
        s.assign_label(chats[0], vip.id, 2).unwrap();
        s.assign_label(chats[0], eu.id, 2).unwrap();
        s.assign_label(chats[2], vip.id, 2).unwrap();
        s.assign_label(chats[2], vip.id, 3).unwrap(); // again: no-op

        let names = |ls: Vec<Label>| {
            ls.into_iter()
                .map(|l| (l.name, l.conversations))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(s.labels().unwrap()),
            [("EU".into(), 1), ("VIP".into(), 2)]
        );
        assert_eq!(
            names(s.conversation_labels(chats[0]).unwrap()),
            [("EU".into(), 1), ("VIP".into(), 2)]
        );
        assert!(s.conversation_labels(chats[1]).unwrap().is_empty());
        let with = chat_ids(s.conversations_with_label(vip.id).unwrap());
        assert_eq!(with, [chats[2], chats[0]], "chat-list order: newest first");
        s.set_pinned(chats[0], true).unwrap();
        let with = chat_ids(s.conversations_with_label(vip.id).unwrap());
        assert_eq!(with, [chats[0], chats[2]], "pinned first");
        assert_eq!(s.label_assignments().unwrap().len(), 3);

        s.rename_label(vip.id, "Very important").unwrap();
        s.set_label_colour(vip.id, "#123456").unwrap();
        let renamed = s
            .labels()
            .unwrap()
            .into_iter()
            .find(|l| l.id == vip.id)
            .unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.colour.as_str()),
            ("Very important", "#123456")
        );

        s.unassign_label(chats[0], eu.id).unwrap();
        s.unassign_label(chats[0], eu.id).unwrap(); // not there: no-op
        s.delete_label(vip.id).unwrap();
        assert!(s.label_assignments().unwrap().is_empty());
        assert_eq!(names(s.labels().unwrap()), [("EU".into(), 0)]);
        // Readers see the same.
        assert_eq!(s.reader().unwrap().labels().unwrap().len(), 1);
    }

    #[test]
    fn bad_names_colours_and_ids_are_refused_clearly() {
        let (_d, mut s, chats) = store_with_chats(1);
        let invalid = |r: Result<Label, StoreError>| matches!(r, Err(StoreError::Invalid(_)));
        assert!(invalid(s.create_label("   ", "#000000", 1)));
        assert!(invalid(s.create_label(&"x".repeat(65), "#000000", 1)));
        assert!(invalid(s.create_label("a\nb", "#000000", 1)));
        for colour in ["red", "#fff", "#12345g", "#1234567", "000000", "#00000;}"] {
            assert!(invalid(s.create_label("ok", colour, 1)), "{colour}");
        }
        let vip = s.create_label("VIP", "#000000", 1).unwrap();
        let err = s.create_label("vip", "#000000", 1).unwrap_err();
        assert!(err.to_string().contains("already a label"), "{err}");
        s.create_label("Other", "#000000", 1).unwrap();
        assert!(matches!(
            s.rename_label(vip.id, "other"),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.rename_label(999, "x"),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(s.delete_label(999), Err(StoreError::NotFound(_))));
        assert!(matches!(
            s.assign_label(999, vip.id, 1),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.assign_label(chats[0], 999, 1),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(s.mark_unread(999), Err(StoreError::NotFound(_))));
    }

    #[test]
    fn read_and_unread() {
        let (_d, mut s, chats) = store_with_chats(1);
        let unread = |s: &Store| s.conversation(chats[0]).unwrap().unwrap().unread_count;
        assert_eq!(unread(&s), 1);
        s.mark_read(chats[0]).unwrap();
        assert_eq!(unread(&s), 0);
        s.mark_unread(chats[0]).unwrap();
        assert_eq!(unread(&s), 1);
        let filter = ConversationFilter {
            unread_only: true,
            ..Default::default()
        };
        assert_eq!(s.conversations(&filter).unwrap().len(), 1);
    }

    #[test]
    fn the_chat_list_filters_by_label_pages_and_carries_each_chats_labels() {
        let (_d, mut s, chats) = store_with_chats(4);
        let vip = s.create_label("VIP", "#ff0000", 1).unwrap();
        let eu = s.create_label("EU", "#0000ff", 1).unwrap();
        for chat in [chats[0], chats[1], chats[3]] {
            s.assign_label(chat, vip.id, 2).unwrap();
        }
        s.assign_label(chats[1], eu.id, 2).unwrap();
        let ids = |f: ConversationFilter| chat_ids(s.conversations(&f).unwrap());
        let by_vip = ConversationFilter {
            label: Some(vip.id),
            ..Default::default()
        };
        assert_eq!(ids(by_vip.clone()), [chats[3], chats[1], chats[0]]);
        let second_page = ConversationFilter {
            limit: Some(2),
            offset: 2,
            ..by_vip.clone()
        };
        assert_eq!(ids(second_page), [chats[0]]);
        let unknown = ConversationFilter {
            label: Some(eu.id + 100),
            ..Default::default()
        };
        assert!(ids(unknown).is_empty());
        let row = s.conversation(chats[1]).unwrap().unwrap();
        let mut expected = vec![vip.id, eu.id];
        expected.sort_unstable();
        assert_eq!(row.label_ids, expected);
        assert!(
            s.conversation(chats[2])
                .unwrap()
                .unwrap()
                .label_ids
                .is_empty()
        );
        // The same list as the dedicated query, which orders the same way.
        let with = chat_ids(s.conversations_with_label(vip.id).unwrap());
        assert_eq!(ids(by_vip), with);
    }

    #[test]
    fn a_note_per_contact_is_set_replaced_and_cleared() {
        let (_d, mut s, _) = store_with_chats(1);
        assert_eq!(s.contact_note("100").unwrap(), None);
        let note = s
            .set_contact_note("+1 (00)", "Prefers email", 5)
            .unwrap()
            .unwrap();
        assert_eq!(note.number, "100");
        s.set_contact_note("100", "Prefers calls\nafter 6", 6)
            .unwrap();
        let got = s.contact_note("+100").unwrap().unwrap();
        assert_eq!(
            (got.text.as_str(), got.updated_at_ms),
            ("Prefers calls\nafter 6", 6)
        );
        assert_eq!(s.set_contact_note("100", "  ", 7).unwrap(), None);
        assert_eq!(s.contact_note("100").unwrap(), None);
        assert!(matches!(
            s.set_contact_note("+ -", "x", 1),
            Err(StoreError::Invalid(_))
        ));
        let long = "é".repeat(MAX_NOTE_CHARS + 1);
        assert!(matches!(
            s.set_contact_note("100", &long, 1),
            Err(StoreError::Invalid(_))
        ));
    }

    #[test]
    fn labels_follow_a_chat_merged_by_a_number_change() {
        let (_dir, mut s) = crate::test_support::temp_store();
        // The new number writes first (its own chat), then the notice joins it to the old one.
        let first = s
            .ingest(&[text("old", "111", 1_000), text("new", "222", 2_000)], NOW)
            .unwrap();
        let (old_chat, new_chat) = (
            first.inserted[0].conversation_id,
            first.inserted[1].conversation_id,
        );
        let vip = s.create_label("VIP", "#ff0000", 1).unwrap();
        let eu = s.create_label("EU", "#0000ff", 1).unwrap();
        s.assign_label(new_chat, vip.id, 1).unwrap();
        s.assign_label(old_chat, eu.id, 1).unwrap();
        let notice = mo_json(
            "chg",
            "111",
            3_000,
            "SYSTEM",
            json!({"body": "changed from 111 to 222", "type": "customer_changed_number", "wa_id": "222"}),
        );
        let report = s.ingest(&[delivery("chg", &notice)], NOW).unwrap();
        assert_eq!(report.removed_conversations, [new_chat]);
        let names: Vec<String> = s
            .conversation_labels(old_chat)
            .unwrap()
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["EU", "VIP"]);
        assert_eq!(
            s.labels()
                .unwrap()
                .iter()
                .map(|l| l.conversations)
                .sum::<u32>(),
            2
        );
    }
}
