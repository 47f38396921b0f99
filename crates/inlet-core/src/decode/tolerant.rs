//! A JSON reader that also accepts the defects found in ChatApp's own documentation samples.
//!
//! Strict JSON is tried first, so well-formed bodies are read exactly as the standard says. Only
//! when that fails is the body re-read with `serde_json_lenient`, which tolerates trailing commas,
//! comments and raw newlines or control characters inside strings (the documented AUDIO sample has
//! a `Message` string spanning several lines). Keys with stray whitespace (`"Timestamp "`) are a
//! matter of key lookup, handled in `mo.rs`.

use serde::Deserialize;

use crate::error::DecodeError;

/// Parses `bytes` as JSON, tolerating the documentation's defects. Never panics; nesting deeper
/// than both parsers' recursion limit (128) is an error, not a stack overflow.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|e| DecodeError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    parse_json_str(text)
}

/// Like [`parse_json`] for text already known to be UTF-8.
pub fn parse_json_str(text: &str) -> Result<serde_json::Value, DecodeError> {
    // A UTF-8 byte-order mark is not JSON, but some Windows tools write one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(_) => parse_lenient(text).map_err(|e| DecodeError::Json(e.to_string())),
    }
}

fn parse_lenient(text: &str) -> Result<serde_json::Value, serde_json_lenient::Error> {
    let mut de = serde_json_lenient::Deserializer::from_slice_with_options(
        text.as_bytes(),
        false, // replace_invalid_characters: the text is valid UTF-8 already
        true,  // allow_newlines_in_string
        true,  // allow_control_characters_in_string
        false, // allow_v_escapes
        false, // allow_x_escapes
    );
    // Trailing commas and comments are on by default in this deserializer.
    let value = serde_json::Value::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_json_is_read_as_is() {
        assert_eq!(
            parse_json(br#"{"a": [1, "x"]}"#).unwrap(),
            json!({"a": [1, "x"]})
        );
    }

    #[test]
    fn trailing_commas_and_raw_newlines_are_tolerated() {
        let v = parse_json(b"{\"a\": \"line1\nline2\t\x01\", \"b\": [1,2,],}").unwrap();
        assert_eq!(v, json!({"a": "line1\nline2\t\u{1}", "b": [1, 2]}));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(
            parse_json("\u{feff}{\"a\":1}".as_bytes()).unwrap(),
            json!({"a": 1})
        );
    }

    #[test]
    fn invalid_utf8_and_garbage_are_clear_errors() {
        assert!(matches!(
            parse_json(b"{\"a\": \"\xff\"}"),
            Err(DecodeError::NotUtf8 { valid_up_to: 7 })
        ));
        let err = parse_json(b"{\"a\": ").unwrap_err();
        assert!(matches!(err, DecodeError::Json(_)), "{err:?}");
        assert!(parse_json(b"{} trailing").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse_json(deep.as_bytes()).is_err());
    }
}
