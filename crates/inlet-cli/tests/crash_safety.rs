//! Crash safety of the collector: `inlet sync` is killed with SIGKILL at random moments while it
//! drains a backlog from the real local queue; afterwards every message is stored exactly once
//! and the queue is empty.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_mns::{Credentials, MnsClient, QueueConfig, StaticCredentials};
use inlet_sim::{Faults, Sim, SimConfig};
use rand::{Rng, SeedableRng};

const ID: &str = "crashTestKeyId";
const SECRET: &str = "crashTestKeySecret";
const QUEUE: &str = "Alicom-Queue-5550001-ChatAppInbound";

fn inlet() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inlet"));
    cmd.env("ALIBABA_CLOUD_ACCESS_KEY_ID", ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .stdin(Stdio::null());
    cmd
}

fn collector(sim: &Sim, db: &Path, until_empty: bool) -> Child {
    let mut cmd = inlet();
    cmd.args(["sync", "--db"])
        .arg(db)
        .args(["--endpoint", &sim.endpoint(), "--queue", QUEUE]);
    if until_empty {
        cmd.arg("--until-empty");
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("inlet sync starts")
}

async fn backlog(sim: &Sim, n: usize) {
    // A short visibility timeout, so messages a killed collector had received come back soon.
    let provider = Arc::new(StaticCredentials::new(Credentials::new(ID, SECRET)));
    let client = MnsClient::new(&sim.endpoint(), provider).unwrap();
    let config = QueueConfig {
        visibility_timeout: Some(2),
        ..QueueConfig::default()
    };
    client.queue(QUEUE).create(&config).await.unwrap();
    for i in 0..n {
        let body = format!(
            r#"{{"MessageId":"crash-{i:05}","CustSpaceId":"cams-crash","WabaId":"waba-crash","From":"8613800{:06}","To":"8613900000000","Timestamp":{},"DisplayName":"Customer {}","Name":"c","Type":"TEXT","Message":"backlog message {i}"}}"#,
            i % 97,
            1_760_000_000_000_i64 + i as i64,
            i % 97,
        );
        sim.send_chatapp(QUEUE, &body).unwrap();
    }
}

/// Waits (polling the queue's counters, with a deadline) until `deliveries` more deliveries happened.
async fn wait_for_deliveries(sim: &Sim, deliveries: u64) {
    let start = sim.stats(QUEUE).unwrap().received;
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.stats(QUEUE).unwrap().received < start + deliveries {
        assert!(Instant::now() < deadline, "the collector made no progress");
        let stats = sim.stats(QUEUE).unwrap();
        if stats.visible == 0 && stats.inflight == 0 {
            return; // nothing left to deliver
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn exported_ids(db: &Path) -> HashMap<String, usize> {
    let out = inlet()
        .args(["export", "--db"])
        .arg(db)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen = HashMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_ne!(row["quarantined"], true, "nothing here is malformed: {row}");
        *seen
            .entry(row["message_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    seen
}

async fn kill_repeatedly_then_drain(faults: Faults, messages: usize, kills: usize) {
    let sim = Sim::start(SimConfig::new(ID, SECRET)).await.unwrap();
    backlog(&sim, messages).await;
    sim.set_faults(faults);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inlet.sqlite3");
    let seed: u64 = rand::random();
    eprintln!("kill schedule seed: {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    for _ in 0..kills {
        let mut child = collector(&sim, &db, false);
        wait_for_deliveries(&sim, rng.random_range(1..=200)).await;
        child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix: no clean-up runs
        child.wait().unwrap();
    }
    let stored_before_drain = if db.exists() {
        exported_ids(&db).len()
    } else {
        0
    };
    assert!(
        stored_before_drain > 0,
        "the killed collectors stored something"
    );

    sim.set_faults(Faults::default());
    let status = collector(&sim, &db, true).wait().unwrap();
    assert!(status.success(), "inlet sync --until-empty exits 0");

    let stats = sim.stats(QUEUE).unwrap();
    assert_eq!(
        (stats.visible, stats.inflight, stats.delayed),
        (0, 0, 0),
        "queue empty: {stats:?}"
    );
    let seen = exported_ids(&db);
    assert_eq!(seen.len(), messages, "every message stored");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored more than once: {twice:?}");
    eprintln!(
        "{kills} kills, {stored_before_drain} of {messages} stored before the final drain, {} deliveries in all",
        stats.received
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_nothing_and_stores_nothing_twice() {
    kill_repeatedly_then_drain(Faults::default(), 5_000, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_with_faults_on_loses_nothing_and_stores_nothing_twice() {
    let faults = Faults {
        error_rate: 0.05,
        reset_rate: 0.05,
        latency_ms: 1,
        duplicate_rate: 0.1,
        fast_empty: false,
        clock_skew_secs: 0,
    };
    kill_repeatedly_then_drain(faults, 2_000, 20).await;
}
