//! The one error type of this crate: typed by the service's `Code` (spec §5.2), serialisable for
//! the UI, and able to explain itself to an operator in a sentence they can act on.

use serde::Serialize;

/// Which service produced an error: the message queue itself, or the dybaseapi token endpoint
/// that exchanges the long-term AccessKey for temporary queue credentials (spec §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorOrigin {
    Queue,
    TokenService,
}

/// What the service told us, plus the context an operator needs (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// HTTP status of the answer.
    pub status: u16,
    /// The service's error code, verbatim (e.g. `InvalidAccessKeyId.NotFound`).
    pub code: String,
    /// The service's own message text.
    pub message: String,
    /// From the XML/JSON `RequestId`, else the `x-mns-request-id` header.
    pub request_id: Option<String>,
    /// The AccessKey ID the failing request was signed with (IDs are not secret).
    pub access_key_id: Option<String>,
    /// The queue the request addressed, when there was one.
    pub queue: Option<String>,
    pub origin: ErrorOrigin,
}

impl ErrorInfo {
    /// A bare record for `origin`; callers fill in what they know.
    pub fn new(
        origin: ErrorOrigin,
        status: u16,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            request_id: None,
            access_key_id: None,
            queue: None,
            origin,
        }
    }

    /// Temporary keys issued by the token service start with `STS.`; an error about such a key
    /// is fixed by fetching a new one, an error about the long-term key needs the operator.
    fn key_is_temporary(&self) -> bool {
        self.origin == ErrorOrigin::Queue
            && self
                .access_key_id
                .as_deref()
                .is_some_and(|id| id.starts_with("STS."))
    }

    fn key(&self) -> &str {
        self.access_key_id.as_deref().unwrap_or("(none)")
    }

    fn queue_name(&self) -> &str {
        self.queue.as_deref().unwrap_or("(unknown)")
    }

    fn request_suffix(&self) -> String {
        match &self.request_id {
            Some(id) => format!(" (request ID {id})"),
            None => String::new(),
        }
    }
}

/// The way a connection failed before any answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// DNS, TCP or TLS set-up failed.
    Connect,
    /// The connection broke while the request or answer was in flight.
    Reset,
    /// No (complete) answer within the time limit.
    Timeout,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MnsError {
    #[error("MessageNotExist: {}", .0.message)]
    MessageNotExist(Box<ErrorInfo>),
    #[error("QueueNotExist: {}", .0.message)]
    QueueNotExist(Box<ErrorInfo>),
    #[error("{}: {}", .0.code, .0.message)]
    SignatureDoesNotMatch(Box<ErrorInfo>),
    #[error("{}: {}", .0.code, .0.message)]
    InvalidAccessKeyId(Box<ErrorInfo>),
    #[error("{}: {}", .0.code, .0.message)]
    AccessDenied(Box<ErrorInfo>),
    #[error("{}: {}", .0.code, .0.message)]
    TimeExpired(Box<ErrorInfo>),
    #[error("ReceiptHandleError: {}", .0.message)]
    ReceiptHandleError(Box<ErrorInfo>),
    #[error("{}: {}", .0.code, .0.message)]
    QpsLimitExceeded(Box<ErrorInfo>),
    /// The service failed on its side (HTTP 5xx).
    #[error("server error HTTP {}: {} {}", .0.status, .0.code, .0.message)]
    Server(Box<ErrorInfo>),
    /// Any other code the service sent; `code` keeps it verbatim.
    #[error("{} (HTTP {}): {}", .0.code, .0.status, .0.message)]
    OtherServer(Box<ErrorInfo>),
    /// No answer: connecting, sending or receiving failed.
    #[error("network error ({kind:?}) talking to {endpoint}: {detail}")]
    Network {
        kind: NetworkKind,
        endpoint: String,
        detail: String,
    },
    /// An answer arrived but could not be understood.
    #[error("malformed answer (HTTP {status}): {detail}")]
    Malformed {
        status: u16,
        request_id: Option<String>,
        detail: String,
    },
    /// The caller asked for something the service would refuse (checked before sending).
    #[error("invalid request: {0}")]
    InvalidInput(String),
    /// Local set-up is unusable (endpoint URL, credential characters).
    #[error("configuration problem: {0}")]
    Config(String),
}

impl MnsError {
    /// Maps a service error code to its typed variant (spec §5.2, plus the POP codes of the
    /// token service such as `InvalidAccessKeyId.NotFound`).
    pub fn from_info(info: ErrorInfo) -> Self {
        Self::classify(info, true)
    }

    /// Like [`from_info`](Self::from_info) for one entry of a batch answer: the HTTP status
    /// belongs to the whole batch, so only the entry's code decides (an `InvalidArgument` entry in
    /// a 500 answer is not a server failure).
    pub fn from_batch_entry(info: ErrorInfo) -> Self {
        Self::classify(info, false)
    }

    fn classify(info: ErrorInfo, status_decides: bool) -> Self {
        let info = Box::new(info);
        let code = info.code.as_str();
        match code {
            "MessageNotExist" => Self::MessageNotExist(info),
            "QueueNotExist" => Self::QueueNotExist(info),
            "ReceiptHandleError" => Self::ReceiptHandleError(info),
            "SignatureDoesNotMatch" | "IncompleteSignature" => Self::SignatureDoesNotMatch(info),
            c if c.starts_with("InvalidAccessKeyId") || c.starts_with("InvalidSecurityToken") => {
                Self::InvalidAccessKeyId(info)
            }
            c if c == "AccessDenied"
                || c.starts_with("Forbidden")
                || c.starts_with("NoPermission") =>
            {
                Self::AccessDenied(info)
            }
            c if c == "TimeExpired" || c.starts_with("InvalidTimeStamp") => Self::TimeExpired(info),
            c if c == "QpsLimitExceeded" || c.starts_with("Throttling") => {
                Self::QpsLimitExceeded(info)
            }
            "InternalError" | "InternalServerError" | "ServiceUnavailable" => Self::Server(info),
            _ if status_decides && info.status >= 500 => Self::Server(info),
            _ => Self::OtherServer(info),
        }
    }

    /// The service's details, when the service answered with an error.
    pub fn info(&self) -> Option<&ErrorInfo> {
        match self {
            Self::MessageNotExist(i)
            | Self::QueueNotExist(i)
            | Self::SignatureDoesNotMatch(i)
            | Self::InvalidAccessKeyId(i)
            | Self::AccessDenied(i)
            | Self::TimeExpired(i)
            | Self::ReceiptHandleError(i)
            | Self::QpsLimitExceeded(i)
            | Self::Server(i)
            | Self::OtherServer(i) => Some(i.as_ref()),
            _ => None,
        }
    }

    /// The service's error code, or a short name for local failures.
    pub fn code(&self) -> &str {
        match self {
            Self::Network { .. } => "Network",
            Self::Malformed { .. } => "Malformed",
            Self::InvalidInput(_) => "InvalidInput",
            Self::Config(_) => "Config",
            other => other.info().map_or("", |i| i.code.as_str()),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Malformed { request_id, .. } => request_id.as_deref(),
            other => other.info().and_then(|i| i.request_id.as_deref()),
        }
    }

    /// Worth trying the same request again after a pause: the cause is transient.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Server(_)
                | Self::Network { .. }
                | Self::QpsLimitExceeded(_)
                | Self::Malformed { .. }
        )
    }

    /// The keys (long-term or temporary) were refused; refreshing them, or the operator, fixes it.
    pub fn is_credentials_problem(&self) -> bool {
        matches!(
            self,
            Self::SignatureDoesNotMatch(_) | Self::InvalidAccessKeyId(_) | Self::AccessDenied(_)
        )
    }

    /// One or two sentences an operator understands and can act on. Never contains a secret.
    pub fn operator_message(&self) -> String {
        match self {
            Self::Network { kind, endpoint, .. } => network_message(*kind, endpoint),
            Self::Malformed { status, detail, .. } => format!(
                "The answer from Alibaba Cloud (HTTP {status}) could not be understood ({detail}). Inlet retries \
                 automatically; if this keeps happening, check the endpoint in Settings → Connection, or a proxy \
                 may be altering the traffic."
            ),
            Self::InvalidInput(what) => {
                format!("Inlet refused to send an invalid request: {what}.")
            }
            Self::Config(what) => format!("{what}."),
            Self::SignatureDoesNotMatch(i) => signature_message(i),
            Self::InvalidAccessKeyId(i) => unknown_key_message(i),
            Self::AccessDenied(i) => access_denied_message(i),
            other => other.info().map(server_message).unwrap_or_default(),
        }
    }
}

fn network_message(kind: NetworkKind, endpoint: &str) -> String {
    match kind {
        NetworkKind::Connect => format!(
            "Cannot connect to {endpoint} — check the internet connection, proxy or firewall. Inlet retries \
             automatically."
        ),
        NetworkKind::Reset => format!(
            "The connection to {endpoint} was interrupted. Inlet retries automatically; if this keeps happening, \
             check the network or proxy."
        ),
        NetworkKind::Timeout => format!(
            "{endpoint} did not answer in time. Inlet retries automatically; if this keeps happening, the network \
             is very slow or blocks long-running requests."
        ),
    }
}

fn signature_message(i: &ErrorInfo) -> String {
    if i.key_is_temporary() {
        return format!(
            "The queue rejected the signature made with the temporary key Inlet obtained for your AccessKey; Inlet \
             fetches a new one automatically{}.",
            i.request_suffix()
        );
    }
    format!(
        "Alibaba Cloud says the AccessKey Secret does not match the AccessKey ID `{}` — re-enter the AccessKey \
         Secret in Settings → Credentials (it is shown only once, when the key is created).",
        i.key()
    )
}

fn unknown_key_message(i: &ErrorInfo) -> String {
    if i.key_is_temporary() {
        return format!(
            "The queue does not accept the temporary key `{}` (it has probably expired); Inlet fetches a new one \
             automatically. If this persists, check that the queue endpoint in Settings → Connection is in the same \
             region as the token service{}.",
            i.key(),
            i.request_suffix()
        );
    }
    format!(
        "Alibaba Cloud does not know the AccessKey ID `{}` — check the AccessKey ID in Settings → Credentials; it \
         may have been deleted, disabled or belong to another account.",
        i.key()
    )
}

fn access_denied_message(i: &ErrorInfo) -> String {
    if i.key_is_temporary() {
        return format!(
            "The temporary key issued for your AccessKey may not read queue `{}` — check that the queue name in \
             Settings → Connection is the one your ChatApp channel shows (Alicom-Queue-<account ID>-ChatAppInbound)\
             {}.",
            i.queue_name(),
            i.request_suffix()
        );
    }
    format!(
        "The AccessKey ID `{}` is not allowed to fetch ChatApp messages — give its RAM user permission for Chat App \
         message receipts (dybaseapi QueryTokenForMnsQueue), or use an AccessKey of the account that owns the \
         ChatApp channel (Settings → Credentials).",
        i.key()
    )
}

fn server_message(i: &ErrorInfo) -> String {
    let rid = i.request_suffix();
    match i.code.as_str() {
        "MessageNotExist" => format!(
            "The message is no longer in queue `{}`: it was already deleted, or its receipt handle expired and the \
             queue will deliver it again. Nothing to do.",
            i.queue_name()
        ),
        "QueueNotExist" => format!(
            "There is no queue `{}` — check the queue name in Settings → Connection (it looks like \
             Alicom-Queue-<account ID>-ChatAppInbound) and that message-queue receipts are enabled for your ChatApp \
             channel{rid}.",
            i.queue_name()
        ),
        "ReceiptHandleError" => format!(
            "Queue `{}` did not accept a receipt handle; the message stays in the queue and will be delivered \
             again{rid}.",
            i.queue_name()
        ),
        _ => match_other(i, &rid),
    }
}

fn match_other(i: &ErrorInfo, rid: &str) -> String {
    let service = match i.origin {
        ErrorOrigin::Queue => "The message queue",
        ErrorOrigin::TokenService => "The ChatApp token service",
    };
    if i.code == "TimeExpired" || i.code.starts_with("InvalidTimeStamp") {
        return format!(
            "{service} rejected the request because this computer's clock is off by more than 15 minutes — turn on \
             automatic (network) time in the system settings; Inlet reconnects by itself{rid}."
        );
    }
    if i.code == "QpsLimitExceeded" || i.code.starts_with("Throttling") {
        return format!(
            "{service} asks Inlet to slow down (too many requests); Inlet waits and retries{rid}."
        );
    }
    if i.status >= 500 {
        return format!(
            "{service} had an internal problem (HTTP {}); Inlet retries automatically{}.",
            i.status,
            match &i.request_id {
                Some(id) =>
                    format!(" — if it persists, give Alibaba Cloud support the request ID {id}"),
                None => String::new(),
            }
        );
    }
    format!(
        "{service} answered `{}` (HTTP {}): {}{rid}.",
        i.code,
        i.status,
        i.message.trim().trim_end_matches('.')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: u16, code: &str, key: &str, origin: ErrorOrigin) -> ErrorInfo {
        ErrorInfo {
            request_id: Some("5F2A0000000000000000ABCD".into()),
            access_key_id: Some(key.into()),
            queue: Some("Alicom-Queue-1-ChatAppInbound".into()),
            ..ErrorInfo::new(origin, status, code, "text from the service")
        }
    }

    #[test]
    fn codes_map_to_typed_variants() {
        let q = ErrorOrigin::Queue;
        let t = ErrorOrigin::TokenService;
        let cases: &[(u16, &str, ErrorOrigin, &str)] = &[
            (404, "MessageNotExist", q, "MessageNotExist"),
            (404, "QueueNotExist", q, "QueueNotExist"),
            (403, "SignatureDoesNotMatch", q, "SignatureDoesNotMatch"),
            (403, "InvalidAccessKeyId", q, "InvalidAccessKeyId"),
            (404, "InvalidAccessKeyId.NotFound", t, "InvalidAccessKeyId"),
            (403, "AccessDenied", q, "AccessDenied"),
            (403, "Forbidden.RAM", t, "AccessDenied"),
            (408, "TimeExpired", q, "TimeExpired"),
            (400, "InvalidTimeStamp.Expired", t, "TimeExpired"),
            (400, "ReceiptHandleError", q, "ReceiptHandleError"),
            (400, "QpsLimitExceeded", q, "QpsLimitExceeded"),
            (503, "InternalError", q, "Server"),
            (400, "InvalidArgument", q, "OtherServer"),
        ];
        for (status, code, origin, want) in cases {
            let err = MnsError::from_info(info(*status, code, "LTAIkey", *origin));
            let json = serde_json::to_value(&err).unwrap();
            assert_eq!(json["type"], snake(want), "{code}");
            assert_eq!(json["code"], *code, "the code string is kept verbatim");
            assert_eq!(err.code(), *code);
            assert_eq!(err.request_id(), Some("5F2A0000000000000000ABCD"));
        }
    }

    fn snake(camel: &str) -> String {
        let mut out = String::new();
        for (i, c) in camel.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    #[test]
    fn batch_entries_are_classified_by_their_code_alone() {
        let entry = |code| MnsError::from_batch_entry(info(500, code, "LTAI", ErrorOrigin::Queue));
        assert!(matches!(entry("InvalidArgument"), MnsError::OtherServer(_)));
        assert!(matches!(
            entry("MessageNotExist"),
            MnsError::MessageNotExist(_)
        ));
        assert!(matches!(entry("InternalError"), MnsError::Server(_)));
    }

    #[test]
    fn classification() {
        let e = |status, code| MnsError::from_info(info(status, code, "LTAI", ErrorOrigin::Queue));
        assert!(e(500, "InternalError").is_retryable());
        assert!(e(400, "QpsLimitExceeded").is_retryable());
        assert!(!e(404, "QueueNotExist").is_retryable());
        assert!(!e(403, "SignatureDoesNotMatch").is_retryable());
        for code in [
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId",
            "AccessDenied",
        ] {
            assert!(e(403, code).is_credentials_problem(), "{code}");
        }
        assert!(!e(408, "TimeExpired").is_credentials_problem());
        let net = MnsError::Network {
            kind: NetworkKind::Timeout,
            endpoint: "x".into(),
            detail: "y".into(),
        };
        assert!(net.is_retryable() && !net.is_credentials_problem());
    }

    #[test]
    fn operator_message_for_unknown_long_term_key_names_the_key_and_the_fix() {
        let err = MnsError::from_info(info(
            404,
            "InvalidAccessKeyId.NotFound",
            "LTAI5tExample",
            ErrorOrigin::TokenService,
        ));
        let msg = err.operator_message();
        assert!(msg.contains("`LTAI5tExample`"), "{msg}");
        assert!(msg.contains("Settings → Credentials"), "{msg}");
    }

    #[test]
    fn operator_message_distinguishes_temporary_keys() {
        let sts = MnsError::from_info(info(
            403,
            "InvalidAccessKeyId",
            "STS.tmp",
            ErrorOrigin::Queue,
        ));
        let msg = sts.operator_message();
        assert!(
            msg.contains("temporary key `STS.tmp`") && msg.contains("automatically"),
            "{msg}"
        );
        let long = MnsError::from_info(info(
            403,
            "SignatureDoesNotMatch",
            "LTAIx",
            ErrorOrigin::Queue,
        ));
        assert!(
            long.operator_message()
                .contains("AccessKey Secret does not match the AccessKey ID `LTAIx`")
        );
        let denied = MnsError::from_info(info(403, "AccessDenied", "STS.tmp", ErrorOrigin::Queue));
        assert!(
            denied
                .operator_message()
                .contains("Alicom-Queue-1-ChatAppInbound")
        );
    }

    #[test]
    fn operator_messages_cover_other_cases() {
        let e = |status, code| {
            MnsError::from_info(info(status, code, "LTAI", ErrorOrigin::Queue)).operator_message()
        };
        assert!(e(408, "TimeExpired").contains("clock"));
        assert!(e(404, "QueueNotExist").contains("`Alicom-Queue-1-ChatAppInbound`"));
        assert!(e(500, "InternalError").contains("5F2A0000000000000000ABCD"));
        assert!(
            e(400, "InvalidArgument")
                .contains("`InvalidArgument` (HTTP 400): text from the service")
        );
        let net = MnsError::Network {
            kind: NetworkKind::Connect,
            endpoint: "q.example".into(),
            detail: "dns".into(),
        };
        assert!(
            net.operator_message()
                .starts_with("Cannot connect to q.example")
        );
    }

    #[test]
    fn serialises_for_the_ui() {
        let net = MnsError::Network {
            kind: NetworkKind::Reset,
            endpoint: "h".into(),
            detail: "d".into(),
        };
        let json = serde_json::to_value(&net).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "network", "kind": "reset", "endpoint": "h", "detail": "d"})
        );
    }
}
