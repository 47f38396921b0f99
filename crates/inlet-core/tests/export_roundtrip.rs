//! A JSON export read back into an empty store gives the same store: every message field,
//! attachment state, redelivery count, quarantined body, label, note and chat flag.

mod archive_support;

use std::collections::HashMap;

use archive_support::{FIXTURES, NOW, delivery, fixture, mark_saved, mo, open, text};
use inlet_core::export::{export_json_lines, import_json_lines};
use inlet_core::store::{Incoming, Queries, Store};
use serde_json::{Value, json};

fn rich_store(dir: &std::path::Path) -> Store {
    let mut s = open(dir);
    let mut first: Vec<Incoming> = FIXTURES.iter().map(|n| delivery(n, &fixture(n))).collect();
    first.push(delivery("redelivered", &fixture("text.json")));
    first.push(Incoming::decode(
        "q-bad".into(),
        b"\xff not json".to_vec(),
        3,
    ));
    s.ingest(&first, NOW).unwrap();
    // A later batch: a body carrying two messages, one without a timestamp, a hostile text,
    // the bad body again, and a redelivery of a fixture.
    let two = format!(
        "[{}, {}]",
        String::from_utf8(mo(
            "arr-1",
            "5511999990000",
            NOW + 5,
            "TEXT",
            json!("first of two"),
            json!({})
        ))
        .unwrap(),
        String::from_utf8(mo(
            "arr-2",
            "5511999990000",
            NOW + 6,
            "TEXT",
            json!("second of two"),
            json!({})
        ))
        .unwrap(),
    );
    let no_time = r#"{"MessageId":"nt-1","WabaId":"waba-1","From":"447700900123","To":"8613900000000","Type":"TEXT","Message":"when?"}"#;
    s.ingest(
        &[
            delivery("q-two", two.as_bytes()),
            delivery("q-nt", no_time.as_bytes()),
            text(
                "evil",
                "447700900123",
                NOW + 7,
                "<script>alert(1)</script> =cmd|' /C calc'!A0",
            ),
            Incoming::decode("q-bad".into(), b"\xff not json".to_vec(), 4),
            delivery("again", &fixture("video.json")),
        ],
        NOW + 60_000,
    )
    .unwrap();
    organise(&mut s, dir);
    s
}

fn organise(s: &mut Store, dir: &std::path::Path) {
    let chats = s.conversations(&Default::default()).unwrap();
    let vip = s.create_label("VIP", "#ff8800", 1).unwrap();
    let late = s.create_label("Pays late", "#3355aa", 2).unwrap();
    s.assign_label(chats[0].id, vip.id, 3).unwrap();
    s.assign_label(chats[0].id, late.id, 3).unwrap();
    s.assign_label(chats[1].id, vip.id, 3).unwrap();
    s.set_pinned(chats[1].id, true).unwrap();
    s.set_archived(chats[2].id, true).unwrap();
    s.mark_read(chats[0].id).unwrap();
    s.set_contact_note("8613800000001", "Prefers mornings.\nOwes €20", 4)
        .unwrap();
    // One attachment saved by the media keeper.
    let photo = dir.join("photo.png");
    std::fs::write(&photo, archive_support::png([1, 2, 3])).unwrap();
    let rowid: i64 = archive_support::sql(s.path())
        .query_row(
            "SELECT message_rowid FROM media WHERE kind = 'image' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    mark_saved(s.path(), rowid, &photo, "image/png");
}

fn export(s: &Store) -> Vec<Value> {
    let mut out = Vec::new();
    export_json_lines(s, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Conversation ids are the store's own numbering: compare them through a consistent mapping.
fn without_ids(lines: &[Value]) -> (Vec<Value>, Vec<i64>) {
    let mut order: Vec<i64> = Vec::new();
    let lines = lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            if let Some(id) = l.get("conversation_id").and_then(Value::as_i64) {
                if !order.contains(&id) {
                    order.push(id);
                }
                l["conversation_id"] = json!(order.iter().position(|&x| x == id));
            }
            l
        })
        .collect();
    (lines, order)
}

#[test]
fn export_then_import_gives_the_same_messages() {
    let a_dir = tempfile::tempdir().unwrap();
    let a = rich_store(a_dir.path());
    let original = export(&a);
    let text: String = original.iter().map(|l| format!("{l}\n")).collect();

    let b_dir = tempfile::tempdir().unwrap();
    let mut b = open(b_dir.path());
    let report = import_json_lines(&mut b, text.as_bytes()).unwrap();
    let messages = original
        .iter()
        .filter(|l| l.get("message_id").is_some())
        .count();
    assert_eq!(report.messages as usize, messages);
    assert_eq!(report.quarantined, 1);
    assert_eq!(report.labels_created, 2);
    assert_eq!(report.notes, 1);

    let again = export(&b);
    let (a_lines, _) = without_ids(&original);
    let (b_lines, _) = without_ids(&again);
    assert_eq!(a_lines.len(), b_lines.len());
    for (x, y) in a_lines.iter().zip(&b_lines) {
        assert_eq!(x, y);
    }

    // The quarantine as the operator sees it, and the chat list, are the same too.
    let strip = |q: Vec<inlet_core::store::QuarantineItem>| -> Vec<_> {
        q.into_iter()
            .map(|q| {
                (
                    q.queue_message_id,
                    q.raw_sha256,
                    q.error,
                    q.times_seen,
                    q.first_seen_ms,
                    q.last_seen_ms,
                    q.dequeue_count,
                )
            })
            .collect()
    };
    assert_eq!(
        strip(a.list_quarantine().unwrap()),
        strip(b.list_quarantine().unwrap())
    );
    let chats = |s: &Store| -> Vec<_> {
        s.conversations(&Default::default())
            .unwrap()
            .into_iter()
            .map(|c| {
                (
                    c.customer_numbers,
                    c.display_name,
                    c.last_message_preview,
                    c.unread_count,
                    c.pinned,
                    c.archived,
                )
            })
            .collect()
    };
    assert_eq!(chats(&a), chats(&b));
    // Some of what was checked, to be sure the test data has it.
    let evil = a_lines.iter().find(|l| l["message_id"] == "evil").unwrap();
    assert_eq!(
        evil["content"]["body"],
        "<script>alert(1)</script> =cmd|' /C calc'!A0"
    );
    assert!(a_lines.iter().any(|l| l["timestamp_estimated"] == true));
    assert!(a_lines.iter().any(|l| l["duplicates"] == 1));
    assert!(
        a_lines
            .iter()
            .any(|l| l["attachments"][0]["state"] == "saved")
    );
    assert!(
        a_lines
            .iter()
            .any(|l| l["conversation"]["labels"].as_array().unwrap().len() == 2)
    );
    assert!(
        a_lines
            .iter()
            .any(|l| l["contact_note"]["text"] == "Prefers mornings.\nOwes €20")
    );
    let q = a_lines.iter().find(|l| l["quarantined"] == true).unwrap();
    assert_eq!(q["times_seen"], 2);
}

#[test]
fn importing_twice_changes_nothing() {
    let a_dir = tempfile::tempdir().unwrap();
    let a = rich_store(a_dir.path());
    let text: String = export(&a).iter().map(|l| format!("{l}\n")).collect();
    let b_dir = tempfile::tempdir().unwrap();
    let mut b = open(b_dir.path());
    import_json_lines(&mut b, text.as_bytes()).unwrap();
    let once = export(&b);
    let report = import_json_lines(&mut b, text.as_bytes()).unwrap();
    assert_eq!(report.messages, 0);
    assert!(report.already_present > 0);
    assert_eq!(once, export(&b));
}

#[test]
fn a_bad_line_is_reported_by_number_and_what_came_before_is_kept() {
    let a_dir = tempfile::tempdir().unwrap();
    let a = rich_store(a_dir.path());
    let mut lines: Vec<String> = export(&a).iter().map(Value::to_string).collect();
    lines.insert(3, "{\"message_id\": 1".into());
    let b_dir = tempfile::tempdir().unwrap();
    let mut b = open(b_dir.path());
    let err = import_json_lines(&mut b, lines.join("\n").as_bytes()).unwrap_err();
    assert!(err.to_string().contains("line 4"), "{err}");
    let kept: HashMap<_, _> = b
        .conversations(&Default::default())
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    assert!(
        !kept.is_empty(),
        "the lines before the bad one were imported"
    );
}
