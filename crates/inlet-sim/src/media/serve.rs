//! The HTTP side of the media host: authorisation, then one response per [`Behaviour`].

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use chrono::DateTime;
use futures_util::stream::{self, Stream, StreamExt};

use super::oss_error::OssError;
use super::range::{self, RangeRequest};
use super::{Behaviour, MediaHost, StoredFile, signing};

/// Size of the repeated slice an endless body is made of.
const ENDLESS_CHUNK: usize = 64 * 1024;
const OCTET_STREAM: &str = "application/octet-stream";
/// How long a short body waits before hanging up (see [`then_hang_up`]).
const HANG_UP_AFTER: Duration = Duration::from_millis(50);
/// A slow drip sends this many slices per second.
const DRIPS_PER_SEC: u64 = 10;

pub(super) fn router(host: MediaHost) -> Router {
    Router::new()
        .route("/media/{id}/{filename}", get(handle))
        .route("/tiles/{z}/{x}/{y}", get(super::tiles::handle))
        .with_state(host)
}

async fn handle(
    State(host): State<MediaHost>,
    Path((id, filename)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let request_id = new_request_id();
    host.record_hit(&id);
    let mut response = match answer(&host, &id, &filename, query.as_deref(), &headers) {
        Ok(response) => response,
        Err(error) => error.into_response(&request_id),
    };
    let out = response.headers_mut();
    out.insert(header::SERVER, HeaderValue::from_static("AliyunOSS"));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        out.insert("x-oss-request-id", value);
    }
    response
}

fn answer(
    host: &MediaHost,
    id: &str,
    filename: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, OssError> {
    let params = QueryParams::parse(query.unwrap_or(""));
    let expires = host.authorize(id, filename, &params)?;
    let (file, fail_now) = host
        .take_for_request(id, filename)
        .ok_or_else(|| no_such_key(id, filename))?;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    Ok(match &file.behaviour {
        Behaviour::Normal => full_or_range(&file, &file.content_type, range)?,
        Behaviour::WrongMime { served } => full_or_range(&file, served, range)?,
        Behaviour::FailTimes(_) if fail_now => return Err(internal_error()),
        Behaviour::FailTimes(_) => full_or_range(&file, &file.content_type, range)?,
        Behaviour::NotFound => return Err(no_such_key(id, filename)),
        Behaviour::Truncated => truncated(&file),
        Behaviour::SlowDrip { bytes_per_sec } => slow_drip(&file, *bytes_per_sec),
        Behaviour::Endless => endless(&file),
        Behaviour::WrongLength { declared } => wrong_length(&file, *declared),
        Behaviour::RedirectLoop => {
            // Alternate between the plain URL and the same URL with `hop=1`, so the loop spans
            // two distinct URLs (a client that only detects self-redirects is not enough).
            let plain = host.url(id, filename, expires);
            let next = if params.get("hop").is_some() {
                plain
            } else {
                format!("{plain}&hop=1")
            };
            redirect(&next)
        }
        Behaviour::Redirect { to } => redirect(to),
    })
}

impl MediaHost {
    pub(super) fn record_hit(&self, id: &str) {
        *self.state().hits.entry(id.to_owned()).or_insert(0) += 1;
    }

    /// Checks the URL's signature, then its expiry; returns the expiry.
    fn authorize(&self, id: &str, filename: &str, params: &QueryParams) -> Result<i64, OssError> {
        let (Some(expires_raw), Some(signature)) = (params.get("Expires"), params.get("Signature"))
        else {
            return Err(OssError::new(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "You have no right to access this object because of bucket acl.",
            ));
        };
        let expires: i64 = expires_raw.parse().map_err(|_| {
            OssError::new(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Invalid Expires parameter.",
            )
        })?;
        if !signing::verify(&self.inner.secret, expires, id, filename, signature) {
            return Err(OssError::new(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. \
                 Check your key and signing method.",
            )
            .with("SignatureProvided", signature)
            .with(
                "StringToSign",
                signing::string_to_sign(expires, id, filename),
            ));
        }
        let now = self.inner.clock.now_secs();
        if now > expires {
            return Err(OssError::new(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired.",
            )
            .with("Expires", iso8601(expires))
            .with("ServerTime", iso8601(now)));
        }
        Ok(expires)
    }

    /// The file for this request, and whether this request is one that must fail
    /// ([`Behaviour::FailTimes`] spends one failure per request).
    fn take_for_request(&self, id: &str, filename: &str) -> Option<(StoredFile, bool)> {
        let mut state = self.state();
        let file = state.files.get_mut(id).filter(|f| f.filename == filename)?;
        let fail_now = file.failures_left > 0;
        file.failures_left = file.failures_left.saturating_sub(1);
        Some((file.clone(), fail_now))
    }
}

/// Query parameters decoded the way OSS decodes them (form encoding: `+` is a space).
struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    fn parse(query: &str) -> Self {
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (form_decode(key), form_decode(value))
            })
            .collect();
        Self(pairs)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn form_decode(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// 200 with the whole file, or 206/416 for a `Range` request.
fn full_or_range(
    file: &StoredFile,
    content_type: &str,
    range: Option<&str>,
) -> Result<Response, OssError> {
    let len = file.bytes.len() as u64;
    let (status, body, content_range) = match range::parse(range, len) {
        RangeRequest::Full => (StatusCode::OK, file.bytes.clone(), None),
        RangeRequest::Partial { start, end } => {
            let slice = file.bytes.slice(usize_of(start)..usize_of(end) + 1);
            (
                StatusCode::PARTIAL_CONTENT,
                slice,
                Some(format!("bytes {start}-{end}/{len}")),
            )
        }
        RangeRequest::Unsatisfiable => {
            return Err(OssError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range cannot be satisfied",
            )
            .with("RangeRequested", range.unwrap_or_default()));
        }
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header_value(content_type, OCTET_STREAM),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::ETAG, header_value(&file.etag, ""));
    headers.insert(
        header::LAST_MODIFIED,
        header_value(&http_date(file.last_modified_ms), ""),
    );
    headers.insert("x-oss-object-type", HeaderValue::from_static("Normal"));
    if let Some(content_range) = content_range {
        headers.insert(header::CONTENT_RANGE, header_value(&content_range, ""));
    }
    Ok(response)
}

/// Promises the whole file, sends half, then ends: hyper sees the body fall short of its
/// `Content-Length` and closes the connection.
fn truncated(file: &StoredFile) -> Response {
    let half = file.bytes.slice(..file.bytes.len() / 2);
    streamed(file, Some(file.bytes.len() as u64), then_hang_up(half))
}

/// Sends `bytes`, then ends the body a moment later. The pause matters: a body that ends short
/// makes hyper drop the connection at once, discarding what it had not yet flushed, so without
/// it the client would see a dead connection instead of a body that stops early.
fn then_hang_up(bytes: Bytes) -> impl Stream<Item = Bytes> + Send + 'static {
    let pause = stream::once(tokio::time::sleep(HANG_UP_AFTER)).filter_map(|()| async { None });
    stream::iter([bytes]).chain(pause)
}

fn slow_drip(file: &StoredFile, bytes_per_sec: u64) -> Response {
    let len = Some(file.bytes.len() as u64);
    if bytes_per_sec == 0 {
        return streamed(file, len, stream::pending());
    }
    let slice = usize_of((bytes_per_sec / DRIPS_PER_SEC).max(1));
    let interval = Duration::from_millis(1000 / DRIPS_PER_SEC);
    let bytes = file.bytes.clone();
    let drip = stream::unfold(0usize, move |offset| {
        let bytes = bytes.clone();
        async move {
            if offset >= bytes.len() {
                return None;
            }
            tokio::time::sleep(interval).await;
            let end = (offset + slice).min(bytes.len());
            Some((bytes.slice(offset..end), end))
        }
    });
    streamed(file, len, drip)
}

/// No `Content-Length`: hyper falls back to chunked encoding, and the chunks never stop.
fn endless(file: &StoredFile) -> Response {
    let chunk = if file.bytes.is_empty() {
        Bytes::from(vec![0u8; ENDLESS_CHUNK])
    } else {
        file.bytes.clone()
    };
    streamed(file, None, stream::repeat(chunk))
}

fn wrong_length(file: &StoredFile, declared: u64) -> Response {
    streamed(file, Some(declared), then_hang_up(file.bytes.clone()))
}

/// A response whose body is a stream, so hyper does not know its size and trusts the
/// `Content-Length` we set (or uses chunked encoding when there is none). That is what lets a
/// response lie about its length on the wire.
fn streamed(
    file: &StoredFile,
    content_length: Option<u64>,
    chunks: impl Stream<Item = Bytes> + Send + 'static,
) -> Response {
    let body = Body::from_stream(chunks.map(Ok::<_, Infallible>));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header_value(&file.content_type, OCTET_STREAM),
    );
    if let Some(len) = content_length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    response
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, header_value(location, "/"));
    response
}

fn no_such_key(id: &str, filename: &str) -> OssError {
    OssError::new(
        StatusCode::NOT_FOUND,
        "NoSuchKey",
        "The specified key does not exist.",
    )
    .with("Key", format!("media/{id}/{filename}"))
}

fn internal_error() -> OssError {
    OssError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalError",
        "We encountered an internal error. Please try again.",
    )
}

/// A header value from text a caller chose; text that cannot be a header value (control
/// characters) degrades to `fallback` instead of failing the response.
fn header_value(text: &str, fallback: &'static str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(fallback))
}

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// OSS request ids: 24 upper-case hex characters.
fn new_request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..24].to_uppercase()
}

fn iso8601(unix_secs: i64) -> String {
    DateTime::from_timestamp(unix_secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string())
        .unwrap_or_default()
}

fn http_date(unix_ms: i64) -> String {
    let secs = u64::try_from(unix_ms.div_euclid(1000)).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}
