//! Status-bar figures ([`Event::Counts`]) after changes, without a count query per change.
//!
//! The counts read the whole store's state (unread chats, messages today, attachments at risk),
//! so asking after every batch of 16 made a 100,000-message backlog pay thousands of queries on
//! the writer connection. Here the first change is told at once and later ones within
//! [`COUNTS_EVERY`] are folded into one trailing update; stopping publishes whatever is pending,
//! so the last figures are always right.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::SharedStore;
use crate::events::{Event, EventSender};
use crate::store::Queries as _;

/// Shortest time between two published counts.
pub const COUNTS_EVERY: Duration = Duration::from_millis(500);

/// Tells a background task that the counts changed. Cheap to clone and to call.
#[derive(Clone)]
pub struct CountsPublisher {
    pending: Arc<AtomicBool>,
    wake: Arc<Notify>,
}

/// The running publisher; [`CountsTask::finish`] stops it after a last publish.
pub struct CountsTask {
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl CountsPublisher {
    /// Starts the publishing task on the current Tokio runtime.
    pub fn start(store: SharedStore, events: EventSender, every: Duration) -> (Self, CountsTask) {
        let publisher = CountsPublisher {
            pending: Arc::new(AtomicBool::new(false)),
            wake: Arc::new(Notify::new()),
        };
        let stop = CancellationToken::new();
        let task = tokio::spawn(publish_loop(
            publisher.clone(),
            store,
            events,
            every,
            stop.clone(),
        ));
        (
            publisher,
            CountsTask {
                stop,
                task: Some(task),
            },
        )
    }

    /// The counts may have changed.
    pub fn changed(&self) {
        self.pending.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    fn take_pending(&self) -> bool {
        self.pending.swap(false, Ordering::AcqRel)
    }
}

impl CountsTask {
    /// Stops the task; counts still pending are published first.
    pub async fn finish(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for CountsTask {
    fn drop(&mut self) {
        // Dropped without `finish` (the owner was cancelled): do not leave the task behind.
        self.stop.cancel();
    }
}

async fn publish_loop(
    publisher: CountsPublisher,
    store: SharedStore,
    events: EventSender,
    every: Duration,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = publisher.wake.notified() => {}
        }
        if publisher.take_pending() {
            publish(&store, &events).await;
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
    if publisher.take_pending() {
        publish(&store, &events).await;
    }
}

async fn publish(store: &SharedStore, events: &EventSender) {
    let store = store.clone();
    let counts = tokio::task::spawn_blocking(move || store.lock().ok()?.counts().ok())
        .await
        .ok()
        .flatten();
    if let Some(counts) = counts {
        events.emit(Event::Counts { counts });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::events::{self, EventReceiver};

    fn store() -> (tempfile::TempDir, SharedStore) {
        let (dir, store) = crate::test_support::temp_store();
        (dir, Arc::new(Mutex::new(store)))
    }

    fn counts_in(receiver: &mut EventReceiver) -> usize {
        let mut n = 0;
        while let Some(event) = receiver.try_recv() {
            if matches!(event, Event::Counts { .. }) {
                n += 1;
            }
        }
        n
    }

    /// The next Counts event (there must be one within seconds).
    async fn next_counts(receiver: &mut EventReceiver) {
        let wait = async {
            while let Some(event) = receiver.recv().await {
                if matches!(event, Event::Counts { .. }) {
                    return;
                }
            }
            panic!("the channel closed");
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .expect("no counts were published");
    }

    // The tests run on a current-thread runtime: a loop without `.await` finishes before the
    // publishing task runs again, so what it folds together is certain, not a matter of timing.

    #[tokio::test]
    async fn the_first_change_is_told_at_once_and_a_burst_after_it_once() {
        let (_dir, store) = store();
        let (sender, mut receiver) = events::channel(64);
        let (publisher, task) = CountsPublisher::start(store, sender, Duration::from_millis(20));
        publisher.changed();
        next_counts(&mut receiver).await;
        for _ in 0..1000 {
            publisher.changed();
        }
        next_counts(&mut receiver).await;
        task.finish().await;
        assert_eq!(counts_in(&mut receiver), 0, "the burst was one update");
    }

    #[tokio::test]
    async fn finishing_publishes_what_is_pending() {
        let (_dir, store) = store();
        let (sender, mut receiver) = events::channel(64);
        // A period far longer than the test: the only later publish can come from `finish`.
        let (publisher, task) = CountsPublisher::start(store, sender, Duration::from_secs(3600));
        publisher.changed();
        next_counts(&mut receiver).await;
        for _ in 0..1000 {
            publisher.changed();
        }
        task.finish().await;
        assert_eq!(
            counts_in(&mut receiver),
            1,
            "the changes pending at the end are told once"
        );
    }

    #[tokio::test]
    async fn no_change_no_publish() {
        let (_dir, store) = store();
        let (sender, mut receiver) = events::channel(64);
        let (_publisher, task) = CountsPublisher::start(store, sender, Duration::from_millis(1));
        task.finish().await;
        assert_eq!(counts_in(&mut receiver), 0);
    }
}
