//! The shell's error type and the shape in which errors reach the UI.

use serde::{Serialize, Serializer};
use ts_rs::TS;

/// Everything that can go wrong in a command of the desktop shell.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot find a folder for Inlet's data: {0}")]
    DataDir(#[source] tauri::Error),
    #[error("{action} failed: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Store(#[from] inlet_core::StoreError),
    /// The settings file cannot be read or written, or a setting is not acceptable.
    #[error("{0}")]
    Settings(String),
    #[error("{0}")]
    Secrets(#[from] inlet_core::secrets::SecretsError),
    /// Alibaba Cloud (or the demo queue) refused or could not be reached; an operator sentence.
    #[error("{0}")]
    Connection(String),
    #[error("the demo could not start: {0}")]
    Demo(String),
    #[error("no inbox is open yet: explore the demo or connect to Alibaba Cloud first")]
    NoInbox,
    #[error("{0} not found")]
    NotFound(String),
    /// Something the UI sent that cannot be used (an empty AccessKey, a link that is not http).
    #[error("{0}")]
    Invalid(String),
    #[error("cannot open it: {0}")]
    Open(String),
    #[error("this command is only for automated tests (set INLET_TEST_HOOKS=1)")]
    TestHooksDisabled,
    /// A background task failed in a way that is a bug, not an outside condition.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Machine-readable category of an [`AppError`], so the UI can react without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ErrorKind {
    DataDir,
    Io,
    Store,
    Settings,
    Secrets,
    Connection,
    Demo,
    NoInbox,
    NotFound,
    Invalid,
    Open,
    TestHooksDisabled,
    Internal,
}

/// What a failed command sends to the UI (the rejected value of `invoke`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    /// A complete sentence for people; the UI shows it as text.
    pub message: String,
}

impl AppError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::DataDir(_) => ErrorKind::DataDir,
            AppError::Io { .. } => ErrorKind::Io,
            AppError::Store(inlet_core::StoreError::NotFound(_)) => ErrorKind::NotFound,
            AppError::Store(_) => ErrorKind::Store,
            AppError::Settings(_) => ErrorKind::Settings,
            AppError::Secrets(_) => ErrorKind::Secrets,
            AppError::Connection(_) => ErrorKind::Connection,
            AppError::Demo(_) => ErrorKind::Demo,
            AppError::NoInbox => ErrorKind::NoInbox,
            AppError::NotFound(_) => ErrorKind::NotFound,
            AppError::Invalid(_) => ErrorKind::Invalid,
            AppError::Open(_) => ErrorKind::Open,
            AppError::TestHooksDisabled => ErrorKind::TestHooksDisabled,
            AppError::Internal(_) => ErrorKind::Internal,
        }
    }

    pub fn io(action: impl Into<String>, source: std::io::Error) -> AppError {
        AppError::Io {
            action: action.into(),
            source,
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("a background task failed: {error}"))
    }
}

impl From<tauri::Error> for AppError {
    fn from(error: tauri::Error) -> Self {
        AppError::Internal(error.to_string())
    }
}

impl From<&AppError> for ErrorPayload {
    fn from(error: &AppError) -> Self {
        ErrorPayload {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

// Tauri sends a command's error to the UI through serde; the payload keeps the message that
// `Display` produces, which a derived `Serialize` would lose.
impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorPayload::from(self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_kind_and_readable_message() {
        let error = AppError::DataDir(tauri::Error::UnknownPath);
        let json = serde_json::to_value(&error).expect("an error payload is plain JSON");
        assert_eq!(json["kind"], "dataDir");
        let message = json["message"].as_str().expect("message is a string");
        assert!(
            message.starts_with("cannot find a folder for Inlet's data: "),
            "{message}"
        );
        assert!(message.len() > "cannot find a folder for Inlet's data: ".len());
    }

    #[test]
    fn a_missing_conversation_is_not_found_not_a_database_failure() {
        let error = AppError::from(inlet_core::StoreError::NotFound("conversation 7".into()));
        let json = serde_json::to_value(&error).expect("plain JSON");
        assert_eq!(json["kind"], "notFound");
        assert_eq!(json["message"], "conversation 7 not found");
    }

    #[test]
    fn connection_errors_carry_the_operator_sentence_unchanged() {
        let sentence = "The AccessKey ID `LTAI5t` does not exist: check Settings → Credentials.";
        let json = serde_json::to_value(AppError::Connection(sentence.into())).expect("JSON");
        assert_eq!(json["kind"], "connection");
        assert_eq!(json["message"], sentence);
    }
}
