use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::*;
use crate::clock::Clock;
use crate::media::assets;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn host() -> MediaHost {
    MediaHost::new(Clock::new(), "http://127.0.0.1:9".into())
}

fn parsed(now_ms: i64, media: &MediaHost) -> Vec<Value> {
    demo_conversations(now_ms, media)
        .iter()
        .map(|text| serde_json::from_str(text).expect("every demo message is valid JSON"))
        .collect()
}

/// The `Message` content as an object, whichever form it was sent in.
fn inner(message: &Value) -> Value {
    match &message["Message"] {
        Value::String(text) if message["Type"] != "TEXT" => {
            serde_json::from_str(text).expect("encoded JSON")
        }
        other => other.clone(),
    }
}

fn now() -> i64 {
    Clock::new().now_ms()
}

#[test]
fn every_message_has_the_documented_required_fields() {
    for m in parsed(now(), &host()) {
        for key in [
            "MessageId",
            "CustSpaceId",
            "WabaId",
            "From",
            "To",
            "DisplayName",
            "Type",
            "Name",
        ] {
            assert!(
                m[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key} missing in {m}"
            );
        }
        assert!(m["Timestamp"].is_i64(), "{m}");
        assert!(
            m["Message"].is_string() || m["Message"].is_object() || m["Message"].is_array(),
            "{m}"
        );
    }
}

#[test]
fn every_documented_type_and_an_unknown_one_appear() {
    let messages = parsed(now(), &host());
    let kinds: BTreeSet<&str> = messages.iter().filter_map(|m| m["Type"].as_str()).collect();
    for kind in [
        "TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT", "LOCATION", "REPLY", "SYSTEM", "CONTACTS",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    let sticker = messages
        .iter()
        .find(|m| m["Type"] == "STICKER")
        .expect("an unknown type");
    assert!(
        inner(sticker)["url"]
            .as_str()
            .is_some_and(|u| u.contains("/media/"))
    );
    assert!(
        (120..=200).contains(&messages.len()),
        "{} messages",
        messages.len()
    );
}

#[test]
fn both_message_forms_and_the_optional_shapes_appear() {
    let messages = parsed(now(), &host());
    let structured = messages.iter().filter(|m| m["Type"] != "TEXT");
    let (encoded, object): (Vec<_>, Vec<_>) = structured.partition(|m| m["Message"].is_string());
    assert!(!encoded.is_empty() && !object.is_empty());
    let media_kinds = |set: &[&Value]| set.iter().filter(|m| m["Type"] == "IMAGE").count();
    assert!(
        media_kinds(&encoded) > 0 && media_kinds(&object) > 0,
        "IMAGE in both forms"
    );
    assert!(
        messages
            .iter()
            .any(|m| m["Type"] == "IMAGE" && inner(m).get("caption").is_none())
    );
    assert!(
        messages
            .iter()
            .any(|m| m["Type"] == "IMAGE" && inner(m)["caption"].is_string())
    );
    assert!(
        messages
            .iter()
            .any(|m| m["FromUserId"].is_string() && m["FromParentUserId"].is_string())
    );
    assert!(messages.iter().any(|m| m["NoticeType"] == "inbound"));
    let plus = |key: &str| {
        messages
            .iter()
            .any(|m| m[key].as_str().is_some_and(|n| n.starts_with('+')))
    };
    assert!(plus("From") && plus("To"));
    assert!(messages.iter().any(|m| {
        m["MessageId"]
            .as_str()
            .is_some_and(|id| id.starts_with("wamid."))
    }));
    assert!(messages.iter().any(|m| {
        m["MessageId"]
            .as_str()
            .is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit()))
    }));
    let bare_pin = messages
        .iter()
        .find(|m| m["Type"] == "LOCATION" && inner(m).get("name").is_none());
    assert!(bare_pin.is_some(), "a location with coordinates only");
}

#[test]
fn the_reply_system_and_contacts_shapes_are_right() {
    let messages = parsed(now(), &host());
    let confirm = messages
        .iter()
        .map(inner)
        .find(|i| i["payload"] == "order_confirm_1042")
        .expect("reply");
    assert_eq!(confirm["text"], "Yes, confirm");

    let changed = messages
        .iter()
        .find(|m| m["Type"] == "SYSTEM" && inner(m)["type"] == "customer_changed_number")
        .expect("number change");
    let (old, new) = (
        changed["From"].as_str().expect("from"),
        inner(changed)["wa_id"].clone(),
    );
    let body = inner(changed)["body"].as_str().expect("body").to_owned();
    let new = new.as_str().expect("wa_id").to_owned();
    assert!(body.contains(old) && body.contains(&new), "{body}");
    let later = messages
        .iter()
        .filter(|m| m["Timestamp"].as_i64() > changed["Timestamp"].as_i64());
    let same_person: Vec<_> = later
        .filter(|m| m["DisplayName"] == changed["DisplayName"])
        .collect();
    assert!(!same_person.is_empty() && same_person.iter().all(|m| m["From"] == new.as_str()));

    assert!(
        messages
            .iter()
            .any(|m| m["Type"] == "SYSTEM" && inner(m)["type"] == "customer_identity_changed")
    );
    let cards = messages
        .iter()
        .filter(|m| m["Type"] == "CONTACTS")
        .map(inner);
    for list in cards {
        let list = list
            .as_array()
            .expect("CONTACTS is an array of cards")
            .clone();
        assert!(
            list.iter()
                .all(|c| c["name"]["formatted_name"].is_string() && c["phones"].is_array())
        );
    }
}

#[test]
fn timestamps_are_plausible_and_ids_unique() {
    let now_ms = now();
    let messages = parsed(now_ms, &host());
    let stamps: Vec<i64> = messages
        .iter()
        .map(|m| m["Timestamp"].as_i64().expect("ms"))
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing arrival order"
    );
    assert!(
        stamps
            .iter()
            .all(|&t| t < now_ms && t > now_ms - 10 * DAY_MS)
    );
    let ids: HashSet<&str> = messages
        .iter()
        .filter_map(|m| m["MessageId"].as_str())
        .collect();
    assert_eq!(ids.len(), messages.len());
}

#[test]
fn the_cast_speaks_many_languages_and_includes_hostile_markup() {
    let texts: Vec<String> = parsed(now(), &host())
        .iter()
        .filter(|m| m["Type"] == "TEXT")
        .filter_map(|m| m["Message"].as_str().map(str::to_owned))
        .collect();
    let has = |range: std::ops::RangeInclusive<char>| {
        texts.iter().any(|t| t.chars().any(|c| range.contains(&c)))
    };
    assert!(has('\u{0600}'..='\u{06FF}'), "Arabic");
    assert!(has('\u{0E00}'..='\u{0E7F}'), "Thai");
    assert!(has('\u{3040}'..='\u{30FF}'), "Japanese kana");
    assert!(has('\u{4E00}'..='\u{9FFF}'), "CJK");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("ção") || t.contains("ões") || t.contains("obrigada")),
        "Portuguese"
    );
    assert!(texts.iter().any(|t| t == "<img src=x onerror=alert(1)>"));
    assert!(texts.iter().any(|t| t == "<b>bold?</b>"));
    assert!(texts.iter().any(|t| t.contains("https://")));
    assert!(
        texts.iter().any(|t| t.len() > 400 && t.contains('\n')),
        "a long multi-line text"
    );
}

#[test]
fn output_is_deterministic_for_a_given_now() {
    let now_ms = 1_790_000_000_000;
    let first = demo_conversations(now_ms, &host());
    assert_eq!(first, demo_conversations(now_ms, &host()), "fresh hosts");
    let shared = host();
    assert_eq!(
        demo_conversations(now_ms, &shared),
        demo_conversations(now_ms, &shared),
        "same host twice"
    );

    let later = parsed(now_ms + DAY_MS, &host());
    let earlier: Vec<Value> = first
        .iter()
        .map(|t| serde_json::from_str(t).expect("json"))
        .collect();
    let ids = |v: &[Value]| v.iter().map(|m| m["MessageId"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&earlier),
        ids(&later),
        "ids do not depend on now, so reseeding deduplicates"
    );
    assert_eq!(
        later[0]["Timestamp"].as_i64(),
        earlier[0]["Timestamp"].as_i64().map(|t| t + DAY_MS)
    );
}

#[test]
fn seed_demo_enqueues_every_message_in_order() {
    let now_ms = 1_790_000_000_000;
    let mut seen = Vec::new();
    let count = seed_demo(|json| seen.push(json.to_owned()), now_ms, &host());
    assert_eq!(count, seen.len());
    assert_eq!(seen, demo_conversations(now_ms, &host()));
}

/// Every media URL answers on a real media host with the asset's bytes, except those whose
/// 7 days are over, which answer OSS's "Request has expired."
#[tokio::test]
async fn every_media_url_resolves_to_the_right_bytes_or_has_expired() {
    let media = crate::media::tests::start().await;
    let now_ms = media.clock().now_ms();
    let by_name: HashMap<&str, &assets::Asset> =
        assets::ALL.iter().map(|a| (a.filename, a)).collect();
    let (mut fresh, mut expired, mut nearly) = (0, 0, 0);
    for message in parsed(now_ms, &media) {
        let content = inner(&message);
        let Some(url) = content.get("url").and_then(Value::as_str) else {
            continue;
        };
        assert_eq!(
            MediaHost::id_in_url(url).as_deref(),
            content["id"].as_str(),
            "id matches the URL"
        );
        let age_ms = now_ms - message["Timestamp"].as_i64().expect("ms");
        let response = reqwest::get(url).await.expect("media host answers");
        if age_ms > 7 * DAY_MS {
            assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN, "{url}");
            assert!(
                response
                    .text()
                    .await
                    .expect("body")
                    .contains("Request has expired.")
            );
            expired += 1;
            continue;
        }
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
        let filename = url
            .split('?')
            .next()
            .and_then(|p| p.rsplit('/').next())
            .expect("filename");
        let asset = by_name[filename];
        let declared = content["mimeType"].as_str().expect("mimeType");
        assert!(
            declared.starts_with(asset.mime_type),
            "{declared} vs {}",
            asset.mime_type
        );
        assert_eq!(response.bytes().await.expect("body").as_ref(), asset.bytes);
        fresh += 1;
        if age_ms > 7 * DAY_MS - 3_600_000 {
            nearly += 1;
        }
    }
    assert!(fresh >= 10, "{fresh} live media messages");
    assert!(expired >= 1, "at least one URL has already expired");
    assert!(nearly >= 1, "at least one URL is about to expire");
}

/// After a restart (a fresh host on the same address) the URLs already in persisted demo
/// messages work again once the demo media is registered.
#[tokio::test]
async fn registered_demo_media_revives_urls_on_a_fresh_host() {
    let first = host();
    let now_ms = first.clock().now_ms();
    let urls: Vec<String> = parsed(now_ms, &first)
        .iter()
        .filter(|m| now_ms - m["Timestamp"].as_i64().unwrap_or(0) < 6 * DAY_MS)
        .filter_map(|m| inner(m)["url"].as_str().map(str::to_owned))
        .collect();
    assert!(urls.len() >= 10);

    let restarted = crate::media::tests::start().await;
    let moved = |url: &str| url.replacen(first.base_url(), restarted.base_url(), 1);
    let before = reqwest::get(moved(&urls[0])).await.expect("get");
    assert_eq!(
        before.status(),
        reqwest::StatusCode::NOT_FOUND,
        "nothing registered yet"
    );

    assert!(register_demo_media(&restarted) >= urls.len());
    for url in &urls {
        let response = reqwest::get(moved(url)).await.expect("get");
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
    }
}
