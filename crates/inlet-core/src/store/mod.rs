//! The SQLite store: every inbound message is committed here before it is deleted from the queue.
//!
//! One [`Store`] owns the only writer connection. Readers ([`Reader`], from [`Store::open_reader`])
//! are separate read-only connections; WAL lets them read while the writer commits. Both answer
//! the UI's questions through the [`Queries`] trait.

mod conversations;
mod ingest;
mod media;
pub mod media_jobs;
pub mod migrations;
pub(crate) mod organise;
mod payloads;
mod quarantine;
mod queries;
mod search;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

pub use ingest::{Incoming, IngestReport, StoredRef};
pub use media::{MEDIA_URL_LIFETIME_MS, MediaState};
pub use organise::{ContactNote, Label, Organised};
pub use payloads::PayloadName;
pub use quarantine::{QuarantineItem, RedecodeReport};
pub use queries::{ConversationFilter, ConversationSummary, Counts, MediaInfo, TimelineMessage};
pub use search::{MAX_CONTEXT, Search, TimelineAround};

/// How long a connection waits for another one's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The writer. Not `Sync`: keep it on one task/thread (or behind a mutex).
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A read-only connection for queries, e.g. one per UI command handler.
pub struct Reader {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and upgrades its schema.
    ///
    /// `synchronous=FULL`: a commit is on disk before `ingest` returns, and only then may the
    /// sync engine delete the messages from the queue, so an acknowledged message survives a
    /// power cut.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal(mode));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn, path })
    }

    /// Opens a read-only connection to a database that a [`Store`] has already created and
    /// upgraded.
    pub fn open_reader(path: impl AsRef<Path>) -> Result<Reader, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let found = migrations::user_version(&conn)?;
        if found < migrations::LATEST {
            return Err(StoreError::NotMigrated {
                found,
                needed: migrations::LATEST,
            });
        }
        if found > migrations::LATEST {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: migrations::LATEST,
            });
        }
        Ok(Reader { conn })
    }

    /// A new read-only connection to this store's database.
    pub fn reader(&self) -> Result<Reader, StoreError> {
        Store::open_reader(&self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For the crate's other modules (sync, media, search) that add their own statements.
    #[allow(dead_code)]
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Runs `f` as bookkeeping whose loss in a power cut loses nothing: the media keeper's
    /// "claimed", "failed, retry later" and "expired" marks (recovery puts a claimed job back in
    /// the queue, and a lost failure only means one more try). Its commits do not wait for the
    /// disk (`synchronous=NORMAL`); the next durable commit, which writes the log up to its own
    /// end, carries them. Each such mark used to cost an fsync: two per attachment.
    ///
    /// The WAL keeps commits in order, so a relaxed commit is never lost while a later durable
    /// one survives. `FULL` is restored when `f` returns, or unwinds.
    pub(crate) fn relaxed<T>(
        &mut self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        struct Restore<'a>(&'a mut Connection);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                if let Err(error) = self.0.pragma_update(None, "synchronous", "FULL") {
                    // The ingest sets FULL again itself before each commit (`durable`), so
                    // a failure here cannot weaken an acknowledged message.
                    tracing::error!(%error, "could not restore synchronous=FULL");
                }
            }
        }
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let guard = Restore(&mut self.conn);
        f(guard.0)
    }

    /// The connection, set to `synchronous=FULL` whatever ran before: for commits that must be
    /// on disk when they return (an ingest, before the queue is told to delete).
    pub(crate) fn durable(&mut self) -> Result<&mut Connection, StoreError> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(&mut self.conn)
    }
}

impl Reader {
    #[allow(dead_code)]
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

mod sealed {
    /// Gives [`super::Queries`] its connection without exposing it outside the crate's API.
    pub trait Connected {
        fn connection(&self) -> &rusqlite::Connection;
    }
}

impl sealed::Connected for Store {
    fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl sealed::Connected for Reader {
    fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// The read side, shared by [`Store`] and [`Reader`]. See `queries.rs` for the result types.
pub trait Queries: sealed::Connected {
    /// The chat list: pinned first, then the latest message first.
    fn conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        queries::conversations(self.connection(), filter)
    }

    /// One conversation, or `None` if there is no such id (e.g. it was merged into another).
    fn conversation(&self, id: i64) -> Result<Option<ConversationSummary>, StoreError> {
        queries::conversation(self.connection(), id)
    }

    /// A page of a conversation's messages, oldest first: the newest `limit` messages strictly
    /// before the `(timestamp_ms, id)` cursor, or the newest overall when `before` is `None`. To
    /// page back, pass the first returned message's `(timestamp_ms, id)`.
    fn timeline(
        &self,
        conversation_id: i64,
        before: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<TimelineMessage>, StoreError> {
        queries::timeline(self.connection(), conversation_id, before, limit)
    }

    /// Dashboard counts, with "today" meaning since local midnight.
    fn counts(&self) -> Result<Counts, StoreError> {
        let now = chrono::Local::now();
        let midnight = now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
            .map_or(now.timestamp_millis(), |t| t.timestamp_millis());
        self.counts_at(now.timestamp_millis(), midnight)
    }

    /// [`Queries::counts`] for a given clock: `day_start_ms` is the start of "today".
    fn counts_at(&self, now_ms: i64, day_start_ms: i64) -> Result<Counts, StoreError> {
        queries::counts(self.connection(), now_ms, day_start_ms)
    }

    /// Quarantined bodies not yet recovered, oldest first.
    fn list_quarantine(&self) -> Result<Vec<QuarantineItem>, StoreError> {
        quarantine::list(self.connection())
    }
}

impl Queries for Store {}
impl Queries for Reader {}

/// The connection behind a [`Queries`] implementor, for the crate's own read-only modules
/// (export, search).
pub(crate) fn connection_of(source: &impl Queries) -> &Connection {
    source.connection()
}

impl Store {
    /// Clears a conversation's unread count.
    pub fn mark_read(&mut self, conversation_id: i64) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE conversations SET unread_count = 0 WHERE id = ?1",
            [conversation_id],
        )?;
        found(n, conversation_id)
    }

    pub fn set_pinned(&mut self, conversation_id: i64, pinned: bool) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE conversations SET pinned = ?2 WHERE id = ?1",
            rusqlite::params![conversation_id, pinned],
        )?;
        found(n, conversation_id)
    }

    pub fn set_archived(&mut self, conversation_id: i64, archived: bool) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE conversations SET archived = ?2 WHERE id = ?1",
            rusqlite::params![conversation_id, archived],
        )?;
        found(n, conversation_id)
    }
}

fn found(rows_changed: usize, conversation_id: i64) -> Result<(), StoreError> {
    if rows_changed == 0 {
        return Err(StoreError::NotFound(format!(
            "conversation {conversation_id}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
