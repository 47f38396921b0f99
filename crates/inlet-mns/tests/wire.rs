//! The queue client against a raw TCP listener: what is signed is exactly what goes on the wire.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Recorded, Reply, Server};
use inlet_mns::credentials::CredentialsFuture;
use inlet_mns::sign::{self, MNS_VERSION, SignInput};
use inlet_mns::{
    CredentialProvider, Credentials, MnsClient, MnsError, NetworkKind, OutgoingMessage,
    QueueConfig, StaticCredentials,
};

const SECRET: &str = "testAccessKeySecret";
const HANDLE: &str = "1-ab+c/d==";
const QUEUE: &str = "Alicom-Queue-1234567890123456-ChatAppInbound";

/// Verifies the request the way the service does (spec §3.2): the string-to-sign is rebuilt from
/// the headers received and the raw request-target, then compared with the Authorization header.
fn assert_signed(req: &Recorded, access_key_id: &str) {
    let mns: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-mns-"))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let to_sign = sign::string_to_sign(&SignInput {
        method: &req.method,
        content_md5: req.header("content-md5"),
        content_type: req.header("content-type"),
        date: req.header("date").expect("Date header"),
        headers: &mns,
        resource: &req.target,
    });
    let expected = sign::authorization(access_key_id, &sign::signature(SECRET, &to_sign));
    assert_eq!(
        req.header("authorization"),
        Some(expected.as_str()),
        "signature over {:?}",
        req.target
    );
    assert_eq!(req.header("x-mns-version"), Some(MNS_VERSION));
    assert!(httpdate::parse_http_date(req.header("date").unwrap()).is_ok());
    if !req.body.is_empty() {
        assert_eq!(
            req.header("content-md5"),
            Some(sign::content_md5(&req.body).as_str())
        );
        assert_eq!(req.header("content-type"), Some("text/xml;charset=UTF-8"));
    }
}

fn static_client(server: &Server) -> MnsClient {
    let provider = Arc::new(StaticCredentials::new(Credentials::new(
        "testAccessKeyId",
        SECRET,
    )));
    MnsClient::new(&server.url(), provider).unwrap()
}

/// One received message; `body` is the text before XML escaping (what the MD5 covers).
fn message_xml(id: &str, handle: &str, body: &str) -> String {
    let escaped = quick_xml::escape::escape(body);
    format!(
        "<Message><MessageId>{id}</MessageId><ReceiptHandle>{handle}</ReceiptHandle>\
         <MessageBodyMD5>{}</MessageBodyMD5><MessageBody>{}</MessageBody><EnqueueTime>1795605141147</EnqueueTime>\
         <NextVisibleTime>1795605171158</NextVisibleTime><FirstDequeueTime>1795605141158</FirstDequeueTime>\
         <DequeueCount>1</DequeueCount><Priority>8</Priority></Message>",
        sign::message_body_md5(body),
        escaped
    )
}

#[tokio::test]
async fn receipt_handle_with_plus_slash_equals_goes_on_the_wire_as_signed() {
    let server = Server::start(|_, _| async { Reply::empty(204) }).await;
    let queue = static_client(&server).queue(QUEUE);
    queue.delete(HANDLE).await.unwrap();
    let req = server.next_request().await;
    let target = format!("/queues/{QUEUE}/messages?ReceiptHandle=1-ab%2Bc%2Fd%3D%3D");
    assert_eq!(req.request_line, format!("DELETE {target} HTTP/1.1"));
    assert_eq!(req.target, target);
    assert_signed(&req, "testAccessKeyId");
    assert_eq!(req.header("security-token"), None);
}

#[tokio::test]
async fn change_visibility_sends_the_encoded_handle_and_returns_the_new_one() {
    let server = Server::start(|_, _| async {
        Reply::xml(
            200,
            r#"<ChangeVisibility xmlns="http://mns.aliyuncs.com/doc/v1/"><ReceiptHandle>2-new+/=</ReceiptHandle><NextVisibleTime>1795605201166</NextVisibleTime></ChangeVisibility>"#,
        )
    })
    .await;
    let changed = static_client(&server)
        .queue(QUEUE)
        .change_visibility(HANDLE, 60)
        .await
        .unwrap();
    assert_eq!(
        (
            changed.receipt_handle.as_str(),
            changed.next_visible_time_ms
        ),
        ("2-new+/=", 1795605201166)
    );
    let req = server.next_request().await;
    assert_eq!(
        req.request_line,
        format!(
            "PUT /queues/{QUEUE}/messages?ReceiptHandle=1-ab%2Bc%2Fd%3D%3D&VisibilityTimeout=60 HTTP/1.1"
        )
    );
    assert_signed(&req, "testAccessKeyId");
}

#[tokio::test]
async fn batch_receive_with_sts_credentials() {
    let server = Server::start(|_, _| async {
        Reply::xml(
            200,
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Messages xmlns=\"http://mns.aliyuncs.com/doc/v1/\">{}{}</Messages>",
                message_xml("M1", HANDLE, "eyJUeXBlIjoiVEVYVCJ9"),
                message_xml("M2", "2-x", r#"{"k":"中<&>"}"#)
            ),
        )
    })
    .await;
    let sts = Credentials::new("STS.tmpKey", SECRET).with_security_token("the-token");
    let client = MnsClient::new(&server.url(), Arc::new(StaticCredentials::new(sts))).unwrap();
    let messages = client.queue(QUEUE).batch_receive(16, 30).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].receipt_handle, HANDLE);
    assert!(messages[0].decode_body().md5_ok);
    assert_eq!(messages[1].body, r#"{"k":"中<&>"}"#);
    assert!(
        messages[1].decode_body().md5_ok,
        "MD5 is over the unescaped text"
    );

    let req = server.next_request().await;
    assert_eq!(
        req.request_line,
        format!("GET /queues/{QUEUE}/messages?numOfMessages=16&waitseconds=30 HTTP/1.1")
    );
    assert_signed(&req, "STS.tmpKey");
    assert_eq!(
        req.header("security-token"),
        Some("the-token"),
        "sent, and (checked above) not signed"
    );
    assert_eq!(req.header("content-type"), None);
}

#[tokio::test]
async fn empty_queue_is_an_empty_batch_and_none() {
    let server = Server::start(|_, _| async { Reply::error(404, "MessageNotExist") }).await;
    let queue = static_client(&server).queue(QUEUE);
    assert!(queue.batch_receive(16, 0).await.unwrap().is_empty());
    assert_eq!(queue.receive(0).await.unwrap(), None);
    assert_eq!(
        server.next_request().await.target,
        format!("/queues/{QUEUE}/messages?numOfMessages=16&waitseconds=0")
    );
    assert_eq!(
        server.next_request().await.target,
        format!("/queues/{QUEUE}/messages?waitseconds=0")
    );
}

#[tokio::test]
async fn batch_delete_reports_partial_failures_per_handle() {
    let server = Server::start(|_, _| async {
        Reply::xml(
            404,
            r#"<?xml version="1.0" encoding="UTF-8"?><Errors xmlns="http://mns.aliyuncs.com/doc/v1/"><Error><ErrorCode>MessageNotExist</ErrorCode><ErrorMessage>Message not exist.</ErrorMessage><ReceiptHandle>1-ab+c/d==</ReceiptHandle></Error><Error><ErrorCode>ReceiptHandleError</ErrorCode><ErrorMessage>The receipt handle you provide is not valid.</ErrorMessage><ReceiptHandle>garbage&lt;</ReceiptHandle></Error></Errors>"#,
        )
    })
    .await;
    let handles = vec![HANDLE.to_owned(), "2-ok".to_owned(), "garbage<".to_owned()];
    let outcome = static_client(&server)
        .queue(QUEUE)
        .batch_delete(&handles)
        .await
        .unwrap();
    assert_eq!(outcome.failed.len(), 2);
    assert_eq!(outcome.failed[0].0, HANDLE);
    assert!(matches!(outcome.failed[0].1, MnsError::MessageNotExist(_)));
    assert_eq!(outcome.failed[1].0, "garbage<");
    assert!(matches!(
        outcome.failed[1].1,
        MnsError::ReceiptHandleError(_)
    ));
    assert_eq!(
        outcome.failed[1].1.request_id(),
        Some("5F2A00000000000000000001"),
        "from the header"
    );

    let req = server.next_request().await;
    assert_eq!(
        req.request_line,
        format!("DELETE /queues/{QUEUE}/messages HTTP/1.1")
    );
    let body = String::from_utf8(req.body.clone()).unwrap();
    assert!(body.contains("<ReceiptHandle>1-ab+c/d==</ReceiptHandle><ReceiptHandle>2-ok</ReceiptHandle><ReceiptHandle>garbage&lt;</ReceiptHandle>"), "{body}");
    assert_signed(&req, "testAccessKeyId");
}

#[tokio::test]
async fn send_create_and_attributes_are_signed_with_their_bodies() {
    let server = Server::start(|n, _| async move {
        match n {
            0 => Reply::empty(201),
            1 => Reply::xml(201, "<Message><MessageId>ID1</MessageId><MessageBodyMD5>AB</MessageBodyMD5></Message>"),
            2 => Reply::xml(
                500,
                "<Messages><Message><MessageId>ID2</MessageId><MessageBodyMD5>CD</MessageBodyMD5></Message>\
                 <Message><ErrorCode>InvalidArgument</ErrorCode><ErrorMessage>too big</ErrorMessage></Message></Messages>",
            ),
            _ => Reply::xml(200, "<Queue><QueueName>q</QueueName><VisibilityTimeout>30</VisibilityTimeout></Queue>"),
        }
    })
    .await;
    let queue = static_client(&server).queue(QUEUE);
    queue
        .create(&QueueConfig {
            visibility_timeout: Some(30),
            ..Default::default()
        })
        .await
        .unwrap();
    let sent = queue
        .send(&OutgoingMessage {
            priority: Some(1),
            ..OutgoingMessage::new(r#"{"a":"<&>"}"#)
        })
        .await
        .unwrap();
    assert_eq!(sent.message_id, "ID1");
    let batch = queue
        .batch_send(&[
            OutgoingMessage::new("YQ=="),
            OutgoingMessage::new("x".repeat(10)),
        ])
        .await
        .unwrap();
    assert_eq!(batch[0].as_ref().unwrap().message_id, "ID2");
    assert!(matches!(&batch[1], Err(MnsError::OtherServer(i)) if i.code == "InvalidArgument"));
    assert_eq!(queue.attributes().await.unwrap().visibility_timeout, 30);

    for expected_line in [
        format!("PUT /queues/{QUEUE} HTTP/1.1"),
        format!("POST /queues/{QUEUE}/messages HTTP/1.1"),
        format!("POST /queues/{QUEUE}/messages HTTP/1.1"),
        format!("GET /queues/{QUEUE} HTTP/1.1"),
    ] {
        let req = server.next_request().await;
        assert_eq!(req.request_line, expected_line);
        assert_signed(&req, "testAccessKeyId");
    }
}

/// Counts `invalidate()` calls, to see the client report refused keys.
struct CountingProvider {
    invalidations: AtomicUsize,
}

impl CredentialProvider for CountingProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async { Ok(Credentials::new("LTAIwrong", SECRET)) })
    }

    fn invalidate(&self) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn refused_keys_are_invalidated_and_explained() {
    let server = Server::start(|n, _| async move {
        match n {
            0 => Reply::error(403, "InvalidAccessKeyId"),
            _ => Reply::error(404, "QueueNotExist"),
        }
    })
    .await;
    let provider = Arc::new(CountingProvider {
        invalidations: AtomicUsize::new(0),
    });
    let queue = MnsClient::new(&server.url(), provider.clone())
        .unwrap()
        .queue(QUEUE);
    let err = queue.batch_receive(16, 30).await.unwrap_err();
    assert!(matches!(err, MnsError::InvalidAccessKeyId(_)) && err.is_credentials_problem());
    assert_eq!(
        err.request_id(),
        Some("RID-InvalidAccessKeyId"),
        "the XML RequestId wins over the header"
    );
    assert!(err.operator_message().contains("`LTAIwrong`"));
    assert_eq!(provider.invalidations.load(Ordering::SeqCst), 1);

    let err = queue.attributes().await.unwrap_err();
    assert!(matches!(err, MnsError::QueueNotExist(_)));
    assert!(err.operator_message().contains(QUEUE));
    assert_eq!(
        provider.invalidations.load(Ordering::SeqCst),
        1,
        "not a key problem"
    );
}

#[tokio::test]
async fn server_failures_and_garbage() {
    let server = Server::start(|n, _| async move {
        match n {
            0 => Reply::Http {
                status: 502,
                headers: Vec::new(),
                body: "<html>Bad Gateway</html>".into(),
            },
            1 => Reply::xml(200, "<html>captive portal</html>"),
            _ => Reply::Drop,
        }
    })
    .await;
    let queue = static_client(&server).queue(QUEUE);
    let err = queue.batch_receive(1, 0).await.unwrap_err();
    assert!(
        matches!(err, MnsError::Server(ref i) if i.status == 502) && err.is_retryable(),
        "{err:?}"
    );
    let err = queue.batch_receive(1, 0).await.unwrap_err();
    assert!(
        matches!(err, MnsError::Malformed { status: 200, .. }),
        "{err:?}"
    );
    let err = queue.batch_receive(1, 0).await.unwrap_err();
    assert!(
        matches!(
            err,
            MnsError::Network {
                kind: NetworkKind::Reset,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn unreachable_endpoint_is_a_connect_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let provider = Arc::new(StaticCredentials::new(Credentials::new("id", "s")));
    let queue = MnsClient::new(&format!("http://{addr}"), provider)
        .unwrap()
        .queue(QUEUE);
    let err = queue.receive(0).await.unwrap_err();
    assert!(
        matches!(
            err,
            MnsError::Network {
                kind: NetworkKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.operator_message()
            .starts_with(&format!("Cannot connect to {addr}"))
    );
}
