//! Ordered schema migrations. Migration N brings the schema from version N-1 to N; each runs in one
//! transaction together with `PRAGMA user_version = N`, so a crash leaves the database either
//! wholly before or wholly after a migration. Never edit a released migration: add a new one.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StoreError;

/// The schema version this build writes and reads.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// `MIGRATIONS[i]` produces schema version `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    V1_BASE,
    V2_INDEXES_AND_SEARCH,
    V3_MEDIA_KEEPER_AND_MAPS,
    V4_ORGANISE_AND_WIDER_SEARCH,
    V5_PAYLOAD_NAMES,
    V6_BATCH_SEARCH_INDEX_AND_KEEPER_INDEXES,
];

/// v1: every table. Numbers in `*_number` columns are normalised (`normalize_phone`); the
/// `*_original` columns keep them as sent. Times are Unix milliseconds.
const V1_BASE: &str = r#"
CREATE TABLE conversations (
    id                     INTEGER PRIMARY KEY,
    -- WabaId, or else CustSpaceId, or else '' (the documentation's samples carry neither).
    channel_key            TEXT NOT NULL,
    channel_id             TEXT,
    waba_id                TEXT,
    business_number        TEXT NOT NULL,
    -- The number the conversation was created for; later numbers are in conversation_aliases.
    customer_number        TEXT NOT NULL,
    -- The customer's latest known number (changes on a number-change notice).
    current_customer_number TEXT NOT NULL,
    last_message_id        INTEGER,
    last_message_preview   TEXT,
    last_message_ms        INTEGER,
    unread_count           INTEGER NOT NULL DEFAULT 0,
    pinned                 INTEGER NOT NULL DEFAULT 0,
    archived               INTEGER NOT NULL DEFAULT 0,
    created_at_ms          INTEGER NOT NULL,
    UNIQUE (channel_key, business_number, customer_number)
);

-- Further customer numbers that lead to an existing conversation (number changes).
CREATE TABLE conversation_aliases (
    channel_key     TEXT NOT NULL,
    business_number TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    created_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (channel_key, business_number, customer_number)
);

CREATE TABLE contacts (
    number        TEXT PRIMARY KEY,
    display_name  TEXT,
    name          TEXT,
    -- Timestamp of the message the names were taken from: the newest message wins, whatever
    -- order messages arrive in.
    names_from_ms INTEGER NOT NULL
);

CREATE TABLE contact_names (
    number        TEXT NOT NULL REFERENCES contacts(number) ON DELETE CASCADE,
    display_name  TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    PRIMARY KEY (number, display_name)
);

CREATE TABLE messages (
    id                   INTEGER PRIMARY KEY,   -- grows in arrival order
    conversation_id      INTEGER NOT NULL REFERENCES conversations(id),
    channel_key          TEXT NOT NULL,
    channel_id           TEXT,
    waba_id              TEXT,
    message_id           TEXT NOT NULL,
    from_original        TEXT NOT NULL,
    from_number          TEXT NOT NULL,
    to_original          TEXT,
    to_number            TEXT NOT NULL,
    timestamp_ms         INTEGER NOT NULL,
    -- 1 when the body had no readable Timestamp and timestamp_ms is the arrival time.
    timestamp_estimated  INTEGER NOT NULL DEFAULT 0,
    received_at_ms       INTEGER NOT NULL,
    msg_type             TEXT NOT NULL,
    content_json         TEXT NOT NULL,
    -- Words for search; preview for the chat list.
    text                 TEXT NOT NULL,
    preview              TEXT NOT NULL,
    is_notice            INTEGER NOT NULL DEFAULT 0,
    display_name         TEXT,
    name                 TEXT,
    from_user_id         TEXT,
    from_parent_user_id  TEXT,
    from_user_name       TEXT,
    extra_json           TEXT NOT NULL DEFAULT '{}',
    -- The queue MessageBody exactly as received.
    raw_body             BLOB NOT NULL,
    queue_message_id     TEXT NOT NULL,
    dequeue_count        INTEGER NOT NULL,
    UNIQUE (channel_key, message_id)
);

-- How often a stored message was delivered again.
CREATE TABLE duplicates (
    message_rowid         INTEGER PRIMARY KEY REFERENCES messages(id),
    times_seen_again      INTEGER NOT NULL,
    last_seen_ms          INTEGER NOT NULL,
    last_queue_message_id TEXT NOT NULL
);

-- Bodies that could not be decoded, kept byte for byte.
CREATE TABLE quarantine (
    id               INTEGER PRIMARY KEY,
    queue_message_id TEXT NOT NULL,
    raw_sha256       TEXT NOT NULL,
    raw              BLOB NOT NULL,
    error            TEXT NOT NULL,
    first_seen_ms    INTEGER NOT NULL,
    last_seen_ms     INTEGER NOT NULL,
    times_seen       INTEGER NOT NULL DEFAULT 1,
    dequeue_count    INTEGER NOT NULL,
    resolved         INTEGER NOT NULL DEFAULT 0,
    resolved_at_ms   INTEGER,
    UNIQUE (queue_message_id, raw_sha256)
);

-- One download job per media-carrying message. States: queued, downloading, saved, retrying,
-- expired, too_large (see store::MediaState).
CREATE TABLE media (
    id              INTEGER PRIMARY KEY,
    message_rowid   INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    kind            TEXT NOT NULL,
    url             TEXT NOT NULL,
    declared_mime   TEXT,
    filename        TEXT,
    deadline_ms     INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error      TEXT,
    bytes           INTEGER,
    sha256          TEXT,
    path            TEXT,
    detected_mime   TEXT,
    updated_at_ms   INTEGER NOT NULL
);
"#;

/// v2: indexes for the chat list, timelines and the media keeper, and trigram full-text search
/// over message text (external content: the text lives once, in `messages`).
const V2_INDEXES_AND_SEARCH: &str = r#"
CREATE INDEX conversations_list ON conversations (archived, pinned DESC, last_message_ms DESC);
CREATE INDEX messages_timeline ON messages (conversation_id, timestamp_ms, id);
CREATE INDEX messages_timestamp ON messages (timestamp_ms);
CREATE INDEX media_due ON media (state, next_attempt_ms);
CREATE INDEX media_deadline ON media (deadline_ms);
CREATE INDEX quarantine_open ON quarantine (resolved, id);

CREATE VIRTUAL TABLE message_fts USING fts5(
    text, content = 'messages', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_fts (message_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO message_fts (message_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO message_fts (rowid, text) VALUES (new.id, new.text);
END;
-- Index what earlier versions stored.
INSERT INTO message_fts (message_fts) VALUES ('rebuild');
"#;

/// v3: what the media keeper records beyond v1's job row, and the offline map tiles of LOCATION
/// messages (a map job per location, made by a trigger at ingest like the media job).
const V3_MEDIA_KEEPER_AND_MAPS: &str = r#"
-- 1 when the bytes' sniffed type disagrees with the declared mimeType.
ALTER TABLE media ADD COLUMN mime_mismatch INTEGER NOT NULL DEFAULT 0;
-- Progress of the attempt in flight (NULL when none): bytes so far, and Content-Length if sent.
ALTER TABLE media ADD COLUMN progress_bytes INTEGER;
ALTER TABLE media ADD COLUMN total_bytes INTEGER;
-- The file name to offer when saving a copy: the sender's name, sanitised.
ALTER TABLE media ADD COLUMN display_name TEXT;
ALTER TABLE media ADD COLUMN saved_at_ms INTEGER;
CREATE INDEX media_sha256 ON media (sha256);

-- Cached map tiles, one file each, shared by every location that needs them. Never refetched.
CREATE TABLE map_tiles (
    z             INTEGER NOT NULL,
    x             INTEGER NOT NULL,
    y             INTEGER NOT NULL,
    path          TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    fetched_at_ms INTEGER NOT NULL,
    PRIMARY KEY (z, x, y)
) WITHOUT ROWID;

-- One map job per LOCATION message. States: queued, retrying, saved, failed.
CREATE TABLE location_maps (
    message_rowid   INTEGER PRIMARY KEY REFERENCES messages(id),
    latitude        REAL NOT NULL,
    longitude       REAL NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error      TEXT,
    updated_at_ms   INTEGER NOT NULL
);
CREATE INDEX location_maps_due ON location_maps (state, next_attempt_ms);

-- The tiles each location's map is drawn from.
CREATE TABLE location_tiles (
    message_rowid INTEGER NOT NULL REFERENCES messages(id),
    z             INTEGER NOT NULL,
    x             INTEGER NOT NULL,
    y             INTEGER NOT NULL,
    PRIMARY KEY (message_rowid, z, x, y)
) WITHOUT ROWID;

-- A trigger rather than code in ingest: the job is created in the ingest's own transaction, so
-- no location is ever stored without its map job. The WHEN clause guards every NOT NULL column:
-- a trigger that failed would fail the whole ingest.
CREATE TRIGGER location_map_job AFTER INSERT ON messages
WHEN json_valid(new.content_json) AND json_extract(new.content_json, '$.type') = 'location'
     AND json_type(new.content_json, '$.latitude') IN ('real', 'integer')
     AND json_type(new.content_json, '$.longitude') IN ('real', 'integer')
BEGIN
    INSERT OR IGNORE INTO location_maps (message_rowid, latitude, longitude, next_attempt_ms,
                                         updated_at_ms)
    VALUES (new.id, json_extract(new.content_json, '$.latitude'),
            json_extract(new.content_json, '$.longitude'), new.received_at_ms, new.received_at_ms);
END;
-- Locations stored by earlier versions get their job too.
INSERT OR IGNORE INTO location_maps (message_rowid, latitude, longitude, next_attempt_ms,
                                     updated_at_ms)
SELECT id, json_extract(content_json, '$.latitude'), json_extract(content_json, '$.longitude'),
       received_at_ms, received_at_ms
FROM messages
WHERE json_valid(content_json) AND json_extract(content_json, '$.type') = 'location'
  AND json_type(content_json, '$.latitude') IN ('real', 'integer')
  AND json_type(content_json, '$.longitude') IN ('real', 'integer');
"#;

/// v4: labels on chats, a private note per contact, and a search index that also covers the
/// sender's display name and name and ignores Latin accents (`cafe` finds `café`). The v2 index
/// is replaced, not altered: an FTS5 table's columns and tokenizer are fixed at creation.
const V4_ORGANISE_AND_WIDER_SEARCH: &str = r#"
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE message_fts;
CREATE VIRTUAL TABLE message_fts USING fts5(
    text, display_name, name, content = 'messages', content_rowid = 'id',
    tokenize = 'trigram remove_diacritics 1'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_fts (rowid, text, display_name, name)
    VALUES (new.id, new.text, new.display_name, new.name);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_fts (message_fts, rowid, text, display_name, name)
    VALUES ('delete', old.id, old.text, old.display_name, old.name);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, display_name, name ON messages BEGIN
    INSERT INTO message_fts (message_fts, rowid, text, display_name, name)
    VALUES ('delete', old.id, old.text, old.display_name, old.name);
    INSERT INTO message_fts (rowid, text, display_name, name)
    VALUES (new.id, new.text, new.display_name, new.name);
END;
INSERT INTO message_fts (message_fts) VALUES ('rebuild');
-- Search sorts the index's matches (row ids) by send time: this covering index gives each
-- match's time without reading its whole row (raw body included), several times faster.
CREATE INDEX messages_search_order ON messages (id, timestamp_ms);

-- Labels: a name (unique, ignoring ASCII case) and a colour ('#rrggbb').
CREATE TABLE labels (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
    colour        TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE conversation_labels (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label_id        INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    assigned_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, label_id)
) WITHOUT ROWID;
CREATE INDEX conversation_labels_by_label ON conversation_labels (label_id, conversation_id);
-- When a number change merges a conversation into another, its number becomes an alias of the
-- survivor just before it is deleted: its labels move along then, instead of vanishing with it.
CREATE TRIGGER conversation_labels_follow_merge AFTER INSERT ON conversation_aliases BEGIN
    INSERT OR IGNORE INTO conversation_labels (conversation_id, label_id, assigned_at_ms)
    SELECT new.conversation_id, cl.label_id, cl.assigned_at_ms
    FROM conversations c JOIN conversation_labels cl ON cl.conversation_id = c.id
    WHERE c.channel_key = new.channel_key AND c.business_number = new.business_number
      AND c.customer_number = new.customer_number AND c.id <> new.conversation_id;
END;

-- The operator's private note about a contact (normalised number), never sent anywhere.
CREATE TABLE contact_notes (
    number        TEXT PRIMARY KEY,
    text          TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
"#;

/// v5: the operator's names for quick-reply button payloads (REPLY messages carry only the
/// button's caption and the payload the business attached when it sent the template), an index
/// that lists the payloads seen without reading every message, and one over waiting media jobs.
const V5_PAYLOAD_NAMES: &str = r#"
CREATE TABLE payload_names (
    payload       TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX messages_reply_payload
    ON messages (json_extract(content_json, '$.payload'), timestamp_ms)
    WHERE json_extract(content_json, '$.type') = 'reply';

-- The media keeper asks for the waiting job with the soonest deadline, and for waiting jobs past
-- their deadline. Through `media_deadline` SQLite walked every attachment ever stored (saved,
-- expired...) to find them: the keeper's queries grew with the store and a 100,000-message
-- drain spent half its time there. This index holds only the waiting jobs.
CREATE INDEX media_waiting_by_deadline ON media (deadline_ms, id)
    WHERE state IN ('queued', 'retrying');
"#;

/// v6: new messages reach the search index once per transaction instead of by a per-row
/// trigger, and the media keeper's questions get indexes that hold only what they look for.
///
/// FTS5 writes its pending terms to disk at every statement savepoint, and each message's INSERT
/// opens one: through the trigger, every message became an index segment of its own that FTS5 then
/// merged again and again (half of all ingest time). `Batch::finish` now adds a transaction's
/// messages with one `INSERT ... SELECT`. The delete and update triggers stay: they are rare.
///
/// A LOCATION's map job is made by `store_message` (as the media job always was), not by a
/// trigger that ran `json_valid` and `json_extract` on every message stored.
///
/// `media_waiting_by_deadline` mixed untried and retrying jobs. Claiming walked past every
/// retrying job that was not yet due to reach an untried one, and expiring walked past every
/// untried job whose deadline had passed (a backlog older than the URLs' lifetime) to find the
/// few that had been tried: both grew with the backlog on every call.
const V6_BATCH_SEARCH_INDEX_AND_KEEPER_INDEXES: &str = r#"
DROP TRIGGER messages_fts_insert;
DROP TRIGGER location_map_job;
DROP INDEX media_waiting_by_deadline;
CREATE INDEX media_queued_by_deadline ON media (deadline_ms, id) WHERE state = 'queued';
CREATE INDEX media_tried_by_deadline ON media (deadline_ms)
    WHERE state IN ('queued', 'retrying') AND attempts > 0;
"#;

pub fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the database up to [`LATEST`].
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, MIGRATIONS, LATEST)
}

/// Applies `migrations[current..target]`, each in its own transaction with its version bump.
pub(crate) fn migrate_to(
    conn: &mut Connection,
    migrations: &[&str],
    target: i64,
) -> Result<(), StoreError> {
    let supported = migrations.len() as i64;
    let found = user_version(conn)?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for (version, sql) in (1..).zip(migrations).skip(found.max(0) as usize) {
        if version > target {
            break;
        }
        // IMMEDIATE: take the write lock up front, so two processes opening an old database at
        // once run each migration once (the second sees the new version).
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if user_version(&tx)? >= version {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_migration_leaves_the_previous_version_intact() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken = [V1_BASE, "CREATE TABLE extra (x); THIS IS NOT SQL;"];
        let err = migrate_to(&mut conn, &broken, 2).unwrap_err();
        assert!(matches!(err, StoreError::Sqlite(_)), "{err:?}");
        assert_eq!(user_version(&conn).unwrap(), 1);
        // The half-run migration's first statement was rolled back with it.
        let extra: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'extra'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(extra, 0);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::SchemaTooNew { found, .. } if found == LATEST + 1));
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), LATEST);
    }
}
