//! inlet-sim: a local Simple Message Queue (MNS 2015-06-06) server that the official SDKs accept,
//! plus the dybaseapi `QueryTokenForMnsQueue` endpoint, a media host and a ChatApp producer,
//! all on one address.
//!
//! ```no_run
//! # async fn demo() -> Result<(), inlet_sim::SimError> {
//! let mut config = inlet_sim::SimConfig::new("testAccessKeyId", "testAccessKeySecret");
//! config.queues.push("Alicom-Queue-1234567890123456-ChatAppInbound".into());
//! let sim = inlet_sim::Sim::start(config).await?;
//! println!("inlet-sim listening on {}", sim.endpoint());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod auth;
pub mod clock;
pub mod error;
pub mod faults;
pub mod http;
pub mod media;
pub mod persist;
pub mod producer;
pub mod queue;
pub mod receipt;
pub mod server;
pub mod state;
pub mod token;
pub mod xml;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use error::{ApiError, SimError};
pub use faults::Faults;
pub use media::MediaHost;
pub use queue::QueueStats;

use crate::faults::FaultSwitch;
use crate::persist::Persister;
use crate::queue::{Broker, Created};
use crate::state::{Shared, Store};

/// How to start a simulator.
#[derive(Clone)]
pub struct SimConfig {
    pub listen: SocketAddr,
    /// The long-term access key (signs MNS requests directly, and `QueryTokenForMnsQueue`).
    pub access_key_id: String,
    pub access_key_secret: String,
    /// Queues created at start (if they do not exist yet).
    pub queues: Vec<String>,
    /// Keep queue contents in `DIR/queues.json` across restarts.
    pub state_dir: Option<PathBuf>,
    /// Refuse requests whose Date / x-acs-date is more than 15 minutes off (408 TimeExpired /
    /// InvalidTimeStamp.Expired). Off to replay captured requests with their old dates.
    pub check_clock: bool,
    pub faults: Faults,
    /// Lifetime of the STS credentials `QueryTokenForMnsQueue` hands out.
    pub sts_ttl: Duration,
    /// Enqueue the producer's demo conversation into every configured queue that is new.
    pub seed_demo: bool,
}

impl SimConfig {
    /// `127.0.0.1:0` (any free port), clock check on, no faults, STS lifetime 1 h, no queues.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            queues: Vec::new(),
            state_dir: None,
            check_clock: true,
            faults: Faults::default(),
            sts_ttl: Duration::from_secs(3600),
            seed_demo: false,
        }
    }
}

impl std::fmt::Debug for SimConfig {
    // The secret never reaches logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("access_key_id", &self.access_key_id)
            .field("queues", &self.queues)
            .field("state_dir", &self.state_dir)
            .field("check_clock", &self.check_clock)
            .field("faults", &self.faults)
            .field("sts_ttl", &self.sts_ttl)
            .field("seed_demo", &self.seed_demo)
            .finish_non_exhaustive()
    }
}

/// A running simulator. Dropping it stops the server too; `shutdown` also writes the state.
pub struct Sim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: Mutex<Option<JoinHandle<()>>>,
    writer: Option<JoinHandle<()>>,
}

impl Sim {
    /// Binds, loads state, creates and (optionally) seeds queues, and starts serving. When this
    /// returns, the address accepts connections.
    pub async fn start(config: SimConfig) -> Result<Sim, SimError> {
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
        let clock = Clock::new();
        let media = MediaHost::new(clock.clone(), format!("http://{addr}"));

        let loaded = match &config.state_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| SimError::StateIo {
                    path: dir.clone(),
                    source,
                })?;
                persist::load(dir)?
            }
            None => None,
        };
        let store = Arc::new(Store::new(loaded.unwrap_or_else(Broker::default)));
        let (persist, writer) = match &config.state_dir {
            Some(dir) => {
                let (p, task) = Persister::start(dir.clone(), Shared::snapshot_fn(&store));
                (p, Some(task))
            }
            None => (Persister::disabled(), None),
        };
        let shared = Arc::new(Shared {
            clock,
            faults: FaultSwitch::new(config.faults),
            keys: auth::KeyTable::default(),
            store,
            persist,
            media: media.clone(),
            check_clock: config.check_clock,
            sts_ttl: config.sts_ttl,
            nonces: Mutex::default(),
        });
        shared
            .keys
            .add_static(&config.access_key_id, &config.access_key_secret);

        for q in &config.queues {
            let created = shared.ensure_queue(q)?;
            // A queue restored from --state keeps its messages; seeding it again would duplicate.
            if config.seed_demo && created == Created::New {
                admin::seed_queue(&shared, q)?;
            }
        }
        shared.persist.write_now()?;

        let mns = shared.clone();
        let router = admin::router(shared.clone())
            .merge(media::router(media))
            .fallback(move |req: axum::extract::Request| http::dispatch(mns.clone(), req));
        let (stop, stop_rx) = watch::channel(false);
        let server = server::spawn(listener, router, stop_rx);
        Ok(Sim {
            shared,
            addr,
            stop,
            server: Mutex::new(Some(server)),
            writer,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` — the MNS endpoint, the dybaseapi endpoint and the media host.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    pub fn set_faults(&self, f: Faults) {
        self.shared.faults.set(f);
    }

    pub fn clock(&self) -> Clock {
        self.shared.clock.clone()
    }

    /// Creates a queue with default attributes, unless it exists. Invalid names are refused
    /// with a log line (use the MNS API to see the error).
    pub fn create_queue(&self, name: &str) {
        if let Err(e) = self.shared.ensure_queue(name) {
            tracing::warn!("cannot create queue {name:?}: {e}");
        }
    }

    /// Enqueues a ChatApp MO JSON text as base64(utf8(json)), like Alibaba's producer.
    /// Returns the MNS MessageId.
    pub fn send_chatapp(&self, queue: &str, json: &str) -> Result<String, SimError> {
        Ok(self.shared.send_chatapp(queue, json)?.message_id)
    }

    /// Enqueues `body_text` as the MessageBody verbatim. Returns the MNS MessageId.
    ///
    /// With a state directory, this change reaches disk shortly after (the writer task
    /// coalesces); unlike MNS and admin requests, this synchronous call does not wait for it.
    pub fn send_raw(&self, queue: &str, body_text: &str) -> Result<String, SimError> {
        Ok(self
            .shared
            .send_text(queue, body_text.to_string())?
            .message_id)
    }

    /// Enqueues the producer's demo conversation; returns the MNS MessageIds.
    pub fn seed_demo(&self, queue: &str) -> Result<Vec<String>, SimError> {
        Ok(admin::seed_queue(&self.shared, queue)?)
    }

    pub fn stats(&self, queue: &str) -> Option<QueueStats> {
        self.shared.stats(queue)
    }

    /// How many long polls are waiting on `queue` right now.
    pub fn long_polls(&self, queue: &str) -> usize {
        self.shared.store.waker(queue).parked()
    }

    pub fn media(&self) -> MediaHost {
        self.shared.media.clone()
    }

    /// Adds another long-term access key.
    pub fn add_access_key(&self, id: &str, secret: &str) {
        self.shared.keys.add_static(id, secret);
    }

    /// Adds an STS key (requests must carry `security-token: token`), valid for `valid_for`
    /// on the simulator clock, or forever with `None`.
    pub fn add_sts_key(&self, id: &str, secret: &str, token: &str, valid_for: Option<Duration>) {
        let expires_ms = valid_for.map_or(i64::MAX, |d| {
            self.shared
                .clock
                .now_ms()
                .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        });
        self.shared.keys.add_sts(id, secret, token, expires_ms);
    }

    /// Stops serving (open connections, including long polls, are dropped) and writes the
    /// final state.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let server = self.server.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(server) = server {
            let _ = server.await;
        }
        if let Some(writer) = self.writer.take() {
            writer.abort();
            let _ = writer.await;
        }
        if let Err(e) = self.shared.persist.write_now() {
            tracing::error!("cannot write the final queue state: {e}");
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(writer) = self.writer.take() {
            writer.abort();
        }
    }
}
