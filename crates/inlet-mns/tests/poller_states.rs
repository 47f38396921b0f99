//! The poll loop against a scripted queue: what it hides from the engine, it publishes as
//! connectivity. Replies wait on gates the test opens only after seeing the expected state, so
//! every transition is observed without sleeping.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Gate, Reply, Server};
use inlet_mns::{
    Backoff, Connectivity, Credentials, MnsClient, PollConfig, Poller, StaticCredentials,
};
use tokio::sync::watch;

const QUEUE: &str = "Alicom-Queue-1-ChatAppInbound";

fn fast_config() -> PollConfig {
    PollConfig {
        batch_size: 16,
        wait_seconds: 30,
        fast_empty_threshold: Duration::from_secs(1),
        fast_empty_pause: Duration::from_millis(1),
        backoff: Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(4),
        },
        credentials_retry: Duration::from_millis(1),
    }
}

fn poller(server: &Server) -> Poller {
    let provider = Arc::new(StaticCredentials::new(Credentials::new(
        "LTAIpoller",
        "secret",
    )));
    let queue = MnsClient::new(&server.url(), provider)
        .unwrap()
        .queue(QUEUE);
    Poller::new(queue, fast_config())
}

fn two_messages() -> Reply {
    let one = |id: &str| {
        format!(
            "<Message><MessageId>{id}</MessageId><ReceiptHandle>h-{id}</ReceiptHandle><MessageBody>e30=</MessageBody></Message>"
        )
    };
    Reply::xml(
        200,
        &format!("<Messages>{}{}</Messages>", one("A"), one("B")),
    )
}

async fn wait_for(
    rx: &mut watch::Receiver<Connectivity>,
    what: &str,
    f: impl Fn(&Connectivity) -> bool,
) -> Connectivity {
    let seen = tokio::time::timeout(Duration::from_secs(20), rx.wait_for(|s| f(s))).await;
    seen.unwrap_or_else(|_| panic!("never reached {what}"))
        .expect("poller dropped")
        .clone()
}

#[tokio::test]
async fn backoff_then_refused_keys_then_messages() {
    let after_backoff = Gate::new();
    let after_rejection = Gate::new();
    let (g1, g2) = (after_backoff.clone(), after_rejection.clone());
    let server = Server::start(move |n, _| {
        let (g1, g2) = (g1.clone(), g2.clone());
        async move {
            match n {
                0 => Reply::error(503, "ServiceUnavailable"),
                1 => {
                    g1.passed().await;
                    Reply::error(403, "SignatureDoesNotMatch")
                }
                2 => Reply::error(403, "SignatureDoesNotMatch"),
                3 => {
                    g2.passed().await;
                    Reply::error(404, "MessageNotExist")
                }
                _ => two_messages(),
            }
        }
    })
    .await;
    let mut poller = poller(&server);
    let mut rx = poller.subscribe();
    assert_eq!(*rx.borrow(), Connectivity::Connecting);
    let task = tokio::spawn(async move {
        let batch = poller.next_batch().await;
        (batch, poller)
    });

    let state = wait_for(&mut rx, "backing off", |s| {
        matches!(s, Connectivity::BackingOff { .. })
    })
    .await;
    let Connectivity::BackingOff {
        attempt, reason, ..
    } = state
    else {
        unreachable!()
    };
    assert_eq!(attempt, 1);
    assert!(
        reason.contains("HTTP 503") && reason.contains("RID-ServiceUnavailable"),
        "{reason}"
    );
    after_backoff.open();

    // Request 1 is refused: one immediate retry (request 2), refused again: the operator is told.
    let state = wait_for(&mut rx, "credentials rejected", |s| {
        matches!(s, Connectivity::CredentialsRejected { .. })
    })
    .await;
    let Connectivity::CredentialsRejected {
        access_key_id,
        code,
        message,
    } = state
    else {
        unreachable!()
    };
    assert_eq!(
        (access_key_id.as_str(), code.as_str()),
        ("LTAIpoller", "SignatureDoesNotMatch")
    );
    assert!(message.contains("AccessKey Secret"), "{message}");
    after_rejection.open();

    let (batch, poller) = task.await.unwrap();
    let ids: Vec<&str> = batch.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(
        ids,
        ["A", "B"],
        "the fast empty answer was skipped, the batch returned"
    );
    assert!(matches!(poller.connectivity(), Connectivity::Connected { since_ms } if since_ms > 0));

    let targets: Vec<String> = futures_targets(&server, 5).await;
    assert!(
        targets
            .iter()
            .all(|t| t == &format!("/queues/{QUEUE}/messages?numOfMessages=16&waitseconds=30"))
    );
}

async fn futures_targets(server: &Server, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(server.next_request().await.target);
    }
    out
}

#[tokio::test]
async fn cancellation_ends_a_hanging_long_poll() {
    let server = Server::start(|_, _| async { Reply::Hang }).await;
    let mut poller = poller(&server);
    let cancel = poller.cancellation();
    let rx = poller.subscribe();
    let task = tokio::spawn(async move { poller.next_batch().await });
    server.next_request().await; // the long poll is in flight
    cancel.cancel();
    assert!(task.await.unwrap().is_empty());
    assert_eq!(*rx.borrow(), Connectivity::Stopped);
}

#[tokio::test]
async fn an_external_token_stops_the_poller_before_any_request() {
    let server = Server::start(|_, _| async { two_messages() }).await;
    let token = tokio_util::sync::CancellationToken::new();
    let mut poller = poller(&server).with_cancellation(token.clone());
    token.cancel();
    assert!(poller.next_batch().await.is_empty());
    assert_eq!(poller.connectivity(), Connectivity::Stopped);
}

#[tokio::test]
async fn messages_arrive_across_calls_and_state_stays_connected() {
    let server = Server::start(|n, _| async move {
        if n % 2 == 0 {
            Reply::error(404, "MessageNotExist")
        } else {
            two_messages()
        }
    })
    .await;
    let mut poller = poller(&server);
    assert_eq!(poller.next_batch().await.len(), 2);
    let first = poller.connectivity();
    assert!(matches!(first, Connectivity::Connected { .. }));
    assert_eq!(poller.next_batch().await.len(), 2);
    assert_eq!(
        poller.connectivity(),
        first,
        "since_ms does not move while connected"
    );
}
