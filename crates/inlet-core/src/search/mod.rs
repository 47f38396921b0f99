//! Finding messages: what the search box's text means ([`query`]), matching outside the index
//! ([`fold`]), highlights as data ([`snippet`]) and the result types ([`results`]). The SQL is
//! in `store/search.rs`, reached through [`crate::store::Search`].
//!
//! How a search runs:
//! - Terms of 3 characters or more go to the FTS5 trigram index over message text (captions,
//!   file names, location names and addresses, REPLY captions, contact cards) and the sender's
//!   display name and name. Substrings match, so Chinese, Japanese and Thai (written without
//!   spaces) and parts of numbers and order codes are found. Case and Latin accents are ignored.
//! - A trigram index cannot look up 1–2 characters (`你好`, `5`). Such terms are matched in Rust
//!   on the candidates the index found; with no indexable term at all, messages are read newest
//!   first and matched one by one, at most [`SCAN_BUDGET`] per page, so a rare 2-character
//!   query never reads the whole store at once: the page says how far back it searched and its
//!   cursor continues from there. This costs a full read only for queries the index cannot
//!   answer, and keeps one matching rule (the same folding as the index) for both paths.

mod fold;
pub mod query;
pub mod results;
mod snippet;

pub use query::{DEFAULT_LIMIT, MAX_LIMIT, MessageKind, SearchCursor, SearchQuery};
pub use results::{MatchedField, SearchHit, SearchMethod, SearchPage};
pub use snippet::SnippetPart;

/// The most messages one page of a scan (no indexable term) examines.
pub const SCAN_BUDGET: u32 = 50_000;
