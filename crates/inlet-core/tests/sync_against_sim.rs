//! The sync engine against the real local queue, over real HTTP, into real SQLite.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use inlet_core::events::{self, Event, EventReceiver};
use inlet_core::store::{Queries, Store};
use inlet_core::sync::{SharedStore, SyncEngine, SyncOptions};
use inlet_mns::{
    Backoff, ChatAppTokenProvider, Connectivity, CredentialProvider, Credentials, MnsClient,
    PollConfig, StaticCredentials, TokenConfig,
};
use inlet_sim::{Faults, Sim, SimConfig};
use serde_json::Value;

const ID: &str = "testAccessKeyId";
const SECRET: &str = "testAccessKeySecret";
const QUEUE: &str = "Alicom-Queue-1234567890-ChatAppInbound";

async fn sim() -> Sim {
    sim_with(|_| {}).await
}

async fn sim_with(adjust: impl FnOnce(&mut SimConfig)) -> Sim {
    let mut config = SimConfig::new(ID, SECRET);
    config.queues = vec![QUEUE.to_owned()];
    adjust(&mut config);
    Sim::start(config).await.expect("simulator starts")
}

/// Options with millisecond backoffs, so fault tests finish quickly.
fn fast_options() -> SyncOptions {
    let backoff = Backoff {
        initial: Duration::from_millis(5),
        max: Duration::from_millis(100),
    };
    SyncOptions {
        poll: PollConfig {
            wait_seconds: 1,
            fast_empty_pause: Duration::from_millis(20),
            credentials_retry: Duration::from_millis(50),
            backoff,
            ..PollConfig::default()
        },
        ..SyncOptions::default()
    }
}

fn engine(sim: &Sim, secret: &str, store: SharedStore) -> (SyncEngine, EventReceiver) {
    let provider: Arc<dyn CredentialProvider> =
        Arc::new(StaticCredentials::new(Credentials::new(ID, secret)));
    let client = MnsClient::new(&sim.endpoint(), provider).unwrap();
    let (tx, rx) = events::channel(4096);
    (
        SyncEngine::new(client.queue(QUEUE), store, tx, fast_options()),
        rx,
    )
}

fn open_store(dir: &Path) -> SharedStore {
    Arc::new(Mutex::new(Store::open(dir.join("inlet.sqlite3")).unwrap()))
}

fn export(store: &SharedStore) -> Vec<Value> {
    let mut out = Vec::new();
    inlet_core::export::export_json_lines(&*store.lock().unwrap(), &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/chatapp-mo")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn assert_queue_empty(sim: &Sim) {
    let stats = sim.stats(QUEUE).unwrap();
    assert_eq!(
        (stats.visible, stats.inflight, stats.delayed),
        (0, 0, 0),
        "{stats:?}"
    );
}

#[tokio::test]
async fn every_fixture_goes_through_the_queue_into_the_export() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let names: Vec<String> = std::fs::read_dir(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/chatapp-mo"),
    )
    .unwrap()
    .map(|e| e.unwrap().file_name().into_string().unwrap())
    .filter(|n| n.ends_with(".json") || n.starts_with("doc-sample"))
    .collect();
    for name in &names {
        sim.send_chatapp(QUEUE, &fixture(name)).unwrap();
    }
    let (mut engine, _events) = engine(&sim, SECRET, store.clone());
    let stats = engine.drain().await.unwrap();
    assert_eq!(stats.received, names.len() as u64);
    assert_eq!(stats.quarantined, 0, "every fixture decodes");
    assert_queue_empty(&sim);

    let rows = export(&store);
    let by_id = |id: &str| {
        rows.iter()
            .find(|r| r["message_id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    // 16 single-message fixtures + 2 doc samples holding 3 messages.
    assert_eq!(rows.len(), names.len() - 2 + 3);
    let text = by_id("wamid.HBgNODYxMzgwMDAwMDAwMRUCABIYFjNFQjBGMDAwMDAwMDAwMDAwMDAwAA==");
    assert_eq!(text["type"], "TEXT");
    assert_eq!(text["from"], "8613800000001");
    assert_eq!(text["timestamp_ms"], 1662104191973_i64);
    assert_eq!(text["content"]["body"], "hello,it's me 你好 👋");
    let image = by_id("1000000000000005");
    assert_eq!(image["content"]["caption"], "receipt");
    assert_eq!(image["content"]["mime_type"], "image/jpeg");
    let location = by_id("1000000000000006");
    assert_eq!(location["content"]["latitude"], 30.2741);
    assert_eq!(location["content"]["name"], "Office");
    let reply = by_id("1000000000000007");
    assert_eq!(reply["content"]["text"], "Yes, confirm my booking");
    assert_eq!(reply["content"]["payload"], "booking_confirm_20220902");
    let document = by_id("1000000000000010");
    assert_eq!(document["content"]["filename"], "invoice-2022-03.pdf");
    let contacts = by_id("1000000000000013");
    assert_eq!(
        contacts["content"]["cards"][0]["phones"][0]["wa_id"],
        "5511999990000"
    );
    let unknown = by_id("1000000000000014");
    assert_eq!(unknown["type"], "STICKER");
    let audio_from_doc = by_id("1000000000000003");
    assert_eq!(
        audio_from_doc["timestamp_ms"], 1662104191973_i64,
        "the \"Timestamp \" key was recovered"
    );
    assert_eq!(audio_from_doc["content"]["filename"], "File.ogg");
    let arabic = by_id("1000000000000019");
    assert_eq!(arabic["display_name"], "سارة");
}

#[tokio::test]
async fn malformed_bodies_are_quarantined_and_the_collector_keeps_going() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let bad = [
        "this is neither base64 nor JSON".to_owned(),
        b64(b"not json at all"),
        b64(&[0xff, 0xfe, b'{', 0x80]),
        b64(br#"{"foo": 1, "bar": [1, 2]}"#),
        b64(br#"[]"#),
        b64(format!(r#"{{"MessageId": "{}"}}"#, "x".repeat(40_000)).as_bytes()),
    ];
    for body in &bad {
        sim.send_raw(QUEUE, body).unwrap();
    }
    sim.send_chatapp(QUEUE, &fixture("text.json")).unwrap();
    let (mut engine, _events) = engine(&sim, SECRET, store.clone());
    let stats = engine.drain().await.unwrap();
    assert_eq!(stats.quarantined, bad.len() as u64);
    assert_eq!(stats.inserted, 1);
    assert_queue_empty(&sim);

    let rows = export(&store);
    let quarantined: Vec<&Value> = rows.iter().filter(|r| r["quarantined"] == true).collect();
    assert_eq!(quarantined.len(), bad.len());
    for row in &quarantined {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(row["raw_base64"].as_str().unwrap())
            .unwrap();
        let raw = String::from_utf8(raw).unwrap();
        assert!(bad.contains(&raw), "raw bytes kept exactly");
        assert!(!row["error"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        store.lock().unwrap().list_quarantine().unwrap().len(),
        bad.len()
    );
}

#[tokio::test]
async fn with_faults_every_message_is_stored_exactly_once() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    const N: usize = 400;
    for i in 0..N {
        let body = format!(
            r#"{{"MessageId":"fault-{i}","CustSpaceId":"cams-1","WabaId":"waba-1","From":"86138000{:05}","To":"8613900000000","Timestamp":{},"DisplayName":"C{i}","Name":"c","Type":"TEXT","Message":"message {i}"}}"#,
            i % 37,
            1_700_000_000_000_i64 + i as i64
        );
        sim.send_chatapp(QUEUE, &body).unwrap();
    }
    sim.set_faults(Faults {
        error_rate: 0.15,
        reset_rate: 0.1,
        latency_ms: 2,
        duplicate_rate: 0.2,
        fast_empty: true,
        clock_skew_secs: 0,
    });
    let (mut engine, _events) = engine(&sim, SECRET, store.clone());
    let stats = engine.drain().await.expect("the drain survives the faults");
    sim.set_faults(Faults::default());
    assert_queue_empty(&sim);

    let rows = export(&store);
    let mut ids: Vec<&str> = rows
        .iter()
        .map(|r| r["message_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), N, "every message once");
    assert_eq!(rows.len(), N, "and no row twice");
    let duplicated = sim.stats(QUEUE).unwrap().duplicated;
    assert!(duplicated > 0, "the duplicate fault fired");
    assert!(
        stats.duplicates >= duplicated,
        "duplicates counted: {stats:?}, {duplicated} injected"
    );
}

async fn next_connectivity(
    rx: &mut EventReceiver,
    want: impl Fn(&Connectivity) -> bool,
) -> Connectivity {
    let wait = async {
        loop {
            if let Some(Event::Connectivity { connectivity }) = rx.recv().await
                && want(&connectivity)
            {
                return connectivity;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("connectivity state reached")
}

#[tokio::test]
async fn connectivity_reports_rejected_keys_and_recovery_from_outages() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();

    // A wrong secret: the UI is told which key was refused and what to do.
    let (engine_bad, mut rx) = engine(&sim, "wrong-secret", open_store(dir.path()));
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut engine_bad = engine_bad.with_cancellation(cancel.clone());
    let task = tokio::spawn(async move { engine_bad.run().await });
    let state = next_connectivity(&mut rx, |c| {
        matches!(c, Connectivity::CredentialsRejected { .. })
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
    assert_eq!(access_key_id, ID);
    assert_eq!(code, "SignatureDoesNotMatch");
    assert!(message.to_lowercase().contains("secret"), "{message}");
    cancel.cancel();
    task.await.unwrap();

    // Every request failing: backing off with a reason; once the faults stop: connected, and
    // the message sent meanwhile is stored.
    sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let store = open_store(&dir.path().join("b"));
    let (engine_ok, mut rx) = engine(&sim, SECRET, store.clone());
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut engine_ok = engine_ok.with_cancellation(cancel.clone());
    let task = tokio::spawn(async move { engine_ok.run().await });
    let state = next_connectivity(&mut rx, |c| matches!(c, Connectivity::BackingOff { .. })).await;
    let Connectivity::BackingOff { reason, .. } = state else {
        unreachable!()
    };
    assert!(!reason.is_empty());
    sim.send_chatapp(QUEUE, &fixture("text.json")).unwrap();
    sim.set_faults(Faults::default());
    next_connectivity(&mut rx, |c| matches!(c, Connectivity::Connected { .. })).await;
    let added = async {
        loop {
            if let Some(Event::MessagesAdded { count, .. }) = rx.recv().await {
                return count;
            }
        }
    };
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(20), added)
            .await
            .unwrap(),
        1
    );
    cancel.cancel();
    let stats = task.await.unwrap();
    assert_eq!(stats.inserted, 1);
    assert_eq!(stats.deleted, 1);
}

#[tokio::test]
async fn chatapp_token_flow_refreshes_expired_temporary_keys() {
    // The simulator's clock jumps an hour ahead below; its Date checks would refuse our real-time
    // requests, which is not what this test is about.
    let sim = sim_with(|c| c.check_clock = false).await;
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let mut config = TokenConfig::new(QUEUE);
    config.endpoint = sim.endpoint();
    let clock = sim.clock();
    let provider = ChatAppTokenProvider::new(ID, SECRET, config)
        .unwrap()
        .with_clock(Arc::new(move || clock.now_utc()));
    let client = MnsClient::new(&sim.endpoint(), Arc::new(provider)).unwrap();
    let (tx, _rx) = events::channel(64);
    let mut engine = SyncEngine::new(client.queue(QUEUE), store.clone(), tx, fast_options());

    sim.send_chatapp(QUEUE, &fixture("text.json")).unwrap();
    assert_eq!(engine.drain().await.unwrap().inserted, 1);
    // The temporary keys expire (1 h); the provider must notice and fetch new ones.
    sim.clock().advance(Duration::from_secs(3700));
    sim.send_chatapp(QUEUE, &fixture("reply.json")).unwrap();
    let stats = engine
        .drain()
        .await
        .expect("fresh temporary keys were fetched");
    assert_eq!(stats.inserted, 2);
    assert_eq!(store.lock().unwrap().counts().unwrap().quarantined, 0);
}
