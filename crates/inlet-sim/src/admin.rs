//! `/__admin/...`: a JSON side-channel for tests and other local processes (not part of MNS,
//! no signature). Only loopback peers may use it, so a simulator listening on a public
//! address does not hand out control of its queues.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::faults::Faults;
use crate::producer;
use crate::queue::Created;
use crate::server::PeerAddr;
use crate::state::Shared;

pub fn router(app: Arc<Shared>) -> Router {
    Router::new()
        .route("/__admin/faults", get(get_faults).put(put_faults))
        .route("/__admin/queues/{q}", post(create_queue))
        .route("/__admin/queues/{q}/chatapp", post(send_chatapp))
        .route("/__admin/queues/{q}/raw", post(send_raw))
        .route("/__admin/queues/{q}/stats", get(stats))
        .route("/__admin/clock", get(clock))
        .route("/__admin/clock/advance", post(advance_clock))
        .route("/__admin/seed-demo/{q}", post(seed_demo))
        .layer(middleware::from_fn(loopback_only))
        .with_state(app)
}

async fn loopback_only(req: Request, next: Next) -> Response {
    match req.extensions().get::<PeerAddr>() {
        Some(PeerAddr(peer)) if peer.ip().is_loopback() => next.run(req).await,
        _ => json_response(
            StatusCode::FORBIDDEN,
            &json!({"error": "the admin side-channel is for loopback clients only"}),
        ),
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut resp = Response::new(Body::from(value.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn api_error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(status, &json!({"error": e.message, "code": e.code}))
}

fn bad_request(msg: impl std::fmt::Display) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": msg.to_string()}))
}

/// Waits until everything done so far is on disk, like the MNS routes do.
async fn flushed(app: &Shared) {
    let v = app.store.version();
    app.persisted(v).await;
}

async fn get_faults(State(app): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, &json!(app.faults.get()))
}

async fn put_faults(State(app): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            app.faults.set(f);
            json_response(StatusCode::OK, &json!(f))
        }
        Err(e) => bad_request(format!("not a faults object: {e}")),
    }
}

async fn create_queue(State(app): State<Arc<Shared>>, Path(q): Path<String>) -> Response {
    match app.ensure_queue(&q) {
        Ok(created) => {
            flushed(&app).await;
            let status = if created == Created::New {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            json_response(status, &json!({"queue": q}))
        }
        Err(e) => api_error(&e),
    }
}

const NOT_TEXT: &str = "the body must be UTF-8 text";

async fn send_chatapp(
    State(app): State<Arc<Shared>>,
    Path(q): Path<String>,
    body: Bytes,
) -> Response {
    match std::str::from_utf8(&body) {
        Ok(json) => sent(&app, app.send_chatapp(&q, json)).await,
        Err(_) => bad_request(NOT_TEXT),
    }
}

async fn send_raw(State(app): State<Arc<Shared>>, Path(q): Path<String>, body: Bytes) -> Response {
    match std::str::from_utf8(&body) {
        Ok(raw) => sent(&app, app.send_text(&q, raw.to_string())).await,
        Err(_) => bad_request(NOT_TEXT),
    }
}

async fn sent(app: &Shared, r: Result<crate::queue::Sent, ApiError>) -> Response {
    match r {
        Ok(s) => {
            flushed(app).await;
            json_response(
                StatusCode::CREATED,
                &json!({"MessageId": s.message_id, "MessageBodyMD5": s.body_md5}),
            )
        }
        Err(e) => api_error(&e),
    }
}

async fn stats(State(app): State<Arc<Shared>>, Path(q): Path<String>) -> Response {
    match app.stats(&q) {
        Some(s) => {
            let mut v = json!(s);
            v["long_polls"] = json!(app.store.waker(&q).parked());
            json_response(StatusCode::OK, &v)
        }
        None => api_error(&ApiError::queue_not_exist()),
    }
}

async fn clock(State(app): State<Arc<Shared>>) -> Response {
    let offset_ms = app.clock.offset().as_millis() as u64;
    json_response(
        StatusCode::OK,
        &json!({"now_ms": app.clock.now_ms(), "offset_ms": offset_ms}),
    )
}

#[derive(Deserialize)]
struct Advance {
    seconds: f64,
}

async fn advance_clock(State(app): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(a) if a.seconds.is_finite() && a.seconds >= 0.0 => {
            app.clock.advance(Duration::from_secs_f64(a.seconds));
            clock(State(app)).await
        }
        Ok(_) => bad_request("seconds must be a non-negative number"),
        Err(e) => bad_request(format!("expected {{\"seconds\": N}}: {e}")),
    }
}

async fn seed_demo(State(app): State<Arc<Shared>>, Path(q): Path<String>) -> Response {
    match seed_queue(&app, &q) {
        Ok(ids) => {
            flushed(&app).await;
            json_response(StatusCode::CREATED, &json!({"queue": q, "MessageIds": ids}))
        }
        Err(e) => api_error(&e),
    }
}

/// Enqueues the producer's demo conversation into `queue`; returns the MNS MessageIds.
pub fn seed_queue(app: &Shared, queue: &str) -> Result<Vec<String>, ApiError> {
    app.store.read(|b| b.get(queue).map(|_| ()))?;
    let mut ids = Vec::new();
    let mut first_error = None;
    producer::seed_demo(
        |json: &str| match app.send_chatapp(queue, json) {
            Ok(s) => ids.push(s.message_id),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        },
        app.clock.now_ms(),
        &app.media,
    );
    match first_error {
        Some(e) => Err(e),
        None => Ok(ids),
    }
}
