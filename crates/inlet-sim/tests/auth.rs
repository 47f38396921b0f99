//! Signature checks over real HTTP (spec §3).

mod common;

use common::{Mns, QUEUE, escape, start, start_with};
use inlet_sim::Faults;

#[tokio::test]
async fn signed_requests_pass_and_answers_carry_service_headers() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let a = mns.call("GET", &format!("/queues/{QUEUE}"), None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("server").as_deref(), Some("AliyunMQS"));
    assert_eq!(a.headers.get_all("server").iter().count(), 1);
    assert_eq!(a.header("x-mns-version").as_deref(), Some("2015-06-06"));
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("text/xml;charset=utf-8")
    );
    let id = a.header("x-mns-request-id").unwrap();
    assert!(
        id.len() == 24
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()),
        "{id}"
    );
    for el in [
        "QueueName",
        "CreateTime",
        "LastModifyTime",
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "VisibilityTimeout",
        "PollingWaitSeconds",
        "ActiveMessages",
        "InactiveMessages",
        "DelayMessages",
        "LoggingEnabled",
    ] {
        assert!(a.el(el).is_some(), "missing {el} in {}", a.body);
    }
    assert_eq!(a.el("QueueName").as_deref(), Some(QUEUE));
}

#[tokio::test]
async fn wrong_secret_unknown_key_and_missing_headers_are_refused() {
    let sim = start().await;
    let target = format!("/queues/{QUEUE}");
    let wrong = Mns::with_key(&sim, common::ID, "not-the-secret", None);
    let a = wrong.call("GET", &target, None).await;
    assert_eq!(
        (a.status, a.code().as_deref()),
        (403, Some("SignatureDoesNotMatch"))
    );
    // Every error carries all four elements the Python SDK insists on.
    for el in ["Code", "Message", "RequestId", "HostId"] {
        assert!(a.el(el).is_some(), "missing {el}: {}", a.body);
    }
    assert_eq!(a.el("RequestId"), a.header("x-mns-request-id"));

    let unknown = Mns::with_key(&sim, "nobody", common::SECRET, None);
    let a = unknown.call("GET", &target, None).await;
    assert_eq!(
        (a.status, a.code().as_deref()),
        (403, Some("InvalidAccessKeyId"))
    );

    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}{target}", sim.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<Code>MissingAuthorizationHeader</Code>")
    );
}

/// The signature covers the request-target exactly as sent (spec §3.1): `%3D` signed and sent
/// passes; `=` signed but `%3D` sent fails, even though both decode to the same value.
#[tokio::test]
async fn signature_covers_the_raw_request_target() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let sent = format!(
        "/queues/{QUEUE}/messages?ReceiptHandle={}",
        escape("1-AAAA==")
    );
    assert!(sent.ends_with("1-AAAA%3D%3D"));
    let a = mns.call_signed_as("DELETE", &sent, &sent, None).await;
    // Authenticated; the handle itself is garbage.
    assert_eq!(
        (a.status, a.code().as_deref()),
        (400, Some("ReceiptHandleError")),
        "{}",
        a.body
    );

    let decoded = format!("/queues/{QUEUE}/messages?ReceiptHandle=1-AAAA==");
    let a = mns.call_signed_as("DELETE", &sent, &decoded, None).await;
    assert_eq!(
        (a.status, a.code().as_deref()),
        (403, Some("SignatureDoesNotMatch"))
    );
}

#[tokio::test]
async fn date_is_checked_against_the_server_clock_and_skew_fault() {
    let sim = start().await;
    let mns = Mns::new(&sim);
    let target = format!("/queues/{QUEUE}");
    let old = "Thu, 17 Mar 2016 08:20:43 GMT";
    let a = mns.send("GET", &target, &target, None, old).await.unwrap();
    assert_eq!((a.status, a.code().as_deref()), (408, Some("TimeExpired")));

    // The server's clock runs 20 minutes fast: a correct Date is now too old.
    sim.set_faults(Faults {
        clock_skew_secs: 20 * 60,
        ..Faults::default()
    });
    let a = mns.call("GET", &target, None).await;
    assert_eq!((a.status, a.code().as_deref()), (408, Some("TimeExpired")));
    sim.set_faults(Faults {
        clock_skew_secs: 10 * 60,
        ..Faults::default()
    });
    assert_eq!(mns.call("GET", &target, None).await.status, 200);
}

/// Moving the simulator clock (to expire things) does not make real-clock Dates "expired".
#[tokio::test]
async fn date_check_uses_the_real_clock_not_the_movable_one() {
    let sim = start().await;
    sim.clock()
        .advance(std::time::Duration::from_secs(7 * 24 * 3600));
    let a = Mns::new(&sim)
        .call("GET", &format!("/queues/{QUEUE}"), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn clock_check_can_be_switched_off() {
    let sim = start_with(|c| c.check_clock = false).await;
    let mns = Mns::new(&sim);
    let target = format!("/queues/{QUEUE}");
    let a = mns
        .send(
            "GET",
            &target,
            &target,
            None,
            "Thu, 17 Mar 2016 08:20:43 GMT",
        )
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    let a = mns
        .send("GET", &target, &target, None, "not a date")
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.code().as_deref()),
        (400, Some("InvalidDateHeader"))
    );
}

#[tokio::test]
async fn sts_keys_need_their_token() {
    let sim = start().await;
    sim.add_sts_key("STS.k", "s", "tok", None);
    let target = format!("/queues/{QUEUE}");
    assert_eq!(
        Mns::with_key(&sim, "STS.k", "s", Some("tok"))
            .call("GET", &target, None)
            .await
            .status,
        200
    );
    for token in [None, Some("other")] {
        let a = Mns::with_key(&sim, "STS.k", "s", token)
            .call("GET", &target, None)
            .await;
        assert_eq!((a.status, a.code().as_deref()), (403, Some("AccessDenied")));
    }
}
