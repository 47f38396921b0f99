//! `inlet sync` saves attachments: killed with SIGKILL in the middle of a download, it leaves no
//! partial file behind as saved, and the next `inlet sync --until-empty` completes the file.
//! Then `inlet media` reports it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use inlet_core::media::{MediaItem, media_items};
use inlet_core::store::{MediaState, Store};
use inlet_sim::media::Behaviour;
use inlet_sim::{Sim, SimConfig};
use sha2::{Digest, Sha256};

const ID: &str = "mediaCliKeyId";
const SECRET: &str = "mediaCliKeySecret";
const QUEUE: &str = "Alicom-Queue-5550002-ChatAppInbound";
const PATIENCE: Duration = Duration::from_secs(60);

fn inlet() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inlet"));
    cmd.env("ALIBABA_CLOUD_ACCESS_KEY_ID", ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .stdin(Stdio::null());
    cmd
}

fn collector(sim: &Sim, db: &Path, until_empty: bool) -> Child {
    let mut cmd = inlet();
    cmd.args(["sync", "--db"]).arg(db).args([
        "--endpoint",
        &sim.endpoint(),
        "--queue",
        QUEUE,
        "--no-map-tiles",
    ]);
    if until_empty {
        cmd.arg("--until-empty");
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("inlet sync starts")
}

/// The database's attachments, read through a read-only connection (None until the collector
/// has created and migrated the database).
fn items(db: &Path) -> Option<Vec<MediaItem>> {
    let reader = Store::open_reader(db).ok()?;
    media_items(&reader).ok()
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("media").join("tmp"))
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A child process that is killed if the test fails before it ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Polls until `ok` holds, failing the test after [`PATIENCE`].
async fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_killed_midway_completes_on_the_next_run() {
    let mut config = SimConfig::new(ID, SECRET);
    config.queues = vec![QUEUE.to_owned()];
    let sim = Sim::start(config).await.unwrap();
    // 200 KB at 50 KB/s: about four seconds on the wire, so the kill lands mid-download.
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let url = sim.media().put(
        bytes.clone(),
        "video/mp4",
        "clip.mp4",
        Duration::from_secs(7 * 24 * 3600),
        Behaviour::SlowDrip {
            bytes_per_sec: 50_000,
        },
    );
    let mo = serde_json::json!({
        "MessageId": "media-cli-1", "CustSpaceId": "cams-1", "WabaId": "waba-1",
        "From": "8613800000001", "To": "8613900000000", "Timestamp": sim.clock().now_ms(),
        "DisplayName": "Customer", "Type": "VIDEO",
        "Message": {"url": url, "mimeType": "video/mp4", "filename": "clip.mp4"},
    });
    sim.send_chatapp(QUEUE, &mo.to_string()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inlet.sqlite3");
    let mut child = Reaped(collector(&sim, &db, false));
    // Mid-download: the job is marked downloading, has received bytes, and a temporary file
    // holds the download.
    wait_until("a download in progress", || {
        let downloading = items(&db).is_some_and(|i| {
            i.len() == 1
                && i[0].state == MediaState::Downloading
                && i[0]
                    .progress_bytes
                    .is_some_and(|b| b > 0 && b < bytes.len() as i64)
        });
        downloading && !temp_files(dir.path()).is_empty()
    })
    .await;
    child.0.kill().expect("SIGKILL");
    child.0.wait().unwrap();
    let after_kill = items(&db).unwrap();
    assert_eq!(
        after_kill[0].state,
        MediaState::Downloading,
        "nothing was marked saved"
    );
    assert_eq!(after_kill[0].path, None);

    let mut second = Reaped(collector(&sim, &db, true));
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = second.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "inlet sync --until-empty did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "inlet sync --until-empty exits 0");

    let item = items(&db).unwrap().remove(0);
    assert_eq!(item.state, MediaState::Saved, "{item:?}");
    assert_eq!(item.attempts, 2);
    assert_eq!(item.sha256.as_deref(), Some(sha256_hex(&bytes).as_str()));
    let path = PathBuf::from(item.path.unwrap());
    assert!(
        path.starts_with(dir.path().join("media")),
        "next to the database by default"
    );
    assert_eq!(
        sha256_hex(&std::fs::read(&path).unwrap()),
        sha256_hex(&bytes)
    );
    assert!(
        temp_files(dir.path()).is_empty(),
        "the killed run's partial file was removed"
    );

    let out = inlet()
        .args(["media", "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"]["counts"]["saved"], 1, "{summary}");
    assert_eq!(summary["status"]["bytes_saved"], bytes.len());
    assert_eq!(summary["status"]["at_risk"], 0);

    let out = inlet().args(["media", "--db"]).arg(&db).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("attachments: 1 (saved 1,"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inlet_media_lists_the_deadlines_at_risk() {
    let mut config = SimConfig::new(ID, SECRET);
    config.queues = vec![QUEUE.to_owned()];
    let sim = Sim::start(config).await.unwrap();
    let url = sim.media().put(
        b"gone".to_vec(),
        "image/jpeg",
        "lost.jpg",
        Duration::from_secs(7 * 24 * 3600),
        Behaviour::NotFound,
    );
    // Sent six and a half days ago: the URL dies in about 12 hours.
    let sent = sim.clock().now_ms() - (6 * 24 + 12) * 3_600_000;
    let mo = serde_json::json!({
        "MessageId": "media-cli-2", "CustSpaceId": "cams-1", "WabaId": "waba-1",
        "From": "8613800000001", "To": "8613900000000", "Timestamp": sent,
        "Type": "IMAGE", "Message": {"url": url, "mimeType": "image/jpeg"},
    });
    sim.send_chatapp(QUEUE, &mo.to_string()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inlet.sqlite3");
    let data = dir.path().join("elsewhere");
    let mut child = Reaped(
        inlet()
            .args(["sync", "--db"])
            .arg(&db)
            .args([
                "--endpoint",
                &sim.endpoint(),
                "--queue",
                QUEUE,
                "--no-map-tiles",
                "--data-dir",
            ])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until("a failed attempt", || {
        items(&db).is_some_and(|i| i.len() == 1 && i[0].state == MediaState::Retrying)
    })
    .await;
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(
        data.join("media").join("tmp").is_dir(),
        "--data-dir is used"
    );

    let out = inlet().args(["media", "--db"]).arg(&db).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("at risk (URL dies within 48 h, not saved yet): 1"),
        "{text}"
    );
    assert!(
        text.contains("image: dies in 11 h") || text.contains("image: dies in 12 h"),
        "{text}"
    );
    assert!(
        text.contains("retrying after 1 attempt(s) — HTTP 404 NoSuchKey"),
        "{text}"
    );
}
