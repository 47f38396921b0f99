//! Harness for end-to-end tests that drive the real Inlet desktop app.
//!
//! Each test starts its own `tauri-driver` (which starts `WebKitWebDriver`, which starts the
//! app binary) on free ports, with a throw-away data folder, and talks to the app's webview
//! over WebDriver. Tests need an X display; `scripts/test` runs them under Xvfb.
//!
//! Write a test as
//! ```no_run
//! # async fn example() {
//! use inlet_e2e::{run, Launch, Session};
//! run("my_test", Launch::default(), async |app: &Session| {
//!     app.wait_for_text("#about-summary", "Inlet", inlet_e2e::DEFAULT_TIMEOUT).await?;
//!     Ok(())
//! })
//! .await;
//! # }
//! ```
//! [`run`] saves `target/e2e-artifacts/<test>.png` when the test fails, and always shuts the
//! driver down.

mod demo;
mod driver;
mod notifications;
mod paths;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Map, Value, json};

pub use demo::{DemoQueue, mo};
pub use driver::Driver;
pub use notifications::NotificationServer;
pub use paths::{app_binary, artifacts_dir};

/// Long enough for a cold debug build to paint under software rendering on a loaded 2-core
/// machine; a passing test returns as soon as the condition holds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Starting the demo includes starting its queue and storing its first messages.
pub const DEMO_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a wait re-reads the DOM. Polling an observable condition, not synchronisation.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Setup(String),
    #[error("I/O error while {action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not start a WebDriver session with the app: {0}")]
    NewSession(#[from] fantoccini::error::NewSessionError),
    #[error("WebDriver command failed: {0}")]
    Command(#[from] fantoccini::error::CmdError),
    #[error("timed out after {timeout:?} waiting for {what}; last seen: {last_seen}")]
    Timeout {
        what: String,
        timeout: Duration,
        last_seen: String,
    },
    #[error("check failed: {0}")]
    Check(String),
}

/// `prefix` followed by digits and an `x` that no other call (in this run or an earlier one)
/// returns: a name, message id or search word no earlier test left in a store. Letters and
/// digits only after the prefix, so a search for it is one word.
pub fn unique(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let next = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}{nanos}x{next}")
}

/// Fails the test with `message` unless `condition` holds (keeps the failure screenshot, which
/// a panic inside the test body would skip).
pub fn ensure(condition: bool, message: impl Into<String>) -> Result<(), Error> {
    if condition {
        Ok(())
    } else {
        Err(Error::Check(message.into()))
    }
}

/// How to start the app for one test.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    args: Vec<String>,
    seed: Option<PathBuf>,
    env: Vec<(String, String)>,
}

impl Launch {
    /// Adds a command-line argument for the app, e.g. `--demo`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets an environment variable for the app.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Starts the app on a copy of the data folder `dir` (files at its top level, e.g. a
    /// prepared database and settings) instead of an empty one.
    pub fn data_from(mut self, dir: impl Into<PathBuf>) -> Self {
        self.seed = Some(dir.into());
        self
    }
}

/// Copies the files directly in `from` into `to` (created).
fn copy_files(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("reading {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            std::fs::copy(&path, to.join(entry.file_name()))
                .map_err(|e| format!("copying {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// A running app under WebDriver control.
pub struct Session {
    client: Client,
    test_name: String,
    data_dir: PathBuf,
}

impl Session {
    /// The underlying WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The data folder the app was given through `INLET_DATA_DIR` (empty at start).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub async fn title(&self) -> Result<String, Error> {
        Ok(self.client.title().await?)
    }

    /// Waits until an element matching `selector` exists and its text contains `expected`;
    /// returns the element's full text.
    pub async fn wait_for_text(
        &self,
        selector: &str,
        expected: &str,
        timeout: Duration,
    ) -> Result<String, Error> {
        let deadline = Instant::now() + timeout;
        let mut last_seen = String::from("(no element)");
        loop {
            if let Some(text) = self.text_if_present(selector).await? {
                if text.contains(expected) {
                    return Ok(text);
                }
                last_seen = format!("{text:?}");
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!("{selector} to contain {expected:?}"),
                    timeout,
                    last_seen,
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits until an element matching `selector` exists; returns its text.
    pub async fn wait_for(&self, selector: &str, timeout: Duration) -> Result<String, Error> {
        self.wait_for_text(selector, "", timeout).await
    }

    /// Whether an element matching `selector` is in the DOM right now.
    pub async fn is_present(&self, selector: &str) -> Result<bool, Error> {
        Ok(self.text_if_present(selector).await?.is_some())
    }

    /// Clicks the first element matching `selector`, waiting for it to appear first.
    /// The element is scrolled to the middle of its scroll area first, where sticky headers
    /// (the timeline's day separators) cannot cover it.
    pub async fn click(&self, selector: &str) -> Result<(), Error> {
        self.wait_for(selector, DEFAULT_TIMEOUT).await?;
        let element = self.client.find(Locator::Css(selector)).await?;
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center', inline: 'center' });",
                vec![serde_json::to_value(&element).map_err(|e| Error::Check(e.to_string()))?],
            )
            .await?;
        element.click().await?;
        Ok(())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, Error> {
        Ok(self.client.execute(script, args).await?)
    }

    /// Polls the JavaScript expression `expression` until it is truthy and returns its value.
    /// `what` names the condition in the timeout error.
    pub async fn wait_until(
        &self,
        what: &str,
        expression: &str,
        timeout: Duration,
    ) -> Result<Value, Error> {
        let script = format!("return ({expression});");
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.client.execute(&script, vec![]).await?;
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(_) | Value::Object(_) => true,
            };
            if truthy {
                return Ok(value);
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: what.to_owned(),
                    timeout,
                    last_seen: value.to_string(),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Calls one of the app's IPC commands from the page, as the UI would; `Err` carries the
    /// rejected payload.
    pub async fn invoke(&self, command: &str, args: Value) -> Result<Result<Value, Value>, Error> {
        let script = r#"
            const [command, args, done] = arguments;
            window.__TAURI_INTERNALS__.invoke(command, args).then(
                (value) => done({ ok: value === undefined ? null : value }),
                (error) => done({ err: error }),
            );
        "#;
        let answer = self
            .client
            .execute_async(script, vec![json!(command), args])
            .await?;
        Ok(match answer.get("err") {
            Some(error) => Err(error.clone()),
            None => Ok(answer.get("ok").cloned().unwrap_or(Value::Null)),
        })
    }

    /// Sets a form field's value as typing or choosing would, firing `input` and `change`.
    pub async fn fill(&self, selector: &str, value: &str) -> Result<(), Error> {
        self.wait_for(selector, DEFAULT_TIMEOUT).await?;
        let script = r#"
            const [selector, value] = arguments;
            const field = document.querySelector(selector);
            field.focus();
            field.value = value;
            field.dispatchEvent(new Event('input', { bubbles: true }));
            field.dispatchEvent(new Event('change', { bubbles: true }));
            return field.value;
        "#;
        let set = self
            .execute(script, vec![json!(selector), json!(value)])
            .await?;
        ensure(
            set == json!(value),
            format!("{selector} took {set}, not {value:?}"),
        )
    }

    /// Waits until the demo's chats are in the list (at least `rows` rendered rows).
    pub async fn wait_for_demo_chats(&self, rows: u32) -> Result<(), Error> {
        self.wait_until(
            "the demo chats in the chat list",
            &format!(
                "document.querySelectorAll('#chat-list [role=option][data-conversation-id]').length >= {rows}"
            ),
            DEMO_TIMEOUT,
        )
        .await?;
        Ok(())
    }

    /// The app's embedded demo queue (once the demo has started).
    pub async fn demo_queue(&self) -> Result<DemoQueue, Error> {
        DemoQueue::find(&self.data_dir, DEMO_TIMEOUT).await
    }

    /// Clicks the chat-list row whose name is exactly `name`, scrolling the list until it is
    /// rendered (the list is virtualised), and waits for that chat to open.
    pub async fn open_chat(&self, name: &str) -> Result<(), Error> {
        let find = r#"
            const name = arguments[0];
            const list = document.getElementById('chat-list');
            if (!list) return 'no list';
            const rows = [...list.querySelectorAll('[role=option]')];
            const row = rows.find((r) => r.querySelector('.name')?.textContent === name);
            if (row) { row.click(); return 'clicked'; }
            if (list.scrollTop + list.clientHeight >= list.scrollHeight) {
                // New chats arrive at the top: look again from there.
                list.scrollTop = 0;
                return 'not found';
            }
            list.scrollTop += list.clientHeight;
            return 'scrolled';
        "#;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            let outcome = self.execute(find, vec![json!(name)]).await?;
            if outcome == "clicked" {
                break;
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!("a chat named {name:?} in the list"),
                    timeout: DEFAULT_TIMEOUT,
                    last_seen: outcome.to_string(),
                });
            }
            if outcome != "scrolled" {
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }
        self.wait_for_text("#chat-title", name, DEFAULT_TIMEOUT)
            .await?;
        Ok(())
    }

    /// Saves a screenshot of a named view to `target/e2e-artifacts/<test>--<view>.png`.
    pub async fn save_view(&self, view: &str) -> Result<PathBuf, Error> {
        self.save_screenshot(&format!("{}--{view}", self.test_name))
            .await
    }

    async fn save_screenshot(&self, name: &str) -> Result<PathBuf, Error> {
        let png = self.client.screenshot().await?;
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            action: format!("creating {}", dir.display()),
            source,
        })?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|source| Error::Io {
            action: format!("writing {}", path.display()),
            source,
        })?;
        Ok(path)
    }

    async fn text_if_present(&self, selector: &str) -> Result<Option<String>, Error> {
        match self.client.find(Locator::Css(selector)).await {
            // `innerText`, not WebDriver's "element text": WebKitWebDriver answers "" for text in
            // boxes that clip their overflow (ellipsis headings, list rows), which is what it
            // shows on screen, not what the page holds.
            Ok(element) => Ok(Some(element.prop("innerText").await?.unwrap_or_default())),
            Err(error) if error.is_no_such_element() => Ok(None),
            Err(error) => Err(error.into()),
        }
    }
}

/// Starts the app, runs `test` against it, and shuts everything down.
///
/// Panics (failing the test) with the error and the path of the failure screenshot if the app
/// cannot be started or `test` returns an error.
pub async fn run<F>(test_name: &str, launch: Launch, test: F)
where
    F: AsyncFnOnce(&Session) -> Result<(), Error>,
{
    if let Err(message) = run_inner(test_name, launch, test).await {
        panic!("{test_name} failed: {message}");
    }
}

async fn run_inner<F>(test_name: &str, launch: Launch, test: F) -> Result<(), String>
where
    F: AsyncFnOnce(&Session) -> Result<(), Error>,
{
    let scratch = tempfile::Builder::new()
        .prefix("inlet-e2e-")
        .tempdir()
        .map_err(|e| format!("cannot create a scratch folder: {e}"))?;
    let data_dir = scratch.path().join("data");
    if let Some(seed) = &launch.seed {
        copy_files(seed, &data_dir)?;
    }
    // Dropping `driver` (also on panic) ends tauri-driver, WebKitWebDriver and the app.
    let driver =
        Driver::start(scratch.path(), &data_dir, &launch.env).map_err(|e| e.to_string())?;
    let client = connect(&driver, &launch).await.map_err(|e| e.to_string())?;
    let session = Session {
        client,
        test_name: test_name.to_owned(),
        data_dir,
    };
    let outcome = test(&session).await;
    let result = match outcome {
        Ok(()) => Ok(()),
        Err(error) => Err(describe_failure(&session, test_name, error).await),
    };
    // Ending the session closes the app; failing to do so must not hide the test's outcome.
    if let Err(error) = session.client.close().await {
        eprintln!("{test_name}: closing the WebDriver session failed: {error}");
    }
    drop(driver);
    result
}

async fn describe_failure(session: &Session, test_name: &str, error: Error) -> String {
    // A hung webview must not hang the test run as well.
    let shot = tokio::time::timeout(DEFAULT_TIMEOUT, session.save_screenshot(test_name)).await;
    match shot {
        Ok(Ok(path)) => format!("{error}\n  screenshot: {}", path.display()),
        Ok(Err(shot_error)) => format!("{error}\n  (no screenshot: {shot_error})"),
        Err(_) => format!("{error}\n  (no screenshot: the webview did not answer)"),
    }
}

async fn connect(driver: &Driver, launch: &Launch) -> Result<Client, Error> {
    let application = app_binary()?;
    let mut capabilities = Map::new();
    capabilities.insert("browserName".into(), json!("wry"));
    capabilities.insert(
        "tauri:options".into(),
        json!({ "application": application, "args": launch.args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url())
        .await?;
    Ok(client)
}
