//! What the status bar shows about syncing: each queue's connectivity, the last sync and the
//! current problem. Kept up to date from the core's events, so the UI can ask at any time (and
//! after an `Overflow`) instead of having had to see every event.

use std::collections::BTreeMap;
use std::sync::Mutex;

use inlet_core::events::Event;
use inlet_mns::Connectivity;
use serde::Serialize;
use ts_rs::TS;

use crate::settings::InboxMode;

/// One queue and the state of the link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct QueueLink {
    pub queue: String,
    pub connectivity: Connectivity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub mode: InboxMode,
    /// Empty when nothing syncs (see `problem`).
    pub queues: Vec<QueueLink>,
    /// When the last batch was stored, in this run of the app.
    #[ts(type = "number | null")]
    pub last_sync_ms: Option<i64>,
    /// Why nothing syncs (no AccessKey, keychain unavailable...) or the latest problem the
    /// engines reported; a sentence for the operator.
    pub problem: Option<String>,
}

#[derive(Debug)]
pub struct Status {
    mode: InboxMode,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    queues: BTreeMap<String, Connectivity>,
    last_sync_ms: Option<i64>,
    problem: Option<String>,
}

impl Status {
    pub fn new(mode: InboxMode) -> Status {
        Status {
            mode,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets the queues (the engines are being restarted) and records why, if they cannot be.
    pub fn reset(&self, problem: Option<String>) {
        let mut inner = self.lock();
        inner.queues.clear();
        inner.problem = problem;
    }

    pub fn set_problem(&self, problem: Option<String>) {
        self.lock().problem = problem;
    }

    pub fn add_queue(&self, queue: &str) {
        self.lock()
            .queues
            .insert(queue.to_owned(), Connectivity::Connecting);
    }

    /// Updates from an event of the engine of `queue` (or of the media keeper, `None`).
    pub fn observe(&self, queue: Option<&str>, event: &Event) {
        let mut inner = self.lock();
        match event {
            Event::Connectivity { connectivity } => {
                if let Some(queue) = queue {
                    inner.queues.insert(queue.to_owned(), connectivity.clone());
                }
                // A queue that answers again ends the problem it had.
                if matches!(connectivity, Connectivity::Connected { .. }) {
                    inner.problem = None;
                }
            }
            Event::Synced { at_ms } => {
                inner.last_sync_ms = Some(inner.last_sync_ms.map_or(*at_ms, |t| t.max(*at_ms)));
            }
            Event::Problem { message } => inner.problem = Some(message.clone()),
            _ => {}
        }
    }

    pub fn snapshot(&self) -> SyncStatus {
        let inner = self.lock();
        SyncStatus {
            mode: self.mode,
            queues: inner
                .queues
                .iter()
                .map(|(queue, connectivity)| QueueLink {
                    queue: queue.clone(),
                    connectivity: connectivity.clone(),
                })
                .collect(),
            last_sync_ms: inner.last_sync_ms,
            problem: inner.problem.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connectivity_is_tracked_per_queue_and_connecting_clears_nothing() {
        let status = Status::new(InboxMode::Live);
        status.add_queue("q-a");
        status.add_queue("q-b");
        status.set_problem(Some("disk full".into()));
        let backing_off = Connectivity::BackingOff {
            reason: "Cannot connect".into(),
            retry_at_ms: 5,
            attempt: 1,
        };
        status.observe(
            Some("q-b"),
            &Event::Connectivity {
                connectivity: backing_off.clone(),
            },
        );
        let snap = status.snapshot();
        assert_eq!(snap.queues[0].connectivity, Connectivity::Connecting);
        assert_eq!(snap.queues[1].connectivity, backing_off);
        assert_eq!(snap.problem.as_deref(), Some("disk full"));

        status.observe(
            Some("q-a"),
            &Event::Connectivity {
                connectivity: Connectivity::Connected { since_ms: 9 },
            },
        );
        assert_eq!(
            status.snapshot().problem,
            None,
            "a queue that answers ends the problem"
        );
    }

    #[test]
    fn last_sync_only_moves_forward_and_problems_are_kept() {
        let status = Status::new(InboxMode::Demo);
        status.observe(None, &Event::Synced { at_ms: 20 });
        status.observe(None, &Event::Synced { at_ms: 10 });
        status.observe(
            None,
            &Event::Problem {
                message: "the disk is full".into(),
            },
        );
        let snap = status.snapshot();
        assert_eq!(snap.last_sync_ms, Some(20));
        assert_eq!(snap.problem.as_deref(), Some("the disk is full"));
        assert_eq!(snap.mode, InboxMode::Demo);
        status.reset(Some("no AccessKey".into()));
        let snap = status.snapshot();
        assert!(snap.queues.is_empty());
        assert_eq!(snap.problem.as_deref(), Some("no AccessKey"));
    }
}
