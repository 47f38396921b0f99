//! `inlet sync`: the headless collector, the same engines the desktop app runs: the queue sync
//! and, beside it, the media keeper that saves attachments and map tiles.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use clap::Args;
use inlet_core::events;
use inlet_core::media::{self, MediaKeeper, MediaOptions, TileConfig};
use inlet_core::secrets::{self, KeySource};
use inlet_core::store::Store;
use inlet_core::sync::{SyncEngine, SyncOptions};
use inlet_mns::{
    ChatAppTokenProvider, CredentialProvider, Credentials, MnsClient, StaticCredentials,
    TokenConfig,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The SQLite database to store messages in (created if missing).
    #[arg(long)]
    db: PathBuf,
    /// The MNS endpoint, e.g. https://1943695596114318.mns.cn-hangzhou.aliyuncs.com
    #[arg(long, default_value = inlet_mns::DEFAULT_MNS_ENDPOINT)]
    endpoint: String,
    /// The queue, e.g. Alicom-Queue-<uid>-ChatAppInbound.
    #[arg(long)]
    queue: String,
    /// Get temporary queue credentials through QueryTokenForMnsQueue at this endpoint first
    /// (the ChatApp way); without it, requests are signed with the AccessKey directly.
    #[arg(long)]
    token_endpoint: Option<String>,
    /// Drain the queue (and wait for pending downloads), then exit.
    #[arg(long)]
    until_empty: bool,
    /// Where attachments (`DIR/media/`) and map tiles (`DIR/tiles/`) are saved. Default: the
    /// database's folder.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Largest attachment saved, in bytes; larger ones are recorded as too large.
    #[arg(long, default_value_t = media::DEFAULT_SIZE_CAP)]
    max_media_bytes: u64,
    /// Attachments downloaded at the same time.
    #[arg(long, default_value_t = 3)]
    media_concurrency: usize,
    /// Map tile server for LOCATION messages ({z}, {x}, {y} are filled in). Only the few tiles
    /// around each location are fetched, once.
    #[arg(long, default_value = media::OSM_TILE_URL)]
    tile_url: String,
    /// Fetch no map tiles (locations are shown as cards).
    #[arg(long)]
    no_map_tiles: bool,
}

impl SyncArgs {
    /// `--data-dir`, or the folder the database is in.
    fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| match self.db.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            })
    }

    fn media_options(&self) -> MediaOptions {
        let tile_server = (!self.no_map_tiles).then(|| {
            if self.tile_url == media::OSM_TILE_URL {
                TileConfig::openstreetmap()
            } else {
                TileConfig::custom(&self.tile_url, "")
            }
        });
        MediaOptions {
            concurrency: self.media_concurrency,
            size_cap: self.max_media_bytes,
            tile_server,
            ..MediaOptions::default()
        }
    }
}

pub async fn run(args: SyncArgs) -> Result<(), String> {
    let (key, source) = secrets::resolve().map_err(|e| e.to_string())?;
    let where_from = match source {
        KeySource::Environment => "the ALIBABA_CLOUD_* environment variables",
        KeySource::Keychain => "the system keychain",
    };
    tracing::info!(access_key_id = %key.id, "using the AccessKey from {where_from}");
    let provider: Arc<dyn CredentialProvider> = match &args.token_endpoint {
        Some(endpoint) => {
            let mut config = TokenConfig::new(&args.queue);
            config.endpoint = endpoint.clone();
            Arc::new(
                ChatAppTokenProvider::new(key.id, key.secret, config)
                    .map_err(|e| e.operator_message())?,
            )
        }
        None => {
            let mut credentials = Credentials::new(key.id, key.secret);
            if let Some(token) = key.security_token {
                credentials = credentials.with_security_token(token);
            }
            Arc::new(StaticCredentials::new(credentials))
        }
    };
    let client = MnsClient::new(&args.endpoint, provider).map_err(|e| e.operator_message())?;
    let store =
        Store::open(&args.db).map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let store = Arc::new(Mutex::new(store));
    let (events, mut receiver) = events::channel(1024);
    let data_dir = args.data_dir();
    let keeper = MediaKeeper::new(
        store.clone(),
        &data_dir,
        args.media_options(),
        events.clone(),
    )
    .map_err(|e| e.to_string())?;
    tracing::info!(data_dir = %data_dir.display(), "saving attachments under {}", data_dir.join("media").display());
    // Nobody watches events headless; drain them so the log shows problems.
    let logger = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            tracing::debug!(?event, "event");
        }
    });
    let cancel = CancellationToken::new();
    let wakeup = Arc::new(Notify::new());
    let mut engine = SyncEngine::new(
        client.queue(&args.queue),
        store,
        events,
        SyncOptions::default(),
    )
    .with_cancellation(cancel.clone())
    .with_media_wakeup(wakeup.clone());
    let stop = cancel.clone();
    tokio::spawn(async move {
        crate::shutdown_signal().await;
        eprintln!("stopping: finishing the current batch");
        stop.cancel();
    });
    // The downloader runs beside the queue sync; with --until-empty it settles after the drain.
    let drained = CancellationToken::new();
    let downloads = if args.until_empty {
        tokio::spawn(keeper.run_until_settled_after(
            cancel.clone(),
            wakeup,
            drained.clone().cancelled_owned(),
        ))
    } else {
        tokio::spawn(keeper.run(cancel.clone(), wakeup))
    };
    let stats = if args.until_empty {
        let drain = engine.drain().await;
        if drain.is_err() {
            cancel.cancel();
        }
        drained.cancel();
        drain
    } else {
        Ok(engine.run().await)
    };
    drop(engine);
    if !args.until_empty && !downloads.is_finished() {
        eprintln!("stopping: abandoning downloads in flight (they resume next time)");
    }
    let media = downloads
        .await
        .map_err(|e| format!("the downloader crashed: {e}"))
        .and_then(|r| r.map_err(|e| e.to_string()));
    logger.abort();
    let stats = stats.map_err(|e| e.to_string())?;
    eprintln!(
        "stored {} new, {} duplicates, {} quarantined; acknowledged {} of {} received",
        stats.inserted, stats.duplicates, stats.quarantined, stats.deleted, stats.received
    );
    let media = media?;
    eprintln!(
        "attachments: {} saved ({} bytes), {} expired, {} too large, {} retries; {} maps, {} tiles fetched",
        media.saved,
        media.bytes_saved,
        media.expired,
        media.too_large,
        media.retries,
        media.maps_saved,
        media.tiles_fetched
    );
    Ok(())
}
