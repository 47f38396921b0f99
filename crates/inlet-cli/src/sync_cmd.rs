//! `inlet sync`: the headless collector, the same engine the desktop app runs.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use clap::Args;
use inlet_core::events;
use inlet_core::secrets::{self, KeySource};
use inlet_core::store::Store;
use inlet_core::sync::{SyncEngine, SyncOptions};
use inlet_mns::{
    ChatAppTokenProvider, CredentialProvider, Credentials, MnsClient, StaticCredentials,
    TokenConfig,
};
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
    // Nobody watches events headless; drain them so the log shows problems.
    let logger = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            tracing::debug!(?event, "event");
        }
    });
    let cancel = CancellationToken::new();
    let mut engine = SyncEngine::new(
        client.queue(&args.queue),
        store,
        events,
        SyncOptions::default(),
    )
    .with_cancellation(cancel.clone());
    let stop = cancel.clone();
    tokio::spawn(async move {
        crate::shutdown_signal().await;
        eprintln!("stopping: finishing the current batch");
        stop.cancel();
    });
    let stats = if args.until_empty {
        engine.drain().await.map_err(|e| e.to_string())?
    } else {
        engine.run().await
    };
    drop(engine);
    logger.abort();
    eprintln!(
        "stored {} new, {} duplicates, {} quarantined; acknowledged {} of {} received",
        stats.inserted, stats.duplicates, stats.quarantined, stats.deleted, stats.received
    );
    Ok(())
}
