//! The MNS REST routes (spec §4, §11.3) on top of the queue state machine.
//!
//! Everything arrives at one fallback handler because authentication must see the raw
//! request-target before any routing decodes it (spec §3.2): faults → auth → route.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use percent_encoding::percent_decode_str;
use tokio::time::Instant;

use crate::auth;
use crate::error::ApiError;
use crate::faults::Verdict;
use crate::queue::{AttrsPatch, Created, MessageView, Queue, SendRequest, checked};
use crate::server::ConnKill;
use crate::state::Shared;
use crate::token;
use crate::xml::{self, Element, Writer};

/// Largest request body read (a batch is at most 16 × 64 KiB of text plus XML).
const MAX_BODY: usize = 2 * 1024 * 1024;
const XML_CONTENT_TYPE: &str = "text/xml;charset=utf-8";
const MAX_BATCH: usize = 16;

/// Per-request identity that every answer carries.
struct Ctx {
    request_id: String,
    /// `http://{Host}` — what `HostId` and `Location` name.
    host: String,
}

impl Ctx {
    fn new(parts: &Parts) -> Self {
        let host = auth::header(&parts.headers, "host")
            .map_or_else(|| "localhost".to_string(), |h| h.into_owned());
        Self {
            request_id: request_id(),
            host: format!("http://{host}"),
        }
    }
}

/// 24 upper-case hex characters, like the service's `x-mns-request-id`.
pub fn request_id() -> String {
    hex::encode_upper(rand::random::<[u8; 12]>())
}

/// The single entry point for everything that is not `/__admin` or media.
pub async fn dispatch(app: Arc<Shared>, req: Request) -> Response {
    if token::is_token_request(&req) {
        return token::handle(&app, req).await;
    }
    let (parts, body) = req.into_parts();
    let ctx = Ctx::new(&parts);
    let faults = app.faults.get();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    match faults.verdict() {
        Verdict::Proceed => {}
        Verdict::Fail(status) => {
            return error(
                &ctx,
                &ApiError::new(status, "InternalError", "Interal error."),
            );
        }
        Verdict::Reset => return reset(&parts).await,
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return error(
            &ctx,
            &ApiError::invalid_argument("The request body is too large."),
        );
    };
    if let Err(e) = auth::verify(
        &app.keys,
        &parts,
        &body,
        app.clock.now_ms(),
        app.date_check_now(),
    ) {
        return error(&ctx, &e);
    }
    route(&app, &parts, &body, &ctx)
        .await
        .unwrap_or_else(|e| error(&ctx, &e))
}

/// Closes the connection without answering: the connection task drops the socket with
/// SO_LINGER 0 (a TCP reset) while this request never completes.
async fn reset(parts: &Parts) -> Response {
    if let Some(kill) = parts.extensions.get::<ConnKill>() {
        kill.kill();
        std::future::pending::<()>().await;
    }
    // Not served by our connection loop (cannot happen in the simulator): fail loudly instead.
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .body(Body::empty())
        .unwrap_or_default()
}

enum Target {
    Queue(String),
    Messages(String),
}

fn target(path: &str) -> Result<Target, ApiError> {
    let bad = || ApiError::new(400, "InvalidRequestURL", "Http request URL format invalid.");
    let segs: Vec<&str> = path.strip_prefix('/').ok_or_else(bad)?.split('/').collect();
    let decode = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad())
    };
    match segs.as_slice() {
        ["queues", q] if !q.is_empty() => Ok(Target::Queue(decode(q)?)),
        ["queues", q, "messages"] if !q.is_empty() => Ok(Target::Messages(decode(q)?)),
        _ => Err(bad()),
    }
}

/// Query parameters: names lower-cased (clients differ in case, spec §4.8), values
/// percent-decoded *without* turning `+` into a space (receipt handles contain `+`).
pub fn query_params(raw: Option<&str>) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = || {
            ApiError::new(
                400,
                "InvalidQueryString",
                format!("Http request URL contains invalid querystring item \"{name}\"."),
            )
        };
        let name = percent_decode_str(name)
            .decode_utf8()
            .map_err(|_| bad())?
            .to_ascii_lowercase();
        let value = percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| bad())?
            .into_owned();
        out.entry(name).or_insert(value);
    }
    Ok(out)
}

async fn route(
    app: &Arc<Shared>,
    parts: &Parts,
    body: &[u8],
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let q = query_params(parts.uri.query())?;
    match (target(parts.uri.path())?, &parts.method) {
        (Target::Queue(name), &Method::PUT) if is_true(q.get("metaoverride")) => {
            set_attrs(app, &name, body, ctx).await
        }
        (Target::Queue(name), &Method::PUT) => create_queue(app, &name, body, ctx).await,
        (Target::Queue(name), &Method::GET) => queue_attrs(app, &name, ctx),
        (Target::Queue(name), &Method::DELETE) => delete_queue(app, &name, ctx).await,
        (Target::Messages(name), &Method::POST) => send(app, &name, body, ctx).await,
        (Target::Messages(name), &Method::GET) if is_true(q.get("peekonly")) => {
            peek(app, &name, &q, ctx).await
        }
        (Target::Messages(name), &Method::GET) => receive(app, &name, &q, ctx).await,
        (Target::Messages(name), &Method::DELETE) => {
            delete_messages(app, &name, &q, body, ctx).await
        }
        (Target::Messages(name), &Method::PUT) => change_visibility(app, &name, &q, ctx).await,
        _ => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            "The method is not allowed for this resource.",
        )),
    }
}

fn is_true(v: Option<&String>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

// ---- queues ------------------------------------------------------------------------------

fn attrs_patch(body: &[u8]) -> Result<AttrsPatch, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(AttrsPatch::default());
    }
    let root = xml::parse(body)?;
    if root.name != "Queue" {
        return Err(ApiError::schema("Queue"));
    }
    let logging = match root.child("LoggingEnabled").map(|e| e.text.trim()) {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
        Some(_) => return Err(ApiError::schema("LoggingEnabled")),
    };
    Ok(AttrsPatch {
        delay_seconds: int_child(&root, "DelaySeconds")?,
        maximum_message_size: int_child(&root, "MaximumMessageSize")?,
        message_retention_period: int_child(&root, "MessageRetentionPeriod")?,
        visibility_timeout: int_child(&root, "VisibilityTimeout")?,
        polling_wait_seconds: int_child(&root, "PollingWaitSeconds")?,
        logging_enabled: logging,
    })
}

fn int_child(el: &Element, name: &'static str) -> Result<Option<i64>, ApiError> {
    el.child(name)
        .map(|c| {
            c.text
                .trim()
                .parse::<i64>()
                .map_err(|_| ApiError::schema(name))
        })
        .transpose()
}

async fn create_queue(
    app: &Arc<Shared>,
    name: &str,
    body: &[u8],
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let patch = attrs_patch(body)?;
    let now = app.clock.now_ms();
    let (r, v) = app.store.write(|b| b.create(name, &patch, now));
    let status = match r? {
        Created::New => StatusCode::CREATED,
        Created::Unchanged => StatusCode::NO_CONTENT,
    };
    app.persisted(v).await;
    // The Python SDK reads Location on 201 *and* 204 (spec §4.1).
    let location = format!("{}/queues/{name}", ctx.host);
    Ok(with_header(
        respond(ctx, status, None),
        header::LOCATION,
        &location,
    ))
}

async fn set_attrs(
    app: &Arc<Shared>,
    name: &str,
    body: &[u8],
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let patch = attrs_patch(body)?;
    let now = app.clock.now_ms();
    let (r, v) = app.store.write(|b| {
        let q = b.get_mut(name)?;
        let attrs = patch.apply(q.attrs())?;
        q.set_attrs(attrs, now);
        Ok::<_, ApiError>(())
    });
    r?;
    app.persisted(v).await;
    app.store.wake(name);
    Ok(respond(ctx, StatusCode::NO_CONTENT, None))
}

fn queue_attrs(app: &Arc<Shared>, name: &str, ctx: &Ctx) -> Result<Response, ApiError> {
    let now = app.clock.now_ms();
    let xml = app.store.read(|b| b.get(name).map(|q| queue_xml(q, now)))?;
    Ok(respond(ctx, StatusCode::OK, Some(xml)))
}

/// All twelve elements the Python SDK requires (spec §4.2).
fn queue_xml(q: &Queue, now_ms: i64) -> String {
    let a = q.attrs();
    let s = q.stats(now_ms);
    let mut w = Writer::new("Queue");
    w.leaf("QueueName", q.name())
        .leaf("CreateTime", q.create_time_s().to_string())
        .leaf("LastModifyTime", q.last_modify_time_s().to_string())
        .leaf("DelaySeconds", a.delay_seconds.to_string())
        .leaf("MaximumMessageSize", a.maximum_message_size.to_string())
        .leaf(
            "MessageRetentionPeriod",
            a.message_retention_period.to_string(),
        )
        .leaf("VisibilityTimeout", a.visibility_timeout.to_string())
        .leaf("PollingWaitSeconds", a.polling_wait_seconds.to_string())
        .leaf("ActiveMessages", s.visible.to_string())
        .leaf("InactiveMessages", s.inflight.to_string())
        .leaf("DelayMessages", s.delayed.to_string())
        .leaf(
            "LoggingEnabled",
            if a.logging_enabled { "True" } else { "False" },
        );
    w.finish()
}

async fn delete_queue(app: &Arc<Shared>, name: &str, ctx: &Ctx) -> Result<Response, ApiError> {
    let (r, v) = app.store.write(|b| b.delete(name));
    r?;
    app.persisted(v).await;
    app.store.wake(name);
    Ok(respond(ctx, StatusCode::NO_CONTENT, None))
}

// ---- messages ----------------------------------------------------------------------------

fn send_request(el: &Element) -> Result<SendRequest, ApiError> {
    let body = el
        .child("MessageBody")
        .ok_or_else(|| ApiError::schema("MessageBody"))?;
    Ok(SendRequest {
        body: body.text.clone(),
        delay_seconds: int_child(el, "DelaySeconds")?,
        priority: int_child(el, "Priority")?,
    })
}

async fn send(app: &Arc<Shared>, name: &str, body: &[u8], ctx: &Ctx) -> Result<Response, ApiError> {
    let root = xml::parse(body)?;
    let now = app.clock.now_ms();
    match root.name.as_str() {
        "Message" => {
            let req = send_request(&root)?;
            let (r, v) = app.store.write(|b| b.get_mut(name)?.send(&req, now));
            let sent = r?;
            app.persisted(v).await;
            app.store.wake(name);
            let mut w = Writer::new("Message");
            w.leaf("MessageId", &sent.message_id)
                .leaf("MessageBodyMD5", &sent.body_md5);
            Ok(respond(ctx, StatusCode::CREATED, Some(w.finish())))
        }
        "Messages" => batch_send(app, name, &root, now, ctx).await,
        _ => Err(ApiError::schema("Message")),
    }
}

/// Valid entries are enqueued; if any entry is invalid the answer is 400 with the same
/// `<Messages>` list, failed entries carrying exactly ErrorCode/ErrorMessage (spec §4.4; the
/// real status is unconfirmed — 400 because the failures are the request's fault, and a 5xx
/// would make retrying SDKs send the good entries twice).
async fn batch_send(
    app: &Arc<Shared>,
    name: &str,
    root: &Element,
    now: i64,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let entries: Vec<&Element> = root.children_named("Message").collect();
    if entries.is_empty() || entries.len() > MAX_BATCH {
        return Err(ApiError::out_of_range(
            "the number of Message",
            1,
            MAX_BATCH as i64,
            "",
        ));
    }
    let total: usize = entries
        .iter()
        .filter_map(|e| e.child("MessageBody"))
        .map(|b| b.text.len())
        .sum();
    if total > 65536 {
        return Err(ApiError::out_of_range(
            "the total size of MessageBody",
            1,
            65536,
            " bytes",
        ));
    }
    let reqs: Vec<Result<SendRequest, ApiError>> =
        entries.iter().map(|e| send_request(e)).collect();
    let (r, v) = app.store.write(|b| {
        let q = b.get_mut(name)?;
        Ok::<_, ApiError>(
            reqs.iter()
                .map(|r| r.clone().and_then(|req| q.send(&req, now)))
                .collect::<Vec<_>>(),
        )
    });
    let results = r?;
    app.persisted(v).await;
    app.store.wake(name);
    let mut w = Writer::new("Messages");
    for result in &results {
        w.open("Message");
        match result {
            Ok(s) => w
                .leaf("MessageId", &s.message_id)
                .leaf("MessageBodyMD5", &s.body_md5),
            Err(e) => w.leaf("ErrorCode", e.code).leaf("ErrorMessage", &e.message),
        };
        w.close();
    }
    let status = if results.iter().all(Result::is_ok) {
        StatusCode::CREATED
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(respond(ctx, status, Some(w.finish())))
}

fn batch_size(q: &HashMap<String, String>) -> Result<Option<usize>, ApiError> {
    q.get("numofmessages")
        .map(|n| {
            let n = n
                .trim()
                .parse::<i64>()
                .map_err(|_| ApiError::out_of_range("numOfMessages", 1, 16, ""))?;
            checked(n, "numOfMessages", 1, MAX_BATCH as i64, "").map(|n| n as usize)
        })
        .transpose()
}

async fn peek(
    app: &Arc<Shared>,
    name: &str,
    q: &HashMap<String, String>,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let batch = batch_size(q)?;
    let now = app.clock.now_ms();
    let (r, v) = app
        .store
        .write(|b| b.get_mut(name).map(|q| q.peek(batch.unwrap_or(1), now)));
    let msgs = r?;
    app.persist.mark(v);
    messages_response(ctx, batch.is_some(), &msgs)
}

async fn receive(
    app: &Arc<Shared>,
    name: &str,
    q: &HashMap<String, String>,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let batch = batch_size(q)?;
    let wait = match q.get("waitseconds") {
        Some(w) => {
            let w = w
                .trim()
                .parse::<i64>()
                .map_err(|_| ApiError::out_of_range("waitseconds", 0, 30, " seconds"))?;
            checked(w, "waitseconds", 0, 30, " seconds")?
        }
        None => app
            .store
            .read(|b| b.get(name).map(|q| q.attrs().polling_wait_seconds))?,
    };
    let faults = app.faults.get();
    let wait = if faults.fast_empty { 0 } else { wait };
    let msgs = long_poll(
        app,
        name,
        batch.unwrap_or(1),
        Duration::from_secs(u64::from(wait)),
    )
    .await?;
    messages_response(ctx, batch.is_some(), &msgs)
}

/// Receives, or waits until a send, a visibility/delay deadline, a clock jump, or the end of
/// the wait — whichever comes first — and tries again. Empty at the end → MessageNotExist.
async fn long_poll(
    app: &Arc<Shared>,
    name: &str,
    max: usize,
    wait: Duration,
) -> Result<Vec<MessageView>, ApiError> {
    let until = Instant::now() + wait;
    let waker = app.store.waker(name);
    loop {
        // Registered before looking, so a send between the look and the wait is not missed.
        let sent = waker.notify.notified();
        let jumped = app.clock.advanced();
        tokio::pin!(sent, jumped);
        sent.as_mut().enable();
        jumped.as_mut().enable();

        let now = app.clock.now_ms();
        let faults = app.faults.get();
        let (r, v) = app.store.write(|b| {
            let q = b.get_mut(name)?;
            let got = q.receive(max, now, &mut || faults.duplicate());
            Ok::<_, ApiError>((got, q.next_visible_deadline(now)))
        });
        let (got, next) = r?;
        if !got.is_empty() {
            app.persisted(v).await;
            return Ok(got);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ApiError::message_not_exist());
        }
        let nap = next.map_or(left, |t| app.clock.until(t).min(left));
        let _parked = waker.park();
        tokio::select! {
            _ = sent => {}
            _ = jumped => {}
            _ = tokio::time::sleep(nap) => {}
        }
    }
}

fn messages_response(ctx: &Ctx, batch: bool, msgs: &[MessageView]) -> Result<Response, ApiError> {
    if msgs.is_empty() {
        return Err(ApiError::message_not_exist());
    }
    let xml = if batch {
        let mut w = Writer::new("Messages");
        for m in msgs {
            w.open("Message");
            message_fields(&mut w, m);
            w.close();
        }
        w.finish()
    } else {
        let mut w = Writer::new("Message");
        message_fields(&mut w, &msgs[0]);
        w.finish()
    };
    Ok(respond(ctx, StatusCode::OK, Some(xml)))
}

/// The nine elements of a received message (seven for a peek), spec §4.5/§4.7.
fn message_fields(w: &mut Writer, m: &MessageView) {
    w.leaf("MessageId", &m.message_id);
    if let Some(h) = &m.receipt_handle {
        w.leaf("ReceiptHandle", h);
    }
    w.leaf("MessageBodyMD5", &m.body_md5)
        .leaf("MessageBody", &m.body)
        .leaf("EnqueueTime", m.enqueue_ms.to_string());
    if let Some(t) = m.next_visible_ms {
        w.leaf("NextVisibleTime", t.to_string());
    }
    w.leaf("FirstDequeueTime", m.first_dequeue_ms.to_string())
        .leaf("DequeueCount", m.dequeue_count.to_string())
        .leaf("Priority", m.priority.to_string());
}

async fn delete_messages(
    app: &Arc<Shared>,
    name: &str,
    q: &HashMap<String, String>,
    body: &[u8],
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let missing = || ApiError::new(400, "MissingReceiptHandle", "ReceiptHandle is required.");
    let now = app.clock.now_ms();
    if let Some(handle) = q.get("receipthandle") {
        if handle.is_empty() {
            return Err(missing());
        }
        let (r, v) = app.store.write(|b| b.get_mut(name)?.delete(handle, now));
        r?;
        app.persisted(v).await;
        return Ok(respond(ctx, StatusCode::NO_CONTENT, None));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(missing());
    }
    let root = xml::parse(body)?;
    if root.name != "ReceiptHandles" {
        return Err(ApiError::schema("ReceiptHandles"));
    }
    let handles: Vec<String> = root
        .children_named("ReceiptHandle")
        .map(|h| h.text.trim().to_string())
        .collect();
    if handles.is_empty() || handles.len() > MAX_BATCH {
        return Err(ApiError::out_of_range(
            "the number of ReceiptHandle",
            1,
            MAX_BATCH as i64,
            "",
        ));
    }
    let (r, v) = app.store.write(|b| {
        let q = b.get_mut(name)?;
        Ok::<_, ApiError>(
            handles
                .iter()
                .map(|h| (h, q.delete(h, now)))
                .collect::<Vec<_>>(),
        )
    });
    let results = r?;
    app.persisted(v).await;
    let failed: Vec<_> = results
        .iter()
        .filter_map(|(h, r)| r.as_ref().err().map(|e| (h, e)))
        .collect();
    if failed.is_empty() {
        return Ok(respond(ctx, StatusCode::NO_CONTENT, None));
    }
    // Exactly ErrorCode/ErrorMessage/ReceiptHandle per failed handle (spec §4.9).
    let mut w = Writer::new("Errors");
    for (h, e) in failed {
        w.open("Error")
            .leaf("ErrorCode", e.code)
            .leaf("ErrorMessage", &e.message)
            .leaf("ReceiptHandle", h)
            .close();
    }
    Ok(respond(ctx, StatusCode::NOT_FOUND, Some(w.finish())))
}

async fn change_visibility(
    app: &Arc<Shared>,
    name: &str,
    q: &HashMap<String, String>,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let handle = q
        .get("receipthandle")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ApiError::new(400, "MissingReceiptHandle", "ReceiptHandle is required."))?;
    let seconds = q
        .get("visibilitytimeout")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                400,
                "MissingVisibilityTimeout",
                "VisibilityTimeout is required.",
            )
        })?;
    let seconds = seconds
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::out_of_range("VisibilityTimeout", 1, 43_200, " seconds"))?;
    let now = app.clock.now_ms();
    let (r, v) = app
        .store
        .write(|b| b.get_mut(name)?.change_visibility(handle, seconds, now));
    let (new_handle, next) = r?;
    app.persisted(v).await;
    // A shorter timeout can make the message visible sooner than a poller's current nap.
    app.store.wake(name);
    let mut w = Writer::new("ChangeVisibility");
    w.leaf("ReceiptHandle", &new_handle)
        .leaf("NextVisibleTime", next.to_string());
    Ok(respond(ctx, StatusCode::OK, Some(w.finish())))
}

// ---- responses ---------------------------------------------------------------------------

fn respond(ctx: &Ctx, status: StatusCode, xml: Option<String>) -> Response {
    let has_body = xml.is_some();
    let mut resp = Response::new(xml.map_or_else(Body::empty, Body::from));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static("AliyunMQS"));
    h.insert(
        "x-mns-version",
        HeaderValue::from_static(inlet_mns::sign::MNS_VERSION),
    );
    if let Ok(id) = HeaderValue::from_str(&ctx.request_id) {
        h.insert("x-mns-request-id", id);
    }
    if has_body {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(XML_CONTENT_TYPE),
        );
    }
    resp
}

fn with_header(mut resp: Response, name: header::HeaderName, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
    resp
}

/// `<Error>` with all four of Code/Message/RequestId/HostId (the Python SDK needs all four).
fn error(ctx: &Ctx, e: &ApiError) -> Response {
    let mut w = Writer::new("Error");
    w.leaf("Code", e.code)
        .leaf("Message", &e.message)
        .leaf("RequestId", &ctx.request_id)
        .leaf("HostId", &ctx.host);
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    respond(ctx, status, Some(w.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_names_are_case_insensitive_and_plus_stays_plus() {
        let q = query_params(Some("receiptHandle=1-a+b/c%3D%3D&VisibilityTimeout=60&x")).unwrap();
        assert_eq!(q["receipthandle"], "1-a+b/c==");
        assert_eq!(q["visibilitytimeout"], "60");
        assert_eq!(q["x"], "");
        assert_eq!(
            query_params(Some("a=%FF")).unwrap_err().code,
            "InvalidQueryString"
        );
    }

    #[test]
    fn targets() {
        assert!(matches!(target("/queues/a%2Db"), Ok(Target::Queue(q)) if q == "a-b"));
        assert!(matches!(target("/queues/q/messages"), Ok(Target::Messages(q)) if q == "q"));
        for bad in ["/", "/queues", "/queues/", "/queues/q/other", "/topics/t"] {
            assert_eq!(
                target(bad).err().map(|e| e.code),
                Some("InvalidRequestURL"),
                "{bad}"
            );
        }
    }

    #[test]
    fn queue_body_parsing() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?><Queue xmlns="http://mns.aliyuncs.com/doc/v1/"><VisibilityTimeout>30</VisibilityTimeout><PollingWaitSeconds>0</PollingWaitSeconds><LoggingEnabled>True</LoggingEnabled></Queue>"#;
        let p = attrs_patch(body).unwrap();
        assert_eq!(
            (
                p.visibility_timeout,
                p.polling_wait_seconds,
                p.logging_enabled
            ),
            (Some(30), Some(0), Some(true))
        );
        assert_eq!(attrs_patch(b"").unwrap(), AttrsPatch::default());
        assert_eq!(
            attrs_patch(b"<Queue><DelaySeconds>x</DelaySeconds></Queue>")
                .unwrap_err()
                .code,
            "InvalidArgument"
        );
        assert_eq!(attrs_patch(b"<Queue>").unwrap_err().code, "MalformedXML");
    }

    #[test]
    fn request_ids_look_like_the_service() {
        let id = request_id();
        assert_eq!(id.len(), 24);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        );
    }
}
