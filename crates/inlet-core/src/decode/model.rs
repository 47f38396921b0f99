//! The decoded form of one ChatApp inbound (MO) message (spec §9.3).
//!
//! Everything here comes from outside and is untrusted: strings are kept as sent, and nothing in
//! this module interprets them beyond choosing a [`Content`] variant.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One inbound WhatsApp message as ChatApp describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MoMessage {
    /// `MessageId`: unique per channel; the idempotency key together with the channel.
    pub message_id: String,
    /// `CustSpaceId`: the ChatApp channel (e.g. `cams-83m8j9xxxxadc`).
    pub channel_id: Option<String>,
    /// `WabaId`: the WhatsApp Business Account.
    pub waba_id: Option<String>,
    /// `From` as sent: the customer's number (may carry `+` or masking `*`).
    pub from: String,
    /// `To` as sent: the business number. Documented as required, but a message without it is
    /// still kept (it lands in a conversation with an empty business number).
    pub to: Option<String>,
    /// `Timestamp` in Unix milliseconds. `None` when the body had none (or an unreadable one): the
    /// store then uses the arrival time and marks the time as estimated.
    #[ts(type = "number | null")]
    pub timestamp_ms: Option<i64>,
    /// `DisplayName`: the sender's WhatsApp profile name.
    pub display_name: Option<String>,
    /// `Name`: the end user's name.
    pub name: Option<String>,
    /// `Type` exactly as sent (e.g. `TEXT`, `IMAGE`, or an undocumented `STICKER`).
    pub msg_type: String,
    pub content: Content,
    /// `FromUserId`: Meta business-scoped user id (newer field).
    pub from_user_id: Option<String>,
    /// `FromParentUserId` (newer field).
    pub from_parent_user_id: Option<String>,
    /// `FromUserName` (newer field).
    pub from_user_name: Option<String>,
    /// Top-level fields this version does not know (e.g. `NoticeType`), kept with their original keys.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The `Message` field, decoded according to `Type`.
///
/// A known type whose payload does not have the expected shape becomes [`Content::Unsupported`]
/// with the payload kept, so nothing is lost and the UI can still show that something arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum Content {
    Text {
        body: String,
    },
    Image {
        caption: Option<String>,
        id: Option<String>,
        mime_type: Option<String>,
        url: Option<String>,
    },
    Video {
        name: Option<String>,
        id: Option<String>,
        mime_type: Option<String>,
        url: Option<String>,
        filename: Option<String>,
    },
    Audio {
        name: Option<String>,
        id: Option<String>,
        mime_type: Option<String>,
        url: Option<String>,
        filename: Option<String>,
    },
    Document {
        name: Option<String>,
        id: Option<String>,
        filename: Option<String>,
        mime_type: Option<String>,
        url: Option<String>,
    },
    Location {
        name: Option<String>,
        address: Option<String>,
        latitude: f64,
        longitude: f64,
    },
    /// The customer tapped a quick-reply button.
    Reply {
        /// The button's caption.
        text: Option<String>,
        /// The payload attached to the button when the template was sent.
        payload: Option<String>,
    },
    System {
        body: Option<String>,
        /// The number the notice is about (for a number change: the new number).
        wa_id: Option<String>,
        kind: SystemKind,
    },
    Contacts {
        cards: Vec<ContactCard>,
    },
    /// An undocumented `Type`, or a documented one whose payload could not be read.
    Unsupported {
        msg_type: String,
        raw: serde_json::Value,
        /// Any URL found in the payload, so unknown types carrying media can still be downloaded.
        url: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SystemKind {
    /// The customer moved to a new number (`customer_changed_number`).
    NumberChanged,
    /// The customer's security code changed (`customer_identity_changed`).
    IdentityChanged,
    /// Any other notice; holds the `type` string as sent (empty when there was none).
    Other(String),
}

/// One shared contact card (WhatsApp Business Platform shape; not documented by ChatApp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ContactCard {
    /// `name.formatted_name`, or first and last name joined.
    pub name: Option<String>,
    pub phones: Vec<ContactPhone>,
    pub emails: Vec<String>,
    /// `org.company`.
    pub organization: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ContactPhone {
    pub phone: Option<String>,
    /// `type`, e.g. `CELL`, `HOME`.
    pub kind: Option<String>,
    pub wa_id: Option<String>,
}

/// What kind of file a media-carrying message holds; the media keeper's job kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    /// Media found in an unsupported message type.
    Other,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<MediaKind> {
        Some(match s {
            "image" => MediaKind::Image,
            "video" => MediaKind::Video,
            "audio" => MediaKind::Audio,
            "document" => MediaKind::Document,
            "other" => MediaKind::Other,
            _ => return None,
        })
    }
}

/// A file to fetch before its URL expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef<'a> {
    pub kind: MediaKind,
    pub url: &'a str,
    pub mime_type: Option<&'a str>,
    pub filename: Option<&'a str>,
}

/// Longest preview, in characters, kept for the chat list.
const PREVIEW_CHARS: usize = 120;

impl Content {
    /// The media file this message carries, if any (and if it has a URL).
    pub fn media(&self) -> Option<MediaRef<'_>> {
        let (kind, url, mime_type, filename) = match self {
            Content::Image { url, mime_type, .. } => (MediaKind::Image, url, mime_type, &None),
            Content::Video {
                url,
                mime_type,
                filename,
                ..
            } => (MediaKind::Video, url, mime_type, filename),
            Content::Audio {
                url,
                mime_type,
                filename,
                ..
            } => (MediaKind::Audio, url, mime_type, filename),
            Content::Document {
                url,
                mime_type,
                filename,
                ..
            } => (MediaKind::Document, url, mime_type, filename),
            Content::Unsupported { url, .. } => (MediaKind::Other, url, &None, &None),
            _ => return None,
        };
        Some(MediaRef {
            kind,
            url: url.as_deref()?,
            mime_type: mime_type.as_deref(),
            filename: filename.as_deref(),
        })
    }

    /// True for notices (SYSTEM) that are shown in the timeline but are not something to reply to.
    pub fn is_notice(&self) -> bool {
        matches!(self, Content::System { .. })
    }

    /// A one-line summary for the chat list, e.g. `📷 Photo: receipt`.
    pub fn preview(&self) -> String {
        let labelled = |label: &str, detail: Option<&str>| match detail.map(str::trim) {
            Some(d) if !d.is_empty() => format!("{label}: {d}"),
            _ => label.to_string(),
        };
        let line = match self {
            Content::Text { body } => body.clone(),
            Content::Image { caption, .. } => labelled("📷 Photo", caption.as_deref()),
            Content::Video { name, filename, .. } => {
                labelled("🎥 Video", name.as_deref().or(filename.as_deref()))
            }
            Content::Audio { name, .. } => labelled("🎤 Audio", name.as_deref()),
            Content::Document { name, filename, .. } => {
                labelled("📄 Document", filename.as_deref().or(name.as_deref()))
            }
            Content::Location { name, address, .. } => {
                labelled("📍 Location", name.as_deref().or(address.as_deref()))
            }
            Content::Reply { text, payload } => {
                labelled("↩️ Reply", text.as_deref().or(payload.as_deref()))
            }
            Content::System { body, .. } => labelled("ℹ️ Notice", body.as_deref()),
            Content::Contacts { cards } => {
                let first = cards.first().and_then(|c| c.name.as_deref());
                match cards.len() {
                    0 | 1 => labelled("👤 Contact", first),
                    n => labelled(&format!("👤 {n} contacts"), first),
                }
            }
            Content::Unsupported { msg_type, .. } => format!("Unsupported message ({msg_type})"),
        };
        truncate_one_line(&line, PREVIEW_CHARS)
    }

    /// The words a search over this message should find: text, captions, names, file names,
    /// addresses, button captions, contact names and numbers.
    pub fn search_text(&self) -> String {
        let parts: Vec<&str> = match self {
            Content::Text { body } => vec![body],
            Content::Image { caption, .. } => opt_parts(&[caption]),
            Content::Video { name, filename, .. } | Content::Audio { name, filename, .. } => {
                opt_parts(&[name, filename])
            }
            Content::Document { name, filename, .. } => opt_parts(&[name, filename]),
            Content::Location { name, address, .. } => opt_parts(&[name, address]),
            Content::Reply { text, payload } => opt_parts(&[text, payload]),
            Content::System { body, .. } => opt_parts(&[body]),
            Content::Contacts { cards } => cards
                .iter()
                .flat_map(|c| {
                    c.name
                        .iter()
                        .chain(c.organization.iter())
                        .chain(c.emails.iter())
                        .chain(c.phones.iter().filter_map(|p| p.phone.as_ref()))
                })
                .map(String::as_str)
                .collect(),
            Content::Unsupported { .. } => Vec::new(),
        };
        parts.join("\n")
    }
}

fn opt_parts<'a>(fields: &[&'a Option<String>]) -> Vec<&'a str> {
    fields.iter().filter_map(|f| f.as_deref()).collect()
}

/// Collapses whitespace runs (including newlines) to single spaces and cuts at `max` characters.
fn truncate_one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > max {
        let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        out
    }
}

impl MoMessage {
    /// For a number-change notice: `(old number, new number)` as sent (not normalised).
    ///
    /// The new number is `wa_id`, or the `… to B` part of the body. The old number is the
    /// `changed from A …` part of the body, or else the sender: ChatApp sends the notice from the
    /// old number.
    pub fn number_change(&self) -> Option<(String, String)> {
        let Content::System {
            body,
            wa_id,
            kind: SystemKind::NumberChanged,
        } = &self.content
        else {
            return None;
        };
        let from_body = body.as_deref().and_then(parse_changed_from_to);
        let new = wa_id
            .clone()
            .or_else(|| from_body.as_ref().map(|(_, new)| new.clone()))?;
        let old = from_body
            .map(|(old, _)| old)
            .unwrap_or_else(|| self.from.clone());
        Some((old, new))
    }
}

/// Parses `"… changed from A to B"` into `(A, B)`.
pub(crate) fn parse_changed_from_to(body: &str) -> Option<(String, String)> {
    let rest = &body[body.find("changed from ")? + "changed from ".len()..];
    let (old, new) = rest.split_once(" to ")?;
    let new = new.split_whitespace().next()?.trim_end_matches(['.', ',']);
    let old = old.trim();
    (!old.is_empty() && !new.is_empty()).then(|| (old.to_string(), new.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_labels_media_and_cuts_long_text() {
        let img = Content::Image {
            caption: Some("receipt".into()),
            id: None,
            mime_type: None,
            url: None,
        };
        assert_eq!(img.preview(), "📷 Photo: receipt");
        let long = Content::Text {
            body: "é\n".repeat(300),
        };
        let p = long.preview();
        assert_eq!(p.chars().count(), PREVIEW_CHARS);
        assert!(p.ends_with('…') && !p.contains('\n'));
    }

    #[test]
    fn changed_from_to_is_parsed_from_the_body() {
        assert_eq!(
            parse_changed_from_to("Mr Liu changed from 8613800000001 to 8613800000002."),
            Some(("8613800000001".into(), "8613800000002".into()))
        );
        assert_eq!(parse_changed_from_to("security code changed"), None);
    }

    #[test]
    fn media_requires_a_url() {
        let no_url = Content::Audio {
            name: None,
            id: None,
            mime_type: None,
            url: None,
            filename: None,
        };
        assert!(no_url.media().is_none());
        let doc = Content::Document {
            name: None,
            id: None,
            filename: Some("a.pdf".into()),
            mime_type: Some("application/pdf".into()),
            url: Some("https://x/a.pdf".into()),
        };
        let m = doc.media().expect("document with url is media");
        assert_eq!(
            (m.kind, m.url, m.filename),
            (MediaKind::Document, "https://x/a.pdf", Some("a.pdf"))
        );
    }
}
