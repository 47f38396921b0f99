//! HTML export: a folder that opens offline in any browser.
//!
//! ```text
//! index.html            every chat in scope: who, labels, note, count, dates, page links
//! chats/<id>-<n>.html   a chat's messages, oldest first, `page_size` per page, prev/next links
//! quarantine.html       bodies that could not be read (if any in scope)
//! files/<rowid>-<name>  saved attachments, copied from the media folder
//! tiles/<z>-<x>-<y>.png map tiles of locations, copied from the tile cache
//! style.css, labels.css
//! ```
//!
//! Pages are paginated so a 100,000-message chat opens as quickly as a short one. They have no
//! scripts at all and a strict Content-Security-Policy (`default-src 'none'; img-src 'self';
//! media-src 'self'; style-src 'self'`), so even if some text escaped its escaping it could run
//! nothing and load nothing from outside. Every value from a message is escaped
//! ([`escape_html`]); label colours are validated `#rrggbb`; file names are sanitised
//! ([`sanitise_file_name`]). A missing media file is shown as a card with the attachment's state.

mod assets;
mod escape;
mod render;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params_from_iter};
use serde::Serialize;
use ts_rs::TS;

pub use escape::{escape_html, sanitise_file_name};

use self::assets::Assets;
use self::escape::escape_html as esc;
use super::ExportScope;
use super::rows::{
    self, ChatInfo, MessageRow, Order, Organisation, QuarantineRow, for_each_message, scope_filter,
};
use crate::decode::Content;
use crate::error::CoreError;
use crate::media::MapView;
use crate::store::Queries;
use crate::store::organise::label_colour;

/// Messages per chat page unless told otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

const CSP: &str = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'";

/// Where and how to write an HTML export.
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    /// The folder to create; it must not exist yet or be empty.
    pub out_dir: PathBuf,
    /// Where relative media and tile paths in the store are found; the database's folder when
    /// `None`. (The media keeper records absolute paths, which are used as they are.)
    pub media_dir: Option<PathBuf>,
    /// Messages per chat page (at least 1).
    pub page_size: u32,
}

impl HtmlOptions {
    pub fn new(out_dir: impl Into<PathBuf>) -> HtmlOptions {
        HtmlOptions {
            out_dir: out_dir.into(),
            media_dir: None,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// What an HTML export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct HtmlExportReport {
    /// The page to open.
    pub index: String,
    pub chats: u32,
    pub messages: u32,
    pub pages: u32,
    /// Attachments copied into the export.
    pub files_copied: u32,
    /// Attachments the store has as saved whose file was not found (shown as cards).
    pub files_missing: u32,
    pub tiles_copied: u32,
    pub quarantined: u32,
}

/// One chat in scope: its messages' count and time span.
struct ChatStats {
    id: i64,
    messages: u32,
    first_ms: i64,
    last_ms: i64,
}

impl ChatStats {
    fn pages(&self, page_size: u32) -> u32 {
        self.messages.div_ceil(page_size).max(1)
    }
}

/// Writes the messages in `scope` as a browsable folder (see the module docs).
pub fn export_html(
    source: &impl Queries,
    scope: &ExportScope,
    options: &HtmlOptions,
) -> Result<HtmlExportReport, CoreError> {
    let out = &options.out_dir;
    prepare_dir(out)?;
    let page_size = options.page_size.max(1);
    let conn = crate::store::connection_of(source);
    let tx = conn.unchecked_transaction()?;
    let org = Organisation::load(&tx)?;
    let stats = chat_stats(&tx, scope)?;
    write_styles(out, &org)?;

    let base = match &options.media_dir {
        Some(d) => d.clone(),
        None => database_dir(&tx)?,
    };
    let mut assets = Assets::new(out, base);
    let mut report = HtmlExportReport::default();
    let mut pages = PageWriter::new(out, page_size, &stats, &org);
    for_each_message(&tx, scope, Order::ChatThenTime, |m| {
        let map = map_for(source, &m)?;
        let html = render::message(&m, map, &mut assets);
        pages.push(m.conversation_id, &html)?;
        report.messages += 1;
        Ok(())
    })?;
    report.pages = pages.finish()?;

    let quarantined = rows::quarantined(&tx, scope)?;
    if !quarantined.is_empty() {
        write_page(
            &out.join("quarantine.html"),
            "Unreadable messages",
            &quarantine_body(&quarantined),
            "",
        )?;
    }
    write_page(
        &out.join("index.html"),
        "Inlet export",
        &index_body(&stats, &org, page_size, quarantined.len(), scope),
        "",
    )?;
    report.index = out.join("index.html").to_string_lossy().into_owned();
    report.chats = stats.len() as u32;
    report.files_copied = assets.files_copied;
    report.files_missing = assets.files_missing;
    report.tiles_copied = assets.tiles_copied;
    report.quarantined = quarantined.len() as u32;
    Ok(report)
}

fn prepare_dir(out: &Path) -> Result<(), CoreError> {
    if out.exists() && fs::read_dir(out)?.next().is_some() {
        return Err(CoreError::Archive(format!(
            "{} is not empty; export into a new or empty folder",
            out.display()
        )));
    }
    for sub in ["chats", "files", "tiles"] {
        fs::create_dir_all(out.join(sub))?;
    }
    Ok(())
}

/// The folder of the main database file, for resolving relative paths.
fn database_dir(conn: &Connection) -> Result<PathBuf, CoreError> {
    let file: String = conn.query_row(
        "SELECT file FROM pragma_database_list WHERE name = 'main'",
        [],
        |r| r.get(0),
    )?;
    Ok(Path::new(&file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default())
}

fn chat_stats(conn: &Connection, scope: &ExportScope) -> Result<Vec<ChatStats>, CoreError> {
    let (filter, args) = scope_filter(scope);
    let sql = format!(
        "SELECT m.conversation_id, count(*), min(m.timestamp_ms), max(m.timestamp_ms)
         FROM messages m WHERE {filter} GROUP BY m.conversation_id
         ORDER BY max(m.timestamp_ms) DESC, m.conversation_id DESC"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(ChatStats {
            id: r.get(0)?,
            messages: r.get(1)?,
            first_ms: r.get(2)?,
            last_ms: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A LOCATION's street-level map, when its tiles are cached.
fn map_for(source: &impl Queries, m: &MessageRow) -> Result<Option<MapView>, CoreError> {
    if !matches!(m.content, Content::Location { .. }) {
        return Ok(None);
    }
    let map = crate::media::location_map(source, m.rowid)?;
    Ok(map.and_then(|map| map.views.into_iter().max_by_key(|v| v.z)))
}

fn write_styles(out: &Path, org: &Organisation) -> Result<(), CoreError> {
    fs::write(out.join("style.css"), include_str!("html/style.css"))?;
    let mut colours: Vec<String> = org
        .chats
        .values()
        .flat_map(|c| c.labels.iter())
        .filter_map(|l| label_colour(&l.colour).ok())
        .collect();
    colours.sort();
    colours.dedup();
    let mut css = String::from("/* Label colours. */\n");
    for c in colours {
        let _ = writeln!(
            css,
            ".c-{} {{ background: {c}; color: {}; }}",
            &c[1..],
            ink_on(&c)
        );
    }
    fs::write(out.join("labels.css"), css)?;
    Ok(())
}

/// Black or white text, whichever reads better on `#rrggbb`.
fn ink_on(colour: &str) -> &'static str {
    let channel = |i: usize| u8::from_str_radix(&colour[i..i + 2], 16).unwrap_or(0) as f64;
    let luma = 0.299 * channel(1) + 0.587 * channel(3) + 0.114 * channel(5);
    if luma > 150.0 { "#000000" } else { "#ffffff" }
}

fn labels_html(chat: &ChatInfo) -> String {
    chat.labels
        .iter()
        .map(|l| {
            let class = label_colour(&l.colour)
                .map(|c| format!(" c-{}", &c[1..]))
                .unwrap_or_default();
            format!("<span class=\"label{class}\">{}</span>", esc(&l.name))
        })
        .collect()
}

/// Writes a complete page: `depth` is the path back to the export's root ("" or "../").
fn write_page(path: &Path, title: &str, body: &str, depth: &str) -> Result<(), CoreError> {
    let mut f = BufWriter::new(File::create(path)?);
    f.write_all(page_head(title, depth).as_bytes())?;
    f.write_all(body.as_bytes())?;
    f.write_all(PAGE_TAIL.as_bytes())?;
    f.flush()?;
    Ok(())
}

fn page_head(title: &str, depth: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"und\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n\
         <link rel=\"stylesheet\" href=\"{depth}style.css\">\n\
         <link rel=\"stylesheet\" href=\"{depth}labels.css\">\n</head>\n<body>\n",
        esc(title)
    )
}

const PAGE_TAIL: &str = "<footer>Exported from Inlet. This page runs no scripts and loads nothing from the internet.</footer>\n</body>\n</html>\n";

fn page_file(chat: i64, page: u32) -> String {
    format!("{chat}-{page}.html")
}

fn date_span(first_ms: i64, last_ms: i64) -> String {
    let day = |ms| render::local_time(ms).get(..10).unwrap_or("").to_string();
    let (a, b) = (day(first_ms), day(last_ms));
    if a == b { a } else { format!("{a} – {b}") }
}

fn index_body(
    stats: &[ChatStats],
    org: &Organisation,
    page_size: u32,
    quarantined: usize,
    scope: &ExportScope,
) -> String {
    let mut s = String::from("<header class=\"top\"><h1>Inlet export</h1>\n");
    let _ = writeln!(
        s,
        "<p class=\"sub\">{} chats, {} messages{}</p></header>\n<main>",
        stats.len(),
        stats.iter().map(|c| c.messages as u64).sum::<u64>(),
        scope_text(scope)
    );
    if stats.is_empty() {
        s.push_str("<p class=\"empty\">No messages in this export.</p>\n");
    } else {
        s.push_str(
            "<table class=\"chats\">\n<tr><th>Chat</th><th>Labels</th><th>Messages</th>\
             <th>Dates</th><th>Pages</th></tr>\n",
        );
        for c in stats {
            s.push_str(&index_row(c, org.chats.get(&c.id), org, page_size));
        }
        s.push_str("</table>\n");
    }
    if quarantined > 0 {
        let _ = writeln!(
            s,
            "<p><a href=\"quarantine.html\">{quarantined} messages could not be read</a> \
             (kept byte for byte).</p>"
        );
    }
    s.push_str("</main>\n");
    s
}

fn scope_text(scope: &ExportScope) -> String {
    let day = |ms: i64| render::local_time(ms).get(..10).unwrap_or("").to_string();
    match (scope.since_ms, scope.until_ms) {
        (Some(a), Some(b)) => format!(", sent from {} until before {}", day(a), day(b)),
        (Some(a), None) => format!(", sent from {}", day(a)),
        (None, Some(b)) => format!(", sent before {}", day(b)),
        (None, None) => String::new(),
    }
}

fn index_row(c: &ChatStats, chat: Option<&ChatInfo>, org: &Organisation, page_size: u32) -> String {
    let pages = c.pages(page_size);
    let title = chat.map_or("(unknown chat)", ChatInfo::title);
    let number = chat.map_or("", |c| c.customer_number.as_str());
    let note = chat
        .and_then(|c| org.note_for(&c.customer_number))
        .map(|n| format!("<div class=\"note\">{}</div>", esc(&n.text)))
        .unwrap_or_default();
    let mut links = format!("<a href=\"chats/{}\">first</a>", page_file(c.id, 1));
    if pages > 1 {
        let _ = write!(
            links,
            " · <a href=\"chats/{}\">latest</a> ({pages})",
            page_file(c.id, pages)
        );
    }
    format!(
        "<tr><td><a href=\"chats/{}\"><strong>{}</strong></a><br>{}{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td>{}</td></tr>\n",
        page_file(c.id, pages),
        esc(title),
        esc(number),
        note,
        chat.map(labels_html).unwrap_or_default(),
        c.messages,
        date_span(c.first_ms, c.last_ms),
        links
    )
}

fn quarantine_body(items: &[QuarantineRow]) -> String {
    let mut s = String::from(
        "<header class=\"top\"><h1>Unreadable messages</h1>\n<p class=\"sub\">These queue \
         messages could not be decoded. They are kept byte for byte; the JSON export has their \
         exact bytes.</p></header>\n<nav><a href=\"index.html\">All chats</a></nav>\n<main>\n",
    );
    for q in items {
        // Long bodies are cut for reading; the JSON export has every byte.
        let text = String::from_utf8_lossy(&q.raw);
        let shown: String = text.chars().take(4000).collect();
        let _ = writeln!(
            s,
            "<article class=\"msg kind-quarantined\"><div class=\"meta\">Queue message \
             <span class=\"who\">{}</span> · first seen {} · seen {} times</div>\
             <p class=\"text\">{}</p><pre>{}</pre></article>",
            esc(&q.queue_message_id),
            render::local_time(q.first_seen_ms),
            q.times_seen,
            esc(&q.error),
            esc(&shown)
        );
    }
    s.push_str("</main>\n");
    s
}

/// Writes chat pages as messages stream in (by chat, then time).
struct PageWriter<'a> {
    out: &'a Path,
    page_size: u32,
    stats: &'a [ChatStats],
    org: &'a Organisation,
    current: Option<OpenPage>,
    pages: u32,
}

struct OpenPage {
    chat: i64,
    page: u32,
    of: u32,
    written: u32,
    file: BufWriter<File>,
}

impl<'a> PageWriter<'a> {
    fn new(out: &'a Path, page_size: u32, stats: &'a [ChatStats], org: &'a Organisation) -> Self {
        PageWriter {
            out,
            page_size,
            stats,
            org,
            current: None,
            pages: 0,
        }
    }

    fn push(&mut self, chat: i64, html: &str) -> Result<(), CoreError> {
        let next = match &self.current {
            Some(p) if p.chat == chat && p.written < self.page_size => None,
            Some(p) if p.chat == chat => Some(p.page + 1),
            _ => Some(1),
        };
        if let Some(page) = next {
            self.close()?;
            self.open(chat, page)?;
        }
        if let Some(p) = &mut self.current {
            p.file.write_all(html.as_bytes())?;
            p.written += 1;
        }
        Ok(())
    }

    fn open(&mut self, chat: i64, page: u32) -> Result<(), CoreError> {
        let of = self
            .stats
            .iter()
            .find(|s| s.id == chat)
            .map_or(page, |s| s.pages(self.page_size));
        let info = self.org.chats.get(&chat);
        let title = info.map_or("Chat", ChatInfo::title);
        let mut file = BufWriter::new(File::create(
            self.out.join("chats").join(page_file(chat, page)),
        )?);
        file.write_all(page_head(&format!("{title} — page {page} of {of}"), "../").as_bytes())?;
        file.write_all(chat_header(info, self.org).as_bytes())?;
        file.write_all(nav(chat, page, of).as_bytes())?;
        file.write_all(b"<main>\n")?;
        self.current = Some(OpenPage {
            chat,
            page,
            of,
            written: 0,
            file,
        });
        self.pages += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<(), CoreError> {
        if let Some(mut p) = self.current.take() {
            p.file.write_all(b"</main>\n")?;
            p.file.write_all(nav(p.chat, p.page, p.of).as_bytes())?;
            p.file.write_all(PAGE_TAIL.as_bytes())?;
            p.file.flush()?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<u32, CoreError> {
        self.close()?;
        Ok(self.pages)
    }
}

fn chat_header(chat: Option<&ChatInfo>, org: &Organisation) -> String {
    let Some(c) = chat else {
        return "<header class=\"top\"><h1>Chat</h1></header>\n".into();
    };
    let mut flags = Vec::new();
    if c.pinned {
        flags.push("pinned");
    }
    if c.archived {
        flags.push("archived");
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" · {}", flags.join(", "))
    };
    let note = org
        .note_for(&c.customer_number)
        .map(|n| format!("<div class=\"note\">{}</div>\n", esc(&n.text)))
        .unwrap_or_default();
    format!(
        "<header class=\"top\"><h1>{}</h1>\n<p class=\"sub\">{} ↔ {}{} {}</p>\n{}</header>\n",
        esc(c.title()),
        esc(&c.customer_number),
        esc(&c.business_number),
        flags,
        labels_html(c),
        note
    )
}

fn nav(chat: i64, page: u32, of: u32) -> String {
    let link = |p: u32, text: &str, rel: &str| {
        format!("<a{rel} href=\"{}\">{text}</a>", page_file(chat, p))
    };
    let mut parts = vec!["<a href=\"../index.html\">All chats</a>".to_string()];
    if page > 1 {
        parts.push(link(1, "Oldest", ""));
        parts.push(link(page - 1, "← Older", " rel=\"prev\""));
    }
    parts.push(format!("<span class=\"here\">Page {page} of {of}</span>"));
    if page < of {
        parts.push(link(page + 1, "Newer →", " rel=\"next\""));
        parts.push(link(of, "Latest", ""));
    }
    format!("<nav>{}</nav>\n", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_contrasts_with_the_label() {
        assert_eq!(ink_on("#ffff00"), "#000000");
        assert_eq!(ink_on("#1d1d80"), "#ffffff");
    }

    #[test]
    fn navigation_links_neighbours_only_when_they_exist() {
        let first = nav(7, 1, 3);
        assert!(
            !first.contains("Older") && first.contains("7-2.html") && first.contains("7-3.html")
        );
        let last = nav(7, 3, 3);
        assert!(last.contains("7-2.html") && !last.contains("Newer"));
        let only = nav(7, 1, 1);
        assert!(!only.contains("rel="));
    }
}
