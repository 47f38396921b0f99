//! The `tauri-driver` process: started on free ports, stopped with SIGTERM.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// How long tauri-driver may take to listen, and to exit after SIGTERM.
const START_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// A running `tauri-driver`. Dropping it stops the driver and, through it, the app.
pub struct Driver {
    child: Child,
    port: u16,
    native_port: u16,
}

impl Driver {
    /// Starts `tauri-driver` (or `$TAURI_DRIVER`) and waits until it accepts connections.
    ///
    /// The app inherits the driver's environment, so this is where it gets its data folder
    /// (`INLET_DATA_DIR=data_dir`) and a private XDG data/config home under `scratch`, which
    /// keeps WebKit's storage of one test away from the next and from a real installation.
    /// `env` adds variables for the app (e.g. `ALIBABA_CLOUD_ACCESS_KEY_ID`).
    pub fn start(
        scratch: &Path,
        data_dir: &Path,
        env: &[(String, String)],
    ) -> Result<Driver, Error> {
        let port = free_port()?;
        let native_port = free_port()?;
        let program = std::env::var_os("TAURI_DRIVER").unwrap_or_else(|| "tauri-driver".into());
        let child = Command::new(&program)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("INLET_DATA_DIR", data_dir)
            // Unlocks the app's test-only commands (stopping the embedded demo queue).
            .env("INLET_TEST_HOOKS", "1")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("XDG_DATA_HOME", scratch.join("xdg-data"))
            .env("XDG_CONFIG_HOME", scratch.join("xdg-config"))
            .stdin(Stdio::null())
            // Inherited output would keep the test's pipes open after it ends (nextest: LEAK).
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => Error::Setup(format!(
                    "{} not found; install it with \
                     `cargo install tauri-driver --locked --version 2.1.0` (scripts/test does)",
                    program.to_string_lossy()
                )),
                _ => Error::Io {
                    action: "starting tauri-driver".into(),
                    source,
                },
            })?;
        let mut driver = Driver {
            child,
            port,
            native_port,
        };
        driver.wait_until_listening()?;
        Ok(driver)
    }

    /// The WebDriver endpoint.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Waits for both tauri-driver and the WebKitWebDriver it starts: tauri-driver accepts
    /// connections before its native driver listens, and a session request forwarded too early
    /// fails.
    fn wait_until_listening(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let listening = |port: u16| TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok();
            if listening(self.native_port) && listening(self.port) {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::Setup(format!(
                    "tauri-driver exited before listening ({status}); is WebKitWebDriver \
                     (apt: webkit2gtk-driver) installed?"
                )));
            }
            if Instant::now() >= deadline {
                return Err(Error::Setup(format!(
                    "tauri-driver (port {}) or WebKitWebDriver (port {}) did not listen \
                     within {START_TIMEOUT:?}",
                    self.port, self.native_port
                )));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: tauri-driver's handler then also stops WebKitWebDriver, which a
        // kill would orphan.
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        eprintln!("tauri-driver ignored SIGTERM for {STOP_TIMEOUT:?}; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (the OS picks it; tauri-driver binds it right after).
fn free_port() -> Result<u16, Error> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|source| Error::Io {
            action: "finding a free port".into(),
            source,
        })
}
