//! One attachment download, from a claimed job to its recorded outcome.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::download::{self, Failure, Fetched, Limits};
use super::keeper::Inner;
use super::{filename, files, sniff};
use crate::store::MediaState;
use crate::store::media_jobs::{self, JobRef, MediaJob, SavedFile};

/// Progress reaches the database at most this often (the UI gets events more often).
const DB_PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

impl Inner {
    /// Downloads `job` and records the outcome. Never leaves the job `downloading` unless the
    /// database itself fails (then the next start recovers it).
    pub(super) async fn process_media(self: Arc<Self>, job: MediaJob) {
        let job_ref = JobRef {
            id: job.id,
            message_rowid: job.message_rowid,
        };
        self.emit_media(job_ref, MediaState::Downloading, Some(0), None);
        let temp = self.dirs.media_temp(job.id);
        let limits = Limits {
            size_cap: self.options.size_cap,
            stall: self.options.stall_timeout,
            attempt: self.options.attempt_timeout,
        };
        let mut progress = Progress::new(self.clone(), job_ref);
        let outcome = download::fetch(&self.client, &job.url, &temp, limits, &mut |done, total| {
            progress.update(done, total)
        })
        .await;
        let outcome = match outcome {
            Ok(fetched) => self.save(&job, fetched).await,
            Err(failure) => Err(failure),
        };
        let recorded = match outcome {
            Ok(()) => Ok(()),
            Err(failure) => self.fail(&job, failure).await,
        };
        if let Err(e) = recorded {
            tracing::error!(media_id = job.id, error = %e, "could not record a download's outcome");
        }
    }

    /// Moves a complete download into place and marks the job saved.
    async fn save(&self, job: &MediaJob, fetched: Fetched) -> Result<(), Failure> {
        let check = sniff::check(job.declared_mime.as_deref(), &fetched.head);
        let target = self.dirs.media_file(&fetched.sha256);
        let (temp, to) = (fetched.temp.clone(), target.clone());
        let committed = tokio::task::spawn_blocking(move || files::commit(&temp, &to)).await;
        if let Err(e) = committed
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        {
            let _ = files::remove_if_present(&fetched.temp);
            return Err(Failure::Retry(format!("could not save the file: {e}")));
        }
        if check.mismatch {
            tracing::warn!(
                media_id = job.id,
                declared = ?job.declared_mime,
                detected = ?check.detected,
                "an attachment's bytes do not match its declared type"
            );
        }
        let file = SavedFile {
            path: files::path_text(&target),
            sha256: fetched.sha256,
            bytes: fetched.bytes,
            display_name: filename::display_name(
                job.filename.as_deref(),
                job.kind,
                job.id,
                check.extension.as_deref(),
            ),
            detected_mime: check.detected,
            mime_mismatch: check.mismatch,
        };
        let (id, now) = (job.id, self.now());
        if let Err(e) = self
            .db(move |store| media_jobs::mark_saved(store.conn(), id, &file, now))
            .await
        {
            // The file is in place (a retry finds it and de-duplicates); the job is not.
            return Err(Failure::Retry(e.to_string()));
        }
        self.count(|r| {
            r.saved += 1;
            r.bytes_saved += fetched.bytes;
        });
        let job_ref = JobRef {
            id: job.id,
            message_rowid: job.message_rowid,
        };
        self.emit_media(
            job_ref,
            MediaState::Saved,
            Some(fetched.bytes),
            Some(fetched.bytes),
        );
        self.counts_changed();
        Ok(())
    }

    /// Records a failed attempt: final (`expired`, `too_large`) or `retrying` with backoff.
    async fn fail(&self, job: &MediaJob, failure: Failure) -> Result<(), super::MediaError> {
        let now = self.now();
        let (state, reason, next) = match failure {
            Failure::Expired(reason) | Failure::Refused(reason) => {
                (MediaState::Expired, reason, None)
            }
            Failure::TooLarge(reason) => (MediaState::TooLarge, reason, None),
            Failure::Retry(reason) if now >= job.deadline_ms => (
                MediaState::Expired,
                format!(
                    "the URL's 7-day lifetime passed before the file could be saved (last error: {reason})"
                ),
                None,
            ),
            Failure::Retry(reason) => {
                let next = now.saturating_add(self.retry_delay_ms(job.attempts));
                // Past the deadline the URL is dead: the last try is at the deadline at most,
                // and then the job expires.
                (
                    MediaState::Retrying,
                    reason,
                    Some(next.min(job.deadline_ms)),
                )
            }
        };
        let id = job.id;
        let db_reason = reason.clone();
        self.bookkeeping(move |conn| match next {
            Some(next) => media_jobs::mark_retrying(conn, id, &db_reason, next, now),
            None => media_jobs::mark_final(conn, id, state, &db_reason, now),
        })
        .await?;
        tracing::info!(media_id = job.id, state = state.as_str(), %reason, "download did not succeed");
        self.count(|r| match state {
            MediaState::Expired => r.expired += 1,
            MediaState::TooLarge => r.too_large += 1,
            _ => r.retries += 1,
        });
        let job_ref = JobRef {
            id: job.id,
            message_rowid: job.message_rowid,
        };
        self.emit_media(job_ref, state, None, None);
        if next.is_none() {
            self.counts_changed();
        }
        Ok(())
    }

    /// Exponential backoff with jitter: uniform in `[ceiling/2, ceiling]`, so retries of jobs
    /// that failed together spread out but never come sooner than half the ceiling.
    pub(super) fn retry_delay_ms(&self, attempt: u32) -> i64 {
        let unit = 0.5 + rand::random::<f64>() / 2.0;
        let delay = self.options.backoff.delay(attempt, unit);
        i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)
    }
}

/// Throttled progress: events for the UI every `progress_interval`, the database every second.
struct Progress {
    inner: Arc<Inner>,
    job: JobRef,
    last_event: Instant,
    last_db: Instant,
}

impl Progress {
    fn new(inner: Arc<Inner>, job: JobRef) -> Self {
        let now = Instant::now();
        Self {
            inner,
            job,
            last_event: now,
            last_db: now,
        }
    }

    fn update(&mut self, done: u64, total: Option<u64>) {
        let now = Instant::now();
        if now.duration_since(self.last_event) >= self.inner.options.progress_interval {
            self.last_event = now;
            self.inner
                .emit_media(self.job, MediaState::Downloading, Some(done), total);
        }
        if now.duration_since(self.last_db) >= DB_PROGRESS_INTERVAL {
            self.last_db = now;
            let (store, id) = (self.inner.store.clone(), self.job.id);
            // Fire and forget: a late write only touches a job still `downloading`.
            tokio::task::spawn_blocking(move || {
                if let Ok(mut store) = store.lock() {
                    let _ =
                        store.relaxed(|conn| media_jobs::record_progress(conn, id, done, total));
                }
            });
        }
    }
}
