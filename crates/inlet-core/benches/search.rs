//! Search and chat-opening latency on synthetic stores of 10,000, 100,000 and 1,000,000
//! messages, beside a plain `LIKE '%q%'` scan of the same data. Prints figures; asserts nothing.
//!
//! `cargo bench -p inlet-core --bench search` runs every size; `-- 100000` stops at that size.
//!
//! Messages are generated as ChatApp bodies (base64 JSON) and stored through `Store::ingest` in
//! batches of 5,000, like a long backlog arriving: a mix of English, Spanish, Chinese and Thai
//! texts with order codes, photos with captions, documents, locations and button replies, from
//! about 2,000 customers plus one very busy chat (100,000 messages, or half the store when
//! smaller).

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use inlet_core::search::SearchQuery;
use inlet_core::store::{Incoming, Queries, Search, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const BATCH: usize = 5_000;
const BUSY_CHAT: usize = 100_000;
const START_MS: i64 = 1_704_067_200_000; // 2024-01-01

/// Each query: what it stands for and the text typed.
const QUERIES: [(&str, &str); 5] = [
    ("common word", "order"),
    ("rare word", "zeppelin"),
    ("prefix (as typed)", "deliv"),
    ("CJK 3 chars", "订单号"),
    ("CJK 2 chars (scan)", "发货"),
];

fn main() {
    let cap: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(usize::MAX);
    println!("search benchmark (p50 / p95 of the first page of 50, warm cache)");
    for &size in SIZES.iter().filter(|&&s| s <= cap) {
        run(size);
    }
}

fn run(size: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let started = Instant::now();
    let busy = fill(&db, size);
    let took = started.elapsed();
    let bytes = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.path().join("bench.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "\n== {size} messages: stored in {:.1} s ({:.0} msg/s), database {:.0} MB",
        took.as_secs_f64(),
        size as f64 / took.as_secs_f64(),
        bytes as f64 / 1e6
    );
    let reader = Store::open_reader(&db).expect("reader");
    let like_conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("LIKE connection");
    let runs = if size >= 1_000_000 { 15 } else { 40 };
    println!(
        "{:<22} {:>8} {:>22} {:>22}",
        "query", "hits", "search p50 / p95 ms", "LIKE scan p50 / p95 ms"
    );
    for (what, q) in QUERIES {
        let query = SearchQuery::text(q);
        let hits = reader.search(&query).expect("search").hits.len();
        let search = timings(runs, || {
            reader.search(&query).expect("search");
        });
        let like = timings(runs.min(10), || like_scan(&like_conn, q));
        println!(
            "{what:<22} {hits:>8} {:>22} {:>22}",
            pair(&search),
            pair(&like)
        );
    }
    let chat = timings(runs, || {
        reader.timeline(busy.0, None, 50).expect("timeline");
    });
    println!(
        "open a chat: latest 50 of {} messages: {} ms",
        busy.1,
        pair(&chat)
    );
}

fn pair(t: &[Duration]) -> String {
    format!("{:.2} / {:.2}", pct(t, 50), pct(t, 95))
}

fn pct(sorted: &[Duration], p: usize) -> f64 {
    let i = ((sorted.len() * p) / 100).min(sorted.len() - 1);
    sorted[i].as_secs_f64() * 1000.0
}

fn timings(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    f(); // warm up
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    t
}

/// The naive alternative: a full scan with LIKE, newest first, first 50.
fn like_scan(conn: &rusqlite::Connection, q: &str) {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id FROM messages WHERE text LIKE '%' || ?1 || '%'
             ORDER BY timestamp_ms DESC, id DESC LIMIT 50",
        )
        .expect("prepare");
    let n = stmt
        .query_map([q], |r| r.get::<_, i64>(0))
        .expect("query")
        .count();
    std::hint::black_box(n);
}

/// Stores `size` messages; returns the busy chat's id and message count.
fn fill(db: &Path, size: usize) -> (i64, usize) {
    let mut store = Store::open(db).expect("store");
    let mut rng = StdRng::seed_from_u64(size as u64);
    let busy_messages = BUSY_CHAT.min(size / 2);
    let mut busy_chat = None;
    let mut ts = START_MS;
    let spacing = (2 * 365 * 86_400_000_i64) / size as i64;
    let mut n = 0;
    while n < size {
        let batch: Vec<Incoming> = (n..(n + BATCH).min(size))
            .map(|i| {
                ts += rng.random_range(0..spacing.max(2));
                // Every k-th message is the busy chat's, so it spans the whole period.
                let busy = i % (size / busy_messages) == 0;
                let from = if busy {
                    "447700900000".to_string()
                } else {
                    format!("55119{:07}", rng.random_range(0..2_000))
                };
                body(i, &from, ts, &mut rng)
            })
            .collect();
        let report = store.ingest(&batch, ts).expect("ingest");
        if busy_chat.is_none() {
            busy_chat = report.inserted.first().map(|r| r.conversation_id);
        }
        n += batch.len();
    }
    let id = busy_chat.expect("a chat");
    (id, busy_messages)
}

fn body(i: usize, from: &str, ts: i64, rng: &mut StdRng) -> Incoming {
    let code = format!(
        "AB-{}-{:05}",
        2024 + rng.random_range(0..2),
        rng.random_range(0..100_000)
    );
    let (msg_type, message) = content(i, &code, rng);
    let json = json!({
        "MessageId": format!("wamid.{i:09}"), "CustSpaceId": "cams-bench", "WabaId": "waba-bench",
        "From": from, "To": "8613900000000", "Timestamp": ts,
        "DisplayName": format!("Customer {}", &from[from.len() - 4..]), "Type": msg_type,
        "Message": message,
    });
    let b64 = base64::engine::general_purpose::STANDARD.encode(json.to_string());
    Incoming::decode(format!("q{i}"), b64.into_bytes(), 1)
}

const DAYS: [&str; 5] = ["Monday", "Tuesday", "Friday", "Saturday", "Sunday"];

fn content(i: usize, code: &str, rng: &mut StdRng) -> (&'static str, Value) {
    if i % 10_000 == 7 {
        return ("TEXT", json!("Did the zeppelin-shaped balloons arrive?"));
    }
    let day = DAYS[rng.random_range(0..DAYS.len())];
    let text = match rng.random_range(0..20) {
        0 => format!("Hi, is my order {code} ready? I need it by {day}."),
        1 => format!("Can you send the invoice for order {code} please"),
        2 => "Thanks! The delivery arrived this morning 👍".to_string(),
        3 => format!("What time do you open on {day}?"),
        4 => format!("你好，我的订单号是{code}，什么时候发货？"),
        5 => "请问这个有红色的吗？尺码是L".to_string(),
        6 => "谢谢，已经收到了".to_string(),
        7 => format!("¿Cuándo llega mi pedido {code}? Gracias"),
        8 => "Perfecto, muchas gracias por la entrega".to_string(),
        9 => format!("สวัสดีครับ ต้องการสั่งซื้อสินค้า {code}"),
        10 => format!("Please change the delivery address for {code}"),
        11 => "ok".to_string(),
        12 => "Is there a discount if I buy three?".to_string(),
        13 => {
            return (
                "IMAGE",
                json!({"caption": format!("photo of the parcel {code}"), "url": "https://h/p.jpg", "mimeType": "image/jpeg"}),
            );
        }
        14 => {
            return (
                "DOCUMENT",
                json!({"filename": format!("invoice-{code}.pdf"), "url": "https://h/d.pdf", "mimeType": "application/pdf"}),
            );
        }
        15 => {
            return (
                "LOCATION",
                json!({"name": "Warehouse", "address": "969 West Wenyi Road, Hangzhou", "latitude": "30.2741", "longitude": "120.1551"}),
            );
        }
        16 => {
            return (
                "REPLY",
                json!({"text": "Yes, confirm my order", "payload": format!("confirm_{code}")}),
            );
        }
        17 => format!(
            "My phone is +55 11 9{:04} {:04}",
            rng.random_range(0..10_000),
            rng.random_range(0..10_000)
        ),
        18 => "Good morning! Do you deliver on weekends?".to_string(),
        _ => format!("I would like to order 2 more, same as {code}"),
    };
    ("TEXT", json!(text))
}
