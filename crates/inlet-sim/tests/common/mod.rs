//! Helpers shared by the integration tests: a tiny MNS V2 request signer over reqwest, so the
//! tests speak to the simulator exactly as a client would (real HTTP, real signatures).
#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use inlet_mns::sign::{self, SignInput};
use inlet_sim::{Sim, SimConfig};

pub const ID: &str = "testAccessKeyId";
pub const SECRET: &str = "testAccessKeySecret";
pub const QUEUE: &str = "Alicom-Queue-1234567890123456-ChatAppInbound";

pub async fn start() -> Sim {
    let mut config = SimConfig::new(ID, SECRET);
    config.queues.push(QUEUE.to_string());
    Sim::start(config).await.expect("sim starts")
}

pub async fn start_with(f: impl FnOnce(&mut SimConfig)) -> Sim {
    let mut config = SimConfig::new(ID, SECRET);
    config.queues.push(QUEUE.to_string());
    f(&mut config);
    Sim::start(config).await.expect("sim starts")
}

/// A response reduced to what the tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// Text of the first `<name>` element.
    pub fn el(&self, name: &str) -> Option<String> {
        elements(&self.body, name).into_iter().next()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        elements(&self.body, name)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn code(&self) -> Option<String> {
        self.el("Code")
    }
}

/// All texts of `<name>...</name>` (unescaped). Good enough for the simulator's flat XML.
pub fn elements(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(
            after[..j]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[j + close.len()..];
    }
    out
}

/// Percent-encodes everything but unreserved characters (what a careful client does).
pub fn escape(s: &str) -> String {
    inlet_mns::acs3::percent_encode(s)
}

/// Signs and sends MNS requests with one key.
#[derive(Clone)]
pub struct Mns {
    pub http: reqwest::Client,
    pub endpoint: String,
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Mns {
    pub fn new(sim: &Sim) -> Self {
        Self::with_key(sim, ID, SECRET, None)
    }

    pub fn with_key(sim: &Sim, id: &str, secret: &str, token: Option<&str>) -> Self {
        Self {
            http: reqwest::Client::new(),
            endpoint: sim.endpoint(),
            id: id.into(),
            secret: secret.into(),
            token: token.map(str::to_string),
        }
    }

    /// Requests are dated by the real clock, like any client's (the simulator checks Dates
    /// against the wall clock, not against its movable `Clock`).
    pub fn date(&self) -> String {
        httpdate::fmt_http_date(SystemTime::now())
    }

    pub async fn call(&self, method: &str, target: &str, body: Option<&str>) -> Answer {
        self.call_signed_as(method, target, target, body).await
    }

    /// Sends `sent_target` on the wire but signs `signed_target`.
    pub async fn call_signed_as(
        &self,
        method: &str,
        sent_target: &str,
        signed_target: &str,
        body: Option<&str>,
    ) -> Answer {
        self.send(method, sent_target, signed_target, body, &self.date())
            .await
            .expect("request completes")
    }

    pub async fn send(
        &self,
        method: &str,
        sent_target: &str,
        signed_target: &str,
        body: Option<&str>,
        date: &str,
    ) -> Result<Answer, reqwest::Error> {
        let ctype = body.map(|_| "text/xml;charset=UTF-8");
        let md5 = body.map(|b| sign::content_md5(b.as_bytes()));
        let headers = [("x-mns-version", sign::MNS_VERSION)];
        let to_sign = sign::string_to_sign(&SignInput {
            method,
            content_md5: md5.as_deref(),
            content_type: ctype,
            date,
            headers: &headers,
            resource: signed_target,
        });
        let auth = sign::authorization(&self.id, &sign::signature(&self.secret, &to_sign));
        let mut req = self
            .http
            .request(
                method.parse().unwrap(),
                format!("{}{sent_target}", self.endpoint),
            )
            .header("x-mns-version", sign::MNS_VERSION)
            .header("date", date)
            .header("authorization", auth);
        if let (Some(b), Some(m)) = (body, &md5) {
            req = req
                .header("content-type", "text/xml;charset=UTF-8")
                .header("content-md5", m)
                .body(b.to_string());
        }
        if let Some(t) = &self.token {
            req = req.header("security-token", t);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    pub fn messages(queue: &str) -> String {
        format!("/queues/{queue}/messages")
    }

    pub async fn send_message(&self, queue: &str, body: &str) -> Answer {
        let xml = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>{body}</MessageBody></Message>"#
        );
        self.call("POST", &Self::messages(queue), Some(&xml)).await
    }

    pub async fn receive(&self, queue: &str, query: &str) -> Answer {
        self.call("GET", &format!("{}?{query}", Self::messages(queue)), None)
            .await
    }

    pub async fn delete(&self, queue: &str, handle: &str) -> Answer {
        self.call(
            "DELETE",
            &format!("{}?ReceiptHandle={}", Self::messages(queue), escape(handle)),
            None,
        )
        .await
    }
}

/// Admin side-channel calls.
pub async fn admin(
    sim: &Sim,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let http = reqwest::Client::new();
    let mut req = http.request(
        method.parse().unwrap(),
        format!("{}/__admin/{path}", sim.endpoint()),
    );
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    let resp = req.send().await.expect("admin call");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("admin body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// Polls an observable condition until it holds (deadline 20 s). Not a sleep for
/// synchronisation: it re-checks state the simulator exposes, and fails loudly on the deadline.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
