//! Which conversation a message belongs to, contacts' names, and joining a customer's old and new
//! numbers into one conversation.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;

/// What identifies a conversation: channel, business number, customer number (both normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConversationKey<'a> {
    pub channel_key: &'a str,
    pub business_number: &'a str,
    pub customer_number: &'a str,
}

/// The conversation for `key`, following number-change aliases; `None` if there is none yet.
pub(crate) fn find(
    conn: &Connection,
    key: &ConversationKey<'_>,
) -> Result<Option<i64>, StoreError> {
    let args = params![key.channel_key, key.business_number, key.customer_number];
    let aliased = conn
        .prepare_cached(
            "SELECT conversation_id FROM conversation_aliases
             WHERE channel_key = ?1 AND business_number = ?2 AND customer_number = ?3",
        )?
        .query_row(args, |r| r.get(0))
        .optional()?;
    if aliased.is_some() {
        return Ok(aliased);
    }
    Ok(conn
        .prepare_cached(
            "SELECT id FROM conversations
             WHERE channel_key = ?1 AND business_number = ?2 AND customer_number = ?3",
        )?
        .query_row(args, |r| r.get(0))
        .optional()?)
}

/// The conversation for `key`, created if needed.
pub(crate) fn find_or_create(
    conn: &Connection,
    key: &ConversationKey<'_>,
    channel_id: Option<&str>,
    waba_id: Option<&str>,
    now_ms: i64,
) -> Result<i64, StoreError> {
    if let Some(id) = find(conn, key)? {
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO conversations (channel_key, channel_id, waba_id, business_number,
                                    customer_number, current_customer_number, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
    )?
    .execute(params![
        key.channel_key,
        channel_id,
        waba_id,
        key.business_number,
        key.customer_number,
        now_ms
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Records that the customer of `conversation_id` now writes from `new_number`: later messages
/// from it land in the same conversation. If the new number already has a conversation of its own
/// (its messages arrived before the notice), that one is merged in. Returns the id of a
/// conversation that was merged away, if any.
pub(crate) fn join_new_number(
    conn: &Connection,
    conversation_id: i64,
    key: &ConversationKey<'_>,
    new_number: &str,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let new_key = ConversationKey {
        customer_number: new_number,
        ..key.clone()
    };
    let merged = match find(conn, &new_key)? {
        Some(id) if id == conversation_id => return set_current_number(conn, id, new_number),
        Some(other) => {
            merge(conn, other, conversation_id)?;
            Some(other)
        }
        None => None,
    };
    conn.execute(
        "INSERT INTO conversation_aliases (channel_key, business_number, customer_number,
                                           conversation_id, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO UPDATE SET conversation_id = excluded.conversation_id",
        params![
            key.channel_key,
            key.business_number,
            new_number,
            conversation_id,
            now_ms
        ],
    )?;
    set_current_number(conn, conversation_id, new_number)?;
    Ok(merged)
}

fn set_current_number(
    conn: &Connection,
    conversation_id: i64,
    number: &str,
) -> Result<Option<i64>, StoreError> {
    conn.execute(
        "UPDATE conversations SET current_customer_number = ?2 WHERE id = ?1",
        params![conversation_id, number],
    )?;
    Ok(None)
}

/// Moves everything of conversation `from` into `into` and deletes `from`.
fn merge(conn: &Connection, from: i64, into: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE messages SET conversation_id = ?2 WHERE conversation_id = ?1",
        [from, into],
    )?;
    conn.execute(
        "UPDATE conversation_aliases SET conversation_id = ?2 WHERE conversation_id = ?1",
        [from, into],
    )?;
    // `from`'s own number now leads to `into` as well.
    conn.execute(
        "INSERT OR REPLACE INTO conversation_aliases
             (channel_key, business_number, customer_number, conversation_id, created_at_ms)
         SELECT channel_key, business_number, customer_number, ?2, created_at_ms
         FROM conversations WHERE id = ?1",
        [from, into],
    )?;
    conn.execute(
        "UPDATE conversations SET
             unread_count = unread_count + (SELECT unread_count FROM conversations WHERE id = ?1),
             pinned = max(pinned, (SELECT pinned FROM conversations WHERE id = ?1))
         WHERE id = ?2",
        [from, into],
    )?;
    conn.execute("DELETE FROM conversations WHERE id = ?1", [from])?;
    Ok(())
}

/// Recomputes the chat-list summary (last message, its preview and time) from the messages.
pub(crate) fn refresh_summary(conn: &Connection, conversation_id: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE conversations SET (last_message_id, last_message_preview, last_message_ms) =
             (SELECT id, preview, timestamp_ms FROM messages WHERE conversation_id = ?1
              ORDER BY timestamp_ms DESC, id DESC LIMIT 1)
         WHERE id = ?1",
    )?
    .execute([conversation_id])?;
    Ok(())
}

pub(crate) fn add_unread(conn: &Connection, conversation_id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE conversations SET unread_count = unread_count + 1 WHERE id = ?1")?
        .execute([conversation_id])?;
    Ok(())
}

/// Names seen on a message from `number` at `seen_ms`. The contact's current names are those of
/// its newest message; every display name is kept in the history with first and last sighting.
pub(crate) fn note_names(
    conn: &Connection,
    number: &str,
    display_name: Option<&str>,
    name: Option<&str>,
    seen_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO contacts (number, display_name, name, names_from_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (number) DO UPDATE SET
             display_name = coalesce(excluded.display_name, display_name),
             name = coalesce(excluded.name, name),
             names_from_ms = excluded.names_from_ms
         WHERE excluded.names_from_ms >= contacts.names_from_ms",
    )?
    .execute(params![number, display_name, name, seen_ms])?;
    if let Some(display_name) = display_name {
        conn.prepare_cached(
            "INSERT INTO contact_names (number, display_name, first_seen_ms, last_seen_ms)
             VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (number, display_name) DO UPDATE SET
                 first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),
                 last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)",
        )?
        .execute(params![number, display_name, seen_ms])?;
    }
    Ok(())
}

/// A new number starts with the old number's names until it sends its own.
pub(crate) fn carry_names(conn: &Connection, old: &str, new: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO contacts (number, display_name, name, names_from_ms)
         SELECT ?2, display_name, name, names_from_ms FROM contacts WHERE number = ?1",
        [old, new],
    )?;
    Ok(())
}
