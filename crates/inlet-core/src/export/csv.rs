//! CSV export: one row per message, for spreadsheets (an accountant's, say).
//!
//! Quoting is RFC 4180 (the `csv` crate: fields with `,`, `"` or line breaks are quoted, `"`
//! doubled; lines end in CRLF). Cells are written by a spreadsheet as formulas when they start
//! with `=`, `+`, `-` or `@` (or tab / carriage return, which some strip first): such cells get a
//! leading `'`, so a message reading `=HYPERLINK(…)` stays text. Numbers we generate ourselves
//! (ids, milliseconds) are written as they are. Quarantined bodies are not messages and are not
//! in the CSV; the JSON export has them.

use std::io::Write;

use super::ExportScope;
use super::rows::{MessageRow, Order, Organisation, for_each_message};
use crate::decode::Content;
use crate::error::CoreError;
use crate::search::MessageKind;
use crate::store::Queries;

const HEADER: [&str; 24] = [
    "conversation_id",
    "chat",
    "customer_number",
    "labels",
    "contact_note",
    "message_id",
    "time_utc",
    "timestamp_ms",
    "time_estimated",
    "type",
    "kind",
    "from",
    "to",
    "display_name",
    "name",
    "text",
    "latitude",
    "longitude",
    "attachment_state",
    "attachment_path",
    "attachment_mime",
    "attachment_url",
    "channel",
    "duplicates",
];

/// Writes the messages in `scope` as CSV (header row first), by chat and then time. With `bom`,
/// the file starts with a UTF-8 byte-order mark, which Excel needs to read non-Latin text.
/// Returns the number of message rows.
pub fn export_csv(
    source: &impl Queries,
    scope: &ExportScope,
    bom: bool,
    mut writer: impl Write,
) -> Result<usize, CoreError> {
    if bom {
        writer.write_all("\u{feff}".as_bytes())?;
    }
    let mut csv = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(writer);
    csv.write_record(HEADER).map_err(csv_error)?;
    let conn = crate::store::connection_of(source);
    let tx = conn.unchecked_transaction()?;
    let org = Organisation::load(&tx)?;
    let mut rows = 0;
    for_each_message(&tx, scope, Order::ChatThenTime, |m| {
        csv.write_record(record(&m, &org)).map_err(csv_error)?;
        rows += 1;
        Ok(())
    })?;
    csv.flush()?;
    Ok(rows)
}

fn csv_error(e: ::csv::Error) -> CoreError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => CoreError::Io(io),
        other => CoreError::Archive(format!("CSV: {other:?}")),
    }
}

/// One message's cells, in [`HEADER`] order.
fn record(m: &MessageRow, org: &Organisation) -> Vec<String> {
    let chat = org.chats.get(&m.conversation_id);
    let labels: Vec<&str> = chat
        .map(|c| c.labels.iter().map(|l| l.name.as_str()).collect())
        .unwrap_or_default();
    let (lat, lon) = match &m.content {
        Content::Location {
            latitude,
            longitude,
            ..
        } => (latitude.to_string(), longitude.to_string()),
        _ => (String::new(), String::new()),
    };
    let media = m.media.as_ref();
    let text = match m.content.search_text() {
        t if t.trim().is_empty() => m.content.preview(),
        t => t,
    };
    let cells = [
        m.conversation_id.to_string(),
        guard(chat.map_or("", |c| c.title())),
        guard(chat.map_or("", |c| c.customer_number.as_str())),
        guard(&labels.join(", ")),
        guard(org.note_for(&m.from_number).map_or("", |n| n.text.as_str())),
        guard(&m.message_id),
        time_utc(m.timestamp_ms),
        m.timestamp_ms.to_string(),
        m.timestamp_estimated.to_string(),
        guard(&m.msg_type),
        MessageKind::of(&m.content).as_str().to_string(),
        guard(&m.from),
        guard(m.to.as_deref().unwrap_or("")),
        guard(m.display_name.as_deref().unwrap_or("")),
        guard(m.name.as_deref().unwrap_or("")),
        guard(&text),
        lat,
        lon,
        media.map_or("", |md| md.state.as_str()).to_string(),
        guard(media.and_then(|md| md.path.as_deref()).unwrap_or("")),
        guard(media.and_then(|md| md.mime()).unwrap_or("")),
        guard(media.map_or("", |md| md.url.as_str())),
        guard(
            m.waba_id
                .as_deref()
                .or(m.channel_id.as_deref())
                .unwrap_or(""),
        ),
        m.duplicates.to_string(),
    ];
    cells.into()
}

/// A cell a spreadsheet will not run as a formula.
pub(crate) fn guard(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn time_utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_defused_and_the_rest_kept() {
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("+8613800000001"), "'+8613800000001");
        assert_eq!(guard("-x"), "'-x");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("\t=1"), "'\t=1");
        assert_eq!(guard("a=1"), "a=1");
        assert_eq!(guard(""), "");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(time_utc(1_662_104_191_973), "2022-09-02 07:36:31");
    }
}
