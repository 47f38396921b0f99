//! Case and accent folding for the matching done outside the index: 1–2 character terms, and
//! finding where a hit matched so the UI can highlight it.
//!
//! It mirrors what the index's tokenizer (`trigram remove_diacritics 1`) does, so a highlight lands
//! where the index matched: lower-case, Latin letters lose their accents (`É` → `e`), and the
//! combining accents U+0300–U+036F are dropped (so a decomposed `e` + U+0301 is `e` too). Other
//! scripts are kept as they are: a Japanese `が` is not `か`, and Thai or Arabic marks stay.

use unicode_normalization::char::decompose_canonical;

/// The combining diacritical marks block, which the tokenizer drops.
fn is_combining_accent(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Calls `emit` with the folded form of `c` (zero, one or more characters).
pub(crate) fn fold_char(c: char, mut emit: impl FnMut(char)) {
    if c.is_ascii() {
        emit(c.to_ascii_lowercase());
        return;
    }
    for lower in c.to_lowercase() {
        if is_combining_accent(lower) {
            continue;
        }
        if lower.is_ascii() {
            emit(lower);
            continue;
        }
        emit(strip_latin_accent(lower));
    }
}

/// `é` → `e`: a character whose canonical decomposition is an ASCII letter followed only by
/// combining accents. Anything else is returned unchanged.
fn strip_latin_accent(c: char) -> char {
    // Only the Latin blocks hold such letters; skip the lookup for every other script.
    let latin = ('\u{00C0}'..='\u{024F}').contains(&c) || ('\u{1E00}'..='\u{1EFF}').contains(&c);
    if !latin {
        return c;
    }
    let mut base = None;
    let mut only_accents = true;
    decompose_canonical(c, |d| match base {
        None => base = Some(d),
        Some(_) => only_accents &= is_combining_accent(d),
    });
    match base {
        Some(b) if only_accents && b.is_ascii_alphabetic() => b,
        _ => c,
    }
}

/// The folded form of a whole string.
pub(crate) fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, |f| out.push(f));
    }
    out
}

/// A text folded for matching, remembering which source bytes each folded character came from.
pub(crate) struct Folded {
    chars: Vec<char>,
    /// `spans[i]`: the byte range in the source text of the character `chars[i]` came from.
    spans: Vec<(usize, usize)>,
}

impl Folded {
    pub(crate) fn new(text: &str) -> Folded {
        let mut chars = Vec::with_capacity(text.len());
        let mut spans = Vec::with_capacity(text.len());
        for (start, c) in text.char_indices() {
            let end = start + c.len_utf8();
            let before = chars.len();
            fold_char(c, |f| {
                chars.push(f);
                spans.push((start, end));
            });
            // A dropped accent belongs to the character before it: highlight them together.
            let dropped = chars.len() == before;
            if let Some(last) = spans.last_mut().filter(|_| dropped) {
                last.1 = end;
            }
        }
        Folded { chars, spans }
    }

    /// Source byte ranges of the non-overlapping occurrences of the folded `needle`.
    pub(crate) fn find_all(&self, needle: &[char]) -> Vec<(usize, usize)> {
        let mut ranges = Vec::new();
        let mut next_allowed = 0;
        for at in self.positions(needle) {
            if at < next_allowed {
                continue;
            }
            next_allowed = at + needle.len();
            let start = self.spans[at].0;
            let end = self.spans[at + needle.len() - 1].1;
            ranges.push((start, end));
        }
        ranges
    }

    fn positions<'a>(&'a self, needle: &'a [char]) -> impl Iterator<Item = usize> + 'a {
        let n = needle.len();
        let last = if n == 0 {
            0
        } else {
            (self.chars.len() + 1).saturating_sub(n)
        };
        (0..last).filter(move |&i| self.chars[i..i + n] == *needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> Vec<char> {
        fold(s).chars().collect()
    }

    #[test]
    fn case_and_latin_accents_fold_away() {
        assert_eq!(fold("Résumé CAFÉ"), "resume cafe");
        assert_eq!(fold("cafe\u{301}"), "cafe");
        assert_eq!(fold("Ñandú Çava Øre"), "nandu cava øre");
        // The tokenizer keeps ß; so do we.
        assert_eq!(fold("Größe"), "große");
    }

    #[test]
    fn other_scripts_are_left_alone() {
        assert_eq!(fold("你好世界"), "你好世界");
        assert_eq!(fold("が"), "が");
        assert_eq!(fold("สวัสดี"), "สวัสดี");
        assert_eq!(fold("مَرحبا"), "مَرحبا");
    }

    #[test]
    fn matches_map_back_to_source_bytes() {
        let text = "Voilà le CAFÉ, et le café.";
        let f = Folded::new(text);
        let ranges = f.find_all(&folded("cafe"));
        let found: Vec<&str> = ranges.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(found, ["CAFÉ", "café"]);
        // A decomposed accent stays inside the highlighted range, with its letter.
        let nfd = "un cafe\u{301}!";
        let f = Folded::new(nfd);
        let (s, e) = f.find_all(&folded("café"))[0];
        assert_eq!(&nfd[s..e], "cafe\u{301}");
    }

    #[test]
    fn occurrences_do_not_overlap_and_empty_needles_match_nothing() {
        let f = Folded::new("aaaa");
        assert_eq!(f.find_all(&folded("aa")), [(0, 2), (2, 4)]);
        assert!(f.find_all(&[]).is_empty());
        assert!(f.find_all(&folded("aaaaa")).is_empty());
    }
}
