//! ACS3-HMAC-SHA256, the V3 Alibaba Cloud API signature used by the current dybaseapi SDK for
//! `QueryTokenForMnsQueue` (spec §9.2b). Shared by the client and the local token endpoint.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Query parameters sorted by name, each name and value RFC 3986-encoded, joined with `&`.
pub fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request and the `SignedHeaders` list. `headers` are the headers to sign.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body_sha256_hex: &str,
) -> (String, String) {
    let mut hs: Vec<(String, &str)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim()))
        .collect();
    hs.sort_by(|a, b| a.0.cmp(&b.0));
    let canonical_headers: String = hs.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed: String = hs
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let request = format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{signed}\n{body_sha256_hex}",
        canonical_query(query)
    );
    (request, signed)
}

/// Hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(sha256(canonical_request)))).
pub fn signature(secret: &str, canonical_request: &str) -> String {
    let to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    )
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 ...` header.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    pub access_key_id: &'a str,
    pub signed_headers: Vec<&'a str>,
    pub signature: &'a str,
}

pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.trim_start();
    let (mut id, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => id = Some(v),
            "SignedHeaders" => signed = Some(v.split(';').collect()),
            "Signature" => sig = Some(v),
            _ => {}
        }
    }
    Some(ParsedAuthorization {
        access_key_id: id?,
        signed_headers: signed?,
        signature: sig?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §9.2b: the request captured from `alibabacloud-dybaseapi20170525`.
    #[test]
    fn captured_dybaseapi_vector() {
        let empty = sha256_hex(b"");
        assert_eq!(
            empty,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let headers = [
            ("host", "127.0.0.1:18099"),
            ("x-acs-version", "2017-05-25"),
            ("x-acs-action", "QueryTokenForMnsQueue"),
            (
                "user-agent",
                "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
            ),
            ("x-acs-date", "2026-11-25T11:47:21Z"),
            ("x-acs-signature-nonce", "a27048cd9d5bbda0977275073ff36852"),
            ("accept", "application/json"),
            ("x-acs-content-sha256", empty.as_str()),
            ("x-acs-credentials-provider", "static_ak"),
        ];
        let query = [
            ("QueueName", "Alicom-Queue-123-ChatAppInbound"),
            ("MessageType", "ChatAppInbound"),
        ];
        let (request, signed) = canonical_request("POST", "/", &query, &headers, &empty);
        assert_eq!(
            signed,
            "accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        assert!(request.starts_with(
            "POST\n/\nMessageType=ChatAppInbound&QueueName=Alicom-Queue-123-ChatAppInbound\naccept:"
        ));
        assert_eq!(
            signature("testAccessKeySecret", &request),
            "93313cca56ed288fb7d32d28d4ca759c82d2cd031d7c840f1a0d9e87a98f712a"
        );
        let auth = authorization("testAccessKeyId", &signed, "93313c");
        let parsed = parse_authorization(&auth).unwrap();
        assert_eq!(parsed.access_key_id, "testAccessKeyId");
        assert_eq!(parsed.signed_headers.len(), 9);
        assert_eq!(parsed.signature, "93313c");
    }

    #[test]
    fn percent_encoding_is_rfc3986() {
        assert_eq!(percent_encode("a b+c/~_.-"), "a%20b%2Bc%2F~_.-");
        assert_eq!(percent_encode("中"), "%E4%B8%AD");
    }
}
