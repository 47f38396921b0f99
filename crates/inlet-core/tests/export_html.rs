//! The HTML export opened in a real browser (headless Chromium): every message type renders,
//! media and maps come from the export folder, and markup in any field is text, never an element.
//! Needs `/usr/bin/chromium` (scripts/test installs it); fails clearly without it.

mod archive_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use archive_support::{
    FIXTURES, NOW, add_map, delivery, fixture, mark_saved, mo, open, png_sized, sql,
};
use inlet_core::export::{ExportScope, HtmlOptions, export_html};
use inlet_core::store::{Queries, Store};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Markup that would become an element if any field were not escaped. As text the browser
/// serialises it as `&lt;i class=inj&gt;`; as an element it would be `<i class="inj">`.
fn inj(field: &str) -> String {
    format!("<i class=inj>{field}</i><script>x()</script>\"'&amp;")
}

struct Export {
    _dir: tempfile::TempDir,
    out: PathBuf,
    store: Store,
}

fn build() -> Export {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let batch: Vec<_> = FIXTURES.iter().map(|n| delivery(n, &fixture(n))).collect();
    s.ingest(&batch, NOW).unwrap();
    let from = "447700900999";
    let names = json!({"DisplayName": inj("display_name"), "Name": inj("name")});
    let hostile = [
        mo(
            "h-text",
            from,
            NOW + 1,
            "TEXT",
            json!(inj("text")),
            names.clone(),
        ),
        mo(
            "h-image",
            from,
            NOW + 2,
            "IMAGE",
            json!({"caption": inj("caption"), "url": "javascript:alert(1)//x.jpg", "mimeType": "image/png"}),
            names.clone(),
        ),
        mo(
            "h-doc",
            from,
            NOW + 3,
            "DOCUMENT",
            json!({"filename": format!("../../{}.pdf", inj("filename")), "url": "https://h/d.pdf", "mimeType": "application/pdf"}),
            names.clone(),
        ),
        mo(
            "h-audio",
            from,
            NOW + 4,
            "AUDIO",
            json!({"url": "https://h/a.ogg", "mimeType": "audio/ogg"}),
            names.clone(),
        ),
        mo(
            "h-video",
            from,
            NOW + 5,
            "VIDEO",
            json!({"url": "https://h/v.mp4", "mimeType": "video/mp4", "caption": inj("video")}),
            names.clone(),
        ),
        mo(
            "h-loc",
            from,
            NOW + 6,
            "LOCATION",
            json!({"name": inj("place"), "address": inj("address"), "latitude": "51.5007", "longitude": "-0.1246"}),
            names.clone(),
        ),
        mo(
            "h-reply",
            from,
            NOW + 7,
            "REPLY",
            json!({"text": inj("button"), "payload": inj("payload")}),
            names.clone(),
        ),
        mo(
            "h-card",
            from,
            NOW + 8,
            "CONTACTS",
            json!([{"name": {"formatted_name": inj("card")}, "phones": [{"phone": inj("phone")}], "emails": [{"email": inj("email")}]}]),
            names.clone(),
        ),
        mo(
            "h-odd",
            from,
            NOW + 9,
            inj("type").as_str(),
            json!({"x": inj("raw")}),
            names.clone(),
        ),
        mo(
            "h-sys",
            from,
            NOW + 10,
            "SYSTEM",
            json!({"body": inj("notice"), "type": "user_identity_changed"}),
            names.clone(),
        ),
        mo(
            "h-lost",
            from,
            NOW + 11,
            "IMAGE",
            json!({"url": "https://h/lost.jpg"}),
            names.clone(),
        ),
    ];
    let batch: Vec<_> = hostile
        .iter()
        .enumerate()
        .map(|(i, b)| delivery(&format!("h{i}"), b))
        .collect();
    let report = s.ingest(&batch, NOW + 60_000).unwrap();
    let chat = report.inserted[0].conversation_id;
    let rowid = |n: usize| report.inserted[n].rowid;

    let label = s.create_label(&inj("label"), "#2266cc", 1).unwrap();
    s.assign_label(chat, label.id, 1).unwrap();
    s.set_contact_note(from, &inj("note"), 1).unwrap();

    // What the media keeper would have saved: a photo, a PDF, audio, video; one saved file gone.
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let p = media.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let db = s.path().to_path_buf();
    mark_saved(
        &db,
        rowid(1),
        &file("aa11", &png_sized(96, [30, 140, 90])),
        "image/png",
    );
    mark_saved(
        &db,
        rowid(2),
        &file("bb22", b"%PDF-1.4\n%test\n"),
        "application/pdf",
    );
    mark_saved(&db, rowid(3), &file("cc33", b"OggS\0test"), "audio/ogg");
    mark_saved(
        &db,
        rowid(4),
        &file("dd44", b"\0\0\0\x18ftypmp42"),
        "video/mp4",
    );
    mark_saved(&db, rowid(10), &media.join("gone"), "image/jpeg");
    add_map(&db, rowid(5), dir.path(), 17, 51.5007, -0.1246);
    sql(&db)
        .execute("UPDATE media SET state = 'expired' WHERE url LIKE '%whatsapp-prod%' AND kind = 'video'", [])
        .unwrap();

    let out = dir.path().join("export");
    let html = export_html(
        &s,
        &ExportScope::default(),
        &HtmlOptions {
            page_size: 8,
            ..HtmlOptions::new(&out)
        },
    )
    .unwrap();
    assert_eq!(html.files_copied, 4);
    assert_eq!(html.files_missing, 1);
    assert_eq!(html.tiles_copied, 4);
    Export {
        _dir: dir,
        out,
        store: s,
    }
}

fn chromium(args: &[&str], page: &Path) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install it (scripts/test does: apt-get install chromium)"
    );
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn dom(page: &Path) -> String {
    chromium(&["--dump-dom"], page)
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The pages of the chat with the hostile messages, in order.
fn hostile_pages(e: &Export) -> Vec<PathBuf> {
    let chats = e.store.conversations(&Default::default()).unwrap();
    let id = chats
        .iter()
        .find(|c| c.customer_number == "447700900999")
        .unwrap()
        .id;
    (1..)
        .map(|n| e.out.join(format!("chats/{id}-{n}.html")))
        .take_while(|p| p.exists())
        .collect()
}

#[test]
fn every_message_type_renders_with_its_media_and_map() {
    let e = build();
    let index = dom(&e.out.join("index.html"));
    assert!(index.contains("Mr Liu"), "the chat list names the chats");
    assert!(
        index.contains("messages could not be read") || !e.out.join("quarantine.html").exists()
    );

    let pages = hostile_pages(&e);
    assert_eq!(pages.len(), 2, "11 messages at 8 per page");
    let all: String = pages.iter().map(|p| dom(p)).collect();
    for kind in [
        "text",
        "image",
        "document",
        "audio",
        "video",
        "location",
        "reply",
        "contacts",
        "unsupported",
        "system",
    ] {
        assert!(
            all.contains(&format!("class=\"msg kind-{kind}\"")),
            "a {kind} message is shown"
        );
    }
    assert!(
        all.contains("<img class=\"photo\" src=\"../files/"),
        "the saved photo is shown"
    );
    assert!(all.contains("<audio controls=\"\" preload=\"none\" src=\"../files/"));
    assert!(all.contains("<video controls=\"\" preload=\"metadata\" src=\"../files/"));
    assert!(
        all.contains("<svg class=\"map\""),
        "the location has its map"
    );
    assert_eq!(all.matches("<image href=\"../tiles/17-").count(), 4);
    assert!(
        all.contains("saved, but the file is missing"),
        "the missing file is a card"
    );
    assert!(all.contains("Page 1 of 2") && all.contains("Page 2 of 2"));

    // The fixtures' chat: every documented type, media not downloaded shown by state.
    let chats = e.store.conversations(&Default::default()).unwrap();
    let liu = chats
        .iter()
        .find(|c| c.customer_number.starts_with("86138"))
        .unwrap();
    let first = dom(&e.out.join(format!("chats/{}-1.html", liu.id)));
    assert!(first.contains("not downloaded yet") || first.contains("its link expired"));

    // A picture of it, for people to look at.
    let shot = artifacts().join("html-export.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2000",
            "--hide-scrollbars",
        ],
        &pages[0],
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 1000)
            .unwrap_or(false)
    );
}

#[test]
fn markup_in_every_field_stays_text() {
    let e = build();
    let mut all = dom(&e.out.join("index.html"));
    for p in hostile_pages(&e) {
        all.push_str(&dom(&p));
    }
    assert!(
        !all.contains("<i class=\"inj\">"),
        "no injected element was created"
    );
    assert!(!all.contains("<script"), "no script element anywhere");
    for field in [
        "display_name",
        "text",
        "caption",
        "filename",
        "video",
        "place",
        "address",
        "button",
        "payload",
        "card",
        "phone",
        "email",
        "raw",
        "type",
        "notice",
        "label",
        "note",
    ] {
        assert!(
            all.contains(&format!("&lt;i class=inj&gt;{field}&lt;/i&gt;")),
            "{field} is shown as text"
        );
    }
    // No link leads anywhere but into the export (the javascript: URL is only text).
    assert!(!all.contains("href=\"javascript:"));
    // File names were sanitised before they became links.
    let files: Vec<String> = std::fs::read_dir(e.out.join("files"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files
            .iter()
            .all(|f| f.chars().all(|c| c.is_alphanumeric() || "._-".contains(c))),
        "{files:?}"
    );
}

#[test]
fn the_pages_forbid_scripts_and_outside_loads() {
    let e = build();
    for p in hostile_pages(&e).iter().chain([&e.out.join("index.html")]) {
        let html = std::fs::read_to_string(p).unwrap();
        assert!(html.contains(
            "content=\"default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'\""
        ));
        assert!(!html.contains("<script"));
        assert!(
            !html.contains("style=\""),
            "no inline styles (the CSP would block them)"
        );
    }
}
