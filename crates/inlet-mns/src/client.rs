//! The queue client: one signed HTTP request per MNS operation (spec §3.3, §4).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::Method;

use crate::credentials::{CredentialProvider, Credentials};
use crate::error::{ErrorInfo, ErrorOrigin, MnsError};
use crate::http::{
    CONNECT_TIMEOUT, USER_AGENT, encode_component, host_header, network_error, parse_endpoint,
    read_capped,
};
use crate::message::{
    BatchDeleteOutcome, OutgoingMessage, QueueAttributes, QueueConfig, ReceivedMessage, SendResult,
    VisibilityChanged,
};
use crate::sign::{self, MNS_VERSION, SignInput};
use crate::xml::{decode, encode};

/// Most messages one batch request may carry (receive, delete, send).
pub const MAX_BATCH: usize = 16;
/// Longest long poll the service allows.
pub const MAX_WAIT_SECONDS: u32 = 30;
/// Range of `VisibilityTimeout`.
pub const MAX_VISIBILITY_SECONDS: u32 = 43_200;
const MAX_DELAY_SECONDS: u32 = 604_800;
/// A long poll may legitimately take `wait` seconds; the margin covers the network.
const RECEIVE_MARGIN: Duration = Duration::from_secs(10);
/// Every other operation.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// 16 messages of at most 64 KiB, XML-escaped, fit with ample room.
const MAX_ANSWER: usize = 8 * 1024 * 1024;
const XML_CONTENT_TYPE: &str = "text/xml;charset=UTF-8";

/// A connection to one MNS endpoint; cheap to clone.
#[derive(Clone)]
pub struct MnsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `scheme://host[:port]`, no trailing slash.
    base: String,
    /// For error messages.
    host: String,
    credentials: Arc<dyn CredentialProvider>,
}

impl MnsClient {
    /// `endpoint` like `https://1943695596114318.mns.cn-hangzhou.aliyuncs.com`.
    pub fn new(endpoint: &str, credentials: Arc<dyn CredentialProvider>) -> Result<Self, MnsError> {
        let (base, url) = parse_endpoint(endpoint)?;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_keepalive(Duration::from_secs(30))
            .build()
            .map_err(|e| MnsError::Config(format!("cannot set up HTTPS: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                host: host_header(&url),
                credentials,
            }),
        })
    }

    pub fn queue(&self, name: impl Into<String>) -> Queue {
        let name = name.into();
        // Valid queue names need no encoding; encoding anyway keeps an invalid one from changing
        // the request's shape, and the service answers it with a clear error.
        let path = format!("/queues/{}", encode_component(&name));
        Queue {
            client: self.clone(),
            name,
            path,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.inner.base
    }
}

impl std::fmt::Debug for MnsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MnsClient")
            .field("endpoint", &self.inner.base)
            .finish_non_exhaustive()
    }
}

/// One queue of an [`MnsClient`]; cheap to clone.
#[derive(Clone, Debug)]
pub struct Queue {
    client: MnsClient,
    name: String,
    /// `/queues/{encoded name}`.
    path: String,
}

/// A response of any status, with what is needed to turn it into an error.
struct Answer {
    status: u16,
    request_id: Option<String>,
    body: String,
    access_key_id: String,
}

impl Answer {
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Queue {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// BatchReceiveMessage: up to `max` (1..=16) messages, long-polling up to `wait_seconds`
    /// (0..=30). An empty queue is `Ok(vec![])`, not an error.
    pub async fn batch_receive(
        &self,
        max: usize,
        wait_seconds: u32,
    ) -> Result<Vec<ReceivedMessage>, MnsError> {
        check_range("number of messages", max as u64, 1, MAX_BATCH as u64)?;
        check_range(
            "wait seconds",
            wait_seconds.into(),
            0,
            MAX_WAIT_SECONDS.into(),
        )?;
        let target = format!(
            "{}/messages?numOfMessages={max}&waitseconds={wait_seconds}",
            self.path
        );
        self.receive_at(target, wait_seconds).await
    }

    /// ReceiveMessage: one message, or `None` when the queue stayed empty for `wait_seconds`.
    pub async fn receive(&self, wait_seconds: u32) -> Result<Option<ReceivedMessage>, MnsError> {
        check_range(
            "wait seconds",
            wait_seconds.into(),
            0,
            MAX_WAIT_SECONDS.into(),
        )?;
        let target = format!("{}/messages?waitseconds={wait_seconds}", self.path);
        Ok(self
            .receive_at(target, wait_seconds)
            .await?
            .into_iter()
            .next())
    }

    async fn receive_at(
        &self,
        target: String,
        wait_seconds: u32,
    ) -> Result<Vec<ReceivedMessage>, MnsError> {
        let timeout = Duration::from_secs(wait_seconds.into()) + RECEIVE_MARGIN;
        let answer = self.call(Method::GET, target, None, timeout).await?;
        match self.expect_success(answer) {
            Ok(answer) => {
                decode::received(&answer.body).map_err(|detail| malformed(&answer, detail))
            }
            Err(MnsError::MessageNotExist(_)) => Ok(Vec::new()),
            Err(err) => Err(err),
        }
    }

    /// DeleteMessage.
    pub async fn delete(&self, receipt_handle: &str) -> Result<(), MnsError> {
        let target = format!(
            "{}/messages?ReceiptHandle={}",
            self.path,
            encode_component(receipt_handle)
        );
        let answer = self
            .call(Method::DELETE, target, None, REQUEST_TIMEOUT)
            .await?;
        self.expect_success(answer).map(drop)
    }

    /// BatchDeleteMessage of up to 16 handles. Handles the service refused come back in
    /// `failed`; a per-handle `MessageNotExist` means the handle expired (the message will be
    /// delivered again) or the message is already gone.
    pub async fn batch_delete(
        &self,
        receipt_handles: &[String],
    ) -> Result<BatchDeleteOutcome, MnsError> {
        if receipt_handles.is_empty() {
            return Ok(BatchDeleteOutcome::default());
        }
        check_range(
            "number of receipt handles",
            receipt_handles.len() as u64,
            1,
            MAX_BATCH as u64,
        )?;
        let body = encode::receipt_handles(receipt_handles)?;
        let target = format!("{}/messages", self.path);
        let answer = self
            .call(Method::DELETE, target, Some(body), REQUEST_TIMEOUT)
            .await?;
        if answer.is_success() {
            return Ok(BatchDeleteOutcome::default());
        }
        match decode::batch_errors(&answer.body) {
            Some(errors) if !errors.is_empty() => {
                let failed = errors
                    .into_iter()
                    .map(|e| {
                        let info = self.info(&answer, e.code, e.message, None);
                        (e.receipt_handle, MnsError::from_batch_entry(info))
                    })
                    .collect();
                Ok(BatchDeleteOutcome { failed })
            }
            _ => Err(self.failure(&answer)),
        }
    }

    /// ChangeMessageVisibility: hide the message for `seconds` (1..=43200) from now. The old
    /// handle stops working; use the returned one.
    pub async fn change_visibility(
        &self,
        receipt_handle: &str,
        seconds: u32,
    ) -> Result<VisibilityChanged, MnsError> {
        check_range(
            "visibility timeout",
            seconds.into(),
            1,
            MAX_VISIBILITY_SECONDS.into(),
        )?;
        let target = format!(
            "{}/messages?ReceiptHandle={}&VisibilityTimeout={seconds}",
            self.path,
            encode_component(receipt_handle)
        );
        let answer = self.expect_success(
            self.call(Method::PUT, target, None, REQUEST_TIMEOUT)
                .await?,
        )?;
        decode::change_visibility(&answer.body).map_err(|detail| malformed(&answer, detail))
    }

    /// GetQueueAttributes.
    pub async fn attributes(&self) -> Result<QueueAttributes, MnsError> {
        let answer = self.expect_success(
            self.call(Method::GET, self.path.clone(), None, REQUEST_TIMEOUT)
                .await?,
        )?;
        decode::queue_attributes(&answer.body).map_err(|detail| malformed(&answer, detail))
    }

    /// SendMessage (the body text is sent as given; base64-encode it yourself if wanted).
    pub async fn send(&self, message: &OutgoingMessage) -> Result<SendResult, MnsError> {
        check_message(message)?;
        let body = encode::message(message)?;
        let mut results = self.send_body(body).await?;
        match results.len() {
            1 => results.remove(0),
            n => Err(MnsError::Malformed {
                status: 201,
                request_id: None,
                detail: format!("expected one send result, got {n}"),
            }),
        }
    }

    /// BatchSendMessage of 1..=16 messages; one result per message, in order.
    pub async fn batch_send(
        &self,
        messages: &[OutgoingMessage],
    ) -> Result<Vec<Result<SendResult, MnsError>>, MnsError> {
        check_range(
            "number of messages",
            messages.len() as u64,
            1,
            MAX_BATCH as u64,
        )?;
        messages.iter().try_for_each(check_message)?;
        self.send_body(encode::messages(messages)?).await
    }

    async fn send_body(&self, body: String) -> Result<Vec<Result<SendResult, MnsError>>, MnsError> {
        let target = format!("{}/messages", self.path);
        let answer = self
            .call(Method::POST, target, Some(body), REQUEST_TIMEOUT)
            .await?;
        // A partly failed batch answers non-2xx with the usual <Messages> list.
        let entries = match decode::send_results(&answer.body) {
            Ok(entries) => entries,
            Err(_) if !answer.is_success() => return Err(self.failure(&answer)),
            Err(detail) => return Err(malformed(&answer, detail)),
        };
        Ok(entries
            .into_iter()
            .map(|entry| match entry {
                decode::SendEntry::Sent(result) => Ok(result),
                decode::SendEntry::Failed { code, message } => Err(MnsError::from_batch_entry(
                    self.info(&answer, code, message, None),
                )),
            })
            .collect())
    }

    /// CreateQueue; succeeds too when an identical queue exists (204).
    pub async fn create(&self, config: &QueueConfig) -> Result<(), MnsError> {
        let answer = self
            .call(
                Method::PUT,
                self.path.clone(),
                Some(encode::queue(config)),
                REQUEST_TIMEOUT,
            )
            .await?;
        self.expect_success(answer).map(drop)
    }

    /// DeleteQueue (tests clean up with it).
    pub async fn delete_queue(&self) -> Result<(), MnsError> {
        let answer = self
            .call(Method::DELETE, self.path.clone(), None, REQUEST_TIMEOUT)
            .await?;
        self.expect_success(answer).map(drop)
    }

    /// Signs and sends one request; any HTTP status is an `Answer`.
    async fn call(
        &self,
        method: Method,
        target: String,
        body: Option<String>,
        timeout: Duration,
    ) -> Result<Answer, MnsError> {
        let inner = &self.client.inner;
        let credentials = inner.credentials.credentials().await?;
        let date = httpdate::fmt_http_date(SystemTime::now());
        let headers = signed_headers(
            method.as_str(),
            &target,
            body.as_deref(),
            &date,
            &credentials,
        );
        let mut builder = inner
            .http
            .request(method, format!("{}{target}", inner.base))
            .timeout(timeout);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = body {
            builder = builder.body(body);
        }
        let request = builder.build().map_err(|e| {
            MnsError::Config(format!(
                "The queue credentials contain characters HTTP cannot carry ({})",
                e.without_url()
            ))
        })?;
        ensure_target_unchanged(&request, &target)?;
        let mut response = inner
            .http
            .execute(request)
            .await
            .map_err(|e| network_error(e, &inner.host))?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-mns-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_capped(&mut response, MAX_ANSWER, &inner.host).await?;
        // Lossy on purpose: one bad byte in one body must not make the whole batch unreadable
        // (that message's MD5 check then reports the damage).
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(Answer {
            status,
            request_id,
            body,
            access_key_id: credentials.access_key_id,
        })
    }

    fn expect_success(&self, answer: Answer) -> Result<Answer, MnsError> {
        if answer.is_success() {
            Ok(answer)
        } else {
            Err(self.failure(&answer))
        }
    }

    /// The error a non-2xx answer stands for. Refused keys are invalidated here, so the provider
    /// fetches new ones for the next request.
    fn failure(&self, answer: &Answer) -> MnsError {
        let err = match decode::error(&answer.body) {
            Some(body) => {
                MnsError::from_info(self.info(answer, body.code, body.message, body.request_id))
            }
            None if answer.status >= 500 => MnsError::Server(Box::new(self.info(
                answer,
                format!("HTTP{}", answer.status),
                String::new(),
                None,
            ))),
            None => malformed(answer, "the error answer is not MNS XML".into()),
        };
        if err.is_credentials_problem() {
            self.client.inner.credentials.invalidate();
        }
        err
    }

    fn info(
        &self,
        answer: &Answer,
        code: String,
        message: String,
        request_id: Option<String>,
    ) -> ErrorInfo {
        ErrorInfo {
            request_id: request_id.or_else(|| answer.request_id.clone()),
            access_key_id: Some(answer.access_key_id.clone()),
            queue: Some(self.name.clone()),
            ..ErrorInfo::new(ErrorOrigin::Queue, answer.status, code, message)
        }
    }
}

fn malformed(answer: &Answer, detail: String) -> MnsError {
    MnsError::Malformed {
        status: answer.status,
        request_id: answer.request_id.clone(),
        detail,
    }
}

/// The headers of a signed request, in sending order (spec §3.3): exactly the strings that went
/// into the string-to-sign. `security-token` is sent but, as in every SDK, not signed.
pub(crate) fn signed_headers(
    method: &str,
    target: &str,
    body: Option<&str>,
    date: &str,
    credentials: &Credentials,
) -> Vec<(&'static str, String)> {
    let content_md5 = body.map(|b| sign::content_md5(b.as_bytes()));
    let content_type = body.map(|_| XML_CONTENT_TYPE);
    let to_sign = sign::string_to_sign(&SignInput {
        method,
        content_md5: content_md5.as_deref(),
        content_type,
        date,
        headers: &[("x-mns-version", MNS_VERSION)],
        resource: target,
    });
    let signature = sign::signature(&credentials.access_key_secret, &to_sign);
    let mut headers = vec![
        ("date", date.to_owned()),
        ("x-mns-version", MNS_VERSION.to_owned()),
    ];
    if let (Some(md5), Some(ctype)) = (content_md5, content_type) {
        headers.push(("content-type", ctype.to_owned()));
        headers.push(("content-md5", md5));
    }
    headers.push((
        "authorization",
        sign::authorization(&credentials.access_key_id, &signature),
    ));
    if let Some(token) = &credentials.security_token {
        headers.push(("security-token", token.clone()));
    }
    headers
}

/// The signature covers the request-target byte for byte; if URL handling ever re-encoded it,
/// the service would answer SignatureDoesNotMatch and blame the operator's keys. Catch it here.
fn ensure_target_unchanged(request: &reqwest::Request, target: &str) -> Result<(), MnsError> {
    let sent = &request.url()[url::Position::BeforePath..];
    if sent == target {
        return Ok(());
    }
    Err(MnsError::InvalidInput(format!(
        "the request target would be sent as `{sent}` instead of `{target}`"
    )))
}

fn check_range(what: &str, value: u64, min: u64, max: u64) -> Result<(), MnsError> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(MnsError::InvalidInput(format!(
        "{what} must be between {min} and {max}, not {value}"
    )))
}

fn check_message(message: &OutgoingMessage) -> Result<(), MnsError> {
    if let Some(delay) = message.delay_seconds {
        check_range("delay seconds", delay.into(), 0, MAX_DELAY_SECONDS.into())?;
    }
    if let Some(priority) = message.priority {
        check_range("priority", priority.into(), 1, 16)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::StaticCredentials;

    const DATE: &str = "Thu, 17 Mar 2016 08:20:43 GMT";

    fn creds() -> Credentials {
        Credentials::new("testAccessKeyId", "testAccessKeySecret")
    }

    fn header<'a>(headers: &'a [(&str, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn signed_headers_reproduce_captured_c1_send() {
        let body = encode::message(&OutgoingMessage::new("aGVsbG8gd29ybGQ=")).unwrap();
        let h = signed_headers(
            "POST",
            "/queues/TestQueue/messages",
            Some(&body),
            DATE,
            &creds(),
        );
        assert_eq!(
            header(&h, "content-md5"),
            Some("OGNkNzFiZmRkNGI3ZDk2ZjlhZjcwZDRiYTkwMWJlYTM=")
        );
        assert_eq!(header(&h, "content-type"), Some("text/xml;charset=UTF-8"));
        assert_eq!(
            header(&h, "authorization"),
            Some("MNS testAccessKeyId:Dhm3FfzuV2Y0KSsa6WlUooHo8AM=")
        );
        assert_eq!(header(&h, "x-mns-version"), Some("2015-06-06"));
        assert_eq!(header(&h, "date"), Some(DATE));
    }

    #[test]
    fn signed_headers_reproduce_captured_c5_sts_receive() {
        let sts = Credentials::new("STS.testAccessKeyId", "testAccessKeySecret")
            .with_security_token("testSecurityToken");
        let h = signed_headers(
            "GET",
            "/queues/TestQueue/messages?waitseconds=10",
            None,
            DATE,
            &sts,
        );
        assert_eq!(
            header(&h, "authorization"),
            Some("MNS STS.testAccessKeyId:GXDWWmrjYu3M0uy6u7nqtrVvSZg=")
        );
        assert_eq!(header(&h, "security-token"), Some("testSecurityToken"));
        assert_eq!(
            header(&h, "content-type"),
            None,
            "no body, no content headers"
        );
        assert_eq!(header(&h, "content-md5"), None);
    }

    #[test]
    fn signed_headers_reproduce_captured_c6_and_c9() {
        let h = signed_headers(
            "GET",
            "/queues/TestQueue/messages?numOfMessages=16&waitseconds=30",
            None,
            DATE,
            &creds(),
        );
        assert_eq!(
            header(&h, "authorization"),
            Some("MNS testAccessKeyId:o4vBGeYSbyqAI0M30NxJQnh+zwU=")
        );
        let target = "/queues/TestQueue/messages?ReceiptHandle=1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==&VisibilityTimeout=60";
        let h = signed_headers("PUT", target, None, DATE, &creds());
        assert_eq!(
            header(&h, "authorization"),
            Some("MNS testAccessKeyId:tZtKdPr9PHTLCYzGEn/y6phzm5I=")
        );
    }

    fn queue() -> Queue {
        let provider = Arc::new(StaticCredentials::new(creds()));
        MnsClient::new("http://127.0.0.1:9", provider)
            .unwrap()
            .queue("Alicom-Queue-1-ChatAppInbound")
    }

    #[tokio::test]
    async fn ranges_are_checked_before_sending() {
        // Port 9 (discard) is never contacted: every call below fails validation first.
        let q = queue();
        let invalid = |r: Result<(), MnsError>| matches!(r, Err(MnsError::InvalidInput(_)));
        assert!(invalid(q.batch_receive(0, 30).await.map(drop)));
        assert!(invalid(q.batch_receive(17, 30).await.map(drop)));
        assert!(invalid(q.batch_receive(16, 31).await.map(drop)));
        assert!(invalid(q.receive(31).await.map(drop)));
        assert!(invalid(q.change_visibility("h", 0).await.map(drop)));
        assert!(invalid(q.change_visibility("h", 43_201).await.map(drop)));
        assert!(invalid(
            q.batch_delete(&vec!["h".to_owned(); 17]).await.map(drop)
        ));
        let bad_priority = OutgoingMessage {
            priority: Some(0),
            ..OutgoingMessage::new("x")
        };
        assert!(invalid(q.send(&bad_priority).await.map(drop)));
        let too_late = OutgoingMessage {
            delay_seconds: Some(604_801),
            ..OutgoingMessage::new("x")
        };
        assert!(invalid(q.batch_send(&[too_late]).await.map(drop)));
        assert!(invalid(q.batch_send(&[]).await.map(drop)));
        let err = q.batch_receive(17, 30).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid request: number of messages must be between 1 and 16, not 17"
        );
    }

    #[tokio::test]
    async fn empty_batch_delete_sends_nothing() {
        assert!(queue().batch_delete(&[]).await.unwrap().all_deleted());
    }

    #[test]
    fn queue_names_are_encoded_into_the_path() {
        let provider = Arc::new(StaticCredentials::new(creds()));
        let client = MnsClient::new("https://h.example/", provider).unwrap();
        assert_eq!(client.endpoint(), "https://h.example");
        assert_eq!(
            client.queue("Alicom-Queue-1-ChatAppInbound").path,
            "/queues/Alicom-Queue-1-ChatAppInbound"
        );
        assert_eq!(client.queue("a/b?c").path, "/queues/a%2Fb%3Fc");
    }
}
