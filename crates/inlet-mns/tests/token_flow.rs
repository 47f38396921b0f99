//! The ChatApp token flow over real HTTP: the ACS3 signature as a verifier sees it, caching with
//! the two-minute rule (on an injected clock), invalidation after a 403 from the queue.

mod common;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use common::{Recorded, Reply, Server};
use inlet_mns::{
    ChatAppTokenProvider, Clock, CredentialProvider, MnsClient, MnsError, TokenConfig, acs3,
};

const QUEUE: &str = "Alicom-Queue-1234567890123456-ChatAppInbound";

/// The answer a token request gets: STS key number `n`, expiring 2026-11-26 03:00:00 China time
/// (= 2026-11-25 19:00:00 UTC).
fn token_answer(n: usize) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"RequestId":"T{n}","Code":"OK","Message":"OK","MessageTokenDTO":{{"AccessKeyId":"STS.key{n}","AccessKeySecret":"sts-secret-{n}","SecurityToken":"token-{n}","CreateTime":"2026-11-25 19:00:00","ExpireTime":"2026-11-26 03:00:00"}}}}"#
        ),
    )
}

fn expiry() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 19, 0, 0).unwrap()
}

/// Verifies an ACS3 request from what was received: the query as sent, the signed headers'
/// received values, the long-term secret.
fn assert_acs3_signed(req: &Recorded) {
    let auth = acs3::parse_authorization(req.header("authorization").expect("Authorization"))
        .expect("ACS3 header");
    assert_eq!(auth.access_key_id, "LTAIlongterm");
    let (path, query) = req.target.split_once('?').expect("query");
    assert_eq!(path, "/");
    assert_eq!(
        query,
        format!("MessageType=ChatAppInbound&QueueName={QUEUE}")
    );
    let params: Vec<(&str, &str)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let headers: Vec<(&str, &str)> = auth
        .signed_headers
        .iter()
        .map(|name| (*name, req.header(name).unwrap_or_default()))
        .collect();
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        assert!(
            auth.signed_headers.contains(&required),
            "{required} is signed"
        );
    }
    let body_hash = acs3::sha256_hex(&req.body);
    assert_eq!(req.header("x-acs-content-sha256"), Some(body_hash.as_str()));
    let (canonical, _) = acs3::canonical_request(&req.method, path, &params, &headers, &body_hash);
    assert_eq!(
        auth.signature,
        acs3::signature("long-term-secret", &canonical)
    );
    assert_eq!(req.header("x-acs-action"), Some("QueryTokenForMnsQueue"));
    assert_eq!(req.header("x-acs-version"), Some("2017-05-25"));
    assert_eq!(req.method, "POST");
    assert!(req.body.is_empty());
}

struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

fn provider(server: &Server, clock: &Arc<TestClock>) -> ChatAppTokenProvider {
    let config = TokenConfig {
        endpoint: server.url(),
        ..TokenConfig::new(QUEUE)
    };
    let clock = clock.clone();
    let now: Clock = Arc::new(move || *clock.0.lock().unwrap());
    ChatAppTokenProvider::new("LTAIlongterm", "long-term-secret", config)
        .unwrap()
        .with_clock(now)
}

#[tokio::test]
async fn tokens_are_signed_cached_and_refreshed_two_minutes_before_expiry() {
    let server = Server::start(|n, _| async move { token_answer(n) }).await;
    let clock = Arc::new(TestClock(Mutex::new(expiry() - TimeDelta::hours(7))));
    let provider = provider(&server, &clock);

    let first = provider.credentials().await.unwrap();
    assert_eq!(first.access_key_id, "STS.key0");
    assert_eq!(first.security_token.as_deref(), Some("token-0"));
    let req = server.next_request().await;
    assert_acs3_signed(&req);
    assert_eq!(
        req.header("x-acs-date"),
        Some("2026-11-25T12:00:00Z"),
        "from the injected clock"
    );

    clock.set(expiry() - TimeDelta::seconds(121));
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id,
        "STS.key0",
        "2 min 1 s left: cached"
    );

    clock.set(expiry() - TimeDelta::seconds(119));
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id,
        "STS.key1",
        "1 min 59 s left: refreshed"
    );
    let second = server.next_request().await;
    assert_acs3_signed(&second);
    assert_ne!(
        second.header("x-acs-signature-nonce"),
        req.header("x-acs-signature-nonce"),
        "fresh nonce"
    );

    provider.invalidate();
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id,
        "STS.key2",
        "invalidated: refreshed"
    );
}

#[tokio::test]
async fn token_service_errors_name_the_long_term_key() {
    let server = Server::start(|_, _| async {
        Reply::json(
            404,
            r#"{"RequestId":"R-404","HostId":"dybaseapi.aliyuncs.com","Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found."}"#,
        )
    })
    .await;
    let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
    let err = provider(&server, &clock).credentials().await.unwrap_err();
    assert!(
        matches!(err, MnsError::InvalidAccessKeyId(_)) && err.is_credentials_problem(),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("R-404"));
    let message = err.operator_message();
    assert!(
        message.contains("`LTAIlongterm`") && message.contains("Settings → Credentials"),
        "{message}"
    );
}

/// One server plays both dybaseapi (`POST /?...`) and the queue. The queue refuses the first STS
/// key; the client invalidates it, and the next request goes out with a fresh one.
#[tokio::test]
async fn a_refused_sts_key_is_replaced_on_the_next_request() {
    let tokens = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let issued = tokens.clone();
    let server = Server::start(move |_, req| {
        let issued = issued.clone();
        async move {
            if req.target.starts_with("/?") {
                return token_answer(issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
            }
            match req.header("security-token") {
                Some("token-0") => Reply::error(403, "InvalidAccessKeyId"),
                _ => Reply::error(404, "MessageNotExist"),
            }
        }
    })
    .await;
    let clock = Arc::new(TestClock(Mutex::new(expiry() - TimeDelta::hours(1))));
    let provider: Arc<dyn CredentialProvider> = Arc::new(provider(&server, &clock));
    let queue = MnsClient::new(&server.url(), provider)
        .unwrap()
        .queue(QUEUE);

    let err = queue.batch_receive(16, 0).await.unwrap_err();
    assert!(matches!(err, MnsError::InvalidAccessKeyId(_)));
    assert!(
        err.operator_message().contains("temporary key `STS.key0`"),
        "{}",
        err.operator_message()
    );
    assert!(queue.batch_receive(16, 0).await.unwrap().is_empty());

    let mut lines = Vec::new();
    for _ in 0..4 {
        let req = server.next_request().await;
        lines.push(format!(
            "{} {}",
            req.header("security-token").unwrap_or("-"),
            req.target.split('?').next().unwrap()
        ));
    }
    assert_eq!(
        lines,
        [
            "- /".to_owned(),
            format!("token-0 /queues/{QUEUE}/messages"),
            "- /".to_owned(),
            format!("token-1 /queues/{QUEUE}/messages"),
        ]
    );
}
