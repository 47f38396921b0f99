//! `--state DIR`: queue contents survive a restart, including one without a clean shutdown.

mod common;

use common::{Mns, QUEUE, start_with};

#[tokio::test]
async fn queue_contents_survive_shutdown_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let sim = start_with(|c| c.state_dir = Some(path.clone())).await;
    let mns = Mns::new(&sim);
    let kept = mns
        .send_message(QUEUE, "a2VwdA==")
        .await
        .el("MessageId")
        .unwrap();
    mns.send_message(QUEUE, "aW5mbGlnaHQ=").await;
    mns.send_message(QUEUE, "Z29uZQ==").await;
    // One in flight, one deleted.
    let got = mns.receive(QUEUE, "numOfMessages=2").await;
    let handles = got.all("ReceiptHandle");
    let inflight_handle = handles[1].clone();
    assert_eq!(mns.delete(QUEUE, &handles[0]).await.status, 204);
    let before = sim.stats(QUEUE).unwrap();
    sim.shutdown().await;

    let sim = start_with(|c| c.state_dir = Some(path.clone())).await;
    let after = sim.stats(QUEUE).unwrap();
    assert_eq!(
        (after.visible, after.inflight, after.sent, after.deleted),
        (before.visible, before.inflight, 3, 1)
    );
    let mns = Mns::new(&sim);
    // The in-flight message's handle is still valid after the restart.
    assert_eq!(mns.delete(QUEUE, &inflight_handle).await.status, 204);
    let rest = mns.receive(QUEUE, "numOfMessages=16").await;
    assert_eq!(rest.all("MessageBody"), ["Z29uZQ=="]);
    assert_ne!(rest.el("MessageId"), Some(kept));
    sim.shutdown().await;
}

#[tokio::test]
async fn acknowledged_sends_survive_a_sim_that_is_dropped_without_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let sim = start_with(|c| c.state_dir = Some(path.clone())).await;
    let mns = Mns::new(&sim);
    for i in 0..5 {
        assert_eq!(
            mns.send_message(QUEUE, &format!("bXNn{i}")).await.status,
            201
        );
    }
    drop(sim); // no final write: the answers above were only given once the state was on disk

    let sim = start_with(|c| c.state_dir = Some(path.clone())).await;
    assert_eq!(sim.stats(QUEUE).unwrap().visible, 5);
}

#[tokio::test]
async fn a_corrupt_state_file_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queues.json");
    std::fs::write(&file, "{ half a snapshot").unwrap();
    let path = dir.path().to_path_buf();
    let mut config = inlet_sim::SimConfig::new(common::ID, common::SECRET);
    config.state_dir = Some(path);
    let err = inlet_sim::Sim::start(config).await.err().expect("refused");
    assert!(
        matches!(err, inlet_sim::SimError::StateCorrupt { .. }),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{ half a snapshot");
}

#[tokio::test]
async fn seeding_happens_once_per_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let sim = start_with(|c| {
        c.state_dir = Some(path.clone());
        c.seed_demo = true;
    })
    .await;
    let seeded = sim.stats(QUEUE).unwrap().sent;
    sim.shutdown().await;
    let sim = start_with(|c| {
        c.state_dir = Some(path.clone());
        c.seed_demo = true;
    })
    .await;
    assert_eq!(
        sim.stats(QUEUE).unwrap().sent,
        seeded,
        "a restored queue is not seeded again"
    );
}
