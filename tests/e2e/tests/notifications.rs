//! Desktop notifications, seen by a real notification server (dunst on a private D-Bus session
//! bus): a new message while the operator is elsewhere raises one naming the sender, and a
//! channel the operator muted raises none.

use inlet_e2e::{DEFAULT_TIMEOUT, Launch, NotificationServer, Session, ensure, mo, run, unique};
use serde_json::json;

/// The bakery's WABA in the demo (the channel `mo` sends on) and the bike shop's Bangkok WABA.
const BAKERY_WABA: &str = "104857362910384";
const BIKES_WABA: &str = "115320987654321";

/// Another application's window on the display, holding the input focus until dropped.
struct OtherApp(std::process::Child);

impl Drop for OtherApp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The operator turns to another app: an `xmessage` window opens and takes the X input focus
/// (xdotool waits until it has it). Nothing about Inlet is faked: its window loses focus the way
/// it does on a desktop.
fn look_away() -> Result<OtherApp, inlet_e2e::Error> {
    let setup = |what: &str, e: std::io::Error| inlet_e2e::Error::Setup(format!("{what}: {e}"));
    let title = unique("other-app");
    let other = std::process::Command::new("xmessage")
        .args(["-title", &title, "-geometry", "+0+0", "another application"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| setup("starting xmessage (package x11-utils)", e))?;
    let other = OtherApp(other);
    let focused = std::process::Command::new("xdotool")
        .args([
            "search",
            "--sync",
            "--name",
            &format!("^{title}$"),
            "windowfocus",
            "--sync",
        ])
        .output()
        .map_err(|e| setup("running xdotool (package xdotool)", e))?;
    ensure(
        focused.status.success(),
        format!("xdotool could not focus the other window: {focused:?}"),
    )?;
    Ok(other)
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn new_messages_notify_the_desktop_except_on_muted_channels() {
    let test = "new_messages_notify_the_desktop_except_on_muted_channels";
    let server = NotificationServer::start()
        .await
        .unwrap_or_else(|e| panic!("{test}: no notification server: {e}"));
    let launch = Launch::default()
        .arg("--demo")
        .env("DBUS_SESSION_BUS_ADDRESS", server.bus_address())
        // Count messages as news from the start (normally the first 15 s are the backlog).
        .env("INLET_NOTIFY_QUIET_MS", "0");
    run(test, launch, async |app: &Session| {
        app.wait_for_demo_chats(8).await?;
        let queue = app.demo_queue().await?;
        // Inlet notifies only while the operator is looking elsewhere.
        // (The page itself cannot tell: WebDriver automation keeps `document.hasFocus()` true.)
        let other_app = look_away()?;

        // What the demo stored just before is announced first, in one coalesced notification;
        // a first message of our own makes sure there is something to announce.
        let first = unique("First Customer");
        queue
            .send_chatapp(&mo(
                &unique("wamid"),
                "351911000000",
                &first,
                "TEXT",
                json!("Hello"),
            ))
            .await?;
        server.wait_for_any(DEFAULT_TIMEOUT).await?;

        // A message after that is told on its own (at most with the first one): who and what.
        let customer = unique("Notified Customer");
        queue
            .send_chatapp(&mo(
                &unique("wamid"),
                "351911000001",
                &customer,
                "TEXT",
                json!("Is the shop open?"),
            ))
            .await?;
        let (summary, body) = server.wait_for(&customer, DEFAULT_TIMEOUT).await?;
        if summary.contains(&customer) {
            ensure(
                body.contains("Is the shop open?"),
                format!("a lone message shows its text: {body:?}"),
            )?;
        }

        // Mute the bakery's channel in Settings.
        app.click("#open-settings").await?;
        let unticked = app
            .execute(
                "const label = [...document.querySelectorAll('#settings-view label')]
                     .find((l) => l.textContent.includes(arguments[0]));
                 const box = label?.querySelector('input[type=checkbox]');
                 if (!box || !box.checked) return false;
                 box.click();
                 return !box.checked;",
                vec![json!(format!("WABA {BAKERY_WABA}"))],
            )
            .await?;
        ensure(
            unticked == json!(true),
            "the bakery channel's notification box could not be unticked",
        )?;
        app.click("#save-settings").await?;
        app.wait_for("#settings-saved", DEFAULT_TIMEOUT).await?;
        app.click("#settings-view header button").await?;
        // Having used Inlet's settings, the operator turns to the other app again.
        drop(other_app);
        let _other_app = look_away()?;

        // A message on the muted channel, then one on another channel (the queue hands them out
        // in that order): the second is notified, the muted one never is, alone or coalesced.
        let muted = unique("Muted Customer");
        queue
            .send_chatapp(&mo(
                &unique("wamid"),
                "351911000002",
                &muted,
                "TEXT",
                json!("hello"),
            ))
            .await?;
        let other = unique("Bike Customer");
        let mut message = mo(
            &unique("wamid"),
            "66812345678",
            &other,
            "TEXT",
            json!("Flat tyre"),
        );
        message["WabaId"] = json!(BIKES_WABA);
        message["CustSpaceId"] = json!("cams-9tw3e6v1rbk0p");
        queue.send_chatapp(&message).await?;
        server.wait_for(&other, DEFAULT_TIMEOUT).await?;
        let shown = server.shown();
        ensure(
            !shown
                .iter()
                .any(|(s, b)| s.contains(&muted) || b.contains(&muted)),
            format!("a muted channel raised a notification: {shown:?}"),
        )?;
        // Muted is not lost: the message is stored and listed.
        app.wait_for_text("#chat-list", &muted, DEFAULT_TIMEOUT)
            .await?;
        Ok(())
    })
    .await;
}
