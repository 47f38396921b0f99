//! Desktop benchmark: prints figures, asserts nothing about speed.
//!
//! 1. Builds (once, cached under `target/bench-data/`) a store of `INLET_BENCH_MESSAGES`
//!    (default 1,000,000) text messages in `INLET_BENCH_CONVERSATIONS` (default 20,000)
//!    conversations on two channels, through the core's own `Store::ingest` in big batches.
//! 2. Starts the app on a copy of it (live mode, no queue configured, so nothing syncs) under
//!    WebDriver and measures the cold start: from the app process's start to the first chat-list
//!    row painted (the UI records that moment in `window.__inletFirstListPaint`).
//! 3. Opens 10 chats and reports the resident memory of the app process and of its WebKit
//!    helper processes.
//!
//! Run under a display, with a release build of the app:
//! `cargo build --release -p inlet-desktop && INLET_APP_BIN=target/release/inlet-desktop \
//!  xvfb-run -a -s "-screen 0 1280x800x24" cargo bench -p inlet-e2e --bench desktop`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use inlet_core::store::{Incoming, Store};
use inlet_e2e::{DEFAULT_TIMEOUT, Launch, Session, artifacts_dir, ensure, run};
use serde_json::json;

const BATCH: usize = 10_000;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Some realistic message texts of varied length and script.
const TEXTS: &[&str] = &[
    "Olá! Vocês fazem entregas ao domingo?",
    "Can I change my order to 3 loaves instead of 2? Thanks!",
    "请问今天几点关门？",
    "ขอบคุณครับ ได้รับของแล้ว",
    "The invoice for order #{n} shows the wrong VAT number, could you resend it please?",
    "👍",
    "Is the gluten-free sourdough available this weekend? My sister is coeliac and we are visiting.",
    "明日の予約を17時に変更できますか？",
    "Payment sent, ref {n}",
    "مرحبا، هل الطلب جاهز؟",
];

fn message(i: usize, conversations: usize, now_ms: i64, messages: usize) -> Incoming {
    let conversation = i % conversations;
    let (waba, space, to) = if conversation.is_multiple_of(3) {
        ("115320987654321", "cams-9tw3e6v1rbk0p", "66812000200")
    } else {
        ("104857362910384", "cams-5bq81x0ckd2mz", "351912000100")
    };
    // Spread over the last year, oldest first, so every conversation has recent messages.
    let span_ms = 365 * 24 * 3600 * 1000_i64;
    let timestamp = now_ms - span_ms + (span_ms / messages as i64) * i as i64;
    let text = TEXTS[i % TEXTS.len()].replace("{n}", &i.to_string());
    let body = json!({
        "MessageId": format!("wamid.bench.{i}"),
        "CustSpaceId": space,
        "WabaId": waba,
        "From": format!("5511{:07}", conversation),
        "To": to,
        "DisplayName": format!("Customer {conversation}"),
        "Name": format!("customer{conversation}"),
        "Timestamp": timestamp,
        "Type": "TEXT",
        "Message": text,
    });
    Incoming::decode(format!("bench-{i}"), body.to_string().into_bytes(), 1)
}

/// The store and settings for `messages` in `conversations`, built once and reused.
fn prepared_data(messages: usize, conversations: usize) -> PathBuf {
    let dir = artifacts_dir()
        .parent()
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
        .join("bench-data")
        .join(format!("desktop-{messages}-{conversations}"));
    let done = dir.join(".complete");
    if done.exists() {
        println!("using the prepared store in {}", dir.display());
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench data folder");
    let started = Instant::now();
    let mut store = Store::open(dir.join("inlet.sqlite3")).expect("open the bench store");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64;
    let mut i = 0;
    while i < messages {
        let end = (i + BATCH).min(messages);
        let batch: Vec<Incoming> = (i..end)
            .map(|n| message(n, conversations, now_ms, messages))
            .collect();
        store.ingest(&batch, now_ms).expect("ingest a batch");
        i = end;
        if i.is_multiple_of(100_000) {
            println!("  stored {i} messages ({:.0?})", started.elapsed());
        }
    }
    drop(store);
    // Live mode with no queue: the app opens the store and syncs nothing.
    std::fs::write(
        dir.join("settings.json"),
        json!({"mode": "live", "maps": {"enabled": false}}).to_string(),
    )
    .expect("settings");
    let size: u64 = std::fs::read_dir(&dir)
        .expect("bench dir")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "built a store of {messages} messages in {conversations} conversations in {:.1?} ({:.0} MB on disk)",
        started.elapsed(),
        size as f64 / 1e6
    );
    std::fs::write(&done, b"").expect("marker");
    dir
}

/// The app process started for `data_dir`, found by its environment.
fn app_pid(data_dir: &Path) -> Option<u32> {
    let wanted = format!("INLET_DATA_DIR={}", data_dir.display());
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let program = cmdline.split(|b| *b == 0).next()?;
            if !program.ends_with(b"inlet-desktop") {
                return None;
            }
            let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
            environ
                .split(|b| *b == 0)
                .any(|var| var == wanted.as_bytes())
                .then_some(pid)
        })
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces) in parentheses: state, ppid, ...
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `pid` and every process below it, with their names and resident memory in kB.
fn process_tree_rss(pid: u32) -> Vec<(u32, String, u64)> {
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let descends = |mut p: u32| {
        while p > 1 {
            if p == pid {
                return true;
            }
            match parent_of(p) {
                Some(parent) => p = parent,
                None => return false,
            }
        }
        false
    };
    all.into_iter()
        .filter(|p| descends(*p))
        .filter_map(|p| {
            let status = std::fs::read_to_string(format!("/proc/{p}/status")).ok()?;
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
            };
            let rss = field("VmRSS:")?
                .trim_end_matches(" kB")
                .trim()
                .parse()
                .ok()?;
            Some((p, field("Name:").unwrap_or_default(), rss))
        })
        .collect()
}

/// When the process started, in Unix milliseconds (10 ms resolution, from /proc).
fn process_start_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks: f64 = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let boot: f64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let hz = rustix::param::clock_ticks_per_second() as f64;
    Some((boot + ticks / hz) * 1000.0)
}

fn main() {
    let messages = env_number("INLET_BENCH_MESSAGES", 1_000_000);
    let conversations = env_number("INLET_BENCH_CONVERSATIONS", 20_000);
    let data = prepared_data(messages, conversations);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run("bench_desktop", Launch::default().data_from(&data), async |app: &Session| {
        let painted = app
            .wait_until(
                "the first chat-list row painted",
                "window.__inletFirstListPaint",
                Duration::from_secs(120),
            )
            .await?;
        let pid = app_pid(app.data_dir())
            .ok_or_else(|| inlet_e2e::Error::Check("the app process was not found".into()))?;
        let start = process_start_ms(pid)
            .ok_or_else(|| inlet_e2e::Error::Check("no start time for the app process".into()))?;
        let painted_ms = painted.as_f64().unwrap_or_default();
        let total = app
            .execute("return Number(document.getElementById('chat-list').dataset.total)", vec![])
            .await?;
        ensure(
            total.as_u64() == Some(conversations as u64),
            format!("the list counts {total} conversations, not {conversations}"),
        )?;
        println!("cold start to the first painted chat list ({messages} messages, {conversations} conversations): {:.0} ms", painted_ms - start);

        // Scrolling far down: the virtual list fetches only the rows in view.
        let scroll = Instant::now();
        app.execute(
            "const l = document.getElementById('chat-list'); l.scrollTop = l.scrollHeight / 2; return true;",
            vec![],
        )
        .await?;
        app.wait_until(
            "rows in the middle of the list",
            &format!("document.querySelector('#chat-option-{} [data-conversation-id], #chat-option-{}[data-conversation-id]')", conversations / 2, conversations / 2),
            DEFAULT_TIMEOUT,
        )
        .await?;
        println!("jump to the middle of the list and show its rows: {:.0?}", scroll.elapsed());

        app.execute("const l = document.getElementById('chat-list'); l.scrollTop = 0; return true;", vec![])
            .await?;
        let opened = Instant::now();
        for index in 0..10 {
            app.wait_until(
                "a row to open",
                &format!("document.querySelector('#chat-option-{index}[data-conversation-id]')"),
                DEFAULT_TIMEOUT,
            )
            .await?;
            app.execute(&format!("document.getElementById('chat-option-{index}').click(); return true;"), vec![])
                .await?;
            app.wait_until(
                "the chat's messages",
                &format!(
                    "document.querySelector('#chat-view')?.dataset.conversationId === document.getElementById('chat-option-{index}').dataset.conversationId && document.querySelectorAll('#timeline [data-message-id]').length > 0"
                ),
                DEFAULT_TIMEOUT,
            )
            .await?;
        }
        println!("opened 10 chats (each with its newest 50 messages) in {:.0?}", opened.elapsed());
        let tree = process_tree_rss(pid);
        let mut total_kb = 0;
        for (p, name, kb) in &tree {
            println!("  RSS {:>8.1} MB  {name} (pid {p})", *kb as f64 / 1024.0);
            total_kb += kb;
        }
        println!("memory after opening 10 chats: app process {:.1} MB, with its WebKit processes {:.1} MB",
            tree.iter().find(|(p, _, _)| *p == pid).map_or(0.0, |t| t.2 as f64 / 1024.0),
            total_kb as f64 / 1024.0);
        app.save_view("10-chats-open").await?;
        Ok(())
    }));
}
