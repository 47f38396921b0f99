//! What a search returns: a page of hits, newest first, each with a highlighted snippet and what
//! the UI needs to open the chat at that message ([`crate::store::Search::timeline_around`]).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::query::{MessageKind, SearchCursor, Term};
use super::snippet::{SnippetPart, match_ranges, snippet};

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SearchPage {
    /// Newest first (by the time the message was sent, then arrival order).
    pub hits: Vec<SearchHit>,
    /// Pass as the query's `cursor` for the next page; `None` when there is nothing more.
    pub next: Option<SearchCursor>,
    /// How the page was found: through the trigram index, or by reading messages newest first.
    pub method: SearchMethod,
    /// True when reading stopped because the page's budget of examined messages ran out, not
    /// because the page was full: older messages were not searched yet; `next` continues there
    /// (the UI can say "searched back to <next.timestamp_ms>").
    pub budget_exhausted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SearchMethod {
    /// The FTS5 trigram index found the candidates.
    Index,
    /// Messages were read newest first and matched one by one: no term of 3 characters or more
    /// (or no text), or a term so common that this fills the page sooner.
    Scan,
}

/// One matching message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SearchHit {
    /// The message's row id: open the chat with `timeline_around(conversation_id, rowid, …)`.
    #[ts(type = "number")]
    pub rowid: i64,
    #[ts(type = "number")]
    pub conversation_id: i64,
    pub message_id: String,
    pub kind: MessageKind,
    /// `Type` as sent.
    pub msg_type: String,
    #[ts(type = "number")]
    pub timestamp_ms: i64,
    /// `From` as sent.
    pub from: String,
    pub display_name: Option<String>,
    /// The chat list's one-line summary of the message (e.g. `📷 Photo: receipt`).
    pub preview: String,
    /// Which field the snippet shows.
    pub field: MatchedField,
    /// The field's text (shortened around the first match if long), matched parts marked.
    pub snippet: Vec<SnippetPart>,
}

/// The searchable fields of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MatchedField {
    /// Text, caption, file name, location name and address, button caption, contact card.
    Text,
    /// The sender's WhatsApp display name.
    DisplayName,
    /// The sender's `Name`.
    Name,
}

/// A candidate message's searchable fields, as read from the store.
pub(crate) struct Fields<'a> {
    pub text: &'a str,
    pub display_name: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl Fields<'_> {
    fn all(&self) -> [(MatchedField, &str); 3] {
        [
            (MatchedField::Text, self.text),
            (MatchedField::DisplayName, self.display_name.unwrap_or("")),
            (MatchedField::Name, self.name.unwrap_or("")),
        ]
    }

    /// Whether every term occurs in some field (how the index matches too: each term may be in
    /// a different field).
    pub(crate) fn match_all(&self, terms: &[Term]) -> bool {
        if terms.is_empty() {
            return true;
        }
        let folded = self.all().map(|(_, s)| super::fold::fold(s));
        terms
            .iter()
            .all(|t| folded.iter().any(|f| f.contains(&t.folded_text)))
    }

    /// The field to show and its snippet: the first field with a match, else the text.
    pub(crate) fn snippet(&self, terms: &[Term]) -> (MatchedField, Vec<SnippetPart>) {
        for (field, text) in self.all() {
            let ranges = match_ranges(text, terms);
            if !ranges.is_empty() {
                return (field, snippet(text, &ranges));
            }
        }
        (MatchedField::Text, snippet(self.text, &[]))
    }
}
