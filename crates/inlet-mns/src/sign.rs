//! MNS V2 request signing (HMAC-SHA1), spec §3.
//!
//! The same functions serve the client (to sign) and the local queue (to verify), so the two
//! sides can never disagree about the string-to-sign.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;

/// The API version every request carries in `x-mns-version`.
pub const MNS_VERSION: &str = "2015-06-06";

/// What goes into the V2 string-to-sign.
#[derive(Debug, Clone, Copy)]
pub struct SignInput<'a> {
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// Value of `Content-MD5`, if sent.
    pub content_md5: Option<&'a str>,
    /// Value of `Content-Type`, if sent.
    pub content_type: Option<&'a str>,
    /// Value of `Date` (or of `x-mns-date` when no `Date` was sent).
    pub date: &'a str,
    /// Every request header as (name, value); only `x-mns-*` ones are used.
    pub headers: &'a [(&'a str, &'a str)],
    /// The request-target exactly as sent on the wire: path plus `?query`.
    pub resource: &'a str,
}

/// Builds the V2 string-to-sign (spec §3.1).
pub fn string_to_sign(input: &SignInput<'_>) -> String {
    let mut mns: Vec<(String, &str)> = input
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            lower.starts_with("x-mns-").then(|| (lower, value.trim()))
        })
        .collect();
    mns.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::with_capacity(128 + input.resource.len());
    for part in [
        input.method,
        input.content_md5.unwrap_or(""),
        input.content_type.unwrap_or(""),
        input.date,
    ] {
        out.push_str(part);
        out.push('\n');
    }
    for (name, value) in mns {
        out.push_str(&name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push_str(input.resource);
    out
}

/// base64(HMAC-SHA1(secret, string_to_sign)).
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value: `MNS {id}:{signature}`.
pub fn authorization(access_key_id: &str, signature: &str) -> String {
    format!("MNS {access_key_id}:{signature}")
}

/// `Content-MD5` as every MNS SDK sends it: base64 of the *lower-case hex* MD5 (spec §2).
pub fn content_md5(body: &[u8]) -> String {
    B64.encode(hex::encode(Md5::digest(body)))
}

/// `MessageBodyMD5`: upper-case hex MD5 of the message body text as stored (spec §4.3).
pub fn message_body_md5(body: &str) -> String {
    hex::encode_upper(Md5::digest(body.as_bytes()))
}

/// Constant-time comparison of two signatures, so the local queue leaks nothing by timing.
pub fn signatures_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(
        method: &str,
        md5: &str,
        ctype: &str,
        date: &str,
        mns: &[(&str, &str)],
        res: &str,
    ) -> String {
        string_to_sign(&SignInput {
            method,
            content_md5: (!md5.is_empty()).then_some(md5),
            content_type: (!ctype.is_empty()).then_some(ctype),
            date,
            headers: mns,
            resource: res,
        })
    }

    const V: (&str, &str) = ("x-mns-version", MNS_VERSION);

    /// §3.5: vectors recomputed independently of any SDK.
    #[test]
    fn spec_vectors_v1_to_v5() {
        let v1 = sts(
            "GET",
            "",
            "",
            "Thu, 09 Jul 2015 03:01:34 GMT",
            &[V],
            "/MyQueue",
        );
        assert_eq!(
            v1,
            "GET\n\n\nThu, 09 Jul 2015 03:01:34 GMT\nx-mns-version:2015-06-06\n/MyQueue"
        );
        assert_eq!(
            signature("TestAccessSecret", &v1),
            "uwx3yeWoILzgmvesW0BQSgfM7b8="
        );

        let v2 = sts(
            "POST",
            "",
            "",
            "Tue, 03 Jun 2025 11:23:48 GMT",
            &[("x-mns-abcDEF", "abcDEF")],
            "/queues/TestQueue",
        );
        assert_eq!(signature("sk1", &v2), "cAThPWnbphg3hDe3ZHDADTgkgyE=");

        let v3 = sts(
            "GET",
            "",
            "",
            "Wed, 03 Dec 2025 11:23:48 GMT",
            &[("X-MNS-abcDEF", "KKKkkk")],
            "/queues/TestQueue123456",
        );
        assert_eq!(
            signature("sk-kkkkkk1111111111", &v3),
            "lPxnfNA+Qo/aj18MYJUnRMqa84I="
        );

        let v4 = sts(
            "GET",
            "",
            "",
            "Tue, 03 Jun 2025 11:23:48 GMT",
            &[("Host", "x")],
            "/queues/TestQueue",
        );
        assert_eq!(signature("testSk", &v4), "uDJQXbk2xOhH95MDXmgbAGdtyE4=");

        let v5 = sts(
            "POST",
            "",
            "application/json",
            "Tue, 03 Jun 2025 11:23:48 GMT",
            &[],
            "/queues/Test Queue@123",
        );
        assert_eq!(signature("testSk", &v5), "GZ/I9UgZsqvbzfzjd0GmA6VHOx4=");
    }

    /// §3.6: requests captured from the official Python SDK 1.3.0.
    #[test]
    fn captured_python_sdk_requests_c1_to_c12() {
        const DATE: &str = "Thu, 17 Mar 2016 08:20:43 GMT";
        const SECRET: &str = "testAccessKeySecret";
        const XML: &str = "text/xml;charset=UTF-8";
        let cases: &[(&str, &str, &str, &str, &str)] = &[
            (
                "C1",
                "POST",
                "OGNkNzFiZmRkNGI3ZDk2ZjlhZjcwZDRiYTkwMWJlYTM=",
                "/queues/TestQueue/messages",
                "Dhm3FfzuV2Y0KSsa6WlUooHo8AM=",
            ),
            (
                "C2",
                "GET",
                "",
                "/queues/TestQueue/messages?waitseconds=30",
                "e5ucqjtITlGWiW6ogC8+YhcOdfg=",
            ),
            (
                "C3",
                "DELETE",
                "",
                "/queues/TestQueue/messages?ReceiptHandle=1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==",
                "+hVa2jHPCikYWABqoblIglFxOiI=",
            ),
            (
                "C4",
                "POST",
                "MzViMmNiZmQ3NzYwYzRmZDQyNGQxZGNjZGRhMWZlYTI=",
                "/queues/TestQueue/messages",
                "XhLRJ7KXIN++wOJ02KTsl2gagwA=",
            ),
            (
                "C5",
                "GET",
                "",
                "/queues/TestQueue/messages?waitseconds=10",
                "GXDWWmrjYu3M0uy6u7nqtrVvSZg=",
            ),
            (
                "C6",
                "GET",
                "",
                "/queues/TestQueue/messages?numOfMessages=16&waitseconds=30",
                "o4vBGeYSbyqAI0M30NxJQnh+zwU=",
            ),
            (
                "C7",
                "PUT",
                "ODg0MGUyMTc1MDcyOTU0MmIwNTBiZWEyOWMyZjc0MzI=",
                "/queues/TestQueue",
                "YMmGg3vempZZLae5es1bqgBw8Go=",
            ),
            (
                "C8",
                "GET",
                "",
                "/queues/TestQueue",
                "aYdTnCjZGo3m0/vA45/eralBPM8=",
            ),
            (
                "C9",
                "PUT",
                "",
                "/queues/TestQueue/messages?ReceiptHandle=1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==&VisibilityTimeout=60",
                "tZtKdPr9PHTLCYzGEn/y6phzm5I=",
            ),
            (
                "C10",
                "DELETE",
                "MzM3ZDE0MDdmYWRkMWE2YzZjOTE0YmIwMzg2M2E1MTE=",
                "/queues/TestQueue/messages",
                "0sV1ppqoiWbJy50BKtJRTglvjPo=",
            ),
            (
                "C11",
                "POST",
                "YWM1NjE1YzlmNWE5ODNmZjY4MzRjMGI4YTVhNTFmNTg=",
                "/queues/TestQueue/messages",
                "jY315uqUFuhFPIXL9qiI6xZv0n0=",
            ),
            (
                "C12",
                "GET",
                "",
                "/queues/TestQueue/messages?peekonly=true",
                "sPKsyVULKvMGDBuIiySb32w77bk=",
            ),
        ];
        for (name, method, md5, target, want) in cases {
            let ctype = if md5.is_empty() { "" } else { XML };
            let s = sts(method, md5, ctype, DATE, &[V], target);
            assert_eq!(&signature(SECRET, &s), want, "{name}: {s:?}");
        }
    }

    #[test]
    fn content_md5_is_base64_of_hex() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>aGVsbG8gd29ybGQ=</MessageBody></Message>"#;
        assert_eq!(
            content_md5(body),
            "OGNkNzFiZmRkNGI3ZDk2ZjlhZjcwZDRiYTkwMWJlYTM="
        );
        assert_eq!(
            content_md5(b""),
            "ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U="
        );
    }

    #[test]
    fn constant_time_compare() {
        assert!(signatures_equal("abc=", "abc="));
        assert!(!signatures_equal("abc=", "abd="));
        assert!(!signatures_equal("abc", "abc="));
    }
}
