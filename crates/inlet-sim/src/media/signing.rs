//! URL signatures in the spirit of OSS V1 query signing: an HMAC over the method, the expiry
//! and the object path, base64-encoded into the `Signature` query parameter.
//!
//! Why sign at all: the media keeper must treat "this URL was altered" and "this URL expired"
//! as different failures, as it would with real OSS, so the simulator has to be able to tell.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What is signed: the method, the expiry and the (decoded) object path.
pub(super) fn string_to_sign(expires: i64, id: &str, filename: &str) -> String {
    format!("GET\n{expires}\n/media/{id}/{filename}")
}

/// The base64 signature (contains `+`, `/` and `=`, which exercises clients' URL escaping).
pub(super) fn sign(secret: &[u8], expires: i64, id: &str, filename: &str) -> String {
    STANDARD.encode(mac(secret, expires, id, filename).finalize().into_bytes())
}

/// Constant-time check of a presented signature.
pub(super) fn verify(
    secret: &[u8],
    expires: i64,
    id: &str,
    filename: &str,
    presented: &str,
) -> bool {
    match STANDARD.decode(presented) {
        Ok(raw) => mac(secret, expires, id, filename)
            .verify_slice(&raw)
            .is_ok(),
        Err(_) => false,
    }
}

fn mac(secret: &[u8], expires: i64, id: &str, filename: &str) -> HmacSha256 {
    // `new_from_slice` only fails for fixed-length-key MACs; HMAC takes keys of any length.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign(expires, id, filename).as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_binds_expiry_id_and_name() {
        let sig = sign(b"k", 100, "1", "a.jpg");
        assert!(verify(b"k", 100, "1", "a.jpg", &sig));
        assert!(!verify(b"k", 101, "1", "a.jpg", &sig));
        assert!(!verify(b"k", 100, "2", "a.jpg", &sig));
        assert!(!verify(b"k", 100, "1", "b.jpg", &sig));
        assert!(!verify(b"other", 100, "1", "a.jpg", &sig));
        assert!(!verify(b"k", 100, "1", "a.jpg", "not base64!"));
    }
}
