//! Response bodies (spec §4, §5). Element order does not matter, unknown elements are ignored,
//! and the namespace is not checked — the same tolerance the official SDKs have.

use super::tree::{Node, parse};
use crate::message::{QueueAttributes, ReceivedMessage, SendResult, VisibilityChanged};

/// The `<Error>` body of a failed request (spec §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub host_id: Option<String>,
}

/// One `<Error>` of a partly failed BatchDeleteMessage (spec §4.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    pub code: String,
    pub message: String,
    pub receipt_handle: String,
}

/// One entry of a BatchSendMessage answer (spec §4.4): sent, or refused with a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendEntry {
    Sent(SendResult),
    Failed { code: String, message: String },
}

/// `<Error>`; `None` when the document is something else.
pub fn error(xml: &str) -> Option<ErrorBody> {
    let root = parse(xml).ok().filter(|r| r.name == "Error")?;
    Some(ErrorBody {
        code: trimmed(&root, "Code")?,
        message: trimmed(&root, "Message").unwrap_or_default(),
        request_id: trimmed(&root, "RequestId"),
        host_id: trimmed(&root, "HostId"),
    })
}

/// `<Errors>`; `None` when the document is something else.
pub fn batch_errors(xml: &str) -> Option<Vec<BatchError>> {
    let root = parse(xml).ok().filter(|r| r.name == "Errors")?;
    let errors = root
        .all("Error")
        .filter_map(|e| {
            Some(BatchError {
                code: trimmed(e, "ErrorCode")?,
                message: trimmed(e, "ErrorMessage").unwrap_or_default(),
                receipt_handle: trimmed(e, "ReceiptHandle")?,
            })
        })
        .collect();
    Some(errors)
}

/// `<Message>` (ReceiveMessage) or `<Messages>` (BatchReceiveMessage). Entries without a message
/// ID or receipt handle are skipped: they could never be acknowledged, and they stay in the queue.
pub fn received(xml: &str) -> Result<Vec<ReceivedMessage>, String> {
    let root = parse(xml)?;
    let nodes: Vec<&Node> = match root.name.as_str() {
        "Message" => vec![&root],
        "Messages" => root.all("Message").collect(),
        other => return Err(format!("expected <Message> or <Messages>, got <{other}>")),
    };
    let total = nodes.len();
    let messages: Vec<ReceivedMessage> = nodes.into_iter().filter_map(received_one).collect();
    if messages.len() < total {
        tracing::warn!(
            skipped = total - messages.len(),
            "received entries without MessageId/ReceiptHandle"
        );
    }
    if messages.is_empty() {
        return Err("no usable <Message> in the answer".into());
    }
    Ok(messages)
}

fn received_one(node: &Node) -> Option<ReceivedMessage> {
    Some(ReceivedMessage {
        message_id: trimmed(node, "MessageId")?,
        receipt_handle: trimmed(node, "ReceiptHandle")?,
        body_md5: trimmed(node, "MessageBodyMD5").unwrap_or_default(),
        body: node.text_of("MessageBody").unwrap_or_default().to_owned(),
        enqueue_time_ms: node.number("EnqueueTime").unwrap_or(0),
        first_dequeue_time_ms: node.number("FirstDequeueTime").unwrap_or(0),
        next_visible_time_ms: node.number("NextVisibleTime").unwrap_or(0),
        dequeue_count: node.number("DequeueCount").unwrap_or(0),
        priority: node.number("Priority").unwrap_or(0),
    })
}

/// `<ChangeVisibility>` (an MQS-era sample used `<Message>`, accepted too).
pub fn change_visibility(xml: &str) -> Result<VisibilityChanged, String> {
    let root = parse(xml)?;
    if root.name != "ChangeVisibility" && root.name != "Message" {
        return Err(format!("expected <ChangeVisibility>, got <{}>", root.name));
    }
    Ok(VisibilityChanged {
        receipt_handle: trimmed(&root, "ReceiptHandle")
            .ok_or("no <ReceiptHandle> in the answer")?,
        next_visible_time_ms: root.number("NextVisibleTime").unwrap_or(0),
    })
}

/// `<Queue>` of GetQueueAttributes.
pub fn queue_attributes(xml: &str) -> Result<QueueAttributes, String> {
    let root = parse(xml)?;
    if root.name != "Queue" {
        return Err(format!("expected <Queue>, got <{}>", root.name));
    }
    let n = |name: &str| root.number::<u64>(name).unwrap_or(0);
    Ok(QueueAttributes {
        queue_name: trimmed(&root, "QueueName").unwrap_or_default(),
        create_time: n("CreateTime"),
        last_modify_time: n("LastModifyTime"),
        delay_seconds: n("DelaySeconds"),
        maximum_message_size: n("MaximumMessageSize"),
        message_retention_period: n("MessageRetentionPeriod"),
        visibility_timeout: n("VisibilityTimeout"),
        polling_wait_seconds: n("PollingWaitSeconds"),
        active_messages: n("ActiveMessages"),
        inactive_messages: n("InactiveMessages"),
        delay_messages: n("DelayMessages"),
        logging_enabled: trimmed(&root, "LoggingEnabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    })
}

/// `<Message>` (SendMessage) or `<Messages>` (BatchSendMessage), in request order.
pub fn send_results(xml: &str) -> Result<Vec<SendEntry>, String> {
    let root = parse(xml)?;
    let nodes: Vec<&Node> = match root.name.as_str() {
        "Message" => vec![&root],
        "Messages" => root.all("Message").collect(),
        other => return Err(format!("expected <Message> or <Messages>, got <{other}>")),
    };
    nodes.into_iter().map(send_entry).collect()
}

fn send_entry(node: &Node) -> Result<SendEntry, String> {
    if let Some(code) = trimmed(node, "ErrorCode") {
        return Ok(SendEntry::Failed {
            code,
            message: trimmed(node, "ErrorMessage").unwrap_or_default(),
        });
    }
    Ok(SendEntry::Sent(SendResult {
        message_id: trimmed(node, "MessageId").ok_or("a sent message without <MessageId>")?,
        body_md5: trimmed(node, "MessageBodyMD5").unwrap_or_default(),
        receipt_handle: trimmed(node, "ReceiptHandle"),
    }))
}

/// Text of an identifier-like element, whitespace trimmed (pretty-printed answers); `None` if
/// absent or empty.
fn trimmed(node: &Node, name: &str) -> Option<String> {
    node.text_of(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec §4.5 receive answer, all nine elements.
    const RECEIVE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Message xmlns="http://mns.aliyuncs.com/doc/v1/">
  <MessageId>A2020CC5EC034CBB-1-1A21268169B-000000001</MessageId>
  <ReceiptHandle>2-QTIwMjBDQzVFQzAzNENCQi0xLTFBMjEyNjgxNjlCLTAwMDAwMDAwMTox</ReceiptHandle>
  <MessageBodyMD5>0E14634A2194897D3C9C97A6587E9471</MessageBodyMD5>
  <MessageBody>eyJUeXBlIjoiVEVYVCJ9</MessageBody>
  <EnqueueTime>1795605141147</EnqueueTime>
  <NextVisibleTime>1795605171158</NextVisibleTime>
  <FirstDequeueTime>1795605141158</FirstDequeueTime>
  <DequeueCount>1</DequeueCount>
  <Priority>8</Priority>
</Message>"#;

    #[test]
    fn receive_reads_all_nine_elements() {
        let got = received(RECEIVE).unwrap();
        assert_eq!(
            got,
            vec![ReceivedMessage {
                message_id: "A2020CC5EC034CBB-1-1A21268169B-000000001".into(),
                receipt_handle: "2-QTIwMjBDQzVFQzAzNENCQi0xLTFBMjEyNjgxNjlCLTAwMDAwMDAwMTox".into(),
                body_md5: "0E14634A2194897D3C9C97A6587E9471".into(),
                body: "eyJUeXBlIjoiVEVYVCJ9".into(),
                enqueue_time_ms: 1795605141147,
                first_dequeue_time_ms: 1795605141158,
                next_visible_time_ms: 1795605171158,
                dequeue_count: 1,
                priority: 8,
            }]
        );
    }

    #[test]
    fn batch_receive_any_order_unknown_elements_and_escaped_bodies() {
        let xml = r#"<Messages xmlns="http://mns.aliyuncs.com/doc/v1/"><Message><Priority>1</Priority>
            <UserProperties><PropertyValue><Name>a</Name></PropertyValue></UserProperties>
            <MessageBody>{&quot;k&quot;:&quot;中 &lt;&amp;&gt;&quot;}</MessageBody><ReceiptHandle>1-ab+c/d==</ReceiptHandle>
            <MessageId>M1</MessageId><DequeueCount>3</DequeueCount></Message>
            <Message><MessageId>M2</MessageId><ReceiptHandle>h2</ReceiptHandle><MessageBody> padded </MessageBody></Message>
            </Messages>"#;
        let got = received(xml).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].body, r#"{"k":"中 <&>"}"#);
        assert_eq!(got[0].receipt_handle, "1-ab+c/d==");
        assert_eq!(
            (
                got[0].priority,
                got[0].dequeue_count,
                got[0].enqueue_time_ms
            ),
            (1, 3, 0)
        );
        assert_eq!(got[1].body, " padded ", "bodies are not trimmed");
    }

    #[test]
    fn receive_skips_unusable_entries_and_rejects_garbage() {
        let xml = "<Messages><Message><MessageId>x</MessageId></Message>\
                   <Message><MessageId>y</MessageId><ReceiptHandle>h</ReceiptHandle></Message></Messages>";
        let got = received(xml).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message_id, "y");
        assert!(received("<Messages></Messages>").is_err());
        assert!(received("<Queue/>").is_err());
        assert!(received("not xml").is_err());
    }

    #[test]
    fn error_body_spec_5_1() {
        let xml = r#"<?xml version="1.0"  encoding="UTF-8"?>
<Error xmlns="http://mns.aliyuncs.com/doc/v1/">
    <Code>InvalidArgument</Code>
    <Message>Authorization header is invalid or missing.</Message>
    <RequestId>04bb60e3-28aa-4706-99b0-9345d834****</RequestId>
    <HostId>mns.cn-hangzhou.aliyuncs.com</HostId>
</Error>"#;
        assert_eq!(
            error(xml),
            Some(ErrorBody {
                code: "InvalidArgument".into(),
                message: "Authorization header is invalid or missing.".into(),
                request_id: Some("04bb60e3-28aa-4706-99b0-9345d834****".into()),
                host_id: Some("mns.cn-hangzhou.aliyuncs.com".into()),
            })
        );
        assert_eq!(error("<Error><Message>no code</Message></Error>"), None);
        assert_eq!(error("<Errors/>"), None);
    }

    #[test]
    fn batch_delete_errors_spec_4_9() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Errors xmlns="http://mns.aliyuncs.com/doc/v1/">
  <Error>
    <ErrorCode>ReceiptHandleError</ErrorCode>
    <ErrorMessage>The receipt handle you provide is not valid.</ErrorMessage>
    <ReceiptHandle>1-ODU4OTkzNDU5NS0xNDM1MTk3NjAwLTItNg==</ReceiptHandle>
  </Error>
  <Error><ReceiptHandle>1-x+y/z=</ReceiptHandle><ErrorCode>MessageNotExist</ErrorCode><ErrorMessage>Message not exist.</ErrorMessage></Error>
</Errors>"#;
        let got = batch_errors(xml).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].code, "ReceiptHandleError");
        assert_eq!(
            got[0].receipt_handle,
            "1-ODU4OTkzNDU5NS0xNDM1MTk3NjAwLTItNg=="
        );
        assert_eq!(
            got[1],
            BatchError {
                code: "MessageNotExist".into(),
                message: "Message not exist.".into(),
                receipt_handle: "1-x+y/z=".into()
            }
        );
        assert_eq!(batch_errors("<Error><Code>X</Code></Error>"), None);
    }

    #[test]
    fn change_visibility_spec_4_10() {
        let xml = r#"<ChangeVisibility xmlns="http://mns.aliyuncs.com/doc/v1/"><ReceiptHandle>2-QTIwMjBDQzVFQzAzNENCQi0xLTFBMjEyNjgxNjlCLTAwMDAwMDAwMToy</ReceiptHandle><NextVisibleTime>1795605201166</NextVisibleTime></ChangeVisibility>"#;
        assert_eq!(
            change_visibility(xml).unwrap(),
            VisibilityChanged {
                receipt_handle: "2-QTIwMjBDQzVFQzAzNENCQi0xLTFBMjEyNjgxNjlCLTAwMDAwMDAwMToy".into(),
                next_visible_time_ms: 1795605201166,
            }
        );
        assert!(change_visibility("<ChangeVisibility/>").is_err());
    }

    #[test]
    fn queue_attributes_spec_4_2() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Queue xmlns="http://mns.aliyuncs.com/doc/v1/"><QueueName>DemoQueue</QueueName><CreateTime>1795605141</CreateTime><LastModifyTime>1795605142</LastModifyTime><DelaySeconds>0</DelaySeconds><MaximumMessageSize>65536</MaximumMessageSize><MessageRetentionPeriod>345600</MessageRetentionPeriod><VisibilityTimeout>30</VisibilityTimeout><PollingWaitSeconds>0</PollingWaitSeconds><ActiveMessages>3</ActiveMessages><InactiveMessages>1</InactiveMessages><DelayMessages>2</DelayMessages><LoggingEnabled>False</LoggingEnabled></Queue>"#;
        let a = queue_attributes(xml).unwrap();
        assert_eq!(a.queue_name, "DemoQueue");
        assert_eq!(
            (a.create_time, a.last_modify_time),
            (1795605141, 1795605142)
        );
        assert_eq!(
            (
                a.maximum_message_size,
                a.message_retention_period,
                a.visibility_timeout
            ),
            (65536, 345600, 30)
        );
        assert_eq!(
            (a.active_messages, a.inactive_messages, a.delay_messages),
            (3, 1, 2)
        );
        assert!(!a.logging_enabled);
        assert!(
            queue_attributes("<Queue><LoggingEnabled>True</LoggingEnabled></Queue>")
                .unwrap()
                .logging_enabled
        );
    }

    #[test]
    fn send_results_single_batch_and_partial() {
        let single = r#"<?xml version="1.0" encoding="utf-8"?>
<Message xmlns="http://mns.aliyuncs.com/doc/v1/">
    <MessageId>D273CD6A89564E54-1-15180395A19-20000****</MessageId>
    <MessageBodyMD5>3AC6DD36D2D6B7283F2F490A0975****</MessageBodyMD5>
</Message>"#;
        assert_eq!(
            send_results(single).unwrap(),
            vec![SendEntry::Sent(SendResult {
                message_id: "D273CD6A89564E54-1-15180395A19-20000****".into(),
                body_md5: "3AC6DD36D2D6B7283F2F490A0975****".into(),
                receipt_handle: None,
            })]
        );
        let batch = "<Messages><Message><MessageId>a</MessageId><MessageBodyMD5>m</MessageBodyMD5>\
                     <ReceiptHandle>7-x</ReceiptHandle></Message>\
                     <Message><ErrorCode>InvalidArgument</ErrorCode><ErrorMessage>too big</ErrorMessage></Message></Messages>";
        let got = send_results(batch).unwrap();
        assert!(
            matches!(&got[0], SendEntry::Sent(r) if r.receipt_handle.as_deref() == Some("7-x"))
        );
        assert_eq!(
            got[1],
            SendEntry::Failed {
                code: "InvalidArgument".into(),
                message: "too big".into()
            }
        );
        assert!(send_results("<Messages><Message/></Messages>").is_err());
    }
}
