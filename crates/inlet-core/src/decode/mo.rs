//! The MO envelope: from a queue message body to [`MoMessage`]s (spec §6, §9.3).

use inlet_mns::body::base64_json;
use serde_json::{Map, Value};

use super::content::{decode_content, key_is, scalar_text};
use super::model::MoMessage;
use super::tolerant::{parse_json, parse_json_str};
use crate::error::DecodeError;

/// Decodes a queue `MessageBody` as received (XML-unescaped text), following the client rule of
/// spec §6: if it is base64 of UTF-8 JSON, decode that; otherwise read the body as JSON itself.
///
/// This is the decoder the sync engine and quarantine re-decoding use.
pub fn decode_message_body(raw: &[u8]) -> Result<Vec<MoMessage>, DecodeError> {
    let raw = raw.trim_ascii();
    if let Some(json) = base64_json(raw) {
        return decode_mo_json(&json);
    }
    decode_mo_json(raw)
}

/// Decodes UTF-8 JSON holding one MO message object, or an array of them (HTTP-push style).
///
/// The JSON may carry the documentation's defects (see `tolerant.rs`). Keys are matched after
/// trimming and ignoring case, so `"Timestamp "` and `messageid` are read. A body that is a JSON
/// string holding JSON is unwrapped once.
///
/// Errors name the problem: not UTF-8, not JSON, not an object, an empty array, or a required
/// field (`MessageId`, `From`, `Type`) missing. For an array, one bad element fails the whole body,
/// which then goes to quarantine whole (raw bytes kept), so no element is lost or split from its body.
pub fn decode_mo_json(bytes: &[u8]) -> Result<Vec<MoMessage>, DecodeError> {
    let value = match parse_json(bytes)? {
        Value::String(inner) => parse_json_str(&inner).unwrap_or(Value::String(inner)),
        other => other,
    };
    match value {
        Value::Array(items) if items.is_empty() => Err(DecodeError::Empty),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| decode_envelope(item, Some(i)))
            .collect(),
        other => decode_envelope(other, None).map(|m| vec![m]),
    }
}

fn decode_envelope(value: Value, index: Option<usize>) -> Result<MoMessage, DecodeError> {
    let Value::Object(obj) = value else {
        return Err(DecodeError::NotAnObject {
            index,
            found: json_kind(&value),
        });
    };
    let mut fields = Fields::new(obj);
    let missing = |field| DecodeError::MissingField { field, index };
    let message_id = fields
        .text("messageid")
        .ok_or_else(|| missing("MessageId"))?;
    let from = fields.text("from").ok_or_else(|| missing("From"))?;
    let msg_type = fields.text("type").ok_or_else(|| missing("Type"))?;
    let timestamp_ms = fields.timestamp();
    let payload = fields.take("message");
    Ok(MoMessage {
        message_id,
        channel_id: fields.text("custspaceid"),
        waba_id: fields.text("wabaid"),
        from,
        to: fields.text("to"),
        timestamp_ms,
        display_name: fields.text("displayname"),
        name: fields.text("name"),
        content: decode_content(&msg_type, payload),
        msg_type,
        from_user_id: fields.text("fromuserid"),
        from_parent_user_id: fields.text("fromparentuserid"),
        from_user_name: fields.text("fromusername"),
        extra: fields.rest(),
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The envelope's fields; what is taken out is known, what remains becomes `extra`.
struct Fields(Map<String, Value>);

impl Fields {
    fn new(obj: Map<String, Value>) -> Self {
        Fields(obj)
    }

    /// Removes and returns the first non-null field whose key normalises to `name`.
    fn take(&mut self, name: &str) -> Option<Value> {
        let key = self
            .0
            .iter()
            .find(|(k, v)| !v.is_null() && key_is(k, name))?
            .0
            .clone();
        self.0.remove(&key)
    }

    /// A text field; numbers are accepted (a `MessageId` sent as a number is still an id). A value
    /// of another kind is left in `extra` rather than dropped.
    fn text(&mut self, name: &str) -> Option<String> {
        let key = self
            .0
            .iter()
            .find(|(k, v)| key_is(k, name) && scalar_text(v).is_some())?
            .0
            .clone();
        self.0.remove(&key).as_ref().and_then(scalar_text)
    }

    /// `Timestamp` in milliseconds, as a number or a numeric string. An unreadable value is left
    /// in `extra` and `None` is returned: the store then falls back to the arrival time.
    fn timestamp(&mut self) -> Option<i64> {
        let key = self
            .0
            .iter()
            .find(|(k, v)| key_is(k, "timestamp") && timestamp_ms(v).is_some())?
            .0
            .clone();
        self.0.remove(&key).as_ref().and_then(timestamp_ms)
    }

    fn rest(self) -> Map<String, Value> {
        self.0
    }
}

fn timestamp_ms(v: &Value) -> Option<i64> {
    let float = |f: f64| (f.is_finite() && f.abs() < 9.0e15).then_some(f as i64);
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(float)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(float))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::model::Content;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    fn body(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn required_fields_are_named_when_missing() {
        let err = decode_mo_json(&body(json!({"MessageId": "1", "Type": "TEXT"}))).unwrap_err();
        assert_eq!(
            err,
            DecodeError::MissingField {
                field: "From",
                index: None
            }
        );
        assert!(err.to_string().contains("From"), "{err}");
        let err = decode_mo_json(&body(
            json!([{"MessageId": "1", "From": "1", "Type": "TEXT"},
            {"MessageId": "  ", "From": "1", "Type": "TEXT"}]),
        ))
        .unwrap_err();
        assert_eq!(
            err,
            DecodeError::MissingField {
                field: "MessageId",
                index: Some(1)
            }
        );
        let err = decode_mo_json(&body(json!({"MessageId": 1, "From": "1"}))).unwrap_err();
        assert_eq!(
            err,
            DecodeError::MissingField {
                field: "Type",
                index: None
            }
        );
    }

    #[test]
    fn bodies_that_are_not_messages_are_errors() {
        assert_eq!(decode_mo_json(b"[]").unwrap_err(), DecodeError::Empty);
        assert_eq!(
            decode_mo_json(b"42").unwrap_err(),
            DecodeError::NotAnObject {
                index: None,
                found: "a number"
            }
        );
        assert_eq!(
            decode_mo_json(b"[{\"MessageId\":\"1\",\"From\":\"2\",\"Type\":\"TEXT\"}, null]")
                .unwrap_err(),
            DecodeError::NotAnObject {
                index: Some(1),
                found: "null"
            }
        );
    }

    #[test]
    fn missing_or_unreadable_timestamp_is_none_and_kept_in_extra() {
        let m = &decode_mo_json(&body(json!({"MessageId": "1", "From": "1", "Type": "TEXT",
            "Timestamp": "soon"})))
        .unwrap()[0];
        assert_eq!(m.timestamp_ms, None);
        assert_eq!(m.extra.get("Timestamp"), Some(&json!("soon")));
        let m = &decode_mo_json(&body(json!({"MessageId": "1", "From": "1", "Type": "TEXT",
            " timestamp": "1662104191973"})))
        .unwrap()[0];
        assert_eq!(m.timestamp_ms, Some(1_662_104_191_973));
        assert!(m.extra.is_empty());
    }

    #[test]
    fn numeric_ids_and_unknown_fields_survive() {
        let m = &decode_mo_json(&body(
            json!({"MessageId": 1000000000000001u64, "From": 8613800000000u64,
            "Type": "TEXT", "Message": "hi", "NoticeType": "inbound", "Weird": {"a": 1}}),
        ))
        .unwrap()[0];
        assert_eq!(m.message_id, "1000000000000001");
        assert_eq!(m.from, "8613800000000");
        assert_eq!(m.extra.get("NoticeType"), Some(&json!("inbound")));
        assert_eq!(m.extra.get("Weird"), Some(&json!({"a": 1})));
    }

    #[test]
    fn message_body_may_be_base64_or_raw_json() {
        let json = br#"{"MessageId":"1","From":"1","Type":"TEXT","Message":"hi"}"#;
        let b64 = STANDARD.encode(json);
        let wrapped = format!("{}\n{}\n", &b64[..10], &b64[10..]);
        for raw in [
            json.to_vec(),
            b64.clone().into_bytes(),
            wrapped.into_bytes(),
        ] {
            let m = decode_message_body(&raw).unwrap();
            assert_eq!(m[0].content, Content::Text { body: "hi".into() });
        }
        let unpadded = b64.trim_end_matches('=');
        assert_eq!(decode_message_body(unpadded.as_bytes()).unwrap().len(), 1);
        // base64 of broken JSON reports the JSON problem, not "not base64".
        let err = decode_message_body(STANDARD.encode("{\"MessageId\": ").as_bytes()).unwrap_err();
        assert!(matches!(err, DecodeError::Json(_)), "{err:?}");
    }

    #[test]
    fn a_json_string_holding_the_message_is_unwrapped() {
        let inner = r#"{"MessageId":"1","From":"1","Type":"TEXT","Message":"hi"}"#;
        let outer = serde_json::to_vec(&inner).unwrap();
        assert_eq!(decode_mo_json(&outer).unwrap()[0].message_id, "1");
    }
}
