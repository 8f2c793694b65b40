//! The sync transport: the one place a Muster store reaches the network
//! (HTTP to a central service or a venue hub) or writes a sneakernet file.
//!
//! The decisions live in `muster_core` (`Muster::sync`, whose client has no
//! I/O); this crate only carries its requests and answers as a
//! `muster_core::sync::Transport`. A failed request
//! leaves the store exactly as the last completed step left it, so running
//! sync again resumes; nothing is applied twice.

pub mod config;
pub mod file;

use muster_core::sync::{SyncReport, Transport};
use muster_core::Muster;
use muster_protocol::sync::{self, ErrorBody, PullRequest, PullResponse, PushRequest, PushResponse, CONTENT_TYPE};
use muster_protocol::trust::{JoinCode, JoinRequest, JoinResponse, Trust};
use muster_protocol::PROTOCOL_VERSION;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached or the connection broke.
    #[error("cannot reach {url}: {message}")]
    Unreachable { url: String, message: String },
    /// The server answered with an error.
    #[error("server refused ({code}): {message}")]
    Refused { status: u16, code: String, message: String },
    /// The server speaks another protocol version.
    #[error("{0}")]
    Version(String),
    #[error("the server's answer is not understood: {0}")]
    Decode(String),
    #[error(transparent)]
    Store(#[from] muster_core::Error),
}

impl SyncError {
    /// `unreachable`, `unauthorized`, `protocol_version`, ... for the UI and
    /// the CLI's JSON.
    pub fn code(&self) -> String {
        match self {
            SyncError::Unreachable { .. } => "unreachable".into(),
            SyncError::Refused { code, .. } => code.clone(),
            SyncError::Version(_) => "protocol_version".into(),
            SyncError::Decode(_) => "bad_response".into(),
            SyncError::Store(e) => serde_json::to_value(e.code()).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        }
    }
}

/// A server address as a user typed it: one without `http://` or
/// `https://` is refused (field `server`) with what to write instead.
pub fn server_url(s: &str) -> Result<String, muster_core::Error> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let rest = lower.strip_prefix("http://").or_else(|| lower.strip_prefix("https://"));
    if rest.is_none_or(|r| r.is_empty()) {
        let shown = muster_protocol::rules::quote(t);
        return Err(muster_core::Error::invalid_at(
            format!("the server address {shown} must start with http:// or https://, e.g. http://192.168.1.10:8080 (a venue hub) or https://sync.example.org"),
            None,
            None,
            Some("server"),
        ));
    }
    Ok(t.trim_end_matches('/').to_string())
}

/// An HTTP connection to one server with one device token.
pub struct HttpTransport {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl HttpTransport {
    pub fn new(base_url: &str, token: &str) -> HttpTransport {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        HttpTransport { agent, base: base_url.trim_end_matches('/').to_string(), token: token.to_string() }
    }

    fn post<Req: serde::Serialize, Resp: for<'de> serde::Deserialize<'de>>(&self, path: &str, req: &Req) -> Result<Resp, SyncError> {
        let url = format!("{}{path}", self.base);
        let unreachable = |e: ureq::Error| SyncError::Unreachable { url: url.clone(), message: e.to_string() };
        let mut resp = self
            .agent
            .post(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", CONTENT_TYPE)
            .header("X-Muster-Protocol", &PROTOCOL_VERSION.to_string())
            .send(&sync::encode(req)[..])
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().with_config().limit(sync::MAX_BODY as u64).read_to_vec().map_err(unreachable)?;
        if status == 200 {
            return sync::decode(&body).map_err(|e| SyncError::Decode(e.to_string()));
        }
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(b) => (b.error.code, b.error.message),
            Err(_) => ("http".to_string(), format!("HTTP {status}")),
        };
        if code == "protocol_version" {
            return Err(SyncError::Version(message));
        }
        Err(SyncError::Refused { status, code, message })
    }

    pub fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        self.post("/v1/push", req)
    }

    pub fn pull(&self, req: &PullRequest) -> Result<PullResponse, SyncError> {
        self.post("/v1/pull", req)
    }

    /// Hands in this laptop's signing key; the organisation's answer.
    pub fn join(&self, req: &JoinRequest) -> Result<JoinResponse, SyncError> {
        self.post("/v1/join", req)
    }

    /// The organisation's current keys, laptops and revocations.
    pub fn trust(&self) -> Result<Trust, SyncError> {
        self.post("/v1/trust", &serde_json::json!({}))
    }
}

/// What `muster join` did.
pub type Joined = muster_core::certificates::Joined;

/// Joins an organisation with a join code (pasted, typed or scanned): asks
/// the server in it to certify this laptop, checks the answer against the
/// organisation key the code names, keeps the trust in the store and the
/// server and token beside it ([`config`]), so `sync` needs nothing more.
/// Nothing is kept when any step fails.
pub fn join(m: &mut Muster, code: &str) -> Result<Joined, SyncError> {
    let code = JoinCode::parse(code).map_err(|e| SyncError::Store(muster_core::Error::invalid_at(e, None, None, Some("join"))))?;
    let transport = HttpTransport::new(&code.server, &code.token);
    let resp = transport.join(&m.join_request()?)?;
    let joined = m.join_complete(&code, resp)?;
    config::save(m.store_path(), &config::Config { url: code.server.clone(), token: code.token.clone() })
        .map_err(|e| SyncError::Store(muster_core::Error::io(config::path_for(m.store_path()).display(), e)))?;
    Ok(joined)
}

pub use muster_core::sync::Progress;

impl Transport for HttpTransport {
    type Error = SyncError;
    fn push(&mut self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        HttpTransport::push(self, req)
    }
    fn pull(&mut self, req: &PullRequest) -> Result<PullResponse, SyncError> {
        HttpTransport::pull(self, req)
    }
}

/// Runs one complete sync of `m` against the server: push everything
/// pending, pull everything new ([`Muster::sync`] over HTTP).
pub fn sync_http(m: &mut Muster, transport: &HttpTransport, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport, SyncError> {
    sync_http_with(m, transport, false, progress)
}

/// [`sync_http`], optionally as a relay: a venue hub's store forwarding the
/// changes of every laptop it collected to the central service (the
/// server must have paired this device with `--relay`).
///
/// A laptop of an organisation then also refreshes what it verifies with
/// (new laptops, revocations, a rotated key), as far as that chains from
/// the keys it trusts.
pub fn sync_http_with(m: &mut Muster, transport: &HttpTransport, relay: bool, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport, SyncError> {
    let report = m.sync(&mut Transporter(transport), relay, progress)?;
    // Best effort: the changes are synced either way, and the next sync
    // tries again (an older server has no /v1/trust).
    if m.organisation()?.is_some() {
        if let Ok(trust) = transport.trust() {
            m.update_trust(trust)?;
        }
    }
    Ok(report)
}

/// A shared HTTP connection as a transport (the connection itself holds no
/// per-run state).
struct Transporter<'a>(&'a HttpTransport);

impl Transport for Transporter<'_> {
    type Error = SyncError;
    fn push(&mut self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        self.0.push(req)
    }
    fn pull(&mut self, req: &PullRequest) -> Result<PullResponse, SyncError> {
        self.0.pull(req)
    }
}
