//! Safe display names for saved attachments.
//!
//! The sender chooses a document's file name, so it is hostile until cleaned: it must not walk
//! out of a directory (`../../etc/passwd`), hide its real extension behind a right-to-left
//! override (`invoice\u{202E}fdp.exe` shows as `invoiceexe.pdf`), carry control characters, or
//! be a name Windows reserves (`CON.txt`). Files on disk are named by hash; this name is only
//! what the UI shows and offers when saving a copy.

use sanitize_filename::{Options, sanitize_with_options};

use crate::decode::MediaKind;

/// Longest display name, in characters (well under every file system's limit).
const MAX_CHARS: usize = 120;
/// Longest extension kept intact when a name is shortened.
const MAX_EXTENSION_CHARS: usize = 10;

/// `raw` made safe as a file name, or `None` if nothing usable is left.
pub fn sanitize(raw: &str) -> Option<String> {
    // A name is never a path: keep the last component only.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let visible: String = base.chars().filter(|c| !is_invisible(*c)).collect();
    // No hidden files and no `.`/`..`; Windows drops trailing dots and spaces anyway.
    let visible = visible.trim_matches(|c: char| c == '.' || c.is_whitespace());
    // The crate replaces a reserved Windows name wholesale; prefixing keeps the user's name.
    let unreserved = if is_windows_reserved(visible) {
        format!("_{visible}")
    } else {
        visible.to_owned()
    };
    let options = Options {
        windows: true,
        truncate: false,
        replacement: "_",
    };
    let clean = sanitize_with_options(unreserved, options);
    let clean = clean.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let short = shorten(clean, MAX_CHARS);
    (!short.is_empty()).then_some(short)
}

/// The name to show for an attachment: the sender's name when it survives cleaning, else one
/// made from the kind and the job id, with an extension from the sniffed type when known.
pub fn display_name(
    filename: Option<&str>,
    kind: MediaKind,
    media_id: i64,
    extension: Option<&str>,
) -> String {
    if let Some(name) = filename.and_then(sanitize) {
        return name;
    }
    match extension {
        Some(ext) => format!("{}-{media_id}.{ext}", kind.as_str()),
        None => format!("{}-{media_id}", kind.as_str()),
    }
}

/// Characters that change how text around them is shown without showing themselves: bidi
/// controls (the RTL-override trick), zero-width characters and the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn is_windows_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit())
}

/// At most `max` characters, keeping a short extension.
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let extension = name.rsplit_once('.').map(|(_, ext)| ext).filter(|ext| {
        !ext.is_empty()
            && ext.chars().count() <= MAX_EXTENSION_CHARS
            && ext.chars().all(char::is_alphanumeric)
    });
    match extension {
        Some(ext) => {
            let keep = max - ext.chars().count() - 1;
            let stem: String = name.chars().take(keep).collect();
            format!("{}.{ext}", stem.trim_end_matches(['.', ' ']))
        }
        None => name.chars().take(max).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_safe(name: &str) {
        assert!(!name.is_empty());
        assert!(!name.contains(['/', '\\', '\0']), "{name:?}");
        assert!(
            !name.chars().any(|c| c.is_control() || is_invisible(c)),
            "{name:?}"
        );
        assert!(
            !name.starts_with('.') && !name.ends_with(['.', ' ']),
            "{name:?}"
        );
        assert!(!is_windows_reserved(name), "{name:?}");
        assert!(name.chars().count() <= MAX_CHARS, "{name:?}");
    }

    #[test]
    fn hostile_names_become_safe_names() {
        let cases = [
            ("../../etc/passwd", Some("passwd")),
            ("..\\..\\Windows\\System32\\cmd.exe", Some("cmd.exe")),
            ("CON.txt", Some("_CON.txt")),
            ("com1", Some("_com1")),
            ("lpt9.pdf", Some("_lpt9.pdf")),
            ("a\u{0}b", Some("a_b")),
            ("line\nbreak.txt", Some("line_break.txt")),
            ("invoice\u{202E}fdp.exe", Some("invoicefdp.exe")),
            ("\u{2067}photo\u{2069}.jpg", Some("photo.jpg")),
            ("what?.pdf", Some("what_.pdf")),
            ("trailing. . ", Some("trailing")),
            (".hidden", Some("hidden")),
            ("..", None),
            ("", None),
            ("   ", None),
            ("/", None),
            ("invoice-2022-03.pdf", Some("invoice-2022-03.pdf")),
            ("فاتورة.pdf", Some("فاتورة.pdf")),
        ];
        for (raw, want) in cases {
            let got = sanitize(raw);
            assert_eq!(got.as_deref(), want, "{raw:?}");
            if let Some(name) = got {
                assert_safe(&name);
            }
        }
    }

    #[test]
    fn very_long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.pdf", "a".repeat(5000));
        let name = sanitize(&long).unwrap();
        assert_safe(&name);
        assert!(name.ends_with(".pdf"));
        assert_eq!(name.chars().count(), MAX_CHARS);

        let wide = "文".repeat(400);
        let name = sanitize(&wide).unwrap();
        assert_safe(&name);
        assert_eq!(name.chars().count(), MAX_CHARS);
    }

    #[test]
    fn a_missing_or_unusable_name_falls_back_to_kind_and_id() {
        assert_eq!(
            display_name(None, MediaKind::Image, 7, Some("jpg")),
            "image-7.jpg"
        );
        assert_eq!(
            display_name(Some(".."), MediaKind::Document, 8, None),
            "document-8"
        );
        assert_eq!(
            display_name(Some("report.pdf"), MediaKind::Document, 9, Some("pdf")),
            "report.pdf"
        );
    }
}
