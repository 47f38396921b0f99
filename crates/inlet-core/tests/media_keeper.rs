//! The media keeper against the simulator's media host, over real HTTP, into a real store:
//! what is saved is what was served, and hostile servers end in the right state.

mod media_support;

use std::collections::HashSet;
use std::time::Duration;

use inlet_core::store::{MediaState, Queries as _};
use inlet_sim::media::Behaviour;
use inlet_sim::media::assets::{self, Asset};
use media_support::{DAY, Harness, all_media_events, media_events, sample, sha256_hex};
use serde_json::json;

fn put(h: &Harness, bytes: &[u8], mime: &str, name: &str, behaviour: Behaviour) -> String {
    h.sim
        .media()
        .put(bytes.to_vec(), mime, name, 7 * DAY, behaviour)
}

fn put_asset(h: &Harness, asset: Asset, behaviour: Behaviour) -> String {
    put(h, asset.bytes, asset.mime_type, asset.filename, behaviour)
}

fn host_id(url: &str) -> String {
    inlet_sim::MediaHost::id_in_url(url).expect("a media host URL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_files_are_byte_for_byte_what_the_host_served() {
    let h = Harness::new().await;
    let big = sample(1_500_000, 1);
    let served: Vec<(i64, Vec<u8>)> = vec![
        (
            h.attachment(
                "IMAGE",
                &put_asset(&h, assets::CAKE_JPG, Behaviour::Normal),
                "image/jpeg",
                None,
            ),
            assets::CAKE_JPG.bytes.to_vec(),
        ),
        (
            h.attachment(
                "DOCUMENT",
                &put_asset(&h, assets::INVOICE_PDF, Behaviour::Normal),
                "application/pdf",
                Some("../../invoice\u{202E}fdp.exe"),
            ),
            assets::INVOICE_PDF.bytes.to_vec(),
        ),
        (
            h.attachment(
                "AUDIO",
                &put_asset(&h, assets::VOICE_NOTE_OGG, Behaviour::Normal),
                "audio/ogg; codecs=opus",
                None,
            ),
            assets::VOICE_NOTE_OGG.bytes.to_vec(),
        ),
        (
            h.attachment(
                "DOCUMENT",
                &put(
                    &h,
                    &big,
                    "application/octet-stream",
                    "big.bin",
                    Behaviour::Normal,
                ),
                "application/octet-stream",
                Some("big.bin"),
            ),
            big.clone(),
        ),
        // The same picture again, from another URL: stored once.
        (
            h.attachment(
                "IMAGE",
                &put_asset(&h, assets::CAKE_JPG, Behaviour::Normal),
                "image/jpeg",
                None,
            ),
            assets::CAKE_JPG.bytes.to_vec(),
        ),
    ];

    let mut rx = h.settle(h.options()).await;
    let events = all_media_events(&mut rx);

    for (id, bytes) in &served {
        let item = h.item(*id);
        assert_eq!(item.state, MediaState::Saved, "{item:?}");
        assert_eq!(item.sha256.as_deref(), Some(sha256_hex(bytes).as_str()));
        assert_eq!(item.bytes, Some(bytes.len() as i64));
        assert!(!item.mime_mismatch, "{item:?}");
        let path = std::path::PathBuf::from(item.path.clone().unwrap());
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(sha256_hex(&on_disk), sha256_hex(bytes), "the file on disk");
        let sha = item.sha256.unwrap();
        assert!(
            path.ends_with(format!("media/{}/{sha}", &sha[..2])),
            "content-addressed: {}",
            path.display()
        );
        assert!(path.starts_with(h.data_dir()));
        let mine: Vec<_> = events.iter().filter(|e| e.0 == *id).collect();
        assert_eq!(mine.first().map(|e| e.1.as_str()), Some("downloading"));
        let size = Some(bytes.len() as u64);
        assert_eq!(
            mine.last().map(|e| (e.1.as_str(), e.2, e.3)),
            Some(("saved", size, size))
        );
    }
    assert_eq!(
        h.item(served[0].0).path,
        h.item(served[4].0).path,
        "deduplicated"
    );
    assert_eq!(
        h.saved_files().len(),
        4,
        "five attachments, four distinct files"
    );
    assert!(h.temp_files().is_empty());

    let pdf = h.item(served[1].0);
    assert_eq!(pdf.detected_mime.as_deref(), Some("application/pdf"));
    assert_eq!(
        pdf.display_name.as_deref(),
        Some("invoicefdp.exe"),
        "no path, no RTL override"
    );
    assert_eq!(
        h.item(served[2].0).detected_mime.as_deref(),
        Some("audio/opus")
    );
    let cake = h.item(served[0].0);
    assert_eq!(cake.display_name, Some(format!("image-{}.jpg", cake.id)));

    // The export carries each attachment's state and local path.
    let mut out = Vec::new();
    inlet_core::export::export_json_lines(&*h.store.lock().unwrap(), &mut out).unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let attachments: Vec<&serde_json::Value> = lines
        .iter()
        .flat_map(|l| l["attachments"].as_array().unwrap())
        .collect();
    assert_eq!(attachments.len(), served.len());
    for a in attachments {
        assert_eq!(a["state"], "saved", "{a}");
        let path = a["path"].as_str().expect("a path");
        assert!(std::path::Path::new(path).is_file(), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_is_retried_until_the_deadline_then_expired() {
    let h = Harness::new().await;
    let url = put_asset(&h, assets::BIKE_JPG, Behaviour::NotFound);
    let id = h.attachment("IMAGE", &url, "image/jpeg", None);
    let (task, _rx) = h.run(h.options());
    let item = h
        .wait_for(id, "three failed attempts", |i| {
            i.state == MediaState::Retrying && i.attempts >= 3
        })
        .await;
    assert!(
        item.last_error.as_deref().unwrap().contains("404"),
        "{item:?}"
    );
    assert!(item.next_attempt_ms <= item.deadline_ms);
    assert!(h.sim.media().hits(&host_id(&url)) >= 3);

    // Eight days later the URL's lifetime is over: no more tries.
    h.sim.clock().advance(8 * DAY);
    h.wakeup.notify_one();
    let item = h
        .wait_for(id, "expiry", |i| i.state == MediaState::Expired)
        .await;
    let error = item.last_error.unwrap();
    // Either the deadline passed between tries, or a try in flight met the dead URL.
    assert!(
        (error.contains("7-day lifetime") && error.contains("404"))
            || error.contains("Request has expired"),
        "{error}"
    );
    let hits = h.sim.media().hits(&host_id(&url));
    h.cancel.cancel();
    task.await.unwrap();
    assert_eq!(h.item(id).state, MediaState::Expired);
    assert_eq!(
        h.sim.media().hits(&host_id(&url)),
        hits,
        "an expired job is not tried again"
    );
    assert!(h.saved_files().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_url_ends_expired_after_one_request() {
    let h = Harness::new().await;
    let past = h.sim.clock().now_secs() - 60;
    let a = assets::RECEIPT_JPG;
    let url = h.sim.media().put_at(
        a.bytes.to_vec(),
        a.mime_type,
        a.filename,
        past,
        Behaviour::Normal,
    );
    let id = h.attachment("IMAGE", &url, "image/jpeg", None);
    h.settle(h.options()).await;
    let item = h.item(id);
    assert_eq!((item.state, item.attempts), (MediaState::Expired, 1));
    assert!(item.last_error.unwrap().contains("Request has expired"));
    assert_eq!(h.sim.media().hits(&host_id(&url)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_moving_past_the_deadline_expires_retrying_jobs() {
    let h = Harness::new().await;
    // A server error that lasts: the job keeps retrying...
    let url = put(
        &h,
        &sample(1000, 2),
        "application/pdf",
        "a.pdf",
        Behaviour::FailTimes(u32::MAX),
    );
    let id = h.attachment("DOCUMENT", &url, "application/pdf", Some("a.pdf"));
    let (keeper, _rx) = h.keeper(h.options());
    let settled = tokio::spawn(keeper.run_until_settled(h.cancel.clone(), h.wakeup.clone()));
    h.wait_for(id, "a retry", |i| i.state == MediaState::Retrying)
        .await;
    assert!(!settled.is_finished(), "a retrying job is waited for");
    // ...until the deadline passes, and then run_until_settled ends.
    h.sim.clock().advance(7 * DAY + Duration::from_secs(1));
    h.wakeup.notify_one();
    tokio::time::timeout(media_support::PATIENCE, settled)
        .await
        .expect("settles once the deadline passed")
        .unwrap()
        .unwrap();
    let item = h.item(id);
    assert_eq!(item.state, MediaState::Expired);
    let error = item.last_error.unwrap();
    assert!(
        error.contains("HTTP 500") || error.contains("Request has expired"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_body_is_retried_and_never_saved() {
    let h = Harness::new().await;
    let url = put(
        &h,
        &sample(300_000, 3),
        "image/jpeg",
        "t.jpg",
        Behaviour::Truncated,
    );
    let id = h.attachment("IMAGE", &url, "image/jpeg", None);
    let (task, _rx) = h.run(h.options());
    let item = h
        .wait_for(id, "two failed attempts", |i| {
            i.state == MediaState::Retrying && i.attempts >= 2
        })
        .await;
    let error = item.last_error.unwrap();
    assert!(
        error.contains("broke off") || error.contains("ended after"),
        "{error}"
    );
    assert_eq!((item.path, item.sha256), (None, None));
    h.cancel.cancel();
    task.await.unwrap();
    assert!(h.saved_files().is_empty(), "a partial file is never saved");
    assert!(h.temp_files().is_empty(), "nor left behind");
    assert_eq!(h.item(id).state, MediaState::Retrying);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_longer_than_its_content_length_promised_is_detected() {
    let h = Harness::new().await;
    let bytes = sample(50_000, 4);
    let declared = bytes.len() as u64 + 10_000;
    let url = put(
        &h,
        &bytes,
        "image/jpeg",
        "w.jpg",
        Behaviour::WrongLength { declared },
    );
    let id = h.attachment("IMAGE", &url, "image/jpeg", None);
    let (task, _rx) = h.run(h.options());
    let item = h
        .wait_for(id, "a failed attempt", |i| i.state == MediaState::Retrying)
        .await;
    assert!(item.last_error.is_some());
    h.cancel.cancel();
    task.await.unwrap();
    assert!(h.saved_files().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_times_out_and_is_retried() {
    let h = Harness::new().await;
    let url = put(
        &h,
        &sample(10_000, 5),
        "image/jpeg",
        "s.jpg",
        Behaviour::SlowDrip { bytes_per_sec: 0 },
    );
    let id = h.attachment("IMAGE", &url, "image/jpeg", None);
    // A second job behind it still gets through: a stalled server holds one slot, not the queue.
    let ok = h.attachment(
        "IMAGE",
        &put_asset(&h, assets::BIKE_JPG, Behaviour::Normal),
        "image/jpeg",
        None,
    );
    let (task, _rx) = h.run(h.options());
    let item = h
        .wait_for(id, "a stall", |i| i.state == MediaState::Retrying)
        .await;
    assert!(
        item.last_error.as_deref().unwrap().contains("stalled"),
        "{item:?}"
    );
    h.wait_for(ok, "the other file", |i| i.state == MediaState::Saved)
        .await;
    h.cancel.cancel();
    task.await.unwrap();
    assert!(h.temp_files().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_files_end_too_large_without_a_partial_file() {
    let h = Harness::new().await;
    let mut options = h.options();
    options.size_cap = 1_000_000;
    let announced = put(
        &h,
        &sample(1_500_000, 6),
        "video/mp4",
        "big.mp4",
        Behaviour::Normal,
    );
    let endless = put(
        &h,
        &sample(64 * 1024, 7),
        "video/mp4",
        "endless.mp4",
        Behaviour::Endless,
    );
    let big = h.attachment("VIDEO", &announced, "video/mp4", None);
    let forever = h.attachment("VIDEO", &endless, "video/mp4", None);
    h.settle(options).await;

    let item = h.item(big);
    assert_eq!((item.state, item.attempts), (MediaState::TooLarge, 1));
    assert!(item.last_error.unwrap().contains("announced 1500000 bytes"));
    let item = h.item(forever);
    assert_eq!((item.state, item.attempts), (MediaState::TooLarge, 1));
    assert!(item.last_error.unwrap().contains("passed"));
    assert!(h.saved_files().is_empty());
    assert!(h.temp_files().is_empty(), "no partial file is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_type_is_saved_with_the_mismatch_recorded() {
    let h = Harness::new().await;
    let html = Behaviour::WrongMime {
        served: "text/html".into(),
    };
    // The message says JPEG, the server says HTML, the bytes are a PDF.
    let pdf = h.attachment(
        "IMAGE",
        &put_asset(&h, assets::CLAIM_PDF, html.clone()),
        "image/jpeg",
        None,
    );
    // The message and the bytes agree on JPEG; only the server's header is wrong.
    let jpeg = h.attachment(
        "IMAGE",
        &put_asset(&h, assets::CAKE_JPG, html),
        "image/jpeg",
        None,
    );
    h.settle(h.options()).await;

    let item = h.item(pdf);
    assert_eq!(item.state, MediaState::Saved);
    assert_eq!(item.detected_mime.as_deref(), Some("application/pdf"));
    assert!(item.mime_mismatch);
    assert_eq!(
        item.display_name,
        Some(format!("image-{pdf}.pdf")),
        "named for what it is"
    );
    let item = h.item(jpeg);
    assert_eq!(item.state, MediaState::Saved);
    assert!(!item.mime_mismatch);
    let status = inlet_core::media::media_status(&*h.store.lock().unwrap(), 0, 5).unwrap();
    assert_eq!(status.mime_mismatches, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_is_an_error_and_a_plain_redirect_is_followed() {
    let h = Harness::new().await;
    let loop_url = put(
        &h,
        &sample(1000, 8),
        "image/jpeg",
        "l.jpg",
        Behaviour::RedirectLoop,
    );
    let looping = h.attachment("IMAGE", &loop_url, "image/jpeg", None);
    let target = put_asset(&h, assets::STICKER_WEBP, Behaviour::Normal);
    let redirect = put(
        &h,
        b"",
        "image/webp",
        "r.webp",
        Behaviour::Redirect { to: target },
    );
    let followed = h.attachment("IMAGE", &redirect, "image/webp", None);
    let options = h.options();
    let max_redirects = options.max_redirects as u64;
    let (task, _rx) = h.run(options);

    let item = h
        .wait_for(looping, "two failed attempts", |i| {
            i.state == MediaState::Retrying && i.attempts >= 2
        })
        .await;
    assert!(
        item.last_error.as_deref().unwrap().contains("redirect"),
        "{item:?}"
    );
    h.wait_for(followed, "the redirected file", |i| {
        i.state == MediaState::Saved
    })
    .await;
    h.cancel.cancel();
    task.await.unwrap();
    let item = h.item(looping);
    let hits = h.sim.media().hits(&host_id(&loop_url));
    assert!(
        hits <= u64::from(item.attempts) * (max_redirects + 1),
        "{hits} requests in {} attempts",
        item.attempts
    );
    assert_eq!(
        h.item(followed).sha256.as_deref(),
        Some(sha256_hex(assets::STICKER_WEBP.bytes).as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_with_backoff_until_saved() {
    let h = Harness::new().await;
    let url = put_asset(&h, assets::TRANSFER_PNG, Behaviour::FailTimes(3));
    let id = h.attachment("IMAGE", &url, "image/png", None);
    let mut rx = h.settle(h.options()).await;
    let item = h.item(id);
    assert_eq!((item.state, item.attempts), (MediaState::Saved, 4));
    assert_eq!(h.sim.media().hits(&host_id(&url)), 4);
    let states: Vec<String> = media_events(&mut rx, id).into_iter().map(|e| e.0).collect();
    assert_eq!(
        states.iter().filter(|s| *s == "retrying").count(),
        3,
        "{states:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_that_are_not_http_are_refused_without_a_request() {
    let h = Harness::new().await;
    let file = h.attachment(
        "DOCUMENT",
        "file:///etc/passwd",
        "text/plain",
        Some("passwd"),
    );
    let ftp = h.attachment(
        "DOCUMENT",
        "ftp://example.com/a.pdf",
        "application/pdf",
        None,
    );
    h.settle(h.options()).await;
    for id in [file, ftp] {
        let item = h.item(id);
        assert_eq!((item.state, item.attempts), (MediaState::Expired, 1));
        assert!(item.last_error.unwrap().contains("only http and https"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_jobs_and_stray_partial_files_are_recovered_at_start() {
    let h = Harness::new().await;
    let url = put_asset(&h, assets::SKETCH_PNG, Behaviour::Normal);
    let id = h.attachment("IMAGE", &url, "image/png", None);
    // What a killed process leaves: the job marked downloading, and half a file.
    let conn = rusqlite::Connection::open(h.db_path()).unwrap();
    conn.execute(
        "UPDATE media SET state = 'downloading', attempts = 1 WHERE id = ?1",
        [id],
    )
    .unwrap();
    let tmp = h.data_dir().join("media").join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(
        tmp.join(format!("{id}-1.part")),
        &assets::SKETCH_PNG.bytes[..100],
    )
    .unwrap();

    h.settle(h.options()).await;
    let item = h.item(id);
    assert_eq!((item.state, item.attempts), (MediaState::Saved, 2));
    assert_eq!(
        item.sha256.as_deref(),
        Some(sha256_hex(assets::SKETCH_PNG.bytes).as_str())
    );
    assert!(h.temp_files().is_empty(), "the stray partial file is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_soonest_deadline_is_downloaded_first() {
    let h = Harness::new().await;
    let now = h.sim.clock().now_ms();
    let hour = 3_600_000;
    // Sent 1 h, 3 h, 2 h and 4 days ago: deadlines in that order of age.
    let mut ids = Vec::new();
    for (i, age) in [hour, 3 * hour, 2 * hour, 96 * hour]
        .into_iter()
        .enumerate()
    {
        let url = put(
            &h,
            &sample(2000, 10 + i as u8),
            "image/jpeg",
            "o.jpg",
            Behaviour::Normal,
        );
        let rowid = h.ingest_at(
            "IMAGE",
            json!({"url": url, "mimeType": "image/jpeg"}),
            now - age,
        );
        ids.push(
            inlet_core::media::media_of_message(&*h.store.lock().unwrap(), rowid)
                .unwrap()
                .unwrap()
                .id,
        );
    }
    let mut options = h.options();
    options.concurrency = 1;
    let mut rx = h.settle(options).await;
    let mut saved = Vec::new();
    while let Some(event) = rx.try_recv() {
        if let inlet_core::events::Event::MediaChanged {
            media_id, state, ..
        } = event
            && state == "saved"
        {
            saved.push(media_id);
        }
    }
    assert_eq!(saved, vec![ids[3], ids[1], ids[2], ids[0]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_than_the_configured_downloads_run_at_once() {
    let h = Harness::new().await;
    let slow = Behaviour::SlowDrip {
        bytes_per_sec: 200_000,
    };
    let ids: Vec<i64> = (0..6)
        .map(|i| {
            let url = put(
                &h,
                &sample(30_000, 20 + i),
                "image/jpeg",
                "c.jpg",
                slow.clone(),
            );
            h.attachment("IMAGE", &url, "image/jpeg", None)
        })
        .collect();
    let mut options = h.options();
    options.concurrency = 2;
    let mut rx = h.settle(options).await;
    let mut running = HashSet::new();
    let mut most = 0;
    while let Some(event) = rx.try_recv() {
        if let inlet_core::events::Event::MediaChanged {
            media_id, state, ..
        } = event
        {
            match state.as_str() {
                "downloading" => {
                    running.insert(media_id);
                }
                _ => {
                    running.remove(&media_id);
                }
            }
            most = most.max(running.len());
        }
    }
    assert!(most <= 2, "{most} downloads at once");
    for id in ids {
        assert_eq!(h.item(id).state, MediaState::Saved);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_reported_while_bytes_arrive() {
    let h = Harness::new().await;
    let len = 60_000u64;
    let url = put(
        &h,
        &sample(len as usize, 30),
        "image/jpeg",
        "p.jpg",
        Behaviour::SlowDrip {
            bytes_per_sec: 100_000,
        },
    );
    let id = h.attachment("IMAGE", &url, "image/jpeg", None);
    let mut rx = h.settle(h.options()).await;
    let events = media_events(&mut rx, id);
    let progress: Vec<u64> = events
        .iter()
        .filter(|(state, _, total)| state == "downloading" && *total == Some(len))
        .filter_map(|(_, done, _)| *done)
        .collect();
    assert!(progress.iter().any(|d| *d > 0 && *d < len), "{events:?}");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert_eq!(events.last().map(|e| e.0.as_str()), Some("saved"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_events_are_throttled() {
    let h = Harness::new().await;
    let url = put(
        &h,
        &sample(3_000_000, 31),
        "video/mp4",
        "v.mp4",
        Behaviour::Normal,
    );
    let id = h.attachment("VIDEO", &url, "video/mp4", None);
    let mut options = h.options();
    options.progress_interval = Duration::from_secs(3600);
    let mut rx = h.settle(options).await;
    let states: Vec<String> = media_events(&mut rx, id).into_iter().map(|e| e.0).collect();
    assert_eq!(
        states,
        vec!["downloading", "saved"],
        "no progress events inside the interval"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_at_risk_are_counted_until_saved() {
    let h = Harness::new().await;
    let now = h.sim.clock().now_ms();
    let url = put_asset(&h, assets::RECEIPT_JPG, Behaviour::Normal);
    // Sent six days ago: its URL dies within 48 hours.
    h.ingest_at(
        "IMAGE",
        json!({"url": url, "mimeType": "image/jpeg"}),
        now - 6 * 24 * 3_600_000,
    );
    assert_eq!(
        h.store
            .lock()
            .unwrap()
            .counts_at(now, 0)
            .unwrap()
            .media_at_risk,
        1
    );
    let mut rx = h.settle(h.options()).await;
    assert_eq!(
        h.store
            .lock()
            .unwrap()
            .counts_at(now, 0)
            .unwrap()
            .media_at_risk,
        0
    );
    let mut last_counts = None;
    while let Some(event) = rx.try_recv() {
        if let inlet_core::events::Event::Counts { counts } = event {
            last_counts = Some(counts);
        }
    }
    assert_eq!(
        last_counts.map(|c| c.media_at_risk),
        Some(0),
        "the UI was told"
    );
}
