//! The CSV export: one row per message, RFC 4180 quoting that a CSV reader undoes exactly, and
//! no cell a spreadsheet would run as a formula.

mod archive_support;

use archive_support::{FIXTURES, NOW, delivery, fixture, mo, open, text};
use inlet_core::export::{ExportScope, export_csv};
use serde_json::json;

fn rows(out: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(out);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn one_row_per_message_with_awkward_text_intact_and_formulas_defused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let mut batch: Vec<_> = FIXTURES.iter().map(|n| delivery(n, &fixture(n))).collect();
    batch.push(text(
        "multi",
        "447700900123",
        NOW,
        "line one, with comma\n\"quoted\" line two",
    ));
    batch.push(text(
        "formula",
        "447700900123",
        NOW + 1,
        "=HYPERLINK(\"http://x\",\"click\")",
    ));
    batch.push(text("at", "447700900123", NOW + 2, "@SUM(A1:A9)"));
    batch.push(delivery(
        "minus",
        &mo(
            "minus",
            "+447700900123",
            NOW + 3,
            "TEXT",
            json!("-2+3"),
            json!({"DisplayName": "+cmd"}),
        ),
    ));
    s.ingest(&batch, NOW).unwrap();

    let mut out = Vec::new();
    let n = export_csv(&s, &ExportScope::default(), false, &mut out).unwrap();
    assert!(
        String::from_utf8_lossy(&out).contains("\r\n"),
        "lines end in CRLF"
    );
    let (header, rows) = rows(&out);
    assert_eq!(rows.len(), n);
    assert_eq!(n, FIXTURES.len() + 4);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r[col("message_id")] == id)
            .unwrap()
            .clone()
    };

    assert_eq!(
        row("multi")[col("text")],
        "line one, with comma\n\"quoted\" line two"
    );
    assert_eq!(
        row("formula")[col("text")],
        "'=HYPERLINK(\"http://x\",\"click\")"
    );
    assert_eq!(row("at")[col("text")], "'@SUM(A1:A9)");
    let minus = row("minus");
    assert_eq!(minus[col("text")], "'-2+3");
    assert_eq!(minus[col("from")], "'+447700900123");
    assert_eq!(minus[col("display_name")], "'+cmd");
    for r in &rows {
        for cell in r {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "cell {cell:?} could run as a formula"
            );
        }
    }

    let location = rows.iter().find(|r| r[col("kind")] == "location").unwrap();
    assert!(location[col("text")].contains("Wenyi Road"));
    assert!(!location[col("latitude")].is_empty());
    let doc = rows.iter().find(|r| r[col("kind")] == "document").unwrap();
    assert_eq!(doc[col("attachment_state")], "queued");
    assert_eq!(doc[col("attachment_mime")], "application/pdf");
    assert_eq!(row("multi")[col("time_utc")], "2026-01-01 00:00:00");
}

#[test]
fn labels_and_notes_are_columns_and_a_scope_limits_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let r = s
        .ingest(
            &[
                text("a", "111", 1_000, "old"),
                text("b", "222", 2_000, "new"),
            ],
            NOW,
        )
        .unwrap();
    let vip = s.create_label("VIP", "#ff0000", 1).unwrap();
    let eu = s.create_label("EU", "#0000ff", 1).unwrap();
    s.assign_label(r.inserted[1].conversation_id, vip.id, 1)
        .unwrap();
    s.assign_label(r.inserted[1].conversation_id, eu.id, 1)
        .unwrap();
    s.set_contact_note("222", "call after 6pm", 1).unwrap();

    let mut out = Vec::new();
    let scope = ExportScope {
        conversation_id: Some(r.inserted[1].conversation_id),
        ..Default::default()
    };
    assert_eq!(export_csv(&s, &scope, true, &mut out).unwrap(), 1);
    assert!(out.starts_with("\u{feff}".as_bytes()), "the BOM asked for");
    let (header, found) = rows(&out[3..]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(found[0][col("message_id")], "b");
    assert_eq!(found[0][col("labels")], "EU, VIP");
    assert_eq!(found[0][col("contact_note")], "call after 6pm");

    let mut out = Vec::new();
    let scope = ExportScope {
        until_ms: Some(2_000),
        ..Default::default()
    };
    assert_eq!(export_csv(&s, &scope, false, &mut out).unwrap(), 1);
    assert_eq!(rows(&out).1[0][col("message_id")], "a");
}
