//! MNS XML: request bodies out, response bodies in.

pub mod decode;
pub mod encode;
mod tree;
