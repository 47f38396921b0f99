//! HTTP plumbing shared by the queue client and the token provider.

use std::error::Error as _;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::error::{MnsError, NetworkKind};

/// Sent as `User-Agent`; identifies the app to Alibaba Cloud support.
pub(crate) const USER_AGENT: &str = concat!("inlet-mns/", env!("CARGO_PKG_VERSION"));

/// How long setting up a connection (DNS, TCP, TLS) may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything but the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~` is `%XX`-encoded, so
/// receipt handles keep their `+ / =` through every proxy (spec §3.3).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(crate) fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Checks an endpoint like `https://123.mns.cn-hangzhou.aliyuncs.com[/]` and returns it without the
/// trailing slash. Paths are refused: MNS resources hang off the root.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<(String, Url), MnsError> {
    let trimmed = endpoint.trim().trim_end_matches('/');
    let bad =
        |why: &str| MnsError::Config(format!("The endpoint `{endpoint}` is not usable: {why}"));
    let url = Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(
            "it must start with https:// (or http:// for a local queue)",
        ));
    }
    if url.host_str().is_none()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad(
            "give only the scheme and host, e.g. https://1234567890.mns.cn-hangzhou.aliyuncs.com",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    Ok((trimmed.to_owned(), url))
}

/// The `Host` header value for `url`, as the signature needs it: host plus a non-default port.
pub(crate) fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Classifies a failure to get an answer at all.
pub(crate) fn network_error(err: reqwest::Error, endpoint: &str) -> MnsError {
    let kind = if err.is_timeout() {
        NetworkKind::Timeout
    } else if err.is_connect() {
        NetworkKind::Connect
    } else {
        NetworkKind::Reset
    };
    // The top-level message alone ("error sending request") says nothing; the causes do.
    let err = err.without_url();
    let mut detail = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    MnsError::Network {
        kind,
        endpoint: endpoint.to_owned(),
        detail,
    }
}

/// Reads a response body, refusing more than `cap` bytes (a hostile or broken peer must not be
/// able to exhaust memory).
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
    endpoint: &str,
) -> Result<Vec<u8>, MnsError> {
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| network_error(e, endpoint))?
    {
        if body.len() + chunk.len() > cap {
            return Err(MnsError::Malformed {
                status,
                request_id: None,
                detail: format!("the answer is larger than {cap} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_handles_keep_plus_slash_equals() {
        assert_eq!(encode_component("1-ab+c/d=="), "1-ab%2Bc%2Fd%3D%3D");
        assert_eq!(encode_component("A-z_0.9~"), "A-z_0.9~");
        assert_eq!(encode_component("a b&c%中"), "a%20b%26c%25%E4%B8%AD");
    }

    #[test]
    fn endpoints() {
        let (base, url) =
            parse_endpoint("https://1943695596114318.mns.cn-hangzhou.aliyuncs.com/").unwrap();
        assert_eq!(
            base,
            "https://1943695596114318.mns.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            host_header(&url),
            "1943695596114318.mns.cn-hangzhou.aliyuncs.com"
        );
        let (base, url) = parse_endpoint("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            (base.as_str(), host_header(&url).as_str()),
            ("http://127.0.0.1:8080", "127.0.0.1:8080")
        );
        assert_eq!(
            host_header(&parse_endpoint("https://h:443").unwrap().1),
            "h"
        );
        for bad in [
            "1943695596114318.mns.cn-hangzhou.aliyuncs.com",
            "ftp://h",
            "https://h/queues",
            "https://u:p@h",
        ] {
            assert!(
                matches!(parse_endpoint(bad), Err(MnsError::Config(_))),
                "{bad}"
            );
        }
    }
}
