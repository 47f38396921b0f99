//! Exporting what the store holds, and reading an export back:
//! - [`json`]: JSON Lines, complete (raw bodies, attachments' state, labels, notes), the format
//!   [`import`] rebuilds a store from;
//! - [`csv`]: one row per message for spreadsheets;
//! - [`html`]: a folder that opens offline in any browser, with media and map tiles.

pub mod csv;
pub mod html;
pub mod import;
pub mod json;
mod rows;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use self::csv::export_csv;
pub use html::{HtmlExportReport, HtmlOptions, escape_html, export_html, sanitise_file_name};
pub use import::{ImportReport, import_json_lines};
pub use json::{export_json_lines, export_json_lines_scoped, export_messages_json_lines};

/// Which messages an export covers: everything by default, or one chat, or a date range, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ExportScope {
    #[ts(type = "number | null")]
    pub conversation_id: Option<i64>,
    /// Messages sent at or after this time (Unix ms).
    #[ts(type = "number | null")]
    pub since_ms: Option<i64>,
    /// Messages sent before this time (Unix ms, exclusive).
    #[ts(type = "number | null")]
    pub until_ms: Option<i64>,
}
