//! Organising chats, all local: read/unread, labels (several per chat) and a private note per
//! contact. Pinning and archiving are in `mod.rs`. Writes are on [`Store`]; reads, for the
//! store and readers alike, are in [`Organised`].

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

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

/// A label name as stored: trimmed, not empty, no control characters, not too long.
fn label_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_LABEL_CHARS {
        return Err(StoreError::Invalid(format!(
            "label name: it must have 1 to {MAX_LABEL_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "label name: it must not contain control characters".into(),
        ));
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
    pub fn unassign_label(&mut self, conversation_id: i64, label_id: i64) -> Result<(), StoreError> {
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
