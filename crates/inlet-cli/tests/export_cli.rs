//! `inlet export`, `search`, `import`, `backup` and `restore` as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use inlet_core::store::{Incoming, Store};
use serde_json::{Value, json};

fn inlet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_inlet"))
        .args(args)
        .output()
        .expect("inlet runs")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "inlet failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn body(id: &str, from: &str, ts: i64, msg_type: &str, message: Value) -> Incoming {
    let json = json!({
        "MessageId": id, "WabaId": "waba-1", "CustSpaceId": "cams-1", "From": from,
        "To": "8613900000000", "Timestamp": ts, "DisplayName": format!("Customer {from}"),
        "Type": msg_type, "Message": message,
    });
    let b64 = base64::engine::general_purpose::STANDARD.encode(json.to_string());
    Incoming::decode(format!("q-{id}"), b64.into_bytes(), 1)
}

/// 2024-03-01T00:00:00Z
const MARCH: i64 = 1_709_251_200_000;
const DAY: i64 = 86_400_000;

fn store(dir: &Path) -> (PathBuf, i64) {
    let db = dir.join("inlet.db");
    let mut s = Store::open(&db).unwrap();
    let r = s
        .ingest(
            &[
                body(
                    "feb",
                    "111",
                    MARCH - 10 * DAY,
                    "TEXT",
                    json!("invoice for February, order AB-1001"),
                ),
                body(
                    "mar",
                    "111",
                    MARCH + 2 * DAY,
                    "TEXT",
                    json!("invoice for March, order AB-2002"),
                ),
                body(
                    "img",
                    "222",
                    MARCH + 3 * DAY,
                    "IMAGE",
                    json!({"caption": "invoice photo", "url": "https://h/i.jpg"}),
                ),
                body("hi", "222", MARCH + 4 * DAY, "TEXT", json!("你好 =1+1")),
                Incoming::decode("bad".into(), b"not a message".to_vec(), 1),
            ],
            MARCH + 5 * DAY,
        )
        .unwrap();
    let vip = s.create_label("VIP", "#ffcc00", 1).unwrap();
    s.assign_label(r.inserted[2].conversation_id, vip.id, 1)
        .unwrap();
    (db, r.inserted[2].conversation_id)
}

fn db_arg(db: &Path) -> &str {
    db.to_str().unwrap()
}

#[test]
fn json_goes_to_standard_output_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = store(dir.path());
    let all = lines(&ok(inlet(&[
        "export",
        "--db",
        db_arg(&db),
        "--format",
        "json",
    ])));
    assert_eq!(all.len(), 5);
    assert_eq!(all.last().unwrap()["quarantined"], true);
    assert!(all[0]["raw_base64"].is_string());
    // The default format is json too.
    assert_eq!(lines(&ok(inlet(&["export", "--db", db_arg(&db)]))), all);
}

#[test]
fn a_chat_or_a_date_range_is_exported_in_each_format() {
    let dir = tempfile::tempdir().unwrap();
    let (db, chat) = store(dir.path());
    let chat = chat.to_string();
    let march = ok(inlet(&[
        "export",
        "--db",
        db_arg(&db),
        "--since",
        "2024-03-01T00:00:00Z",
        "--until",
        "2024-03-03T23:00:00Z",
    ]));
    let ids: Vec<Value> = lines(&march)
        .iter()
        .map(|l| l["message_id"].clone())
        .collect();
    assert_eq!(ids, [json!("mar")]);
    let one_chat = lines(&ok(inlet(&[
        "export",
        "--db",
        db_arg(&db),
        "--conversation",
        &chat,
    ])));
    assert_eq!(one_chat.len(), 2, "the chat's two messages, no quarantine");

    let csv = dir.path().join("out.csv");
    ok(inlet(&[
        "export",
        "--db",
        db_arg(&db),
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 5, "header and four messages");
    assert!(text.contains("'=1+1") || text.contains("你好 =1+1"));

    let html = dir.path().join("site");
    let report: Value = serde_json::from_str(&ok(inlet(&[
        "export",
        "--db",
        db_arg(&db),
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ])))
    .unwrap();
    assert_eq!(report["messages"], 4);
    assert!(html.join("index.html").is_file());
    let index = std::fs::read_to_string(html.join("index.html")).unwrap();
    assert!(index.contains("VIP") && index.contains("quarantine.html"));

    let again = inlet(&[
        "export",
        "--db",
        db_arg(&db),
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(
        !again.status.success(),
        "a non-empty folder is not overwritten"
    );
    let no_out = inlet(&["export", "--db", db_arg(&db), "--format", "html"]);
    assert!(String::from_utf8_lossy(&no_out.stderr).contains("--out"));
    let bad_date = inlet(&["export", "--db", db_arg(&db), "--since", "yesterday-ish"]);
    assert!(!bad_date.status.success());
    assert!(String::from_utf8_lossy(&bad_date.stderr).contains("YYYY-MM-DD"));
}

#[test]
fn search_prints_matching_messages_in_the_export_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = store(dir.path());
    let found = lines(&ok(inlet(&["search", "--db", db_arg(&db), "invoice"])));
    let ids: Vec<&str> = found
        .iter()
        .map(|l| l["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["img", "mar", "feb"], "newest first");
    assert!(
        found
            .iter()
            .all(|l| l["raw_base64"].is_string() && l["conversation_id"].is_i64())
    );

    let images = lines(&ok(inlet(&[
        "search",
        "--db",
        db_arg(&db),
        "invoice",
        "--type",
        "image",
    ])));
    assert_eq!(images.len(), 1);
    let limited = lines(&ok(inlet(&[
        "search",
        "--db",
        db_arg(&db),
        "invoice",
        "--limit",
        "2",
    ])));
    assert_eq!(limited.len(), 2);
    let since = lines(&ok(inlet(&[
        "search",
        "--db",
        db_arg(&db),
        "invoice",
        "--since",
        "2024-03-01T00:00:00Z",
        "--until",
        "2024-03-04T12:00:00Z",
    ])));
    assert_eq!(since.len(), 2);
    assert_eq!(
        lines(&ok(inlet(&["search", "--db", db_arg(&db), "你好"])))[0]["message_id"],
        "hi"
    );
    assert_eq!(
        lines(&ok(inlet(&["search", "--db", db_arg(&db), "B-200"])))[0]["message_id"],
        "mar"
    );
    for hostile in [":)", "\"", "NEAR(", "AND", "*", "-", "(("] {
        ok(inlet(&["search", "--db", db_arg(&db), "--", hostile]));
    }
    let bad_type = inlet(&["search", "--db", db_arg(&db), "x", "--type", "sticker"]);
    assert!(String::from_utf8_lossy(&bad_type.stderr).contains("unknown --type"));
}

#[test]
fn import_reads_an_export_back() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = store(dir.path());
    let file = dir.path().join("all.jsonl");
    ok(inlet(&[
        "export",
        "--db",
        db_arg(&db),
        "--out",
        file.to_str().unwrap(),
    ]));
    let copy = dir.path().join("copy.db");
    let report: Value = serde_json::from_str(&ok(inlet(&[
        "import",
        "--db",
        db_arg(&copy),
        file.to_str().unwrap(),
    ])))
    .unwrap();
    assert_eq!(report["messages"], 4);
    assert_eq!(report["quarantined"], 1);
    assert_eq!(
        ok(inlet(&["export", "--db", db_arg(&copy)])),
        std::fs::read_to_string(&file).unwrap()
    );
}

#[test]
fn backup_and_restore_refuse_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = store(dir.path());
    let file = dir.path().join("store.backup");
    ok(inlet(&[
        "backup",
        "--db",
        db_arg(&db),
        "--out",
        file.to_str().unwrap(),
    ]));
    let before = ok(inlet(&["export", "--db", db_arg(&db)]));

    let refused = inlet(&[
        "restore",
        "--from",
        file.to_str().unwrap(),
        "--db",
        db_arg(&db),
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));

    let elsewhere = dir.path().join("restored/inlet.db");
    ok(inlet(&[
        "restore",
        "--from",
        file.to_str().unwrap(),
        "--db",
        db_arg(&elsewhere),
    ]));
    assert_eq!(ok(inlet(&["export", "--db", db_arg(&elsewhere)])), before);
    ok(inlet(&[
        "restore",
        "--from",
        file.to_str().unwrap(),
        "--db",
        db_arg(&db),
        "--force",
    ]));
    assert_eq!(ok(inlet(&["export", "--db", db_arg(&db)])), before);
}
