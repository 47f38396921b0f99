//! The app's embedded demo queue, reached the way a test (or a curious operator) can: its address
//! is in `<data dir>/demo-sim.json`, and its loopback-only `/__admin` side channel enqueues
//! ChatApp messages exactly as Alibaba's producer would.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Error;

const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The running demo queue of one app.
#[derive(Debug, Clone)]
pub struct DemoQueue {
    pub endpoint: String,
    pub queue: String,
    http: reqwest::Client,
}

impl DemoQueue {
    /// Waits until the app has written `demo-sim.json` into `data_dir`, and reads it.
    pub async fn find(data_dir: &Path, timeout: Duration) -> Result<DemoQueue, Error> {
        let path = data_dir.join("demo-sim.json");
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(bytes) = std::fs::read(&path)
                && let Ok(file) = serde_json::from_slice::<Value>(&bytes)
                && let (Some(endpoint), Some(queue)) =
                    (file["endpoint"].as_str(), file["queue"].as_str())
            {
                return Ok(DemoQueue {
                    endpoint: endpoint.to_owned(),
                    queue: queue.to_owned(),
                    http: reqwest::Client::new(),
                });
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!("{} to be written", path.display()),
                    timeout,
                    last_seen: "(no readable file)".into(),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Enqueues one ChatApp MO message (its JSON; the queue base64-encodes it like ChatApp does).
    pub async fn send_chatapp(&self, message: &Value) -> Result<(), Error> {
        let url = format!("{}/__admin/queues/{}/chatapp", self.endpoint, self.queue);
        let response = self
            .http
            .post(&url)
            .body(message.to_string())
            .send()
            .await
            .map_err(|e| Error::Setup(format!("POST {url}: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(Error::Setup(format!(
                "POST {url} answered {status}: {body}"
            )));
        }
        Ok(())
    }

    /// A URL on the demo's media host that does not exist (a download that keeps failing).
    pub fn missing_media_url(&self, name: &str) -> String {
        format!("{}/media/missing-{name}/{name}", self.endpoint)
    }
}

/// A ChatApp MO message body as the bakery's WABA receives it, from `from`.
pub fn mo(message_id: &str, from: &str, display_name: &str, kind: &str, message: Value) -> Value {
    serde_json::json!({
        "MessageId": message_id,
        "CustSpaceId": "cams-5bq81x0ckd2mz",
        "WabaId": "104857362910384",
        "From": from,
        "To": "351912000100",
        "DisplayName": display_name,
        "Name": display_name,
        "Timestamp": chrono_now_ms(),
        "Type": kind,
        "Message": message,
    })
}

fn chrono_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
