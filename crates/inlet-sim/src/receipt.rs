//! Receipt handles: `"{n}-" + base64(key ‖ generation ‖ check)`.
//!
//! Why this shape: like the real service's handles (`1-ODU4OTkz...Ng==`) they are opaque, start
//! with a digit and a dash, and end in `=` padding; the 8 random key bytes make `+` and `/`
//! appear regularly, so clients that forget to escape them in a query string get caught. The
//! generation makes old handles *stale* (404 MessageNotExist), while anything that does not
//! decode, or fails the check byte, is *garbage* (400 ReceiptHandleError).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use md5::{Digest, Md5};

/// What a handle refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandleRef {
    pub key: u64,
    pub generation: u32,
}

/// Why a handle could not be resolved to one of our messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadHandle {
    /// Not a handle at all → 400 ReceiptHandleError.
    Garbage,
    /// Shaped like a real service handle (base64 of `digits-digits-digits-digits`) but not
    /// one of ours, e.g. the documentation's example → 404 MessageNotExist, as the real service
    /// answers for handles of messages it no longer has.
    Foreign,
}

const PAYLOAD_LEN: usize = 13;

pub fn encode(r: HandleRef) -> String {
    let mut payload = [0u8; PAYLOAD_LEN];
    payload[..8].copy_from_slice(&r.key.to_be_bytes());
    payload[8..12].copy_from_slice(&r.generation.to_be_bytes());
    payload[12] = check_byte(&payload[..12]);
    format!("{}-{}", prefix(r.generation), B64.encode(payload))
}

pub fn decode(handle: &str) -> Result<HandleRef, BadHandle> {
    let (n, b64) = handle.split_once('-').ok_or(BadHandle::Garbage)?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadHandle::Garbage);
    }
    let bytes = B64.decode(b64).map_err(|_| BadHandle::Garbage)?;
    if bytes.len() == PAYLOAD_LEN && bytes[12] == check_byte(&bytes[..12]) {
        let key = u64::from_be_bytes(bytes[..8].try_into().map_err(|_| BadHandle::Garbage)?);
        let generation =
            u32::from_be_bytes(bytes[8..12].try_into().map_err(|_| BadHandle::Garbage)?);
        if n == prefix(generation).to_string() {
            return Ok(HandleRef { key, generation });
        }
    }
    if looks_like_service_handle(&bytes) {
        Err(BadHandle::Foreign)
    } else {
        Err(BadHandle::Garbage)
    }
}

fn prefix(generation: u32) -> u32 {
    generation % 9 + 1
}

fn check_byte(data: &[u8]) -> u8 {
    Md5::digest(data)[0]
}

/// `8589934593-1432727827-2-8`: four dash-separated decimal numbers.
fn looks_like_service_handle(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for (key, generation) in [(0, 1), (u64::MAX, u32::MAX), (0x0123_4567_89ab_cdef, 7)] {
            let r = HandleRef { key, generation };
            assert_eq!(decode(&encode(r)), Ok(r));
        }
    }

    #[test]
    fn handles_regularly_need_escaping() {
        let handles: Vec<String> = (0..200u64)
            .map(|i| {
                encode(HandleRef {
                    key: rand::random(),
                    generation: i as u32,
                })
            })
            .collect();
        assert!(handles.iter().all(|h| h.ends_with("==")));
        let with_plus_or_slash = handles
            .iter()
            .filter(|h| h.contains('+') || h.contains('/'))
            .count();
        assert!(
            with_plus_or_slash > 20,
            "only {with_plus_or_slash} of 200 contain + or /"
        );
    }

    #[test]
    fn garbage_and_foreign_are_told_apart() {
        for garbage in ["", "abc", "1-", "1-!!!", "x-QUJD", "1-QUJD", "-QUJD"] {
            assert_eq!(decode(garbage), Err(BadHandle::Garbage), "{garbage:?}");
        }
        assert_eq!(
            decode("1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA=="),
            Err(BadHandle::Foreign)
        );
        let good = encode(HandleRef {
            key: 42,
            generation: 3,
        });
        let (_, b64) = good.split_once('-').unwrap();
        assert_eq!(
            decode(&format!("9-{b64}")),
            Err(BadHandle::Garbage),
            "wrong prefix"
        );
        let mut tampered = B64.decode(b64).unwrap();
        tampered[0] ^= 1;
        assert_eq!(
            decode(&format!("4-{}", B64.encode(tampered))),
            Err(BadHandle::Garbage)
        );
    }
}
