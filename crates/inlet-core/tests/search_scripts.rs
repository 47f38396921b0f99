//! Search finds what customers write in every script, and substrings of numbers and order codes,
//! with the matched text marked in the snippet.

mod archive_support;

use archive_support::{NOW, open, text};
use inlet_core::search::{SearchMethod, SearchPage, SearchQuery};
use inlet_core::store::{Search, Store};

const MESSAGES: &[(&str, &str)] = &[
    ("zh", "您好，我想订购三件红色的衬衫，尺码是L"),
    ("zh2", "你好，请问今天发货吗？"),
    ("ja", "明日の会議は午後三時からです。よろしくお願いします"),
    ("th", "สวัสดีครับ ต้องการสั่งซื้อสินค้า 2 ชิ้น"),
    ("ar", "مرحبا، أريد طلب منتج جديد من فضلك"),
    ("fr", "Je voudrais un café crème et une brioche"),
    ("es", "¿Podemos vernos mañana en la estación?"),
    ("de", "Welche Größe hat das Hemd?"),
    ("nfd", "Un cafe\u{301} noir, s'il vous plai\u{302}t"),
    (
        "order",
        "Order #AB-2024-00731 has shipped, tracking 1Z999AA10123456784",
    ),
    ("phone", "Call me back on 13800138000 please"),
    ("en", "Hello, is the shop open on Sunday?"),
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

fn search(store: &Store, q: &str) -> SearchPage {
    store.search(&SearchQuery::text(q)).unwrap()
}

/// The ids of the hits, and for each, the marked parts of its snippet.
fn found(page: &SearchPage) -> Vec<(String, Vec<String>)> {
    page.hits
        .iter()
        .map(|h| {
            let marked = h
                .snippet
                .iter()
                .filter(|p| p.matched)
                .map(|p| p.text.clone())
                .collect();
            (h.message_id.clone(), marked)
        })
        .collect()
}

fn assert_finds(store: &Store, q: &str, id: &str, marked: &[&str]) {
    let page = search(store, q);
    assert_eq!(
        found(&page),
        [(
            id.to_string(),
            marked.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        )],
        "query {q:?}"
    );
}

#[test]
fn chinese_substrings_of_any_length() {
    let (_d, s) = store();
    assert_finds(&s, "红色的衬衫", "zh", &["红色的衬衫"]);
    assert_finds(&s, "订购三", "zh", &["订购三"]);
    // Two characters: below the trigram index, found by the bounded scan.
    let page = search(&s, "衬衫");
    assert_eq!(page.method, SearchMethod::Scan);
    assert_eq!(found(&page), [("zh".to_string(), vec!["衬衫".to_string()])]);
    // 你好 is in one message; 您好 (another character) is not a match for it.
    assert_finds(&s, "你好", "zh2", &["你好"]);
}

#[test]
fn japanese_without_spaces() {
    let (_d, s) = store();
    assert_finds(&s, "午後三時", "ja", &["午後三時"]);
    assert_finds(&s, "会議", "ja", &["会議"]);
    assert_finds(&s, "よろしく", "ja", &["よろしく"]);
}

#[test]
fn thai_without_spaces() {
    let (_d, s) = store();
    assert_finds(&s, "สั่งซื้อ", "th", &["สั่งซื้อ"]);
    assert_finds(&s, "สินค้า", "th", &["สินค้า"]);
}

#[test]
fn arabic_right_to_left() {
    let (_d, s) = store();
    assert_finds(&s, "طلب منتج", "ar", &["طلب", "منتج"]);
    assert_finds(&s, "مرحبا", "ar", &["مرحبا"]);
}

#[test]
fn latin_ignores_case_and_accents_both_ways() {
    let (_d, s) = store();
    // cafe finds café (composed) and cafe + U+0301 (decomposed); the mark covers the accent.
    let page = search(&s, "CAFE");
    let mut hits = found(&page);
    hits.sort();
    assert_eq!(
        hits,
        [
            ("fr".to_string(), vec!["café".to_string()]),
            ("nfd".to_string(), vec!["cafe\u{301}".to_string()]),
        ]
    );
    assert_finds(&s, "crème", "fr", &["crème"]);
    assert_finds(&s, "creme", "fr", &["crème"]);
    assert_finds(&s, "manana", "es", &["mañana"]);
    assert_finds(&s, "ESTACIÓN", "es", &["estación"]);
    assert_finds(&s, "größe", "de", &["Größe"]);
    assert_finds(&s, "plait", "nfd", &["plai\u{302}t"]);
}

#[test]
fn substrings_of_numbers_and_order_codes() {
    let (_d, s) = store();
    assert_finds(&s, "00731", "order", &["00731"]);
    assert_finds(&s, "2024-007", "order", &["2024-007"]);
    assert_finds(&s, "ab-2024", "order", &["AB-2024"]);
    assert_finds(&s, "#AB", "order", &["#AB"]);
    assert_finds(&s, "10123456", "order", &["10123456"]);
    assert_finds(&s, "0013800", "phone", &["0013800"]);
    // Two digits: the scan finds every message holding them.
    let page = search(&s, "73");
    assert_eq!(
        found(&page),
        [("order".to_string(), vec!["73".to_string()])]
    );
}

#[test]
fn every_word_must_occur_and_each_is_marked() {
    let (_d, s) = store();
    assert_finds(&s, "shop sunday", "en", &["shop", "Sunday"]);
    assert!(search(&s, "shop monday").hits.is_empty());
    // A long word with a short one: the index finds candidates, the short word filters them.
    assert_finds(&s, "shop is", "en", &["is", "shop"]);
    assert!(search(&s, "shop zz").hits.is_empty());
}
