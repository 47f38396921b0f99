//! Read-only connections for UI queries, kept in a small pool so a command does not pay for
//! opening the database (and parsing its schema) every time. WAL lets them read while the sync
//! engine writes; they run on blocking threads, never on the async runtime.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use inlet_core::store::{Reader, Store};
use rusqlite::{Connection, OpenFlags};

use crate::error::AppError;

/// Idle connections kept for reuse; more may be open at once under load.
const KEEP_IDLE: usize = 4;

/// One pooled reader: the core's query API, and a plain read-only connection for the few
/// queries the core does not offer yet (see `queries.rs`).
pub struct ReadConn {
    pub core: Reader,
    pub raw: Connection,
}

pub struct Readers {
    db_path: PathBuf,
    idle: Mutex<Vec<ReadConn>>,
}

impl Readers {
    pub fn new(db_path: PathBuf) -> Arc<Readers> {
        Arc::new(Readers {
            db_path,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Runs `f` with a reader on a blocking thread.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&ReadConn) -> Result<T, AppError> + Send + 'static,
    {
        let me = self.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let conn = me.take()?;
            let result = f(&conn);
            me.give_back(conn);
            result
        })
        .await
        .map_err(|e| AppError::Internal(format!("a database read failed: {e}")))?
    }

    fn take(&self) -> Result<ReadConn, AppError> {
        if let Some(conn) = self.lock().pop() {
            return Ok(conn);
        }
        let core = Store::open_reader(&self.db_path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let raw = Connection::open_with_flags(&self.db_path, flags)
            .map_err(|e| AppError::Store(e.into()))?;
        raw.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| AppError::Store(e.into()))?;
        Ok(ReadConn { core, raw })
    }

    fn give_back(&self, conn: ReadConn) {
        let mut idle = self.lock();
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ReadConn>> {
        // A panic while holding the lock cannot leave the list of idle connections inconsistent.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
