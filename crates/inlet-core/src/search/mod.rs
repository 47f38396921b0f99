//! Finding messages: what the search box's text means ([`query`]), matching outside the index
//! (`fold.rs`), highlights as data (`snippet.rs`) and the result types ([`results`]). The SQL is
//! in `store/search.rs`, reached through [`crate::store::Search`].
//!
//! How a search runs:
//! - Terms of 3 characters or more go to the FTS5 trigram index over message text (captions,
//!   file names, location names and addresses, REPLY captions, contact cards) and the sender's
//!   display name and name. Substrings match, so Chinese, Japanese and Thai (written without
//!   spaces) and parts of numbers and order codes are found. Case and Latin accents are ignored
//!   (`trigram remove_diacritics 1`; `fold.rs` mirrors it in Rust).
//! - Results come newest first by send time. The index returns matches in row order, not time
//!   order, so its matches are sorted: cheap while they are few. When a query matches more than
//!   a couple of thousand messages (a common word, or the first letters typed), messages are
//!   instead read newest first and matched in Rust, which fills a page after a few hundred rows.
//! - A trigram index cannot look up 1–2 characters (`你好`, `5`). Such terms are matched in Rust
//!   on the candidates the index found; with no indexable term at all, messages are read newest
//!   first and matched one by one. Reading is bounded: at most [`SCAN_BUDGET`] rows per page, so
//!   a rare 2-character query never reads a huge store at once; the page then says how far back
//!   it searched and its cursor continues from there (the UI offers "search older"). This keeps
//!   one matching rule (the index's folding) for every path, and costs a full read only for
//!   queries the index cannot answer.

mod fold;
pub mod query;
pub mod results;
mod snippet;

pub use query::{DEFAULT_LIMIT, MAX_LIMIT, MessageKind, SearchCursor, SearchQuery};
pub use results::{MatchedField, SearchHit, SearchMethod, SearchPage};
pub use snippet::SnippetPart;

/// The most messages one page examines when it matches rows in Rust (see above).
pub const SCAN_BUDGET: u32 = 50_000;
