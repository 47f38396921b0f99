//! Checks a downloaded file's bytes against the `mimeType` the message declared.
//!
//! The declared type and the server's `Content-Type` are both claims; the magic bytes are
//! evidence. A mismatch is recorded (and shown), not refused: the operator still gets the file,
//! and the UI knows not to render, say, an "image" that is really an executable.

/// How many leading bytes the sniffer looks at.
pub(crate) const SNIFF_BYTES: usize = 8192;

/// What the bytes are, and whether that contradicts the declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MimeCheck {
    /// The sniffed type; `None` when the bytes match no known signature (e.g. plain text).
    pub detected: Option<String>,
    /// A file extension for the sniffed type.
    pub extension: Option<String>,
    pub mismatch: bool,
}

/// Sniffs `head` (the file's first bytes) and compares it with `declared`.
pub(crate) fn check(declared: Option<&str>, head: &[u8]) -> MimeCheck {
    let sniffed = infer::get(head);
    let detected = sniffed.map(|t| t.mime_type().to_owned());
    let mismatch = match (declared.map(normalize), &detected) {
        (Some(declared), Some(detected)) => {
            !declared.is_empty()
                && declared != "application/octet-stream"
                && !compatible(&declared, &normalize(detected))
        }
        // Nothing declared, or bytes without a signature: nothing to contradict.
        _ => false,
    };
    MimeCheck {
        detected,
        extension: sniffed.map(|t| t.extension().to_owned()),
        mismatch,
    }
}

/// `Image/JPEG; charset=x` → `image/jpeg`, with common aliases folded into one name.
fn normalize(mime: &str) -> String {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let canonical = match essence.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg",
        "audio/mp3" | "audio/x-mp3" | "audio/mpeg3" => "audio/mpeg",
        "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "audio/wav",
        "audio/x-m4a" | "audio/m4a" => "audio/mp4",
        "application/x-pdf" => "application/pdf",
        "image/x-png" => "image/png",
        other => other,
    };
    canonical.to_owned()
}

/// Containers that legitimately go by several names: the declared name and the sniffed one may
/// differ without the file being something else.
const FAMILIES: &[&[&str]] = &[
    // Ogg: WhatsApp voice notes are declared `audio/ogg; codecs=opus`, sniffed as `audio/opus`.
    &["audio/ogg", "audio/opus", "video/ogg", "application/ogg"],
    // ISO base media: an audio-only MP4 is still an MP4.
    &[
        "video/mp4",
        "audio/mp4",
        "audio/aac",
        "video/quicktime",
        "video/3gpp",
        "audio/3gpp",
    ],
    // Office Open XML, OpenDocument, EPUB and friends are zip files.
    &[
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/epub+zip",
    ],
    // Legacy Office files are compound documents.
    &[
        "application/x-cfb",
        "application/x-ole-storage",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
    ],
];

fn compatible(declared: &str, detected: &str) -> bool {
    declared == detected
        || FAMILIES
            .iter()
            .any(|family| family.contains(&declared) && family.contains(&detected))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn matching_declarations_pass_with_aliases_and_parameters() {
        for declared in ["image/jpeg", "image/jpg", "IMAGE/JPEG; q=1"] {
            let c = check(Some(declared), JPEG);
            assert_eq!(c.detected.as_deref(), Some("image/jpeg"));
            assert!(!c.mismatch, "{declared}");
        }
        assert_eq!(
            check(Some("image/jpeg"), JPEG).extension.as_deref(),
            Some("jpg")
        );
        assert!(!check(Some("application/pdf"), PDF).mismatch);
    }

    #[test]
    fn contradicting_bytes_are_a_mismatch() {
        let c = check(Some("image/jpeg"), PDF);
        assert_eq!(c.detected.as_deref(), Some("application/pdf"));
        assert!(c.mismatch);
        assert!(check(Some("application/pdf"), PNG).mismatch);
        assert!(check(Some("audio/ogg; codecs=opus"), JPEG).mismatch);
    }

    #[test]
    fn no_claim_or_no_signature_is_no_mismatch() {
        assert!(!check(None, PDF).mismatch);
        assert!(!check(Some("application/octet-stream"), PDF).mismatch);
        let text = check(Some("text/plain"), b"just words, no magic");
        assert_eq!(text.detected, None);
        assert!(!text.mismatch);
    }

    #[test]
    fn container_families_are_compatible() {
        assert!(compatible("audio/ogg", "audio/opus"));
        assert!(compatible("audio/mp4", "video/mp4"));
        assert!(compatible(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/zip"
        ));
        assert!(!compatible("image/png", "image/jpeg"));
    }
}
