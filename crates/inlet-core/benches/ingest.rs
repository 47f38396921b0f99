//! The store alone: how fast `Store::ingest` takes a backlog, with no queue in front of it.
//! The same 100,000-message mix as `scripts/bench queue` (1/2 text, 1/6 images, 1/6 button
//! replies, 1/6 locations, 5,000 customers), in transactions of 256 like a drain. Prints figures;
//! asserts nothing. `cargo bench -p inlet-core --bench ingest [-- MESSAGES]`.

use std::time::Instant;

use base64::Engine as _;
use inlet_core::store::{Incoming, Store};
use serde_json::json;

const GROUP: usize = 256;

fn body(i: usize) -> Vec<u8> {
    let kind = ["TEXT", "TEXT", "TEXT", "IMAGE", "REPLY", "LOCATION"][i % 6];
    let message = match kind {
        "TEXT" => json!(format!("Hello, is order #{} ready? 你好", 100_000 + i)),
        "IMAGE" => json!(
            json!({"caption": "photo", "id": i.to_string(), "mimeType": "image/jpeg",
                   "url": format!("http://127.0.0.1:9/media/{i}.jpg")})
            .to_string()
        ),
        "REPLY" => json!(
            json!({"text": "Yes, confirm", "payload": format!("order_confirm_{i}")}).to_string()
        ),
        _ => {
            json!({"name": "Shop", "address": "1 Example Rd", "latitude": "30.27", "longitude": "120.15"})
        }
    };
    let mo = json!({
        "MessageId": format!("bench-{i}"), "CustSpaceId": "cams-bench", "WabaId": "waba-bench",
        "From": format!("86138{:08}", i % 5000), "To": "8613900000000",
        "Timestamp": 1_760_000_000_000_i64 + i as i64, "DisplayName": format!("Customer {}", i % 5000),
        "Name": "c", "Type": kind, "Message": message,
    });
    base64::engine::general_purpose::STANDARD
        .encode(mo.to_string())
        .into_bytes()
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path().join("bench.db")).expect("store");
    let bodies: Vec<Vec<u8>> = (0..n).map(body).collect();
    let started = Instant::now();
    let mut decode = std::time::Duration::ZERO;
    for (g, chunk) in bodies.chunks(GROUP).enumerate() {
        let t = Instant::now();
        let batch: Vec<Incoming> = chunk
            .iter()
            .enumerate()
            .map(|(k, b)| Incoming::decode(format!("q-{g}-{k}"), b.clone(), 1))
            .collect();
        decode += t.elapsed();
        store.ingest(&batch, 1_760_000_000_000).expect("ingest");
    }
    let took = started.elapsed();
    println!(
        "ingest {n} messages in groups of {GROUP}: {:.2} s, {:.0} msg/s (decode {:.2} s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        decode.as_secs_f64()
    );
}
