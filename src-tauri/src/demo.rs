//! The demo: a real local queue (`inlet_sim`) on 127.0.0.1, seeded with realistic ChatApp
//! conversations and media, which the app then syncs from exactly as it would from Alibaba Cloud
//! (token endpoint, signed long polls, media downloads, map tiles).

use std::path::{Path, PathBuf};

use inlet_mns::{ChatAppTokenProvider, MnsError, TokenConfig};
use inlet_sim::{Sim, SimConfig};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The demo account's queue (an invented Alibaba Cloud UID).
pub const QUEUE: &str = "Alicom-Queue-5918263740192837-ChatAppInbound";
/// Where the running demo queue's address is written, so tests and curious operators can send it
/// messages through its loopback-only `/__admin` side channel. Holds no key.
pub const ENDPOINT_FILE: &str = "demo-sim.json";
/// Shown under demo maps: the demo's tiles are drawn by the local queue, not OpenStreetMap.
pub const TILE_ATTRIBUTION: &str = "Demo map tiles drawn by Inlet's local queue";

/// Contents of [`ENDPOINT_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointFile {
    /// `http://127.0.0.1:PORT`: queue, token endpoint, media host and tile server.
    pub endpoint: String,
    pub queue: String,
}

/// A running demo queue with the throw-away key pair it accepts.
pub struct DemoQueue {
    sim: Sim,
    access_key_id: String,
    access_key_secret: String,
}

impl DemoQueue {
    /// Starts the queue on a free loopback port, with a fresh random key pair. Its state lives in
    /// `dir/sim`, so the conversations are seeded once and not again at the next start.
    pub async fn start(dir: &Path, data_dir: &Path) -> Result<DemoQueue, AppError> {
        let access_key_id = format!("LTAIdemo{:016x}", rand::random::<u64>());
        let access_key_secret = format!("{:032x}", rand::random::<u128>());
        let mut config = SimConfig::new(&access_key_id, &access_key_secret);
        config.queues.push(QUEUE.to_owned());
        config.seed_demo = true;
        config.state_dir = Some(dir.join("sim"));
        let sim = Sim::start(config)
            .await
            .map_err(|e| AppError::Demo(e.to_string()))?;
        let demo = DemoQueue {
            sim,
            access_key_id,
            access_key_secret,
        };
        demo.write_endpoint_file(data_dir)?;
        tracing::info!(endpoint = %demo.endpoint(), "demo queue started");
        Ok(demo)
    }

    pub fn endpoint(&self) -> String {
        self.sim.endpoint()
    }

    /// The credential provider the sync engine uses: the ChatApp token flow against the demo's
    /// own token endpoint, signed with the demo key.
    pub fn token_provider(&self) -> Result<ChatAppTokenProvider, MnsError> {
        let mut config = TokenConfig::new(QUEUE);
        config.endpoint = self.endpoint();
        ChatAppTokenProvider::new(&self.access_key_id, &self.access_key_secret, config)
    }

    /// The demo's tile server: generated tiles at `/tiles/{z}/{x}/{y}.png`.
    pub fn tile_url(&self) -> String {
        format!("{}/tiles/{{z}}/{{x}}/{{y}}.png", self.endpoint())
    }

    fn write_endpoint_file(&self, data_dir: &Path) -> Result<(), AppError> {
        let file = EndpointFile {
            endpoint: self.endpoint(),
            queue: QUEUE.to_owned(),
        };
        let path = endpoint_file(data_dir);
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| AppError::Internal(format!("demo endpoint as JSON: {e}")))?;
        std::fs::write(&path, json)
            .map_err(|e| AppError::io(format!("writing {}", path.display()), e))
    }

    /// Stops serving: the app then sees the queue as unreachable (as when offline).
    pub async fn shutdown(self, data_dir: &Path) {
        self.sim.shutdown().await;
        // A stale address would send a test's messages nowhere; better no file than a wrong one.
        let _ = std::fs::remove_file(endpoint_file(data_dir));
    }
}

pub fn endpoint_file(data_dir: &Path) -> PathBuf {
    data_dir.join(ENDPOINT_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn demo_queue_is_seeded_reachable_and_accepts_its_own_key() {
        let data = tempfile::tempdir().unwrap();
        let demo_dir = data.path().join("demo");
        let demo = DemoQueue::start(&demo_dir, data.path()).await.unwrap();

        let written: EndpointFile =
            serde_json::from_slice(&std::fs::read(endpoint_file(data.path())).unwrap()).unwrap();
        assert_eq!(written.endpoint, demo.endpoint());
        assert_eq!(written.queue, QUEUE);
        assert!(written.endpoint.starts_with("http://127.0.0.1:"));
        let file_text = std::fs::read_to_string(endpoint_file(data.path())).unwrap();
        assert!(
            !file_text.contains(&demo.access_key_secret),
            "the key stays out of files"
        );

        let token = demo.token_provider().unwrap().fetch().await.unwrap();
        assert!(token.credentials.security_token.is_some());
        let stats = demo.sim.stats(QUEUE).expect("the demo queue exists");
        assert!(stats.visible > 20, "seeded: {stats:?}");

        demo.shutdown(data.path()).await;
        assert!(!endpoint_file(data.path()).exists());
    }
}
