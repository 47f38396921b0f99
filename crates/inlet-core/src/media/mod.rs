//! The media keeper: saves every attachment before its URL dies, and the map tiles of every
//! location so maps work offline.
//!
//! ChatApp media URLs stop working 7 days after the message. Every media-carrying message gets
//! a job row at ingest (`store::media`); the keeper works through them soonest deadline first,
//! a few at a time, retrying with exponential backoff and jitter until the deadline. Files are
//! content-addressed under the data directory (see `files.rs`); jobs and files survive crashes
//! (see [`MediaKeeper::run`]). The same keeper runs in the desktop app and in `inlet sync`.
//!
//! ```no_run
//! # async fn demo(store: inlet_core::sync::SharedStore, events: inlet_core::events::EventSender)
//! # -> Result<(), inlet_core::media::MediaError> {
//! use std::sync::Arc;
//! use inlet_core::media::{MediaKeeper, MediaOptions};
//! let keeper = MediaKeeper::new(store, "/path/to/data", MediaOptions::default(), events)?;
//! let wakeup = Arc::new(tokio::sync::Notify::new()); // also given to SyncEngine::with_media_wakeup
//! let cancel = tokio_util::sync::CancellationToken::new();
//! keeper.run(cancel, wakeup).await?;
//! # Ok(()) }
//! ```

mod download;
pub mod filename;
mod files;
mod job;
mod keeper;
mod maps;
mod sniff;
pub mod tiles;

use std::sync::Arc;
use std::time::Duration;

pub use inlet_mns::Backoff;
pub use keeper::{KeeperReport, MediaKeeper};

pub use crate::store::media_jobs::{
    LocationMap, MapCounts, MapState, MapView, MediaItem, MediaStatus, StateCounts, TileRef,
    location_map, location_tiles, media_item, media_items, media_of_message, media_status,
};

/// "Now" in Unix milliseconds. Injected so tests can move past deadlines without waiting.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Identifies Inlet to media hosts and, as the OpenStreetMap tile usage policy asks, to the tile
/// server (an application name, version and a way to reach the project).
pub const DEFAULT_USER_AGENT: &str = concat!(
    "Inlet/",
    env!("CARGO_PKG_VERSION"),
    " (desktop WhatsApp inbox; +https://github.com/inlet-desktop)"
);

/// OpenStreetMap's standard tile server.
pub const OSM_TILE_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
/// The attribution the OSM licence requires wherever its tiles are shown.
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// Default size cap: 100 MB.
pub const DEFAULT_SIZE_CAP: u64 = 100 * 1000 * 1000;

/// Where map tiles come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileConfig {
    /// With `{z}`, `{x}` and `{y}`, e.g. [`OSM_TILE_URL`].
    pub url_template: String,
    /// Zoom levels fetched per location; each is a 2×2 block of tiles (street, district, city).
    pub zooms: Vec<u8>,
    /// What the UI must show under the map.
    pub attribution: String,
    /// Failed tries before a location's map is given up (the UI then shows a card).
    pub max_attempts: u32,
    /// Largest tile accepted.
    pub max_tile_bytes: u64,
}

impl TileConfig {
    /// OpenStreetMap's standard tiles, used within its usage policy: only the 12 tiles a
    /// location needs, each fetched once and cached for good, one request at a time, with an
    /// identifying User-Agent.
    pub fn openstreetmap() -> Self {
        Self::custom(OSM_TILE_URL, OSM_ATTRIBUTION)
    }

    /// Another tile server (e.g. a self-hosted one, or the simulator's `/tiles/{z}/{x}/{y}.png`).
    pub fn custom(url_template: impl Into<String>, attribution: impl Into<String>) -> Self {
        Self {
            url_template: url_template.into(),
            zooms: vec![17, 15, 12],
            attribution: attribution.into(),
            max_attempts: 5,
            max_tile_bytes: 1024 * 1024,
        }
    }
}

/// Tuning of the keeper; the defaults are the production values.
#[derive(Clone)]
pub struct MediaOptions {
    /// Downloads at the same time.
    pub concurrency: usize,
    /// Largest attachment saved; a larger one ends `too_large`.
    pub size_cap: u64,
    pub clock: Clock,
    /// Delay before retry `n` is drawn from `[ceiling(n)/2, ceiling(n)]`.
    pub backoff: Backoff,
    /// Longest wait for the response or the next bytes of the body.
    pub stall_timeout: Duration,
    /// Longest one download attempt may take.
    pub attempt_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_redirects: usize,
    /// Minimum time between progress events for one download.
    pub progress_interval: Duration,
    /// `None`: no map tiles are fetched (locations show as cards).
    pub tile_server: Option<TileConfig>,
    pub user_agent: String,
}

impl Default for MediaOptions {
    fn default() -> Self {
        Self {
            concurrency: 3,
            size_cap: DEFAULT_SIZE_CAP,
            clock: Arc::new(|| chrono::Utc::now().timestamp_millis()),
            backoff: Backoff {
                initial: Duration::from_secs(10),
                max: Duration::from_secs(30 * 60),
            },
            stall_timeout: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(30 * 60),
            connect_timeout: Duration::from_secs(15),
            max_redirects: 5,
            progress_interval: Duration::from_millis(250),
            tile_server: Some(TileConfig::openstreetmap()),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

impl std::fmt::Debug for MediaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaOptions")
            .field("concurrency", &self.concurrency)
            .field("size_cap", &self.size_cap)
            .field("backoff", &self.backoff)
            .field("stall_timeout", &self.stall_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_redirects", &self.max_redirects)
            .field("tile_server", &self.tile_server)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the media keeper is misconfigured: {0}")]
    Config(String),
    #[error("the media folder {path} cannot be used: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("the media keeper could not read or update the database: {0}")]
    Store(String),
}
