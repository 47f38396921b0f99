//! The receive loop the sync engine drives (spec §7, "Recommended Rust client loop").
//!
//! `next_batch` hides everything that is not a batch of messages: empty long polls, the
//! anti-abuse fast 404s, transient failures (exponential backoff with full jitter) and refused
//! keys (one immediate retry with fresh keys, then slow retries). What it hides, it publishes as
//! [`Connectivity`] for the UI.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::client::{MAX_BATCH, MAX_WAIT_SECONDS, Queue};
use crate::error::MnsError;
use crate::message::ReceivedMessage;

/// The link to the queue, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum Connectivity {
    /// No answer yet.
    Connecting,
    /// The queue answers; `since_ms` is when it started to (ms since the epoch).
    Connected {
        #[ts(type = "number")]
        since_ms: u64,
    },
    /// A transient failure; the next try is at `retry_at_ms`. `reason` is an operator sentence.
    BackingOff {
        reason: String,
        #[ts(type = "number")]
        retry_at_ms: u64,
        attempt: u32,
    },
    /// Alibaba Cloud refused the keys even after fetching fresh ones. `message` says what to do.
    CredentialsRejected {
        access_key_id: String,
        code: String,
        message: String,
    },
    /// Shut down; `next_batch` returns nothing any more.
    Stopped,
}

/// Exponential backoff: the ceiling doubles from `initial` up to `max`; the actual delay is drawn
/// uniformly below it ("full jitter"), so many clients never retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The ceiling for the `attempt`-th consecutive failure (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }

    /// The delay for `attempt`, given `unit` uniform in `[0, 1)`.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        self.ceiling(attempt).mul_f64(unit.clamp(0.0, 1.0))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
}

/// Tuning of the loop; the defaults are the production values, tests shrink the durations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollConfig {
    /// Messages per request, 1..=16.
    pub batch_size: usize,
    /// Long-poll duration, 0..=30 s.
    pub wait_seconds: u32,
    /// An empty answer faster than this is the service's anti-abuse limit on concurrent long
    /// polls (spec §4.5), not a finished long poll...
    pub fast_empty_threshold: Duration,
    /// ...and is followed by this pause instead of an immediate new poll.
    pub fast_empty_pause: Duration,
    pub backoff: Backoff,
    /// Pause between tries once keys were refused twice in a row.
    pub credentials_retry: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            batch_size: MAX_BATCH,
            wait_seconds: MAX_WAIT_SECONDS,
            fast_empty_threshold: Duration::from_secs(1),
            fast_empty_pause: Duration::from_secs(2),
            backoff: Backoff::default(),
            credentials_retry: Duration::from_secs(60),
        }
    }
}

pub struct Poller {
    queue: Queue,
    config: PollConfig,
    state: watch::Sender<Connectivity>,
    cancel: CancellationToken,
    /// Consecutive transient failures.
    attempt: u32,
    /// The one immediate retry after refused keys has been spent.
    fresh_keys_tried: bool,
}

impl Poller {
    /// Out-of-range sizes are clamped to what the service accepts.
    pub fn new(queue: Queue, mut config: PollConfig) -> Self {
        config.batch_size = config.batch_size.clamp(1, MAX_BATCH);
        config.wait_seconds = config.wait_seconds.min(MAX_WAIT_SECONDS);
        let (state, _) = watch::channel(Connectivity::Connecting);
        Self {
            queue,
            config,
            state,
            cancel: CancellationToken::new(),
            attempt: 0,
            fresh_keys_tried: false,
        }
    }

    /// Stops when `token` is cancelled (instead of the poller's own token).
    pub fn with_cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    /// Cancelling this token makes `next_batch` return an empty batch promptly.
    pub fn cancellation(&self) -> CancellationToken {
        self.cancel.clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Connectivity> {
        self.state.subscribe()
    }

    pub fn connectivity(&self) -> Connectivity {
        self.state.borrow().clone()
    }

    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Waits for the next non-empty batch. Returns an empty batch only after shutdown.
    ///
    /// Cancelling drops an in-flight long poll; messages the service was handing to it stay
    /// invisible until their visibility timeout and are then delivered again (nothing is lost).
    pub async fn next_batch(&mut self) -> Vec<ReceivedMessage> {
        loop {
            if self.cancel.is_cancelled() {
                return self.stop();
            }
            let started = Instant::now();
            let result = tokio::select! {
                biased;
                () = self.cancel.cancelled() => return self.stop(),
                result = self.queue.batch_receive(self.config.batch_size, self.config.wait_seconds) => result,
            };
            let pause = match result {
                Ok(messages) => {
                    self.on_answer();
                    if !messages.is_empty() {
                        return messages;
                    }
                    if started.elapsed() >= self.config.fast_empty_threshold {
                        continue;
                    }
                    self.config.fast_empty_pause
                }
                Err(err) => self.on_error(&err),
            };
            if !self.pause(pause).await {
                return self.stop();
            }
        }
    }

    fn on_answer(&mut self) {
        self.attempt = 0;
        self.fresh_keys_tried = false;
        self.state.send_if_modified(|state| {
            if matches!(state, Connectivity::Connected { .. }) {
                return false;
            }
            *state = Connectivity::Connected { since_ms: now_ms() };
            true
        });
    }

    /// Publishes what went wrong and returns how long to wait before the next try.
    fn on_error(&mut self, err: &MnsError) -> Duration {
        if err.is_credentials_problem() {
            return self.on_refused_keys(err);
        }
        self.attempt = self.attempt.saturating_add(1);
        let delay = self
            .config
            .backoff
            .delay(self.attempt, rand::random::<f64>());
        tracing::warn!(error = %err, attempt = self.attempt, ?delay, "queue request failed; backing off");
        self.state.send_replace(Connectivity::BackingOff {
            reason: err.operator_message(),
            retry_at_ms: now_ms().saturating_add(millis(delay)),
            attempt: self.attempt,
        });
        delay
    }

    /// The client already told the credential provider to drop the refused keys, so the first
    /// retry uses fresh ones. Only a second refusal is the operator's business.
    fn on_refused_keys(&mut self, err: &MnsError) -> Duration {
        if !self.fresh_keys_tried {
            self.fresh_keys_tried = true;
            tracing::info!(
                code = err.code(),
                "keys refused; retrying once with fresh ones"
            );
            return Duration::ZERO;
        }
        tracing::warn!(error = %err, "keys refused again");
        let access_key_id = err
            .info()
            .and_then(|i| i.access_key_id.clone())
            .unwrap_or_default();
        self.state.send_replace(Connectivity::CredentialsRejected {
            access_key_id,
            code: err.code().to_owned(),
            message: err.operator_message(),
        });
        self.config.credentials_retry
    }

    /// Sleeps unless cancelled first; `false` means cancelled.
    async fn pause(&self, duration: Duration) -> bool {
        if duration.is_zero() {
            return !self.cancel.is_cancelled();
        }
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => false,
            () = tokio::time::sleep(duration) => true,
        }
    }

    fn stop(&mut self) -> Vec<ReceivedMessage> {
        self.state.send_if_modified(|state| {
            let changed = *state != Connectivity::Stopped;
            *state = Connectivity::Stopped;
            changed
        });
        Vec::new()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_ceiling_doubles_up_to_the_cap() {
        let b = Backoff::default();
        let secs: Vec<u64> = (1..=8).map(|a| b.ceiling(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(b.ceiling(0), Duration::from_secs(1));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(60), "no overflow");
    }

    #[test]
    fn full_jitter_stays_below_the_ceiling() {
        let b = Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
        };
        assert_eq!(b.delay(3, 0.5), Duration::from_millis(20));
        assert_eq!(b.delay(3, 0.0), Duration::ZERO);
        let near_top = b.delay(9, 0.999_999);
        assert!(
            near_top < Duration::from_millis(50) && near_top > Duration::from_micros(49_990),
            "{near_top:?}"
        );
        assert_eq!(
            b.delay(9, 7.0),
            Duration::from_millis(50),
            "a bad unit is clamped"
        );
    }

    #[test]
    fn connectivity_serialises_with_a_state_tag() {
        let json = serde_json::to_value(Connectivity::BackingOff {
            reason: "r".into(),
            retry_at_ms: 5,
            attempt: 2,
        });
        assert_eq!(
            json.unwrap(),
            serde_json::json!({"state": "backing_off", "reason": "r", "retry_at_ms": 5, "attempt": 2})
        );
        assert_eq!(
            serde_json::to_value(Connectivity::Stopped).unwrap(),
            serde_json::json!({"state": "stopped"})
        );
    }
}
