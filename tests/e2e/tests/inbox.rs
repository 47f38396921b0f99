//! The inbox as an operator uses it, against the app's embedded demo queue: the first-run demo,
//! live messages, every message type, offline use, and untrusted content staying text.

use inlet_e2e::{DEFAULT_TIMEOUT, DEMO_TIMEOUT, Launch, Session, ensure, mo, run, unique};
use serde_json::{Value, json};

/// Message ids unique across tests and runs.
/// Waits until a bubble of `kind` is in the open chat.
async fn wait_for_bubble(app: &Session, kind: &str) -> Result<(), inlet_e2e::Error> {
    app.wait_until(
        &format!("a {kind} bubble in the open chat"),
        &format!("document.querySelector('#timeline [data-bubble={kind}]')"),
        DEFAULT_TIMEOUT,
    )
    .await?;
    Ok(())
}

/// Waits until every `selector` image in the timeline has loaded real pixels (from the asset
/// protocol: saved media or cached tiles), and at least `min` of them exist.
async fn wait_for_loaded_images(
    app: &Session,
    selector: &str,
    min: u32,
) -> Result<(), inlet_e2e::Error> {
    app.wait_until(
        &format!("{selector} images to load"),
        &format!(
            "(() => {{ const imgs = [...document.querySelectorAll('{selector}')];
                return imgs.length >= {min} && imgs.every((i) => i.complete && i.naturalWidth > 0); }})()"
        ),
        DEMO_TIMEOUT,
    )
    .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn first_run_explore_the_demo_shows_chats_marked_as_demo_data() {
    let test = "first_run_explore_the_demo_shows_chats_marked_as_demo_data";
    run(test, Launch::default(), async |app: &Session| {
        app.wait_for_text("#welcome-panel", "Welcome to Inlet", DEFAULT_TIMEOUT).await?;
        ensure(!app.is_present("#chat-list").await?, "a chat list before any inbox was chosen")?;
        app.wait_for("#about-summary", DEFAULT_TIMEOUT).await?;
        app.wait_until(
            "the logo",
            "document.querySelector('#welcome-panel img.logo')?.naturalWidth > 0",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.save_view("welcome").await?;

        app.click("#explore-demo").await?;
        app.wait_for_demo_chats(8).await?;
        app.wait_for_text("#demo-badge", "Demo data", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#status-mode", "Demo data", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#demo-note", "nothing here is real", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#status-connectivity", "Connected", DEMO_TIMEOUT).await?;
        app.save_view("demo-inbox").await?;

        // Every row names the customer and shows their number; the unread count is a number.
        let rows = app
            .execute(
                "return [...document.querySelectorAll('#chat-list [role=option][data-conversation-id]')]
                    .map((r) => ({ name: r.querySelector('.name')?.textContent ?? '',
                                   number: r.querySelector('.number')?.textContent ?? '' }));",
                vec![],
            )
            .await?;
        let rows = rows.as_array().cloned().unwrap_or_default();
        ensure(
            rows.iter().any(|r| r["name"] == "Maria Santos" && r["number"] == "+5511988881234"),
            format!("Maria Santos with her number is not in the list: {rows:?}"),
        )?;

        app.open_chat("Maria Santos").await?;
        wait_for_bubble(app, "text").await?;
        app.wait_for_text("#chat-view .sub", "+5511988881234", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#chat-view .sub", "WABA 104857362910384", DEFAULT_TIMEOUT).await?;
        app.save_view("chat-open").await?;

        // The choice is remembered: settings.json says demo, and it holds no key.
        let settings = std::fs::read_to_string(app.data_dir().join("settings.json"))
            .map_err(|e| inlet_e2e::Error::Check(format!("settings.json: {e}")))?;
        ensure(settings.contains("\"mode\": \"demo\""), format!("settings: {settings}"))?;
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn a_message_sent_to_the_queue_appears_in_the_list_and_the_open_chat() {
    let test = "a_message_sent_to_the_queue_appears_in_the_list_and_the_open_chat";
    run(
        test,
        Launch::default().arg("--demo"),
        async |app: &Session| {
            app.wait_for_demo_chats(8).await?;
            let queue = app.demo_queue().await?;
            app.open_chat("Maria Santos").await?;
            wait_for_bubble(app, "text").await?;

            let text = format!("Can I add a box of pastéis de nata? {}", unique("live"));
            queue
                .send_chatapp(&mo(
                    &unique("wamid"),
                    "5511988881234",
                    "Maria Santos",
                    "TEXT",
                    json!(text),
                ))
                .await?;
            app.wait_for_text("#timeline", &text, DEFAULT_TIMEOUT)
                .await?;
            app.wait_for_text("#chat-list", &text, DEFAULT_TIMEOUT)
                .await?;

            // A customer the inbox has never seen gets a new chat at the top of the list.
            let newcomer = format!("Newcomer {}", unique("n"));
            queue
                .send_chatapp(&mo(
                    &unique("wamid"),
                    "351911222333",
                    &newcomer,
                    "TEXT",
                    json!("Olá! Are you open today?"),
                ))
                .await?;
            app.wait_until(
                "the newcomer's chat first in the list",
                &format!(
                    "document.querySelector('#chat-option-0 .name')?.textContent === {}",
                    json!(newcomer)
                ),
                DEFAULT_TIMEOUT,
            )
            .await?;
            app.save_view("live-message").await?;
            Ok(())
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn every_message_type_renders_with_its_attachment_state() {
    let test = "every_message_type_renders_with_its_attachment_state";
    run(test, Launch::default().arg("--demo"), async |app: &Session| {
        app.wait_for_demo_chats(8).await?;

        // 王芳: a voice note, a photo, a button reply and a location, all saved with their map.
        app.open_chat("王芳").await?;
        for kind in ["text", "audio", "image", "reply", "location"] {
            wait_for_bubble(app, kind).await?;
        }
        wait_for_loaded_images(app, "#timeline [data-bubble=image] img", 1).await?;
        app.wait_until(
            "a playable voice note",
            "document.querySelector('#timeline [data-bubble=audio] audio')?.getAttribute('src')?.length > 0",
            DEMO_TIMEOUT,
        )
        .await?;
        wait_for_loaded_images(app, "#timeline [data-bubble=location] img.tile", 4).await?;
        app.wait_for_text("#timeline [data-bubble=reply]", "Replied to a button:", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#timeline [data-bubble=reply]", "确认预订", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#timeline [data-bubble=reply]", "ebike_rent_0415", DEFAULT_TIMEOUT).await?;
        // The operator names the payload once; the reply (and every later one) shows the name.
        app.click("#timeline [data-bubble=reply] button.name-payload").await?;
        app.fill("#timeline [data-bubble=reply] form.naming input", "E-bike rental booked").await?;
        app.click("#timeline [data-bubble=reply] form.naming button[type=submit]").await?;
        app.wait_for_text("#timeline [data-bubble=reply] .payload-name", "E-bike rental booked", DEFAULT_TIMEOUT)
            .await?;
        app.wait_for_text("#timeline [data-bubble=location]", "浅草寺", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#timeline [data-bubble=location]", "東京都台東区浅草2丁目3-1", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#timeline [data-bubble=location] .attribution", "Demo map tiles", DEFAULT_TIMEOUT)
            .await?;
        app.wait_for_text("#timeline [data-bubble=image] [data-media-state=saved]", "Saved", DEFAULT_TIMEOUT)
            .await?;
        app.save_view("image-audio-location-reply").await?;

        // Clicking the photo shows it full size.
        app.click("#timeline [data-bubble=image] .thumb").await?;
        wait_for_loaded_images(app, "#image-viewer img", 1).await?;
        app.save_view("image-viewer").await?;
        app.click("#image-viewer header button").await?;

        app.open_chat("สมชาย ใจดี").await?;
        wait_for_bubble(app, "video").await?;
        app.wait_until(
            "a playable video",
            "document.querySelector('#timeline [data-bubble=video] video')?.getAttribute('src')?.length > 0",
            DEMO_TIMEOUT,
        )
        .await?;
        // His photo from nine days ago died before it could be saved: said, not hidden.
        app.wait_for_text("#timeline [data-media-state=expired]", "expired", DEMO_TIMEOUT).await?;
        app.save_view("video-expired").await?;

        // Maria: an invoice (document card) and a reaction, an undocumented type shown raw.
        app.open_chat("Maria Santos").await?;
        wait_for_bubble(app, "document").await?;
        app.wait_for_text("#timeline [data-bubble=document] .file-name", ".pdf", DEFAULT_TIMEOUT).await?;
        app.wait_for_text("#timeline [data-bubble=document]", "PDF", DEFAULT_TIMEOUT).await?;
        app.wait_until(
            "the invoice saved and openable",
            "document.querySelector('#timeline [data-bubble=document] [data-media-state=saved]') &&
             !document.querySelector('#timeline [data-bubble=document] button.open').disabled",
            DEMO_TIMEOUT,
        )
        .await?;
        wait_for_bubble(app, "unsupported").await?;
        app.wait_for_text("#timeline [data-bubble=unsupported]", "REACTION", DEFAULT_TIMEOUT).await?;
        app.save_view("document-unsupported").await?;

        app.open_chat("James O'Connor").await?;
        wait_for_bubble(app, "contacts").await?;
        // A link in a message is text that asks before anything opens.
        let link = app
            .execute(
                "const b = document.querySelector('#timeline [data-bubble=text] button.link');
                 return b ? b.textContent : null;",
                vec![],
            )
            .await?;
        let link = link.as_str().unwrap_or_default().to_owned();
        ensure(link.starts_with("https://"), format!("no link button in James's text: {link:?}"))?;
        app.click("#timeline [data-bubble=text] button.link").await?;
        app.wait_for_text("#link-confirm-url", &link, DEFAULT_TIMEOUT).await?;
        app.save_view("link-confirm").await?;
        app.click("#link-confirm footer button:not(.primary)").await?;
        app.wait_until(
            "the confirmation to close without opening anything",
            "!document.getElementById('link-confirm')",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.open_chat("Tom").await?;
        wait_for_bubble(app, "system").await?;
        app.wait_for_text("#timeline [data-bubble=system]", "security code changed", DEFAULT_TIMEOUT).await?;
        app.open_chat("Ana Pereira").await?;
        app.wait_for_text("#timeline [data-bubble=system]", "changed their number", DEFAULT_TIMEOUT).await?;
        app.save_view("system-notice").await?;

        // Day separators and local times.
        let separators = app
            .execute("return document.querySelectorAll('#timeline .day').length;", vec![])
            .await?;
        ensure(separators.as_u64().unwrap_or(0) >= 1, "no day separator in the timeline")?;
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn cached_chats_media_and_maps_still_show_when_the_queue_is_gone() {
    let test = "cached_chats_media_and_maps_still_show_when_the_queue_is_gone";
    run(test, Launch::default().arg("--demo"), async |app: &Session| {
        app.wait_for_demo_chats(8).await?;
        app.open_chat("王芳").await?;
        wait_for_loaded_images(app, "#timeline [data-bubble=image] img", 1).await?;
        wait_for_loaded_images(app, "#timeline [data-bubble=location] img.tile", 4).await?;

        let stopped = app.invoke("test_stop_demo_queue", json!({})).await?;
        ensure(stopped.is_ok(), format!("stopping the demo queue failed: {stopped:?}"))?;
        app.wait_until(
            "the status bar to report the queue unreachable",
            "document.querySelector('#status-connectivity [data-tone=warn]')?.textContent.includes('Offline')",
            DEMO_TIMEOUT,
        )
        .await?;

        // A fresh page: nothing cached in the webview, everything from the store and the disk.
        app.execute("location.reload(); return true;", vec![]).await?;
        app.wait_for_demo_chats(8).await?;
        app.open_chat("王芳").await?;
        wait_for_loaded_images(app, "#timeline [data-bubble=image] img", 1).await?;
        wait_for_loaded_images(app, "#timeline [data-bubble=location] img.tile", 4).await?;
        app.wait_until(
            "the offline state in the status bar after reload",
            "document.querySelector('#status-connectivity [data-tone=warn]')",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.save_view("offline").await?;
        Ok(())
    })
    .await;
}

/// Script, HTML and markdown in every field a message carries.
fn hostile(field: &str) -> String {
    format!(
        "<img src=x onerror=\"window.__pwned='{field}'\"><script>window.__pwned='{field}'</script>\
         <b>bold {field}</b> **md {field}** [x](javascript:window.__pwned='{field}')"
    )
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn markup_and_script_in_messages_stay_visible_text() {
    let test = "markup_and_script_in_messages_stay_visible_text";
    run(test, Launch::default().arg("--demo"), async |app: &Session| {
        app.wait_for_demo_chats(8).await?;
        let queue = app.demo_queue().await?;
        let from = "4915199990000";
        let name = hostile("DisplayName");
        let message = |kind: &str, body: Value| {
            let mut m = mo(&unique("evil"), from, &name, kind, body);
            m["Name"] = json!(hostile("Name"));
            m
        };
        let messages = vec![
            message("TEXT", json!(hostile("text"))),
            message(
                "IMAGE",
                json!({"caption": hostile("caption"), "mimeType": "image/png", "url": queue.missing_media_url("a.png")}),
            ),
            message(
                "VIDEO",
                json!({"name": hostile("video name"), "mimeType": "video/mp4", "url": queue.missing_media_url("v.mp4")}),
            ),
            message(
                "DOCUMENT",
                json!({"name": hostile("document name"), "filename": hostile("filename"),
                       "mimeType": "application/pdf", "url": queue.missing_media_url("d.pdf")}),
            ),
            message("REPLY", json!({"text": hostile("reply text"), "payload": hostile("payload")})),
            message(
                "LOCATION",
                json!({"name": hostile("location name"), "address": hostile("address"),
                       "latitude": "38.7139", "longitude": "-9.1334"}),
            ),
            message("CONTACTS", json!([{"name": {"formatted_name": hostile("contact")}, "phones": [{"phone": hostile("phone")}]}])),
            message("MYSTERY", json!({"html": hostile("unsupported")})),
        ];
        for m in &messages {
            queue.send_chatapp(m).await?;
        }
        app.open_chat(&name).await?;
        app.wait_until(
            "all eight hostile messages in the chat",
            "document.querySelectorAll('#timeline [data-message-id]').length >= 8",
            DEFAULT_TIMEOUT,
        )
        .await?;

        let verdict = app
            .execute(
                r#"
                const areas = ['#timeline', '#chat-list', '#chat-view header', '#status-connectivity'];
                const made = areas.flatMap((a) =>
                    [...document.querySelectorAll(`${a} b, ${a} script, ${a} img[src="x"], ${a} a`)]);
                const text = document.getElementById('timeline').textContent;
                return {
                    pwned: window.__pwned === undefined ? null : String(window.__pwned),
                    created: made.map((e) => e.outerHTML),
                    text,
                    title: document.getElementById('chat-title').textContent,
                };
                "#,
                vec![],
            )
            .await?;
        ensure(verdict["pwned"].is_null(), format!("a script ran: {}", verdict["pwned"]))?;
        ensure(
            verdict["created"].as_array().is_some_and(Vec::is_empty),
            format!("message text became markup: {}", verdict["created"]),
        )?;
        ensure(verdict["title"] == json!(name), format!("chat title {}", verdict["title"]))?;
        let text = verdict["text"].as_str().unwrap_or_default();
        for field in [
            "text", "caption", "video name", "filename", "reply text", "payload", "location name", "address",
            "contact", "unsupported",
        ] {
            let raw = hostile(field);
            // The unsupported payload is shown as JSON, where quotes are escaped.
            let shown = if field == "unsupported" { format!("<b>bold {field}</b>") } else { raw };
            ensure(text.contains(&shown), format!("the raw {field} is not visible as text"))?;
        }
        app.save_view("hostile-content").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn keyboard_filters_search_and_dark_theme() {
    let test = "keyboard_filters_search_and_dark_theme";
    run(test, Launch::default().arg("--demo"), async |app: &Session| {
        app.wait_for_demo_chats(8).await?;

        // Keyboard: focus the list, move down twice, Enter opens the third chat.
        let third = app
            .execute(
                "const list = document.getElementById('chat-list'); list.focus();
                 for (const key of ['ArrowDown', 'ArrowDown', 'Enter'])
                     list.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
                 return document.querySelector('#chat-option-2 .name').textContent;",
                vec![],
            )
            .await?;
        let third = third.as_str().unwrap_or_default().to_owned();
        app.wait_for_text("#chat-title", &third, DEFAULT_TIMEOUT).await?;
        app.wait_until(
            "the listbox's active option to follow the keys",
            "document.getElementById('chat-list').getAttribute('aria-activedescendant') === 'chat-option-2'",
            DEFAULT_TIMEOUT,
        )
        .await?;

        // Unread filter: every row shown has an unread count.
        app.click("#filter-unread").await?;
        app.wait_until(
            "only unread chats",
            "(() => { const rows = [...document.querySelectorAll('#chat-list [role=option][data-conversation-id]')];
                return rows.length > 0 && rows.every((r) => r.querySelector('.count')); })()",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.click("#filter-all").await?;

        // Ctrl+K focuses search; a search finds the Thai customer's payment message.
        app.execute(
            "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true, bubbles: true }));
             return true;",
            vec![],
        )
        .await?;
        app.wait_until(
            "Ctrl+K to focus the search box",
            "document.activeElement?.id === 'search-box'",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.client()
            .find(fantoccini::Locator::Css("#search-box"))
            .await?
            .send_keys("1,250")
            .await?;
        app.wait_for_text("#search-results", "1,250", DEFAULT_TIMEOUT).await?;
        app.wait_until(
            "the match marked",
            "document.querySelector('#search-results mark')?.textContent === '1,250'",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.save_view("search").await?;
        app.click("#search-results .hit").await?;
        app.wait_for_text("#chat-title", "สมชาย ใจดี", DEFAULT_TIMEOUT).await?;
        app.wait_until(
            "the found message highlighted",
            "document.querySelector('#timeline .highlighted')?.textContent.includes('1,250')",
            DEFAULT_TIMEOUT,
        )
        .await?;

        app.click("#search-clear").await?;
        app.wait_for("#chat-list", DEFAULT_TIMEOUT).await?;

        // Settings: dark theme, saved and applied.
        app.click("#open-settings").await?;
        app.click("#theme-dark").await?;
        // The button payloads customers used are listed there for naming.
        app.wait_for_text("#payload-list", "ebike_rent_0415", DEFAULT_TIMEOUT).await?;
        app.fill("#payload-list input[aria-label='Name for payload order_confirm_1042']", "Order confirmed")
            .await?;
        app.click("#save-settings").await?;
        app.wait_for("#settings-saved", DEFAULT_TIMEOUT).await?;
        app.save_view("settings-dark").await?;
        app.click("#settings-view header button").await?;
        app.wait_until(
            "the dark theme on the page",
            "document.documentElement.dataset.theme === 'dark'",
            DEFAULT_TIMEOUT,
        )
        .await?;
        // Opened again, the list comes fresh from the store: the named payload is kept, and first.
        app.click("#open-settings").await?;
        app.wait_until(
            "the payload name saved and listed first",
            "document.querySelector('#payload-list li input')?.value === 'Order confirmed'",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.click("#settings-view header button").await?;
        app.open_chat("王芳").await?;
        wait_for_loaded_images(app, "#timeline [data-bubble=location] img.tile", 4).await?;
        app.save_view("chat-dark").await?;
        Ok(())
    })
    .await;
}
