//! `inlet import`: reads a JSON Lines export back into a store (new or existing).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use clap::Args;
use inlet_core::store::Store;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The store to import into (created if missing).
    #[arg(long)]
    db: PathBuf,
    /// A file written by `inlet export --format json`.
    file: PathBuf,
}

pub fn run(args: ImportArgs) -> Result<(), String> {
    let file =
        File::open(&args.file).map_err(|e| format!("cannot open {}: {e}", args.file.display()))?;
    let mut store =
        Store::open(&args.db).map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let report = inlet_core::export::import_json_lines(&mut store, BufReader::new(file))
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}
