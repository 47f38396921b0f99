//! Decoding a received `MessageBody` (spec §6).
//!
//! ChatApp puts base64(UTF-8 JSON) into the body, other producers raw JSON. The JSON test here is
//! only a probe (does it *look* like JSON?): the tolerant ChatApp decoder in inlet-core gets the
//! bytes, because the documented samples are not even strict JSON. Nothing is ever dropped: an
//! undecodable body keeps its raw text, and an MD5 mismatch is reported, not enforced.

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Serialize;

use crate::sign::message_body_md5;

/// How the body was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyEncoding {
    /// base64 of UTF-8 text that starts like JSON (the ChatApp way).
    Base64,
    /// The body text itself starts like JSON.
    Raw,
    /// Neither; `bytes` holds the raw text so nothing is lost.
    Undecodable,
}

impl BodyEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Base64 => "base64",
            Self::Raw => "raw",
            Self::Undecodable => "undecodable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedBody {
    /// The `MessageBody` text as received.
    pub raw: String,
    /// Base64-decoded bytes for [`BodyEncoding::Base64`], else the raw text's bytes.
    pub bytes: Vec<u8>,
    pub encoding: BodyEncoding,
    /// `MessageBodyMD5` equals upper(hex(md5(raw))).
    pub md5_ok: bool,
}

impl DecodedBody {
    /// The decoded text; `None` only for undecodable bodies that are not UTF-8 (impossible today,
    /// since `raw` is a `String`, but callers should not rely on that).
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// Standard alphabet; padding optional, because some encoders drop it and nothing is ambiguous
/// about a missing `=`.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes `raw` (the unescaped `MessageBody` text) and checks `expected_md5` (case-insensitive).
pub fn decode_body(raw: &str, expected_md5: &str) -> DecodedBody {
    let md5_ok = message_body_md5(raw).eq_ignore_ascii_case(expected_md5.trim());
    let (bytes, encoding) = match base64_json(raw.as_bytes()) {
        Some(decoded) => (decoded, BodyEncoding::Base64),
        // A bare JSON string is not a message anyone sends raw: only objects and arrays count.
        None if starts_like_json(raw, false) => (raw.as_bytes().to_vec(), BodyEncoding::Raw),
        None => (raw.as_bytes().to_vec(), BodyEncoding::Undecodable),
    };
    DecodedBody {
        raw: raw.to_owned(),
        bytes,
        encoding,
        md5_ok,
    }
}

/// The base64-decoded bytes, if `raw` is base64 of UTF-8 text that starts like JSON (an object,
/// an array, or a JSON string holding JSON, which the ChatApp decoder unwraps). This is the one
/// probe for "is this body base64?": the client labels bodies with it and inlet-core decodes with it.
pub fn base64_json(raw: &[u8]) -> Option<Vec<u8>> {
    // Encoders that wrap lines (MIME style, Java's codec) put newlines into the text; they carry
    // no data.
    let compact: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return None;
    }
    let decoded = LENIENT_B64.decode(compact).ok()?;
    let text = std::str::from_utf8(&decoded).ok()?;
    starts_like_json(text, true).then_some(decoded)
}

/// First character other than whitespace or a byte-order mark is `{` or `[` (or, with
/// `string_too`, `"`).
fn starts_like_json(text: &str, string_too: bool) -> bool {
    match text
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .next()
    {
        Some('{' | '[') => true,
        Some('"') => string_too,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD as B64;

    fn decode(raw: &str) -> DecodedBody {
        decode_body(raw, &message_body_md5(raw))
    }

    #[test]
    fn base64_json_is_decoded() {
        let json = r#"{"Type":"TEXT","Message":"hello,it's me"}"#;
        let raw = B64.encode(json);
        let d = decode(&raw);
        assert_eq!(d.encoding, BodyEncoding::Base64);
        assert_eq!(d.text(), Some(json));
        assert_eq!(d.raw, raw);
        assert!(d.md5_ok);
    }

    #[test]
    fn base64_of_chinese_and_arrays_and_sloppy_json() {
        let json = "[ {\"Message\": \"你好 <&> \\\"q\\\"\",}\n]";
        let d = decode(&B64.encode(json));
        assert_eq!(d.encoding, BodyEncoding::Base64);
        assert_eq!(
            d.text(),
            Some(json),
            "bytes are exposed even when not strict JSON"
        );
    }

    #[test]
    fn base64_without_padding_or_with_line_breaks() {
        let json = r#"{"k":"v1"}"#;
        let padded = B64.encode(json);
        assert!(padded.ends_with('='));
        let d = decode(padded.trim_end_matches('='));
        assert_eq!((d.encoding, d.text()), (BodyEncoding::Base64, Some(json)));
        let wrapped = format!("{}\r\n{}", &padded[..4], &padded[4..]);
        assert_eq!(decode(&wrapped).text(), Some(json));
    }

    #[test]
    fn raw_json_with_chinese_and_xml_metacharacters() {
        let raw = "{\"k\":\"中文 <a href=\\\"x\\\">&amp;</a>\"}";
        let d = decode(raw);
        assert_eq!(d.encoding, BodyEncoding::Raw);
        assert_eq!(d.bytes, raw.as_bytes());
        assert!(d.md5_ok);
    }

    #[test]
    fn invalid_base64_that_is_not_json_is_kept() {
        let raw = "not base64 at all!";
        let d = decode(raw);
        assert_eq!(d.encoding, BodyEncoding::Undecodable);
        assert_eq!(d.bytes, raw.as_bytes());
        assert_eq!(d.raw, raw);
    }

    #[test]
    fn base64_of_invalid_utf8_is_undecodable_but_kept() {
        let raw = B64.encode([b'{', 0xff, 0xfe, b'}']);
        let d = decode(&raw);
        assert_eq!(d.encoding, BodyEncoding::Undecodable);
        assert_eq!(d.bytes, raw.as_bytes());
    }

    #[test]
    fn base64_of_plain_text_is_not_treated_as_json() {
        let d = decode(&B64.encode("hello world"));
        assert_eq!(d.encoding, BodyEncoding::Undecodable);
    }

    #[test]
    fn md5_mismatch_is_reported_not_fatal() {
        let raw = B64.encode(r#"{"a":1}"#);
        let d = decode_body(&raw, "00000000000000000000000000000000");
        assert!(!d.md5_ok);
        assert_eq!(d.encoding, BodyEncoding::Base64);
        let lower = message_body_md5(&raw).to_ascii_lowercase();
        assert!(decode_body(&raw, &lower).md5_ok, "hex case does not matter");
        assert!(
            !decode_body(&raw, "").md5_ok,
            "a missing MD5 is not a match"
        );
    }

    #[test]
    fn empty_body_is_undecodable() {
        let d = decode("");
        assert_eq!(d.encoding, BodyEncoding::Undecodable);
        assert!(d.bytes.is_empty());
    }
}
