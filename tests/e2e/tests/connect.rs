//! Live mode against a real local queue (`inlet_sim`) that this test runs and then stops: the
//! operator connects through the form, the inbox collects the queue's messages, and losing the
//! queue is reported while the chats stay.

use inlet_e2e::{DEFAULT_TIMEOUT, DEMO_TIMEOUT, Launch, Session, ensure, run};
use inlet_sim::{Sim, SimConfig};
use serde_json::json;

const QUEUE: &str = "Alicom-Queue-1234567890123456-ChatAppInbound";
const KEY_ID: &str = "LTAI5tE2eLiveKey";
const KEY_SECRET: &str = "e2e-live-secret-not-in-files";

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn connecting_collects_the_queue_and_reports_when_it_goes_away() {
    let test = "connecting_collects_the_queue_and_reports_when_it_goes_away";
    let mut config = SimConfig::new(KEY_ID, KEY_SECRET);
    config.queues.push(QUEUE.into());
    let sim = Sim::start(config).await.expect("the local queue starts");
    let endpoint = sim.endpoint();
    let body = json!({
        "MessageId": "wamid.live.1", "CustSpaceId": "cams-live", "WabaId": "777000111222333",
        "From": "447700900555", "To": "447700900000", "DisplayName": "Live Customer",
        "Timestamp": 1_795_000_000_000_i64, "Type": "TEXT", "Message": "Hello from the real queue"
    });
    sim.send_chatapp(QUEUE, &body.to_string()).expect("enqueue");

    // The key comes from the standard environment variables, as for headless collectors (the
    // keychain has its own test); the form then shows which key is used, never its secret.
    let launch = Launch::default()
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", KEY_SECRET);
    run(test, launch, async move |app: &Session| {
        app.click("#connect-cloud").await?;
        app.wait_for_text("#stored-key", KEY_ID, DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#stored-key", "environment", DEFAULT_TIMEOUT).await?;
        app.fill("#queue-names", QUEUE).await?;
        app.fill("#site", "custom").await?;
        app.fill("#mns-endpoint", &endpoint).await?;
        app.fill("#token-endpoint", &endpoint).await?;
        app.save_view("connect-form").await?;

        app.click("#test-connection").await?;
        app.wait_for_text("#connection-results", "reachable", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#connection-results", "1 waiting", DEFAULT_TIMEOUT).await?;
        app.save_view("connection-tested").await?;

        app.click("#save-connection").await?;
        app.wait_for_text("#chat-list", "Live Customer", DEMO_TIMEOUT).await?;
        app.wait_for_text("#status-mode", "Alibaba Cloud", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#status-connectivity", "Connected", DEMO_TIMEOUT).await?;
        ensure(!app.is_present("#demo-badge").await?, "a live inbox is marked as demo")?;
        app.open_chat("Live Customer").await?;
        app.wait_for_text("#timeline", "Hello from the real queue", DEFAULT_TIMEOUT).await?;

        let settings = std::fs::read_to_string(app.data_dir().join("settings.json"))
            .map_err(|e| inlet_e2e::Error::Check(format!("settings.json: {e}")))?;
        ensure(settings.contains(QUEUE), "the queue was not saved")?;
        ensure(!settings.contains(KEY_SECRET), "the secret is in settings.json")?;

        sim.shutdown().await;
        app.wait_until(
            "the status bar to report the queue unreachable",
            "document.querySelector('#status-connectivity [data-tone=warn]')?.textContent.includes('Cannot connect')",
            DEMO_TIMEOUT,
        )
        .await?;
        app.wait_for_text("#timeline", "Hello from the real queue", DEFAULT_TIMEOUT).await?;
        app.save_view("live-offline").await?;
        Ok(())
    })
    .await;
}
