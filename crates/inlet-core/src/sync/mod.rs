//! The sync engine: receive a batch → decode → store in one transaction → commit → acknowledge.
//!
//! The order is the whole point. The queue deletes what we acknowledge, so a message is deleted
//! only after the transaction holding it (or its raw bytes in quarantine) has committed with
//! `synchronous=FULL`. A crash anywhere before the delete means the queue delivers the batch again,
//! and the store's idempotency on `(channel, MessageId)` turns that into a duplicate count.

mod acknowledge;
mod counts;
mod drain;

pub use counts::{COUNTS_EVERY, CountsPublisher, CountsTask};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use inlet_mns::{MnsError, PollConfig, Poller, Queue, ReceivedMessage};
use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::events::{Event, EventSender};
use crate::store::{Incoming, IngestReport, Store};

/// The one writer connection, shared by the sync engine, the media keeper and UI commands.
pub type SharedStore = Arc<Mutex<Store>>;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", .0.operator_message())]
    Queue(#[from] MnsError),
    #[error("messages could not be stored, so they were left in the queue: {0}")]
    Store(String),
}

/// Tuning; the defaults are the production values.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub poll: PollConfig,
    /// If storing a batch takes longer than this, its messages' visibility is extended so the
    /// queue does not hand them to someone else meanwhile.
    pub extend_visibility_after: Duration,
    pub visibility_extension_secs: u32,
    /// Tries for a batch delete that fails for transient reasons.
    pub delete_attempts: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            poll: PollConfig::default(),
            extend_visibility_after: Duration::from_secs(10),
            visibility_extension_secs: 60,
            delete_attempts: 5,
        }
    }
}

/// Running totals, printed by `inlet sync` and shown by the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncStats {
    pub batches: u64,
    pub received: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub deleted: u64,
    /// Handles the queue no longer knew at delete time (harmless: redelivery is deduplicated).
    pub stale_handles: u64,
}

pub struct SyncEngine {
    queue: Queue,
    store: SharedStore,
    events: EventSender,
    options: SyncOptions,
    cancel: CancellationToken,
    /// Woken after a commit that created media download jobs.
    media_wakeup: Option<Arc<Notify>>,
    /// Set while `run` or `drain` works: status-bar counts after commits, folded over bursts.
    counts: Option<CountsPublisher>,
    stats: SyncStats,
}

impl SyncEngine {
    pub fn new(
        queue: Queue,
        store: SharedStore,
        events: EventSender,
        options: SyncOptions,
    ) -> Self {
        Self {
            queue,
            store,
            events,
            options,
            cancel: CancellationToken::new(),
            media_wakeup: None,
            counts: None,
            stats: SyncStats::default(),
        }
    }

    /// Stops `run` and `drain` when `token` is cancelled.
    pub fn with_cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    /// Wakes the media keeper when new attachments were stored.
    pub fn with_media_wakeup(mut self, notify: Arc<Notify>) -> Self {
        self.media_wakeup = Some(notify);
        self
    }

    pub fn stats(&self) -> &SyncStats {
        &self.stats
    }

    /// Long-polls until cancelled: the desktop app's and `inlet sync`'s normal mode.
    pub async fn run(&mut self) -> SyncStats {
        let counts = self.start_counts();
        let stats = self.poll_until_cancelled().await;
        self.stop_counts(counts).await;
        stats
    }

    /// Starts publishing counts for this run; see [`CountsPublisher`].
    fn start_counts(&mut self) -> CountsTask {
        let (publisher, task) =
            CountsPublisher::start(self.store.clone(), self.events.clone(), COUNTS_EVERY);
        self.counts = Some(publisher);
        task
    }

    async fn stop_counts(&mut self, task: CountsTask) {
        self.counts = None;
        task.finish().await;
    }

    async fn poll_until_cancelled(&mut self) -> SyncStats {
        let mut poller = Poller::new(self.queue.clone(), self.options.poll.clone())
            .with_cancellation(self.cancel.clone());
        let forward = forward_connectivity(&poller, self.events.clone());
        loop {
            let batch = poller.next_batch().await;
            if batch.is_empty() {
                break; // cancelled
            }
            if let Err(err) = self.handle_batch(batch).await {
                // The batch stays in the queue and comes back after its visibility timeout.
                tracing::error!(error = %err, "batch not stored");
                self.events.emit(Event::Problem {
                    message: err.to_string(),
                });
                let pause = self.options.poll.backoff.max.min(Duration::from_secs(10));
                tokio::select! {
                    () = self.cancel.cancelled() => break,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
        forward.abort();
        self.stats.clone()
    }

    /// Stores one received batch, then acknowledges it.
    async fn handle_batch(&mut self, batch: Vec<ReceivedMessage>) -> Result<(), SyncError> {
        self.handle_decoded(Decoded::new(batch)).await
    }

    /// Stores one decoded batch, then acknowledges it.
    async fn handle_decoded(&mut self, batch: Decoded) -> Result<(), SyncError> {
        let Decoded {
            mut handles,
            incoming,
        } = batch;
        self.stats.batches += 1;
        self.stats.received += incoming.len() as u64;
        let report = self.store_batch(incoming, &mut handles).await?;
        self.acknowledge(&handles).await;
        self.announce(&report).await;
        Ok(())
    }

    /// Commits the batch on a blocking thread; extends the messages' visibility while it runs long.
    async fn store_batch(
        &self,
        incoming: Vec<Incoming>,
        handles: &mut Vec<String>,
    ) -> Result<IngestReport, SyncError> {
        let store = self.store.clone();
        let now = now_ms();
        let mut task = tokio::task::spawn_blocking(move || {
            let mut store = store
                .lock()
                .map_err(|_| SyncError::Store("the store is poisoned".into()))?;
            store
                .ingest(&incoming, now)
                .map_err(|e| SyncError::Store(e.to_string()))
        });
        loop {
            tokio::select! {
                joined = &mut task => {
                    return joined.map_err(|e| SyncError::Store(format!("storing crashed: {e}")))?;
                }
                () = tokio::time::sleep(self.options.extend_visibility_after) => {
                    *handles = self.extend_visibility(handles).await;
                }
            }
        }
    }

    /// Asks for more time on every message; a handle that cannot be extended is kept as it is
    /// (at worst the message is delivered again and counted as a duplicate).
    async fn extend_visibility(&self, handles: &[String]) -> Vec<String> {
        let mut renewed = Vec::with_capacity(handles.len());
        for handle in handles {
            match self
                .queue
                .change_visibility(handle, self.options.visibility_extension_secs)
                .await
            {
                Ok(changed) => renewed.push(changed.receipt_handle),
                Err(err) => {
                    tracing::warn!(error = %err, "could not extend visibility");
                    renewed.push(handle.clone());
                }
            }
        }
        renewed
    }

    /// Tells the UI (and the media keeper) what the commit changed.
    async fn announce(&mut self, report: &IngestReport) {
        self.stats.inserted += report.inserted.len() as u64;
        self.stats.duplicates += u64::from(report.duplicates);
        self.stats.quarantined += u64::from(report.quarantined);
        if !report.inserted.is_empty() {
            let mut ids: Vec<i64> = report.inserted.iter().map(|r| r.conversation_id).collect();
            ids.sort_unstable();
            ids.dedup();
            self.events.emit(Event::MessagesAdded {
                count: report.inserted.len() as u32,
                conversation_ids: ids,
            });
        }
        if !report.changed_conversations.is_empty() || !report.removed_conversations.is_empty() {
            self.events.emit(Event::ConversationsChanged {
                changed: report.changed_conversations.clone(),
                removed: report.removed_conversations.clone(),
            });
        }
        if report.quarantined > 0 {
            self.events.emit(Event::Quarantined {
                count: report.quarantined,
            });
        }
        if !report.media_jobs.is_empty()
            && let Some(wakeup) = &self.media_wakeup
        {
            wakeup.notify_one();
        }
        if let Some(counts) = &self.counts {
            counts.changed();
        }
        self.events.emit(Event::Synced { at_ms: now_ms() });
    }
}

/// A received batch, decoded: what the store needs and what the queue needs back.
struct Decoded {
    handles: Vec<String>,
    incoming: Vec<Incoming>,
}

impl Decoded {
    fn new(batch: Vec<ReceivedMessage>) -> Decoded {
        let handles = batch.iter().map(|m| m.receipt_handle.clone()).collect();
        let incoming = batch
            .into_iter()
            .map(|m| {
                if !m.md5_ok() {
                    tracing::warn!(queue_message_id = %m.message_id, "MessageBodyMD5 does not match the body");
                }
                Incoming::decode(m.message_id, m.body.into_bytes(), m.dequeue_count)
            })
            .collect();
        Decoded { handles, incoming }
    }

    fn is_empty(&self) -> bool {
        self.incoming.is_empty()
    }
}

/// Mirrors the poller's connectivity into the event channel.
fn forward_connectivity(poller: &Poller, events: EventSender) -> tokio::task::JoinHandle<()> {
    let mut watch = poller.subscribe();
    tokio::spawn(async move {
        loop {
            let connectivity = watch.borrow_and_update().clone();
            events.emit(Event::Connectivity { connectivity });
            if watch.changed().await.is_err() {
                break;
            }
        }
    })
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
