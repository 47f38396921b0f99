//! `inlet`: the command-line side of Inlet.
//!
//! - `inlet sim`    the local queue (for demos, tests and development)
//! - `inlet sync`   the headless collector (same engine as the desktop app)
//! - `inlet export` messages as JSON Lines, CSV or an offline HTML folder
//! - `inlet import` a JSON Lines export back into a store
//! - `inlet backup` / `inlet restore` the whole store in one verified file
//! - `inlet media`  the state of saved attachments
//! - `inlet search` full-text search over stored messages

mod backup_cmd;
mod export_cmd;
mod import_cmd;
mod media_cmd;
mod search_cmd;
mod sim_cmd;
mod sync_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "inlet",
    version,
    about = "Inlet: keep every WhatsApp message your ChatApp queue receives"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local queue: MNS-compatible server, token endpoint and media host.
    Sim(sim_cmd::SimArgs),
    /// Collect messages from the queue into a database (the desktop app's engine, headless).
    Sync(sync_cmd::SyncArgs),
    /// Export messages as JSON Lines, CSV or an offline HTML folder.
    Export(export_cmd::ExportArgs),
    /// Read a JSON Lines export back into a store.
    Import(import_cmd::ImportArgs),
    /// Find messages (printed as JSON Lines in the export's shape, newest first).
    Search(search_cmd::SearchArgs),
    /// Back up the whole store (database, attachments, map tiles) into one file.
    Backup(backup_cmd::BackupArgs),
    /// Restore a backup made by `inlet backup`, verifying it first.
    Restore(backup_cmd::RestoreArgs),
    /// Show how the attachments stand: saved, pending, at risk, lost.
    Media(media_cmd::MediaArgs),
}

/// Resolves on Ctrl-C (or SIGTERM on Unix), so every command stops cleanly.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("INLET_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sim(args) => sim_cmd::run(args).await,
        Command::Sync(args) => sync_cmd::run(args).await,
        Command::Export(args) => export_cmd::run(args),
        Command::Import(args) => import_cmd::run(args),
        Command::Search(args) => search_cmd::run(args),
        Command::Backup(args) => backup_cmd::backup(args),
        Command::Restore(args) => backup_cmd::restore(args),
        Command::Media(args) => media_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
