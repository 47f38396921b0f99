//! The vocabulary the demo script is written in: businesses, customers and what they send.

use crate::media::assets::Asset;

/// How the `Message` field is encoded. The docs disagree (object in the newest EN page, a
/// JSON-encoded string in the ZH/JA pages and HTTP samples), so the demo sends both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// `"Message": "{\"id\":…}"`
    Encoded,
    /// `"Message": {"id": …}`
    Object,
}

/// One business phone number: a WABA inside a ChatApp channel.
pub(super) struct Business {
    pub cust_space_id: &'static str,
    pub waba_id: &'static str,
    pub number: &'static str,
    /// The `Message` form this channel's messages use unless a line says otherwise.
    pub form: Form,
}

/// Meta's business-scoped user ids (the newer optional `From*` fields).
pub(super) struct Bsuid {
    pub user_id: &'static str,
    pub parent_user_id: Option<&'static str>,
    pub user_name: Option<&'static str>,
}

/// How a customer's message ids look: WhatsApp `wamid.` ids or the docs' bare decimal ones.
#[derive(Clone, Copy)]
pub(super) enum IdStyle {
    Wamid,
    Decimal,
}

pub(super) struct Customer {
    pub number: &'static str,
    pub display_name: &'static str,
    pub name: &'static str,
    pub business: &'static Business,
    /// Numbers written with a leading `+` (seen in the official HTTP samples).
    pub plus: bool,
    pub bsuid: Option<Bsuid>,
    /// Adds the undocumented `"NoticeType": "inbound"` key the HTTP samples carry.
    pub notice_type: bool,
    pub ids: IdStyle,
}

/// A WhatsApp contact card (the shape is WhatsApp's; ChatApp's table is not retrievable).
pub(super) struct Card {
    pub formatted_name: &'static str,
    pub first_name: &'static str,
    pub last_name: Option<&'static str>,
    /// (phone as written, type, wa_id if the number is on WhatsApp)
    pub phones: &'static [(&'static str, &'static str, Option<&'static str>)],
    pub email: Option<&'static str>,
    pub company: Option<&'static str>,
}

pub(super) enum Content {
    Text(&'static str),
    Image {
        asset: Asset,
        caption: Option<&'static str>,
    },
    Video {
        asset: Asset,
        name: &'static str,
    },
    Audio {
        asset: Asset,
    },
    Document {
        asset: Asset,
        name: &'static str,
    },
    Location {
        latitude: &'static str,
        longitude: &'static str,
        name: Option<&'static str>,
        address: Option<&'static str>,
    },
    /// A quick-reply button tapped under a template the business sent.
    Reply {
        text: &'static str,
        payload: &'static str,
    },
    /// SYSTEM `customer_changed_number`; sent from the old number.
    NumberChanged {
        new_number: &'static str,
    },
    /// SYSTEM `customer_identity_changed` (new phone / reinstalled WhatsApp).
    IdentityChanged,
    Contacts(&'static [Card]),
    /// Not a documented MO type: must be stored and shown as "unsupported", never dropped.
    Sticker {
        asset: Asset,
    },
    /// Not documented either, and without media.
    Reaction {
        emoji: &'static str,
        to_message_id: &'static str,
    },
}

impl Content {
    /// The media file this content carries, if any.
    pub fn asset(&self) -> Option<&Asset> {
        match self {
            Content::Image { asset, .. }
            | Content::Video { asset, .. }
            | Content::Audio { asset }
            | Content::Document { asset, .. }
            | Content::Sticker { asset } => Some(asset),
            _ => None,
        }
    }
}

/// One inbound message in a conversation, `ago_min` minutes before "now".
pub(super) struct Line {
    pub ago_min: i64,
    pub content: Content,
    pub form: Option<Form>,
    /// Sender number when it differs from the customer's (after a number change).
    pub from: Option<&'static str>,
}

impl Line {
    pub fn encoded(mut self) -> Self {
        self.form = Some(Form::Encoded);
        self
    }

    pub fn object(mut self) -> Self {
        self.form = Some(Form::Object);
        self
    }

    pub fn from(mut self, number: &'static str) -> Self {
        self.from = Some(number);
        self
    }
}

pub(super) struct Conversation {
    pub customer: Customer,
    pub lines: Vec<Line>,
}

/// Minutes in `days`, `hours`, `minutes` ago.
pub(super) const fn ago(days: i64, hours: i64, minutes: i64) -> i64 {
    (days * 24 + hours) * 60 + minutes
}

pub(super) fn line(ago_min: i64, content: Content) -> Line {
    Line {
        ago_min,
        content,
        form: None,
        from: None,
    }
}

pub(super) fn text(ago_min: i64, body: &'static str) -> Line {
    line(ago_min, Content::Text(body))
}
