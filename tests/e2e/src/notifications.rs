//! A real desktop notification server for one test: a private D-Bus session bus with `dunst` on
//! it (under the test's X display). A dunst rule runs a small script for every notification,
//! appending its summary and body to a file the test reads, so a test sees exactly what the
//! app asked the desktop to show. The app is pointed at the bus with
//! [`NotificationServer::bus_address`] through [`crate::Launch::env`].

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

const POLL_INTERVAL: Duration = Duration::from_millis(100);

pub struct NotificationServer {
    bus: Child,
    dunst: Child,
    address: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl NotificationServer {
    /// Starts the bus and dunst, and waits until dunst answers on the bus.
    pub async fn start() -> Result<NotificationServer, Error> {
        let dir = tempfile::tempdir().map_err(|e| io("making a folder for dunst", e))?;
        let log = dir.path().join("notifications.log");
        let script = dir.path().join("record.sh");
        // dunst runs the script with: appname summary body icon urgency.
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$3\" >> '{}'\n",
                log.display()
            ),
        )
        .map_err(|e| io("writing the dunst script", e))?;
        set_executable(&script)?;
        let config = dir.path().join("dunstrc");
        std::fs::write(
            &config,
            format!(
                "[global]\n    timeout = 0\n[record]\n    summary = \"*\"\n    script = {}\n",
                script.display()
            ),
        )
        .map_err(|e| io("writing the dunst config", e))?;

        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io("starting dbus-daemon (package dbus)", e))?;
        let mut address = String::new();
        let stdout = bus
            .stdout
            .take()
            .ok_or_else(|| Error::Setup("no dbus-daemon stdout".into()))?;
        BufReader::new(stdout)
            .read_line(&mut address)
            .map_err(|e| io("reading the bus address", e))?;
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = bus.kill();
            return Err(Error::Setup("dbus-daemon printed no address".into()));
        }
        let dunst = Command::new("dunst")
            .arg("-config")
            .arg(&config)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let dunst = match dunst {
            Ok(child) => child,
            Err(e) => {
                let _ = bus.kill();
                return Err(io("starting dunst (package dunst)", e));
            }
        };
        let server = NotificationServer {
            bus,
            dunst,
            address,
            log,
            _dir: dir,
        };
        server.wait_until_serving(Duration::from_secs(20)).await?;
        Ok(server)
    }

    /// `DBUS_SESSION_BUS_ADDRESS` for the app.
    pub fn bus_address(&self) -> &str {
        &self.address
    }

    /// Every notification shown so far, as `(summary, body)`.
    pub fn shown(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let mut parts = line.splitn(3, '\t');
                let _app = parts.next()?;
                Some((
                    parts.next()?.to_owned(),
                    parts.next().unwrap_or("").to_owned(),
                ))
            })
            .collect()
    }

    /// Waits until at least one notification has been shown, and returns the first.
    pub async fn wait_for_any(&self, timeout: Duration) -> Result<(String, String), Error> {
        self.wait_for("", timeout).await
    }

    /// Waits for a notification whose summary or body contains `text`.
    pub async fn wait_for(&self, text: &str, timeout: Duration) -> Result<(String, String), Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let shown = self.shown();
            if let Some(found) = shown
                .iter()
                .find(|(s, b)| s.contains(text) || b.contains(text))
            {
                return Ok(found.clone());
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!("a notification containing {text:?}"),
                    timeout,
                    last_seen: format!("{shown:?}"),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn wait_until_serving(&self, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let answered = Command::new("dunstctl")
                .arg("is-paused")
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if answered {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: "dunst to answer on the test bus".into(),
                    timeout,
                    last_seen: "dunstctl is-paused failed".into(),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

impl Drop for NotificationServer {
    fn drop(&mut self) {
        for child in [&mut self.dunst, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn io(action: &str, source: std::io::Error) -> Error {
    Error::Io {
        action: action.into(),
        source,
    }
}

fn set_executable(path: &std::path::Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| io("making the dunst script executable", e))
}
