//! `inlet media`: how the attachments stand — saved, pending, at risk, lost.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use inlet_core::media::{MediaItem, MediaStatus, filename, media_status};
use inlet_core::store::Store;

#[derive(Debug, Args)]
pub struct MediaArgs {
    /// The database `inlet sync` writes.
    #[arg(long)]
    db: PathBuf,
    /// Print the summary as one JSON object (fields: see `MediaStatus` in inlet-core).
    #[arg(long)]
    json: bool,
    /// How many of the soonest deadlines to list.
    #[arg(long, default_value_t = 10)]
    limit: u32,
}

pub fn run(args: MediaArgs) -> Result<(), String> {
    if !args.db.exists() {
        return Err(format!("no database at {}", args.db.display()));
    }
    let reader = Store::open_reader(&args.db)
        .map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let now = now_ms();
    let status = media_status(&reader, now, args.limit).map_err(|e| e.to_string())?;
    if args.json {
        let value = serde_json::json!({ "now_ms": now, "status": status });
        println!("{value}");
    } else {
        print!("{}", summary(&status, now));
    }
    Ok(())
}

/// The human-readable summary.
fn summary(s: &MediaStatus, now: i64) -> String {
    let c = &s.counts;
    let mut out = format!(
        "attachments: {} (saved {}, queued {}, downloading {}, retrying {}, expired {}, too large {})\n",
        c.total(),
        c.saved,
        c.queued,
        c.downloading,
        c.retrying,
        c.expired,
        c.too_large
    );
    out.push_str(&format!(
        "saved: {} ({} on disk after de-duplication)",
        size(s.bytes_saved),
        size(s.bytes_on_disk)
    ));
    if s.mime_mismatches > 0 {
        out.push_str(&format!("; {} not of the declared type", s.mime_mismatches));
    }
    out.push('\n');
    out.push_str(&format!(
        "at risk (URL dies within 48 h, not saved yet): {}\n",
        s.at_risk
    ));
    if !s.next_deadlines.is_empty() {
        out.push_str("next deadlines:\n");
        for item in &s.next_deadlines {
            out.push_str(&deadline_line(item, now));
        }
    }
    let m = &s.maps;
    out.push_str(&format!(
        "maps: {} locations ({} with tiles, {} pending, {} without); {} tiles cached ({})\n",
        m.locations,
        m.saved,
        m.pending,
        m.failed,
        m.tiles_cached,
        size(m.tile_bytes)
    ));
    out
}

fn deadline_line(item: &MediaItem, now: i64) -> String {
    let left = item.deadline_ms - now;
    let when = if left > 0 {
        format!("dies in {}", duration(left))
    } else {
        format!("died {} ago", duration(-left))
    };
    let name = item
        .display_name
        .clone()
        .or_else(|| item.filename.as_deref().and_then(filename::sanitize))
        .map(|n| format!(" {}", printable(&n)))
        .unwrap_or_default();
    let error = item
        .last_error
        .as_deref()
        .map(|e| format!(" — {}", printable(e)))
        .unwrap_or_default();
    format!(
        "  #{} {}{name}: {when}, {} after {} attempt(s){error}\n",
        item.id,
        item.kind.as_str(),
        item.state.as_str(),
        item.attempts
    )
}

/// Names and errors come from outside: no control characters reach the terminal.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

fn duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days {} h", m / (24 * 60), m / 60 % 24),
    }
}

fn size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(1_500_000), "1.5 MB");
        assert_eq!(duration(5 * 60_000), "5 min");
        assert_eq!(duration(125 * 60_000), "2 h 5 min");
        assert_eq!(duration(3 * 24 * 3_600_000 + 3_600_000), "3 days 1 h");
    }

    #[test]
    fn control_characters_from_names_do_not_reach_the_terminal() {
        assert_eq!(printable("evil\u{1b}[2Jname\n"), "evil[2Jname");
    }
}
