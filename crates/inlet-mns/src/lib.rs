//! inlet-mns: a client for Alibaba Cloud Simple Message Queue (formerly MNS), API 2015-06-06,
//! as Chat App Message Service uses it to deliver inbound WhatsApp messages.
//!
//! - [`MnsClient`] / [`Queue`]: signed queue operations (receive, delete, visibility, send...).
//! - [`ChatAppTokenProvider`] / [`StaticCredentials`]: where the signing keys come from.
//! - [`Poller`]: the long-poll loop with backoff, publishing [`Connectivity`].
//! - [`decode_body`]: base64/raw JSON detection and the MD5 check of a received body.

pub mod acs3;
pub mod body;
pub mod client;
pub mod credentials;
pub mod error;
mod http;
pub mod message;
pub mod poller;
pub mod sign;
pub mod token;
pub mod xml;

pub use body::{BodyEncoding, DecodedBody, decode_body};
pub use client::{MAX_BATCH, MAX_VISIBILITY_SECONDS, MAX_WAIT_SECONDS, MnsClient, Queue};
pub use credentials::{CredentialProvider, Credentials, CredentialsFuture, StaticCredentials};
pub use error::{ErrorInfo, ErrorOrigin, MnsError, NetworkKind};
pub use message::{
    BatchDeleteOutcome, OutgoingMessage, QueueAttributes, QueueConfig, ReceivedMessage, SendResult,
    VisibilityChanged,
};
pub use poller::{Backoff, Connectivity, PollConfig, Poller};
pub use token::{
    ChatAppTokenProvider, Clock, DEFAULT_MESSAGE_TYPE, DEFAULT_MNS_ENDPOINT,
    DEFAULT_TOKEN_ENDPOINT, INTL_MNS_ENDPOINT, INTL_TOKEN_ENDPOINT, TemporaryToken, TokenConfig,
};
