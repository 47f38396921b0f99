//! The simulator's shared state: the account's queues behind one lock, plus everything the
//! HTTP side needs (clock, faults, keys, persistence, per-queue wake-ups).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use tokio::sync::Notify;

use crate::auth::KeyTable;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::faults::FaultSwitch;
use crate::media::MediaHost;
use crate::persist::{Persister, Snapshot};
use crate::queue::{AttrsPatch, Broker, Created, QueueStats, SendRequest, Sent};

/// Wakes the long polls of one queue, and counts how many are parked (observable by tests
/// and other processes, so they can act "while a client waits" without sleeping).
#[derive(Debug, Default)]
pub struct QueueWaker {
    pub notify: Notify,
    parked: AtomicUsize,
}

impl QueueWaker {
    pub fn parked(&self) -> usize {
        self.parked.load(Ordering::SeqCst)
    }

    /// Counts the caller as parked until the guard is dropped (also when a poll is cancelled).
    pub fn park(&self) -> ParkedGuard<'_> {
        self.parked.fetch_add(1, Ordering::SeqCst);
        ParkedGuard(self)
    }
}

pub struct ParkedGuard<'a>(&'a QueueWaker);

impl Drop for ParkedGuard<'_> {
    fn drop(&mut self) {
        self.0.parked.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The queues and a version that counts mutations (for persistence).
#[derive(Default)]
pub struct Store {
    inner: Mutex<(u64, Broker)>,
    wakers: Mutex<HashMap<String, Arc<QueueWaker>>>,
}

impl Store {
    pub fn new(broker: Broker) -> Self {
        Self {
            inner: Mutex::new((0, broker)),
            wakers: Mutex::default(),
        }
    }

    pub fn read<R>(&self, f: impl FnOnce(&Broker) -> R) -> R {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&g.1)
    }

    /// Runs a mutation; returns its result and the state version that includes it.
    pub fn write<R>(&self, f: impl FnOnce(&mut Broker) -> R) -> (R, u64) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0 += 1;
        let r = f(&mut g.1);
        (r, g.0)
    }

    /// The version of the latest mutation.
    pub fn version(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    pub fn snapshot(&self) -> (u64, Vec<u8>) {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // Serializing plain structs with string keys cannot fail.
        (g.0, serde_json::to_vec(&g.1).unwrap_or_default())
    }

    /// The wake-up for long polls on `queue` (created on first use, never removed: tiny).
    pub fn waker(&self, queue: &str) -> Arc<QueueWaker> {
        let mut g = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
        g.entry(queue.to_string()).or_default().clone()
    }

    pub fn wake(&self, queue: &str) {
        self.waker(queue).notify.notify_waiters();
    }
}

/// Everything request handlers share.
pub struct Shared {
    pub clock: Clock,
    pub faults: FaultSwitch,
    pub keys: KeyTable,
    pub store: Arc<Store>,
    pub persist: Persister,
    pub media: MediaHost,
    /// Whether Date / x-acs-date are checked against the clock (±15 min).
    pub check_clock: bool,
    pub sts_ttl: Duration,
    /// Used `x-acs-signature-nonce` values with the time they were seen.
    pub nonces: Mutex<HashMap<String, i64>>,
}

impl Shared {
    /// The server's "now" for Date / x-acs-date checks, if checks are on: the *wall* clock
    /// plus the `clock_skew_secs` fault.
    ///
    /// Why not the simulator `Clock`: its offset models time passing for stored things (a
    /// visibility timeout, an STS token's or a media URL's expiry), while the client under test
    /// keeps dating requests by the real clock. Checking Dates against the offset clock would
    /// make every request fail with TimeExpired — and make token refresh impossible — as soon
    /// as a test jumps ahead by more than 15 minutes. Disagreement between the two clocks is
    /// what `clock_skew_secs` is for.
    pub fn date_check_now(&self) -> Option<i64> {
        self.check_clock
            .then(|| crate::clock::wall_ms() + self.faults.get().clock_skew_secs * 1000)
    }

    /// Marks `version` dirty and waits until it is on disk (no-op without a state dir).
    pub async fn persisted(&self, version: u64) {
        self.persist.mark(version);
        self.persist.flushed(version).await;
    }

    pub fn snapshot_fn(store: &Arc<Store>) -> Snapshot {
        let store = store.clone();
        Arc::new(move || store.snapshot())
    }

    /// Creates a queue with default attributes unless it exists (any attributes).
    pub fn ensure_queue(&self, name: &str) -> Result<Created, ApiError> {
        let now = self.clock.now_ms();
        let (r, v) = self.store.write(|b| match b.get(name) {
            Ok(_) => Ok(Created::Unchanged),
            Err(_) => b.create(name, &AttrsPatch::default(), now),
        });
        self.persist.mark(v);
        r
    }

    /// Enqueues a MessageBody text verbatim and wakes long polls.
    pub fn send_text(&self, queue: &str, body: String) -> Result<Sent, ApiError> {
        let now = self.clock.now_ms();
        let (r, v) = self
            .store
            .write(|b| b.get_mut(queue)?.send(&SendRequest::body(body), now));
        self.persist.mark(v);
        if r.is_ok() {
            self.store.wake(queue);
        }
        r
    }

    /// Enqueues a ChatApp MO JSON text the way Alibaba's producer does: base64(utf8(json)).
    pub fn send_chatapp(&self, queue: &str, json: &str) -> Result<Sent, ApiError> {
        self.send_text(queue, B64.encode(json.as_bytes()))
    }

    pub fn stats(&self, queue: &str) -> Option<QueueStats> {
        let now = self.clock.now_ms();
        self.store.read(|b| b.get(queue).ok().map(|q| q.stats(now)))
    }
}
