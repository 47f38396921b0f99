//! The `/__admin` side-channel.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::{Mns, QUEUE, admin, start};

#[tokio::test]
async fn chatapp_and_raw_sends_and_stats() {
    let sim = start().await;
    let json = r#"{"MessageId":"1000000000000005","Type":"TEXT","Message":"héllo"}"#;
    let (status, sent) = admin(&sim, "POST", &format!("queues/{QUEUE}/chatapp"), Some(json)).await;
    assert_eq!(status, 201, "{sent}");
    let (status, _) = admin(
        &sim,
        "POST",
        &format!("queues/{QUEUE}/raw"),
        Some("not base64 at all"),
    )
    .await;
    assert_eq!(status, 201);
    let (status, stats) = admin(&sim, "GET", &format!("queues/{QUEUE}/stats"), None).await;
    assert_eq!(status, 200);
    for (field, want) in [
        ("visible", 2),
        ("inflight", 0),
        ("delayed", 0),
        ("sent", 2),
        ("received", 0),
        ("deleted", 0),
    ] {
        assert_eq!(stats[field].as_u64(), Some(want), "{field}: {stats}");
    }

    let got = Mns::new(&sim).receive(QUEUE, "numOfMessages=16").await;
    let bodies = got.all("MessageBody");
    assert_eq!(bodies[0], B64.encode(json.as_bytes()));
    assert_eq!(bodies[1], "not base64 at all");
    assert_eq!(got.all("MessageId")[0], sent["MessageId"].as_str().unwrap());

    let (status, _) = admin(&sim, "GET", "queues/NoSuchQueue/stats", None).await;
    assert_eq!(status, 404);
    let (status, _) = admin(&sim, "POST", "queues/NoSuchQueue/raw", Some("x")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn clock_advance_moves_deadlines() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    sim.send_raw(QUEUE, "eA==").unwrap();
    assert_eq!(mns.receive(QUEUE, "").await.status, 200);
    let (status, clock) = admin(&sim, "POST", "clock/advance", Some(r#"{"seconds": 30}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(clock["offset_ms"].as_u64(), Some(30_000));
    let again = mns.receive(QUEUE, "").await;
    assert_eq!(again.el("DequeueCount").as_deref(), Some("2"));
    let (status, _) = admin(&sim, "POST", "clock/advance", Some(r#"{"seconds": -1}"#)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn create_queue_and_seed_demo() {
    let sim = start().await;
    let (status, _) = admin(&sim, "POST", "queues/Alicom-Queue-1-ChatAppInbound", None).await;
    assert_eq!(status, 201);
    let (status, _) = admin(&sim, "POST", "queues/Alicom-Queue-1-ChatAppInbound", None).await;
    assert_eq!(status, 200, "already there");
    let (status, seeded) = admin(
        &sim,
        "POST",
        "seed-demo/Alicom-Queue-1-ChatAppInbound",
        None,
    )
    .await;
    assert_eq!(status, 201, "{seeded}");
    let ids = seeded["MessageIds"].as_array().unwrap().len() as u64;
    assert_eq!(
        sim.stats("Alicom-Queue-1-ChatAppInbound").unwrap().visible,
        ids
    );
    let (status, _) = admin(&sim, "POST", "seed-demo/NoSuchQueue", None).await;
    assert_eq!(status, 404);
    let (status, _) = admin(&sim, "POST", "queues/bad_name", None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn sim_api_send_errors() {
    let sim = start().await;
    assert!(
        matches!(sim.send_raw("NoSuchQueue", "x"), Err(inlet_sim::SimError::Api(e)) if e.code == "QueueNotExist")
    );
    assert!(sim.send_raw(QUEUE, "").is_err());
    assert!(sim.stats("NoSuchQueue").is_none());
    sim.create_queue("Made-Later");
    assert!(sim.stats("Made-Later").is_some());
}
