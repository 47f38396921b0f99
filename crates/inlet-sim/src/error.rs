//! Errors: `ApiError` is a protocol answer (an MNS `<Error>` or a POP JSON error) that the
//! simulator deliberately sends; `SimError` is the crate's error enum for its Rust API.

use std::path::PathBuf;

/// An error the simulator answers with: HTTP status, service error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn queue_not_exist() -> Self {
        Self::new(
            404,
            "QueueNotExist",
            "The queue name you provided is not exist.",
        )
    }

    pub fn queue_already_exist() -> Self {
        Self::new(
            409,
            "QueueAlreadyExist",
            "The queue you want to create is already exist.",
        )
    }

    pub fn message_not_exist() -> Self {
        Self::new(404, "MessageNotExist", "Message not exist.")
    }

    pub fn receipt_handle_error() -> Self {
        Self::new(
            400,
            "ReceiptHandleError",
            "The receipt handle you provide is not valid.",
        )
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", message)
    }

    /// "The value of {element} should between {low} and {high} {unit}." (the service's wording).
    pub fn out_of_range(element: &str, low: i64, high: i64, unit: &str) -> Self {
        Self::invalid_argument(format!(
            "The value of {element} should between {low} and {high}{unit}."
        ))
    }

    pub fn malformed_xml() -> Self {
        Self::new(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed.",
        )
    }

    pub fn schema(element: &str) -> Self {
        Self::invalid_argument(format!(
            "The XML you provided did not validate against our published schema, cause by {element}."
        ))
    }

    pub fn internal() -> Self {
        Self::new(500, "InternalError", "Interal error.")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// Errors of the simulator's Rust API.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("state directory {path}: {source}")]
    StateIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file {path} is not a valid snapshot (refusing to overwrite it): {reason}")]
    StateCorrupt { path: PathBuf, reason: String },
    #[error("{0}")]
    Api(ApiError),
}

impl From<ApiError> for SimError {
    fn from(e: ApiError) -> Self {
        SimError::Api(e)
    }
}
