//! Fault injection is observable by clients (and switchable while running).

mod common;

use std::time::Duration;

use common::{Mns, QUEUE, admin, start, start_with};
use inlet_sim::Faults;

#[tokio::test]
async fn error_rate_answers_internal_error_without_effect() {
    let sim = start_with(|c| {
        c.faults = Faults {
            error_rate: 1.0,
            ..Faults::default()
        }
    })
    .await;
    let mns = Mns::new(&sim);
    for _ in 0..4 {
        let a = mns.send_message(QUEUE, "eA==").await;
        assert!(matches!(a.status, 500 | 503), "{}", a.status);
        assert_eq!(a.code().as_deref(), Some("InternalError"));
        assert!(a.el("RequestId").is_some() && a.el("HostId").is_some());
    }
    assert_eq!(
        sim.stats(QUEUE).unwrap().sent,
        0,
        "failed requests change nothing"
    );
    sim.set_faults(Faults::default());
    assert_eq!(mns.send_message(QUEUE, "eA==").await.status, 201);
}

#[tokio::test]
async fn reset_rate_drops_the_connection_without_a_response() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let (status, _) = admin(&sim, "PUT", "faults", Some(r#"{"reset_rate": 1.0}"#)).await;
    assert_eq!(status, 200);
    let target = format!("/queues/{QUEUE}");
    let err = mns
        .send("GET", &target, &target, None, &mns.date())
        .await
        .expect_err("no response");
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    let (_, faults) = admin(&sim, "GET", "faults", None).await;
    assert_eq!(faults["reset_rate"], 1.0);

    admin(&sim, "PUT", "faults", Some("{}")).await;
    assert_eq!(
        mns.call("GET", &target, None).await.status,
        200,
        "serves normally again"
    );
}

#[tokio::test]
async fn fast_empty_answers_long_polls_at_once() {
    let sim = start_with(|c| {
        c.faults = Faults {
            fast_empty: true,
            ..Faults::default()
        }
    })
    .await;
    let mns = Mns::new(&sim);
    // Far less than the 30 s the poll asks for: the answer comes without waiting.
    let a = tokio::time::timeout(
        Duration::from_secs(20),
        mns.receive(QUEUE, "waitseconds=30"),
    )
    .await
    .expect("immediate");
    assert_eq!(
        (a.status, a.code().as_deref()),
        (404, Some("MessageNotExist"))
    );
    assert_eq!(sim.long_polls(QUEUE), 0);
    // Messages that are there are still delivered.
    sim.send_raw(QUEUE, "eQ==").unwrap();
    assert_eq!(mns.receive(QUEUE, "waitseconds=30").await.status, 200);
}

#[tokio::test]
async fn duplicate_rate_delivers_messages_twice_under_new_ids() {
    let sim = start_with(|c| {
        c.faults = Faults {
            duplicate_rate: 1.0,
            ..Faults::default()
        }
    })
    .await;
    let mns = Mns::new(&sim);
    sim.send_chatapp(QUEUE, r#"{"MessageId":"dup-1"}"#).unwrap();
    let first = mns.receive(QUEUE, "waitseconds=0").await;
    sim.set_faults(Faults::default());
    let second = mns.receive(QUEUE, "waitseconds=0").await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(first.el("MessageBody"), second.el("MessageBody"));
    assert_ne!(first.el("MessageId"), second.el("MessageId"));
    assert_eq!(sim.stats(QUEUE).unwrap().duplicated, 1);
}

#[tokio::test]
async fn latency_delays_but_does_not_break_requests() {
    let sim = start_with(|c| {
        c.faults = Faults {
            latency_ms: 50,
            ..Faults::default()
        }
    })
    .await;
    assert_eq!(sim.faults().latency_ms, 50);
    let a = Mns::new(&sim)
        .call("GET", &format!("/queues/{QUEUE}"), None)
        .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn faults_json_is_validated() {
    let sim = start().await;
    let (status, _) = admin(&sim, "PUT", "faults", Some(r#"{"error_rate": "lots"}"#)).await;
    assert_eq!(status, 400);
    let (status, body) = admin(
        &sim,
        "PUT",
        "faults",
        Some(r#"{"clock_skew_secs": -30, "fast_empty": true}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            body["clock_skew_secs"].as_i64(),
            body["fast_empty"].as_bool()
        ),
        (Some(-30), Some(true))
    );
    assert_eq!(
        sim.faults(),
        Faults {
            clock_skew_secs: -30,
            fast_empty: true,
            ..Faults::default()
        }
    );
}
