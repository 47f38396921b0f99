//! Core events → the webview, in batches.
//!
//! Each engine (and the media keeper) has its own bounded core channel; a relay task drains it
//! as fast as it fills, so the core never drops events because the webview is slow, and records
//! what the status bar needs. A flusher sends whatever accumulated every [`FLUSH_EVERY`] as one
//! `inlet://events` message: a burst of 1,000 stored messages costs the webview ten IPC
//! messages, not a thousand. If the webview stalls for long, the buffer is capped and the UI
//! gets an `Overflow`, as with the core's own channel: it then reloads from the store.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use inlet_core::events::{Event, EventReceiver};
use tauri::{AppHandle, Emitter};
use tokio_util::sync::CancellationToken;

use crate::status::Status;

/// The one channel name the UI listens to; the payload is `Event[]`.
pub const EVENTS: &str = "inlet://events";
/// How often accumulated events are sent.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Events held between flushes before the rest are only counted.
const MAX_BUFFERED: usize = 10_000;

/// Events waiting for the next flush.
#[derive(Debug, Default)]
pub struct Batcher {
    inner: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    events: Vec<Event>,
    dropped: u64,
}

impl Batcher {
    pub fn push(&self, event: Event) {
        let mut pending = self.lock();
        if pending.events.len() < MAX_BUFFERED {
            pending.events.push(event);
        } else {
            pending.dropped += 1;
        }
    }

    /// Everything since the last call, with an `Overflow` last if some events were dropped.
    pub fn take(&self) -> Vec<Event> {
        let mut pending = self.lock();
        let mut events = std::mem::take(&mut pending.events);
        if pending.dropped > 0 {
            events.push(Event::Overflow {
                dropped: std::mem::take(&mut pending.dropped),
            });
        }
        events
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Drains one core channel into `batcher`, updating `status` on the way. Ends when the channel's
/// senders are gone (its engine stopped).
pub async fn relay(
    mut receiver: EventReceiver,
    queue: Option<String>,
    status: Arc<Status>,
    batcher: Arc<Batcher>,
) {
    while let Some(event) = receiver.recv().await {
        status.observe(queue.as_deref(), &event);
        batcher.push(event);
    }
}

/// Every [`FLUSH_EVERY`], sends the batch to the webview and hands it (maybe empty) to `after`
/// (notifications, tray). Flushes once more when cancelled, so nothing accumulated is lost.
pub async fn flush_loop(
    app: AppHandle,
    batcher: Arc<Batcher>,
    cancel: CancellationToken,
    mut after: impl FnMut(&[Event]) + Send,
) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            () = cancel.cancelled() => true,
            _ = tick.tick() => false,
        };
        let events = batcher.take();
        if !events.is_empty()
            && let Err(error) = app.emit(EVENTS, &events)
        {
            tracing::warn!(%error, "could not send events to the window");
        }
        // Every tick, even without events: what `after` holds back (a coalesced notification)
        // must go out when its time comes, not only when the next event happens to arrive.
        after(&events);
        if stopping {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_buffer_counts_what_it_drops_and_reports_it_once() {
        let batcher = Batcher::default();
        for count in 0..(MAX_BUFFERED as u32 + 3) {
            batcher.push(Event::Quarantined { count });
        }
        let first = batcher.take();
        assert_eq!(first.len(), MAX_BUFFERED + 1);
        assert_eq!(first.last(), Some(&Event::Overflow { dropped: 3 }));
        assert_eq!(first[0], Event::Quarantined { count: 0 });
        assert!(batcher.take().is_empty(), "nothing is reported twice");
    }

    #[tokio::test]
    async fn relay_forwards_in_order_and_records_status() {
        let (sender, receiver) = inlet_core::events::channel(16);
        let status = Arc::new(Status::new(crate::settings::InboxMode::Demo));
        let batcher = Arc::new(Batcher::default());
        sender.emit(Event::Synced { at_ms: 42 });
        sender.emit(Event::Quarantined { count: 1 });
        drop(sender);
        relay(receiver, Some("q".into()), status.clone(), batcher.clone()).await;
        assert_eq!(
            batcher.take(),
            vec![Event::Synced { at_ms: 42 }, Event::Quarantined { count: 1 }]
        );
        assert_eq!(status.snapshot().last_sync_ms, Some(42));
    }
}
