//! The HTTP face of the server (axum): routes, bearer-token
//! authentication, protocol-version check, rate and size limits, and the
//! rules every pushed change must meet.
//!
//! Order of checks on push and pull, cheapest first, so that a stranger
//! costs the server nothing: the token (401, before the body is read), the
//! protocol version (426), the device's rate (429), the declared length
//! (413), then the body is read up to [`MAX_REQUEST`] (413 past it), decoded,
//! and every change checked against `muster_protocol::rules` (422
//! `invalid_change` naming device, seq and field; the batch is refused
//! whole) and against the token's own laptop (403 `wrong_device`). No
//! personal data is ever logged: only counts. The page at `/` says only
//! that this is a Muster server; what the organisers see is behind a token
//! (`/v1/overview`).

use crate::storage::{Backend, DeviceInfo, StorageError};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
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

/// The unauthenticated page's bucket: shared by everyone who asks.
const PUBLIC_RATE_PER_SEC: f64 = 20.0;
const PUBLIC_BURST: f64 = 40.0;
const PUBLIC: &str = "\0public";

#[derive(Clone)]
struct App {
    backend: Backend,
    buckets: Arc<Mutex<HashMap<String, (f64, Instant)>>>,
}

pub fn router(backend: Backend) -> Router {
    router_with(backend, None)
}

/// [`router`] and the organisers' view at `/org` ([`crate::organisers`]),
/// reading the read model at `read_model`.
pub fn router_with(backend: Backend, read_model: Option<std::path::PathBuf>) -> Router {
    let organisers = crate::organisers::routes(backend.clone(), read_model);
    let app = App { backend, buckets: Arc::new(Mutex::new(HashMap::new())) };
    Router::new()
        .route("/", get(index))
        .route("/v1/status", get(status))
        .route("/v1/overview", get(overview))
        .route("/v1/push", post(push))
        .route("/v1/pull", post(pull))
        .route("/v1/join", post(join))
        .route("/v1/trust", post(trust))
        .route("/v/{code}", get(verify_page))
        .route("/V/{code}", get(verify_page))
        // Bodies are read by the handlers, after the token is checked.
        .layer(DefaultBodyLimit::disable())
        .with_state(app)
        .merge(organisers)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    error_info(status, ErrorInfo::new(code, message))
}

fn error_info(status: StatusCode, info: ErrorInfo) -> Response {
    let body = ErrorBody { error: info };
    (status, [(header::CONTENT_TYPE, "application/json")], serde_json::to_vec(&body).unwrap_or_default()).into_response()
}

fn too_large() -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the request is larger than the server takes ({MAX_REQUEST} bytes); nothing was stored"),
    )
}

/// The body, once the sender is known: refused at once when its declared
/// length is over the limit, and never read past the limit.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_REQUEST).await.map_err(|e| {
        if std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("length limit")) || e.to_string().contains("length limit") {
            too_large()
        } else {
            error(StatusCode::BAD_REQUEST, "bad_request", format!("the request body could not be read: {e}"))
        }
    })
}

fn storage_error(e: StorageError) -> Response {
    match e {
        StorageError::Invalid(m) => error(StatusCode::BAD_REQUEST, "bad_request", m),
        StorageError::Conflict(m) => error(StatusCode::CONFLICT, "conflict", m),
        StorageError::NoSuchDevice(m) => error(StatusCode::NOT_FOUND, "not_found", m),
        StorageError::WrongDevice(m) => error(StatusCode::FORBIDDEN, "wrong_device", m),
        StorageError::OutOfScope(m) => error(StatusCode::FORBIDDEN, "out_of_scope", m),
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
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
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
    if !app.take(&device.id, RATE_PER_SEC, BURST) {
        return Err(error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests from this device; slow down"));
    }
    Ok(device)
}

impl App {
    /// One request from `key`'s token bucket; false when it is empty.
    fn take(&self, key: &str, rate: f64, burst: f64) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens < 1.0 {
            return false;
        }
        *tokens -= 1.0;
        true
    }
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

/// The sender, then its body: [`admit`] before a byte is read.
async fn admit_body(app: &App, headers: &HeaderMap, body: Body) -> Result<(DeviceInfo, Bytes), Response> {
    let device = admit(app, headers).await?;
    Ok((device, read_body(headers, body).await?))
}

async fn push(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let (device, body) = match admit_body(&app, &headers, body).await {
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
    // Every change is checked before any is stored: one bad change refuses
    // the batch whole.
    let now = muster_protocol_now_ms();
    if !muster_protocol::rules::is_uuid(&req.device_id) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_change",
            format!("the device id {} is not a UUID", muster_protocol::rules::quote(&req.device_id)),
        );
    }
    for c in &req.changes {
        if let Err(e) = muster_protocol::rules::check(c, now) {
            let mut info = ErrorInfo::new("invalid_change", format!("{e}. Nothing of this batch was stored"));
            info.device_id = Some(e.device_id);
            info.seq = Some(e.seq);
            info.field = Some(e.field);
            return error_info(StatusCode::UNPROCESSABLE_ENTITY, info);
        }
    }
    match app.backend.push(&device, &req.device_id, &req.changes).await {
        Ok(resp) => ok(&resp),
        Err(e) => storage_error(e),
    }
}

async fn pull(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let (device, body) = match admit_body(&app, &headers, body).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let req: PullRequest = match sync::decode(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    if req.protocol != PROTOCOL_VERSION {
        return version_error(&req.protocol.to_string());
    }
    match app.backend.pull_events(&device, req.cursor, req.limit, &req.device_id, req.include_own, req.events.as_deref()).await {
        Ok(resp) => ok(&resp),
        Err(e) => storage_error(e),
    }
}

fn muster_protocol_now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// What anyone may see: that this is a Muster server, and its version.
/// Rate-limited as a whole; it reads nothing from the store.
async fn index(State(app): State<App>) -> Response {
    if !app.take(PUBLIC, PUBLIC_RATE_PER_SEC, PUBLIC_BURST) {
        return error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests; slow down");
    }
    Html(crate::page::public()).into_response()
}

/// The organisers' view (events, devices, counts), for a paired device's
/// token only, within its rate.
async fn overview(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(r) = admit(&app, &headers).await {
        return r;
    }
    match (app.backend.list_devices().await, app.backend.summary().await) {
        (Ok(devices), Ok(summary)) => Html(crate::page::render(&devices, &summary)).into_response(),
        (Err(e), _) | (_, Err(e)) => storage_error(e),
    }
}

/// `POST /v1/join`: a paired device hands in its laptop's signing key and
/// gets its device certificate and the organisation's trust.
async fn join(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let (device, body) = match admit_body(&app, &headers, body).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let req: muster_protocol::trust::JoinRequest = match sync::decode(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    match app.backend.join(&device, &req).await {
        Ok(resp) => ok(&resp),
        Err(e) => storage_error(e),
    }
}

/// `POST /v1/trust`: the organisation's keys, device certificates and
/// revocations, for a paired device (a laptop refreshing what it checks with).
async fn trust(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(r) = admit(&app, &headers).await {
        return r;
    }
    match app.backend.trust().await {
        Ok(t) => ok(&t),
        Err(e) => storage_error(e),
    }
}

/// `GET /v/{code}`: anyone (a phone's camera, an employer) checks a
/// certificate: a small bilingual page, or with `Accept: application/json`
/// the verdict as JSON. Junk gets a "not genuine" answer, never a 500.
async fn verify_page(State(app): State<App>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    if !app.take(PUBLIC, PUBLIC_RATE_PER_SEC, PUBLIC_BURST) {
        return error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests; slow down");
    }
    let json = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    let verdict = if code.len() > 2048 {
        crate::org::Verdict::invalid_public("not a certificate code: it is far too long")
    } else {
        match app.backend.verify(&code).await {
            Ok(v) => v,
            Err(e) => return storage_error(e),
        }
    };
    if json {
        ([(header::CONTENT_TYPE, "application/json")], serde_json::to_vec(&verdict).unwrap_or_default()).into_response()
    } else {
        Html(crate::page::verdict(&verdict)).into_response()
    }
}
