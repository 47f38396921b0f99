//! Shared set-up for the media keeper's tests: a real simulator (media host and, when asked,
//! tile server) over real HTTP, a real SQLite store, and waits on observable state.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use inlet_core::events::{self, Event, EventReceiver};
use inlet_core::media::{Backoff, MediaItem, MediaKeeper, MediaOptions, media_item};
use inlet_core::store::{Incoming, Store};
use inlet_core::sync::SharedStore;
use inlet_sim::{Sim, SimConfig};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const DAY: Duration = Duration::from_secs(24 * 3600);
/// Longest any wait in these tests may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Harness {
    pub sim: Sim,
    pub dir: tempfile::TempDir,
    pub store: SharedStore,
    pub wakeup: Arc<Notify>,
    pub cancel: CancellationToken,
    next_message: Mutex<u32>,
}

pub async fn start_sim() -> Sim {
    Sim::start(SimConfig::new("mediaTestKeyId", "mediaTestKeySecret"))
        .await
        .expect("the simulator starts")
}

impl Harness {
    pub async fn new() -> Harness {
        let sim = start_sim().await;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Mutex::new(
            Store::open(dir.path().join("inlet.db")).unwrap(),
        ));
        Harness {
            sim,
            dir,
            store,
            wakeup: Arc::new(Notify::new()),
            cancel: CancellationToken::new(),
            next_message: Mutex::new(0),
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("inlet.db")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Test tuning: millisecond backoffs and timeouts, the simulator's clock, no tiles.
    pub fn options(&self) -> MediaOptions {
        let clock = self.sim.clock();
        MediaOptions {
            concurrency: 3,
            size_cap: 4 * 1024 * 1024,
            clock: Arc::new(move || clock.now_ms()),
            backoff: Backoff {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(100),
            },
            stall_timeout: Duration::from_millis(700),
            attempt_timeout: Duration::from_secs(20),
            progress_interval: Duration::from_millis(50),
            tile_server: None,
            ..MediaOptions::default()
        }
    }

    pub fn keeper(&self, options: MediaOptions) -> (MediaKeeper, EventReceiver) {
        let (tx, rx) = events::channel(100_000);
        let keeper = MediaKeeper::new(self.store.clone(), self.data_dir(), options, tx).unwrap();
        (keeper, rx)
    }

    /// Starts a keeper that runs until the harness is cancelled.
    pub fn run(&self, options: MediaOptions) -> (JoinHandle<()>, EventReceiver) {
        let (keeper, rx) = self.keeper(options);
        let (cancel, wakeup) = (self.cancel.clone(), self.wakeup.clone());
        let task = tokio::spawn(async move {
            keeper.run(cancel, wakeup).await.expect("the keeper runs");
        });
        (task, rx)
    }

    /// Runs a keeper until every job is settled (failing the test if that takes too long).
    pub async fn settle(&self, options: MediaOptions) -> EventReceiver {
        let (keeper, rx) = self.keeper(options);
        let run = keeper.run_until_settled(self.cancel.clone(), self.wakeup.clone());
        tokio::time::timeout(PATIENCE, run)
            .await
            .expect("the keeper settles in time")
            .expect("the keeper runs");
        rx
    }

    /// Stores a message of `msg_type` with `payload` sent now (on the simulator's clock);
    /// returns the message's row id.
    pub fn ingest(&self, msg_type: &str, payload: Value) -> i64 {
        self.ingest_at(msg_type, payload, self.sim.clock().now_ms())
    }

    /// Like [`Harness::ingest`], for a message sent at `timestamp_ms`.
    pub fn ingest_at(&self, msg_type: &str, payload: Value, timestamp_ms: i64) -> i64 {
        let n = {
            let mut n = self.next_message.lock().unwrap();
            *n += 1;
            *n
        };
        let json = json!({
            "MessageId": format!("media-test-{n}"), "CustSpaceId": "cams-1", "WabaId": "waba-1",
            "From": "8613800000001", "To": "8613900000000", "Timestamp": timestamp_ms,
            "DisplayName": "Customer", "Name": "c", "Type": msg_type, "Message": payload,
        });
        let body = base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&json).unwrap())
            .into_bytes();
        let incoming = Incoming::decode(format!("q-{n}"), body, 1);
        let report = self
            .store
            .lock()
            .unwrap()
            .ingest(&[incoming], self.sim.clock().now_ms())
            .unwrap();
        self.wakeup.notify_one();
        report.inserted[0].rowid
    }

    /// Stores a media message pointing at `url`; returns the media job's id.
    pub fn attachment(&self, msg_type: &str, url: &str, mime: &str, filename: Option<&str>) -> i64 {
        let mut payload = json!({"url": url, "mimeType": mime, "id": "1"});
        if let Some(name) = filename {
            payload["filename"] = json!(name);
        }
        let rowid = self.ingest(msg_type, payload);
        inlet_core::media::media_of_message(&*self.store.lock().unwrap(), rowid)
            .unwrap()
            .expect("a media job was created at ingest")
            .id
    }

    pub fn item(&self, media_id: i64) -> MediaItem {
        media_item(&*self.store.lock().unwrap(), media_id)
            .unwrap()
            .expect("the job exists")
    }

    /// Waits (polling the database, with a deadline) until job `media_id` satisfies `ok`.
    pub async fn wait_for(
        &self,
        media_id: i64,
        what: &str,
        ok: impl Fn(&MediaItem) -> bool,
    ) -> MediaItem {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let item = self.item(media_id);
            if ok(&item) {
                return item;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {item:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (polling, with a deadline) until `ok` holds.
    pub async fn wait_until(&self, what: &str, ok: impl Fn(&Harness) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !ok(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Files under `data/media/tmp` (downloads in progress or left behind).
    pub fn temp_files(&self) -> Vec<PathBuf> {
        files_in(&self.data_dir().join("media").join("tmp"))
    }

    /// Saved attachment files (everything under `data/media` but `tmp`).
    pub fn saved_files(&self) -> Vec<PathBuf> {
        let media = self.data_dir().join("media");
        let Ok(fans) = std::fs::read_dir(&media) else {
            return Vec::new();
        };
        fans.filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !p.ends_with("tmp"))
            .flat_map(|p| files_in(&p))
            .collect()
    }
}

pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Bytes that are no known file type.
pub fn sample(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + usize::from(seed) * 7) % 251) as u8)
        .collect()
}

/// One `MediaChanged` event: (media id, state, bytes_done, bytes_total).
pub type MediaEvent = (i64, String, Option<u64>, Option<u64>);

/// Every `MediaChanged` event received so far (the others are dropped).
pub fn all_media_events(rx: &mut EventReceiver) -> Vec<MediaEvent> {
    let mut out = Vec::new();
    while let Some(event) = rx.try_recv() {
        if let Event::MediaChanged {
            media_id,
            state,
            bytes_done,
            bytes_total,
            ..
        } = event
        {
            out.push((media_id, state, bytes_done, bytes_total));
        }
    }
    out
}

/// The `MediaChanged` events received so far for `media_id`: (state, bytes_done, bytes_total).
pub fn media_events(
    rx: &mut EventReceiver,
    media_id: i64,
) -> Vec<(String, Option<u64>, Option<u64>)> {
    all_media_events(rx)
        .into_iter()
        .filter(|e| e.0 == media_id)
        .map(|(_, state, done, total)| (state, done, total))
        .collect()
}
