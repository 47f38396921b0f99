//! Spec §3.6: the exact bytes the official Python SDK 1.3.0 sent (fake keys, frozen Date) are
//! accepted by the simulator when its clock check is off. Sent over one raw keep-alive TCP
//! connection, as the SDK does, so nothing between the test and the server rewrites them.

mod common;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const DATE: &str = "Thu, 17 Mar 2016 08:20:43 GMT";
const UA: &str = "aliyun-sdk-python/1.3.0(Linux/6.18.44-fc-v769/x86_64;3.11.7)";
const XML_DECL: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

struct Captured {
    name: &'static str,
    method: &'static str,
    target: &'static str,
    md5: Option<&'static str>,
    body: String,
    auth: &'static str,
    sts: bool,
    expect: (u16, Option<&'static str>),
}

/// The request line and headers in the SDK's order (CRLF line endings, as on the wire).
fn bytes(c: &Captured) -> Vec<u8> {
    let mut s = format!(
        "{} {} HTTP/1.1\r\nAccept-Encoding: identity\r\n",
        c.method, c.target
    );
    s += &format!(
        "Content-Length: {}\r\nConnection: Keep-Alive\r\n",
        c.body.len()
    );
    if let Some(md5) = c.md5 {
        s += &format!("content-md5: {md5}\r\ncontent-type: text/xml;charset=UTF-8\r\n");
    }
    s += &format!(
        "x-mns-version: 2015-06-06\r\nhost: 127.0.0.1:18080\r\ndate: {DATE}\r\nuser-agent: {UA}\r\n"
    );
    s += &format!("Authorization: MNS {}\r\n", c.auth);
    if c.sts {
        s += "security-token: testSecurityToken\r\n";
    }
    s += "\r\n";
    s += &c.body;
    s.into_bytes()
}

fn msg(body: &str) -> String {
    format!(
        r#"{XML_DECL}<Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>{body}</MessageBody></Message>"#
    )
}

fn captured() -> Vec<Captured> {
    let c = |name, method, target, md5, body: String, auth, expect| Captured {
        name,
        method,
        target,
        md5,
        body,
        auth,
        sts: false,
        expect,
    };
    let handles = r#"<ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1/"><ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==</ReceiptHandle><ReceiptHandle>1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==</ReceiptHandle></ReceiptHandles>"#;
    let batch = r#"<Messages xmlns="http://mns.aliyuncs.com/doc/v1/"><Message><MessageBody>YQ==</MessageBody></Message><Message><MessageBody>Yg==</MessageBody></Message></Messages>"#;
    let queue = r#"<Queue xmlns="http://mns.aliyuncs.com/doc/v1/"><VisibilityTimeout>30</VisibilityTimeout><PollingWaitSeconds>0</PollingWaitSeconds></Queue>"#;
    let mut c5 = c(
        "C5",
        "GET",
        "/queues/TestQueue/messages?waitseconds=10",
        None,
        String::new(),
        "STS.testAccessKeyId:GXDWWmrjYu3M0uy6u7nqtrVvSZg=",
        (200, None),
    );
    c5.sts = true;
    vec![
        c(
            "C7",
            "PUT",
            "/queues/TestQueue",
            Some("ODg0MGUyMTc1MDcyOTU0MmIwNTBiZWEyOWMyZjc0MzI="),
            format!("{XML_DECL}{queue}"),
            "testAccessKeyId:YMmGg3vempZZLae5es1bqgBw8Go=",
            (201, None),
        ),
        c(
            "C8",
            "GET",
            "/queues/TestQueue",
            None,
            String::new(),
            "testAccessKeyId:aYdTnCjZGo3m0/vA45/eralBPM8=",
            (200, None),
        ),
        c(
            "C1",
            "POST",
            "/queues/TestQueue/messages",
            Some("OGNkNzFiZmRkNGI3ZDk2ZjlhZjcwZDRiYTkwMWJlYTM="),
            msg("aGVsbG8gd29ybGQ="),
            "testAccessKeyId:Dhm3FfzuV2Y0KSsa6WlUooHo8AM=",
            (201, None),
        ),
        c(
            "C4",
            "POST",
            "/queues/TestQueue/messages",
            Some("MzViMmNiZmQ3NzYwYzRmZDQyNGQxZGNjZGRhMWZlYTI="),
            msg("{&quot;k&quot;:&quot;中文&quot;}"),
            "testAccessKeyId:XhLRJ7KXIN++wOJ02KTsl2gagwA=",
            (201, None),
        ),
        c(
            "C11",
            "POST",
            "/queues/TestQueue/messages",
            Some("YWM1NjE1YzlmNWE5ODNmZjY4MzRjMGI4YTVhNTFmNTg="),
            format!("{XML_DECL}{batch}"),
            "testAccessKeyId:jY315uqUFuhFPIXL9qiI6xZv0n0=",
            (201, None),
        ),
        c(
            "C12",
            "GET",
            "/queues/TestQueue/messages?peekonly=true",
            None,
            String::new(),
            "testAccessKeyId:sPKsyVULKvMGDBuIiySb32w77bk=",
            (200, None),
        ),
        c(
            "C2",
            "GET",
            "/queues/TestQueue/messages?waitseconds=30",
            None,
            String::new(),
            "testAccessKeyId:e5ucqjtITlGWiW6ogC8+YhcOdfg=",
            (200, None),
        ),
        c5,
        c(
            "C6",
            "GET",
            "/queues/TestQueue/messages?numOfMessages=16&waitseconds=30",
            None,
            String::new(),
            "testAccessKeyId:o4vBGeYSbyqAI0M30NxJQnh+zwU=",
            (200, None),
        ),
        // The documentation's handles are well-formed but name no message here.
        c(
            "C3",
            "DELETE",
            "/queues/TestQueue/messages?ReceiptHandle=1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==",
            None,
            String::new(),
            "testAccessKeyId:+hVa2jHPCikYWABqoblIglFxOiI=",
            (404, Some("MessageNotExist")),
        ),
        c(
            "C9",
            "PUT",
            "/queues/TestQueue/messages?ReceiptHandle=1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==&VisibilityTimeout=60",
            None,
            String::new(),
            "testAccessKeyId:tZtKdPr9PHTLCYzGEn/y6phzm5I=",
            (404, Some("MessageNotExist")),
        ),
        c(
            "C10",
            "DELETE",
            "/queues/TestQueue/messages",
            Some("MzM3ZDE0MDdmYWRkMWE2YzZjOTE0YmIwMzg2M2E1MTE="),
            format!("{XML_DECL}{handles}"),
            "testAccessKeyId:0sV1ppqoiWbJy50BKtJRTglvjPo=",
            (404, Some("MessageNotExist")),
        ),
    ]
}

/// Reads one HTTP/1.1 response with a Content-Length body: (status, head, body).
async fn read_response(r: &mut BufReader<TcpStream>) -> (u16, String, String) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).await.expect("read");
        assert!(n > 0, "connection closed; head so far: {head}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).await.expect("body");
    (status, head, String::from_utf8(body).expect("utf-8 body"))
}

#[tokio::test]
async fn python_sdk_captures_c1_to_c12_are_accepted() {
    let sim = inlet_sim::Sim::start({
        let mut c = inlet_sim::SimConfig::new(common::ID, common::SECRET);
        c.check_clock = false;
        c
    })
    .await
    .unwrap();
    sim.add_sts_key(
        "STS.testAccessKeyId",
        common::SECRET,
        "testSecurityToken",
        None,
    );

    let all = captured();
    // The reconstructed bodies are byte-identical to the captured ones.
    for c in &all {
        if let Some(md5) = c.md5 {
            assert_eq!(
                inlet_mns::sign::content_md5(c.body.as_bytes()),
                md5,
                "{}",
                c.name
            );
        }
    }
    assert_eq!(all.iter().find(|c| c.name == "C1").unwrap().body.len(), 140);
    assert_eq!(all.iter().find(|c| c.name == "C4").unwrap().body.len(), 158);
    assert_eq!(
        all.iter().find(|c| c.name == "C10").unwrap().body.len(),
        249
    );

    let stream = TcpStream::connect(sim.addr()).await.unwrap();
    let mut conn = BufReader::new(stream);
    let mut received = Vec::new();
    for c in &all {
        conn.get_mut().write_all(&bytes(c)).await.unwrap();
        let (status, head, body) = read_response(&mut conn).await;
        let code = common::elements(&body, "Code").into_iter().next();
        let code = code.or_else(|| common::elements(&body, "ErrorCode").into_iter().next());
        assert_eq!(
            (status, code.as_deref()),
            c.expect,
            "{}: {head}{body}",
            c.name
        );
        received.extend(
            common::elements(&body, "MessageBody")
                .into_iter()
                .filter(|_| c.method == "GET" && c.name != "C12"),
        );
    }
    received.sort();
    assert_eq!(
        received,
        ["YQ==", "Yg==", "aGVsbG8gd29ybGQ=", r#"{"k":"中文"}"#]
    );
}
