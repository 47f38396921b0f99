//! Benchmark helper: receive + delete in batches of 16 until the queue is empty, nothing stored.
//! Prints `{"messages": N, "seconds": S}`. Used by tests/bench/queue_bench.py beside the official
//! Python SDK doing the same loop on the same simulator.
//!
//! usage: receive_delete ENDPOINT QUEUE ACCESS_KEY_ID   (secret in INLET_BENCH_SECRET)

use std::sync::Arc;
use std::time::Instant;

use inlet_mns::{Credentials, MAX_BATCH, MnsClient, StaticCredentials};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, endpoint, queue, id] = args.as_slice() else {
        return Err("usage: receive_delete ENDPOINT QUEUE ACCESS_KEY_ID".into());
    };
    let secret = std::env::var("INLET_BENCH_SECRET")?;
    let client = MnsClient::new(
        endpoint,
        Arc::new(StaticCredentials::new(Credentials::new(id, secret))),
    )?;
    let queue = client.queue(queue.as_str());
    let started = Instant::now();
    let mut messages = 0usize;
    loop {
        let batch = queue.batch_receive(MAX_BATCH, 1).await?;
        if batch.is_empty() {
            break;
        }
        messages += batch.len();
        let handles: Vec<String> = batch.into_iter().map(|m| m.receipt_handle).collect();
        let outcome = queue.batch_delete(&handles).await?;
        assert!(outcome.all_deleted(), "delete failed: {:?}", outcome.failed);
    }
    let seconds = started.elapsed().as_secs_f64() - 1.0; // the final empty long poll waited 1 s
    println!("{{\"messages\": {messages}, \"seconds\": {seconds:.3}}}");
    Ok(())
}
