//! The media host: an OSS-like file server for the media URLs inside ChatApp MO messages.
//!
//! ChatApp hands out media as signed, expiring OSS URLs ("valid for 7 days"), so the simulator
//! serves every file under `GET /media/{id}/{filename}?Expires={unix_secs}&Signature={sig}`:
//! a tampered URL is refused (403 `SignatureDoesNotMatch`), an expired one answers 403
//! `AccessDenied` "Request has expired." exactly as OSS does, and each file can be told to
//! misbehave on the wire ([`Behaviour`]) so the media keeper is tested against hostile servers.
//!
//! Expiry is measured on the simulator's [`Clock`], so tests move time with `Clock::advance`.

pub mod assets;
mod oss_error;
mod range;
mod serve;
mod signing;
pub mod tiles;

#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::clock::Clock;

/// How a stored file behaves when it is requested. Each mode really happens on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// 200 with the bytes, `Content-Length`, `ETag`, `Last-Modified`; honours a single `Range`.
    #[default]
    Normal,
    /// 404 `NoSuchKey` although the URL is correctly signed (the object was deleted).
    NotFound,
    /// `Content-Length` is the real size, but only the first half is sent; then the connection
    /// is closed.
    Truncated,
    /// Sends the correct headers, then the body at about `bytes_per_sec` (in 10 slices a
    /// second). `0` sends the headers and then nothing at all, forever.
    SlowDrip { bytes_per_sec: u64 },
    /// 200 with `Transfer-Encoding: chunked` and no `Content-Length`: the file's bytes repeated
    /// forever.
    Endless,
    /// `Content-Length: declared` while the whole file is offered as the body. Smaller than the
    /// file: the client gets exactly `declared` bytes and a "complete" response (HTTP cannot
    /// carry the rest). Larger: the body ends early and the connection is closed.
    WrongLength { declared: u64 },
    /// Serves the right bytes with this `Content-Type` instead of the declared one
    /// (e.g. `text/html` for a JPEG).
    WrongMime { served: String },
    /// 302 forever, alternating between two URLs of the same file.
    RedirectLoop,
    /// 302 to `to` (any URL; e.g. another file on this host).
    Redirect { to: String },
    /// 500 `InternalError` for the first `n` requests, then behaves like [`Behaviour::Normal`].
    FailTimes(u32),
}

/// Serves media files under expiring, signed URLs. Cheap to clone; clones share the files.
#[derive(Clone)]
pub struct MediaHost {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    base_url: String,
    secret: Vec<u8>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    files: HashMap<String, StoredFile>,
    hits: HashMap<String, u64>,
    next_id: u64,
}

/// One stored object and what is left of its failure budget.
#[derive(Clone)]
struct StoredFile {
    filename: String,
    content_type: String,
    bytes: Bytes,
    etag: String,
    last_modified_ms: i64,
    behaviour: Behaviour,
    failures_left: u32,
}

/// The signing key used by [`MediaHost::new`]. A constant on purpose: the signature only has to
/// make tampering detectable (nobody outside this process can reach the files), and a fixed key
/// makes the demo's URLs identical from run to run.
const DEFAULT_SECRET: &[u8] = b"inlet-sim media host signing key";

/// Characters escaped in a URL path segment (everything but unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl MediaHost {
    /// A host whose URLs start with `base_url` (e.g. `http://127.0.0.1:18100`, no trailing `/`).
    pub fn new(clock: Clock, base_url: String) -> Self {
        Self::with_secret(clock, base_url, DEFAULT_SECRET.to_vec())
    }

    /// Like [`MediaHost::new`] with an explicit signing key.
    pub fn with_secret(clock: Clock, base_url: String, secret: Vec<u8>) -> Self {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let state = Mutex::new(State {
            next_id: 1,
            ..State::default()
        });
        Self {
            inner: Arc::new(Inner {
                clock,
                base_url,
                secret,
                state,
            }),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Stores a file valid for `ttl` from now (on the host's clock) and returns its full URL.
    pub fn put(
        &self,
        bytes: impl Into<Bytes>,
        content_type: &str,
        filename: &str,
        ttl: Duration,
        behaviour: Behaviour,
    ) -> String {
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let expires = self.inner.clock.now_secs().saturating_add(ttl_secs);
        self.put_at(bytes, content_type, filename, expires, behaviour)
    }

    /// Stores a file whose URL expires at `expires_at_secs` (Unix seconds; may be in the past).
    pub fn put_at(
        &self,
        bytes: impl Into<Bytes>,
        content_type: &str,
        filename: &str,
        expires_at_secs: i64,
        behaviour: Behaviour,
    ) -> String {
        let id = self.next_id();
        self.put_with_id(
            &id,
            bytes,
            content_type,
            filename,
            expires_at_secs,
            behaviour,
        )
    }

    /// Stores a file under a caller-chosen id (the WhatsApp media id that goes into the MO
    /// message), replacing any file with that id, and returns its URL.
    pub fn put_with_id(
        &self,
        id: &str,
        bytes: impl Into<Bytes>,
        content_type: &str,
        filename: &str,
        expires_at_secs: i64,
        behaviour: Behaviour,
    ) -> String {
        let bytes = bytes.into();
        let failures_left = match behaviour {
            Behaviour::FailTimes(n) => n,
            _ => 0,
        };
        let file = StoredFile {
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            etag: oss_etag(&bytes),
            bytes,
            last_modified_ms: self.inner.clock.now_ms(),
            behaviour,
            failures_left,
        };
        self.state().files.insert(id.to_owned(), file);
        self.url(id, filename, expires_at_secs)
    }

    /// The signed URL of file `id` named `filename`, expiring at `expires_at_secs`.
    /// Does not check that the file exists: a URL for a missing file answers 404.
    pub fn url(&self, id: &str, filename: &str, expires_at_secs: i64) -> String {
        let signature = signing::sign(&self.inner.secret, expires_at_secs, id, filename);
        format!(
            "{}/media/{}/{}?Expires={}&Signature={}",
            self.inner.base_url,
            utf8_percent_encode(id, SEGMENT),
            utf8_percent_encode(filename, SEGMENT),
            expires_at_secs,
            utf8_percent_encode(&signature, SEGMENT),
        )
    }

    /// How many requests (any method, any outcome) have named file `id` so far.
    pub fn hits(&self, id: &str) -> u64 {
        self.state().hits.get(id).copied().unwrap_or(0)
    }

    /// Removes file `id`; its URLs then answer 404. Returns whether it existed.
    pub fn remove(&self, id: &str) -> bool {
        self.state().files.remove(id).is_some()
    }

    /// The file id in one of this host's URLs (`…/media/{id}/…`), percent-decoded.
    pub fn id_in_url(url: &str) -> Option<String> {
        let after = url.split_once("/media/")?.1;
        let raw = after.split('/').next().filter(|s| !s.is_empty())?;
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    }

    fn next_id(&self) -> String {
        let mut state = self.state();
        let n = state.next_id;
        state.next_id += 1;
        // Shaped like WhatsApp media ids (long decimal strings) so nothing assumes otherwise.
        format!("{}", 1_000_000_000_000_000u64 + n)
    }

    /// The lock is never held across an `.await`; a poisoned lock still holds consistent data
    /// (every update is a single insert or increment), so it is recovered rather than spread.
    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Shows where the host serves and how much it holds; never the signing key.
impl std::fmt::Debug for MediaHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaHost")
            .field("base_url", &self.inner.base_url)
            .field("files", &self.state().files.len())
            .finish_non_exhaustive()
    }
}

/// OSS's ETag for a simple upload: the upper-case hex MD5 of the content, quoted.
fn oss_etag(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    format!("\"{}\"", hex::encode_upper(Md5::digest(bytes)))
}

/// Routes of the media host (`GET`/`HEAD /media/{id}/{filename}`, and generated map tiles at
/// `GET /tiles/{z}/{x}/{y}.png`), to merge into a server.
pub fn router(host: MediaHost) -> axum::Router {
    serve::router(host)
}
