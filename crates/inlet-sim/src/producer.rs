//! The ChatApp demo producer: realistic inbound (MO) traffic for two small businesses.
//!
//! [`demo_conversations`] turns the script in `producer/script.rs` into ChatApp MO JSON texts,
//! one per MNS message, in arrival order, exactly as ChatApp would put them (before base64) into
//! `Alicom-Queue-<uid>-ChatAppInbound`. Media goes onto the [`MediaHost`] with the real 7-day
//! lifetime counted from the message's own timestamp, so old messages carry nearly dead (or dead)
//! URLs. The output depends only on `now_ms` (and the host's base URL and key): message ids are
//! derived from the script, not random, so seeding twice gives the same messages, which a
//! consumer deduplicates.

mod model;
mod script;

#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::media::assets::Asset;
use crate::media::{Behaviour, MediaHost};
use model::{Card, Content, Conversation, Customer, Form, IdStyle, Line};

/// How long ChatApp media URLs stay valid ("The URL is valid for 7 days").
const MEDIA_URL_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;
/// Customers do not type on the minute: each message gets up to this much jitter.
const MAX_JITTER_MS: i64 = 45_000;

/// The demo's MO messages as JSON texts, oldest first; all within the 10 days before `now_ms`.
/// Stores every media file on `media` (URLs expire 7 days after their message was sent).
pub fn demo_conversations(now_ms: i64, media: &MediaHost) -> Vec<String> {
    let conversations = script::conversations();
    let mut planned = plan(&conversations, now_ms);
    planned.sort_by_key(|p| p.timestamp_ms);
    planned
        .iter()
        .map(|p| {
            let conversation = &conversations[p.conversation];
            render(
                &conversation.customer,
                &conversation.lines[p.line],
                p,
                media,
            )
        })
        .collect()
}

/// Calls `enqueue` with each demo message (oldest first) and returns how many there were.
pub fn seed_demo(mut enqueue: impl FnMut(&str), now_ms: i64, media: &MediaHost) -> usize {
    let messages = demo_conversations(now_ms, media);
    for message in &messages {
        enqueue(message);
    }
    messages.len()
}

/// Stores every demo media file on `media` again, without producing messages, and returns how
/// many. For a simulator restarted on persisted queues: the demo messages already in the queue
/// keep working URLs, because media ids derive from message ids (not from time) and the
/// signature and expiry travel in the URL itself.
pub fn register_demo_media(media: &MediaHost) -> usize {
    let conversations = script::conversations();
    let mut stored = 0;
    for planned in plan(&conversations, 0) {
        let line = &conversations[planned.conversation].lines[planned.line];
        if let Some(asset) = line.content.asset() {
            let id = media_id(&planned.message_id);
            media.put_with_id(
                &id,
                asset.bytes,
                asset.mime_type,
                asset.filename,
                0,
                Behaviour::Normal,
            );
            stored += 1;
        }
    }
    stored
}

/// One scheduled message: where it is in the script and when it was sent.
struct Planned {
    conversation: usize,
    line: usize,
    timestamp_ms: i64,
    message_id: String,
}

/// Gives every line a timestamp (jittered, strictly increasing within its conversation) and a
/// stable message id.
fn plan(conversations: &[Conversation], now_ms: i64) -> Vec<Planned> {
    let mut planned = Vec::new();
    for (c, conversation) in conversations.iter().enumerate() {
        let mut previous = i64::MIN;
        for (l, line) in conversation.lines.iter().enumerate() {
            let seed = format!("{}|{l}", conversation.customer.number);
            let jitter = i64::try_from(hash_u64(&seed) % MAX_JITTER_MS as u64).unwrap_or(0);
            let mut timestamp_ms = now_ms - line.ago_min * 60_000 - jitter;
            // Two lines written "the same minute" must still arrive in script order.
            if timestamp_ms <= previous {
                timestamp_ms = previous + 1_000 + jitter % 7_000;
            }
            previous = timestamp_ms;
            let sender = line.from.unwrap_or(conversation.customer.number);
            let message_id = message_id(conversation.customer.ids, sender, &seed);
            planned.push(Planned {
                conversation: c,
                line: l,
                timestamp_ms,
                message_id,
            });
        }
    }
    planned
}

/// The MO body's fields in the order the documentation lists them.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MoBody<'a> {
    message_id: &'a str,
    cust_space_id: &'a str,
    waba_id: &'a str,
    from: String,
    to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_parent_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_user_name: Option<&'a str>,
    timestamp: i64,
    display_name: &'a str,
    #[serde(rename = "Type")]
    kind: &'a str,
    message: Value,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice_type: Option<&'a str>,
}

fn render(customer: &Customer, line: &Line, planned: &Planned, media: &MediaHost) -> String {
    let business = customer.business;
    let number = |n: &str| {
        if customer.plus {
            format!("+{n}")
        } else {
            n.to_owned()
        }
    };
    let (kind, payload) = content(customer, line, planned, media);
    let message = match payload {
        // TEXT is the text itself; everything else is an object or that object JSON-encoded.
        Value::String(text) => Value::String(text),
        structured => match line.form.unwrap_or(business.form) {
            Form::Object => structured,
            Form::Encoded => Value::String(structured.to_string()),
        },
    };
    let body = MoBody {
        message_id: &planned.message_id,
        cust_space_id: business.cust_space_id,
        waba_id: business.waba_id,
        from: number(line.from.unwrap_or(customer.number)),
        to: number(business.number),
        from_user_id: customer.bsuid.as_ref().map(|b| b.user_id),
        from_parent_user_id: customer.bsuid.as_ref().and_then(|b| b.parent_user_id),
        from_user_name: customer.bsuid.as_ref().and_then(|b| b.user_name),
        timestamp: planned.timestamp_ms,
        display_name: customer.display_name,
        kind,
        message,
        name: customer.name,
        notice_type: customer.notice_type.then_some("inbound"),
    };
    // Only maps with non-string keys can fail to serialise; this body has none.
    serde_json::to_string(&body).expect("an MO body always serialises")
}

/// The `Type` and the (unencoded) `Message` of one line; stores its media on the host.
fn content(
    customer: &Customer,
    line: &Line,
    planned: &Planned,
    media: &MediaHost,
) -> (&'static str, Value) {
    let put = |asset: &Asset| {
        let id = media_id(&planned.message_id);
        let expires_secs = (planned.timestamp_ms + MEDIA_URL_LIFETIME_MS).div_euclid(1000);
        let url = media.put_with_id(
            &id,
            asset.bytes,
            asset.mime_type,
            asset.filename,
            expires_secs,
            Behaviour::Normal,
        );
        (id, url)
    };
    match &line.content {
        Content::Text(text) => ("TEXT", Value::String((*text).to_owned())),
        Content::Image { asset, caption } => {
            let (id, url) = put(asset);
            let mut image = json!({ "id": id, "mimeType": asset.mime_type, "url": url });
            if let Some(caption) = caption {
                image["caption"] = json!(caption);
            }
            ("IMAGE", image)
        }
        Content::Video { asset, name } => {
            let (id, url) = put(asset);
            (
                "VIDEO",
                json!({ "name": name, "id": id, "mimeType": asset.mime_type, "url": url }),
            )
        }
        Content::Audio { asset } => {
            let (id, url) = put(asset);
            let audio = json!({
                "filename": "File.ogg", "animated": false, "name": "voice note", "id": id,
                "mimeType": "audio/ogg; codecs=opus", "url": url,
            });
            ("AUDIO", audio)
        }
        Content::Document { asset, name } => {
            let (id, url) = put(asset);
            let document = json!({
                "name": name, "id": id, "filename": asset.filename, "mimeType": asset.mime_type, "url": url,
            });
            ("DOCUMENT", document)
        }
        Content::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            let mut location = json!({ "latitude": latitude, "longitude": longitude });
            if let Some(name) = name {
                location["name"] = json!(name);
            }
            if let Some(address) = address {
                location["address"] = json!(address);
            }
            ("LOCATION", location)
        }
        Content::Reply { text, payload } => ("REPLY", json!({ "text": text, "payload": payload })),
        Content::NumberChanged { new_number } => {
            let old = line.from.unwrap_or(customer.number);
            let body = format!(
                "{} changed from {old} to {new_number}",
                customer.display_name
            );
            (
                "SYSTEM",
                json!({ "body": body, "wa_id": new_number, "type": "customer_changed_number" }),
            )
        }
        Content::IdentityChanged => {
            let body = format!("{}'s security code changed", customer.display_name);
            let wa_id = line.from.unwrap_or(customer.number);
            (
                "SYSTEM",
                json!({ "body": body, "wa_id": wa_id, "type": "customer_identity_changed" }),
            )
        }
        Content::Contacts(cards) => ("CONTACTS", Value::Array(cards.iter().map(card).collect())),
        Content::Sticker { asset } => {
            let (id, url) = put(asset);
            (
                "STICKER",
                json!({ "id": id, "mimeType": asset.mime_type, "url": url, "animated": false }),
            )
        }
        Content::Reaction {
            emoji,
            to_message_id,
        } => (
            "REACTION",
            json!({ "emoji": emoji, "message_id": to_message_id }),
        ),
    }
}

fn card(card: &Card) -> Value {
    let mut name = json!({ "formatted_name": card.formatted_name, "first_name": card.first_name });
    if let Some(last) = card.last_name {
        name["last_name"] = json!(last);
    }
    let phones: Vec<Value> = card
        .phones
        .iter()
        .map(|(phone, kind, wa_id)| {
            let mut entry = json!({ "phone": phone, "type": kind });
            if let Some(wa_id) = wa_id {
                entry["wa_id"] = json!(wa_id);
            }
            entry
        })
        .collect();
    let mut value = json!({ "name": name, "phones": phones });
    if let Some(email) = card.email {
        value["emails"] = json!([{ "email": email, "type": "HOME" }]);
    }
    if let Some(company) = card.company {
        value["org"] = json!({ "company": company });
    }
    value
}

/// A stable message id in the customer's style. `wamid.` ids follow WhatsApp's layout
/// (a protobuf-ish envelope holding the sender number and a hex id, base64-encoded).
fn message_id(style: IdStyle, sender: &str, seed: &str) -> String {
    let digest = hex::encode_upper(Sha256::digest(seed.as_bytes()));
    match style {
        IdStyle::Decimal => format!(
            "{}",
            1_000_000_000_000_000u64 + hash_u64(seed) % 9_000_000_000_000_000
        ),
        IdStyle::Wamid => {
            use base64::Engine;
            let mut raw = vec![0x1c, 0x18, u8::try_from(sender.len()).unwrap_or(u8::MAX)];
            raw.extend_from_slice(sender.as_bytes());
            raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x12, 0x18, 0x14]);
            raw.extend_from_slice(&digest.as_bytes()[..20]);
            raw.push(0x00);
            format!(
                "wamid.{}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        }
    }
}

/// WhatsApp-like media id (a long decimal) derived from the message id.
fn media_id(message_id: &str) -> String {
    format!(
        "{}",
        100_000_000_000_000u64 + hash_u64(&format!("media|{message_id}")) % 900_000_000_000_000
    )
}

fn hash_u64(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}
