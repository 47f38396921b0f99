//! Making untrusted text safe to put into a page, a file name and a link.

/// Escapes text for HTML element content and double- or single-quoted attribute values: every
/// `&`, `<`, `>`, `"` and `'` becomes an entity, so no message text can open a tag or leave an
/// attribute.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Longest file name written, in characters (extension included).
const MAX_NAME_CHARS: usize = 80;

/// A file name safe on every common file system and in a URL path: only the last path component
/// is kept; letters and digits of any script, `.`, `-` and `_` stay, everything else (separators,
/// `..`, control and reserved characters, spaces) becomes `_`; no leading dot; at most 80
/// characters, keeping a short extension. Never empty.
pub fn sanitise_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut out = String::new();
    for c in last.chars() {
        let keep = c.is_alphanumeric() || matches!(c, '.' | '-' | '_');
        let c = if keep { c } else { '_' };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    let out = out
        .trim_start_matches(['.', '_', '-'])
        .trim_end_matches(['.', '_']);
    let out = shorten(out);
    if out.is_empty() {
        "file".to_string()
    } else {
        out
    }
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.chars().count() <= 10)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let stem: String = name
        .chars()
        .take(MAX_NAME_CHARS - ext.chars().count())
        .collect();
    format!("{}{ext}", stem.trim_end_matches('.'))
}

/// Percent-encodes a sanitised file name for use as a relative URL (non-ASCII letters are
/// encoded as UTF-8 bytes).
pub(crate) fn url_path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape_html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape_html("你好 👋"), "你好 👋");
    }

    #[test]
    fn file_names_lose_paths_and_dangerous_characters() {
        assert_eq!(sanitise_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitise_file_name(r"C:\x\evil.exe"), "evil.exe");
        assert_eq!(sanitise_file_name("..."), "file");
        assert_eq!(sanitise_file_name(""), "file");
        assert_eq!(sanitise_file_name(".hidden"), "hidden");
        assert_eq!(sanitise_file_name("in voice <1>?*.pdf"), "in_voice_1_.pdf");
        assert_eq!(sanitise_file_name("发票 2024.pdf"), "发票_2024.pdf");
        assert_eq!(sanitise_file_name("a\u{0}b\nc"), "a_b_c");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "x".repeat(300));
        let short = sanitise_file_name(&long);
        assert_eq!(short.chars().count(), MAX_NAME_CHARS);
        assert!(short.ends_with(".pdf"));
    }

    #[test]
    fn url_segments_encode_non_ascii() {
        assert_eq!(url_path_segment("发.pdf"), "%E5%8F%91.pdf");
        assert_eq!(url_path_segment("a-b_c.d"), "a-b_c.d");
    }
}
