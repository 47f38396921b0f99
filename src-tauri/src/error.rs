//! The shell's error type and the shape in which errors reach the UI.

use serde::{Serialize, Serializer};
use ts_rs::TS;

/// Everything that can go wrong in a command of the desktop shell.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot find a folder for Inlet's data: {0}")]
    DataDir(#[source] tauri::Error),
}

/// Machine-readable category of an [`AppError`], so the UI can react without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ErrorKind {
    DataDir,
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
        }
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
}
