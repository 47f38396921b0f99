//! `inlet search`: the app's search from the command line, printing the matching messages as
//! JSON Lines in the export's shape, newest first.

use std::io::Write;
use std::path::PathBuf;

use chrono::{Local, NaiveDate, NaiveDateTime, TimeZone};
use clap::Args;
use inlet_core::search::{MessageKind, SearchQuery};
use inlet_core::store::{Search, Store};

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[arg(long)]
    db: PathBuf,
    /// What to find. Any text: quotes, `AND`, `*` or `NEAR(` are just characters. Words must all
    /// occur; 1–2 character words (e.g. 你好) are found too.
    query: String,
    /// Only this channel (WabaId, or else CustSpaceId).
    #[arg(long)]
    channel: Option<String>,
    /// Only this conversation (its id, as in the export's `conversation_id`).
    #[arg(long)]
    conversation: Option<i64>,
    /// Only these kinds: text, image, video, audio, document, location, reply, system,
    /// contacts, unsupported (repeat or separate with commas).
    #[arg(long = "type", value_delimiter = ',')]
    types: Vec<String>,
    /// Sent at or after: YYYY-MM-DD (local midnight), YYYY-MM-DDTHH:MM, RFC 3339, or Unix ms.
    #[arg(long)]
    since: Option<String>,
    /// Sent before: same forms; a bare date includes that whole day.
    #[arg(long)]
    until: Option<String>,
    /// At most this many messages.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

pub fn run(args: SearchArgs) -> Result<(), String> {
    if !args.db.exists() {
        return Err(format!("no database at {}", args.db.display()));
    }
    let reader = Store::open_reader(&args.db)
        .map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let kinds = args
        .types
        .iter()
        .map(|t| MessageKind::parse(t).ok_or_else(|| format!("unknown --type {t:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut query = SearchQuery {
        text: args.query.clone(),
        channel: args.channel.clone(),
        conversation_id: args.conversation,
        kinds,
        since_ms: args
            .since
            .as_deref()
            .map(|s| parse_time(s, false))
            .transpose()?,
        until_ms: args
            .until
            .as_deref()
            .map(|s| parse_time(s, true))
            .transpose()?,
        ..SearchQuery::default()
    };
    // Pages follow each other (also past a scan's per-page budget) until the limit is reached.
    let mut rowids = Vec::new();
    while (rowids.len() as u32) < args.limit {
        query.limit = Some(args.limit - rowids.len() as u32);
        let page = reader.search(&query).map_err(|e| e.to_string())?;
        rowids.extend(page.hits.iter().map(|h| h.rowid));
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    inlet_core::export::export_messages_json_lines(&reader, &rowids, &mut out)
        .map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

/// A time bound in Unix ms: `YYYY-MM-DD` (local midnight; as an upper bound, the next midnight,
/// so the day is included), `YYYY-MM-DDTHH:MM[:SS]` (local), RFC 3339, or Unix milliseconds.
pub fn parse_time(s: &str, upper: bool) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    let local = |naive: NaiveDateTime| {
        Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| format!("{s:?} does not exist in the local time zone"))
    };
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
            return local(naive);
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let day = if upper {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        return local(day.and_time(chrono::NaiveTime::MIN));
    }
    Err(format!(
        "cannot read the time {s:?}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM, RFC 3339 or Unix ms"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_accepted_form() {
        assert_eq!(parse_time("1700000000000", false), Ok(1_700_000_000_000));
        assert_eq!(
            parse_time("2024-03-01T10:00:00Z", false),
            Ok(1_709_287_200_000)
        );
        let start = parse_time("2024-03-01", false).unwrap();
        let end = parse_time("2024-03-01", true).unwrap();
        // A whole day (23 to 25 hours across a daylight-saving change).
        assert!((23 * 3_600_000..=25 * 3_600_000).contains(&(end - start)));
        assert!(parse_time("2024-03-01T10:30", false).is_ok());
        assert!(parse_time("last tuesday", false).is_err());
    }
}
