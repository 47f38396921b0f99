//! Store tests against real SQLite files.

use serde_json::json;

use super::*;
use crate::decode::{Content, SystemKind, decode_message_body};
use crate::test_support::{JSON_FIXTURES, delivery, fixture, mo_json, temp_store};

const NOW: i64 = 1_662_200_000_000;
const DAY: i64 = 24 * 60 * 60 * 1000;

fn text(id: &str, from: &str, ts: i64, body: &str) -> Incoming {
    delivery(
        &format!("q-{id}"),
        &mo_json(id, from, ts, "TEXT", json!(body)),
    )
}

fn all(store: &impl Queries) -> Vec<ConversationSummary> {
    store.conversations(&ConversationFilter::default()).unwrap()
}

/// A decoder newer than the one that quarantined a body: it takes a body without `Type` as a TEXT
/// saying `body`.
fn text_when_type_is_missing(
    body: &'static str,
) -> impl FnMut(&[u8]) -> Result<Vec<crate::decode::MoMessage>, String> {
    move |raw: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(raw).map_err(|e| e.to_string())?;
        v["Type"] = json!("TEXT");
        v["Message"] = json!(body);
        crate::decode::decode_mo_json(&serde_json::to_vec(&v).unwrap()).map_err(|e| e.to_string())
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn open_sets_durable_pragmas_and_latest_schema() {
    let (_dir, store) = temp_store();
    let conn = store.conn();
    let get = |p: &str| {
        conn.pragma_query_value(None, p, |r| r.get::<_, rusqlite::types::Value>(0))
            .unwrap()
    };
    assert_eq!(
        get("journal_mode"),
        rusqlite::types::Value::Text("wal".into())
    );
    assert_eq!(get("synchronous"), rusqlite::types::Value::Integer(2)); // FULL
    assert_eq!(get("foreign_keys"), rusqlite::types::Value::Integer(1));
    assert_eq!(migrations::user_version(conn).unwrap(), migrations::LATEST);
}

fn synchronous(conn: &rusqlite::Connection) -> i64 {
    conn.pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap()
}

#[test]
fn bookkeeping_skips_the_fsync_and_everything_else_stays_durable() {
    let (_dir, mut store) = temp_store();
    let inside = store.relaxed(|conn| Ok(synchronous(conn))).unwrap();
    assert_eq!(inside, 1); // NORMAL
    assert_eq!(synchronous(store.conn()), 2); // FULL again
    // A failing piece of bookkeeping restores FULL too.
    let failed: Result<(), StoreError> = store.relaxed(|conn| {
        conn.execute("INSERT INTO no_such_table VALUES (1)", [])?;
        Ok(())
    });
    assert!(failed.is_err());
    assert_eq!(synchronous(store.conn()), 2);
    // And an ingest commits with FULL whatever the connection was left at.
    store
        .conn()
        .pragma_update(None, "synchronous", "OFF")
        .unwrap();
    store.ingest(&[text("a", "1", 1, "hi")], NOW).unwrap();
    assert_eq!(synchronous(store.conn()), 2);
}

#[test]
fn every_fixture_is_stored_with_its_media_job() {
    let (_dir, mut store) = temp_store();
    let batch: Vec<Incoming> = JSON_FIXTURES
        .iter()
        .map(|name| delivery(name, &fixture(name)))
        .collect();
    let report = store.ingest(&batch, NOW).unwrap();
    assert_eq!(report.inserted.len(), JSON_FIXTURES.len());
    assert_eq!((report.duplicates, report.quarantined), (0, 0));
    // IMAGE ×2, VIDEO, AUDIO, DOCUMENT and the STICKER carrying a URL.
    assert_eq!(report.media_jobs.len(), 6);
    assert_eq!(
        count(&store, "SELECT count(*) FROM media WHERE state = 'queued'"),
        6
    );
    let deadline: i64 = store
        .conn()
        .query_row(
            "SELECT md.deadline_ms - m.timestamp_ms FROM media md JOIN messages m ON m.id = md.message_rowid
             WHERE m.message_id = '1000000000000010'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(deadline, MEDIA_URL_LIFETIME_MS);

    // `+8613800000001` and `8613800000001` are one person; the number change adds
    // 8613800000002 to that conversation; the Arabic sender is another.
    let list = all(&store);
    assert_eq!(list.len(), 2, "{list:#?}");
    let liu = list
        .iter()
        .find(|c| c.customer_numbers[0] == "8613800000001")
        .unwrap();
    assert_eq!(liu.customer_numbers, ["8613800000001", "8613800000002"]);
    assert_eq!(liu.customer_number, "8613800000002");
    assert_eq!(liu.display_name.as_deref(), Some("Mr Liu"));
    assert_eq!(liu.business_number, "8613900000000");
    assert_eq!(liu.waba_id.as_deref(), Some("952718630000233"));
    // The newest message is the plus-prefixed one (Timestamp 1662104201100).
    assert_eq!(
        liu.last_message_preview.as_deref(),
        Some("number with plus")
    );
    // Two SYSTEM notices do not count as unread.
    assert_eq!(liu.unread_count, 13);
    let sara = list
        .iter()
        .find(|c| c.customer_number == "971500000001")
        .unwrap();
    assert_eq!(sara.display_name.as_deref(), Some("سارة"));
}

#[test]
fn a_redelivery_is_counted_not_stored_again() {
    let (_dir, mut store) = temp_store();
    let batch = [text("m1", "861", 1, "hi"), text("m2", "861", 2, "there")];
    let first = store.ingest(&batch, NOW).unwrap();
    assert_eq!(first.inserted.len(), 2);
    let again = store.ingest(&batch, NOW + 1).unwrap();
    assert_eq!((again.inserted.len(), again.duplicates), (0, 2));
    // Within one batch too.
    let twice = store
        .ingest(&[text("m3", "861", 3, "x"), text("m3", "861", 3, "x")], NOW)
        .unwrap();
    assert_eq!((twice.inserted.len(), twice.duplicates), (1, 1));
    assert_eq!(count(&store, "SELECT count(*) FROM messages"), 3);
    let seen: i64 = store
        .conn()
        .query_row(
            "SELECT times_seen_again FROM duplicates d JOIN messages m ON m.id = d.message_rowid
             WHERE m.message_id = 'm1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(seen, 1);
    let conv = first.inserted[0].conversation_id;
    let page = store.timeline(conv, None, 10).unwrap();
    assert_eq!(
        page.iter().map(|m| m.duplicates).collect::<Vec<_>>(),
        [1, 1, 1]
    );
    assert_eq!(all(&store)[0].unread_count, 3);
}

#[test]
fn the_same_message_id_in_another_channel_is_another_message() {
    let (_dir, mut store) = temp_store();
    let mut other =
        serde_json::from_slice::<serde_json::Value>(&mo_json("m1", "861", 1, "TEXT", json!("a")))
            .unwrap();
    other["WabaId"] = json!("waba-2");
    let report = store
        .ingest(
            &[
                text("m1", "861", 1, "a"),
                delivery("q2", &serde_json::to_vec(&other).unwrap()),
            ],
            NOW,
        )
        .unwrap();
    assert_eq!(report.inserted.len(), 2);
    assert_eq!(all(&store).len(), 2);
    let only_two = ConversationFilter {
        channel: Some("waba-2".into()),
        ..Default::default()
    };
    assert_eq!(store.conversations(&only_two).unwrap().len(), 1);
}

#[test]
fn undecodable_bodies_are_quarantined_once_and_can_be_recovered() {
    let (_dir, mut store) = temp_store();
    let bad = Incoming::decode(
        "q-bad".into(),
        b"{\"MessageId\": \"x\", \"From\": \"1\"}".to_vec(),
        1,
    );
    assert!(bad.decoded.as_ref().unwrap_err().contains("Type"));
    let garbage = Incoming::decode("q-garbage".into(), vec![0xff, 0x00, 0x41], 1);
    let report = store.ingest(&[bad.clone(), garbage], NOW).unwrap();
    assert_eq!((report.quarantined, report.inserted.len()), (2, 0));
    let again = store
        .ingest(
            &[Incoming {
                dequeue_count: 2,
                ..bad
            }],
            NOW + 5,
        )
        .unwrap();
    assert_eq!(again.quarantined, 1);

    let items = store.list_quarantine().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].queue_message_id, "q-bad");
    assert_eq!((items[0].times_seen, items[0].dequeue_count), (2, 2));
    assert_eq!(
        (items[0].first_seen_ms, items[0].last_seen_ms),
        (NOW, NOW + 5)
    );
    assert!(items[0].error.contains("`Type`"), "{}", items[0].error);
    let raw: Vec<u8> = store
        .conn()
        .query_row(
            "SELECT raw FROM quarantine WHERE queue_message_id = 'q-garbage'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(raw, [0xff, 0x00, 0x41]);
    assert_eq!(store.counts_at(NOW, 0).unwrap().quarantined, 2);

    // The standard decoder still cannot read them.
    let same = store
        .redecode_quarantine(decode_message_body, NOW + 10)
        .unwrap();
    assert_eq!((same.recovered, same.still_failing), (0, 2));
    // A decoder that assumes TEXT when `Type` is missing recovers the first.
    let fixed = store
        .redecode_quarantine(text_when_type_is_missing("recovered"), NOW + 20)
        .unwrap();
    assert_eq!((fixed.recovered, fixed.still_failing), (1, 1));
    assert_eq!(fixed.ingest.inserted.len(), 1);
    let left = store.list_quarantine().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].queue_message_id, "q-garbage");
    let conv = fixed.ingest.inserted[0].conversation_id;
    let page = store.timeline(conv, None, 10).unwrap();
    assert_eq!(
        page[0].content,
        Content::Text {
            body: "recovered".into()
        }
    );
}

/// FTS5's own check of the search index against the messages it indexes: a message missing from
/// the index (or indexed twice, or with other text) fails it.
fn assert_search_index_complete(store: &Store) {
    store
        .conn()
        .execute(
            "INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .expect("the search index matches the stored messages");
}

#[test]
fn every_stored_message_is_in_the_search_index_whatever_path_stored_it() {
    let (_dir, mut store) = temp_store();
    assert_search_index_complete(&store);
    // Several messages in one transaction, a body holding two, a redelivery and a body that
    // goes to quarantine.
    let pair = format!(
        "[{}, {}]",
        String::from_utf8(mo_json("p1", "2", 3, "TEXT", json!("first of a pair"))).unwrap(),
        String::from_utf8(mo_json("p2", "2", 4, "TEXT", json!("second of a pair"))).unwrap()
    );
    let batch = [
        text("a", "1", 1, "the invoice for March"),
        text("b", "3", 2, "olá, café?"),
        delivery("q-pair", pair.as_bytes()),
        text("a", "1", 1, "the invoice for March"),
        Incoming::decode(
            "q-bad".into(),
            b"{\"MessageId\": \"late\", \"From\": \"4\"}".to_vec(),
            1,
        ),
    ];
    let report = store.ingest(&batch, NOW).unwrap();
    assert_eq!((report.inserted.len(), report.duplicates), (4, 1));
    assert_search_index_complete(&store);
    // A later transaction, and a message recovered from quarantine.
    store.ingest(&[text("c", "1", 5, "see you")], NOW).unwrap();
    let late = text_when_type_is_missing("recovered late");
    assert_eq!(store.redecode_quarantine(late, NOW).unwrap().recovered, 1);
    assert_search_index_complete(&store);
    let matching =
        "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'pair OR late OR cafe'";
    assert_eq!(count(&store, matching), 4);
}

#[test]
fn a_redelivered_body_that_now_decodes_leaves_quarantine() {
    let (_dir, mut store) = temp_store();
    let body = mo_json("m1", "861", 1, "TEXT", json!("hi"));
    let failed = Incoming {
        decoded: Err("older decoder".into()),
        ..delivery("q1", &body)
    };
    store.ingest(&[failed], NOW).unwrap();
    assert_eq!(store.list_quarantine().unwrap().len(), 1);
    store.ingest(&[delivery("q1", &body)], NOW + 1).unwrap();
    assert!(store.list_quarantine().unwrap().is_empty());
    // Decoding to nothing is quarantined too: nothing disappears silently.
    let empty = Incoming {
        decoded: Ok(vec![]),
        ..delivery("q2", b"[]")
    };
    assert_eq!(store.ingest(&[empty], NOW).unwrap().quarantined, 1);
}

#[test]
fn a_failed_batch_stores_nothing() {
    let (_dir, mut store) = temp_store();
    // Make SQLite refuse one message, to fail the batch half-way.
    store
        .conn()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.messages WHEN new.message_id = 'boom'
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
    let batch = [text("ok", "861", 1, "fine"), text("boom", "861", 2, "x")];
    assert!(store.ingest(&batch, NOW).is_err());
    assert_eq!(count(&store, "SELECT count(*) FROM messages"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM conversations"), 0);
    // The store is still usable.
    assert_eq!(store.ingest(&batch[..1], NOW).unwrap().inserted.len(), 1);
}

fn number_change(id: &str, from: &str, old: &str, new: &str, ts: i64) -> Incoming {
    let message = json!({"body": format!("Ana changed from {old} to {new}"), "wa_id": new,
                         "type": "customer_changed_number"});
    delivery(id, &mo_json(id, from, ts, "SYSTEM", message))
}

#[test]
fn a_number_change_joins_old_and_new_number_in_one_conversation() {
    let (_dir, mut store) = temp_store();
    let report = store
        .ingest(
            &[
                text("a1", "+55 11 1111", 10, "from old"),
                number_change("sys", "55111111", "55111111", "55112222", 20),
                text("b1", "55112222", 30, "from new"),
            ],
            NOW,
        )
        .unwrap();
    let convs: Vec<i64> = report.inserted.iter().map(|r| r.conversation_id).collect();
    assert!(convs.iter().all(|&c| c == convs[0]), "{convs:?}");
    let list = all(&store);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].customer_numbers, ["55111111", "55112222"]);
    assert_eq!(list[0].customer_number, "55112222");
    assert_eq!(list[0].unread_count, 2);
    let page = store.timeline(convs[0], None, 10).unwrap();
    assert_eq!(page.len(), 3);
    assert!(page[1].is_notice);
    assert!(matches!(
        page[1].content,
        Content::System {
            kind: SystemKind::NumberChanged,
            ..
        }
    ));
    // The new number inherits the name until it sends its own.
    assert_eq!(list[0].display_name.as_deref(), Some("Customer"));
}

#[test]
fn a_late_number_change_merges_the_new_numbers_conversation() {
    let (_dir, mut store) = temp_store();
    let first = store
        .ingest(
            &[
                text("a1", "551111", 10, "old"),
                text("b1", "552222", 30, "new"),
            ],
            NOW,
        )
        .unwrap();
    let (old_conv, new_conv) = (
        first.inserted[0].conversation_id,
        first.inserted[1].conversation_id,
    );
    assert_ne!(old_conv, new_conv);
    store.set_pinned(new_conv, true).unwrap();
    // This time the notice comes from the new number; the body names the old one.
    let report = store
        .ingest(
            &[number_change("sys", "552222", "551111", "552222", 20)],
            NOW,
        )
        .unwrap();
    assert_eq!(report.removed_conversations, [new_conv]);
    assert_eq!(report.changed_conversations, [old_conv]);
    let list = all(&store);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, old_conv);
    assert_eq!((list[0].unread_count, list[0].pinned), (2, true));
    assert_eq!(list[0].last_message_preview.as_deref(), Some("new"));
    assert!(store.conversation(new_conv).unwrap().is_none());
    // Both numbers keep leading to the merged conversation.
    let later = store
        .ingest(
            &[text("b2", "552222", 40, "x"), text("a2", "551111", 50, "y")],
            NOW,
        )
        .unwrap();
    assert!(later.inserted.iter().all(|r| r.conversation_id == old_conv));
    assert_eq!(store.timeline(old_conv, None, 10).unwrap().len(), 5);
}

#[test]
fn chat_list_orders_pinned_first_then_newest_and_filters() {
    let (_dir, mut store) = temp_store();
    let r = store
        .ingest(
            &[
                text("a", "1", 100, "a"),
                text("b", "2", 300, "b"),
                text("c", "3", 200, "c"),
            ],
            NOW,
        )
        .unwrap();
    let id = |i: usize| r.inserted[i].conversation_id;
    let order = |s: &Store, f: &ConversationFilter| -> Vec<i64> {
        s.conversations(f).unwrap().iter().map(|c| c.id).collect()
    };
    let every = ConversationFilter::default();
    assert_eq!(order(&store, &every), [id(1), id(2), id(0)]);
    store.set_pinned(id(0), true).unwrap();
    assert_eq!(order(&store, &every), [id(0), id(1), id(2)]);
    store.mark_read(id(1)).unwrap();
    store.set_archived(id(2), true).unwrap();
    let unread = ConversationFilter {
        unread_only: true,
        ..Default::default()
    };
    assert_eq!(order(&store, &unread), [id(0), id(2)]);
    let inbox = ConversationFilter {
        archived: Some(false),
        ..Default::default()
    };
    assert_eq!(order(&store, &inbox), [id(0), id(1)]);
    let archive = ConversationFilter {
        archived: Some(true),
        ..Default::default()
    };
    assert_eq!(order(&store, &archive), [id(2)]);
    let page2 = ConversationFilter {
        limit: Some(1),
        offset: 1,
        ..Default::default()
    };
    assert_eq!(order(&store, &page2), [id(1)]);
    assert!(matches!(store.mark_read(999), Err(StoreError::NotFound(_))));
}

#[test]
fn media_previews_name_the_kind() {
    let (_dir, mut store) = temp_store();
    let name = "image-message-as-string.json";
    store
        .ingest(&[delivery(name, &fixture(name))], NOW)
        .unwrap();
    assert_eq!(
        all(&store)[0].last_message_preview.as_deref(),
        Some("📷 Photo: receipt")
    );
}

#[test]
fn timeline_pages_back_with_a_cursor_and_breaks_ties_by_arrival() {
    let (_dir, mut store) = temp_store();
    let batch: Vec<Incoming> = (0..7)
        .map(|i| text(&format!("m{i}"), "1", 100 + i / 2, &format!("t{i}")))
        .collect();
    let conv = store.ingest(&batch, NOW).unwrap().inserted[0].conversation_id;
    let bodies = |page: &[TimelineMessage]| -> Vec<String> {
        page.iter()
            .map(|m| match &m.content {
                Content::Text { body } => body.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    };
    let newest = store.timeline(conv, None, 3).unwrap();
    assert_eq!(bodies(&newest), ["t4", "t5", "t6"]);
    let cursor = Some((newest[0].timestamp_ms, newest[0].id));
    let older = store.timeline(conv, cursor, 3).unwrap();
    assert_eq!(bodies(&older), ["t1", "t2", "t3"]);
    let cursor = Some((older[0].timestamp_ms, older[0].id));
    assert_eq!(bodies(&store.timeline(conv, cursor, 3).unwrap()), ["t0"]);
}

#[test]
fn timeline_shows_media_state() {
    let (_dir, mut store) = temp_store();
    let name = "document.json";
    let conv = store
        .ingest(&[delivery(name, &fixture(name))], NOW)
        .unwrap()
        .inserted[0]
        .conversation_id;
    let page = store.timeline(conv, None, 10).unwrap();
    let media = page[0].media.as_ref().expect("document has a media job");
    assert_eq!(media.state, MediaState::Queued);
    assert_eq!(media.kind, crate::decode::MediaKind::Document);
    assert_eq!(media.filename.as_deref(), Some("invoice-2022-03.pdf"));
    assert_eq!(media.declared_mime.as_deref(), Some("application/pdf"));
    assert_eq!(media.deadline_ms, 1_662_104_200_400 + MEDIA_URL_LIFETIME_MS);
}

#[test]
fn a_missing_timestamp_uses_the_arrival_time_and_says_so() {
    let (_dir, mut store) = temp_store();
    let body = br#"{"MessageId":"m","From":"1","To":"2","Type":"TEXT","Message":"no time"}"#;
    let conv = store.ingest(&[delivery("q", body)], NOW).unwrap().inserted[0].conversation_id;
    let m = &store.timeline(conv, None, 1).unwrap()[0];
    assert_eq!(
        (m.timestamp_ms, m.timestamp_estimated, m.received_at_ms),
        (NOW, true, NOW)
    );
}

#[test]
fn the_newest_message_decides_the_display_name_and_history_is_kept() {
    let (_dir, mut store) = temp_store();
    let named = |id: &str, ts: i64, name: &str| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&mo_json(id, "77", ts, "TEXT", json!("x"))).unwrap();
        v["DisplayName"] = json!(name);
        delivery(id, &serde_json::to_vec(&v).unwrap())
    };
    // Arrival order differs from send order.
    store
        .ingest(
            &[
                named("2", 200, "Ana B"),
                named("1", 100, "Ana"),
                named("3", 150, "Ana"),
            ],
            NOW,
        )
        .unwrap();
    assert_eq!(all(&store)[0].display_name.as_deref(), Some("Ana B"));
    let history: Vec<(String, i64, i64)> = store
        .conn()
        .prepare("SELECT display_name, first_seen_ms, last_seen_ms FROM contact_names ORDER BY first_seen_ms")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        history,
        [("Ana".into(), 100, 150), ("Ana B".into(), 200, 200)]
    );
}

#[test]
fn counts_cover_today_unread_quarantine_and_media_at_risk() {
    let (_dir, mut store) = temp_store();
    let day_start = NOW - 1000;
    let image = |id: &str, ts: i64| {
        delivery(
            id,
            &mo_json(id, "1", ts, "IMAGE", json!({"url": "https://h/x.jpg"})),
        )
    };
    store
        .ingest(
            &[
                text("old", "1", day_start - 1, "yesterday"),
                text("new", "1", day_start, "today"),
                // Deadline in 7 days minus 6 days = 1 day: at risk.
                image("risky", NOW - 6 * DAY),
                // Deadline in 7 days: not yet at risk.
                image("fresh", NOW),
                // Deadline passed: lost, not "at risk".
                image("gone", NOW - 8 * DAY),
                Incoming {
                    decoded: Err("bad".into()),
                    ..text("q", "1", 0, "")
                },
            ],
            NOW,
        )
        .unwrap();
    let c = store.counts_at(NOW, day_start).unwrap();
    assert_eq!(
        c,
        Counts {
            messages_today: 2,
            unread: 5,
            quarantined: 1,
            media_at_risk: 1
        }
    );
    let risky_saved = store
        .conn()
        .execute(
            "UPDATE media SET state = 'saved' WHERE message_rowid = (SELECT id FROM messages WHERE message_id = 'risky')",
            [],
        )
        .unwrap();
    assert_eq!(risky_saved, 1);
    assert_eq!(store.counts_at(NOW, day_start).unwrap().media_at_risk, 0);
    // The clock-reading variant runs too.
    assert_eq!(store.counts().unwrap().quarantined, 1);
}

#[test]
fn readers_see_commits_and_cannot_write() {
    let (dir, mut store) = temp_store();
    let reader = store.reader().unwrap();
    assert!(all(&reader).is_empty());
    store.ingest(&[text("a", "1", 1, "hi")], NOW).unwrap();
    assert_eq!(all(&reader).len(), 1);
    let write = reader.conn().execute("DELETE FROM messages", []);
    assert!(write.is_err());
    let second = Store::open_reader(dir.path().join("inlet.db")).unwrap();
    assert_eq!(
        second.timeline(all(&second)[0].id, None, 5).unwrap().len(),
        1
    );
}

#[test]
fn a_reader_refuses_a_database_that_was_never_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    migrations::migrate_to(&mut conn, migrations::MIGRATIONS, 1).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open_reader(&path),
        Err(StoreError::NotMigrated {
            found: 1,
            needed: migrations::LATEST
        })
    ));
}

#[test]
fn trigram_search_finds_message_text() {
    let (_dir, mut store) = temp_store();
    store
        .ingest(
            &[
                text("a", "1", 1, "the invoice for March"),
                text("b", "1", 2, "hello"),
            ],
            NOW,
        )
        .unwrap();
    let matching = "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'voic'";
    assert_eq!(count(&store, matching), 1);
}

/// Data as it could have been written at schema version `version`.
fn seed_at(conn: &rusqlite::Connection, version: i64) {
    // Versions 1 to 4 share the v1 tables; v2 only added indexes and search, v3 media columns
    // with defaults and new tables, v4 labels and notes, v5 payload names (both seeded below).
    assert!(version <= 5, "add a seed for version {version}");
    conn.execute_batch(
        "INSERT INTO conversations (id, channel_key, business_number, customer_number,
                                    current_customer_number, created_at_ms, unread_count)
             VALUES (1, 'waba-1', '8613900000000', '1', '1', 5, 1);
         INSERT INTO contacts (number, display_name, names_from_ms) VALUES ('1', 'Old Friend', 5);
         INSERT INTO messages (id, conversation_id, channel_key, message_id, from_original,
                               from_number, to_number, timestamp_ms, received_at_ms, msg_type,
                               content_json, text, preview, raw_body, queue_message_id, dequeue_count)
             VALUES (1, 1, 'waba-1', 'legacy-1', '+1', '1', '8613900000000', 5, 6, 'TEXT',
                     '{\"type\":\"text\",\"body\":\"kept across upgrades\"}',
                     'kept across upgrades', 'kept across upgrades', x'7b7d', 'q-legacy', 1);
         INSERT INTO quarantine (queue_message_id, raw_sha256, raw, error, first_seen_ms,
                                 last_seen_ms, dequeue_count)
             VALUES ('q-bad', 'abc', x'ff', 'old error', 5, 5, 1);
         INSERT INTO messages (id, conversation_id, channel_key, message_id, from_original,
                               from_number, to_number, timestamp_ms, received_at_ms, msg_type,
                               content_json, text, preview, raw_body, queue_message_id, dequeue_count)
             VALUES (4, 1, 'waba-1', 'legacy-reply', '+1', '1', '8613900000000', 8, 8, 'REPLY',
                     '{\"type\":\"reply\",\"text\":\"Yes\",\"payload\":\"old_confirm\"}',
                     'Yes', 'Yes', x'7b7d', 'q-reply', 1);",
    )
    .unwrap();
    if version >= 4 {
        conn.execute_batch(
            "INSERT INTO labels (id, name, colour, created_at_ms) VALUES (1, 'VIP', '#aa0000', 5);
             INSERT INTO conversation_labels VALUES (1, 1, 5);
             INSERT INTO contact_notes VALUES ('1', 'prefers mornings', 5);",
        )
        .unwrap();
    }
    if version >= 5 {
        conn.execute(
            "INSERT INTO payload_names VALUES ('old_confirm', 'Order confirmed', 5)",
            [],
        )
        .unwrap();
    }
}

/// A document with its download job and a LOCATION message, as any version stored them.
fn seed_media_and_location(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "INSERT INTO messages (id, conversation_id, channel_key, message_id, from_original,
                               from_number, to_number, timestamp_ms, received_at_ms, msg_type,
                               content_json, text, preview, raw_body, queue_message_id, dequeue_count)
             VALUES (2, 1, 'waba-1', 'legacy-doc', '+1', '1', '8613900000000', 6, 6, 'DOCUMENT',
                     '{\"type\":\"document\",\"url\":\"https://x/a.pdf\"}', '', '', x'7b7d',
                     'q-doc', 1),
                    (3, 1, 'waba-1', 'legacy-loc', '+1', '1', '8613900000000', 7, 7, 'LOCATION',
                     '{\"type\":\"location\",\"latitude\":30.2741,\"longitude\":120.1551}',
                     '', '', x'7b7d', 'q-loc', 1);
         INSERT INTO media (message_rowid, kind, url, deadline_ms, state, next_attempt_ms,
                            updated_at_ms, bytes, sha256, path)
             VALUES (2, 'document', 'https://x/a.pdf', 99, 'saved', 6, 6, 3, 'abc', '/m/abc');",
    )
    .unwrap();
}

/// Media jobs keep their data (v3 columns at their defaults) and locations get a map job.
fn check_media_and_location(store: &Store, from: i64) {
    let (state, mismatch, path): (String, bool, String) = store
        .conn()
        .query_row(
            "SELECT state, mime_mismatch, path FROM media WHERE message_rowid = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (state.as_str(), mismatch, path.as_str()),
        ("saved", false, "/m/abc"),
        "from v{from}"
    );
    let map = media_jobs::location_map(store, 3)
        .unwrap()
        .expect("the location has a map job");
    assert_eq!((map.latitude, map.longitude), (30.2741, 120.1551));
    assert_eq!(map.state, media_jobs::MapState::Queued);
    assert!(!map.has_tiles());
}

#[test]
fn every_earlier_schema_version_upgrades_and_keeps_its_data() {
    for version in 1..migrations::LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            migrations::migrate_to(&mut conn, migrations::MIGRATIONS, version).unwrap();
            assert_eq!(migrations::user_version(&conn).unwrap(), version);
            seed_at(&conn, version);
        }
        seed_media_and_location(&rusqlite::Connection::open(&path).unwrap());
        let mut store = Store::open(&path).unwrap();
        assert_eq!(
            migrations::user_version(store.conn()).unwrap(),
            migrations::LATEST,
            "from v{version}"
        );
        check_media_and_location(&store, version);
        let list = all(&store);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].display_name.as_deref(), Some("Old Friend"));
        let page = store.timeline(1, None, 10).unwrap();
        assert_eq!(
            page[0].content,
            Content::Text {
                body: "kept across upgrades".into()
            }
        );
        assert_eq!(store.list_quarantine().unwrap()[0].error, "old error");
        // Replies stored before payload names existed are listed for naming.
        let payloads = store.payload_names().unwrap();
        assert_eq!(payloads.len(), 1, "from v{version}");
        assert_eq!(
            (payloads[0].payload.as_str(), payloads[0].replies),
            ("old_confirm", 1)
        );
        let named = (version >= 5).then_some("Order confirmed");
        assert_eq!(payloads[0].name.as_deref(), named, "from v{version}");
        if version >= 4 {
            assert_eq!(store.conversation_labels(1).unwrap()[0].name, "VIP");
            assert_eq!(
                store.contact_note("1").unwrap().unwrap().text,
                "prefers mornings"
            );
        }
        let old_ones = "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'upgrades'";
        assert_eq!(
            count(&store, old_ones),
            1,
            "old messages are searchable after upgrading from v{version}"
        );
        // And the upgraded store takes new messages (idempotency index included).
        let again = store
            .ingest(
                &[text("legacy-1", "1", 5, "dup"), text("new", "1", 9, "new")],
                NOW,
            )
            .unwrap();
        assert_eq!((again.inserted.len(), again.duplicates), (1, 1));
        assert_eq!(again.inserted[0].conversation_id, 1);
        let found = "SELECT rowid FROM message_fts WHERE message_fts MATCH 'new'";
        assert_eq!(
            count(&store, found),
            again.inserted[0].rowid,
            "the new message is searchable after upgrading from v{version}"
        );
    }
}

#[test]
fn a_reader_opens_a_database_no_writer_has_open() {
    let (dir, mut store) = temp_store();
    store.ingest(&[text("a", "1", 1, "hi")], NOW).unwrap();
    drop(store);
    let reader = Store::open_reader(dir.path().join("inlet.db")).unwrap();
    assert_eq!(all(&reader).len(), 1);
}
