//! Queue operations over real HTTP: send/receive/delete, long polling, visibility, handles,
//! batches and limits (spec §4).

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::{Mns, QUEUE, admin, escape, eventually, start};

/// Long polls in these tests wait up to 30 s; anything that should wake them must do so long
/// before that, and this bound (well under 30 s) is the only timing in the tests.
const WELL_BEFORE_THE_WAIT_ENDS: Duration = Duration::from_secs(20);

#[tokio::test]
async fn chatapp_message_round_trip_with_all_receive_elements() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let json = r#"{"MessageId":"wamid.1","Type":"TEXT","Message":"hello <&> 中文","Timestamp":1662104191973}"#;
    let id = sim.send_chatapp(QUEUE, json).unwrap();

    let a = mns.receive(QUEUE, "waitseconds=1").await;
    assert_eq!(a.status, 200, "{}", a.body);
    for el in [
        "MessageId",
        "ReceiptHandle",
        "MessageBodyMD5",
        "MessageBody",
        "EnqueueTime",
        "NextVisibleTime",
        "FirstDequeueTime",
        "DequeueCount",
        "Priority",
    ] {
        assert!(a.el(el).is_some(), "missing {el}: {}", a.body);
    }
    assert_eq!(a.el("MessageId"), Some(id));
    let body = a.el("MessageBody").unwrap();
    assert_eq!(
        B64.decode(&body).unwrap(),
        json.as_bytes(),
        "base64(utf8(json)) like Alibaba's producer"
    );
    assert_eq!(
        a.el("MessageBodyMD5"),
        Some(inlet_mns::sign::message_body_md5(&body))
    );
    assert_eq!(a.el("DequeueCount").as_deref(), Some("1"));
    let enqueue: i64 = a.el("EnqueueTime").unwrap().parse().unwrap();
    let next: i64 = a.el("NextVisibleTime").unwrap().parse().unwrap();
    assert!(next >= enqueue + 30_000, "default VisibilityTimeout 30 s");

    let d = mns.delete(QUEUE, &a.el("ReceiptHandle").unwrap()).await;
    assert_eq!(d.status, 204, "{}", d.body);
    let s = sim.stats(QUEUE).unwrap();
    assert_eq!(
        (s.visible, s.inflight, s.sent, s.received, s.deleted),
        (0, 0, 1, 1, 1)
    );

    let empty = mns.receive(QUEUE, "waitseconds=0").await;
    assert_eq!(
        (empty.status, empty.code().as_deref()),
        (404, Some("MessageNotExist"))
    );
    assert_eq!(empty.el("Message").as_deref(), Some("Message not exist."));
}

#[tokio::test]
async fn long_poll_is_woken_by_a_send() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let poller = mns.clone();
    let poll = tokio::spawn(async move {
        poller
            .receive(QUEUE, "numOfMessages=16&waitseconds=30")
            .await
    });
    eventually("the long poll is parked", || sim.long_polls(QUEUE) == 1).await;
    let sent = mns.send_message(QUEUE, "d2FrZSB1cA==").await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let a = tokio::time::timeout(WELL_BEFORE_THE_WAIT_ENDS, poll)
        .await
        .expect("woken before the wait ended")
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.all("MessageBody"), ["d2FrZSB1cA=="]);
    assert_eq!(a.el("MessageId"), sent.el("MessageId"));
    assert_eq!(sim.long_polls(QUEUE), 0);
}

#[tokio::test]
async fn long_poll_is_woken_by_an_admin_send() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let poll = tokio::spawn(async move { mns.receive(QUEUE, "waitseconds=30").await });
    eventually("the long poll is parked", || sim.long_polls(QUEUE) == 1).await;
    let (status, stats) = admin(&sim, "GET", &format!("queues/{QUEUE}/stats"), None).await;
    assert_eq!((status, stats["long_polls"].as_u64()), (200, Some(1)));
    let (status, sent) = admin(
        &sim,
        "POST",
        &format!("queues/{QUEUE}/chatapp"),
        Some(r#"{"Type":"TEXT"}"#),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let a = tokio::time::timeout(WELL_BEFORE_THE_WAIT_ENDS, poll)
        .await
        .expect("woken")
        .unwrap();
    assert_eq!(a.el("MessageId").as_deref(), sent["MessageId"].as_str());
    assert_eq!(a.el("MessageBody"), Some(B64.encode(r#"{"Type":"TEXT"}"#)));
}

#[tokio::test]
async fn visibility_timeout_expiry_redelivers_with_dequeue_count_2() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    sim.send_raw(QUEUE, "YWdhaW4=").unwrap();
    let first = mns.receive(QUEUE, "waitseconds=0").await;
    assert_eq!(first.el("DequeueCount").as_deref(), Some("1"));
    let first_dequeue = first.el("FirstDequeueTime").unwrap();
    assert_eq!(
        mns.receive(QUEUE, "waitseconds=0").await.status,
        404,
        "in flight"
    );

    // A long poll that is waiting when the visibility timeout passes gets the message.
    let poller = mns.clone();
    let poll = tokio::spawn(async move { poller.receive(QUEUE, "waitseconds=30").await });
    eventually("the long poll is parked", || sim.long_polls(QUEUE) == 1).await;
    sim.clock().advance(Duration::from_secs(31));
    let again = tokio::time::timeout(WELL_BEFORE_THE_WAIT_ENDS, poll)
        .await
        .expect("redelivered")
        .unwrap();
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.el("DequeueCount").as_deref(), Some("2"));
    assert_eq!(again.el("FirstDequeueTime"), Some(first_dequeue));
    assert_eq!(again.el("MessageId"), first.el("MessageId"));
    assert_ne!(again.el("ReceiptHandle"), first.el("ReceiptHandle"));

    // The first handle is stale now (404), garbage is 400.
    let stale = mns.delete(QUEUE, &first.el("ReceiptHandle").unwrap()).await;
    assert_eq!(
        (stale.status, stale.code().as_deref()),
        (404, Some("MessageNotExist"))
    );
    let garbage = mns.delete(QUEUE, "not-a-handle").await;
    assert_eq!(
        (garbage.status, garbage.code().as_deref()),
        (400, Some("ReceiptHandleError"))
    );
    assert_eq!(
        mns.delete(QUEUE, &again.el("ReceiptHandle").unwrap())
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn handles_work_escaped_and_unescaped_and_parameter_names_ignore_case() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    // Enough messages that some handles contain `+` or `/` (and all contain `=`).
    for i in 0..32 {
        sim.send_raw(QUEUE, &format!("bXNn{i}")).unwrap();
    }
    let mut handles = Vec::new();
    for _ in 0..2 {
        let a = mns.receive(QUEUE, "numOfMessages=16").await;
        handles.extend(a.all("ReceiptHandle"));
    }
    assert_eq!(handles.len(), 32);
    assert!(
        handles.iter().any(|h| h.contains('+') || h.contains('/')),
        "{handles:?}"
    );
    for (i, h) in handles.iter().enumerate() {
        // The Python SDK sends handles raw; careful clients percent-encode them.
        let target = if i % 2 == 0 {
            format!("/queues/{QUEUE}/messages?ReceiptHandle={h}")
        } else {
            format!("/queues/{QUEUE}/messages?receiptHandle={}", escape(h))
        };
        let a = mns.call("DELETE", &target, None).await;
        assert_eq!(a.status, 204, "{h}: {}", a.body);
    }
    assert_eq!(sim.stats(QUEUE).unwrap().deleted, 32);
}

#[tokio::test]
async fn partial_batch_delete_reports_exactly_the_failed_handles() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    sim.send_raw(QUEUE, "YQ==").unwrap();
    sim.send_raw(QUEUE, "Yg==").unwrap();
    let got = mns
        .receive(QUEUE, "numOfMessages=16")
        .await
        .all("ReceiptHandle");
    assert_eq!(got.len(), 2);
    let body = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1/"><ReceiptHandle>{}</ReceiptHandle><ReceiptHandle>garbage</ReceiptHandle><ReceiptHandle>{}</ReceiptHandle></ReceiptHandles>"#,
        got[0], got[1]
    );
    let a = mns.call("DELETE", &Mns::messages(QUEUE), Some(&body)).await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert!(a.body.contains("<Errors"), "{}", a.body);
    assert_eq!(a.all("Error").len(), 1);
    assert_eq!(a.all("ErrorCode"), ["ReceiptHandleError"]);
    assert_eq!(a.all("ReceiptHandle"), ["garbage"]);
    assert_eq!(a.all("ErrorMessage").len(), 1);
    let error = &a.all("Error")[0];
    assert_eq!(common::elements(error, "ErrorCode").len(), 1);
    assert!(
        !error.contains("<Code>"),
        "exactly ErrorCode/ErrorMessage/ReceiptHandle: {error}"
    );
    assert_eq!(
        sim.stats(QUEUE).unwrap().deleted,
        2,
        "the good handles were deleted"
    );

    let again = mns.call("DELETE", &Mns::messages(QUEUE), Some(&body)).await;
    assert_eq!(
        again.all("ErrorCode"),
        ["MessageNotExist", "ReceiptHandleError", "MessageNotExist"]
    );
}

#[tokio::test]
async fn change_visibility_returns_a_new_handle() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    sim.send_raw(QUEUE, "dmlz").unwrap();
    let h1 = mns.receive(QUEUE, "").await.el("ReceiptHandle").unwrap();
    let target = format!(
        "/queues/{QUEUE}/messages?ReceiptHandle={}&VisibilityTimeout=60",
        escape(&h1)
    );
    let a = mns.call("PUT", &target, None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("<ChangeVisibility"), "{}", a.body);
    let h2 = a.el("ReceiptHandle").unwrap();
    assert_ne!(h1, h2);
    let next: i64 = a.el("NextVisibleTime").unwrap().parse().unwrap();
    assert!(next >= sim.clock().now_ms() + 55_000);
    assert_eq!(
        mns.call("PUT", &target, None).await.code().as_deref(),
        Some("MessageNotExist")
    );
    let no_timeout = format!("/queues/{QUEUE}/messages?ReceiptHandle={}", escape(&h2));
    assert_eq!(
        mns.call("PUT", &no_timeout, None).await.code().as_deref(),
        Some("MissingVisibilityTimeout")
    );
    sim.clock().advance(Duration::from_secs(45));
    assert_eq!(
        mns.receive(QUEUE, "").await.status,
        404,
        "hidden for 60 s from the change"
    );
    assert_eq!(mns.delete(QUEUE, &h2).await.status, 204);
}

#[tokio::test]
async fn batch_send_batch_receive_and_peek() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let batch = r#"<?xml version="1.0" encoding="utf-8"?><Messages xmlns="http://mns.aliyuncs.com/doc/v1/"><Message><MessageBody>YQ==</MessageBody></Message><Message><MessageBody>Yg==</MessageBody><Priority>1</Priority></Message><Message><MessageBody>Yw==</MessageBody><DelaySeconds>60</DelaySeconds></Message></Messages>"#;
    let a = mns.call("POST", &Mns::messages(QUEUE), Some(batch)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.all("MessageId").len(), 3);
    assert_eq!(
        a.all("MessageBodyMD5")[0],
        inlet_mns::sign::message_body_md5("YQ==")
    );

    let peek = mns.receive(QUEUE, "peekonly=true&numOfMessages=16").await;
    assert_eq!(peek.status, 200, "{}", peek.body);
    assert_eq!(
        peek.all("MessageBody"),
        ["Yg==", "YQ=="],
        "priority 1 first; delayed hidden"
    );
    assert!(peek.el("ReceiptHandle").is_none() && peek.el("NextVisibleTime").is_none());
    assert_eq!(peek.all("FirstDequeueTime"), ["0", "0"]);
    let single_peek = mns.receive(QUEUE, "peekonly=true").await;
    assert!(
        single_peek.body.contains("<Message xmlns"),
        "{}",
        single_peek.body
    );

    let got = mns.receive(QUEUE, "numOfMessages=16&waitseconds=0").await;
    assert!(got.body.contains("<Messages xmlns"));
    assert_eq!(got.all("MessageBody"), ["Yg==", "YQ=="]);
    let s = sim.stats(QUEUE).unwrap();
    assert_eq!((s.inflight, s.delayed), (2, 1));
}

#[tokio::test]
async fn batch_send_reports_invalid_entries() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let batch = r#"<Messages><Message><MessageBody>YQ==</MessageBody></Message><Message><MessageBody>Yg==</MessageBody><Priority>99</Priority></Message></Messages>"#;
    let a = mns.call("POST", &Mns::messages(QUEUE), Some(batch)).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.all("MessageId").len(), 1);
    assert_eq!(a.all("ErrorCode"), ["InvalidArgument"]);
    assert_eq!(sim.stats(QUEUE).unwrap().sent, 1);
}

#[tokio::test]
async fn limits_and_missing_things_have_their_codes() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let cases = [
        (
            "GET",
            format!("{}?numOfMessages=17", Mns::messages(QUEUE)),
            None,
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            format!("{}?numOfMessages=0", Mns::messages(QUEUE)),
            None,
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            format!("{}?waitseconds=31", Mns::messages(QUEUE)),
            None,
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            format!("{}?waitseconds=x", Mns::messages(QUEUE)),
            None,
            400,
            "InvalidArgument",
        ),
        (
            "DELETE",
            Mns::messages(QUEUE),
            None,
            400,
            "MissingReceiptHandle",
        ),
        (
            "PUT",
            format!("{}?VisibilityTimeout=5", Mns::messages(QUEUE)),
            None,
            400,
            "MissingReceiptHandle",
        ),
        (
            "POST",
            Mns::messages(QUEUE),
            Some("<Message>"),
            400,
            "MalformedXML",
        ),
        (
            "POST",
            Mns::messages(QUEUE),
            Some("<Message><Priority>1</Priority></Message>"),
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            "/queues/NoSuchQueue/messages".to_string(),
            None,
            404,
            "QueueNotExist",
        ),
        (
            "GET",
            "/queues/NoSuchQueue".to_string(),
            None,
            404,
            "QueueNotExist",
        ),
        (
            "GET",
            "/elsewhere".to_string(),
            None,
            400,
            "InvalidRequestURL",
        ),
    ];
    for (method, target, body, status, code) in cases {
        let a = mns.call(method, &target, body).await;
        assert_eq!(
            (a.status, a.code().as_deref()),
            (status, Some(code)),
            "{method} {target}: {}",
            a.body
        );
    }
    let big = "x".repeat(65537);
    let a = mns.send_message(QUEUE, &big).await;
    assert_eq!(
        (a.status, a.code().as_deref()),
        (400, Some("InvalidArgument"))
    );
}

#[tokio::test]
async fn queue_lifecycle() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let body = r#"<?xml version="1.0" encoding="utf-8"?><Queue xmlns="http://mns.aliyuncs.com/doc/v1/"><VisibilityTimeout>60</VisibilityTimeout><PollingWaitSeconds>0</PollingWaitSeconds></Queue>"#;
    let created = mns.call("PUT", "/queues/Other-1", Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        created
            .header("location")
            .unwrap()
            .ends_with("/queues/Other-1")
    );
    let same = mns.call("PUT", "/queues/Other-1", Some(body)).await;
    assert_eq!(same.status, 204);
    assert!(same.header("location").is_some(), "Location on 204 too");
    let differs = mns.call("PUT", "/queues/Other-1", None).await;
    assert_eq!(
        (differs.status, differs.code().as_deref()),
        (409, Some("QueueAlreadyExist"))
    );

    let set = r#"<Queue><PollingWaitSeconds>5</PollingWaitSeconds><LoggingEnabled>True</LoggingEnabled></Queue>"#;
    assert_eq!(
        mns.call("PUT", "/queues/Other-1?metaoverride=true", Some(set))
            .await
            .status,
        204
    );
    let attrs = mns.call("GET", "/queues/Other-1", None).await;
    assert_eq!(attrs.el("VisibilityTimeout").as_deref(), Some("60"));
    assert_eq!(attrs.el("PollingWaitSeconds").as_deref(), Some("5"));
    assert_eq!(attrs.el("LoggingEnabled").as_deref(), Some("True"));

    assert_eq!(
        mns.call("DELETE", "/queues/Other-1", None).await.status,
        204
    );
    assert_eq!(mns.call("GET", "/queues/Other-1", None).await.status, 404);
    let bad = mns.call("PUT", "/queues/bad_name", None).await;
    assert_eq!(bad.code().as_deref(), Some("InvalidQueueName"));
}
