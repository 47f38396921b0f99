//! The SQL side of search (see `crate::search` for how a query is read and matched) and opening a
//! chat at a found message.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::queries::{self, TimelineMessage};
use super::{Queries, connection_of};
use crate::error::StoreError;
use crate::search::query::{Term, fts_expression, terms};
use crate::search::results::Fields;
use crate::search::{
    MessageKind, SCAN_BUDGET, SearchCursor, SearchHit, SearchMethod, SearchPage, SearchQuery,
};

/// Bounds of the number of matches above which a query counts as common (see `is_dense`).
const MIN_DENSE: i64 = 1_000;
const MAX_DENSE: i64 = 20_000;

/// The most messages [`Search::timeline_around`] returns on either side of the target.
pub const MAX_CONTEXT: u32 = 500;

/// A chat opened at one message: the message with up to `before` older and `after` newer ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineAround {
    /// Oldest first, like [`Queries::timeline`]; page further back with its cursor.
    pub messages: Vec<TimelineMessage>,
    /// Index of the target message in `messages`.
    pub target_index: u32,
    /// Whether older messages exist before `messages[0]`.
    pub has_older: bool,
    /// Whether newer messages exist after the last of `messages`.
    pub has_newer: bool,
}

/// Search and "open at this message", for both [`super::Store`] and [`super::Reader`].
pub trait Search: Queries + Sized {
    /// One page of messages matching `query`, newest first. Never fails on what the user typed.
    fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError> {
        run(connection_of(self), query)
    }

    /// The conversation's messages around message `rowid` (e.g. a search hit): `before` older
    /// ones, the message, `after` newer ones (each at most [`MAX_CONTEXT`]).
    fn timeline_around(
        &self,
        conversation_id: i64,
        rowid: i64,
        before: u32,
        after: u32,
    ) -> Result<TimelineAround, StoreError> {
        around(connection_of(self), conversation_id, rowid, before, after)
    }
}

impl<T: Queries> Search for T {}

/// A candidate row: the hit's fields plus what the filters still check.
struct Candidate {
    hit: SearchHit,
    text: String,
    name: Option<String>,
}

const COLUMNS: &str = "m.id, m.conversation_id, m.message_id, m.msg_type,
    json_extract(m.content_json, '$.type'), m.timestamp_ms, m.from_original, m.display_name,
    m.name, m.text, m.preview";

fn candidate(r: &Row<'_>) -> rusqlite::Result<Candidate> {
    let kind: Option<String> = r.get(4)?;
    Ok(Candidate {
        hit: SearchHit {
            rowid: r.get(0)?,
            conversation_id: r.get(1)?,
            message_id: r.get(2)?,
            msg_type: r.get(3)?,
            kind: kind
                .as_deref()
                .and_then(MessageKind::parse)
                .unwrap_or(MessageKind::Unsupported),
            timestamp_ms: r.get(5)?,
            from: r.get(6)?,
            display_name: r.get(7)?,
            preview: r.get(10)?,
            field: crate::search::MatchedField::Text,
            snippet: Vec::new(),
        },
        name: r.get(8)?,
        text: r.get(9)?,
    })
}

/// The statement for a query: structure from code, every value bound as a parameter. It selects
/// `select` of the matching messages, newest first.
fn statement(
    query: &SearchQuery,
    select: &str,
    fts: Option<&str>,
    row_limit: u32,
) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {select} FROM messages m WHERE 1");
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |sql: &mut String, clause: &str, value: Value| {
        args.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(fts) = fts {
        arg(
            &mut sql,
            " AND m.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?)",
            fts.to_string().into(),
        );
    }
    if let Some(channel) = &query.channel {
        arg(&mut sql, " AND m.channel_key = ?", channel.clone().into());
    }
    if let Some(id) = query.conversation_id {
        arg(&mut sql, " AND m.conversation_id = ?", id.into());
    }
    if let Some(since) = query.since_ms {
        arg(&mut sql, " AND m.timestamp_ms >= ?", since.into());
    }
    if let Some(until) = query.until_ms {
        arg(&mut sql, " AND m.timestamp_ms < ?", until.into());
    }
    if let Some(c) = query.cursor {
        arg(&mut sql, " AND (m.timestamp_ms < ?", c.timestamp_ms.into());
        arg(&mut sql, " OR (m.timestamp_ms = ?", c.timestamp_ms.into());
        arg(&mut sql, " AND m.id < ?))", c.rowid.into());
    }
    sql.push_str(" ORDER BY m.timestamp_ms DESC, m.id DESC");
    arg(&mut sql, " LIMIT ?", i64::from(row_limit).into());
    (sql, args)
}

fn run(conn: &Connection, query: &SearchQuery) -> Result<SearchPage, StoreError> {
    run_with_budget(conn, query, SCAN_BUDGET)
}

/// [`run`] with a given budget of rows examined per page (when rows are checked here).
fn run_with_budget(
    conn: &Connection,
    query: &SearchQuery,
    budget: u32,
) -> Result<SearchPage, StoreError> {
    let terms = terms(&query.text);
    // A common term matches so many messages that finding them all and sorting them by time
    // costs more than reading the newest messages until a page is full; see `is_dense`.
    let fts = match fts_expression(&terms) {
        Some(expr) if !is_dense(conn, &expr)? => Some(expr),
        _ => None,
    };
    // What the index does not check (1–2 character terms; every term when the index is not
    // used) and the kind filter are checked here, row by row; then the rows read are bounded by
    // the budget. Otherwise every row read is a hit.
    let unchecked: Vec<Term> = terms
        .iter()
        .filter(|t| fts.is_none() || !t.indexable())
        .cloned()
        .collect();
    let checks_rows = !unchecked.is_empty() || !query.kinds.is_empty();
    let row_limit = if checks_rows {
        budget
    } else {
        query.page_size() + 1
    };
    let mut page = PageBuilder {
        query,
        terms: &terms,
        unchecked: &unchecked,
        hits: Vec::new(),
        examined: 0,
        last_examined: None,
        full: false,
    };
    match &fts {
        // The index's matches are sorted by time: sort only their ids, then read the rows of
        // the page (a sort carries every selected column of every match along).
        Some(fts) => {
            let (sql, args) = statement(query, "m.id", Some(fts), row_limit);
            // Times come from the covering index, not from the (large) rows.
            let sql = sql.replacen(
                "FROM messages m",
                "FROM messages m INDEXED BY messages_search_order",
                1,
            );
            let ids: Vec<i64> = conn
                .prepare_cached(&sql)?
                .query_map(params_from_iter(args), |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let one = format!("SELECT {COLUMNS} FROM messages m WHERE m.id = ?1");
            let mut stmt = conn.prepare_cached(&one)?;
            for id in ids {
                if !page.offer(stmt.query_row([id], candidate)?) {
                    break;
                }
            }
        }
        // Newest first straight from the time index: rows are read only as far as needed.
        None => {
            let (sql, args) = statement(query, COLUMNS, None, row_limit);
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(args))?;
            while let Some(row) = rows.next()? {
                if !page.offer(candidate(row)?) {
                    break;
                }
            }
        }
    }
    let budget_exhausted = !page.full && checks_rows && page.examined == row_limit;
    let next = if page.full {
        page.hits.last().map(cursor_of)
    } else if budget_exhausted {
        page.last_examined
    } else {
        None
    };
    Ok(SearchPage {
        hits: page.hits,
        next,
        method: if fts.is_some() {
            SearchMethod::Index
        } else {
            SearchMethod::Scan
        },
        budget_exhausted,
    })
}

/// Collects a page from candidates offered newest first.
struct PageBuilder<'a> {
    query: &'a SearchQuery,
    /// Every term, for highlighting.
    terms: &'a [Term],
    /// The terms still to check on each row.
    unchecked: &'a [Term],
    hits: Vec<SearchHit>,
    examined: u32,
    last_examined: Option<SearchCursor>,
    /// A match was found beyond the page: there is a next page.
    full: bool,
}

impl PageBuilder<'_> {
    /// Takes one candidate; returns whether more are wanted.
    fn offer(&mut self, c: Candidate) -> bool {
        self.examined += 1;
        self.last_examined = Some(cursor_of(&c.hit));
        let fields = Fields {
            text: &c.text,
            display_name: c.hit.display_name.as_deref(),
            name: c.name.as_deref(),
        };
        let kinds = &self.query.kinds;
        if !(kinds.is_empty() || kinds.contains(&c.hit.kind)) || !fields.match_all(self.unchecked) {
            return true;
        }
        if self.hits.len() == self.query.page_size() as usize {
            self.full = true;
            return false;
        }
        let (field, snippet) = fields.snippet(self.terms);
        self.hits.push(SearchHit {
            field,
            snippet,
            ..c.hit
        });
        true
    }
}

/// Whether so many messages match `fts` that the newest page is found sooner by reading
/// messages newest first than by collecting every match and sorting it by time.
///
/// Sorting costs about a microsecond per match (times come from a covering index); reading costs
/// a few per row, and a page of 50 needs about `50 × messages / matches` rows. The two balance
/// near `sqrt(200 × messages)` matches (about 4,500 at 100,000 messages, 14,000 at a million),
/// which bounds both paths to a few tens of milliseconds. The index answers the question
/// quickly: it yields matches in row-id order and stops at the limit.
fn is_dense(conn: &Connection, fts: &str) -> Result<bool, StoreError> {
    let messages: i64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM messages")?
        .query_row([], |r| r.get(0))?;
    let threshold = ((200.0 * messages as f64).sqrt() as i64).clamp(MIN_DENSE, MAX_DENSE);
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT rowid FROM message_fts WHERE message_fts MATCH ?1
                                   ORDER BY rowid DESC LIMIT ?2)",
        )?
        .query_row(params![fts, threshold + 1], |r| r.get(0))?;
    Ok(n > threshold)
}

fn cursor_of(hit: &SearchHit) -> SearchCursor {
    SearchCursor {
        timestamp_ms: hit.timestamp_ms,
        rowid: hit.rowid,
    }
}

fn around(
    conn: &Connection,
    conversation_id: i64,
    rowid: i64,
    before: u32,
    after: u32,
) -> Result<TimelineAround, StoreError> {
    let (before, after) = (before.min(MAX_CONTEXT), after.min(MAX_CONTEXT));
    let target_ms: i64 = conn
        .prepare_cached("SELECT timestamp_ms FROM messages WHERE id = ?1 AND conversation_id = ?2")?
        .query_row([rowid, conversation_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!("message {rowid} in conversation {conversation_id}"))
        })?;
    let newer: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT timestamp_ms, id FROM messages
             WHERE conversation_id = ?1 AND (timestamp_ms, id) > (?2, ?3)
             ORDER BY timestamp_ms, id LIMIT ?4",
        )?
        .query_map(params![conversation_id, target_ms, rowid, after], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    let end = newer.last().copied().unwrap_or((target_ms, rowid));
    // The timeline's cursor is exclusive; (ts, id + 1) includes `end` itself.
    let upto = (end.0, end.1.saturating_add(1));
    let count = before + 1 + newer.len() as u32;
    let messages = queries::timeline(conn, conversation_id, Some(upto), count)?;
    let target_index = messages
        .iter()
        .position(|m| m.id == rowid)
        .ok_or_else(|| StoreError::NotFound(format!("message {rowid}")))?;
    let has_older = match messages.first() {
        Some(first) => exists(conn, conversation_id, "<", (first.timestamp_ms, first.id))?,
        None => false,
    };
    let has_newer = exists(conn, conversation_id, ">", end)?;
    Ok(TimelineAround {
        messages,
        target_index: target_index as u32,
        has_older,
        has_newer,
    })
}

/// Whether the conversation has a message `op` (`<` or `>`) the `(timestamp_ms, id)` point.
fn exists(
    conn: &Connection,
    conversation_id: i64,
    op: &str,
    (ts, id): (i64, i64),
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM messages
         WHERE conversation_id = ?1 AND (timestamp_ms, id) {op} (?2, ?3))"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![conversation_id, ts, id], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{delivery, mo_json};

    #[test]
    fn a_scan_stops_at_its_budget_and_its_cursor_continues_there() {
        let (_dir, mut store) = crate::test_support::temp_store();
        let batch: Vec<_> = (0..10)
            .map(|i| {
                let body = if i == 1 { "你好" } else { "nothing here" };
                let json = mo_json(&format!("m{i}"), "1", 1_000 + i, "TEXT", body.into());
                delivery(&format!("q{i}"), &json)
            })
            .collect();
        store.ingest(&batch, 5_000).unwrap();
        let mut query = SearchQuery::text("你好");
        let mut pages = 0;
        let hit = loop {
            let page = run_with_budget(store.conn(), &query, 3).unwrap();
            pages += 1;
            assert_eq!(page.method, SearchMethod::Scan);
            if let Some(hit) = page.hits.first() {
                break hit.clone();
            }
            assert!(
                page.budget_exhausted,
                "an empty page before the end says why"
            );
            query.cursor = page.next;
            assert!(query.cursor.is_some());
        };
        assert_eq!(hit.message_id, "m1");
        // Rows 9..7, 6..4, 3..1: the third page reaches it.
        assert_eq!(pages, 3);
        // The next page examines the last row and ends the search.
        query.cursor = Some(cursor_of(&hit));
        let last = run_with_budget(store.conn(), &query, 3).unwrap();
        assert!(last.hits.is_empty() && last.next.is_none() && !last.budget_exhausted);
    }

    #[test]
    fn a_common_term_is_found_newest_first_by_reading_messages() {
        let (_dir, mut store) = crate::test_support::temp_store();
        let n = MIN_DENSE + 100;
        // Arrival order is the reverse of send time: only a time ordering gets this right.
        let batch: Vec<_> = (0..n)
            .map(|i| {
                let body = format!("order {i}");
                let json = mo_json(&format!("m{i}"), "1", 1_000_000 - i, "TEXT", body.into());
                delivery(&format!("q{i}"), &json)
            })
            .collect();
        store.ingest(&batch, 5_000).unwrap();
        let mut query = SearchQuery {
            limit: Some(500),
            ..SearchQuery::text("ORDER")
        };
        let mut seen = Vec::new();
        loop {
            let page = run(store.conn(), &query).unwrap();
            assert_eq!(page.method, SearchMethod::Scan);
            assert!(
                page.hits
                    .iter()
                    .all(|h| h.snippet.iter().any(|p| p.matched))
            );
            seen.extend(page.hits.iter().map(|h| h.timestamp_ms));
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, n);
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
        // Narrowed by a rare second term, the index finds it again.
        let page = run(store.conn(), &SearchQuery::text("order 1050")).unwrap();
        assert_eq!(page.method, SearchMethod::Index);
        assert_eq!(page.hits[0].message_id, "m1050");
    }

    #[test]
    fn an_index_search_reads_only_what_the_page_needs() {
        let (_dir, mut store) = crate::test_support::temp_store();
        let batch: Vec<_> = (0..5)
            .map(|i| {
                delivery(
                    &format!("q{i}"),
                    &mo_json(&format!("m{i}"), "1", i, "TEXT", "order".into()),
                )
            })
            .collect();
        store.ingest(&batch, 5_000).unwrap();
        let query = SearchQuery {
            limit: Some(2),
            ..SearchQuery::text("order")
        };
        let page = run_with_budget(store.conn(), &query, 1).unwrap();
        // The budget does not apply: no row is checked here.
        assert_eq!(page.hits.len(), 2);
        assert!(!page.budget_exhausted);
        assert_eq!(page.next, Some(cursor_of(&page.hits[1])));
    }
}
