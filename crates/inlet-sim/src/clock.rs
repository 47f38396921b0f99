//! The simulator's notion of "now": the wall clock plus an adjustable offset.
//!
//! Why an offset instead of a fake clock: the queue's deadlines (visibility timeouts, delays,
//! retention, STS expiry, media URL expiry) must move when a test says "an hour passes", while
//! long polls and HTTP dates must keep tracking real time between those jumps. Every part of the
//! simulator shares one `Clock` (it is a cheap `Arc` clone), so one `advance` moves them all.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeZone, Utc};
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct Inner {
    offset_ms: AtomicI64,
    /// Woken on every `advance`, so waiters whose deadline is measured on this clock re-check.
    advanced: Notify,
}

/// Shared, cheaply clonable clock. `Clock::default()` equals `Clock::new()`.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    inner: Arc<Inner>,
}

impl Clock {
    /// A clock that starts at the wall-clock time (offset 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Milliseconds since the Unix epoch, including the offset.
    pub fn now_ms(&self) -> i64 {
        wall_ms().saturating_add(self.inner.offset_ms.load(Ordering::SeqCst))
    }

    /// The current instant as a UTC date-time, including the offset.
    pub fn now_utc(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.now_ms())
            .single()
            .unwrap_or_else(Utc::now)
    }

    /// Whole seconds since the Unix epoch, including the offset.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves this clock (and every clone of it) forward by `by`, then wakes everyone waiting in
    /// [`Clock::advanced`] so deadlines that have now passed are noticed without real waiting.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.inner.offset_ms.fetch_add(ms, Ordering::SeqCst);
        self.inner.advanced.notify_waiters();
    }

    /// How far this clock is ahead of the wall clock.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(
            u64::try_from(self.inner.offset_ms.load(Ordering::SeqCst)).unwrap_or(0),
        )
    }

    /// Resolves at the next [`Clock::advance`]. Create the future *before* checking the state
    /// you wait on (as with any `Notify`), then await it.
    pub fn advanced(&self) -> tokio::sync::futures::Notified<'_> {
        self.inner.advanced.notified()
    }

    /// Real time to wait until this clock reads `deadline_ms` (zero if it already does).
    pub fn until(&self, deadline_ms: i64) -> Duration {
        Duration::from_millis(u64::try_from(deadline_ms.saturating_sub(self.now_ms())).unwrap_or(0))
    }
}

/// Milliseconds since the Unix epoch by the machine's clock, ignoring any offset.
pub fn wall_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_every_clone() {
        let a = Clock::new();
        let b = a.clone();
        let before = b.now_ms();
        a.advance(Duration::from_secs(3600));
        assert!(b.now_ms() >= before + 3_600_000);
        assert_eq!(b.offset(), Duration::from_secs(3600));
        assert!(b.now_utc().timestamp_millis() >= before + 3_600_000);
    }

    #[test]
    fn until_is_zero_for_past_deadlines() {
        let c = Clock::new();
        assert_eq!(c.until(c.now_ms() - 5), Duration::ZERO);
        assert!(c.until(c.now_ms() + 60_000) > Duration::from_secs(50));
    }

    #[tokio::test]
    async fn advance_wakes_waiters() {
        let c = Clock::new();
        let waiter = c.clone();
        let notified = waiter.advanced();
        tokio::pin!(notified);
        notified.as_mut().enable();
        c.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(5), notified)
            .await
            .expect("woken by advance");
    }
}
