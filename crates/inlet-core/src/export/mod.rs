//! Exporting what the store holds.

pub mod json;

pub use json::export_json_lines;
