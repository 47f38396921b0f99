//! MNS V2 request verification (spec §3.2) and the access-key table shared with the token
//! endpoint. Signing itself is `inlet_mns::sign`, so client and server cannot disagree.
//!
//! STS decisions (the error codes are not documented, spec §12):
//! * a missing or different `security-token` for an STS key → 403 `AccessDenied`
//!   "The security token you provided is invalid.";
//! * an STS key past its expiry → 403 `AccessDenied` "The security token you provided has
//!   expired." — the same code, so a client that refreshes its token on `AccessDenied` recovers
//!   in both cases, and a distinct message so a human can tell them apart.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use inlet_mns::sign::{self, SignInput};
use md5::{Digest, Md5};
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::error::ApiError;

/// Allowed difference between a request's Date and the server clock (spec §2).
pub const MAX_SKEW_MS: i64 = 15 * 60 * 1000;

/// A temporary (STS) credential's extra parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsGrant {
    pub security_token: String,
    pub expires_ms: i64,
}

/// One access key: static (long-term) when `sts` is `None`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    pub sts: Option<StsGrant>,
}

impl std::fmt::Debug for AccessKey {
    // Secrets never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("sts", &self.sts.is_some())
            .finish()
    }
}

/// Every key the simulated account knows.
#[derive(Debug, Default)]
pub struct KeyTable {
    keys: RwLock<HashMap<String, AccessKey>>,
}

impl KeyTable {
    pub fn add_static(&self, id: &str, secret: &str) {
        self.insert(AccessKey {
            id: id.to_string(),
            secret: secret.to_string(),
            sts: None,
        });
    }

    pub fn add_sts(&self, id: &str, secret: &str, security_token: &str, expires_ms: i64) {
        let sts = Some(StsGrant {
            security_token: security_token.to_string(),
            expires_ms,
        });
        self.insert(AccessKey {
            id: id.to_string(),
            secret: secret.to_string(),
            sts,
        });
    }

    /// Mints a fresh STS credential valid for `ttl` from `now_ms`.
    pub fn issue_sts(&self, now_ms: i64, ttl: Duration) -> AccessKey {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let token_bytes: [u8; 96] = rand::random();
        let key = AccessKey {
            id: format!("STS.{}", random_alnum(24)),
            secret: random_alnum(44),
            sts: Some(StsGrant {
                security_token: B64.encode(token_bytes),
                expires_ms: now_ms.saturating_add(ttl_ms),
            }),
        };
        self.insert(key.clone());
        key
    }

    pub fn get(&self, id: &str) -> Option<AccessKey> {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    fn insert(&self, key: AccessKey) {
        self.keys
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.id.clone(), key);
    }
}

fn random_alnum(n: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// A header's value as text (lossy, so odd bytes still make a deterministic string to sign).
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()))
}

/// The request-target exactly as received: the only correct CanonicalizedResource (spec §3.1).
pub fn raw_target(parts: &Parts) -> &str {
    parts.uri.path_and_query().map_or("/", |pq| pq.as_str())
}

/// Verifies an MNS request. `now_ms` is the simulator clock (for STS expiry); `date_check` is
/// the server's possibly skewed "now" when the ±15 min Date check is on.
pub fn verify(
    keys: &KeyTable,
    parts: &Parts,
    body: &[u8],
    now_ms: i64,
    date_check: Option<i64>,
) -> Result<AccessKey, ApiError> {
    let h = &parts.headers;
    let auth = header(h, "authorization").ok_or_else(|| {
        ApiError::new(
            400,
            "MissingAuthorizationHeader",
            "Authorization header is required.",
        )
    })?;
    let (id, given) = parse_authorization(&auth)?;
    let key = keys.get(id).ok_or_else(|| {
        ApiError::new(
            403,
            "InvalidAccessKeyId",
            "The AccessKey Id you provided is not exist.",
        )
    })?;
    check_sts(&key, h, now_ms)?;

    match header(h, "x-mns-version") {
        None => {
            return Err(ApiError::new(
                400,
                "MissingVersionHeader",
                "x-mns-version header is required.",
            ));
        }
        Some(v) if v != sign::MNS_VERSION => {
            return Err(ApiError::new(
                400,
                "InvalidVersionHeader",
                "The x-mns-version header is invalid.",
            ));
        }
        Some(_) => {}
    }
    let date = header(h, "date")
        .or_else(|| header(h, "x-mns-date"))
        .ok_or_else(|| ApiError::new(400, "MissingDateHeader", "Date header is required."))?;
    let sent = httpdate::parse_http_date(&date).map_err(|_| {
        ApiError::new(
            400,
            "InvalidDateHeader",
            "The Date header format is invalid.",
        )
    })?;
    if let Some(server_now) = date_check {
        let sent_ms = sent
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        if (server_now - sent_ms).abs() > MAX_SKEW_MS {
            return Err(ApiError::new(
                408,
                "TimeExpired",
                "The http request you sent is expired.",
            ));
        }
    }

    let mns_headers: Vec<(String, String)> = h
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-mns-"))
        .map(|(name, v)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = mns_headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let content_md5 = header(h, "content-md5");
    let content_type = header(h, "content-type");
    let to_sign = sign::string_to_sign(&SignInput {
        method: parts.method.as_str(),
        content_md5: content_md5.as_deref(),
        content_type: content_type.as_deref(),
        date: &date,
        headers: &pairs,
        resource: raw_target(parts),
    });
    if !sign::signatures_equal(&sign::signature(&key.secret, &to_sign), given) {
        return Err(ApiError::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ));
    }
    if let Some(md5) = content_md5 {
        check_content_md5(&md5, body)?;
    }
    Ok(key)
}

/// `MNS {id}:{signature}` (spec §3.2 step 1).
fn parse_authorization(value: &str) -> Result<(&str, &str), ApiError> {
    let invalid = || {
        ApiError::new(
            400,
            "InvalidAuthorizationHeader",
            "The Authorization header format is invalid.",
        )
    };
    let rest = value.strip_prefix("MNS ").ok_or_else(invalid)?;
    let (id, sig) = rest.split_once(':').ok_or_else(invalid)?;
    if id.is_empty() || sig.is_empty() {
        Err(invalid())
    } else {
        Ok((id, sig))
    }
}

fn check_sts(key: &AccessKey, h: &HeaderMap, now_ms: i64) -> Result<(), ApiError> {
    let Some(sts) = &key.sts else { return Ok(()) };
    let given = header(h, "security-token");
    if given.as_deref() != Some(sts.security_token.as_str()) {
        return Err(ApiError::new(
            403,
            "AccessDenied",
            "The security token you provided is invalid.",
        ));
    }
    if now_ms >= sts.expires_ms {
        return Err(ApiError::new(
            403,
            "AccessDenied",
            "The security token you provided has expired.",
        ));
    }
    Ok(())
}

/// SDKs send base64(hex(md5)); base64(raw md5) is the HTTP standard form. Accept both.
fn check_content_md5(given: &str, body: &[u8]) -> Result<(), ApiError> {
    let raw = Md5::digest(body);
    if given == sign::content_md5(body) || given == B64.encode(raw) {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "InvalidDegist",
            "The Content-MD5 you specified is invalid.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    const DATE: &str = "Thu, 17 Mar 2016 08:20:43 GMT";
    const DATE_MS: i64 = 1_458_202_843_000;

    fn keys() -> KeyTable {
        let k = KeyTable::default();
        k.add_static("testAccessKeyId", "testAccessKeySecret");
        k.add_sts(
            "STS.testAccessKeyId",
            "testAccessKeySecret",
            "testSecurityToken",
            DATE_MS + 1000,
        );
        k
    }

    fn parts(method: &str, target: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = Request::builder().method(method).uri(target);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn c2(extra: &[(&str, &str)], auth: &str) -> Parts {
        let mut h = vec![
            ("x-mns-version", "2015-06-06"),
            ("date", DATE),
            ("authorization", auth),
        ];
        h.extend_from_slice(extra);
        parts("GET", "/queues/TestQueue/messages?waitseconds=30", &h)
    }

    const C2_AUTH: &str = "MNS testAccessKeyId:e5ucqjtITlGWiW6ogC8+YhcOdfg=";

    #[test]
    fn captured_request_verifies_without_clock_check() {
        let k = keys();
        assert_eq!(
            verify(&k, &c2(&[], C2_AUTH), b"", 0, None).unwrap().id,
            "testAccessKeyId"
        );
        assert!(verify(&k, &c2(&[], C2_AUTH), b"", 0, Some(DATE_MS + 60_000)).is_ok());
        let e = verify(
            &k,
            &c2(&[], C2_AUTH),
            b"",
            0,
            Some(DATE_MS + MAX_SKEW_MS + 1),
        )
        .unwrap_err();
        assert_eq!((e.status, e.code), (408, "TimeExpired"));
    }

    #[test]
    fn refusals_have_the_documented_codes() {
        let k = keys();
        let cases: Vec<(Parts, u16, &str)> = vec![
            (
                parts(
                    "GET",
                    "/q",
                    &[("date", DATE), ("x-mns-version", "2015-06-06")],
                ),
                400,
                "MissingAuthorizationHeader",
            ),
            (
                c2(&[], "MNS4-HMAC-SHA256 Credential=x"),
                400,
                "InvalidAuthorizationHeader",
            ),
            (
                c2(&[], "MNS testAccessKeyId"),
                400,
                "InvalidAuthorizationHeader",
            ),
            (
                c2(&[], "MNS nobody:e5ucqjtITlGWiW6ogC8+YhcOdfg="),
                403,
                "InvalidAccessKeyId",
            ),
            (
                c2(&[], "MNS testAccessKeyId:AAAAjtITlGWiW6ogC8+YhcOdfg="),
                403,
                "SignatureDoesNotMatch",
            ),
            (
                c2(&[("x-mns-user-request-id", "1")], C2_AUTH),
                403,
                "SignatureDoesNotMatch",
            ),
            (
                parts("GET", "/q", &[("authorization", C2_AUTH), ("date", DATE)]),
                400,
                "MissingVersionHeader",
            ),
            (
                parts(
                    "GET",
                    "/q",
                    &[("authorization", C2_AUTH), ("x-mns-version", "2015-06-06")],
                ),
                400,
                "MissingDateHeader",
            ),
            (
                parts(
                    "GET",
                    "/q",
                    &[
                        ("authorization", C2_AUTH),
                        ("x-mns-version", "2015-06-06"),
                        ("date", "yesterday"),
                    ],
                ),
                400,
                "InvalidDateHeader",
            ),
        ];
        for (p, status, code) in cases {
            let e = verify(&k, &p, b"", 0, None).unwrap_err();
            assert_eq!((e.status, e.code), (status, code));
        }
    }

    #[test]
    fn x_mns_date_replaces_date() {
        let k = keys();
        let p = parts(
            "GET",
            "/queues/TestQueue/messages?waitseconds=30",
            &[
                ("x-mns-version", "2015-06-06"),
                ("authorization", C2_AUTH),
                ("x-mns-date", DATE),
            ],
        );
        // x-mns-date is itself an x-mns header, so it is part of the string to sign too.
        let to_sign = format!(
            "GET\n\n\n{DATE}\nx-mns-date:{DATE}\nx-mns-version:2015-06-06\n/queues/TestQueue/messages?waitseconds=30"
        );
        let sig = sign::signature("testAccessKeySecret", &to_sign);
        assert_eq!(
            verify(&k, &p, b"", 0, None).unwrap_err().code,
            "SignatureDoesNotMatch"
        );
        let mut p = p;
        p.headers.insert(
            "authorization",
            format!("MNS testAccessKeyId:{sig}").parse().unwrap(),
        );
        assert!(verify(&k, &p, b"", 0, None).is_ok());
    }

    #[test]
    fn sts_token_required_and_expires() {
        let k = keys();
        let auth = "MNS STS.testAccessKeyId:GXDWWmrjYu3M0uy6u7nqtrVvSZg=";
        let c5 = |token: Option<&str>| {
            let mut h = vec![
                ("x-mns-version", "2015-06-06"),
                ("date", DATE),
                ("authorization", auth),
            ];
            if let Some(t) = token {
                h.push(("security-token", t));
            }
            parts("GET", "/queues/TestQueue/messages?waitseconds=10", &h)
        };
        assert!(verify(&k, &c5(Some("testSecurityToken")), b"", DATE_MS, None).is_ok());
        for token in [None, Some("other")] {
            let e = verify(&k, &c5(token), b"", DATE_MS, None).unwrap_err();
            assert_eq!((e.status, e.code), (403, "AccessDenied"));
            assert!(e.message.contains("invalid"));
        }
        let e = verify(
            &k,
            &c5(Some("testSecurityToken")),
            b"",
            DATE_MS + 1000,
            None,
        )
        .unwrap_err();
        assert_eq!((e.status, e.code), (403, "AccessDenied"));
        assert!(e.message.contains("expired"));
    }

    #[test]
    fn content_md5_both_forms_and_mismatch() {
        let body = b"<x/>";
        assert!(check_content_md5(&sign::content_md5(body), body).is_ok());
        assert!(check_content_md5(&B64.encode(Md5::digest(body)), body).is_ok());
        assert_eq!(
            check_content_md5(&sign::content_md5(b"other"), body)
                .unwrap_err()
                .code,
            "InvalidDegist"
        );
    }

    #[test]
    fn issued_sts_keys_are_distinct_and_stored() {
        let k = KeyTable::default();
        let a = k.issue_sts(0, Duration::from_secs(3600));
        let b = k.issue_sts(0, Duration::from_secs(3600));
        assert!(a.id.starts_with("STS.") && a.id != b.id && a.secret != b.secret);
        assert_eq!(a.sts.as_ref().unwrap().expires_ms, 3_600_000);
        assert_eq!(k.get(&a.id), Some(a));
        assert!(!format!("{b:?}").contains(&b.secret));
    }
}
