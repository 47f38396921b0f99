//! Finding, organising and exporting, as an operator does it in the app on the demo inbox:
//! labels and notes, exports of a chat, backup and restore, and search filters with paging.
//!
//! The native save/open dialogs cannot be driven through WebDriver, so each test presets the
//! path the next dialog returns (`test_preset_dialog_path`, test hooks only). Everything else —
//! the export, the backup, the restore — is the app's real work on real files.

use std::path::Path;
use std::time::{Duration, Instant};

use inlet_e2e::{DEFAULT_TIMEOUT, DEMO_TIMEOUT, Error, Launch, Session, ensure, mo, run, unique};
use serde_json::{Value, json};

/// The number of chats the list says it holds.
async fn list_total(app: &Session) -> Result<u64, Error> {
    let total = app
        .execute(
            "return Number(document.getElementById('chat-list')?.dataset.total ?? -1);",
            vec![],
        )
        .await?;
    total
        .as_u64()
        .ok_or_else(|| Error::Check(format!("no chat list total: {total}")))
}

async fn open_chat_id(app: &Session) -> Result<i64, Error> {
    let id = app
        .execute(
            "return Number(document.getElementById('chat-view')?.dataset.conversationId);",
            vec![],
        )
        .await?;
    id.as_i64()
        .ok_or_else(|| Error::Check(format!("no open chat: {id}")))
}

/// Polls the app's own search until `text` finds `count` messages (they are stored).
async fn wait_for_stored_hits(app: &Session, text: &str, count: usize) -> Result<(), Error> {
    let deadline = Instant::now() + DEMO_TIMEOUT;
    loop {
        let page = app
            .invoke("search", json!({ "query": { "text": text, "limit": 100 } }))
            .await?
            .map_err(|e| Error::Check(format!("search failed: {e}")))?;
        let found = page["hits"].as_array().map_or(0, Vec::len);
        if found == count {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Error::Check(format!(
                "{found} of {count} messages with {text:?} stored after {DEMO_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn preset_dialog(app: &Session, path: &Path) -> Result<(), Error> {
    let answer = app
        .invoke(
            "test_preset_dialog_path",
            json!({ "path": path.display().to_string() }),
        )
        .await?;
    ensure(
        answer.is_ok(),
        format!("presetting the dialog failed: {answer:?}"),
    )
}

async fn open_settings(app: &Session) -> Result<(), Error> {
    app.click("#open-settings").await?;
    app.wait_for("#settings-view #label-manager", DEFAULT_TIMEOUT)
        .await?;
    Ok(())
}

async fn close_dialog(app: &Session, id: &str) -> Result<(), Error> {
    app.click(&format!("#{id} header button")).await?;
    app.wait_until(
        &format!("#{id} to close"),
        &format!("!document.getElementById('{id}')"),
        DEFAULT_TIMEOUT,
    )
    .await?;
    Ok(())
}

/// Creates a label in Settings and returns its id.
async fn create_label(app: &Session, name: &str) -> Result<i64, Error> {
    open_settings(app).await?;
    app.fill("#new-label-name", name).await?;
    app.click("#create-label").await?;
    let id = app
        .wait_until(
            "the new label in Settings",
            &format!(
                "[...document.querySelectorAll('#label-manager li[data-label-id]')]
                    .find((li) => li.querySelector('.name')?.textContent === {})?.dataset.labelId",
                json!(name)
            ),
            DEFAULT_TIMEOUT,
        )
        .await?;
    close_dialog(app, "settings-view").await?;
    id.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Check(format!("label id {id}")))
}

/// Ticks a label in the open chat's Labels menu and waits for its chip in the header.
async fn label_open_chat(app: &Session, label_id: i64, name: &str) -> Result<(), Error> {
    app.click("#chat-labels").await?;
    app.click(&format!(
        "#chat-labels-menu input[data-label-id='{label_id}']"
    ))
    .await?;
    app.wait_for_text("#chat-label-chips", name, DEFAULT_TIMEOUT)
        .await?;
    // Closes the menu.
    app.click("#chat-labels").await?;
    Ok(())
}

/// The ids of the chats the list shows right now.
async fn listed_ids(app: &Session) -> Result<Vec<i64>, Error> {
    let ids = app
        .execute(
            "return [...document.querySelectorAll('#chat-list [role=option][data-conversation-id]')]
                .map((r) => Number(r.dataset.conversationId));",
            vec![],
        )
        .await?;
    let mut ids: Vec<i64> = ids
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

async fn export_open_chat(app: &Session, format: &str, to: &Path) -> Result<String, Error> {
    preset_dialog(app, to).await?;
    app.click("#chat-export").await?;
    app.click(&format!("#export-format-{format}")).await?;
    app.click("#export-run").await?;
    let done = app
        .wait_for_text("#export-done", "Saved", DEMO_TIMEOUT)
        .await?;
    app.save_view(&format!("export-{format}")).await?;
    close_dialog(app, "export-dialog").await?;
    Ok(done)
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn labels_notes_and_chat_exports() {
    let test = "labels_notes_and_chat_exports";
    run(test, Launch::default().arg("--demo"), async |app: &Session| {
        app.wait_for_demo_chats(8).await?;
        let label_name = "Follow up";
        let label = create_label(app, label_name).await?;

        app.open_chat("Maria Santos").await?;
        let maria = open_chat_id(app).await?;
        label_open_chat(app, label, label_name).await?;
        app.open_chat("王芳").await?;
        let wang = open_chat_id(app).await?;
        label_open_chat(app, label, label_name).await?;

        // The chips show on both rows of the list.
        for chat in [maria, wang] {
            app.wait_for_text(
                &format!("#chat-list [data-conversation-id='{chat}'] .chip"),
                label_name,
                DEFAULT_TIMEOUT,
            )
            .await?;
        }
        app.save_view("labelled").await?;

        // The label filter lists exactly those two chats.
        let all = list_total(app).await?;
        app.fill("#filter-label", &label.to_string()).await?;
        app.wait_until(
            "the list filtered by the label",
            "document.getElementById('chat-list')?.dataset.total === '2'",
            DEFAULT_TIMEOUT,
        )
        .await?;
        let mut expected = vec![maria, wang];
        expected.sort_unstable();
        app.wait_until(
            "the two labelled chats listed",
            "document.querySelectorAll('#chat-list [role=option][data-conversation-id]').length === 2",
            DEFAULT_TIMEOUT,
        )
        .await?;
        let listed = listed_ids(app).await?;
        ensure(listed == expected, format!("listed {listed:?}, expected {expected:?}"))?;
        app.fill("#filter-label", "").await?;
        app.wait_until(
            "the whole list back",
            &format!("document.getElementById('chat-list')?.dataset.total === '{all}'"),
            DEFAULT_TIMEOUT,
        )
        .await?;

        // A note about Maria, kept when her chat is opened again; shown as text.
        let note = "Prefers <b>morning</b> deliveries";
        app.open_chat("Maria Santos").await?;
        app.click("#chat-note-edit").await?;
        app.fill("#chat-note-text", note).await?;
        app.click("#chat-note-save").await?;
        app.wait_for_text("#chat-note", note, DEFAULT_TIMEOUT).await?;
        app.open_chat("王芳").await?;
        app.wait_until(
            "no note on 王芳's chat",
            "document.getElementById('chat-title')?.textContent === '王芳' && !document.getElementById('chat-note')",
            DEFAULT_TIMEOUT,
        )
        .await?;
        app.open_chat("Maria Santos").await?;
        app.wait_for_text("#chat-note", note, DEFAULT_TIMEOUT).await?;
        app.save_view("note").await?;
        ensure(
            !app.is_present("#chat-note b").await?,
            "the note was rendered as markup",
        )?;

        // Export Maria's chat as JSON Lines: her messages only, with the note and label.
        let scratch = tempfile::tempdir().map_err(|e| Error::Check(e.to_string()))?;
        let jsonl = scratch.path().join("maria.jsonl");
        let said = export_open_chat(app, "json_lines", &jsonl).await?;
        ensure(said.contains("maria.jsonl"), format!("result sentence: {said}"))?;
        let text = std::fs::read_to_string(&jsonl)
            .map_err(|e| Error::Check(format!("{}: {e}", jsonl.display())))?;
        let lines: Vec<Value> = text
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|e| Error::Check(format!("not JSON Lines: {e}")))?;
        ensure(!lines.is_empty(), "the export is empty")?;
        for line in &lines {
            ensure(
                line["conversation_id"] == json!(maria),
                format!("a message of another chat: {line}"),
            )?;
            ensure(
                line["contact_note"]["text"] == json!(note),
                format!("no note: {}", line["contact_note"]),
            )?;
            ensure(
                line["conversation"]["labels"]
                    .as_array()
                    .is_some_and(|ls| ls.iter().any(|l| l["name"] == label_name)),
                format!("no label: {}", line["conversation"]),
            )?;
        }
        ensure(
            said.contains(&format!("Saved {} record", lines.len())),
            format!("the sentence does not count {} lines: {said}", lines.len()),
        )?;

        // And as a folder of web pages.
        let html = scratch.path().join("maria-html");
        export_open_chat(app, "html", &html).await?;
        let index = std::fs::read_to_string(html.join("index.html"))
            .map_err(|e| Error::Check(format!("index.html: {e}")))?;
        ensure(index.contains("Maria Santos"), "the index does not name the chat")?;
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn backup_then_restore_brings_the_inbox_back() {
    let test = "backup_then_restore_brings_the_inbox_back";
    run(test, Launch::default().arg("--demo"), async |app: &Session| {
        app.wait_for_demo_chats(8).await?;
        let queue = app.demo_queue().await?;
        let before = list_total(app).await?;
        let scratch = tempfile::tempdir().map_err(|e| Error::Check(e.to_string()))?;
        let file = scratch.path().join("inlet-backup.tar");

        open_settings(app).await?;
        preset_dialog(app, &file).await?;
        app.click("#backup-run").await?;
        app.wait_for_text("#backup-done", "Backed up to", DEMO_TIMEOUT)
            .await?;
        ensure(file.is_file(), "no backup file")?;
        app.save_view("backup-done").await?;
        close_dialog(app, "settings-view").await?;

        // A new customer after the backup: one more chat, which the restore takes away again.
        let newcomer = format!("After backup {}", unique("n"));
        queue
            .send_chatapp(&mo(&unique("wamid"), "351911000777", &newcomer, "TEXT", json!("Olá")))
            .await?;
        app.wait_until(
            "the newcomer's chat",
            &format!(
                "document.getElementById('chat-list')?.dataset.total === '{}'",
                before + 1
            ),
            DEFAULT_TIMEOUT,
        )
        .await?;

        open_settings(app).await?;
        preset_dialog(app, &file).await?;
        app.click("#restore-run").await?;
        app.wait_for_text("#restore-confirm", "replaces every message", DEFAULT_TIMEOUT)
            .await?;
        app.save_view("restore-confirm").await?;
        app.click("#restore-confirm-run").await?;
        app.wait_for_text("#restore-done", "Restored and verified", DEMO_TIMEOUT)
            .await?;
        close_dialog(app, "settings-view").await?;
        app.wait_until(
            "the restored chat list",
            &format!("document.getElementById('chat-list')?.dataset.total === '{before}'"),
            DEMO_TIMEOUT,
        )
        .await?;
        let names = app
            .execute(
                "return [...document.querySelectorAll('#chat-list .name')].map((n) => n.textContent);",
                vec![],
            )
            .await?;
        ensure(
            !names.to_string().contains(&newcomer),
            format!("the chat written after the backup is still there: {names}"),
        )?;
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display; run by scripts/test under Xvfb"]
async fn search_filters_by_type_and_loads_more() {
    let test = "search_filters_by_type_and_loads_more";
    run(
        test,
        Launch::default().arg("--demo"),
        async |app: &Session| {
            app.wait_for_demo_chats(8).await?;
            let queue = app.demo_queue().await?;
            // More matching messages than one page of results (25).
            let word = unique("quokka");
            for i in 0..30 {
                queue
                    .send_chatapp(&mo(
                        &unique("wamid"),
                        "351911000555",
                        "Search Test",
                        "TEXT",
                        json!(format!("order {i} {word}")),
                    ))
                    .await?;
            }
            wait_for_stored_hits(app, &word, 30).await?;

            app.fill("#search-box", &word).await?;
            app.click("#search-filters-toggle").await?;
            app.fill("#search-kind", "text").await?;
            app.wait_for_text("#search-count", "25+", DEFAULT_TIMEOUT)
                .await?;
            app.click("#search-more").await?;
            app.wait_until(
                "30 results after Load more",
                "document.querySelectorAll('#search-results .hit').length === 30",
                DEFAULT_TIMEOUT,
            )
            .await?;
            ensure(
                !app.is_present("#search-more").await?,
                "Load more is still offered after the last page",
            )?;
            app.save_view("search-more").await?;

            // Images only: the same word finds nothing; no text lists only images.
            app.fill("#search-kind", "image").await?;
            app.wait_for_text("#search-results", "Nothing found", DEFAULT_TIMEOUT)
                .await?;
            app.fill("#search-box", "").await?;
            let kinds = app
                .wait_until(
                    "image results",
                    "(() => { const hits = [...document.querySelectorAll('#search-results .hit')];
                    return hits.length > 0 && hits.map((h) => h.dataset.kind); })()",
                    DEFAULT_TIMEOUT,
                )
                .await?;
            ensure(
                kinds
                    .as_array()
                    .is_some_and(|ks| ks.iter().all(|k| k == "image")),
                format!("not only images: {kinds}"),
            )?;
            Ok(())
        },
    )
    .await;
}
