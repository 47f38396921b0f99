//! What the user asked for: the search box's text turned into terms, and the filters.
//!
//! User text is never passed to SQLite as FTS5 query syntax. It is split on whitespace into terms;
//! each term becomes one quoted FTS5 string (`"` doubled inside), and the strings are ANDed. So
//! `:)`, `"`, `AND`, `*`, `-`, `NEAR(` or `((` are just characters to look for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::fold::fold;
use crate::decode::Content;

/// The trigram index only knows substrings of 3 characters or more.
pub(crate) const TRIGRAM: usize = 3;
/// Bounds on what one query may ask, so no input makes a search arbitrarily slow.
const MAX_TERMS: usize = 16;
const MAX_TERM_CHARS: usize = 200;
/// Results per page when the caller does not say, and the most it may ask for.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// A search: text to find plus filters. Every field is optional; an empty text with filters lists
/// the matching messages (e.g. every photo of March).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct SearchQuery {
    /// What the user typed, as typed.
    pub text: String,
    /// Only this channel (its channel key: WabaId, or else CustSpaceId).
    pub channel: Option<String>,
    /// Only this conversation.
    #[ts(type = "number | null")]
    pub conversation_id: Option<i64>,
    /// Only these kinds of message (any kind when empty).
    pub kinds: Vec<MessageKind>,
    /// Only messages sent at or after this time (Unix ms).
    #[ts(type = "number | null")]
    pub since_ms: Option<i64>,
    /// Only messages sent before this time (Unix ms, exclusive).
    #[ts(type = "number | null")]
    pub until_ms: Option<i64>,
    /// Page size: [`DEFAULT_LIMIT`] when `None`, at most [`MAX_LIMIT`].
    pub limit: Option<u32>,
    /// Continue after this point: the previous page's `next`.
    pub cursor: Option<SearchCursor>,
}

impl SearchQuery {
    /// A query for `text` with no filters.
    pub fn text(text: impl Into<String>) -> SearchQuery {
        SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        }
    }

    pub(crate) fn page_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }
}

/// Where a page ended: results continue strictly before this `(timestamp_ms, rowid)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SearchCursor {
    #[ts(type = "number")]
    pub timestamp_ms: i64,
    #[ts(type = "number")]
    pub rowid: i64,
}

/// What kind of message: the decoded content's kind (not `Type` as sent, which may be spelt in
/// any case or be unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessageKind {
    Text,
    Image,
    Video,
    Audio,
    Document,
    Location,
    Reply,
    System,
    Contacts,
    Unsupported,
}

impl MessageKind {
    pub const ALL: [MessageKind; 10] = [
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Video,
        MessageKind::Audio,
        MessageKind::Document,
        MessageKind::Location,
        MessageKind::Reply,
        MessageKind::System,
        MessageKind::Contacts,
        MessageKind::Unsupported,
    ];

    /// The name used in [`Content`]'s `type` tag (and in exports).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Video => "video",
            MessageKind::Audio => "audio",
            MessageKind::Document => "document",
            MessageKind::Location => "location",
            MessageKind::Reply => "reply",
            MessageKind::System => "system",
            MessageKind::Contacts => "contacts",
            MessageKind::Unsupported => "unsupported",
        }
    }

    /// Parses a kind name, ignoring case (`IMAGE` works too).
    pub fn parse(s: &str) -> Option<MessageKind> {
        let s = s.trim();
        MessageKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    pub fn of(content: &Content) -> MessageKind {
        match content {
            Content::Text { .. } => MessageKind::Text,
            Content::Image { .. } => MessageKind::Image,
            Content::Video { .. } => MessageKind::Video,
            Content::Audio { .. } => MessageKind::Audio,
            Content::Document { .. } => MessageKind::Document,
            Content::Location { .. } => MessageKind::Location,
            Content::Reply { .. } => MessageKind::Reply,
            Content::System { .. } => MessageKind::System,
            Content::Contacts { .. } => MessageKind::Contacts,
            Content::Unsupported { .. } => MessageKind::Unsupported,
        }
    }
}

/// One search term: as typed, and folded for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    pub typed: String,
    pub folded: Vec<char>,
    /// `folded` as a string, for substring tests on folded text.
    pub folded_text: String,
}

impl Term {
    /// Whether the trigram index can look this term up.
    pub(crate) fn indexable(&self) -> bool {
        self.folded.len() >= TRIGRAM
    }
}

/// Splits the user's text into terms: whitespace separates them, control characters are dropped,
/// duplicates and terms that fold to nothing are skipped, and count and length are bounded.
pub(crate) fn terms(text: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for word in text.split_whitespace() {
        let typed: String = word
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TERM_CHARS)
            .collect();
        let folded_text = fold(&typed);
        let folded: Vec<char> = folded_text.chars().collect();
        if folded.is_empty() || out.iter().any(|t| t.folded == folded) {
            continue;
        }
        out.push(Term {
            typed,
            folded,
            folded_text,
        });
        if out.len() == MAX_TERMS {
            break;
        }
    }
    out
}

/// The FTS5 query for the indexable terms, each a quoted string, all required; `None` when no
/// term is long enough for the index.
pub(crate) fn fts_expression(terms: &[Term]) -> Option<String> {
    let quoted: Vec<String> = terms
        .iter()
        .filter(|t| t.indexable())
        .map(|t| format!("\"{}\"", t.typed.replace('"', "\"\"")))
        .collect();
    (!quoted.is_empty()).then(|| quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(ts: &[Term]) -> Vec<&str> {
        ts.iter().map(|t| t.typed.as_str()).collect()
    }

    #[test]
    fn text_splits_into_deduplicated_terms() {
        let ts = terms("  Order  order\tAB-123\n你好  ");
        assert_eq!(typed(&ts), ["Order", "AB-123", "你好"]);
        assert!(ts[0].indexable() && ts[1].indexable() && !ts[2].indexable());
    }

    #[test]
    fn hostile_text_becomes_quoted_strings() {
        let ts = terms(r#"say "hi" NEAR( AND :) * -x (("#);
        assert_eq!(
            fts_expression(&ts).unwrap(),
            r#""say" """hi""" "NEAR(" "AND""#
        );
        assert_eq!(fts_expression(&terms(":) * ((")), None);
    }

    #[test]
    fn control_characters_and_bare_accents_are_dropped() {
        let ts = terms("a\u{0}b\u{7}c \u{301}\u{302}");
        assert_eq!(typed(&ts), ["abc"]);
        assert!(terms("").is_empty());
    }

    #[test]
    fn terms_are_bounded() {
        let many: Vec<String> = (0..100).map(|i| format!("w{i:03}")).collect();
        assert_eq!(terms(&many.join(" ")).len(), MAX_TERMS);
        let long = "x".repeat(10_000);
        assert_eq!(terms(&long)[0].typed.chars().count(), MAX_TERM_CHARS);
    }

    #[test]
    fn kinds_parse_in_any_case() {
        assert_eq!(MessageKind::parse("IMAGE"), Some(MessageKind::Image));
        assert_eq!(MessageKind::parse("sticker"), None);
        for k in MessageKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
