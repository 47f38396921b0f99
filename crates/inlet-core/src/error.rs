//! The crate's errors. [`CoreError`] is what crosses into the app and the UI: it serialises as
//! `{ "kind": "...", "message": "..." }`. The decoder and the store have their own precise types,
//! nested in it.

use serde::{Serialize, Serializer};

/// Why a queue message body could not be read as MO messages. The message is meant for the
/// operator's quarantine view, so it says what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the body is not valid UTF-8 (first bad byte at offset {valid_up_to})")]
    NotUtf8 { valid_up_to: usize },
    #[error("the body is not JSON, even read leniently: {0}")]
    Json(String),
    #[error("{}expected a JSON object, found {found}", at(*.index))]
    NotAnObject {
        index: Option<usize>,
        found: &'static str,
    },
    #[error("the body is an empty array: it holds no messages")]
    Empty,
    #[error("{}required field `{field}` is missing or empty", at(*.index))]
    MissingField {
        field: &'static str,
        index: Option<usize>,
    },
}

fn at(index: Option<usize>) -> String {
    index
        .map(|i| format!("message [{i}]: "))
        .unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON could not be read or written: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "the database is at schema version {found}, newer than this Inlet understands ({supported}); update Inlet"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error(
        "the database is at schema version {found} but version {needed} is needed; open it for writing first so it is upgraded"
    )]
    NotMigrated { found: i64, needed: i64 },
    #[error("the database did not switch to WAL journaling (journal_mode is {0})")]
    NoWal(String),
    #[error("{0} not found")]
    NotFound(String),
    /// A value the caller supplied (e.g. a label name or colour) that cannot be stored.
    #[error("invalid {0}")]
    Invalid(String),
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// An export, import, backup or restore that cannot go ahead (the message says why).
    #[error("{0}")]
    Archive(String),
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Store(StoreError::Sqlite(e))
    }
}

impl CoreError {
    /// A stable machine-readable kind for the UI to branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            CoreError::Decode(_) => "decode",
            CoreError::Store(StoreError::NotFound(_)) => "not_found",
            CoreError::Store(StoreError::SchemaTooNew { .. }) => "schema_too_new",
            CoreError::Store(StoreError::Invalid(_)) => "invalid",
            CoreError::Store(_) => "store",
            CoreError::Io(_) => "io",
            CoreError::Json(_) => "json",
            CoreError::Archive(_) => "archive",
        }
    }
}

impl Serialize for CoreError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("CoreError", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_error_serialises_as_kind_and_message() {
        let e = CoreError::from(DecodeError::MissingField {
            field: "From",
            index: Some(2),
        });
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "decode", "message": "message [2]: required field `From` is missing or empty"})
        );
        let e = CoreError::from(StoreError::NotFound("conversation 7".into()));
        assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "not_found");
    }
}
