//! Decoding the `Message` payload according to `Type`.
//!
//! The payload may be the text itself (TEXT), a JSON-encoded string holding JSON, or an object
//! (spec §9.3: sources disagree). Inner keys are documented as lowerCamel (`mimeType`), but
//! `mime_type`, `fileName` or `ID` are accepted too: keys are compared after trimming, lowercasing
//! and dropping `_` and `-`.

use serde_json::{Map, Value};

use super::model::{ContactCard, ContactPhone, Content, SystemKind, parse_changed_from_to};
use super::tolerant::parse_json_str;

/// Decodes the payload of a message of type `msg_type`. Never fails: a payload that does not fit
/// its type becomes [`Content::Unsupported`] holding it.
pub fn decode_content(msg_type: &str, payload: Option<Value>) -> Content {
    let kind = msg_type.trim().to_ascii_uppercase();
    if kind == "TEXT" {
        return decode_text(msg_type, payload);
    }
    let value = unwrap_payload(&kind, payload.unwrap_or(Value::Null));
    let decoded = match kind.as_str() {
        "IMAGE" => decode_image(&value),
        "VIDEO" => decode_video(&value),
        "AUDIO" => decode_audio(&value),
        "DOCUMENT" => decode_document(&value),
        "LOCATION" => decode_location(&value),
        "REPLY" => decode_reply(&value),
        "SYSTEM" => decode_system(&value),
        "CONTACTS" => decode_contacts(&value),
        _ => None,
    };
    decoded.unwrap_or_else(|| unsupported(msg_type, value))
}

/// TEXT's payload is the text itself and is never parsed as JSON: a customer may well type `{}`.
fn decode_text(msg_type: &str, payload: Option<Value>) -> Content {
    match payload {
        Some(Value::String(body)) => Content::Text { body },
        None | Some(Value::Null) => Content::Text {
            body: String::new(),
        },
        // A producer that sent the customer's "12345" as a JSON number.
        Some(Value::Number(n)) => Content::Text {
            body: n.to_string(),
        },
        Some(Value::Object(obj)) => match text_field(&obj, &["body", "text"]) {
            Some(body) => Content::Text { body },
            None => unsupported(msg_type, Value::Object(obj)),
        },
        Some(other) => unsupported(msg_type, other),
    }
}

fn unsupported(msg_type: &str, raw: Value) -> Content {
    Content::Unsupported {
        msg_type: msg_type.to_string(),
        url: find_url(&raw),
        raw,
    }
}

/// Parses a JSON-encoded string payload (tolerantly: the documented sample has raw newlines), and
/// unwraps the WhatsApp Cloud API shape `{"image": {...}}`. A string that is not JSON stays a string.
fn unwrap_payload(kind: &str, payload: Value) -> Value {
    let value = match payload {
        Value::String(s) => match parse_json_str(&s) {
            Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
            _ => Value::String(s),
        },
        other => other,
    };
    match value {
        Value::Object(mut obj) if obj.len() == 1 => {
            let kind = kind.to_ascii_lowercase();
            if obj.keys().next().is_some_and(|k| key_is(k, &kind))
                && obj.values().next().is_some_and(Value::is_object)
            {
                obj.values_mut()
                    .next()
                    .map(Value::take)
                    .unwrap_or(Value::Object(obj))
            } else {
                Value::Object(obj)
            }
        }
        other => other,
    }
}

fn decode_image(v: &Value) -> Option<Content> {
    let o = v.as_object()?;
    Some(Content::Image {
        caption: text_field(o, &["caption"]),
        id: text_field(o, &["id"]),
        mime_type: text_field(o, &["mimetype"]),
        url: text_field(o, &["url", "link"]),
    })
}

fn decode_video(v: &Value) -> Option<Content> {
    let o = v.as_object()?;
    Some(Content::Video {
        name: text_field(o, &["name", "caption"]),
        id: text_field(o, &["id"]),
        mime_type: text_field(o, &["mimetype"]),
        url: text_field(o, &["url", "link"]),
        filename: text_field(o, &["filename"]),
    })
}

fn decode_audio(v: &Value) -> Option<Content> {
    let o = v.as_object()?;
    Some(Content::Audio {
        name: text_field(o, &["name"]),
        id: text_field(o, &["id"]),
        mime_type: text_field(o, &["mimetype"]),
        url: text_field(o, &["url", "link"]),
        filename: text_field(o, &["filename"]),
    })
}

fn decode_document(v: &Value) -> Option<Content> {
    let o = v.as_object()?;
    Some(Content::Document {
        name: text_field(o, &["name", "caption"]),
        id: text_field(o, &["id"]),
        filename: text_field(o, &["filename"]),
        mime_type: text_field(o, &["mimetype"]),
        url: text_field(o, &["url", "link"]),
    })
}

/// Coordinates are documented as strings; numbers are accepted too. Without both, it is not a
/// usable location and the payload is kept as unsupported.
fn decode_location(v: &Value) -> Option<Content> {
    let o = v.as_object()?;
    Some(Content::Location {
        name: text_field(o, &["name"]),
        address: text_field(o, &["address"]),
        latitude: coordinate(field(o, &["latitude", "lat"])?, 90.0)?,
        longitude: coordinate(field(o, &["longitude", "lng", "lon"])?, 180.0)?,
    })
}

fn coordinate(v: &Value, limit: f64) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (x.is_finite() && x.abs() <= limit).then_some(x)
}

fn decode_reply(v: &Value) -> Option<Content> {
    match v {
        Value::String(s) => Some(Content::Reply {
            text: Some(s.clone()),
            payload: None,
        }),
        Value::Object(o) => Some(Content::Reply {
            text: text_field(o, &["text", "title"]),
            payload: text_field(o, &["payload", "id"]),
        }),
        _ => None,
    }
}

fn decode_system(v: &Value) -> Option<Content> {
    let (body, wa_id, declared) = match v {
        Value::String(s) => (Some(s.clone()), None, None),
        Value::Object(o) => (
            text_field(o, &["body"]),
            text_field(o, &["waid", "newwaid"]),
            text_field(o, &["type"]),
        ),
        _ => return None,
    };
    let kind = match declared.as_deref().map(str::trim) {
        Some("customer_changed_number" | "user_changed_number") => SystemKind::NumberChanged,
        Some("customer_identity_changed" | "user_identity_changed") => SystemKind::IdentityChanged,
        Some(other) => SystemKind::Other(other.to_string()),
        // No declared type: a body that reads "… changed from A to B" is a number change.
        None if body.as_deref().and_then(parse_changed_from_to).is_some() => {
            SystemKind::NumberChanged
        }
        None => SystemKind::Other(String::new()),
    };
    Some(Content::System { body, wa_id, kind })
}

/// CONTACTS: an array of cards, `{"contacts": [...]}`, or a single card.
fn decode_contacts(v: &Value) -> Option<Content> {
    let cards = match v {
        Value::Array(items) => items,
        Value::Object(o) => match field(o, &["contacts"]) {
            Some(Value::Array(items)) => items,
            _ => {
                return Some(Content::Contacts {
                    cards: vec![decode_card(o)],
                });
            }
        },
        _ => return None,
    };
    let cards = cards
        .iter()
        .map(|c| c.as_object().map(decode_card))
        .collect::<Option<Vec<_>>>()?;
    Some(Content::Contacts { cards })
}

fn decode_card(o: &Map<String, Value>) -> ContactCard {
    let name = match field(o, &["name"]) {
        Some(Value::Object(n)) => text_field(n, &["formattedname"]).or_else(|| {
            let parts: Vec<String> = ["firstname", "lastname"]
                .iter()
                .filter_map(|k| text_field(n, &[k]))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }),
        Some(other) => scalar_text(other),
        None => None,
    };
    let phones = objects(o, "phones")
        .map(|p| ContactPhone {
            phone: text_field(p, &["phone"]),
            kind: text_field(p, &["type"]),
            wa_id: text_field(p, &["waid"]),
        })
        .collect();
    let emails = field(o, &["emails"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| match e {
            Value::Object(e) => text_field(e, &["email"]),
            other => scalar_text(other),
        })
        .collect();
    let organization = match field(o, &["org"]) {
        Some(Value::Object(org)) => text_field(org, &["company"]),
        Some(other) => scalar_text(other),
        None => None,
    };
    ContactCard {
        name,
        phones,
        emails,
        organization,
    }
}

fn objects<'a>(
    o: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a Map<String, Value>> + 'a {
    field(o, &[key])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// Whether key `k` means field `name`: compared trimmed, lowercase and without `_` and `-`
/// (`mimeType` = `mime_type`); `name` is given in that form. Allocates nothing: every field
/// lookup of every message compares every key.
pub(crate) fn key_is(k: &str, name: &str) -> bool {
    k.trim()
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .eq(name.chars())
}

/// The first field whose normalised key is one of `names` (given in normalised form).
pub(crate) fn field<'a>(o: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|want| {
        o.iter()
            .find(|(k, v)| !v.is_null() && key_is(k, want))
            .map(|(_, v)| v)
    })
}

fn text_field(o: &Map<String, Value>, names: &[&str]) -> Option<String> {
    field(o, names).and_then(scalar_text)
}

/// A string, or a number/bool written as text; empty strings count as absent.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.trim().is_empty()).then_some(s)
}

/// The first http(s) URL in a payload: a `url`-like field first, then any URL-looking string.
pub(crate) fn find_url(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => url_in_text(s),
        Value::Array(items) => items.iter().find_map(find_url),
        Value::Object(o) => field(o, &["url", "link"])
            .and_then(Value::as_str)
            .and_then(url_in_text)
            .or_else(|| o.values().find_map(find_url)),
        _ => None,
    }
}

fn url_in_text(s: &str) -> Option<String> {
    let start = [s.find("https://"), s.find("http://")]
        .into_iter()
        .flatten()
        .min()?;
    let url: String = s[start..]
        .chars()
        .take_while(|c| !(c.is_whitespace() || matches!(c, '"' | '\\' | '<' | '>' | '\'')))
        .collect();
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_never_parsed_as_json() {
        let c = decode_content("TEXT", Some(json!("{\"url\": \"https://x\"}")));
        assert_eq!(
            c,
            Content::Text {
                body: "{\"url\": \"https://x\"}".into()
            }
        );
    }

    #[test]
    fn numeric_text_is_text() {
        assert_eq!(
            decode_content("TEXT", Some(json!(12345))),
            Content::Text {
                body: "12345".into()
            }
        );
        assert!(matches!(
            decode_content("TEXT", Some(json!([1]))),
            Content::Unsupported { .. }
        ));
    }

    #[test]
    fn inner_keys_are_matched_loosely() {
        let c = decode_content(
            "document",
            Some(
                json!({"ID": 7, "fileName": "a.pdf", "mime_type": "application/pdf", " URL ": "https://h/a.pdf"}),
            ),
        );
        assert_eq!(
            c,
            Content::Document {
                name: None,
                id: Some("7".into()),
                filename: Some("a.pdf".into()),
                mime_type: Some("application/pdf".into()),
                url: Some("https://h/a.pdf".into()),
            }
        );
    }

    #[test]
    fn cloud_api_wrapper_is_unwrapped() {
        let c = decode_content(
            "IMAGE",
            Some(json!({"image": {"id": "1", "link": "https://h/1.jpg"}})),
        );
        assert!(matches!(c, Content::Image { url: Some(ref u), .. } if u == "https://h/1.jpg"));
    }

    #[test]
    fn a_payload_that_does_not_fit_its_type_is_kept_as_unsupported() {
        let c = decode_content(
            "LOCATION",
            Some(json!({"latitude": "north", "longitude": "1"})),
        );
        assert!(matches!(c, Content::Unsupported { ref msg_type, .. } if msg_type == "LOCATION"));
        let c = decode_content("IMAGE", Some(json!("not json, see https://h/x.jpg\" here")));
        assert_eq!(
            c,
            Content::Unsupported {
                msg_type: "IMAGE".into(),
                raw: json!("not json, see https://h/x.jpg\" here"),
                url: Some("https://h/x.jpg".into()),
            }
        );
    }

    #[test]
    fn numeric_coordinates_are_accepted_and_out_of_range_ones_are_not() {
        let ok = decode_content("LOCATION", Some(json!({"latitude": 1.5, "longitude": -2})));
        assert!(
            matches!(ok, Content::Location { latitude, longitude, .. } if latitude == 1.5 && longitude == -2.0)
        );
        let bad = decode_content("LOCATION", Some(json!({"latitude": 91, "longitude": 0})));
        assert!(matches!(bad, Content::Unsupported { .. }));
    }

    #[test]
    fn system_without_a_type_is_recognised_by_its_body() {
        let c = decode_content("SYSTEM", Some(json!("Ana changed from 1 to 2")));
        assert!(matches!(
            c,
            Content::System {
                kind: SystemKind::NumberChanged,
                ..
            }
        ));
        let c = decode_content(
            "SYSTEM",
            Some(json!({"body": "x", "type": "something_new"})),
        );
        assert!(
            matches!(c, Content::System { kind: SystemKind::Other(ref t), .. } if t == "something_new")
        );
    }

    #[test]
    fn contact_names_fall_back_to_first_and_last() {
        let c = decode_content(
            "CONTACTS",
            Some(
                json!({"contacts": [{"name": {"first_name": "Ana", "last_name": "P"},
                "emails": [{"email": "a@x"}], "org": {"company": "X Ltd"}}]}),
            ),
        );
        let Content::Contacts { cards } = c else {
            panic!("not contacts: {c:?}")
        };
        assert_eq!(cards[0].name.as_deref(), Some("Ana P"));
        assert_eq!(cards[0].emails, vec!["a@x".to_string()]);
        assert_eq!(cards[0].organization.as_deref(), Some("X Ltd"));
    }
}
