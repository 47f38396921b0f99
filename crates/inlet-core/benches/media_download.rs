//! Media keeper throughput against the simulator's media host on this machine, beside
//! `curl --parallel` fetching the same files in the same run. Prints figures; asserts nothing.
//!
//! ```text
//! cargo bench -p inlet-core --bench media_download -- [FILES] [CONCURRENCY...]
//! ```
//!
//! Defaults: 1,000 files with sizes spread log-uniformly between 50 KB and 5 MB (many photos,
//! a few videos), concurrency 3 (the keeper's default) and 8. The keeper also hashes every file,
//! fsyncs it, renames it into place and records it in SQLite; curl only writes the bytes.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use inlet_core::events;
use inlet_core::media::{MediaKeeper, MediaOptions, media_status};
use inlet_core::store::{Incoming, Store};
use inlet_sim::media::Behaviour;
use inlet_sim::{Sim, SimConfig};
use rand::{Rng, SeedableRng};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

const MIN_SIZE: f64 = 50_000.0;
const MAX_SIZE: f64 = 5_000_000.0;
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let files: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let mut levels: Vec<usize> = args.iter().skip(1).filter_map(|a| a.parse().ok()).collect();
    if levels.is_empty() {
        levels = vec![3, 8];
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench(files, &levels));
}

async fn bench(files: usize, levels: &[usize]) {
    let sim = Sim::start(SimConfig::new("benchKeyId", "benchKeySecret"))
        .await
        .expect("the simulator starts");
    let (urls, total) = publish(&sim, files);
    println!(
        "media_download: {files} files, {:.1} MB in all (log-uniform 50 KB to 5 MB), served by inlet-sim on 127.0.0.1",
        total as f64 / 1e6
    );
    println!(
        "{:<38} {:>10} {:>10} {:>9}",
        "client", "seconds", "MB/s", "files/s"
    );
    for &concurrency in levels {
        let seconds = keeper_run(&sim, &urls, concurrency).await;
        report(
            &format!("inlet media keeper, {concurrency} at once"),
            seconds,
            total,
            files,
        );
        match curl_run(&urls, concurrency) {
            Some(seconds) => report(
                &format!("curl --parallel-max {concurrency}"),
                seconds,
                total,
                files,
            ),
            None => println!("curl --parallel-max {concurrency}: not available"),
        }
    }
    sim.shutdown().await;
}

/// Puts `files` distinct files on the media host; returns their URLs and total size.
fn publish(sim: &Sim, files: usize) -> (Vec<String>, u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut pool = vec![0u8; MAX_SIZE as usize + files];
    rng.fill(&mut pool[..]);
    let mut total = 0;
    let urls = (0..files)
        .map(|i| {
            let size = (MIN_SIZE * (MAX_SIZE / MIN_SIZE).powf(rng.random::<f64>())) as usize;
            // A different window of the pool per file, so no two files are the same bytes.
            let bytes = pool[i..i + size].to_vec();
            total += size as u64;
            sim.media().put(
                bytes,
                "application/octet-stream",
                &format!("file-{i}.bin"),
                WEEK,
                Behaviour::Normal,
            )
        })
        .collect();
    (urls, total)
}

/// Ingests one DOCUMENT per URL into a fresh store and times the keeper until all are saved.
async fn keeper_run(sim: &Sim, urls: &[String], concurrency: usize) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut store = Store::open(dir.path().join("inlet.db")).expect("a store");
    let now = sim.clock().now_ms();
    for (n, chunk) in urls.chunks(100).enumerate() {
        let batch: Vec<Incoming> = chunk
            .iter()
            .enumerate()
            .map(|(i, url)| message(&format!("bench-{n}-{i}"), url, now))
            .collect();
        store.ingest(&batch, now).expect("ingest");
    }
    let store = Arc::new(Mutex::new(store));
    let (tx, _rx) = events::channel(16);
    let options = MediaOptions {
        concurrency,
        size_cap: 10 * 1000 * 1000,
        tile_server: None,
        ..MediaOptions::default()
    };
    let keeper = MediaKeeper::new(store.clone(), dir.path(), options, tx).expect("a keeper");
    let start = Instant::now();
    keeper
        .run_until_settled(CancellationToken::new(), Arc::new(Notify::new()))
        .await
        .expect("the keeper runs");
    let seconds = start.elapsed().as_secs_f64();
    let status = media_status(&*store.lock().expect("store"), now, 0).expect("status");
    if status.counts.saved as usize != urls.len() {
        println!(
            "  (only {} of {} saved: {:?})",
            status.counts.saved,
            urls.len(),
            status.counts
        );
    }
    seconds
}

fn message(id: &str, url: &str, now: i64) -> Incoming {
    let json = serde_json::json!({
        "MessageId": id, "CustSpaceId": "cams-bench", "WabaId": "waba-bench",
        "From": "8613800000001", "To": "8613900000000", "Timestamp": now, "Type": "DOCUMENT",
        "Message": {"url": url, "mimeType": "application/octet-stream", "filename": "f.bin"},
    });
    let body = base64::engine::general_purpose::STANDARD.encode(json.to_string());
    Incoming::decode(format!("q-{id}"), body.into_bytes(), 1)
}

/// Times `curl --parallel` fetching the same URLs into a fresh folder.
fn curl_run(urls: &[String], concurrency: usize) -> Option<f64> {
    let dir = tempfile::tempdir().ok()?;
    let config = dir.path().join("urls.curl");
    let lines: String = urls
        .iter()
        .enumerate()
        .map(|(i, url)| format!("url = \"{url}\"\noutput = \"{}\"\n", out(dir.path(), i)))
        .collect();
    std::fs::write(&config, lines).ok()?;
    let start = Instant::now();
    let status = Command::new("curl")
        .args([
            "--silent",
            "--no-progress-meter",
            "--fail",
            "--parallel",
            "--parallel-max",
        ])
        .arg(concurrency.to_string())
        .arg("--config")
        .arg(&config)
        .status()
        .ok()?;
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        println!("  (curl exited with {status})");
    }
    Some(seconds)
}

fn out(dir: &Path, i: usize) -> String {
    dir.join(format!("file-{i}.bin")).display().to_string()
}

fn report(client: &str, seconds: f64, bytes: u64, files: usize) {
    println!(
        "{client:<38} {seconds:>10.2} {:>10.1} {:>9.1}",
        bytes as f64 / 1e6 / seconds,
        files as f64 / seconds
    );
}
