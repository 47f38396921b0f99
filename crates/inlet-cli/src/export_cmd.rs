//! `inlet export`: stored messages and quarantined bodies, for hand-over and backup.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use inlet_core::store::Store;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// JSON Lines: one object per message and per quarantined body (shape: docs/export.md).
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

pub fn run(args: ExportArgs) -> Result<(), String> {
    if !args.db.exists() {
        return Err(format!("no database at {}", args.db.display()));
    }
    let reader = Store::open_reader(&args.db)
        .map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            inlet_core::export::export_json_lines(&reader, &mut out).map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(|e| e.to_string())
}
