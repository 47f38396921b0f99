//! One HTTP download into a temporary file, defended against hostile servers.
//!
//! The URL comes from a message, so the server at the other end may be anything: it may drip a
//! byte a minute, send forever, lie about its length, redirect in circles or answer with an
//! error page. Every read has a stall timeout, the whole attempt a deadline, the body a size cap
//! (checked against `Content-Length` before reading and against the bytes while reading), and a
//! body that ends short of its `Content-Length` is a failed attempt, never a saved file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::files;
use super::sniff::SNIFF_BYTES;

/// How much of an error body is read to tell an expired URL from other refusals.
const ERROR_BODY_LIMIT: usize = 16 * 1024;
/// OSS's message for a signed URL past its `Expires`.
const OSS_EXPIRED: &str = "Request has expired";
/// Bytes gathered before each write to the temporary file.
const WRITE_BUFFER: usize = 256 * 1024;
/// Longest server-provided text kept in an error message.
const MAX_REASON_CHARS: usize = 160;

/// Limits of one attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub size_cap: u64,
    /// Longest wait for the response head or for the next piece of the body.
    pub stall: Duration,
    /// Longest the whole attempt may take.
    pub attempt: Duration,
}

/// A complete, fsynced download in its temporary file.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub temp: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    /// The first bytes, for type sniffing.
    pub head: Vec<u8>,
}

/// Why an attempt produced no file. The temporary file is already gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The URL is dead for good (OSS "Request has expired").
    Expired(String),
    /// Larger than the cap.
    TooLarge(String),
    /// Not something we fetch at all (not http/https, unparsable).
    Refused(String),
    /// Worth another try later.
    Retry(String),
}

/// The HTTP client for media and tiles: our User-Agent, bounded redirects, http(s) only.
pub(crate) fn client(
    user_agent: &str,
    max_redirects: usize,
    connect_timeout: Duration,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .redirect(redirect_policy(max_redirects))
        .connect_timeout(connect_timeout)
        .build()
}

/// At most `max` redirects, never to anything but http(s), and never back to a URL already
/// visited (a loop is reported as one at once rather than after `max` hops).
fn redirect_policy(max: usize) -> Policy {
    Policy::custom(move |attempt| {
        let scheme = attempt.url().scheme().to_owned();
        if scheme != "http" && scheme != "https" {
            return attempt.error(format!(
                "redirected to a {scheme}: URL, which is not fetched"
            ));
        }
        if attempt.previous().len() > max {
            return attempt.error(format!("more than {max} redirects"));
        }
        if attempt.previous().contains(attempt.url()) {
            return attempt.error("redirect loop");
        }
        attempt.follow()
    })
}

/// Only absolute http(s) URLs are fetched.
pub(crate) fn check_url(raw: &str) -> Result<url::Url, Failure> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| Failure::Refused(format!("the attachment URL is not valid: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(Failure::Refused(format!(
            "the attachment URL uses {other}:, and only http and https are fetched"
        ))),
    }
}

/// Downloads `url` into `temp`, calling `progress(bytes_so_far, content_length)` as data
/// arrives. On any failure the temporary file is removed.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    url: &str,
    temp: &Path,
    limits: Limits,
    progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
) -> Result<Fetched, Failure> {
    let result = match check_url(url) {
        Ok(url) => {
            tokio::time::timeout(limits.attempt, attempt(client, url, temp, limits, progress))
                .await
                .unwrap_or_else(|_| {
                    Err(Failure::Retry(format!(
                        "the download took longer than {} s",
                        limits.attempt.as_secs_f64()
                    )))
                })
        }
        Err(failure) => Err(failure),
    };
    if result.is_err()
        && let Err(e) = files::remove_if_present(temp)
    {
        tracing::warn!(path = %temp.display(), error = %e, "could not remove a partial download");
    }
    result
}

async fn attempt(
    client: &reqwest::Client,
    url: url::Url,
    temp: &Path,
    limits: Limits,
    progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
) -> Result<Fetched, Failure> {
    let response = stalling(limits.stall, "a response", client.get(url).send())
        .await?
        .map_err(|e| Failure::Retry(describe(&e)))?;
    let status = response.status();
    if status != StatusCode::OK {
        return Err(refusal(status, response, limits.stall).await);
    }
    let declared = response.content_length();
    if let Some(len) = declared.filter(|len| *len > limits.size_cap) {
        return Err(too_large(
            format!("the server announced {len} bytes"),
            limits.size_cap,
        ));
    }
    receive(response, temp, declared, limits, progress).await
}

/// Streams the body into `temp`, hashing as it goes.
async fn receive(
    mut response: reqwest::Response,
    temp: &Path,
    declared: Option<u64>,
    limits: Limits,
    progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
) -> Result<Fetched, Failure> {
    let file = tokio::fs::File::create(temp).await.map_err(write_failure)?;
    // Each write to a tokio file is a trip to the blocking pool: gather network chunks first.
    let mut file = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut total: u64 = 0;
    progress(0, declared);
    while let Some(chunk) = stalling(limits.stall, "more data", response.chunk())
        .await?
        .map_err(|e| {
            Failure::Retry(format!(
                "the download broke off after {total} bytes: {}",
                describe(&e)
            ))
        })?
    {
        total += chunk.len() as u64;
        if total > limits.size_cap {
            return Err(too_large(
                format!("the body passed {total} bytes"),
                limits.size_cap,
            ));
        }
        let room = SNIFF_BYTES.saturating_sub(head.len());
        head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(write_failure)?;
        progress(total, declared);
    }
    if let Some(len) = declared.filter(|len| *len != total) {
        return Err(Failure::Retry(format!(
            "the body ended after {total} of the {len} bytes announced"
        )));
    }
    file.flush().await.map_err(write_failure)?;
    // The file must be on disk before it is renamed into place and the job marked saved.
    file.get_ref().sync_all().await.map_err(write_failure)?;
    Ok(Fetched {
        temp: temp.to_path_buf(),
        bytes: total,
        sha256: hex::encode(hasher.finalize()),
        head,
    })
}

/// Awaits `fut`, failing with a retryable "stalled" if it takes longer than `stall`.
async fn stalling<T>(
    stall: Duration,
    waiting_for: &str,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, Failure> {
    tokio::time::timeout(stall, fut).await.map_err(|_| {
        Failure::Retry(format!(
            "stalled: no {waiting_for} for {} s",
            stall.as_secs_f64()
        ))
    })
}

/// What a non-200 answer means: OSS's "Request has expired" is final, the rest is retried.
async fn refusal(status: StatusCode, response: reqwest::Response, stall: Duration) -> Failure {
    let body = error_body(response, stall).await;
    if status == StatusCode::FORBIDDEN && body.contains(OSS_EXPIRED) {
        return Failure::Expired(format!("the URL has expired (HTTP 403: {OSS_EXPIRED})"));
    }
    let code = xml_element(&body, "Code")
        .map(|c| format!(" {c}"))
        .unwrap_or_default();
    Failure::Retry(format!("HTTP {}{code}", status.as_u16()))
}

/// The start of an error response's body (bounded in size and time).
async fn error_body(mut response: reqwest::Response, stall: Duration) -> String {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_LIMIT {
        match tokio::time::timeout(stall, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(ERROR_BODY_LIMIT);
    String::from_utf8_lossy(&body).into_owned()
}

/// The text of `<name>…</name>` in an OSS error document, made safe to show.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let start = body.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + body[start..].find(&format!("</{name}>"))?;
    Some(printable(&body[start..end]))
}

/// Server-provided text as one short line of printable characters.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_REASON_CHARS)
        .collect()
}

fn too_large(what: String, cap: u64) -> Failure {
    Failure::TooLarge(format!("{what}, more than the {cap}-byte limit"))
}

fn write_failure(e: std::io::Error) -> Failure {
    Failure::Retry(format!("could not write the file: {e}"))
}

/// A reqwest error in words, with its causes (reqwest's own `Display` hides them).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_redirect() {
        "redirect refused".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&printable(&cause.to_string()));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_are_fetched() {
        assert!(check_url("https://oss.example.com/a.jpg?Expires=1").is_ok());
        assert!(check_url("http://127.0.0.1:8080/a").is_ok());
        for bad in [
            "file:///etc/passwd",
            "ftp://x/y",
            "javascript:alert(1)",
            "/relative",
            "",
        ] {
            assert!(matches!(check_url(bad), Err(Failure::Refused(_))), "{bad}");
        }
    }

    #[test]
    fn oss_error_codes_are_read_and_cleaned() {
        let body =
            "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>x</Message></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("NoSuchKey"));
        assert_eq!(
            xml_element("<Code>a\u{1b}[31mb</Code>", "Code").as_deref(),
            Some("a[31mb")
        );
        assert_eq!(xml_element("no xml", "Code"), None);
    }
}
