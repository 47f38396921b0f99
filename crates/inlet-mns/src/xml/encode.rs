//! Request bodies, shaped like the official Python SDK's (spec §3.6 C1, C7, C10, C11), so the
//! captured Content-MD5 values double as tests.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::error::MnsError;
use crate::message::{OutgoingMessage, QueueConfig};

const PROLOG: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;
const NS: &str = "http://mns.aliyuncs.com/doc/v1/";

/// `<Message>` for SendMessage.
pub fn message(msg: &OutgoingMessage) -> Result<String, MnsError> {
    let mut out = format!(r#"{PROLOG}<Message xmlns="{NS}">"#);
    message_fields(&mut out, msg)?;
    out.push_str("</Message>");
    Ok(out)
}

/// `<Messages>` for BatchSendMessage.
pub fn messages(msgs: &[OutgoingMessage]) -> Result<String, MnsError> {
    let mut out = format!(r#"{PROLOG}<Messages xmlns="{NS}">"#);
    for msg in msgs {
        out.push_str("<Message>");
        message_fields(&mut out, msg)?;
        out.push_str("</Message>");
    }
    out.push_str("</Messages>");
    Ok(out)
}

/// `<ReceiptHandles>` for BatchDeleteMessage.
pub fn receipt_handles(handles: &[String]) -> Result<String, MnsError> {
    let mut out = format!(r#"{PROLOG}<ReceiptHandles xmlns="{NS}">"#);
    for handle in handles {
        element(&mut out, "ReceiptHandle", &text(handle)?);
    }
    out.push_str("</ReceiptHandles>");
    Ok(out)
}

/// `<Queue>` for CreateQueue / SetQueueAttributes; unset fields are left out.
pub fn queue(config: &QueueConfig) -> String {
    let mut out = format!(r#"{PROLOG}<Queue xmlns="{NS}">"#);
    let numbers = [
        ("DelaySeconds", config.delay_seconds),
        ("MaximumMessageSize", config.maximum_message_size),
        ("MessageRetentionPeriod", config.message_retention_period),
        ("VisibilityTimeout", config.visibility_timeout),
        ("PollingWaitSeconds", config.polling_wait_seconds),
    ];
    for (name, value) in numbers {
        if let Some(v) = value {
            element(&mut out, name, &v.to_string());
        }
    }
    if let Some(enabled) = config.logging_enabled {
        // The Python SDK's spelling.
        element(
            &mut out,
            "LoggingEnabled",
            if enabled { "True" } else { "False" },
        );
    }
    out.push_str("</Queue>");
    out
}

fn message_fields(out: &mut String, msg: &OutgoingMessage) -> Result<(), MnsError> {
    element(out, "MessageBody", &text(&msg.body)?);
    if let Some(delay) = msg.delay_seconds {
        element(out, "DelaySeconds", &delay.to_string());
    }
    if let Some(priority) = msg.priority {
        element(out, "Priority", &priority.to_string());
    }
    Ok(())
}

fn element(out: &mut String, name: &str, escaped: &str) {
    let _ = write!(out, "<{name}>{escaped}</{name}>");
}

/// XML-escapes text. Characters XML 1.0 cannot carry at all are refused (that is why producers
/// base64-encode); `\r` becomes a character reference so parsers do not turn it into `\n` and
/// change the body's MD5.
fn text(raw: &str) -> Result<String, MnsError> {
    if let Some(bad) = raw.chars().find(|&c| !allowed_in_xml(c)) {
        return Err(MnsError::InvalidInput(format!(
            "text contains the character U+{:04X}, which XML cannot carry; base64-encode the body",
            bad as u32
        )));
    }
    Ok(escape(raw).replace('\r', "&#13;"))
}

/// XML 1.0 `Char` production.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::content_md5;

    #[test]
    fn send_message_matches_captured_c1() {
        let body = message(&OutgoingMessage::new("aGVsbG8gd29ybGQ=")).unwrap();
        assert_eq!(
            body,
            r#"<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>aGVsbG8gd29ybGQ=</MessageBody></Message>"#
        );
        assert_eq!(
            content_md5(body.as_bytes()),
            "OGNkNzFiZmRkNGI3ZDk2ZjlhZjcwZDRiYTkwMWJlYTM="
        );
    }

    #[test]
    fn raw_json_body_is_escaped_like_captured_c4() {
        let body = message(&OutgoingMessage::new(r#"{"k":"中文"}"#)).unwrap();
        assert!(
            body.contains("<MessageBody>{&quot;k&quot;:&quot;中文&quot;}</MessageBody>"),
            "{body}"
        );
        assert_eq!(
            content_md5(body.as_bytes()),
            "MzViMmNiZmQ3NzYwYzRmZDQyNGQxZGNjZGRhMWZlYTI="
        );
    }

    #[test]
    fn batch_send_matches_captured_c11() {
        let body = messages(&[OutgoingMessage::new("YQ=="), OutgoingMessage::new("Yg==")]).unwrap();
        assert_eq!(
            content_md5(body.as_bytes()),
            "YWM1NjE1YzlmNWE5ODNmZjY4MzRjMGI4YTVhNTFmNTg="
        );
    }

    #[test]
    fn batch_delete_matches_captured_c10() {
        let handles = [
            "1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==".to_owned(),
            "1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==".to_owned(),
        ];
        let body = receipt_handles(&handles).unwrap();
        assert_eq!(body.len(), 249);
        assert_eq!(
            content_md5(body.as_bytes()),
            "MzM3ZDE0MDdmYWRkMWE2YzZjOTE0YmIwMzg2M2E1MTE="
        );
    }

    #[test]
    fn create_queue_matches_captured_c7() {
        let config = QueueConfig {
            visibility_timeout: Some(30),
            polling_wait_seconds: Some(0),
            ..Default::default()
        };
        assert_eq!(
            content_md5(queue(&config).as_bytes()),
            "ODg0MGUyMTc1MDcyOTU0MmIwNTBiZWEyOWMyZjc0MzI="
        );
        let logging = queue(&QueueConfig {
            logging_enabled: Some(false),
            ..Default::default()
        });
        assert!(logging.ends_with("<LoggingEnabled>False</LoggingEnabled></Queue>"));
    }

    #[test]
    fn optional_fields_and_escaping() {
        let msg = OutgoingMessage {
            body: "<a>&'\"\r\n".into(),
            delay_seconds: Some(5),
            priority: Some(1),
        };
        let body = message(&msg).unwrap();
        assert!(body.contains(
            "<MessageBody>&lt;a&gt;&amp;&apos;&quot;&#13;\n</MessageBody><DelaySeconds>5</DelaySeconds><Priority>1</Priority>"
        ));
        let back = super::super::tree::parse(&body).unwrap();
        assert_eq!(back.text_of("MessageBody"), Some("<a>&'\"\r\n"));
    }

    #[test]
    fn refuses_characters_xml_cannot_carry() {
        let err = message(&OutgoingMessage::new("a\u{0}b")).unwrap_err();
        assert!(
            matches!(err, MnsError::InvalidInput(ref m) if m.contains("U+0000")),
            "{err:?}"
        );
        assert!(receipt_handles(&["\u{1b}".into()]).is_err());
    }
}
