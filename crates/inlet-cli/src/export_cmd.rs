//! `inlet export`: messages for hand-over (JSON Lines, CSV or a browsable HTML folder), a chat or
//! a date range or everything.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use inlet_core::export::{self, ExportScope, HtmlOptions};
use inlet_core::store::{Reader, Store};

use crate::search_cmd::parse_time;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// JSON Lines: one object per message and per quarantined body; `inlet import` reads it back.
    Json,
    /// CSV, one row per message (RFC 4180; formula-like cells defused).
    Csv,
    /// A folder with index.html that opens offline in any browser (needs --out).
    Html,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Where to write: a file for json/csv (default: standard output), a new folder for html.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only this conversation.
    #[arg(long)]
    conversation: Option<i64>,
    /// Messages sent at or after: YYYY-MM-DD, YYYY-MM-DDTHH:MM, RFC 3339 or Unix ms.
    #[arg(long)]
    since: Option<String>,
    /// Messages sent before: same forms; a bare date includes that whole day.
    #[arg(long)]
    until: Option<String>,
    /// html: the folder holding `media/` and `tiles/` for relative paths. Default: the
    /// database's folder.
    #[arg(long)]
    media_dir: Option<PathBuf>,
    /// html: messages per chat page.
    #[arg(long, default_value_t = export::html::DEFAULT_PAGE_SIZE)]
    page_size: u32,
    /// csv: start with a UTF-8 byte-order mark (Excel needs it for non-Latin text).
    #[arg(long)]
    bom: bool,
}

pub fn run(args: ExportArgs) -> Result<(), String> {
    if !args.db.exists() {
        return Err(format!("no database at {}", args.db.display()));
    }
    let reader = Store::open_reader(&args.db)
        .map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let scope = ExportScope {
        conversation_id: args.conversation,
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
    };
    match args.format {
        Format::Html => html(&reader, &scope, &args),
        Format::Json | Format::Csv => stream(&reader, &scope, &args),
    }
}

fn html(reader: &Reader, scope: &ExportScope, args: &ExportArgs) -> Result<(), String> {
    let out = args
        .out
        .clone()
        .ok_or("--format html needs --out DIR (a new or empty folder)")?;
    let options = HtmlOptions {
        media_dir: args.media_dir.clone(),
        page_size: args.page_size,
        ..HtmlOptions::new(out)
    };
    let report = export::export_html(reader, scope, &options).map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn stream(reader: &Reader, scope: &ExportScope, args: &ExportArgs) -> Result<(), String> {
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::new(&mut out);
    match args.format {
        Format::Csv => export::export_csv(reader, scope, args.bom, &mut out).map(drop),
        _ => export::export_json_lines_scoped(reader, scope, &mut out).map(drop),
    }
    .map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}
