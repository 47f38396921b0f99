//! dybaseapi `QueryTokenForMnsQueue` (spec §9.2b): ACS3-signed token requests, STS credentials
//! the queue accepts until they expire, and the refusals.

mod common;

use std::time::Duration;

use chrono::NaiveDateTime;
use common::{Mns, QUEUE, start, start_with};
use inlet_mns::acs3;
use serde_json::Value;

struct TokenCall<'a> {
    id: &'a str,
    secret: &'a str,
    nonce: String,
    date: String,
}

impl<'a> TokenCall<'a> {
    /// Dated by the real clock, like the SDK (not by the simulator's movable clock).
    fn new() -> Self {
        Self {
            id: common::ID,
            secret: common::SECRET,
            nonce: hex::encode(rand::random::<[u8; 16]>()),
            date: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }

    /// Signs and sends the request the way the official SDK does (headers per spec §9.2b).
    async fn send(&self, sim: &inlet_sim::Sim) -> (u16, Value) {
        let empty = acs3::sha256_hex(b"");
        let host = sim.addr().to_string();
        let query = [("MessageType", "ChatAppInbound"), ("QueueName", QUEUE)];
        let headers = [
            ("host", host.as_str()),
            ("x-acs-version", "2017-05-25"),
            ("x-acs-action", "QueryTokenForMnsQueue"),
            ("x-acs-date", self.date.as_str()),
            ("x-acs-signature-nonce", self.nonce.as_str()),
            ("accept", "application/json"),
            ("x-acs-content-sha256", empty.as_str()),
        ];
        let (canonical, signed) = acs3::canonical_request("POST", "/", &query, &headers, &empty);
        let auth = acs3::authorization(self.id, &signed, &acs3::signature(self.secret, &canonical));
        let mut req = reqwest::Client::new()
            .post(format!(
                "{}/?{}",
                sim.endpoint(),
                acs3::canonical_query(&query)
            ))
            .header("authorization", auth);
        for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
            req = req.header(*name, *value);
        }
        let resp = req.send().await.expect("token call");
        let status = resp.status().as_u16();
        (
            status,
            serde_json::from_str(&resp.text().await.unwrap()).expect("JSON answer"),
        )
    }
}

fn china_time_to_utc_ms(s: &str) -> i64 {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("%Y-%m-%d %H:%M:%S");
    t.and_utc().timestamp_millis() - 8 * 3600 * 1000
}

#[tokio::test]
async fn issued_sts_credentials_work_until_they_expire() {
    let sim = start().await;
    let (status, answer) = TokenCall::new().send(&sim).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (answer["Code"].as_str(), answer["Message"].as_str()),
        (Some("OK"), Some("OK"))
    );
    assert!(answer["RequestId"].as_str().is_some_and(|r| !r.is_empty()));
    let dto = &answer["MessageTokenDTO"];
    let id = dto["AccessKeyId"].as_str().unwrap();
    let secret = dto["AccessKeySecret"].as_str().unwrap();
    let token = dto["SecurityToken"].as_str().unwrap();
    assert!(id.starts_with("STS."));
    let created = china_time_to_utc_ms(dto["CreateTime"].as_str().unwrap());
    let expires = china_time_to_utc_ms(dto["ExpireTime"].as_str().unwrap());
    assert_eq!(expires - created, 3_600_000, "default TTL 1 h");
    assert!(
        (created - sim.clock().now_ms()).abs() < 60_000,
        "CreateTime is UTC+8 local time of now"
    );

    let sts = Mns::with_key(&sim, id, secret, Some(token));
    sim.send_raw(QUEUE, "c3Rz").unwrap();
    let got = sts.receive(QUEUE, "waitseconds=0").await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(
        sts.delete(QUEUE, &got.el("ReceiptHandle").unwrap())
            .await
            .status,
        204
    );

    let no_token = Mns::with_key(&sim, id, secret, None)
        .receive(QUEUE, "")
        .await;
    assert_eq!(
        (no_token.status, no_token.code().as_deref()),
        (403, Some("AccessDenied"))
    );

    sim.clock().advance(Duration::from_secs(3600));
    let expired = sts.receive(QUEUE, "").await;
    // (Dated by the real clock, an hour "before" the simulator's: still not TimeExpired.)
    assert_eq!(
        (expired.status, expired.code().as_deref()),
        (403, Some("AccessDenied"))
    );
    assert!(
        expired.el("Message").unwrap().contains("expired"),
        "{}",
        expired.body
    );

    // A fresh token works again (requested with a real-clock x-acs-date after the jump).
    let (status, answer) = TokenCall::new().send(&sim).await;
    assert_eq!(status, 200);
    let dto = &answer["MessageTokenDTO"];
    let fresh = Mns::with_key(
        &sim,
        dto["AccessKeyId"].as_str().unwrap(),
        dto["AccessKeySecret"].as_str().unwrap(),
        dto["SecurityToken"].as_str(),
    );
    assert_eq!(
        fresh.receive(QUEUE, "").await.code().as_deref(),
        Some("MessageNotExist")
    );
}

#[tokio::test]
async fn ttl_is_configurable() {
    let sim = start_with(|c| c.sts_ttl = Duration::from_secs(120)).await;
    let (_, answer) = TokenCall::new().send(&sim).await;
    let dto = &answer["MessageTokenDTO"];
    let span = china_time_to_utc_ms(dto["ExpireTime"].as_str().unwrap())
        - china_time_to_utc_ms(dto["CreateTime"].as_str().unwrap());
    assert_eq!(span, 120_000);
}

#[tokio::test]
async fn reused_nonce_is_refused() {
    let sim = start().await;
    let call = TokenCall::new();
    assert_eq!(call.send(&sim).await.0, 200);
    let (status, answer) = call.send(&sim).await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (400, Some("SignatureNonceUsed")),
        "{answer}"
    );
    assert!(answer["RequestId"].as_str().is_some() && answer["Message"].as_str().is_some());
}

#[tokio::test]
async fn bad_signature_unknown_key_and_old_date_are_refused() {
    let sim = start().await;
    let wrong = TokenCall {
        secret: "wrong",
        ..TokenCall::new()
    };
    assert_eq!(wrong.send(&sim).await.1["Code"], "SignatureDoesNotMatch");

    let unknown = TokenCall {
        id: "nobody",
        ..TokenCall::new()
    };
    let (status, answer) = unknown.send(&sim).await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (404, Some("InvalidAccessKeyId.NotFound"))
    );

    let old = TokenCall {
        date: "2026-01-01T00:00:00Z".into(),
        ..TokenCall::new()
    };
    let (status, answer) = old.send(&sim).await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (400, Some("InvalidTimeStamp.Expired"))
    );

    // Temporary credentials cannot mint more temporary credentials.
    sim.add_sts_key("STS.x", "s", "t", None);
    let sts = TokenCall {
        id: "STS.x",
        secret: "s",
        ..TokenCall::new()
    };
    assert_eq!(sts.send(&sim).await.0, 404);
}

#[tokio::test]
async fn token_date_check_follows_the_skew_fault() {
    let sim = start().await;
    sim.set_faults(inlet_sim::Faults {
        clock_skew_secs: -3600,
        ..Default::default()
    });
    let (status, answer) = TokenCall::new().send(&sim).await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (400, Some("InvalidTimeStamp.Expired"))
    );
}
