//! Events for the UI, through ONE bounded channel.
//!
//! A slow or frozen UI must never stall the sync engine, and an unbounded queue would only move
//! the problem into memory. So `emit` never waits: when the channel is full the event is dropped
//! and counted, and the receiver gets an [`Event::Overflow`] once it has caught up, telling it to
//! reload from the store (which is always the truth). Same idea as Delta Chat's event emitter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use inlet_mns::Connectivity;
use serde::Serialize;
use tokio::sync::mpsc;
use ts_rs::TS;

use crate::store::Counts;

/// Something the UI should react to.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum Event {
    /// New messages were stored.
    MessagesAdded {
        count: u32,
        #[ts(type = "number[]")]
        conversation_ids: Vec<i64>,
    },
    /// Conversations whose list entry changed (or were merged away by a number change).
    ConversationsChanged {
        #[ts(type = "number[]")]
        changed: Vec<i64>,
        #[ts(type = "number[]")]
        removed: Vec<i64>,
    },
    /// Bodies that could not be decoded were kept in quarantine.
    Quarantined { count: u32 },
    /// The link to the queue changed.
    Connectivity { connectivity: Connectivity },
    /// Status-bar figures.
    Counts { counts: Counts },
    /// An attachment changed state (queued, downloading with progress, saved, retrying...).
    MediaChanged {
        #[ts(type = "number")]
        media_id: i64,
        #[ts(type = "number")]
        message_rowid: i64,
        state: String,
        #[ts(type = "number | null")]
        bytes_done: Option<u64>,
        #[ts(type = "number | null")]
        bytes_total: Option<u64>,
    },
    /// The last sync cycle finished at `at_ms`.
    Synced {
        #[ts(type = "number")]
        at_ms: i64,
    },
    /// A problem the operator should see (e.g. the disk is full and nothing can be stored).
    Problem { message: String },
    /// `dropped` events were lost because the receiver fell behind: reload everything.
    Overflow {
        #[ts(type = "number")]
        dropped: u64,
    },
}

/// The sending side; cheap to clone, never blocks.
#[derive(Debug, Clone)]
pub struct EventSender {
    tx: mpsc::Sender<Event>,
    dropped: Arc<AtomicU64>,
}

/// The receiving side (the desktop adapter forwards these to the webview).
#[derive(Debug)]
pub struct EventReceiver {
    rx: mpsc::Receiver<Event>,
    dropped: Arc<AtomicU64>,
}

/// A bounded event channel holding at most `capacity` undelivered events.
pub fn channel(capacity: usize) -> (EventSender, EventReceiver) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let dropped = Arc::new(AtomicU64::new(0));
    (
        EventSender {
            tx,
            dropped: dropped.clone(),
        },
        EventReceiver { rx, dropped },
    )
}

impl EventSender {
    /// Queues `event`, or counts it as dropped when the channel is full or closed.
    pub fn emit(&self, event: Event) {
        if self.tx.try_send(event).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl EventReceiver {
    /// The next event. After a loss, an `Overflow` comes as soon as the backlog is drained.
    /// `None` once every sender is gone and nothing is left.
    pub async fn recv(&mut self) -> Option<Event> {
        if let Ok(event) = self.rx.try_recv() {
            return Some(event);
        }
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            return Some(Event::Overflow { dropped });
        }
        self.rx.recv().await
    }

    /// Like `recv`, without waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        if let Ok(event) = self.rx.try_recv() {
            return Some(event);
        }
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        (dropped > 0).then_some(Event::Overflow { dropped })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quarantined(count: u32) -> Event {
        Event::Quarantined { count }
    }

    #[tokio::test]
    async fn overflow_is_reported_after_the_backlog() {
        let (tx, mut rx) = channel(2);
        for i in 0..5 {
            tx.emit(quarantined(i));
        }
        assert_eq!(rx.recv().await, Some(quarantined(0)));
        assert_eq!(rx.recv().await, Some(quarantined(1)));
        assert_eq!(rx.recv().await, Some(Event::Overflow { dropped: 3 }));
        tx.emit(quarantined(9));
        assert_eq!(
            rx.recv().await,
            Some(quarantined(9)),
            "overflow is reported once"
        );
        drop(tx);
        assert_eq!(rx.recv().await, None);
    }

    #[test]
    fn emit_never_blocks_without_a_reader() {
        let (tx, mut rx) = channel(1);
        for i in 0..1000 {
            tx.emit(quarantined(i));
        }
        assert_eq!(rx.try_recv(), Some(quarantined(0)));
        assert_eq!(rx.try_recv(), Some(Event::Overflow { dropped: 999 }));
        assert_eq!(rx.try_recv(), None);
    }
}
