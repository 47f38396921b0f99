//! Inlet's core, free of any UI framework: decoding ChatApp inbound messages (`decode`), the
//! SQLite store (`store`), the sync engine that moves messages from the queue into the store
//! and acknowledges them (`sync`), the media keeper that saves attachments and map tiles before
//! their URLs die (`media`), the events the UI listens to (`events`), the AccessKey in the OS
//! keychain (`secrets`), search (`search`, run through `store::Search`), export and import
//! (`export`), and backup and restore (`backup`).

pub mod backup;
pub mod decode;
pub mod error;
pub mod events;
pub mod export;
pub mod media;
pub mod search;
pub mod secrets;
pub mod store;
pub mod sync;

pub use decode::{Content, MoMessage, decode_message_body, decode_mo_json, normalize_phone};
pub use error::{CoreError, DecodeError, StoreError};
pub use store::{Incoming, IngestReport, Queries, Reader, Store};

#[cfg(test)]
pub(crate) mod test_support;
