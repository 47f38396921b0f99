//! `inlet backup` and `inlet restore`: the whole store (database, attachments, map tiles) in one
//! verified file.

use std::path::PathBuf;

use clap::Args;
use inlet_core::backup;

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[arg(long)]
    db: PathBuf,
    /// The backup file to write (must not exist).
    #[arg(long)]
    out: PathBuf,
    /// The folder holding `media/` and `tiles/` (sync's `--data-dir`). Default: the database's
    /// folder.
    #[arg(long)]
    media_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file.
    #[arg(long)]
    from: PathBuf,
    /// Where the database goes.
    #[arg(long)]
    db: PathBuf,
    /// Where attachments and tiles go. Default: the database's folder.
    #[arg(long)]
    media_dir: Option<PathBuf>,
    /// Replace an existing database.
    #[arg(long)]
    force: bool,
}

pub fn backup(args: BackupArgs) -> Result<(), String> {
    let report = backup::create_backup(&args.db, args.media_dir.as_deref(), &args.out)
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}

pub fn restore(args: RestoreArgs) -> Result<(), String> {
    let report =
        backup::restore_backup(&args.from, &args.db, args.media_dir.as_deref(), args.force)
            .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}
