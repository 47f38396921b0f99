//! `inlet sim`: runs the local queue (MNS + token endpoint + media host) until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use inlet_sim::{Sim, SimConfig};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// AccessKey ID the simulator accepts.
    #[arg(long)]
    access_key_id: String,
    /// AccessKey secret the simulator accepts.
    #[arg(long, env = "INLET_SIM_ACCESS_KEY_SECRET", hide_env_values = true)]
    access_key_secret: String,
    /// Queues to create at start (repeatable).
    #[arg(long = "queue")]
    queues: Vec<String>,
    /// Fill every queue with realistic ChatApp conversations, media included.
    #[arg(long)]
    seed_demo: bool,
    /// Keep queue contents in this folder across restarts.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Do not refuse requests whose Date is more than 15 minutes off (for replaying captures).
    #[arg(long)]
    no_clock_check: bool,
}

pub async fn run(args: SimArgs) -> Result<(), String> {
    let mut config = SimConfig::new(args.access_key_id, args.access_key_secret);
    config.listen = args.listen;
    config.queues = args.queues;
    config.seed_demo = args.seed_demo;
    config.state_dir = args.state;
    config.check_clock = !args.no_clock_check;
    let sim = Sim::start(config)
        .await
        .map_err(|e| format!("inlet sim could not start: {e}"))?;
    // Other tools wait for exactly this line: print it only once connections are accepted.
    println!("inlet-sim listening on {}", sim.endpoint());
    crate::shutdown_signal().await;
    sim.shutdown().await;
    Ok(())
}
