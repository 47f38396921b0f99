//! Helpers shared by the crate's unit tests.

use base64::Engine as _;

use crate::store::{Incoming, Store};

/// A new, empty store in a temporary folder (removed when the `TempDir` is dropped).
pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("inlet.db")).expect("store");
    (dir, store)
}

/// Every `.json` fixture (one message each).
pub const JSON_FIXTURES: &[&str] = &[
    "audio.json",
    "contacts.json",
    "document.json",
    "image-message-as-string.json",
    "image-no-caption-as-object.json",
    "location-as-object.json",
    "location-as-string.json",
    "newer-optional-fields.json",
    "plus-prefixed-numbers.json",
    "reply.json",
    "rtl-arabic.json",
    "system-identity-changed.json",
    "system-number-changed.json",
    "text.json",
    "unknown-type.json",
    "video.json",
];

/// The project's MO fixtures (tests/fixtures/chatapp-mo), read at test time.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/chatapp-mo/"
    );
    std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A queue delivery of `json`, base64-encoded as ChatApp sends it.
pub fn delivery(queue_message_id: &str, json: &[u8]) -> Incoming {
    let body = base64::engine::general_purpose::STANDARD
        .encode(json)
        .into_bytes();
    Incoming::decode(queue_message_id.to_string(), body, 1)
}

/// A minimal valid MO body.
pub fn mo_json(
    message_id: &str,
    from: &str,
    ts: i64,
    msg_type: &str,
    message: serde_json::Value,
) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "MessageId": message_id, "CustSpaceId": "cams-1", "WabaId": "waba-1", "From": from,
        "To": "8613900000000", "Timestamp": ts, "DisplayName": "Customer", "Name": "c",
        "Type": msg_type, "Message": message,
    }))
    .expect("json")
}
