//! The scheduler: claims due jobs (soonest deadline first) into a bounded set of downloads plus
//! one map lane, and sleeps until the next job is due, a wakeup, or a download ends.

use std::collections::HashSet;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::files::Dirs;
use super::{MediaError, MediaOptions, download, tiles};
use crate::error::StoreError;
use crate::events::{Event, EventSender};
use crate::store::media_jobs::{self, JobRef};
use crate::store::{MediaState, Store};
use crate::sync::{COUNTS_EVERY, CountsPublisher, SharedStore};

/// Longest sleep without looking at the database again (a safety net: due times are computed,
/// and wakeups announce new jobs).
const MAX_IDLE: Duration = Duration::from_secs(60);
/// Consecutive database failures after which the keeper gives up.
const MAX_DB_FAILURES: u32 = 5;
/// Pause after a database failure.
const DB_FAILURE_PAUSE: Duration = Duration::from_secs(2);

/// What one run of the keeper did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KeeperReport {
    pub saved: u64,
    #[ts(type = "number")]
    pub bytes_saved: u64,
    pub retries: u64,
    pub expired: u64,
    pub too_large: u64,
    pub maps_saved: u64,
    pub maps_failed: u64,
    pub tiles_fetched: u64,
    /// Jobs found mid-download at start (the previous run crashed or was killed).
    pub recovered: u64,
}

/// Saves attachments and map tiles; see the module documentation of `media`.
pub struct MediaKeeper {
    inner: Arc<Inner>,
}

/// The keeper's state, shared with its download tasks.
pub(super) struct Inner {
    pub store: SharedStore,
    pub dirs: Dirs,
    pub options: MediaOptions,
    pub events: EventSender,
    pub client: reqwest::Client,
    pub report: Mutex<KeeperReport>,
    /// Set while the keeper runs (see `drive`): status-bar counts, folded over bursts.
    counts: Mutex<Option<CountsPublisher>>,
}

/// What a finished task was doing.
enum Done {
    Media(i64),
    Map,
}

impl MediaKeeper {
    /// A keeper saving files under `data_dir` (`media/` and `tiles/` are created there).
    pub fn new(
        store: SharedStore,
        data_dir: impl AsRef<Path>,
        options: MediaOptions,
        events: EventSender,
    ) -> Result<MediaKeeper, MediaError> {
        validate(&options)?;
        let dirs = Dirs::new(data_dir.as_ref());
        dirs.create().map_err(|source| MediaError::DataDir {
            path: data_dir.as_ref().display().to_string(),
            source,
        })?;
        let client = download::client(
            &options.user_agent,
            options.max_redirects,
            options.connect_timeout,
        )
        .map_err(|e| MediaError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(MediaKeeper {
            inner: Arc::new(Inner {
                store,
                dirs,
                options,
                events,
                client,
                report: Mutex::default(),
                counts: Mutex::default(),
            }),
        })
    }

    /// Works until `cancel`: processes due jobs, then sleeps until the next is due or `wakeup`
    /// is notified (the sync engine notifies it when new attachments were stored).
    ///
    /// At start, jobs a crashed run left `downloading` go back to `queued` and leftover
    /// temporary files are removed. On cancel, downloads in flight are abandoned and their jobs
    /// queued again.
    pub async fn run(
        self,
        cancel: CancellationToken,
        wakeup: Arc<Notify>,
    ) -> Result<KeeperReport, MediaError> {
        self.drive(cancel, wakeup, Settle::Never).await
    }

    /// Like [`MediaKeeper::run`], but returns once every attachment is settled: saved, expired
    /// or too large. Attachments that are retrying are waited for until they succeed or their
    /// deadline passes. When a tile server is configured, every location's map is tried at least
    /// once; maps waiting to retry are left for the next run (they have no deadline).
    pub async fn run_until_settled(
        self,
        cancel: CancellationToken,
        wakeup: Arc<Notify>,
    ) -> Result<KeeperReport, MediaError> {
        self.drive(cancel, wakeup, Settle::Now).await
    }

    /// Like [`MediaKeeper::run_until_settled`], but only stops once `inputs_done` has also
    /// resolved: `inlet sync --until-empty` runs the keeper while the queue drains (which may
    /// add jobs) and lets it settle afterwards.
    pub async fn run_until_settled_after(
        self,
        cancel: CancellationToken,
        wakeup: Arc<Notify>,
        inputs_done: impl Future<Output = ()> + Send + 'static,
    ) -> Result<KeeperReport, MediaError> {
        self.drive(cancel, wakeup, Settle::After(Box::pin(inputs_done)))
            .await
    }

    async fn drive(
        self,
        cancel: CancellationToken,
        wakeup: Arc<Notify>,
        settle: Settle,
    ) -> Result<KeeperReport, MediaError> {
        let inner = self.inner;
        let (counts, counts_task) =
            CountsPublisher::start(inner.store.clone(), inner.events.clone(), COUNTS_EVERY);
        *lock(&inner.counts) = Some(counts);
        let result = Self::work(&inner, cancel, wakeup, settle).await;
        lock(&inner.counts).take();
        counts_task.finish().await;
        result
    }

    async fn work(
        inner: &Arc<Inner>,
        cancel: CancellationToken,
        wakeup: Arc<Notify>,
        settle: Settle,
    ) -> Result<KeeperReport, MediaError> {
        inner.recover().await?;
        let mut work = Work::default();
        // `inputs`: what must happen before settling may end the run.
        let (may_settle, mut inputs_done, mut inputs): (bool, bool, Inputs) = match settle {
            Settle::Never => (false, false, Box::pin(std::future::pending())),
            Settle::Now => (true, true, Box::pin(std::future::ready(()))),
            Settle::After(fut) => (true, false, fut),
        };
        let mut failures = 0;
        while !cancel.is_cancelled() {
            let step = inner.step(&mut work, may_settle && inputs_done).await;
            let wait = match step {
                Ok(Step::Settled) => break,
                Ok(Step::Wait(wait)) => {
                    failures = 0;
                    wait
                }
                Err(err) => {
                    failures += 1;
                    tracing::error!(error = %err, failures, "media keeper: database problem");
                    inner.events.emit(Event::Problem {
                        message: err.to_string(),
                    });
                    if failures >= MAX_DB_FAILURES {
                        inner.stop(&mut work).await;
                        return Err(err);
                    }
                    DB_FAILURE_PAUSE
                }
            };
            tokio::select! {
                () = cancel.cancelled() => break,
                () = wakeup.notified() => {}
                Some(joined) = work.tasks.join_next(), if !work.tasks.is_empty() => {
                    work.finished(joined);
                }
                () = &mut inputs, if !inputs_done => inputs_done = true,
                () = tokio::time::sleep(wait) => {}
            }
        }
        inner.stop(&mut work).await;
        Ok(inner.report())
    }
}

type Inputs = Pin<Box<dyn Future<Output = ()> + Send>>;

enum Settle {
    Never,
    Now,
    After(Inputs),
}

enum Step {
    /// Nothing is left to do and the caller asked to stop then.
    Settled,
    /// Sleep at most this long before looking again.
    Wait(Duration),
}

/// The tasks in flight.
#[derive(Default)]
struct Work {
    tasks: JoinSet<Done>,
    media: HashSet<i64>,
    map_busy: bool,
}

impl Work {
    fn finished(&mut self, joined: Result<Done, tokio::task::JoinError>) {
        match joined {
            Ok(Done::Media(id)) => {
                self.media.remove(&id);
            }
            Ok(Done::Map) => self.map_busy = false,
            // A task only ends this way by panicking, which it must not; the job stays
            // `downloading` and is recovered at the next start.
            Err(e) => tracing::error!(error = %e, "a media task failed"),
        }
    }
}

impl Inner {
    /// Runs `f` with the store on a blocking thread.
    pub(super) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, MediaError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = store
                .lock()
                .map_err(|_| MediaError::Store("the store is poisoned".into()))?;
            f(&mut store).map_err(|e| MediaError::Store(e.to_string()))
        })
        .await
        .map_err(|e| MediaError::Store(format!("a database task failed: {e}")))?
    }

    /// [`Self::db`] for the keeper's own bookkeeping, committed without waiting for the disk:
    /// see [`Store::relaxed`] for why losing it loses nothing.
    pub(super) async fn bookkeeping<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, MediaError> {
        self.db(move |store| store.relaxed(f)).await
    }

    pub(super) fn now(&self) -> i64 {
        (self.options.clock)()
    }

    pub(super) fn report(&self) -> KeeperReport {
        lock(&self.report).clone()
    }

    pub(super) fn count(&self, f: impl FnOnce(&mut KeeperReport)) {
        f(&mut lock(&self.report));
    }

    pub(super) fn emit_media(
        &self,
        job: JobRef,
        state: MediaState,
        bytes_done: Option<u64>,
        bytes_total: Option<u64>,
    ) {
        self.events.emit(Event::MediaChanged {
            media_id: job.id,
            message_rowid: job.message_rowid,
            state: state.as_str().to_owned(),
            bytes_done,
            bytes_total,
        });
    }

    /// The status-bar figures changed (the number of attachments at risk).
    pub(super) fn counts_changed(&self) {
        if let Some(counts) = lock(&self.counts).as_ref() {
            counts.changed();
        }
    }

    /// Picks up after a crash: interrupted jobs back to the queue, partial files removed.
    async fn recover(&self) -> Result<(), MediaError> {
        let dirs = self.dirs.clone();
        let removed = tokio::task::spawn_blocking(move || dirs.clean_temp())
            .await
            .map_err(|e| MediaError::Store(format!("cleaning up failed: {e}")))?
            .map_err(|source| MediaError::DataDir {
                path: "temporary download folder".into(),
                source,
            })?;
        let now = self.now();
        let requeued = self
            .db(move |store| media_jobs::requeue_downloading(store.conn(), now))
            .await?;
        if requeued > 0 || removed > 0 {
            tracing::info!(
                requeued,
                removed,
                "resuming downloads an earlier run left unfinished"
            );
        }
        self.count(|r| r.recovered += requeued as u64);
        Ok(())
    }

    /// Expires what is overdue, starts what is due, and says how long to wait.
    async fn step(self: &Arc<Self>, work: &mut Work, may_settle: bool) -> Result<Step, MediaError> {
        let now = self.now();
        let expired = self
            .bookkeeping(move |conn| media_jobs::expire_overdue(conn, now))
            .await?;
        for job in &expired {
            self.emit_media(*job, MediaState::Expired, None, None);
        }
        if !expired.is_empty() {
            self.count(|r| r.expired += expired.len() as u64);
            self.counts_changed();
        }
        self.start_media(work, now).await?;
        self.start_map(work, now).await?;
        if may_settle && work.tasks.is_empty() && self.settled().await? {
            return Ok(Step::Settled);
        }
        Ok(Step::Wait(self.until_next_due(work).await?))
    }

    async fn start_media(self: &Arc<Self>, work: &mut Work, now: i64) -> Result<(), MediaError> {
        while work.media.len() < self.options.concurrency {
            let claimed = self
                .bookkeeping(move |conn| media_jobs::claim_due(conn, now))
                .await?;
            let Some(job) = claimed else { break };
            work.media.insert(job.id);
            let me = self.clone();
            work.tasks.spawn(async move {
                let id = job.id;
                me.process_media(job).await;
                Done::Media(id)
            });
        }
        Ok(())
    }

    async fn start_map(self: &Arc<Self>, work: &mut Work, now: i64) -> Result<(), MediaError> {
        if self.options.tile_server.is_none() || work.map_busy {
            return Ok(());
        }
        let job = self
            .db(move |store| media_jobs::next_map_job(store.conn(), now))
            .await?;
        if let Some(job) = job {
            work.map_busy = true;
            let me = self.clone();
            work.tasks.spawn(async move {
                me.process_map(job).await;
                Done::Map
            });
        }
        Ok(())
    }

    async fn settled(&self) -> Result<bool, MediaError> {
        let maps = self.options.tile_server.is_some();
        self.db(move |store| {
            let media = media_jobs::unsettled(store.conn())?;
            let maps = if maps {
                media_jobs::untried_maps(store.conn())?
            } else {
                0
            };
            Ok(media == 0 && maps == 0)
        })
        .await
    }

    /// Time until the next job a free lane could take is due.
    async fn until_next_due(&self, work: &Work) -> Result<Duration, MediaError> {
        let media_lane_free = work.media.len() < self.options.concurrency;
        let map_lane_free = self.options.tile_server.is_some() && !work.map_busy;
        let next = self
            .db(move |store| {
                let media = if media_lane_free {
                    media_jobs::next_due_ms(store.conn())?
                } else {
                    None
                };
                let map = if map_lane_free {
                    media_jobs::next_map_due_ms(store.conn())?
                } else {
                    None
                };
                Ok(media.into_iter().chain(map).min())
            })
            .await?;
        Ok(match next {
            Some(due) => {
                let ms = u64::try_from(due.saturating_sub(self.now())).unwrap_or(0);
                Duration::from_millis(ms).min(MAX_IDLE)
            }
            None => MAX_IDLE,
        })
    }

    /// Abandons the tasks in flight and puts their jobs back in the queue.
    async fn stop(&self, work: &mut Work) {
        work.tasks.abort_all();
        while work.tasks.join_next().await.is_some() {}
        let ids: Vec<i64> = work.media.drain().collect();
        work.map_busy = false;
        if ids.is_empty() {
            return;
        }
        let now = self.now();
        if let Err(e) = self
            .db(move |store| media_jobs::requeue(store.conn_mut(), &ids, now))
            .await
        {
            tracing::warn!(error = %e, "interrupted downloads stay marked as downloading until the next start");
        }
        let dirs = self.dirs.clone();
        // Partial files of the abandoned downloads; nothing else is in flight now.
        let _ = tokio::task::spawn_blocking(move || dirs.clean_temp()).await;
    }
}

fn validate(options: &MediaOptions) -> Result<(), MediaError> {
    if options.concurrency == 0 {
        return Err(MediaError::Config("concurrency must be at least 1".into()));
    }
    if let Some(tiles) = &options.tile_server {
        let template = &tiles.url_template;
        if !["{z}", "{x}", "{y}"].iter().all(|p| template.contains(p)) {
            return Err(MediaError::Config(format!(
                "the tile URL template {template:?} needs {{z}}, {{x}} and {{y}}"
            )));
        }
        download::check_url(&tiles::tile_url(template, 1, 0, 0)).map_err(|_| {
            MediaError::Config(format!("the tile URL {template:?} is not an http(s) URL"))
        })?;
        if let Some(z) = tiles
            .zooms
            .iter()
            .find(|z| **z == 0 || **z > tiles::MAX_ZOOM)
        {
            return Err(MediaError::Config(format!(
                "zoom level {z} is not between 1 and {}",
                tiles::MAX_ZOOM
            )));
        }
    }
    Ok(())
}

/// A poisoned lock only means a task panicked while holding it; the data (figures, a handle)
/// stays usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
