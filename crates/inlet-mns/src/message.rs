//! Plain data the queue operations take and return (spec §4).

use serde::Serialize;

use crate::body::{DecodedBody, decode_body};
use crate::error::MnsError;

/// One message as `ReceiveMessage`/`BatchReceiveMessage` returned it (spec §4.5). Numeric fields
/// the service left out or garbled read as 0: they are informational, and refusing the whole batch
/// over them would stall the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedMessage {
    pub message_id: String,
    /// Opaque; valid until `next_visible_time_ms` and only until the next receive of this message.
    pub receipt_handle: String,
    /// Upper-case hex MD5 of `body` as the service computed it ("" if absent).
    pub body_md5: String,
    /// The `MessageBody` text, XML-unescaped but otherwise as sent (normally base64 of JSON).
    pub body: String,
    pub enqueue_time_ms: u64,
    pub first_dequeue_time_ms: u64,
    pub next_visible_time_ms: u64,
    pub dequeue_count: u32,
    pub priority: u8,
}

impl ReceivedMessage {
    /// Decodes `body` per spec §6 and checks it against `body_md5`.
    pub fn decode_body(&self) -> DecodedBody {
        decode_body(&self.body, &self.body_md5)
    }

    /// `body_md5` matches the body (the check of [`ReceivedMessage::decode_body`] alone, for
    /// callers that decode the bytes themselves).
    pub fn md5_ok(&self) -> bool {
        crate::sign::message_body_md5(&self.body).eq_ignore_ascii_case(self.body_md5.trim())
    }
}

/// A message to send (tests and the local queue's producer use this; Inlet itself only reads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutgoingMessage {
    /// The `MessageBody` text; XML-escaped on the way out.
    pub body: String,
    /// 0..=604800 seconds.
    pub delay_seconds: Option<u32>,
    /// 1..=16, 1 is highest.
    pub priority: Option<u8>,
}

impl OutgoingMessage {
    pub fn new(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }
}

/// The answer to a successful send (spec §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendResult {
    pub message_id: String,
    pub body_md5: String,
    /// Only for delayed messages.
    pub receipt_handle: Option<String>,
}

/// Queue settings for `CreateQueue` (spec §4.1); `None` leaves the service default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueConfig {
    pub delay_seconds: Option<u32>,
    pub maximum_message_size: Option<u32>,
    pub message_retention_period: Option<u32>,
    pub visibility_timeout: Option<u32>,
    pub polling_wait_seconds: Option<u32>,
    pub logging_enabled: Option<bool>,
}

/// `GetQueueAttributes` (spec §4.2). Times are seconds since the epoch; absent numbers read as 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct QueueAttributes {
    pub queue_name: String,
    pub create_time: u64,
    pub last_modify_time: u64,
    pub delay_seconds: u64,
    pub maximum_message_size: u64,
    pub message_retention_period: u64,
    pub visibility_timeout: u64,
    pub polling_wait_seconds: u64,
    pub active_messages: u64,
    pub inactive_messages: u64,
    pub delay_messages: u64,
    pub logging_enabled: bool,
}

/// The answer to `ChangeMessageVisibility` (spec §4.10): the old handle is dead, use this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisibilityChanged {
    pub receipt_handle: String,
    pub next_visible_time_ms: u64,
}

/// What `BatchDeleteMessage` could not delete; every handle not listed was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct BatchDeleteOutcome {
    pub failed: Vec<(String, MnsError)>,
}

impl BatchDeleteOutcome {
    pub fn all_deleted(&self) -> bool {
        self.failed.is_empty()
    }
}
