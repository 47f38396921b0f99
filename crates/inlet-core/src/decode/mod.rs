//! Decoding ChatApp inbound (MO) messages: queue body → base64 → tolerant JSON → [`MoMessage`].

mod content;
mod mo;
mod model;
mod phone;
mod tolerant;

pub use mo::{decode_message_body, decode_mo_json};
pub use model::{ContactCard, ContactPhone, Content, MediaKind, MediaRef, MoMessage, SystemKind};
pub use phone::normalize_phone;
pub use tolerant::parse_json;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod proptests;
