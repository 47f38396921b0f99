//! `--until-empty`: receive until the queue holds nothing, visible or in flight.

use std::time::Duration;

use inlet_mns::{MAX_BATCH, MnsError, Queue};

use super::{Decoded, SyncEngine, SyncError, SyncStats};

/// A short wait: when the queue answers empty, its attributes decide whether we are done.
const DRAIN_WAIT_SECONDS: u32 = 1;
/// Full batches stored in one transaction while draining a backlog. One commit (one fsync, one
/// full-text index flush) per 256 messages instead of per 16 is what makes a 100,000-message
/// backlog quick (per 128 the store took about 15% longer); a message still waits at most for
/// 16 quick receives before it is stored.
const BATCHES_PER_COMMIT: usize = 16;

impl SyncEngine {
    /// Stores and acknowledges everything in the queue, then returns.
    ///
    /// "Empty" means the queue's attributes show no active, in-flight or delayed message, so
    /// messages that an earlier, crashed collector had received (in flight until their visibility
    /// timeout) are waited for and stored too. Refused credentials end the drain with an error.
    pub async fn drain(&mut self) -> Result<SyncStats, SyncError> {
        let counts = self.start_counts();
        let result = self.drain_queue().await;
        self.stop_counts(counts).await;
        result
    }

    async fn drain_queue(&mut self) -> Result<SyncStats, SyncError> {
        let (queue, cancel) = (self.queue.clone(), self.cancel.clone());
        let mut failures = 0u32;
        // The group received while the previous one was being stored.
        let mut ahead = None;
        while !self.cancel.is_cancelled() {
            let received = match ahead.take() {
                Some(received) => received,
                None => tokio::select! {
                    () = self.cancel.cancelled() => break,
                    r = receive_group(&queue) => r,
                },
            };
            let step = match received {
                Ok(batch) if !batch.is_empty() => {
                    // Storing is the writer thread's work and receiving the network's: the next
                    // group is received while this one is stored and acknowledged. If storing
                    // fails, that group is simply not deleted: the queue hands it out again
                    // after its visibility timeout, as after a crash.
                    let (stored, next) = tokio::join!(self.handle_decoded(batch), async {
                        tokio::select! {
                            () = cancel.cancelled() => None,
                            r = receive_group(&queue) => Some(r),
                        }
                    });
                    ahead = next;
                    stored.map(|()| Step::More)
                }
                Ok(_) => self.looks_empty().await,
                Err(err) => Err(SyncError::Queue(err)),
            };
            match step {
                Ok(Step::Done) => break,
                Ok(Step::More) => failures = 0,
                Ok(Step::Wait) => self.pause(self.options.poll.fast_empty_pause).await,
                Err(SyncError::Queue(err)) if retry_worthy(&err, failures) => {
                    failures += 1;
                    tracing::warn!(error = %err, failures, "queue request failed; retrying");
                    let delay = self
                        .options
                        .poll
                        .backoff
                        .delay(failures, rand::random::<f64>());
                    self.pause(delay).await;
                }
                Err(err) => return Err(err),
            }
        }
        Ok(self.stats.clone())
    }

    /// After an empty receive: done if nothing is left, else keep going.
    async fn looks_empty(&self) -> Result<Step, SyncError> {
        let attrs = self.queue.attributes().await?;
        if attrs.active_messages == 0 && attrs.inactive_messages == 0 && attrs.delay_messages == 0 {
            return Ok(Step::Done);
        }
        if attrs.active_messages > 0 {
            // Visible messages, yet an empty answer: the anti-abuse fast 404. Pause, then retry.
            return Ok(Step::Wait);
        }
        // Only in-flight or delayed ones: the next receive's long poll waits for them.
        Ok(Step::More)
    }

    async fn pause(&self, duration: Duration) {
        tokio::select! {
            () = self.cancel.cancelled() => {}
            () = tokio::time::sleep(duration) => {}
        }
    }
}

/// One receive, and while the answers come back full, up to [`BATCHES_PER_COMMIT`] more
/// without waiting. A failure after the first keeps what was received (the error comes back on
/// the next call if it lasts). The group comes back decoded.
async fn receive_group(queue: &Queue) -> Result<Decoded, MnsError> {
    let mut group = queue.batch_receive(MAX_BATCH, DRAIN_WAIT_SECONDS).await?;
    let mut last = group.len();
    for _ in 1..BATCHES_PER_COMMIT {
        if last < MAX_BATCH {
            break;
        }
        match queue.batch_receive(MAX_BATCH, 0).await {
            Ok(more) => {
                last = more.len();
                group.extend(more);
            }
            Err(err) => {
                tracing::debug!(error = %err, "stopped gathering a group of batches");
                break;
            }
        }
    }
    // Decoded here, beside the writer's work on the previous group rather than before it.
    Ok(Decoded::new(group))
}

enum Step {
    More,
    Wait,
    Done,
}

/// Transient failures are retried indefinitely; refused keys get one more chance (the provider
/// fetches fresh temporary keys after a 403), then the drain fails with the operator's sentence.
fn retry_worthy(err: &MnsError, failures: u32) -> bool {
    err.is_retryable() || (err.is_credentials_problem() && failures == 0)
}
