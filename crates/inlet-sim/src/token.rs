//! dybaseapi `QueryTokenForMnsQueue` (spec §9.2, §9.2b) on the simulator's address: verifies the
//! ACS3-HMAC-SHA256 signature with `inlet_mns::acs3`, checks `x-acs-date` and refuses reused
//! nonces, then mints STS credentials that the queue side accepts until they expire.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use inlet_mns::acs3;
use serde_json::json;

use crate::auth::{self, MAX_SKEW_MS};
use crate::error::ApiError;
use crate::http::query_params;
use crate::state::Shared;

pub const ACTION: &str = "QueryTokenForMnsQueue";

/// The dybaseapi SDK sends `x-acs-action`; older RPC callers put `Action` and the parameters
/// in the query. MNS requests never do either.
pub fn is_token_request(req: &Request) -> bool {
    if req.headers().contains_key("x-acs-action") {
        return true;
    }
    req.uri().path() == "/"
        && req
            .uri()
            .query()
            .is_some_and(|q| q.contains("MessageType=") || q.contains("QueueName="))
}

pub async fn handle(app: &Arc<Shared>, req: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string().to_ascii_uppercase();
    let (parts, body) = req.into_parts();
    let result = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(body) => issue(app, &parts, &body),
        Err(_) => Err(ApiError::new(
            400,
            "InvalidParameter",
            "The request body is too large.",
        )),
    };
    match result {
        Ok(mut value) => {
            value["RequestId"] = json!(request_id);
            json_response(StatusCode::OK, &request_id, &value)
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            json_response(
                status,
                &request_id,
                &json!({"RequestId": request_id, "Code": e.code, "Message": e.message}),
            )
        }
    }
}

fn issue(app: &Shared, parts: &Parts, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    let params = query_params(parts.uri.query())
        .map_err(|_| ApiError::new(400, "InvalidParameter", "The query string is not valid."))?;
    let action = auth::header(&parts.headers, "x-acs-action")
        .map(|a| a.into_owned())
        .or_else(|| params.get("action").cloned())
        .unwrap_or_default();
    if action != ACTION {
        return Err(ApiError::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ));
    }
    verify(app, parts, body)?;
    let message_type = required(
        &params,
        "messagetype",
        "MissingMessageType",
        "MessageType is mandatory for this action.",
    )?;
    let queue = required(
        &params,
        "queuename",
        "MissingQueueName",
        "QueueName is mandatory for this action.",
    )?;
    tracing::debug!(message_type, queue, "issuing STS credentials");

    let now = app.clock.now_ms();
    let key = app.keys.issue_sts(now, app.sts_ttl);
    let sts = key.sts.as_ref().ok_or_else(ApiError::internal)?;
    Ok(json!({
        "Code": "OK",
        "Message": "OK",
        "MessageTokenDTO": {
            "AccessKeyId": key.id,
            "AccessKeySecret": key.secret,
            "SecurityToken": sts.security_token,
            "CreateTime": china_time(now),
            "ExpireTime": china_time(sts.expires_ms),
        }
    }))
}

fn required<'a>(
    params: &'a std::collections::HashMap<String, String>,
    name: &str,
    code: &'static str,
    message: &str,
) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::new(400, code, message))
}

/// `%Y-%m-%d %H:%M:%S` in China time (UTC+8), as the service answers (spec §9.2).
pub fn china_time(ms: i64) -> String {
    let utc: DateTime<Utc> = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
    const FORMAT: &str = "%Y-%m-%d %H:%M:%S";
    match FixedOffset::east_opt(8 * 3600) {
        Some(cst) => utc.with_timezone(&cst).format(FORMAT).to_string(),
        None => utc.format(FORMAT).to_string(),
    }
}

/// ACS3-HMAC-SHA256 over the headers the client says it signed (spec §9.2b).
fn verify(app: &Shared, parts: &Parts, body: &[u8]) -> Result<(), ApiError> {
    let h = &parts.headers;
    let incomplete = || {
        ApiError::new(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.",
        )
    };
    let auth_value = auth::header(h, "authorization").ok_or_else(incomplete)?;
    let parsed = acs3::parse_authorization(&auth_value).ok_or_else(incomplete)?;
    let key = app
        .keys
        .get(parsed.access_key_id)
        .filter(|k| k.sts.is_none())
        .ok_or_else(|| {
            ApiError::new(
                404,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            )
        })?;

    let date = auth::header(h, "x-acs-date").ok_or_else(|| {
        ApiError::new(
            400,
            "MissingParameter",
            "x-acs-date is mandatory for this action.",
        )
    })?;
    let sent = NaiveDateTime::parse_from_str(&date, "%Y-%m-%dT%H:%M:%SZ").map_err(|_| {
        ApiError::new(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    })?;
    let sent_ms = sent.and_utc().timestamp_millis();
    let skewed = app
        .date_check_now()
        .is_some_and(|server_now| (server_now - sent_ms).abs() > MAX_SKEW_MS);
    if skewed {
        return Err(ApiError::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }

    let body_hash = acs3::sha256_hex(body);
    if auth::header(h, "x-acs-content-sha256").is_some_and(|given| given != body_hash) {
        return Err(signature_mismatch());
    }
    let mut signed = Vec::with_capacity(parsed.signed_headers.len());
    for name in &parsed.signed_headers {
        let value = auth::header(h, name).ok_or_else(signature_mismatch)?;
        signed.push((name.to_string(), value.into_owned()));
    }
    let signed: Vec<(&str, &str)> = signed
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    // The canonical query is rebuilt from the decoded parameters with their original names.
    let query: Vec<(String, String)> = raw_query_pairs(parts.uri.query());
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (canonical, _) = acs3::canonical_request(
        parts.method.as_str(),
        parts.uri.path(),
        &query,
        &signed,
        &body_hash,
    );
    let expected = acs3::signature(&key.secret, &canonical);
    if !inlet_mns::sign::signatures_equal(&expected, parsed.signature) {
        return Err(signature_mismatch());
    }
    check_nonce(app, h, sent_ms)
}

fn signature_mismatch() -> ApiError {
    ApiError::new(
        400,
        "SignatureDoesNotMatch",
        "Specified signature does not match our calculation.",
    )
}

/// Query pairs percent-decoded (no `+` → space), names kept as sent.
fn raw_query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(k, v)| (dec(k), dec(v)))
        .collect()
}

/// Each `x-acs-signature-nonce` works once. Nonces older than twice the allowed skew are
/// forgotten when the date check is on (the date check refuses those requests anyway).
fn check_nonce(app: &Shared, h: &axum::http::HeaderMap, sent_ms: i64) -> Result<(), ApiError> {
    let Some(nonce) = auth::header(h, "x-acs-signature-nonce") else {
        return Ok(());
    };
    let mut seen = app.nonces.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(now) = app.date_check_now() {
        seen.retain(|_, t| (now - *t).abs() <= 2 * MAX_SKEW_MS);
    }
    if seen.contains_key(nonce.as_ref()) {
        return Err(ApiError::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    seen.insert(nonce.into_owned(), sent_ms);
    Ok(())
}

fn json_response(status: StatusCode, request_id: &str, value: &serde_json::Value) -> Response {
    let mut resp = Response::new(Body::from(value.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-acs-request-id", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_is_utc_plus_8() {
        // 2026-11-25T11:47:21Z
        assert_eq!(china_time(1_795_607_241_000), "2026-11-25 19:47:21");
    }

    #[test]
    fn query_pairs_keep_plus() {
        assert_eq!(
            raw_query_pairs(Some("MessageType=ChatAppInbound&QueueName=a%2Bb+c")),
            [
                ("MessageType".into(), "ChatAppInbound".into()),
                ("QueueName".into(), "a+b+c".into())
            ]
        );
    }
}
