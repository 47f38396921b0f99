//! Filters (channel, conversation, kind, dates), keyset pages, the fields search covers, and
//! opening a chat at a found message.

mod archive_support;

use std::collections::HashSet;

use archive_support::{FIXTURES, NOW, delivery, fixture, mo, open, text};
use inlet_core::search::{MatchedField, MessageKind, SearchCursor, SearchQuery};
use inlet_core::store::{Queries, Search, Store};
use serde_json::json;

fn fixtures_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let batch: Vec<_> = FIXTURES.iter().map(|n| delivery(n, &fixture(n))).collect();
    store.ingest(&batch, NOW).unwrap();
    (dir, store)
}

fn query(text: &str) -> SearchQuery {
    SearchQuery::text(text)
}

fn kinds(store: &Store, q: &SearchQuery) -> Vec<(MessageKind, MatchedField)> {
    store
        .search(q)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| (h.kind, h.field))
        .collect()
}

#[test]
fn captions_file_names_places_buttons_and_contact_cards_are_searched() {
    let (_d, s) = fixtures_store();
    assert_eq!(
        kinds(&s, &query("invoice-2022")),
        [(MessageKind::Document, MatchedField::Text)]
    );
    assert_eq!(
        kinds(&s, &query("Wenyi Road")),
        [(MessageKind::Location, MatchedField::Text)]
    );
    assert_eq!(
        kinds(&s, &query("confirm my booking")),
        [(MessageKind::Reply, MatchedField::Text)]
    );
    assert_eq!(
        kinds(&s, &query("Ana Pereira")),
        [(MessageKind::Contacts, MatchedField::Text)]
    );
}

#[test]
fn display_names_are_searched_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let named = mo(
        "n1",
        "8613800000009",
        NOW,
        "TEXT",
        json!("hi"),
        json!({"DisplayName": "Zhang Wěi"}),
    );
    s.ingest(
        &[
            delivery("q", &named),
            text("t", "8613800000001", NOW, "nothing"),
        ],
        NOW,
    )
    .unwrap();
    let page = s.search(&query("zhang wei")).unwrap();
    assert_eq!(page.hits.len(), 1);
    let hit = &page.hits[0];
    assert_eq!(hit.field, MatchedField::DisplayName);
    let marked: Vec<&str> = hit
        .snippet
        .iter()
        .filter(|p| p.matched)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marked, ["Zhang", "Wěi"]);
}

#[test]
fn filters_narrow_by_kind_channel_conversation_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let image = |id: &str, from: &str, ts: i64, waba: &str| {
        let body = mo(
            id,
            from,
            ts,
            "IMAGE",
            json!({"caption": "parcel photo", "url": "https://h/p.jpg"}),
            json!({"WabaId": waba}),
        );
        delivery(id, &body)
    };
    let report = s
        .ingest(
            &[
                text("t1", "111", 1_000, "parcel arrived"),
                image("i1", "111", 2_000, "waba-1"),
                image("i2", "222", 3_000, "waba-1"),
                image("i3", "333", 4_000, "waba-2"),
                text("t2", "222", 5_000, "parcel lost"),
            ],
            NOW,
        )
        .unwrap();
    let conv_222 = report.inserted[2].conversation_id;
    let ids = |q: SearchQuery| -> Vec<String> {
        s.search(&q)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.message_id)
            .collect()
    };
    assert_eq!(
        ids(query("parcel")),
        ["t2", "i3", "i2", "i1", "t1"],
        "newest first"
    );
    let images = SearchQuery {
        kinds: vec![MessageKind::Image],
        ..query("parcel")
    };
    assert_eq!(ids(images.clone()), ["i3", "i2", "i1"]);
    assert_eq!(
        ids(SearchQuery {
            channel: Some("waba-2".into()),
            ..images.clone()
        }),
        ["i3"]
    );
    assert_eq!(
        ids(SearchQuery {
            conversation_id: Some(conv_222),
            ..query("parcel")
        }),
        ["t2", "i2"]
    );
    assert_eq!(
        ids(SearchQuery {
            since_ms: Some(2_000),
            until_ms: Some(4_000),
            ..query("parcel")
        }),
        ["i2", "i1"]
    );
    // Filters alone, without text, list what they match.
    assert_eq!(
        ids(SearchQuery {
            kinds: vec![MessageKind::Text],
            ..query("")
        }),
        ["t2", "t1"]
    );
    // Several kinds at once.
    assert_eq!(
        ids(SearchQuery {
            kinds: vec![MessageKind::Text, MessageKind::Image],
            since_ms: Some(4_000),
            ..query("")
        }),
        ["t2", "i3"]
    );
}

#[test]
fn pages_follow_each_other_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    // Equal timestamps in pairs: the row id breaks ties.
    let batch: Vec<_> = (0..45)
        .map(|i| {
            text(
                &format!("m{i:02}"),
                "111",
                10_000 + (i / 2) as i64,
                &format!("order number {i}"),
            )
        })
        .collect();
    s.ingest(&batch, NOW).unwrap();
    for (q, size) in [("order", 7), ("or", 4)] {
        let mut seen = Vec::new();
        let mut cursor: Option<SearchCursor> = None;
        loop {
            let page = s
                .search(&SearchQuery {
                    cursor,
                    limit: Some(size),
                    ..query(q)
                })
                .unwrap();
            assert!(page.hits.len() <= size as usize);
            seen.extend(page.hits.iter().map(|h| (h.timestamp_ms, h.rowid)));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), 45, "{q}");
        assert_eq!(
            seen.iter().collect::<HashSet<_>>().len(),
            45,
            "no repeats for {q}"
        );
        assert!(
            seen.windows(2).all(|w| w[0] > w[1]),
            "strictly newest first for {q}"
        );
    }
}

#[test]
fn a_found_message_opens_with_its_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let batch: Vec<_> = (0..30)
        .map(|i| text(&format!("m{i:02}"), "111", 1_000 + i, &format!("line {i}")))
        .collect();
    s.ingest(&batch, NOW).unwrap();
    let hit = s.search(&query("line 12")).unwrap().hits.remove(0);
    assert_eq!(hit.message_id, "m12");
    let around = s
        .timeline_around(hit.conversation_id, hit.rowid, 5, 3)
        .unwrap();
    let ids: Vec<&str> = around
        .messages
        .iter()
        .map(|m| m.message_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "m07", "m08", "m09", "m10", "m11", "m12", "m13", "m14", "m15"
        ]
    );
    assert_eq!(around.messages[around.target_index as usize].id, hit.rowid);
    assert!(around.has_older && around.has_newer);

    // At the ends of the chat.
    // "line 0" also matches "line 10" and "line 20": every word must occur, anywhere.
    let hits = s.search(&query("line 0")).unwrap().hits;
    let found: Vec<&str> = hits.iter().map(|h| h.message_id.as_str()).collect();
    assert_eq!(found, ["m20", "m10", "m00"]);
    let first = hits.last().unwrap().clone();
    let around = s
        .timeline_around(first.conversation_id, first.rowid, 5, 2)
        .unwrap();
    assert_eq!(around.target_index, 0);
    assert_eq!(around.messages.len(), 3);
    assert!(!around.has_older && around.has_newer);
    let last = s.search(&query("line 29")).unwrap().hits.remove(0);
    let around = s
        .timeline_around(last.conversation_id, last.rowid, 2, 5)
        .unwrap();
    assert_eq!(around.messages.len(), 3);
    assert!(around.has_older && !around.has_newer);
    // Paging further back works from the window's first message, as in the chat view.
    let older = s
        .timeline(
            last.conversation_id,
            Some((around.messages[0].timestamp_ms, around.messages[0].id)),
            2,
        )
        .unwrap();
    assert_eq!(older.last().unwrap().message_id, "m26");

    // A message of another chat, or none, is "not found".
    assert!(
        s.timeline_around(first.conversation_id + 999, first.rowid, 1, 1)
            .is_err()
    );
    assert!(
        s.timeline_around(first.conversation_id, 99_999, 1, 1)
            .is_err()
    );
}

#[test]
fn readers_search_too() {
    let (_d, s) = fixtures_store();
    let reader = s.reader().unwrap();
    assert_eq!(reader.search(&query("Wenyi")).unwrap().hits.len(), 1);
}
