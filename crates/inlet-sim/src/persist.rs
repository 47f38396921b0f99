//! `--state DIR`: queue contents survive restarts.
//!
//! Every mutation bumps a version; a writer task snapshots the whole account as JSON and
//! replaces `DIR/queues.json` atomically (temp file + rename), coalescing bursts of mutations
//! into one write. MNS handlers wait for the snapshot that includes their change before they
//! answer, so anything the simulator has acknowledged survives the simulator being killed.
//! (No fsync: the guarantee is against process death, which is what tests do, not power loss.)

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::SimError;
use crate::queue::Broker;

pub const STATE_FILE: &str = "queues.json";

/// Reads `DIR/queues.json`; `Ok(None)` when there is none yet. A file that does not parse is
/// an error rather than an empty account, so a bad file is never silently overwritten.
pub fn load(dir: &Path) -> Result<Option<Broker>, SimError> {
    let path = dir.join(STATE_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(SimError::StateIo { path, source }),
    };
    let mut broker: Broker =
        serde_json::from_slice(&bytes).map_err(|e| SimError::StateCorrupt {
            path,
            reason: e.to_string(),
        })?;
    broker.reindex();
    Ok(Some(broker))
}

/// Writes `bytes` to `DIR/queues.json` so that readers see the old or the new file, never half.
pub fn write_atomic(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{STATE_FILE}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
    }
    std::fs::rename(&tmp, dir.join(STATE_FILE))
}

/// Produces `(version, snapshot bytes)` of the current state.
pub type Snapshot = Arc<dyn Fn() -> (u64, Vec<u8>) + Send + Sync>;

/// Coalescing background writer; a no-op when there is no state directory.
pub struct Persister {
    dir: Option<PathBuf>,
    dirty: watch::Sender<u64>,
    written: watch::Sender<u64>,
    snapshot: Option<Snapshot>,
}

impl Persister {
    pub fn disabled() -> Self {
        Self {
            dir: None,
            dirty: watch::Sender::new(0),
            written: watch::Sender::new(0),
            snapshot: None,
        }
    }

    /// Starts the writer task for `dir`.
    pub fn start(dir: PathBuf, snapshot: Snapshot) -> (Self, JoinHandle<()>) {
        let this = Self {
            dir: Some(dir.clone()),
            dirty: watch::Sender::new(0),
            written: watch::Sender::new(0),
            snapshot: Some(snapshot.clone()),
        };
        let mut dirty = this.dirty.subscribe();
        let written = this.written.clone();
        let task = tokio::spawn(async move {
            while dirty.changed().await.is_ok() {
                let (version, bytes) = snapshot();
                let target = dir.clone();
                let result =
                    tokio::task::spawn_blocking(move || write_atomic(&target, &bytes)).await;
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::error!("cannot write queue state to {}: {e}", dir_name(&dir))
                    }
                    Err(e) => tracing::error!("queue state writer failed: {e}"),
                }
                // Published even after a failed write (which is logged), so handlers never hang.
                written.send_modify(|w| *w = (*w).max(version));
            }
        });
        (this, task)
    }

    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// Records that state `version` needs writing.
    pub fn mark(&self, version: u64) {
        if self.enabled() {
            self.dirty.send_modify(|d| *d = (*d).max(version));
        }
    }

    /// Resolves once a snapshot at least as new as `version` is on disk.
    pub async fn flushed(&self, version: u64) {
        if !self.enabled() {
            return;
        }
        let mut rx = self.written.subscribe();
        let _ = rx.wait_for(|w| *w >= version).await;
    }

    /// Writes the current state now (used at shutdown, after the writer task has stopped).
    pub fn write_now(&self) -> Result<(), SimError> {
        let (Some(dir), Some(snapshot)) = (&self.dir, &self.snapshot) else {
            return Ok(());
        };
        let (version, bytes) = snapshot();
        write_atomic(dir, &bytes).map_err(|source| SimError::StateIo {
            path: dir.join(STATE_FILE),
            source,
        })?;
        self.written.send_modify(|w| *w = (*w).max(version));
        Ok(())
    }
}

fn dir_name(dir: &Path) -> String {
    dir.display().to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::queue::{AttrsPatch, SendRequest};

    #[test]
    fn missing_file_is_empty_and_corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).unwrap().is_none());
        std::fs::write(dir.path().join(STATE_FILE), b"{not json").unwrap();
        assert!(matches!(
            load(dir.path()),
            Err(SimError::StateCorrupt { .. })
        ));
    }

    #[tokio::test]
    async fn writer_persists_marked_versions() {
        let dir = tempfile::tempdir().unwrap();
        let broker = Arc::new(Mutex::new((0u64, Broker::default())));
        let b2 = broker.clone();
        let snapshot: Snapshot = Arc::new(move || {
            let g = b2.lock().unwrap();
            (g.0, serde_json::to_vec(&g.1).unwrap())
        });
        let (p, task) = Persister::start(dir.path().to_path_buf(), snapshot);
        {
            let mut g = broker.lock().unwrap();
            g.1.create("q", &AttrsPatch::default(), 0).unwrap();
            g.1.get_mut("q")
                .unwrap()
                .send(&SendRequest::body("x"), 0)
                .unwrap();
            g.0 = 1;
        }
        p.mark(1);
        p.flushed(1).await;
        let loaded = load(dir.path()).unwrap().unwrap();
        assert_eq!(loaded.get("q").unwrap().stats(0).visible, 1);
        task.abort();
        p.write_now().unwrap();
        assert!(!dir.path().join(format!("{STATE_FILE}.tmp")).exists());
    }
}
