//! The organisers' view on the central service, at `/org`: a login for
//! organiser accounts, then programmes → stops (dates, venue, counts, the
//! laptops of each stop and their last sync), a stop's page (trainees,
//! attendance per session, certificates issued, the portrait of each
//! questionnaire), a programme's stops side by side (each question's
//! distribution per stop as server-rendered SVG bar charts, and totals)
//! and its XLSX export. Chinese or English (`?lang=zh|en`, else
//! `Accept-Language`), plain HTML readable on a phone, no script.
//!
//! Accounts (`muster server organiser add`) are argon2id PHC strings in the
//! backend's `trust` table under `organiser:<name>`, so SQLite and
//! PostgreSQL behave alike. A login makes a random 256-bit session id,
//! kept in memory (only its SHA-256) for 12 hours, in an `HttpOnly`,
//! `SameSite=Strict`, `Path=/org` cookie; a session ends at logout, at
//! expiry, at a restart, or when the organiser's password is replaced.
//! Logins are limited per name and per client: after 5 failures in 10
//! minutes the answer is 429 and no password is checked. An unknown name
//! costs the same argon2 work as a wrong password and gets the same words.
//! Every POST needs a same-host `Origin` (or `Referer`); logout also needs
//! the session's CSRF token from its form: otherwise 403.
//!
//! The figures come from the read model ([`crate::report`]): each page
//! first brings it up to every change the server holds
//! ([`crate::report::follow`]), then asks muster-core what a laptop's
//! screens ask — nothing is counted here. Errors answer a small page, never
//! a panic; nothing personal is logged.

use crate::report::ReportError;
use crate::scoped::DeviceLimit;
use crate::page::esc;
use crate::storage::{hash_token, Backend, DeviceInfo, StorageError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use muster_core::attendance::SessionSummary;
use muster_core::forms::portrait::{Numeric, Portrait};
use muster_core::forms::{Kind, StoredForm};
use muster_core::model::Event;
use muster_core::programme::ProgrammeView;
use muster_core::{ErrorCode, Muster};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE: &str = "muster_org";
/// A password's least length, in characters.
pub const MIN_PASSWORD: usize = 10;
const MAX_PASSWORD_BYTES: usize = 1024;
const MAX_NAME_CHARS: usize = 64;
/// How long a session lasts after its login.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Failed logins (per name, per client) before 429, and their window.
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(10 * 60);
/// The largest login or logout form.
pub const MAX_FORM: usize = 8 * 1024;
/// Argon2 verifications at once (each is ~19 MiB and tens of ms).
const VERIFYING_AT_ONCE: usize = 2;
const KEY_PREFIX: &str = "organiser:";

// ---------------------------------------------------------------------------
// Accounts

fn check_name(name: &str) -> Result<String, StorageError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(StorageError::Invalid("an organiser needs a name (field name)".into()));
    }
    if n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control) {
        return Err(StorageError::Invalid(format!(
            "an organiser's name is at most {MAX_NAME_CHARS} characters, without control characters (field name)"
        )));
    }
    Ok(n.to_string())
}

fn hash_password(password: &str) -> Result<String, StorageError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StorageError::Invalid(format!("no randomness for the password's salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StorageError::Invalid(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StorageError::Invalid(format!("hashing the password failed: {e}")))
}

fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A hash nobody's password matches, verified for unknown names so that
/// they cost what a wrong password costs.
fn dummy_phc() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not an organiser's password: a stand-in").unwrap_or_default())
}

/// Adds an organiser account (argon2id), or with `replace` gives an
/// existing one a new password (which ends its sessions). A blank or
/// too-long name, a password shorter than [`MIN_PASSWORD`] characters, or
/// a name already taken without `replace` is refused (`Invalid`).
pub async fn add(backend: &Backend, name: &str, password: &str, replace: bool) -> Result<String, StorageError> {
    let name = check_name(name)?;
    if password.is_empty() {
        return Err(StorageError::Invalid("an organiser's password comes from MUSTER_PASSWORD, which is empty or unset (field password)".into()));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(StorageError::Invalid(format!("an organiser's password needs at least {MIN_PASSWORD} characters (field password)")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(StorageError::Invalid(format!("an organiser's password is at most {MAX_PASSWORD_BYTES} bytes (field password)")));
    }
    let phc = hash_password(password)?;
    if !backend.kv_put(&format!("{KEY_PREFIX}{name}"), &phc, !replace).await? {
        return Err(StorageError::Invalid(format!(
            "an organiser named {} exists already; give --replace to set a new password",
            muster_protocol::rules::quote(&name)
        )));
    }
    Ok(name)
}

/// The organisers' names, sorted.
pub async fn list(backend: &Backend) -> Result<Vec<String>, StorageError> {
    let mut names: Vec<String> = backend
        .kv_prefix(KEY_PREFIX)
        .await?
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, _)| k[KEY_PREFIX.len()..].to_string())
        .collect();
    names.sort();
    Ok(names)
}

// ---------------------------------------------------------------------------
// State: sessions, failed logins, the read model's lock

struct Session {
    name: String,
    /// SHA-256 of the PHC the login matched: a new password ends it.
    phc: String,
    csrf: String,
    expires: Instant,
}

#[derive(Clone)]
struct Org {
    backend: Backend,
    read_model: Option<PathBuf>,
    /// One page at a time brings the read model up to date and reads it.
    model: Arc<tokio::sync::Mutex<()>>,
    /// By SHA-256 of the session id.
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    failures: Arc<Mutex<HashMap<String, Vec<Instant>>>>,
    verifying: Arc<tokio::sync::Semaphore>,
}

/// The `/org` routes, with their own state: mounted by
/// [`crate::http::router_with`].
pub fn routes(backend: Backend, read_model: Option<PathBuf>) -> Router {
    let org = Org {
        backend,
        read_model,
        model: Arc::new(tokio::sync::Mutex::new(())),
        sessions: Arc::new(Mutex::new(HashMap::new())),
        failures: Arc::new(Mutex::new(HashMap::new())),
        verifying: Arc::new(tokio::sync::Semaphore::new(VERIFYING_AT_ONCE)),
    };
    Router::new()
        .route("/org", get(home))
        .route("/org/login", get(login_page).post(login))
        .route("/org/logout", post(logout))
        .route("/org/stop/{event_id}", get(stop_page))
        .route("/org/programme/{id}", get(programme_page))
        .with_state(org)
}

fn random_hex(bytes: usize) -> Option<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).ok()?;
    Some(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Org {
    fn failures_of(&self, key: &str) -> usize {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match map.get_mut(key) {
            Some(times) => {
                times.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
                times.len()
            }
            None => 0,
        }
    }

    fn fail(&self, keys: &[&str]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < FAILURE_WINDOW));
        }
        for k in keys {
            map.entry(k.to_string()).or_default().push(now);
        }
    }

    fn forgive(&self, keys: &[&str]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            map.remove(*k);
        }
    }

    fn start_session(&self, name: &str, phc: &str) -> Option<String> {
        let id = random_hex(32)?;
        let csrf = random_hex(32)?;
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(hash_token(&id), Session { name: name.to_string(), phc: hash_token(phc), csrf, expires: now + SESSION_TTL });
        Some(id)
    }

    fn end_session(&self, id: &str) {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(&hash_token(id));
    }

    /// The organiser of the request's cookie: (session id, name, csrf),
    /// while the session lasts and the account still has the password it
    /// logged in with.
    async fn signed_in(&self, headers: &HeaderMap) -> Result<Option<(String, String, String)>, StorageError> {
        let Some(id) = session_cookie(headers) else { return Ok(None) };
        let found = {
            let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            let key = hash_token(&id);
            match sessions.get(&key) {
                Some(s) if s.expires > Instant::now() => Some((s.name.clone(), s.phc.clone(), s.csrf.clone())),
                Some(_) => {
                    sessions.remove(&key);
                    None
                }
                None => None,
            }
        };
        let Some((name, phc, csrf)) = found else { return Ok(None) };
        match self.backend.kv_get(&format!("{KEY_PREFIX}{name}")).await? {
            Some(now) if same(&hash_token(&now), &phc) => Ok(Some((id, name, csrf))),
            _ => {
                self.end_session(&id);
                Ok(None)
            }
        }
    }
}

/// The session id of the cookie, if it has the shape of one (64 hex).
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some((k, val)) = part.trim().split_once('=') {
                let val = val.trim().trim_matches('"');
                if k.trim() == COOKIE && val.len() == 64 && val.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Some(val.to_ascii_lowercase());
                }
            }
        }
    }
    None
}

/// Whether a POST comes from a page of this host: a `Sec-Fetch-Site`
/// other than same-origin/none is refused, then the `Origin` (else the
/// `Referer`) must name the request's `Host`. Neither header: refused.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site.trim(), "same-origin" | "none") {
            return false;
        }
    }
    let Some(host) = text(header::HOST).filter(|h| !h.is_empty()) else { return false };
    let source = text(header::ORIGIN).filter(|o| !o.is_empty()).or_else(|| text(header::REFERER).filter(|r| !r.is_empty()));
    let Some(source) = source else { return false };
    let rest = source.strip_prefix("https://").or_else(|| source.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !authority.is_empty() && !authority.contains('@') && authority.eq_ignore_ascii_case(host)
}

fn client_key(ext: &Extensions) -> String {
    match ext.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => format!("client:{}", addr.ip()),
        None => "client:unknown".into(),
    }
}

// ---------------------------------------------------------------------------
// Language, escaping, page frame

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    Zh,
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// What every page needs: its language (and whether the URL chose it) and
/// the signed-in organiser's CSRF token for the logout form.
struct Ctx {
    lang: Lang,
    explicit: bool,
    csrf: Option<String>,
    who: Option<String>,
}

impl Ctx {
    fn new(uri: &Uri, headers: &HeaderMap) -> Ctx {
        let asked = uri.query().unwrap_or_default().split('&').find_map(|kv| match kv {
            "lang=zh" => Some(Lang::Zh),
            "lang=en" => Some(Lang::En),
            _ => None,
        });
        match asked {
            Some(lang) => Ctx { lang, explicit: true, csrf: None, who: None },
            None => Ctx { lang: accept_language(headers), explicit: false, csrf: None, who: None },
        }
    }

    fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// `path`, keeping a language the URL chose.
    fn link(&self, path: &str) -> String {
        if self.explicit {
            format!("{path}?lang={}", self.lang.code())
        } else {
            path.to_string()
        }
    }
}

/// The first of zh/en in the header's order of preference; else Chinese.
fn accept_language(headers: &HeaderMap) -> Lang {
    let Some(v) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else { return Lang::Zh };
    let mut tags: Vec<(f32, usize, Lang)> = Vec::new();
    for (i, part) in v.split(',').take(32).enumerate() {
        let mut bits = part.split(';');
        let tag = bits.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = bits.find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let lang = if tag == "zh" || tag.starts_with("zh-") {
            Lang::Zh
        } else if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            continue;
        };
        if q > 0.0 && q.is_finite() {
            tags.push((q, i, lang));
        }
    }
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.first().map(|t| t.2).unwrap_or(Lang::Zh)
}

/// A path segment: ids are UUIDs, but nothing else reaches a URL unencoded.
fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// `s` cut to about `units` half-width characters (a CJK character is two),
/// for the labels of a chart.
fn narrow(s: &str, units: usize) -> String {
    let width = |c: char| if c as u32 >= 0x2E80 { 2 } else { 1 };
    if s.chars().map(width).sum::<usize>() <= units {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 1;
    for c in s.chars() {
        if used + width(c) > units {
            break;
        }
        used += width(c);
        out.push(c);
    }
    out.push('…');
    out
}

fn num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

const STYLE: &str = r#"body{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;margin:0;color:#1f2933;background:#f8fafc}
header{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;justify-content:space-between;padding:.7rem 1rem;background:#243b53;color:#fff}
header a{color:#fff}header form{display:inline;margin:0}header button{font:inherit}
main{max-width:72rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;font-weight:600}h2{font-size:1.15rem;color:#334e68;margin-top:1.6rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;margin:.4rem 0 1rem;background:#fff;min-width:60%}td,th{border-bottom:1px solid #d9e2ec;padding:.35rem .6rem;text-align:left;vertical-align:top}tbody th,thead th{white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600;border-top:2px solid #9fb3c8}
.muted{color:#627d98}.error{background:#ffe3e3;color:#8a041a;padding:.6rem .8rem;border-radius:.4rem}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:.5rem;padding:.2rem 1rem 1rem;margin:1rem 0}
.figures{display:flex;flex-wrap:wrap;gap:.8rem}.figures div{background:#fff;border:1px solid #d9e2ec;border-radius:.5rem;padding:.5rem .9rem}
.figures strong{display:block;font-size:1.5rem}svg{max-width:100%;height:auto;display:block}
form.login{max-width:22rem;display:flex;flex-direction:column;gap:.6rem}form.login input,form.login button{font:inherit;padding:.5rem}"#;

fn page(ctx: &Ctx, path: &str, title: &str, body: &str) -> String {
    let other = match ctx.lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let logout = match &ctx.csrf {
        Some(token) => format!(
            r#"<form method="post" action="/org/logout"><input type="hidden" name="csrf" value="{}"><button type="submit" id="logout">{}</button></form>"#,
            esc(token),
            ctx.t("退出登录", "Log out")
        ),
        None => String::new(),
    };
    let who = ctx.who.as_deref().map(|w| format!("<span>{}</span>", esc(w))).unwrap_or_default();
    format!(
        r#"<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><title>{title} · Muster</title><style>{STYLE}</style></head><body>
<header><a href="{home}"><strong>Muster</strong> · {view}</a><nav>{who} <a href="{path}?lang={code}" hreflang="{code}">{label}</a> {logout}</nav></header>
<main>{body}</main></body></html>"#,
        html_lang = if ctx.lang == Lang::Zh { "zh-CN" } else { "en" },
        title = esc(title),
        home = esc(&ctx.link("/org")),
        view = ctx.t("组织者视图", "Organisers' view"),
        path = esc(path),
        code = other.0,
        label = other.1,
    )
}

fn with_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    r
}

fn html(status: StatusCode, body: String) -> Response {
    with_headers((status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

fn redirect(to: &str, cookie: Option<String>) -> Response {
    let mut r = with_headers(StatusCode::SEE_OTHER.into_response());
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

fn secure(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn session_set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/org; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_TTL.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

fn cleared_cookie() -> String {
    format!("{COOKIE}=; Path=/org; HttpOnly; SameSite=Strict; Max-Age=0")
}

fn error_page(ctx: &Ctx, path: &str, status: StatusCode, zh: &str, en: &str) -> Response {
    let msg = if ctx.lang == Lang::Zh { zh } else { en };
    let body = format!(
        r#"<h1>{}</h1><p class="error" id="error">{}</p><p><a href="{}">{}</a></p>"#,
        status.as_u16(),
        esc(msg),
        esc(&ctx.link("/org")),
        ctx.t("返回培训项目", "Back to the programmes")
    );
    html(status, page(ctx, path, &status.as_u16().to_string(), &body))
}

/// Why a page could not be made.
enum PageError {
    NotFound,
    NoReadModel,
    /// Logged as its kind only: nothing personal.
    Failed(String),
}

impl From<ReportError> for PageError {
    fn from(e: ReportError) -> PageError {
        match e {
            ReportError::Core(e) => e.into(),
            ReportError::Storage(e) => e.into(),
        }
    }
}

impl From<muster_core::Error> for PageError {
    fn from(e: muster_core::Error) -> PageError {
        if e.code() == ErrorCode::NotFound {
            PageError::NotFound
        } else {
            PageError::Failed(format!("read model: {:?}", e.code()))
        }
    }
}

impl From<StorageError> for PageError {
    fn from(e: StorageError) -> PageError {
        PageError::Failed(match e {
            StorageError::Sqlite(_) => "server store (sqlite)".into(),
            StorageError::Postgres(_) => "server store (postgres)".into(),
            _ => "server store".into(),
        })
    }
}

fn failed(ctx: &Ctx, path: &str, e: PageError) -> Response {
    match e {
        PageError::NotFound => error_page(ctx, path, StatusCode::NOT_FOUND, "没有这个培训项目或站点。", "There is no such programme or stop."),
        PageError::NoReadModel => error_page(
            ctx,
            path,
            StatusCode::SERVICE_UNAVAILABLE,
            "此服务器启动时没有读取模型，无法显示数据（muster serve 会自动提供）。",
            "This server was started without a read model, so there is nothing to show (muster serve gives it one).",
        ),
        PageError::Failed(what) => {
            eprintln!("organisers' view: {what} failed");
            error_page(ctx, path, StatusCode::INTERNAL_SERVER_ERROR, "读取数据失败，请稍后再试。", "The figures could not be read; try again shortly.")
        }
    }
}

/// Brings the read model up to date and reads it, one page at a time, off
/// the async workers (muster-core is synchronous).
async fn with_model<T, F>(org: &Org, f: F) -> Result<T, PageError>
where
    T: Send + 'static,
    F: FnOnce(&Muster) -> Result<T, PageError> + Send + 'static,
{
    let Some(path) = org.read_model.clone() else { return Err(PageError::NoReadModel) };
    // Held by the work itself: a browser that goes away does not let the
    // next page in while this one still writes the read model.
    let one_at_a_time = org.model.clone().lock_owned().await;
    let backend = org.backend.clone();
    let handle = tokio::runtime::Handle::current();
    match tokio::task::spawn_blocking(move || {
        let _held = one_at_a_time;
        let (m, _) = handle.block_on(crate::report::follow(&backend, &path))?;
        f(&m)
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(PageError::Failed("a page".into())),
    }
}

/// The organiser signed in, or the redirect to the login (clearing a stale
/// cookie).
async fn require(org: &Org, headers: &HeaderMap, ctx: &mut Ctx, path: &str) -> Result<(), Response> {
    match org.signed_in(headers).await {
        Ok(Some((_, name, csrf))) => {
            ctx.csrf = Some(csrf);
            ctx.who = Some(name);
            Ok(())
        }
        Ok(None) => {
            let stale = session_cookie(headers).is_some() || headers.get(header::COOKIE).is_some_and(|c| c.to_str().is_ok_and(|c| c.contains(COOKIE)));
            Err(redirect(&ctx.link("/org/login"), stale.then(cleared_cookie)))
        }
        Err(e) => Err(failed(ctx, path, e.into())),
    }
}

// ---------------------------------------------------------------------------
// Forms

/// `application/x-www-form-urlencoded` fields; `None` for a malformed body.
fn form_fields(body: &[u8]) -> Option<Vec<(String, String)>> {
    fn decode(s: &[u8]) -> Option<String> {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let h = s.get(i + 1..i + 3)?;
                    if !h.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    out.push(u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    }
    let mut out = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        out.push((decode(k)?, decode(v)?));
        if out.len() > 16 {
            return None;
        }
    }
    Some(out)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The form body, at most [`MAX_FORM`] bytes (413 past it, 400 when it is
/// not a form).
async fn read_form(ctx: &Ctx, path: &str, headers: &HeaderMap, body: Body) -> Result<Vec<(String, String)>, Response> {
    let too_large = || error_page(ctx, path, StatusCode::PAYLOAD_TOO_LARGE, "提交的内容太大。", "What was sent is too large.");
    let bad = || error_page(ctx, path, StatusCode::BAD_REQUEST, "提交的内容无法读取。", "What was sent could not be read.");
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        if !ct.trim_start().starts_with("application/x-www-form-urlencoded") {
            return Err(bad());
        }
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FORM as u64) {
        return Err(too_large());
    }
    let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
        Ok(b) => b,
        Err(e) => {
            let limit = e.to_string().contains("length limit") || std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("length limit"));
            return Err(if limit { too_large() } else { bad() });
        }
    };
    form_fields(&bytes).ok_or_else(bad)
}

// ---------------------------------------------------------------------------
// Login and logout

fn login_form(ctx: &Ctx, name: &str, error: Option<&str>) -> String {
    let error = error.map(|e| format!(r#"<p class="error" id="error">{}</p>"#, esc(e))).unwrap_or_default();
    let lang = if ctx.explicit { format!(r#"<input type="hidden" name="lang" value="{}">"#, ctx.lang.code()) } else { String::new() };
    let body = format!(
        r#"<h1>{title}</h1>{error}<form class="login" method="post" action="/org/login">{lang}
<label>{name_label}<br><input id="name" name="name" autocomplete="username" maxlength="{MAX_NAME_CHARS}" required value="{name}"></label>
<label>{password_label}<br><input id="password" name="password" type="password" autocomplete="current-password" required></label>
<button type="submit" id="login">{button}</button></form>"#,
        title = ctx.t("组织者登录", "Organisers' login"),
        name_label = ctx.t("用户名", "Name"),
        name = esc(name),
        password_label = ctx.t("密码", "Password"),
        button = ctx.t("登录", "Log in"),
    );
    page(ctx, "/org/login", ctx.t("登录", "Log in"), &body)
}

async fn login_page(State(org): State<Org>, uri: Uri, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(&uri, &headers);
    if let Ok(Some(_)) = org.signed_in(&headers).await {
        return redirect(&ctx.link("/org"), None);
    }
    html(StatusCode::OK, login_form(&ctx, "", None))
}

async fn login(State(org): State<Org>, uri: Uri, headers: HeaderMap, ext: Extensions, body: Body) -> Response {
    let mut ctx = Ctx::new(&uri, &headers);
    let path = "/org/login";
    if !same_origin(&headers) {
        return error_page(&ctx, path, StatusCode::FORBIDDEN, "请求来源不是本站，已拒绝。", "Refused: the request did not come from this site's own page.");
    }
    let fields = match read_form(&ctx, path, &headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match field(&fields, "lang") {
        Some("zh") => (ctx.lang, ctx.explicit) = (Lang::Zh, true),
        Some("en") => (ctx.lang, ctx.explicit) = (Lang::En, true),
        _ => {}
    }
    let name = field(&fields, "name").unwrap_or_default().trim().to_string();
    let password = field(&fields, "password").unwrap_or_default().to_string();
    let shown = short(&name, MAX_NAME_CHARS);
    let client = client_key(&ext);
    let name_key = format!("name:{}", short(&name, MAX_NAME_CHARS + 1).to_lowercase());
    if org.failures_of(&name_key) >= MAX_FAILURES || org.failures_of(&client) >= MAX_FAILURES {
        let msg = ctx.t("登录失败次数过多，请十分钟后再试。", "Too many failed logins: try again in ten minutes.");
        let mut r = html(StatusCode::TOO_MANY_REQUESTS, login_form(&ctx, &shown, Some(msg)));
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("600"));
        return r;
    }
    let stored = match check_name(&name) {
        Ok(n) => match org.backend.kv_get(&format!("{KEY_PREFIX}{n}")).await {
            Ok(v) => v.filter(|v| !v.is_empty()),
            Err(e) => return failed(&ctx, path, e.into()),
        },
        Err(_) => None,
    };
    let ok = {
        let Ok(_permit) = org.verifying.clone().acquire_owned().await else {
            return failed(&ctx, path, PageError::Failed("login".into()));
        };
        let phc = stored.clone();
        let too_long = password.len() > MAX_PASSWORD_BYTES;
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) if !too_long => verify_password(&phc, &password),
            _ => {
                verify_password(dummy_phc(), &password);
                false
            }
        })
        .await
        .unwrap_or(false)
    };
    let phc = match (ok, stored) {
        (true, Some(phc)) => phc,
        _ => {
            org.fail(&[&name_key, &client]);
            let msg = ctx.t("用户名或密码错误", "wrong name or password");
            return html(StatusCode::UNAUTHORIZED, login_form(&ctx, &shown, Some(msg)));
        }
    };
    org.forgive(&[&name_key, &client]);
    let Some(id) = org.start_session(&name, &phc) else {
        return failed(&ctx, path, PageError::Failed("session id".into()));
    };
    redirect(&ctx.link("/org"), Some(session_set_cookie(&id, secure(&headers))))
}

async fn logout(State(org): State<Org>, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let ctx = Ctx::new(&uri, &headers);
    let path = "/org/logout";
    if !same_origin(&headers) {
        return error_page(&ctx, path, StatusCode::FORBIDDEN, "请求来源不是本站，已拒绝。", "Refused: the request did not come from this site's own page.");
    }
    let (id, csrf) = match org.signed_in(&headers).await {
        Ok(Some((id, _, csrf))) => (id, csrf),
        Ok(None) => return redirect(&ctx.link("/org/login"), Some(cleared_cookie())),
        Err(e) => return failed(&ctx, path, e.into()),
    };
    let fields = match read_form(&ctx, path, &headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if !field(&fields, "csrf").is_some_and(|t| same(t, &csrf)) {
        return error_page(&ctx, path, StatusCode::FORBIDDEN, "表单已失效，请重新打开页面。", "Refused: the form's token is missing or stale; open the page again.");
    }
    org.end_session(&id);
    redirect(&ctx.link("/org/login"), Some(cleared_cookie()))
}

// ---------------------------------------------------------------------------
// Laptops

/// A paired device and the stops it may hold (`None`: every stop).
struct Laptop {
    info: DeviceInfo,
    limit: Option<DeviceLimit>,
}

impl Laptop {
    fn covers(&self, event_id: &str, programme_id: Option<&str>) -> bool {
        match &self.limit {
            None => false,
            Some(l) => l.events.iter().any(|e| e == event_id) || (l.programme.is_some() && l.programme.as_deref() == programme_id),
        }
    }
}

async fn laptops(backend: &Backend) -> Result<Vec<Laptop>, StorageError> {
    let mut out = Vec::new();
    for info in backend.list_devices().await? {
        let limit = backend.limit_of(&info.id).await?;
        out.push(Laptop { info, limit });
    }
    Ok(out)
}

fn last_sync<'a>(laptops: impl Iterator<Item = &'a Laptop>) -> Option<String> {
    laptops.filter_map(|l| l.info.last_seen.clone()).max()
}

fn laptop_names(ctx: &Ctx, laptops: &[&Laptop]) -> String {
    if laptops.is_empty() {
        return format!(r#"<span class="muted">{}</span>"#, ctx.t("（只限本站的电脑：无）", "(none limited to it)"));
    }
    laptops
        .iter()
        .map(|l| format!("{}{}", esc(&l.info.name), if l.info.revoked { ctx.t("（已停用）", " (revoked)") } else { "" }))
        .collect::<Vec<_>>()
        .join("<br>")
}

// ---------------------------------------------------------------------------
// Pages

fn dates(ctx: &Ctx, starts_on: &str, days: u32) -> String {
    match ctx.lang {
        Lang::Zh => format!("{} 起 {days} 天", esc(starts_on)),
        Lang::En => format!("{} · {days} {}", esc(starts_on), if days == 1 { "day" } else { "days" }),
    }
}

struct Home {
    programmes: Vec<ProgrammeView>,
    others: Vec<Event>,
    names: HashMap<String, String>,
}

async fn home(State(org): State<Org>, uri: Uri, headers: HeaderMap) -> Response {
    let mut ctx = Ctx::new(&uri, &headers);
    let path = "/org";
    if let Err(r) = require(&org, &headers, &mut ctx, path).await {
        return r;
    }
    let laptops = match laptops(&org.backend).await {
        Ok(l) => l,
        Err(e) => return failed(&ctx, path, e.into()),
    };
    let data = with_model(&org, |m| {
        let mut programmes = Vec::new();
        for p in m.list_programmes()? {
            programmes.push(m.programme(&p.id)?);
        }
        let events = m.list_events()?;
        let names = events.iter().map(|e| (e.id.clone(), e.name.clone())).collect();
        let others = events.into_iter().filter(|e| e.programme_id.is_none()).collect();
        Ok(Home { programmes, others, names })
    })
    .await;
    let data = match data {
        Ok(d) => d,
        Err(e) => return failed(&ctx, path, e),
    };
    let mut body = format!("<h1>{}</h1>", ctx.t("培训项目", "Programmes"));
    if data.programmes.is_empty() {
        let _ = write!(body, r#"<p class="muted">{}</p>"#, ctx.t("服务器上还没有培训项目。", "The server holds no programme yet."));
    }
    for v in &data.programmes {
        let _ = write!(
            body,
            r#"<section class="card"><h2><a href="{href}">{name}</a></h2>{desc}<div class="scroll"><table><thead><tr><th>{stop}</th><th>{when}</th><th>{venue}</th><th class="n">{trainees}</th><th class="n">{checked}</th><th class="n">{certs}</th><th class="n">{resp}</th><th>{laptops}</th><th>{sync}</th></tr></thead><tbody>"#,
            href = esc(&ctx.link(&format!("/org/programme/{}", seg(&v.programme.id)))),
            name = esc(&v.programme.name),
            desc = v.programme.description.as_deref().map(|d| format!(r#"<p class="muted">{}</p>"#, esc(d))).unwrap_or_default(),
            stop = ctx.t("站点", "Stop"),
            when = ctx.t("日期", "Dates"),
            venue = ctx.t("地点", "Venue"),
            trainees = ctx.t("学员", "Trainees"),
            checked = ctx.t("已签到", "Checked in"),
            certs = ctx.t("证书", "Certificates"),
            resp = ctx.t("问卷", "Responses"),
            laptops = ctx.t("电脑", "Laptops"),
            sync = ctx.t("最近同步", "Last sync"),
        );
        for s in &v.stops {
            let mine: Vec<&Laptop> = laptops.iter().filter(|l| l.covers(&s.event_id, Some(&v.programme.id))).collect();
            let _ = write!(
                body,
                r#"<tr><td><a href="{href}">{name}</a>{closed}</td><td>{when}</td><td>{venue}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>{laptops}</td><td>{sync}</td></tr>"#,
                s.counts.trainees,
                s.counts.checked_in,
                s.counts.certificates,
                s.counts.responses,
                href = esc(&ctx.link(&format!("/org/stop/{}", seg(&s.event_id)))),
                name = esc(&s.name),
                closed = if s.closed { format!(r#" <span class="muted">{}</span>"#, ctx.t("（已结束）", "(closed)")) } else { String::new() },
                when = dates(&ctx, &s.starts_on, s.days),
                venue = esc(&s.venue),
                laptops = laptop_names(&ctx, &mine),
                sync = esc(last_sync(mine.iter().copied()).as_deref().unwrap_or("—")),
            );
        }
        let t = &v.totals;
        let _ = write!(
            body,
            r#"<tr class="total"><td>{}</td><td></td><td></td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td></td><td></td></tr></tbody></table></div><p><a href="{}">{}</a> · <a href="{}">{}</a></p></section>"#,
            ctx.t("合计", "Total"),
            t.trainees,
            t.checked_in,
            t.certificates,
            t.responses,
            esc(&ctx.link(&format!("/org/programme/{}", seg(&v.programme.id)))),
            ctx.t("各站点对比", "Stops side by side"),
            esc(&format!("/org/programme/{}.xlsx", seg(&v.programme.id))),
            ctx.t("导出 XLSX", "Export XLSX"),
        );
    }
    if !data.others.is_empty() {
        let _ = write!(
            body,
            r#"<h2>{}</h2><div class="scroll"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class="n">{}</th><th class="n">{}</th></tr></thead><tbody>"#,
            ctx.t("其他活动", "Other events"),
            ctx.t("活动", "Event"),
            ctx.t("日期", "Dates"),
            ctx.t("地点", "Venue"),
            ctx.t("学员", "Trainees"),
            ctx.t("场次", "Sessions"),
        );
        for e in &data.others {
            let _ = write!(
                body,
                r#"<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(&ctx.link(&format!("/org/stop/{}", seg(&e.id)))),
                esc(&e.name),
                dates(&ctx, &e.starts_on, e.days),
                esc(&e.venue),
                e.trainee_count,
                e.session_count
            );
        }
        body.push_str("</tbody></table></div>");
    }
    let _ = write!(
        body,
        r#"<h2>{}</h2><div class="scroll"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class="n">{}</th><th>{}</th></tr></thead><tbody>"#,
        ctx.t("电脑", "Laptops"),
        ctx.t("名称", "Name"),
        ctx.t("可同步", "May sync"),
        ctx.t("最近同步", "Last sync"),
        ctx.t("变更", "Changes"),
        ctx.t("状态", "Status"),
    );
    let programme_names: HashMap<&str, &str> = data.programmes.iter().map(|v| (v.programme.id.as_str(), v.programme.name.as_str())).collect();
    for l in &laptops {
        let scope = match &l.limit {
            None => ctx.t("所有站点", "every stop").to_string(),
            Some(limit) => {
                let mut parts: Vec<String> = Vec::new();
                if let Some(p) = &limit.programme {
                    parts.push(esc(programme_names.get(p.as_str()).copied().unwrap_or(p)));
                }
                parts.extend(limit.events.iter().map(|e| esc(data.names.get(e).map(String::as_str).unwrap_or(e))));
                parts.join("<br>")
            }
        };
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td>{}</td></tr>"#,
            esc(&l.info.name),
            scope,
            esc(l.info.last_seen.as_deref().unwrap_or(ctx.t("从未", "never"))),
            l.info.changes,
            if l.info.revoked { ctx.t("已停用", "revoked") } else { ctx.t("使用中", "active") }
        );
    }
    body.push_str("</tbody></table></div>");
    html(StatusCode::OK, page(&ctx, path, ctx.t("培训项目", "Programmes"), &body))
}

/// An event id as the store makes them (a UUID); anything else is no stop.
fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The label language of a form closest to the page's.
fn form_lang(form: &StoredForm, lang: Lang) -> Option<String> {
    let wanted: &[&str] = match lang {
        Lang::Zh => &["zh", "chinese", "中文"],
        Lang::En => &["en", "english"],
    };
    form.form
        .languages
        .iter()
        .find(|l| {
            let low = l.to_lowercase();
            wanted.iter().any(|w| low == *w || low.contains(&format!("({w}")) || low.starts_with(&format!("{w}-")) || (w.len() > 2 && low.contains(w)))
        })
        .cloned()
}

fn portraits(m: &Muster, event_id: &str, lang: Lang) -> Result<Vec<Portrait>, PageError> {
    let mut out = Vec::new();
    for f in m.list_forms(event_id)? {
        out.push(m.portrait(&f.id, form_lang(&f, lang).as_deref())?);
    }
    Ok(out)
}

/// A stop's four counts, as the read model's programme view gives them.
#[derive(Clone, Copy, Default)]
struct Counts {
    trainees: u32,
    checked_in: Option<u32>,
    certificates: u32,
    responses: Option<u32>,
}

struct StopData {
    event: Event,
    programme: Option<(String, String)>,
    counts: Counts,
    sessions: Vec<SessionSummary>,
    portraits: Vec<Portrait>,
}

async fn stop_page(State(org): State<Org>, uri: Uri, headers: HeaderMap, id: Result<Path<String>, PathRejection>) -> Response {
    let mut ctx = Ctx::new(&uri, &headers);
    let path = uri.path().to_string();
    if let Err(r) = require(&org, &headers, &mut ctx, &path).await {
        return r;
    }
    let Some(id) = id.ok().map(|Path(id)| id).filter(|id| valid_id(id)) else {
        return failed(&ctx, &path, PageError::NotFound);
    };
    let laptops = match laptops(&org.backend).await {
        Ok(l) => l,
        Err(e) => return failed(&ctx, &path, e.into()),
    };
    let lang = ctx.lang;
    let data = with_model(&org, move |m| {
        let event = m.event(&id)?;
        let report = m.attendance_report(&id)?;
        let mut programme = None;
        let mut counts = Counts { trainees: event.trainee_count, ..Counts::default() };
        if let Some(pid) = &event.programme_id {
            // This stop's counts only (the programme's page counts them all).
            let s = m.event_holdings(&id)?;
            counts = Counts { trainees: s.trainees, checked_in: Some(s.checked_in), certificates: s.certificates, responses: Some(s.responses) };
            if let Some(p) = m.list_programmes()?.into_iter().find(|p| &p.id == pid) {
                programme = Some((p.id, p.name));
            }
        } else {
            counts.certificates = m.certificate_eligibility(&id, None)?.trainees.iter().filter(|t| t.certificate_id.is_some()).count() as u32;
        }
        let portraits = portraits(m, &id, lang)?;
        Ok(StopData { event, programme, counts, sessions: report.sessions, portraits })
    })
    .await;
    let d = match data {
        Ok(d) => d,
        Err(e) => return failed(&ctx, &path, e),
    };
    let e = &d.event;
    let mut body = format!("<h1>{}</h1><p>", esc(&e.name));
    if let Some((pid, pname)) = &d.programme {
        let _ = write!(body, r#"<a href="{}">{}</a> · "#, esc(&ctx.link(&format!("/org/programme/{}", seg(pid)))), esc(pname));
    }
    let _ = write!(
        body,
        "{} · {}{}</p>",
        dates(&ctx, &e.starts_on, e.days),
        esc(&e.venue),
        if e.closed_at.is_some() { ctx.t(" · 已结束", " · closed") } else { "" }
    );
    let figure = |id: &str, label: &str, value: Option<u32>| {
        format!(r#"<div>{}<strong id="{id}">{}</strong></div>"#, label, value.map(|v| v.to_string()).unwrap_or_else(|| "—".into()))
    };
    body.push_str(r#"<div class="figures">"#);
    body.push_str(&figure("trainees", ctx.t("学员", "Trainees"), Some(d.counts.trainees)));
    body.push_str(&figure("checked-in", ctx.t("已签到", "Checked in"), d.counts.checked_in));
    body.push_str(&figure("certificates", ctx.t("已发证书", "Certificates issued"), Some(d.counts.certificates)));
    body.push_str(&figure("responses", ctx.t("问卷", "Responses"), d.counts.responses));
    body.push_str("</div>");

    let _ = write!(
        body,
        r#"<h2>{}</h2><div class="scroll"><table id="sessions"><thead><tr><th>{}</th><th>{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th></tr></thead><tbody>"#,
        ctx.t("各场次签到", "Attendance per session"),
        ctx.t("场次", "Session"),
        ctx.t("时间", "Time"),
        ctx.t("应到", "Expected"),
        ctx.t("已到", "Arrived"),
        ctx.t("出勤", "Present"),
        ctx.t("迟到", "Late"),
        ctx.t("早退", "Left early"),
        ctx.t("缺勤", "Absent"),
        ctx.t("请假", "Excused"),
    );
    if d.sessions.is_empty() {
        let _ = write!(body, r#"<tr><td colspan="9" class="muted">{}</td></tr>"#, ctx.t("还没有场次。", "No sessions yet."));
    }
    for s in &d.sessions {
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td>{} – {}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&s.title),
            esc(&s.starts_at.replace('T', " ")),
            esc(s.ends_at.rsplit('T').next().unwrap_or(&s.ends_at)),
            s.expected,
            s.arrived,
            s.present,
            s.late,
            s.left_early,
            s.absent,
            s.excused
        );
    }
    body.push_str("</tbody></table></div>");
    if !d.sessions.is_empty() {
        let cats: Vec<String> = d.sessions.iter().map(|s| s.title.clone()).collect();
        let series = vec![
            (ctx.t("应到", "Expected").to_string(), d.sessions.iter().map(|s| f64::from(s.expected)).collect()),
            (ctx.t("已到", "Arrived").to_string(), d.sessions.iter().map(|s| f64::from(s.arrived)).collect()),
        ];
        body.push_str(&bar_chart(ctx.t("各场次签到", "Attendance per session"), &cats, &series, false));
    }

    let mine: Vec<&Laptop> = laptops.iter().filter(|l| l.covers(&e.id, e.programme_id.as_deref())).collect();
    let everywhere = laptops.iter().filter(|l| l.limit.is_none() && !l.info.revoked).count();
    let _ = write!(
        body,
        r#"<h2>{}</h2><div class="scroll"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        ctx.t("本站电脑", "This stop's laptops"),
        ctx.t("名称", "Name"),
        ctx.t("最近同步", "Last sync"),
        ctx.t("状态", "Status")
    );
    for l in &mine {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&l.info.name),
            esc(l.info.last_seen.as_deref().unwrap_or(ctx.t("从未", "never"))),
            if l.info.revoked { ctx.t("已停用", "revoked") } else { ctx.t("使用中", "active") }
        );
    }
    let _ = write!(
        body,
        r#"</tbody></table></div><p class="muted">{} {everywhere}</p>"#,
        ctx.t("此外，可同步所有站点的电脑：", "Besides, laptops that may sync every stop:")
    );

    let _ = write!(body, "<h2>{}</h2>", ctx.t("问卷画像", "Questionnaire portraits"));
    if d.portraits.is_empty() {
        let _ = write!(body, r#"<p class="muted">{}</p>"#, ctx.t("本站还没有问卷。", "No questionnaire at this stop yet."));
    }
    for p in &d.portraits {
        let _ = write!(
            body,
            r#"<section class="card portrait"><h3>{}</h3><p class="muted">{} {} · {} {} · {} {} · {} {}</p>"#,
            esc(&p.title),
            ctx.t("已录入", "stored"),
            p.stored,
            ctx.t("计入", "included"),
            p.included,
            ctx.t("退回", "rejected"),
            p.rejected,
            ctx.t("待复核", "pending"),
            p.pending
        );
        for q in &p.questions {
            let _ = write!(
                body,
                r#"<h3>{} <small class="muted">{} · {} {}</small></h3>"#,
                esc(&q.label),
                esc(&q.name),
                ctx.t("作答", "answered"),
                q.answered
            );
            if !q.choices.is_empty() {
                let _ = write!(
                    body,
                    r#"<div class="scroll"><table><thead><tr><th>{}</th><th class="n">{}</th><th class="n">%</th></tr></thead><tbody>"#,
                    ctx.t("选项", "Choice"),
                    ctx.t("人数", "Count")
                );
                for c in &q.choices {
                    let _ = write!(body, r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{:.1}</td></tr>"#, esc(&c.label), c.count, c.percent);
                }
                body.push_str("</tbody></table></div>");
                let cats: Vec<String> = q.choices.iter().map(|c| c.label.clone()).collect();
                let series = vec![(e.name.clone(), q.choices.iter().map(|c| c.percent).collect())];
                body.push_str(&bar_chart(&q.label, &cats, &series, true));
            }
            if let Some(n) = &q.numeric {
                body.push_str(&numeric_table(&ctx, &[(String::new(), Some(n.clone()))]));
            }
        }
        body.push_str("</section>");
    }
    html(StatusCode::OK, page(&ctx, &path, &e.name, &body))
}

fn numeric_table(ctx: &Ctx, rows: &[(String, Option<Numeric>)]) -> String {
    let mut out = format!(
        r#"<div class="scroll"><table><thead><tr><th></th><th class="n">n</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th><th class="n">{}</th></tr></thead><tbody>"#,
        ctx.t("平均", "mean"),
        ctx.t("中位数", "median"),
        ctx.t("最小", "min"),
        ctx.t("最大", "max")
    );
    for (name, n) in rows {
        match n {
            Some(n) => {
                let _ = write!(
                    out,
                    r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                    esc(name),
                    n.n,
                    num(n.mean),
                    num(n.median),
                    num(n.min),
                    num(n.max)
                );
            }
            None => {
                let _ = write!(out, r#"<tr><td>{}</td><td class="n">0</td><td></td><td></td><td></td><td></td></tr>"#, esc(name));
            }
        }
    }
    out.push_str("</tbody></table></div>");
    out
}

// ---------------------------------------------------------------------------
// Charts

const PALETTE: [&str; 8] = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

/// A horizontal bar chart, one group of bars per category and one bar per
/// series in it (a series = a stop, or a count), as inline SVG. `percent`:
/// values are 0–100.
fn bar_chart(title: &str, categories: &[String], series: &[(String, Vec<f64>)], percent: bool) -> String {
    // Narrow enough that a phone shows its words at a readable size.
    let width = 480.0;
    let label_w = 120.0;
    let plot_w = width - label_w - 56.0;
    let bar_h = 16.0;
    let gap = 10.0;
    let legend_rows = series.len();
    let legend_h = 19.0 * legend_rows as f64 + 6.0;
    let group_h = bar_h * series.len().max(1) as f64 + gap;
    let height = legend_h + group_h * categories.len() as f64 + 8.0;
    let max = if percent {
        100.0
    } else {
        series.iter().flat_map(|s| s.1.iter().copied()).filter(|v| v.is_finite()).fold(0.0_f64, f64::max).max(1.0)
    };
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="13"><title>{t}</title>"#,
        t = esc(title)
    );
    for (i, (name, _)) in series.iter().enumerate() {
        let y = 4.0 + 19.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="{label_w}" y="{y}" width="13" height="13" fill="{}"/><text x="{}" y="{}">{}</text>"#,
            PALETTE[i % PALETTE.len()],
            label_w + 19.0,
            y + 11.5,
            esc(&narrow(name, 40))
        );
    }
    for (c, cat) in categories.iter().enumerate() {
        let top = legend_h + group_h * c as f64;
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#334e68">{}</text>"##,
            label_w - 8.0,
            top + (bar_h * series.len().max(1) as f64) / 2.0 + 4.0,
            esc(&narrow(cat, 16))
        );
        for (i, (name, values)) in series.iter().enumerate() {
            let v = values.get(c).copied().filter(|v| v.is_finite() && *v >= 0.0).unwrap_or(0.0);
            let w = (v / max * plot_w).clamp(0.0, plot_w);
            let y = top + bar_h * i as f64;
            let shown = if percent { format!("{v:.1}%") } else { num(v) };
            let _ = write!(
                svg,
                r##"<rect x="{label_w}" y="{y}" width="{w:.1}" height="{}" fill="{}"><title>{}: {} {}</title></rect><text x="{:.1}" y="{}" fill="#243b53">{}</text>"##,
                bar_h - 2.0,
                PALETTE[i % PALETTE.len()],
                esc(name),
                esc(cat),
                esc(&shown),
                label_w + w + 4.0,
                y + bar_h - 3.0,
                esc(&shown)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

// ---------------------------------------------------------------------------
// A programme's stops side by side

/// One question across the stops: matched by its name.
struct Compared {
    name: String,
    label: String,
    kind: Kind,
    /// (value, label) in order of first appearance.
    choices: Vec<(String, String)>,
    /// Per stop (in the view's order), when the stop asked it.
    stops: Vec<Option<Answers>>,
}

struct Answers {
    answered: u64,
    /// value → (count, percent)
    shares: HashMap<String, (u64, f64)>,
    numeric: Option<Numeric>,
}

impl Compared {
    fn total_answered(&self) -> u64 {
        self.stops.iter().flatten().map(|a| a.answered).sum()
    }

    fn total_count(&self, value: &str) -> u64 {
        self.stops.iter().flatten().filter_map(|a| a.shares.get(value)).map(|s| s.0).sum()
    }

    fn total_percent(&self, value: &str) -> f64 {
        let n = self.total_answered();
        if n == 0 {
            0.0
        } else {
            (self.total_count(value) as f64 * 1000.0 / n as f64).round() / 10.0
        }
    }
}

struct ProgrammeData {
    view: ProgrammeView,
    questions: Vec<Compared>,
}

fn compare(m: &Muster, programme: &str, lang: Lang) -> Result<ProgrammeData, PageError> {
    let view = m.programme(programme)?;
    let mut questions: Vec<Compared> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let n = view.stops.len();
    for (i, stop) in view.stops.iter().enumerate() {
        for p in portraits(m, &stop.event_id, lang)? {
            for q in p.questions {
                let at = *index.entry(q.name.clone()).or_insert_with(|| {
                    questions.push(Compared { name: q.name.clone(), label: q.label.clone(), kind: q.kind, choices: Vec::new(), stops: (0..n).map(|_| None).collect() });
                    questions.len() - 1
                });
                let c = &mut questions[at];
                for ch in &q.choices {
                    if !c.choices.iter().any(|(v, _)| *v == ch.value) {
                        c.choices.push((ch.value.clone(), ch.label.clone()));
                    }
                }
                // A stop with two forms asking the same question: the first.
                if c.stops[i].is_none() {
                    c.stops[i] = Some(Answers {
                        answered: q.answered,
                        shares: q.choices.iter().map(|ch| (ch.value.clone(), (ch.count, ch.percent))).collect(),
                        numeric: q.numeric,
                    });
                }
            }
        }
    }
    Ok(ProgrammeData { view, questions })
}

async fn programme_page(State(org): State<Org>, uri: Uri, headers: HeaderMap, id: Result<Path<String>, PathRejection>) -> Response {
    let mut ctx = Ctx::new(&uri, &headers);
    let path = uri.path().to_string();
    if let Err(r) = require(&org, &headers, &mut ctx, &path).await {
        return r;
    }
    let Some(raw) = id.ok().map(|Path(id)| id) else { return failed(&ctx, &path, PageError::NotFound) };
    let (id, xlsx) = match raw.strip_suffix(".xlsx") {
        Some(id) => (id.to_string(), true),
        None => (raw, false),
    };
    if !valid_id(&id) {
        return failed(&ctx, &path, PageError::NotFound);
    }
    let lang = ctx.lang;
    if xlsx {
        let made = with_model(&org, move |m| {
            let d = compare(m, &id, lang)?;
            workbook(&d, lang).map(|b| (b, d.view.programme.id.clone()))
        })
        .await;
        return match made {
            Ok((bytes, pid)) => {
                let disposition = format!("attachment; filename=\"programme-{}.xlsx\"", seg(&pid));
                let mut r = with_headers(
                    (StatusCode::OK, [(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")], bytes).into_response(),
                );
                if let Ok(v) = HeaderValue::from_str(&disposition) {
                    r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
                }
                r
            }
            Err(e) => failed(&ctx, &path, e),
        };
    }
    let d = match with_model(&org, move |m| compare(m, &id, lang)).await {
        Ok(d) => d,
        Err(e) => return failed(&ctx, &path, e),
    };
    html(StatusCode::OK, page(&ctx, &path, &d.view.programme.name, &programme_body(&ctx, &d)))
}

fn programme_body(ctx: &Ctx, d: &ProgrammeData) -> String {
    let v = &d.view;
    let pid = seg(&v.programme.id);
    let mut body = format!(
        r#"<h1>{}</h1><p><a href="{}">{}</a> · <a id="xlsx" href="{}">{}</a></p><h2>{}</h2><div class="scroll"><table id="stops"><thead><tr><th></th>"#,
        esc(&v.programme.name),
        esc(&ctx.link("/org")),
        ctx.t("所有培训项目", "All programmes"),
        esc(&format!("/org/programme/{pid}.xlsx")),
        ctx.t("导出 XLSX", "Export XLSX"),
        ctx.t("各站点对比", "Stops side by side"),
    );
    for s in &v.stops {
        let _ = write!(body, r#"<th><a href="{}">{}</a></th>"#, esc(&ctx.link(&format!("/org/stop/{}", seg(&s.event_id)))), esc(&s.name));
    }
    let _ = write!(body, r#"<th class="n">{}</th></tr></thead><tbody>"#, ctx.t("合计", "Total"));
    let _ = write!(body, "<tr><th>{}</th>", ctx.t("日期", "Dates"));
    for s in &v.stops {
        let _ = write!(body, "<td>{}</td>", dates(ctx, &s.starts_on, s.days));
    }
    body.push_str("<td></td></tr>");
    let _ = write!(body, "<tr><th>{}</th>", ctx.t("地点", "Venue"));
    for s in &v.stops {
        let _ = write!(body, "<td>{}</td>", esc(&s.venue));
    }
    body.push_str("<td></td></tr>");
    type Pick = fn(&muster_core::programme::Stop) -> u32;
    let rows: [(&str, Pick, u32); 4] = [
        (ctx.t("学员", "Trainees"), |s| s.counts.trainees, v.totals.trainees),
        (ctx.t("已签到", "Checked in"), |s| s.counts.checked_in, v.totals.checked_in),
        (ctx.t("证书", "Certificates"), |s| s.counts.certificates, v.totals.certificates),
        (ctx.t("问卷", "Responses"), |s| s.counts.responses, v.totals.responses),
    ];
    for (label, pick, total) in rows {
        let _ = write!(body, "<tr><th>{label}</th>");
        for s in &v.stops {
            let _ = write!(body, r#"<td class="n">{}</td>"#, pick(s));
        }
        let _ = write!(body, r#"<td class="n"><strong>{total}</strong></td></tr>"#);
    }
    body.push_str("</tbody></table></div>");
    if !v.stops.is_empty() {
        let cats: Vec<String> = v.stops.iter().map(|s| s.name.clone()).collect();
        let series: Vec<(String, Vec<f64>)> = rows.iter().map(|(label, pick, _)| (label.to_string(), v.stops.iter().map(|s| f64::from(pick(s))).collect())).collect();
        body.push_str(&bar_chart(ctx.t("各站点人数", "Stops in figures"), &cats, &series, false));
    }

    let _ = write!(body, "<h2>{}</h2>", ctx.t("各题分布对比", "Each question, stop by stop"));
    if d.questions.is_empty() {
        let _ = write!(body, r#"<p class="muted">{}</p>"#, ctx.t("各站点还没有问卷。", "No stop has a questionnaire yet."));
    }
    let names: Vec<String> = v.stops.iter().map(|s| s.name.clone()).collect();
    for q in &d.questions {
        let _ = write!(
            body,
            r#"<section class="card question"><h3>{} <small class="muted">{} · {} {}</small></h3>"#,
            esc(&q.label),
            esc(&q.name),
            ctx.t("作答", "answered"),
            q.total_answered()
        );
        if q.kind.is_select() && !q.choices.is_empty() {
            let cats: Vec<String> = q.choices.iter().map(|(_, l)| l.clone()).collect();
            let series: Vec<(String, Vec<f64>)> = v
                .stops
                .iter()
                .zip(&q.stops)
                .filter_map(|(s, a)| a.as_ref().map(|a| (s.name.clone(), q.choices.iter().map(|(val, _)| a.shares.get(val).map(|x| x.1).unwrap_or(0.0)).collect())))
                .collect();
            body.push_str(&bar_chart(&q.label, &cats, &series, true));
            let _ = write!(body, r#"<div class="scroll"><table><thead><tr><th>{}</th>"#, ctx.t("选项", "Choice"));
            for n in &names {
                let _ = write!(body, r#"<th class="n">{}</th>"#, esc(n));
            }
            let _ = write!(body, r#"<th class="n">{}</th></tr></thead><tbody>"#, ctx.t("合计", "Total"));
            for (val, label) in &q.choices {
                let _ = write!(body, "<tr><td>{}</td>", esc(label));
                for a in &q.stops {
                    match a.as_ref() {
                        Some(a) => {
                            let (count, pct) = a.shares.get(val).copied().unwrap_or((0, 0.0));
                            let _ = write!(body, r#"<td class="n">{count} <span class="muted">({pct:.1}%)</span></td>"#);
                        }
                        None => body.push_str(r#"<td class="n muted">—</td>"#),
                    }
                }
                let _ = write!(body, r#"<td class="n"><strong>{}</strong> <span class="muted">({:.1}%)</span></td></tr>"#, q.total_count(val), q.total_percent(val));
            }
            body.push_str("</tbody></table></div>");
        } else if matches!(q.kind, Kind::Integer | Kind::Decimal) {
            let rows: Vec<(String, Option<Numeric>)> = names.iter().cloned().zip(q.stops.iter().map(|a| a.as_ref().and_then(|a| a.numeric.clone()))).collect();
            let cats: Vec<String> = rows.iter().filter(|r| r.1.is_some()).map(|r| r.0.clone()).collect();
            let means: Vec<f64> = rows.iter().filter_map(|r| r.1.as_ref().map(|n| n.mean)).collect();
            if !cats.is_empty() {
                body.push_str(&bar_chart(&q.label, &cats, &[(ctx.t("平均", "mean").to_string(), means)], false));
            }
            body.push_str(&numeric_table(ctx, &rows));
        } else {
            let _ = write!(body, r#"<div class="scroll"><table><tbody><tr><th>{}</th>"#, ctx.t("作答", "answered"));
            for (n, a) in names.iter().zip(&q.stops) {
                let _ = write!(body, r#"<td>{}: {}</td>"#, esc(n), a.as_ref().map(|a| a.answered.to_string()).unwrap_or_else(|| "—".into()));
            }
            body.push_str("</tr></tbody></table></div>");
        }
        body.push_str("</section>");
    }
    body
}

fn xlsx_failed(e: rust_xlsxwriter::XlsxError) -> PageError {
    PageError::Failed(format!("xlsx: {e}"))
}

/// A cell's text: at most what a cell holds.
fn cell(s: &str) -> String {
    short(s, 32_000)
}

fn label_row(ws: &mut rust_xlsxwriter::Worksheet, row: u32, q: &Compared, choice: &str, label: &str) -> Result<(), PageError> {
    ws.write_string(row, 0, cell(&q.name)).map_err(xlsx_failed)?;
    ws.write_string(row, 1, cell(&q.label)).map_err(xlsx_failed)?;
    ws.write_string(row, 2, cell(choice)).map_err(xlsx_failed)?;
    if !label.is_empty() {
        ws.write_string(row, 3, cell(label)).map_err(xlsx_failed)?;
    }
    Ok(())
}

/// The stops table (sheet `Stops`) and each question's distribution per
/// stop (sheet `Questions`), strings and numbers only (never a formula).
fn workbook(d: &ProgrammeData, lang: Lang) -> Result<Vec<u8>, PageError> {
    let zh = lang == Lang::Zh;
    let t = |a: &'static str, b: &'static str| if zh { a } else { b };
    let v = &d.view;
    let mut wb = rust_xlsxwriter::Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name("Stops").map_err(xlsx_failed)?;
        let head = [
            "event_id",
            t("站点", "stop"),
            t("地点", "venue"),
            t("开始日期", "starts_on"),
            t("天数", "days"),
            t("已结束", "closed"),
            t("学员", "trainees"),
            t("已签到", "checked_in"),
            t("证书", "certificates"),
            t("问卷", "responses"),
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(xlsx_failed)?;
        }
        let mut row = 1u32;
        for s in &v.stops {
            ws.write_string(row, 0, cell(&s.event_id)).map_err(xlsx_failed)?;
            ws.write_string(row, 1, cell(&s.name)).map_err(xlsx_failed)?;
            ws.write_string(row, 2, cell(&s.venue)).map_err(xlsx_failed)?;
            ws.write_string(row, 3, cell(&s.starts_on)).map_err(xlsx_failed)?;
            ws.write_number(row, 4, f64::from(s.days)).map_err(xlsx_failed)?;
            ws.write_string(row, 5, if s.closed { t("是", "yes") } else { t("否", "no") }).map_err(xlsx_failed)?;
            ws.write_number(row, 6, f64::from(s.counts.trainees)).map_err(xlsx_failed)?;
            ws.write_number(row, 7, f64::from(s.counts.checked_in)).map_err(xlsx_failed)?;
            ws.write_number(row, 8, f64::from(s.counts.certificates)).map_err(xlsx_failed)?;
            ws.write_number(row, 9, f64::from(s.counts.responses)).map_err(xlsx_failed)?;
            row += 1;
        }
        ws.write_string(row, 1, t("合计", "total")).map_err(xlsx_failed)?;
        ws.write_number(row, 6, f64::from(v.totals.trainees)).map_err(xlsx_failed)?;
        ws.write_number(row, 7, f64::from(v.totals.checked_in)).map_err(xlsx_failed)?;
        ws.write_number(row, 8, f64::from(v.totals.certificates)).map_err(xlsx_failed)?;
        ws.write_number(row, 9, f64::from(v.totals.responses)).map_err(xlsx_failed)?;
        ws.set_column_width(1, 28).map_err(xlsx_failed)?;
        ws.set_column_width(2, 20).map_err(xlsx_failed)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Questions").map_err(xlsx_failed)?;
        let fixed = [t("题目", "question"), t("题目文字", "label"), t("选项", "choice"), t("选项文字", "choice label")];
        for (c, h) in fixed.iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(xlsx_failed)?;
        }
        // Two columns per stop (count, percent), then the totals.
        let mut col = fixed.len() as u16;
        for s in v.stops.iter().take(7_000) {
            ws.write_string(0, col, cell(&format!("{} · {}", s.name, t("人数", "count")))).map_err(xlsx_failed)?;
            ws.write_string(0, col + 1, cell(&format!("{} · %", s.name))).map_err(xlsx_failed)?;
            col += 2;
        }
        ws.write_string(0, col, t("合计 · 人数", "total · count")).map_err(xlsx_failed)?;
        ws.write_string(0, col + 1, t("合计 · %", "total · %")).map_err(xlsx_failed)?;
        let stops = v.stops.len().min(7_000);
        let mut row = 1u32;
        for q in &d.questions {
            label_row(ws, row, q, "(answered)", t("作答人数", "answered"))?;
            for (i, a) in q.stops.iter().take(stops).enumerate() {
                if let Some(a) = a {
                    ws.write_number(row, 4 + 2 * i as u16, a.answered as f64).map_err(xlsx_failed)?;
                }
            }
            ws.write_number(row, 4 + 2 * stops as u16, q.total_answered() as f64).map_err(xlsx_failed)?;
            row += 1;
            for (val, label) in &q.choices {
                label_row(ws, row, q, val, label)?;
                for (i, a) in q.stops.iter().take(stops).enumerate() {
                    if let Some(a) = a {
                        let (count, pct) = a.shares.get(val).copied().unwrap_or((0, 0.0));
                        ws.write_number(row, 4 + 2 * i as u16, count as f64).map_err(xlsx_failed)?;
                        ws.write_number(row, 5 + 2 * i as u16, pct).map_err(xlsx_failed)?;
                    }
                }
                ws.write_number(row, 4 + 2 * stops as u16, q.total_count(val) as f64).map_err(xlsx_failed)?;
                ws.write_number(row, 5 + 2 * stops as u16, q.total_percent(val)).map_err(xlsx_failed)?;
                row += 1;
            }
            if matches!(q.kind, Kind::Integer | Kind::Decimal) {
                type Stat = fn(&Numeric) -> f64;
                let stats: [(&str, Stat); 4] = [("mean", |n| n.mean), ("median", |n| n.median), ("min", |n| n.min), ("max", |n| n.max)];
                for (stat, get) in stats {
                    label_row(ws, row, q, stat, "")?;
                    for (i, a) in q.stops.iter().take(stops).enumerate() {
                        if let Some(n) = a.as_ref().and_then(|a| a.numeric.as_ref()) {
                            ws.write_number(row, 4 + 2 * i as u16, get(n)).map_err(xlsx_failed)?;
                        }
                    }
                    row += 1;
                }
            }
            if row > 1_000_000 {
                break;
            }
        }
        ws.set_column_width(1, 30).map_err(xlsx_failed)?;
        ws.set_column_width(3, 20).map_err(xlsx_failed)?;
    }
    wb.save_to_buffer().map_err(xlsx_failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(header::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn a_post_must_come_from_this_host() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")])));
        assert!(same_origin(&headers(&[("host", "sync.example.org"), ("referer", "https://sync.example.org/org/login?lang=en")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "null")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("host", "a.org"), ("origin", "http://a.org@evil.example")])));
        assert!(!same_origin(&headers(&[("host", "a.org"), ("origin", "http://a.org.evil.example")])));
        assert!(!same_origin(&headers(&[("host", "a.org"), ("origin", "http://a.org"), ("sec-fetch-site", "cross-site")])));
    }

    #[test]
    fn junk_cookies_and_forms_are_nothing() {
        assert_eq!(session_cookie(&headers(&[("cookie", "muster_org=../../etc")])), None);
        assert_eq!(session_cookie(&headers(&[("cookie", &format!("a=b; muster_org={}", "ab".repeat(32)))])), Some("ab".repeat(32)));
        assert_eq!(session_cookie(&headers(&[("cookie", &format!("muster_org={}", "é".repeat(32)))])), None);
        assert_eq!(form_fields(b"name=%E7%8E%8B+x&password=a%2Bb"), Some(vec![("name".into(), "王 x".into()), ("password".into(), "a+b".into())]));
        assert_eq!(form_fields(b"name=%zz"), None);
        assert_eq!(form_fields(b"name=%FF"), None);
        assert_eq!(form_fields(b"name=%+1"), None);
        assert!(form_fields(&b"a=b&".repeat(100)).is_none());
    }

    #[test]
    fn the_language_follows_the_url_then_the_browser() {
        let uri: Uri = "/org?lang=en".parse().unwrap();
        assert_eq!(Ctx::new(&uri, &HeaderMap::new()).lang, Lang::En);
        let uri: Uri = "/org".parse().unwrap();
        assert_eq!(Ctx::new(&uri, &headers(&[("accept-language", "de-DE,en;q=0.8,zh-CN;q=0.9")])).lang, Lang::Zh);
        assert_eq!(Ctx::new(&uri, &headers(&[("accept-language", "en-US,en;q=0.9")])).lang, Lang::En);
        assert_eq!(Ctx::new(&uri, &HeaderMap::new()).lang, Lang::Zh);
    }

    #[test]
    fn charts_escape_what_they_show() {
        let svg = bar_chart("<b>", &["<script>".into()], &[("a&b".into(), vec![f64::NAN])], true);
        assert!(svg.starts_with("<svg") && !svg.contains("<script>") && !svg.contains("<b>") && svg.contains("a&amp;b"), "{svg}");
    }

    #[test]
    fn passwords_hash_as_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password(&phc, "correct horse battery"));
        assert!(!verify_password(&phc, "wrong"));
        assert!(!verify_password("junk", "wrong"));
    }
}
