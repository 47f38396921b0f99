//! Whatever the user types, search answers (never an error) and looks for exactly those
//! characters: FTS5 syntax in the input is text, and LIKE wildcards are not wildcards.

mod archive_support;

use archive_support::{NOW, open, text};
use inlet_core::search::SearchQuery;
use inlet_core::store::{Search, Store};

const MESSAGES: &[(&str, &str)] = &[
    ("smile", "Thanks a lot :) see you"),
    (
        "syntax",
        r#"he wrote "AND" then NEAR(x y) and col:value *star* -minus ^caret"#,
    ),
    ("percent", "I am 100% sure about_this"),
    ("parens", "a (b (c) d"),
    ("quote", r#"She said "hello""#),
    ("plain", "nothing special here"),
];

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let batch: Vec<_> = MESSAGES
        .iter()
        .enumerate()
        .map(|(i, (id, body))| text(id, "8613800000001", NOW + i as i64, body))
        .collect();
    store.ingest(&batch, NOW).unwrap();
    (dir, store)
}

fn ids(store: &Store, q: &str) -> Vec<String> {
    let page = store
        .search(&SearchQuery::text(q))
        .unwrap_or_else(|e| panic!("query {q:?} failed: {e}"));
    let mut ids: Vec<String> = page.hits.into_iter().map(|h| h.message_id).collect();
    ids.sort();
    ids
}

#[test]
fn hostile_input_never_fails() {
    let (_d, s) = store();
    let long = "x".repeat(100_000);
    let inputs = [
        ":)",
        "\"",
        "\"\"",
        "\"unbalanced",
        "AND",
        "OR",
        "NOT",
        "AND OR NOT",
        "*",
        "**",
        "-",
        "--",
        "-minus",
        "NEAR(",
        "NEAR(a b",
        "NEAR(a b, 2)",
        "((",
        "))",
        "(",
        ")",
        "a:b",
        "text:hi",
        "display_name:x",
        "{text}:hi",
        "^",
        "^caret",
        "+",
        "'",
        "\\",
        "\0",
        "a\0b",
        "%",
        "_",
        "%%%",
        "message_fts",
        "'; DROP TABLE messages; --",
        "🙂",
        "\u{202e}rtl",
        "\u{301}",
        "   ",
        "",
        "\n\t",
        &long,
    ];
    for q in inputs {
        ids(&s, q);
    }
    // The store is intact afterwards.
    assert_eq!(ids(&s, "nothing special"), ["plain"]);
}

#[test]
fn syntax_characters_are_searched_for_literally() {
    let (_d, s) = store();
    assert_eq!(ids(&s, ":)"), ["smile"]);
    assert_eq!(ids(&s, "NEAR("), ["syntax"]);
    assert_eq!(ids(&s, "NEAR(x"), ["syntax"]);
    assert_eq!(ids(&s, "\"AND\""), ["syntax"]);
    assert_eq!(ids(&s, "col:value"), ["syntax"]);
    assert_eq!(ids(&s, "*star*"), ["syntax"]);
    assert_eq!(ids(&s, "-minus"), ["syntax"]);
    assert_eq!(ids(&s, "^caret"), ["syntax"]);
    assert_eq!(ids(&s, "(b (c"), ["parens"]);
    assert_eq!(ids(&s, "\"hello\""), ["quote"]);
    // AND is a word to find, not an operator: only the message that has it.
    assert_eq!(ids(&s, "AND"), ["syntax"]);
}

#[test]
fn like_wildcards_are_plain_characters() {
    let (_d, s) = store();
    assert_eq!(ids(&s, "%"), ["percent"]);
    assert_eq!(ids(&s, "0%"), ["percent"]);
    assert_eq!(ids(&s, "t_t"), ["percent"]);
    assert!(ids(&s, "100_").is_empty());
}

#[test]
fn nothing_typed_lists_messages_newest_first() {
    let (_d, s) = store();
    let page = s.search(&SearchQuery::text("  ")).unwrap();
    let got: Vec<&str> = page.hits.iter().map(|h| h.message_id.as_str()).collect();
    assert_eq!(
        got,
        ["plain", "quote", "parens", "percent", "syntax", "smile"]
    );
    assert!(
        page.hits
            .iter()
            .all(|h| h.snippet.iter().all(|p| !p.matched))
    );
}
