//! Acknowledging = deleting from the queue, only ever after the batch was committed.

use std::time::Duration;

use inlet_mns::MAX_BATCH;

use super::SyncEngine;

impl SyncEngine {
    /// Deletes the committed batch from the queue, retrying transient failures a few times.
    ///
    /// A delete that finally fails loses nothing: the messages come back after their visibility
    /// timeout and the store counts them as duplicates. A per-handle `MessageNotExist` means the
    /// handle went stale (the message was delivered again meanwhile): also harmless.
    pub(super) async fn acknowledge(&mut self, handles: &[String]) {
        // BatchDeleteMessage takes at most 16 handles; a drain stores several batches at once.
        for chunk in handles.chunks(MAX_BATCH) {
            self.acknowledge_batch(chunk).await;
        }
    }

    async fn acknowledge_batch(&mut self, handles: &[String]) {
        let mut pending: Vec<String> = handles.to_vec();
        for attempt in 1..=self.options.delete_attempts.max(1) {
            match self.queue.batch_delete(&pending).await {
                Ok(outcome) => {
                    self.stats.deleted += (pending.len() - outcome.failed.len()) as u64;
                    pending = self.retryable_failures(outcome.failed);
                    if pending.is_empty() {
                        return;
                    }
                }
                Err(err) if err.is_retryable() => {
                    tracing::warn!(error = %err, attempt, "batch delete failed; retrying");
                }
                Err(err) => {
                    tracing::warn!(error = %err, "batch delete refused; the batch will be redelivered and deduplicated");
                    return;
                }
            }
            let pause = self
                .options
                .poll
                .backoff
                .delay(attempt, rand::random::<f64>());
            tokio::select! {
                () = self.cancel.cancelled() => return,
                () = tokio::time::sleep(pause.max(Duration::from_millis(10))) => {}
            }
        }
        tracing::warn!(
            left = pending.len(),
            "some messages could not be acknowledged; they will be redelivered and deduplicated"
        );
    }

    /// Keeps the handles worth another try; counts and forgets stale or invalid ones.
    fn retryable_failures(&mut self, failed: Vec<(String, inlet_mns::MnsError)>) -> Vec<String> {
        let mut retry = Vec::new();
        for (handle, err) in failed {
            if err.is_retryable() {
                retry.push(handle);
            } else {
                self.stats.stale_handles += 1;
                tracing::debug!(code = err.code(), "handle no longer valid at delete time");
            }
        }
        retry
    }
}
