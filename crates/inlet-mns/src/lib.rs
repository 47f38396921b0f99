//! inlet-mns: a client for Alibaba Cloud Simple Message Queue (formerly MNS), API 2015-06-06,
//! as Chat App Message Service uses it to deliver inbound WhatsApp messages.

pub mod acs3;
pub mod sign;
