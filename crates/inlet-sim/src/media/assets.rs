//! Small real media files compiled into the simulator, for the demo and for tests.
//!
//! They are genuine files (decodable JPEG/PNG/WEBP, Ogg Opus speech, H.264 MP4, a text PDF), so
//! anything that sniffs, thumbnails or plays media meets real data. `assets/generate.sh` shows
//! how they were made; nothing regenerates them at build time.

/// One embedded file and the MIME type and name it is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub bytes: &'static [u8],
    pub mime_type: &'static str,
    pub filename: &'static str,
}

/// A layered strawberry cake on a noisy warm background, 800×600 JPEG.
pub const CAKE_JPG: Asset = Asset {
    bytes: include_bytes!("../../assets/cake.jpg"),
    mime_type: "image/jpeg",
    filename: "cake.jpg",
};

/// A photographed, tilted bakery receipt, 560×720 JPEG.
pub const RECEIPT_JPG: Asset = Asset {
    bytes: include_bytes!("../../assets/receipt.jpg"),
    mime_type: "image/jpeg",
    filename: "receipt.jpg",
};

/// A red bicycle with a broken rear spoke, 900×600 JPEG.
pub const BIKE_JPG: Asset = Asset {
    bytes: include_bytes!("../../assets/bike.jpg"),
    mime_type: "image/jpeg",
    filename: "bike.jpg",
};

/// A phone screenshot of a bank transfer (with Chinese text), 390×700 PNG.
pub const TRANSFER_PNG: Asset = Asset {
    bytes: include_bytes!("../../assets/transfer.png"),
    mime_type: "image/png",
    filename: "transfer.png",
};

/// A street sketch with a map pin, 480×360 PNG.
pub const SKETCH_PNG: Asset = Asset {
    bytes: include_bytes!("../../assets/sketch.png"),
    mime_type: "image/png",
    filename: "sketch.png",
};

/// A smiling cupcake sticker, 512×512 WEBP with transparency.
pub const STICKER_WEBP: Asset = Asset {
    bytes: include_bytes!("../../assets/sticker.webp"),
    mime_type: "image/webp",
    filename: "sticker.webp",
};

/// An 8.6 s spoken voice note, mono Opus in Ogg (as WhatsApp records them).
pub const VOICE_NOTE_OGG: Asset = Asset {
    bytes: include_bytes!("../../assets/voice-note.ogg"),
    mime_type: "audio/ogg",
    filename: "voice-note.ogg",
};

/// A 4 s 320×240 H.264/AAC clip of a wobbling wheel.
pub const WHEEL_MP4: Asset = Asset {
    bytes: include_bytes!("../../assets/wheel-wobble.mp4"),
    mime_type: "video/mp4",
    filename: "wheel-wobble.mp4",
};

/// A one-page bakery invoice with extractable text.
pub const INVOICE_PDF: Asset = Asset {
    bytes: include_bytes!("../../assets/invoice-1042.pdf"),
    mime_type: "application/pdf",
    filename: "invoice-1042.pdf",
};

/// A one-page insurance claim form for a bicycle, with an empty repair-estimate section.
pub const CLAIM_PDF: Asset = Asset {
    bytes: include_bytes!("../../assets/claim-form.pdf"),
    mime_type: "application/pdf",
    filename: "claim-form.pdf",
};

/// Every embedded asset.
pub const ALL: &[Asset] = &[
    CAKE_JPG,
    RECEIPT_JPG,
    BIKE_JPG,
    TRANSFER_PNG,
    SKETCH_PNG,
    STICKER_WEBP,
    VOICE_NOTE_OGG,
    WHEEL_MP4,
    INVOICE_PDF,
    CLAIM_PDF,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The files are what their MIME type says (magic numbers), so a broken regeneration or a
    /// Git LFS pointer in place of a file is caught.
    #[test]
    fn every_asset_starts_with_its_magic_number() {
        for asset in ALL {
            let b = asset.bytes;
            let ok = match asset.mime_type {
                "image/jpeg" => b.starts_with(&[0xFF, 0xD8, 0xFF]),
                "image/png" => b.starts_with(b"\x89PNG\r\n\x1a\n"),
                "image/webp" => b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP"),
                "audio/ogg" => b.starts_with(b"OggS") && b.windows(8).any(|w| w == b"OpusHead"),
                "video/mp4" => b.get(4..8) == Some(b"ftyp"),
                "application/pdf" => b.starts_with(b"%PDF-") && b.ends_with(b"%%EOF\n"),
                other => panic!("no magic check for {other}"),
            };
            assert!(ok, "{} is not a real {}", asset.filename, asset.mime_type);
        }
    }

    #[test]
    fn assets_stay_small() {
        let total: usize = ALL.iter().map(|a| a.bytes.len()).sum();
        assert!(ALL.iter().all(|a| a.bytes.len() < 300 * 1024));
        assert!(total < 1536 * 1024, "assets total {total} bytes");
    }
}
