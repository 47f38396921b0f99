//! Temporary queue keys from dybaseapi `QueryTokenForMnsQueue` (spec §9.2, §9.2b).
//!
//! ChatApp's queue lives in an Alibaba-owned account; the operator's long-term AccessKey only buys
//! short-lived STS keys for it. They are cached in memory only, refreshed when less than two
//! minutes remain (what every official demo does, against clock drift) and after a 403.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};
use serde::Deserialize;
use url::Url;

use crate::acs3;
use crate::credentials::{CredentialProvider, Credentials, CredentialsFuture};
use crate::error::{ErrorInfo, ErrorOrigin, MnsError};
use crate::http::{
    CONNECT_TIMEOUT, USER_AGENT, host_header, network_error, parse_endpoint, read_capped,
};

/// The Alicom MNS endpoint for China-site accounts, "云通信固定的endpoint地址" (spec §1). Which
/// Alicom account ChatApp uses is not confirmed, hence configurable.
pub const DEFAULT_MNS_ENDPOINT: &str = "https://1943695596114318.mns.cn-hangzhou.aliyuncs.com";
/// The Alicom MNS endpoint of the international site, Singapore (spec §1; the doc sample writes
/// `http://`, but MNS answers HTTPS on every public endpoint and the STS token must not travel in
/// clear text).
pub const INTL_MNS_ENDPOINT: &str = "https://1493622401794734.mns.ap-southeast-1.aliyuncs.com";
/// dybaseapi for China-site accounts.
pub const DEFAULT_TOKEN_ENDPOINT: &str = "https://dybaseapi.aliyuncs.com";
/// dybaseapi for international-site accounts (pairs with [`INTL_MNS_ENDPOINT`]).
pub const INTL_TOKEN_ENDPOINT: &str = "https://dybaseapi.ap-southeast-1.aliyuncs.com";
/// Inbound WhatsApp messages.
pub const DEFAULT_MESSAGE_TYPE: &str = "ChatAppInbound";
pub const TOKEN_API_VERSION: &str = "2017-05-25";
const ACTION: &str = "QueryTokenForMnsQueue";

/// Refresh when less than this remains.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(120);
/// A freshly fetched token is used for at least this long even if it looks nearly expired, so a
/// computer clock that runs hours ahead cannot turn every poll into a token request.
const MIN_REUSE: Duration = Duration::from_secs(30);
/// Whole request, token endpoint.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// A token answer is a few hundred bytes.
const MAX_ANSWER: usize = 64 * 1024;
/// ExpireTime is China local time (spec §9.2).
const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;

/// Where to ask, and for which queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// dybaseapi endpoint, e.g. [`DEFAULT_TOKEN_ENDPOINT`].
    pub endpoint: String,
    /// e.g. [`DEFAULT_MESSAGE_TYPE`].
    pub message_type: String,
    /// `Alicom-Queue-<AliUid>-ChatAppInbound`.
    pub queue_name: String,
}

impl TokenConfig {
    /// China-site endpoint and `ChatAppInbound` for `queue_name`.
    pub fn new(queue_name: impl Into<String>) -> Self {
        Self {
            endpoint: DEFAULT_TOKEN_ENDPOINT.to_owned(),
            message_type: DEFAULT_MESSAGE_TYPE.to_owned(),
            queue_name: queue_name.into(),
        }
    }
}

/// Temporary keys and when they stop working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryToken {
    pub credentials: Credentials,
    pub expires_at: DateTime<Utc>,
}

/// The time source; injectable so tests can move time without sleeping.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

struct Cached {
    token: TemporaryToken,
    fetched_at: DateTime<Utc>,
    /// The invalidation generation the token was fetched in.
    generation: u64,
}

/// [`CredentialProvider`] for the ChatApp flow: signs `QueryTokenForMnsQueue` with the operator's
/// long-term AccessKey and hands out the STS keys it returns.
pub struct ChatAppTokenProvider {
    http: reqwest::Client,
    base: String,
    host: String,
    config: TokenConfig,
    long_term: Credentials,
    clock: Clock,
    cache: tokio::sync::Mutex<Option<Cached>>,
    /// Bumped by `invalidate()`; a cached token from an older generation is not used.
    generation: AtomicU64,
}

impl ChatAppTokenProvider {
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        config: TokenConfig,
    ) -> Result<Self, MnsError> {
        let (base, url): (String, Url) = parse_endpoint(&config.endpoint)?;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| MnsError::Config(format!("cannot set up HTTPS: {e}")))?;
        Ok(Self {
            http,
            host: host_header(&url),
            base,
            config,
            long_term: Credentials::new(access_key_id, access_key_secret),
            clock: Arc::new(Utc::now),
            cache: tokio::sync::Mutex::new(None),
            generation: AtomicU64::new(0),
        })
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn config(&self) -> &TokenConfig {
        &self.config
    }

    /// Asks the token endpoint once, bypassing the cache (e.g. for a "test connection" button).
    pub async fn fetch(&self) -> Result<TemporaryToken, MnsError> {
        let now = (self.clock)();
        let request = self.signed_request(now)?;
        let mut response = self
            .http
            .execute(request)
            .await
            .map_err(|e| network_error(e, &self.host))?;
        let status = response.status().as_u16();
        let header_request_id = response
            .headers()
            .get("x-acs-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(&mut response, MAX_ANSWER, &self.host).await?;
        self.interpret(status, header_request_id, &body, now)
    }

    /// `POST /?MessageType=..&QueueName=..`, empty body, ACS3-HMAC-SHA256 (spec §9.2b).
    fn signed_request(&self, now: DateTime<Utc>) -> Result<reqwest::Request, MnsError> {
        let query = [
            ("MessageType", self.config.message_type.as_str()),
            ("QueueName", self.config.queue_name.as_str()),
        ];
        let date = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let empty_sha = acs3::sha256_hex(b"");
        let headers = [
            ("accept", "application/json"),
            ("host", self.host.as_str()),
            ("user-agent", USER_AGENT),
            ("x-acs-action", ACTION),
            ("x-acs-content-sha256", empty_sha.as_str()),
            ("x-acs-credentials-provider", "static_ak"),
            ("x-acs-date", date.as_str()),
            ("x-acs-signature-nonce", nonce.as_str()),
            ("x-acs-version", TOKEN_API_VERSION),
        ];
        let (canonical, signed_headers) =
            acs3::canonical_request("POST", "/", &query, &headers, &empty_sha);
        let signature = acs3::signature(&self.long_term.access_key_secret, &canonical);
        let authorization =
            acs3::authorization(&self.long_term.access_key_id, &signed_headers, &signature);
        // The same canonical (sorted, RFC 3986) query goes on the wire, so what was signed is sent.
        let url = format!("{}/?{}", self.base, acs3::canonical_query(&query));
        let mut builder = self
            .http
            .post(url)
            .header("authorization", authorization)
            .body("");
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder.build().map_err(|e| {
            MnsError::Config(format!(
                "The AccessKey ID or token settings contain characters HTTP cannot carry ({e})"
            ))
        })
    }

    fn interpret(
        &self,
        status: u16,
        header_request_id: Option<String>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<TemporaryToken, MnsError> {
        let Ok(answer) = serde_json::from_slice::<TokenAnswer>(body) else {
            return Err(self.unreadable(status, header_request_id));
        };
        let request_id = answer.request_id.clone().or(header_request_id);
        let code = answer.code.clone().unwrap_or_default();
        let ok =
            (200..300).contains(&status) && (code.is_empty() || code.eq_ignore_ascii_case("OK"));
        match answer.token {
            Some(dto) if ok => dto.into_token(now),
            _ => {
                let code = if code.is_empty() {
                    format!("HTTP{status}")
                } else {
                    code
                };
                let message = answer.message.unwrap_or_default();
                let info = ErrorInfo {
                    request_id,
                    access_key_id: Some(self.long_term.access_key_id.clone()),
                    queue: Some(self.config.queue_name.clone()),
                    ..ErrorInfo::new(ErrorOrigin::TokenService, status, code, message)
                };
                Err(MnsError::from_info(info))
            }
        }
    }

    fn unreadable(&self, status: u16, request_id: Option<String>) -> MnsError {
        if status >= 500 {
            let info = ErrorInfo {
                request_id,
                ..ErrorInfo::new(ErrorOrigin::TokenService, status, "", "")
            };
            return MnsError::Server(Box::new(info));
        }
        MnsError::Malformed {
            status,
            request_id,
            detail: "the token service did not answer with JSON".into(),
        }
    }

    async fn cached_or_fetch(&self) -> Result<Credentials, MnsError> {
        let mut cache = self.cache.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        let now = (self.clock)();
        let usable = |c: &&Cached| {
            c.generation == generation && !needs_refresh(c.token.expires_at, c.fetched_at, now)
        };
        if let Some(c) = cache.as_ref().filter(usable) {
            return Ok(c.token.credentials.clone());
        }
        match self.fetch().await {
            Ok(token) => {
                let credentials = token.credentials.clone();
                *cache = Some(Cached {
                    token,
                    fetched_at: now,
                    generation,
                });
                Ok(credentials)
            }
            // A refresh that fails for a passing reason does not throw away keys that still work.
            Err(err) if err.is_retryable() => match cache.as_ref() {
                Some(c) if c.generation == generation && now < c.token.expires_at => {
                    tracing::warn!(error = %err, "token refresh failed; using the current temporary key meanwhile");
                    Ok(c.token.credentials.clone())
                }
                _ => Err(err),
            },
            Err(err) => Err(err),
        }
    }
}

impl CredentialProvider for ChatAppTokenProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.cached_or_fetch())
    }

    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// The two-minute rule, with the guard against a clock that runs far ahead.
pub fn needs_refresh(
    expires_at: DateTime<Utc>,
    fetched_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    let margin = TimeDelta::from_std(REFRESH_MARGIN).unwrap_or(TimeDelta::MAX);
    let min_reuse = TimeDelta::from_std(MIN_REUSE).unwrap_or(TimeDelta::zero());
    expires_at - now < margin && now - fetched_at >= min_reuse
}

/// `ExpireTime`: `%Y-%m-%d %H:%M:%S` in China time (UTC+8); RFC 3339 is accepted too, in case the
/// service ever switches to it.
pub fn parse_expire_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S") {
        let china = FixedOffset::east_opt(CHINA_OFFSET_SECONDS)?;
        return naive
            .and_local_timezone(china)
            .single()
            .map(|t| t.with_timezone(&Utc));
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The JSON answer. Deliberately no `Debug`: it holds the temporary secret.
#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "MessageTokenDTO")]
    token: Option<TokenDto>,
}

#[derive(Deserialize)]
struct TokenDto {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: String,
    #[serde(rename = "SecurityToken")]
    security_token: String,
    #[serde(rename = "ExpireTime")]
    expire_time: Option<String>,
}

/// Used when ExpireTime is missing or unreadable: short, so a wrong guess costs little.
const FALLBACK_LIFETIME: TimeDelta = TimeDelta::minutes(10);

impl TokenDto {
    fn into_token(self, now: DateTime<Utc>) -> Result<TemporaryToken, MnsError> {
        let expires_at = self.expire_time.as_deref().and_then(parse_expire_time).unwrap_or_else(|| {
            tracing::warn!(expire_time = ?self.expire_time, "unreadable ExpireTime; refreshing the token early");
            now + FALLBACK_LIFETIME
        });
        Ok(TemporaryToken {
            credentials: Credentials::new(self.access_key_id, self.access_key_secret)
                .with_security_token(self.security_token),
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn expire_time_is_china_time() {
        assert_eq!(
            parse_expire_time("2017-09-21 19:04:00"),
            Some(utc(2017, 9, 21, 11, 4, 0))
        );
        assert_eq!(
            parse_expire_time("2026-11-26 03:00:00"),
            Some(utc(2026, 11, 25, 19, 0, 0)),
            "crosses midnight"
        );
        assert_eq!(
            parse_expire_time("2026-11-26T03:00:00+08:00"),
            Some(utc(2026, 11, 25, 19, 0, 0))
        );
        assert_eq!(parse_expire_time("tomorrow"), None);
    }

    #[test]
    fn two_minute_rule() {
        let expires = utc(2026, 1, 1, 12, 0, 0);
        let fetched = utc(2026, 1, 1, 4, 0, 0);
        assert!(
            !needs_refresh(expires, fetched, utc(2026, 1, 1, 11, 57, 59)),
            "2 min 1 s left"
        );
        assert!(
            needs_refresh(expires, fetched, utc(2026, 1, 1, 11, 58, 1)),
            "1 min 59 s left"
        );
        assert!(
            needs_refresh(expires, fetched, utc(2026, 1, 1, 13, 0, 0)),
            "expired"
        );
    }

    #[test]
    fn a_clock_far_ahead_does_not_cause_a_refresh_storm() {
        let expires = utc(2026, 1, 1, 12, 0, 0);
        let now = utc(2026, 1, 1, 20, 0, 0);
        assert!(!needs_refresh(expires, now - TimeDelta::seconds(5), now));
        assert!(needs_refresh(expires, now - TimeDelta::seconds(30), now));
    }

    fn provider() -> ChatAppTokenProvider {
        ChatAppTokenProvider::new(
            "LTAIlongterm",
            "secret",
            TokenConfig::new("Alicom-Queue-1-ChatAppInbound"),
        )
        .unwrap()
    }

    #[test]
    fn interprets_the_documented_answer() {
        let body = br#"{"RequestId":"x","Code":"OK","Message":"OK","MessageTokenDTO":{"AccessKeyId":"STS.a","AccessKeySecret":"b","SecurityToken":"c","CreateTime":"2026-11-25 19:00:00","ExpireTime":"2026-11-26 03:00:00"}}"#;
        let token = provider()
            .interpret(200, None, body, utc(2026, 11, 25, 11, 0, 0))
            .unwrap();
        assert_eq!(
            token.credentials,
            Credentials::new("STS.a", "b").with_security_token("c")
        );
        assert_eq!(token.expires_at, utc(2026, 11, 25, 19, 0, 0));
    }

    #[test]
    fn token_errors_name_the_long_term_key() {
        let body = br#"{"RequestId":"R1","HostId":"dybaseapi.aliyuncs.com","Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found."}"#;
        let err = provider()
            .interpret(404, None, body, Utc::now())
            .unwrap_err();
        assert!(
            matches!(err, MnsError::InvalidAccessKeyId(ref i) if i.origin == ErrorOrigin::TokenService)
        );
        assert_eq!(err.request_id(), Some("R1"));
        let msg = err.operator_message();
        assert!(
            msg.contains("`LTAIlongterm`") && msg.contains("Settings → Credentials"),
            "{msg}"
        );

        let body = br#"{"RequestId":"R2","Code":"SignatureDoesNotMatch","Message":"..."}"#;
        let err = provider()
            .interpret(400, None, body, Utc::now())
            .unwrap_err();
        assert!(matches!(err, MnsError::SignatureDoesNotMatch(_)));
        assert!(
            err.operator_message()
                .contains("AccessKey Secret does not match the AccessKey ID `LTAIlongterm`")
        );
    }

    #[test]
    fn unreadable_answers() {
        let p = provider();
        let err = p
            .interpret(
                502,
                Some("H".into()),
                b"<html>bad gateway</html>",
                Utc::now(),
            )
            .unwrap_err();
        assert!(matches!(err, MnsError::Server(_)) && err.is_retryable());
        assert_eq!(err.request_id(), Some("H"));
        assert!(matches!(
            p.interpret(200, None, b"<html/>", Utc::now()),
            Err(MnsError::Malformed { .. })
        ));
        let no_dto = p
            .interpret(200, None, br#"{"Code":"OK"}"#, Utc::now())
            .unwrap_err();
        assert_eq!(
            no_dto.code(),
            "OK",
            "an OK without keys is an error, reported with its code"
        );
    }

    #[test]
    fn missing_expire_time_falls_back_to_a_short_lifetime() {
        let body = br#"{"Code":"OK","MessageTokenDTO":{"AccessKeyId":"STS.a","AccessKeySecret":"b","SecurityToken":"c"}}"#;
        let now = utc(2026, 1, 1, 0, 0, 0);
        assert_eq!(
            provider()
                .interpret(200, None, body, now)
                .unwrap()
                .expires_at,
            now + FALLBACK_LIFETIME
        );
    }

    #[test]
    fn request_is_signed_as_spec_9_2b() {
        let p = provider();
        let request = p.signed_request(utc(2026, 11, 25, 11, 47, 21)).unwrap();
        assert_eq!(request.method(), "POST");
        assert_eq!(
            request.url().as_str(),
            "https://dybaseapi.aliyuncs.com/?MessageType=ChatAppInbound&QueueName=Alicom-Queue-1-ChatAppInbound"
        );
        let h = |n: &str| {
            request
                .headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(h("x-acs-date"), "2026-11-25T11:47:21Z");
        assert_eq!(h("x-acs-action"), "QueryTokenForMnsQueue");
        assert_eq!(h("x-acs-version"), "2017-05-25");
        assert_eq!(h("host"), "dybaseapi.aliyuncs.com");
        let nonce = h("x-acs-signature-nonce");
        assert!(
            nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()),
            "{nonce}"
        );

        let auth = h("authorization");
        let parsed = acs3::parse_authorization(&auth).unwrap();
        assert_eq!(parsed.access_key_id, "LTAIlongterm");
        let signed: Vec<(&str, String)> =
            parsed.signed_headers.iter().map(|n| (*n, h(n))).collect();
        let signed_refs: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let query = [
            ("MessageType", "ChatAppInbound"),
            ("QueueName", "Alicom-Queue-1-ChatAppInbound"),
        ];
        let (canonical, _) =
            acs3::canonical_request("POST", "/", &query, &signed_refs, &acs3::sha256_hex(b""));
        assert_eq!(
            parsed.signature,
            acs3::signature("secret", &canonical),
            "a verifier recomputes the signature"
        );
    }
}
