//! An open inbox: the store, its readers, and the background work that fills it (one sync
//! engine per queue, the media keeper), with events flowing to the webview.
//!
//! The demo and the live account have separate folders (`<data>/demo/` and `<data>/`), so trying
//! the demo never mixes invented chats into real ones.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use inlet_core::events::{self, EventSender};
use inlet_core::media::{MediaKeeper, MediaOptions, TileConfig};
use inlet_core::secrets::{self, AccessKey};
use inlet_core::store::{Queries as _, Store};
use inlet_core::sync::{SharedStore, SyncEngine, SyncOptions};
use inlet_mns::{
    ChatAppTokenProvider, CredentialProvider, Credentials, MnsClient, StaticCredentials,
    TokenConfig,
};
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Manager};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::demo::{self, DemoQueue};
use crate::error::AppError;
use crate::forward::{self, Batcher};
use crate::notify::Notifier;
use crate::readers::Readers;
use crate::settings::{InboxMode, Settings};
use crate::status::Status;

/// Undelivered events each core channel holds (the relay drains it continuously).
const EVENT_CAPACITY: usize = 1024;
/// How long stopping waits for the engines to finish the batch in hand.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
pub const DB_FILE: &str = "inlet.sqlite3";

/// The folder of an inbox's database, media and tiles.
pub fn inbox_dir(data_dir: &Path, mode: InboxMode) -> PathBuf {
    match mode {
        InboxMode::Demo => data_dir.join("demo"),
        InboxMode::Live | InboxMode::None => data_dir.to_path_buf(),
    }
}

pub struct Session {
    pub dir: PathBuf,
    pub store: SharedStore,
    pub readers: Arc<Readers>,
    pub status: Arc<Status>,
    batcher: Arc<Batcher>,
    data_dir: PathBuf,
    demo: tokio::sync::Mutex<Option<DemoQueue>>,
    workers: tokio::sync::Mutex<Option<Workers>>,
    /// What must be shown under maps from the current tile server.
    map_attribution: Mutex<String>,
    flusher: (CancellationToken, Mutex<Option<JoinHandle<()>>>),
}

/// The background tasks of one configuration; restarted when settings or keys change.
struct Workers {
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Session {
    /// Opens the inbox of `mode` under `data_dir` and starts filling it.
    pub async fn open(
        app: &AppHandle,
        mode: InboxMode,
        data_dir: &Path,
        settings: &Settings,
    ) -> Result<Arc<Session>, AppError> {
        if mode == InboxMode::None {
            return Err(AppError::NoInbox);
        }
        let dir = inbox_dir(data_dir, mode);
        for sub in [dir.join("media"), dir.join("tiles")] {
            std::fs::create_dir_all(&sub)
                .map_err(|e| AppError::io(format!("creating {}", sub.display()), e))?;
            // Saved attachments and tiles, and nothing else, may be loaded by the webview.
            app.asset_protocol_scope().allow_directory(&sub, true)?;
        }
        let db_path = dir.join(DB_FILE);
        let open_path = db_path.clone();
        let store = tauri::async_runtime::spawn_blocking(move || Store::open(open_path)).await??;
        let demo = match mode {
            InboxMode::Demo => Some(DemoQueue::start(&dir, data_dir).await?),
            _ => None,
        };
        let readers = Readers::new(db_path);
        let batcher = Arc::new(Batcher::default());
        let cancel_flush = CancellationToken::new();
        let mut notifier = Notifier::new(app.clone(), readers.clone());
        let flusher = tauri::async_runtime::spawn(forward::flush_loop(
            app.clone(),
            batcher.clone(),
            cancel_flush.clone(),
            move |events| notifier.observe(events),
        ));
        let session = Arc::new(Session {
            dir,
            store: Arc::new(Mutex::new(store)),
            readers,
            status: Arc::new(Status::new(mode)),
            batcher,
            data_dir: data_dir.to_path_buf(),
            demo: tokio::sync::Mutex::new(demo),
            workers: tokio::sync::Mutex::new(None),
            map_attribution: Mutex::new(String::new()),
            flusher: (cancel_flush, Mutex::new(Some(flusher))),
        });
        session.start_workers(settings).await?;
        let tray_app = app.clone();
        if let Ok(counts) = session.readers.run(|conn| Ok(conn.core.counts()?)).await {
            crate::tray::show_unread(&tray_app, counts.unread);
        }
        Ok(session)
    }

    /// Queues an event for the webview as if the core had sent it (after a UI command changed
    /// the store, so the tray and other views follow).
    pub fn announce(&self, event: inlet_core::events::Event) {
        self.batcher.push(event);
    }

    pub fn map_attribution(&self) -> String {
        self.map_attribution
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Stops the background work and starts it again with `settings` and the current keys.
    pub async fn restart_workers(&self, settings: &Settings) -> Result<(), AppError> {
        self.stop_workers().await;
        self.start_workers(settings).await
    }

    async fn start_workers(&self, settings: &Settings) -> Result<(), AppError> {
        let mut slot = self.workers.lock().await;
        let cancel = CancellationToken::new();
        let wakeup = Arc::new(Notify::new());
        let mut tasks = Vec::new();
        self.status.reset(None);

        let demo = self.demo.lock().await;
        let tile_server = match demo.as_ref() {
            Some(demo) => Some(TileConfig::custom(demo.tile_url(), demo::TILE_ATTRIBUTION)),
            None => settings.maps.tile_config(),
        };
        *self
            .map_attribution
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = tile_server
            .as_ref()
            .map(|t| t.attribution.clone())
            .unwrap_or_default();
        let options = MediaOptions {
            size_cap: settings.media.size_cap_bytes(),
            tile_server,
            ..MediaOptions::default()
        };
        let keeper_events = self.channel(None, &mut tasks);
        let keeper = MediaKeeper::new(self.store.clone(), &self.dir, options, keeper_events)
            .map_err(|e| AppError::Settings(e.to_string()))?;
        let keeper_cancel = cancel.clone();
        let keeper_wakeup = wakeup.clone();
        let status = self.status.clone();
        tasks.push(tauri::async_runtime::spawn(async move {
            if let Err(error) = keeper.run(keeper_cancel, keeper_wakeup).await {
                tracing::error!(%error, "the media keeper stopped");
                status.set_problem(Some(format!("Attachments are not being saved: {error}")));
            }
        }));

        for (queue, client) in self.queue_clients(demo.as_ref(), settings).await {
            self.status.add_queue(&queue);
            let events = self.channel(Some(queue.clone()), &mut tasks);
            let mut engine = SyncEngine::new(
                client.queue(&queue),
                self.store.clone(),
                events,
                SyncOptions::default(),
            )
            .with_cancellation(cancel.clone())
            .with_media_wakeup(wakeup.clone());
            tasks.push(tauri::async_runtime::spawn(async move {
                let stats = engine.run().await;
                tracing::info!(queue, ?stats, "sync stopped");
            }));
        }
        *slot = Some(Workers { cancel, tasks });
        Ok(())
    }

    /// A core event channel relayed to the webview; `queue` names whose connectivity it reports.
    fn channel(&self, queue: Option<String>, tasks: &mut Vec<JoinHandle<()>>) -> EventSender {
        let (sender, receiver) = events::channel(EVENT_CAPACITY);
        tasks.push(tauri::async_runtime::spawn(forward::relay(
            receiver,
            queue,
            self.status.clone(),
            self.batcher.clone(),
        )));
        sender
    }

    /// The queues to sync and a signed client for each. When there are none, the status says why.
    async fn queue_clients(
        &self,
        demo: Option<&DemoQueue>,
        settings: &Settings,
    ) -> Vec<(String, MnsClient)> {
        let result = match demo {
            Some(demo) => demo
                .token_provider()
                .and_then(|provider| MnsClient::new(&demo.endpoint(), Arc::new(provider)))
                .map(|client| vec![(demo::QUEUE.to_owned(), client)])
                .map_err(|e| e.operator_message()),
            None => live_clients(settings).await,
        };
        result.unwrap_or_else(|problem| {
            self.status.set_problem(Some(problem));
            Vec::new()
        })
    }

    async fn stop_workers(&self) {
        let Some(workers) = self.workers.lock().await.take() else {
            return;
        };
        workers.cancel.cancel();
        for task in workers.tasks {
            let abort = task.inner().abort_handle();
            // Relays end when their engine drops its sender; engines end at their next await.
            if tokio::time::timeout(STOP_TIMEOUT, task).await.is_err() {
                abort.abort();
            }
        }
    }

    /// Stops the demo queue (the app then sees it as unreachable, as when offline).
    pub async fn stop_demo_queue(&self) -> Result<(), AppError> {
        let demo = self.demo.lock().await.take();
        match demo {
            Some(demo) => {
                demo.shutdown(&self.data_dir).await;
                Ok(())
            }
            None => Err(AppError::Invalid("no demo queue is running".into())),
        }
    }

    pub async fn demo_running(&self) -> bool {
        self.demo.lock().await.is_some()
    }

    /// Stops everything; events already gathered still reach the webview.
    pub async fn close(&self) {
        self.stop_workers().await;
        if let Some(demo) = self.demo.lock().await.take() {
            demo.shutdown(&self.data_dir).await;
        }
        self.flusher.0.cancel();
        let flusher = self
            .flusher
            .1
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(flusher) = flusher {
            let _ = flusher.await;
        }
    }
}

/// The live account's queues with a client each, or why there are none.
async fn live_clients(settings: &Settings) -> Result<Vec<(String, MnsClient)>, String> {
    let connection = &settings.connection;
    if connection.queues.is_empty() {
        return Err("No queue is configured: add yours in Settings → Connection.".into());
    }
    let (key, _source) = tauri::async_runtime::spawn_blocking(secrets::resolve)
        .await
        .map_err(|e| format!("the keychain could not be read: {e}"))?
        .map_err(|e| e.to_string())?;
    let endpoints = connection.endpoints();
    connection
        .queues
        .iter()
        .map(|queue| {
            let provider =
                provider_for(&key, queue, &endpoints.token, connection.use_token_service)?;
            let client = MnsClient::new(&endpoints.mns, provider)?;
            Ok((queue.clone(), client))
        })
        .collect::<Result<_, inlet_mns::MnsError>>()
        .map_err(|e| e.operator_message())
}

/// Signing keys for `queue`: temporary ones from the ChatApp token service, or the AccessKey
/// itself for a queue in the operator's own account.
pub fn provider_for(
    key: &AccessKey,
    queue: &str,
    token_endpoint: &str,
    use_token_service: bool,
) -> Result<Arc<dyn CredentialProvider>, inlet_mns::MnsError> {
    if use_token_service {
        let mut config = TokenConfig::new(queue);
        config.endpoint = token_endpoint.to_owned();
        return Ok(Arc::new(ChatAppTokenProvider::new(
            &key.id,
            &key.secret,
            config,
        )?));
    }
    let mut credentials = Credentials::new(&key.id, &key.secret);
    if let Some(token) = &key.security_token {
        credentials = credentials.with_security_token(token);
    }
    Ok(Arc::new(StaticCredentials::new(credentials)))
}
