//! The HTTP face of the server (axum): routes, bearer-token
//! authentication, protocol-version check, rate and size limits.
//!
//! An unknown or revoked token gets 401 before anything is read or written;
//! a client speaking another protocol version gets 426 with code
//! `protocol_version`. No personal data is ever logged: only counts.

use crate::storage::{Backend, DeviceInfo, StorageError};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use muster_protocol::sync::{self, ErrorBody, ErrorInfo, PullRequest, PushRequest, Status, CONTENT_TYPE};
use muster_protocol::PROTOCOL_VERSION;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Header carrying the client's protocol version, checked before the body.
pub const PROTOCOL_HEADER: &str = "x-muster-protocol";

/// Largest compressed request body.
pub const MAX_REQUEST: usize = 16 * 1024 * 1024;

/// Requests per second a device may make on average, and its burst.
const RATE_PER_SEC: f64 = 50.0;
const BURST: f64 = 200.0;

#[derive(Clone)]
struct App {
    backend: Backend,
    buckets: Arc<Mutex<HashMap<String, (f64, Instant)>>>,
}

pub fn router(backend: Backend) -> Router {
    let app = App { backend, buckets: Arc::new(Mutex::new(HashMap::new())) };
    Router::new()
        .route("/", get(page))
        .route("/v1/status", get(status))
        .route("/v1/push", post(push))
        .route("/v1/pull", post(pull))
        .layer(DefaultBodyLimit::max(MAX_REQUEST))
        .with_state(app)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ErrorBody { error: ErrorInfo { code: code.into(), message: message.into() } };
    (status, [(header::CONTENT_TYPE, "application/json")], serde_json::to_vec(&body).unwrap_or_default()).into_response()
}

fn storage_error(e: StorageError) -> Response {
    match e {
        StorageError::Invalid(m) => error(StatusCode::BAD_REQUEST, "bad_request", m),
        StorageError::Conflict(m) => error(StatusCode::CONFLICT, "conflict", m),
        StorageError::NoSuchDevice(m) => error(StatusCode::NOT_FOUND, "not_found", m),
        other => {
            eprintln!("storage error: {other}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "server", "the server's store failed; try again")
        }
    }
}

fn ok<T: serde::Serialize>(value: &T) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], sync::encode(value)).into_response()
}

/// Authentication, version and rate checks shared by push and pull.
async fn admit(app: &App, headers: &HeaderMap) -> Result<DeviceInfo, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(error(StatusCode::UNAUTHORIZED, "unauthorized", "a device token is required"));
    };
    if let Some(v) = headers.get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok()) {
        if v.trim() != PROTOCOL_VERSION.to_string() {
            return Err(version_error(v));
        }
    }
    let device = match app.backend.authenticate(token).await {
        Ok(Some(d)) => d,
        Ok(None) => return Err(error(StatusCode::UNAUTHORIZED, "unauthorized", "unknown or revoked device token")),
        Err(e) => return Err(storage_error(e)),
    };
    let mut buckets = app.buckets.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    let (tokens, last) = buckets.entry(device.id.clone()).or_insert((BURST, now));
    *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * RATE_PER_SEC).min(BURST);
    *last = now;
    if *tokens < 1.0 {
        return Err(error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests from this device; slow down"));
    }
    *tokens -= 1.0;
    Ok(device)
}

fn version_error(theirs: &str) -> Response {
    error(
        StatusCode::UPGRADE_REQUIRED,
        "protocol_version",
        format!("this server speaks sync protocol {PROTOCOL_VERSION}, the client {theirs}: please update Muster"),
    )
}

async fn status() -> Response {
    ok(&Status { protocol: PROTOCOL_VERSION, server: format!("muster-server {}", env!("CARGO_PKG_VERSION")) })
}

async fn push(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let device = match admit(&app, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let req: PushRequest = match sync::decode(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    if req.protocol != PROTOCOL_VERSION {
        return version_error(&req.protocol.to_string());
    }
    match app.backend.push(&device, &req.device_id, &req.changes).await {
        Ok(resp) => ok(&resp),
        Err(e) => storage_error(e),
    }
}

async fn pull(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = admit(&app, &headers).await {
        return r;
    }
    let req: PullRequest = match sync::decode(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    if req.protocol != PROTOCOL_VERSION {
        return version_error(&req.protocol.to_string());
    }
    match app.backend.pull(req.cursor, req.limit, &req.device_id, req.include_own).await {
        Ok(resp) => ok(&resp),
        Err(e) => storage_error(e),
    }
}

async fn page(State(app): State<App>) -> Response {
    match (app.backend.list_devices().await, app.backend.summary().await) {
        (Ok(devices), Ok(summary)) => Html(crate::page::render(&devices, &summary)).into_response(),
        (Err(e), _) | (_, Err(e)) => storage_error(e),
    }
}
