//! Highlights as data: a hit's text cut into plain and matched parts. The UI renders each part as
//! text (matched ones inside a `<mark>` it creates itself), so nothing here is HTML.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::fold::Folded;
use super::query::Term;

/// Around this many characters are shown of a long text.
const SNIPPET_CHARS: usize = 160;
/// How much text is kept before the first match.
const LEAD_CHARS: usize = 40;

/// One piece of a snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SnippetPart {
    pub text: String,
    /// True for a part that matched a search term.
    pub matched: bool,
}

/// The matched byte ranges of `text` for `terms`, sorted and merged.
pub(crate) fn match_ranges(text: &str, terms: &[Term]) -> Vec<(usize, usize)> {
    if terms.is_empty() || text.is_empty() {
        return Vec::new();
    }
    let folded = Folded::new(text);
    let mut ranges: Vec<(usize, usize)> = terms
        .iter()
        .flat_map(|t| folded.find_all(&t.folded))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// `text` cut into parts around `ranges` (as from [`match_ranges`]). A long text is shortened to
/// a window around the first match, with `…` where it was cut; line breaks become spaces.
pub(crate) fn snippet(text: &str, ranges: &[(usize, usize)]) -> Vec<SnippetPart> {
    let (from, to) = window(text, ranges.first().map_or(0, |r| r.0));
    let mut parts = Vec::new();
    if from > 0 {
        parts.push(part("…", false));
    }
    let mut at = from;
    for &(start, end) in ranges {
        let (start, end) = (start.max(at), end.min(to));
        if start >= end {
            continue;
        }
        if start > at {
            parts.push(part(&text[at..start], false));
        }
        parts.push(part(&text[start..end], true));
        at = end;
    }
    if at < to {
        parts.push(part(&text[at..to], false));
    }
    if to < text.len() {
        parts.push(part("…", false));
    }
    parts
}

fn part(text: &str, matched: bool) -> SnippetPart {
    SnippetPart {
        text: text.replace(['\r', '\n', '\t'], " "),
        matched,
    }
}

/// The byte window to show: the whole text if it is short, else [`SNIPPET_CHARS`] characters
/// starting [`LEAD_CHARS`] before `focus`. Both ends fall on character boundaries.
fn window(text: &str, focus: usize) -> (usize, usize) {
    if text.chars().count() <= SNIPPET_CHARS {
        return (0, text.len());
    }
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let focus_char = bounds.partition_point(|&b| b < focus);
    let last_start = bounds.len().saturating_sub(1 + SNIPPET_CHARS);
    let start = focus_char.saturating_sub(LEAD_CHARS).min(last_start);
    let end = (start + SNIPPET_CHARS).min(bounds.len() - 1);
    (bounds[start], bounds[end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::terms;

    fn render(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.matched {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    fn hl(text: &str, query: &str) -> String {
        render(&snippet(text, &match_ranges(text, &terms(query))))
    }

    #[test]
    fn every_occurrence_of_every_term_is_marked() {
        assert_eq!(
            hl("Order AB-12345 shipped; order ab-12345 paid", "12345 order"),
            "[Order] AB-[12345] shipped; [order] ab-[12345] paid"
        );
        assert_eq!(hl("你好，世界", "你好"), "[你好]，世界");
        assert_eq!(hl("Un café crème", "CAFE creme"), "Un [café] [crème]");
    }

    #[test]
    fn overlapping_terms_merge_into_one_mark() {
        assert_eq!(hl("abcdef", "abcd cdef"), "[abcdef]");
    }

    #[test]
    fn markup_in_text_stays_text() {
        let parts = snippet("<b>bold</b>", &match_ranges("<b>bold</b>", &terms("bold")));
        assert_eq!(render(&parts), "<b>[bold]</b>");
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match() {
        let text = format!("{}needle{}", "é".repeat(500), "ü".repeat(500));
        let parts = snippet(&text, &match_ranges(&text, &terms("needle")));
        let shown = render(&parts);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("[needle]"));
        assert!(shown.chars().count() <= SNIPPET_CHARS + 4);
        // No match (an empty query): the start of the text.
        let parts = snippet(&text, &[]);
        assert!(render(&parts).starts_with("éé") && !parts[0].matched);
    }

    #[test]
    fn line_breaks_become_spaces() {
        assert_eq!(hl("one\ntwo", "two"), "one [two]");
    }
}
