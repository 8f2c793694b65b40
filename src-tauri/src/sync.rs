//! Sync over IPC: the server settings, the background sync thread, "sync
//! now", the connection test and the sneakernet file.
//!
//! The sync thread never touches the UI's `Muster`: it opens a second
//! `Muster` on the same store file (SQLite WAL + busy timeout; the store is
//! made for the CLI and the app writing side by side), so check-in and
//! keying never wait for the network. Every ~30 s, and when woken ("Sync
//! now", new settings), it runs one `muster_sync::sync_http` and emits
//! [`SYNC_STATUS`]. The device token lives in `sync.json` beside the store
//! (mode 0600) and never leaves the shell: not in the status, not in logs.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use muster_core::access::{Action, Actor};
use muster_core::sync::SyncReport;
use muster_core::{Error, ErrorCode, ErrorPayload, Muster};
use muster_protocol::sync::PullRequest;
use muster_protocol::PROTOCOL_VERSION;
use muster_sync::HttpTransport;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::{shell_error, AppState};

crate::events! {
    /// The sync status, whenever it changes (the header badge).
    pub const SYNC_STATUS: SyncStatus = "sync-status";
}
/// Who the sync thread acts as: the system, not a user (a laptop with
/// users locks the UI's store, never this one).
pub const SYSTEM: &str = "sync";
/// How often the background thread tries.
pub const INTERVAL: Duration = Duration::from_secs(30);

use muster_sync::config::Config;

/// What the Settings screen shows: the URL and whether a token is stored.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct SyncSettings {
    pub url: String,
    pub has_token: bool,
}

/// Where the background sync stands.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Not syncing now; the last sync (if any) went through.
    #[default]
    Idle,
    Syncing,
    /// The server refused or answered nonsense (`error_code` says what).
    Error,
    /// The server could not be reached.
    Offline,
}

/// The sync state, what waits, when the last sync completed, and the last
/// error's code (`unreachable`, `unauthorized`, `protocol_version`, ...).
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct SyncStatus {
    pub state: SyncState,
    pub configured: bool,
    pub pending: u64,
    pub last_sync: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Counts of the run in progress or the last run.
    pub pushed: u64,
    pub pulled: u64,
    /// Changes received that this store set aside, not applied.
    pub quarantined: u64,
}

#[derive(Debug, Clone, Default)]
struct Outcome {
    state: SyncState,
    error_code: Option<String>,
    error_message: Option<String>,
    pushed: u64,
    pulled: u64,
}

/// The sync side of the app: settings, its own store connection, the last
/// outcome, and the wake-up bell of the background thread.
pub struct SyncWorker {
    db_path: PathBuf,
    config_path: PathBuf,
    config: Mutex<Config>,
    /// The sync thread's own connection (opened on first use); its lock
    /// also makes sure only one sync runs at a time.
    store: Mutex<Option<Muster>>,
    outcome: Mutex<Outcome>,
    wake: (Mutex<bool>, Condvar),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn invalid(message: &str, field: &str) -> ErrorPayload {
    Error::invalid_at(message, None, None, Some(field)).to_payload()
}

impl SyncWorker {
    /// The worker of the store at `db_path`; settings in `sync.json` beside it.
    pub fn new(db_path: &Path) -> SyncWorker {
        let config_path = muster_sync::config::path_for(db_path);
        let config = muster_sync::config::load(db_path).unwrap_or_default();
        SyncWorker {
            db_path: db_path.to_path_buf(),
            config_path,
            config: Mutex::new(config),
            store: Mutex::new(None),
            outcome: Mutex::new(Outcome { state: SyncState::Idle, ..Outcome::default() }),
            wake: (Mutex::new(false), Condvar::new()),
        }
    }

    /// Hands the worker its own connection to an encrypted store (opened by
    /// `unlock`, so the worker never holds the passphrase).
    pub fn provide_store(&self, mut m: Muster) {
        m.set_actor(Some(Actor::admin(SYSTEM)));
        *lock(&self.store) = Some(m);
    }

    pub fn settings(&self) -> SyncSettings {
        let c = lock(&self.config);
        SyncSettings { url: c.url.clone(), has_token: !c.token.is_empty() }
    }

    fn configured(&self) -> bool {
        let c = lock(&self.config);
        !c.url.is_empty() && !c.token.is_empty()
    }

    /// Stores the URL and, when given, a new token (an empty token keeps the
    /// stored one). An empty URL turns sync off.
    pub fn save(&self, url: &str, token: Option<&str>) -> Result<SyncSettings, ErrorPayload> {
        let url = url.trim().trim_end_matches('/').to_string();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("the server address starts with http:// or https://", "url"));
        }
        let mut c = lock(&self.config).clone();
        let moved = !c.url.is_empty() && !url.is_empty() && c.url != url;
        c.url = url;
        if let Some(t) = token.map(str::trim).filter(|t| !t.is_empty()) {
            c.token = t.to_string();
        }
        muster_sync::config::save(&self.db_path, &c).map_err(|e| Error::io(self.config_path.display(), e).to_payload())?;
        *lock(&self.config) = c;
        if moved {
            // Another server: it holds none of this laptop's changes yet.
            if let Some(m) = lock(&self.store).as_mut() {
                m.forget_sync_position().map_err(|e| e.to_payload())?;
            } else {
                let mut m = Muster::open(&self.db_path).map_err(|e| e.to_payload())?;
                m.set_actor(Some(Actor::admin(SYSTEM)));
                m.forget_sync_position().map_err(|e| e.to_payload())?;
            }
        }
        *lock(&self.outcome) = Outcome { state: SyncState::Idle, ..Outcome::default() };
        self.wake();
        Ok(self.settings())
    }

    /// Rings the background thread's bell.
    pub fn wake(&self) {
        let (flag, cv) = &self.wake;
        *lock(flag) = true;
        cv.notify_all();
    }

    /// Waits until woken or `timeout` passes.
    fn sleep(&self, timeout: Duration) {
        let (flag, cv) = &self.wake;
        let guard = lock(flag);
        let (mut guard, _) = cv.wait_timeout_while(guard, timeout, |woken| !*woken).unwrap_or_else(|p| p.into_inner());
        *guard = false;
    }

    /// The status, with `pending` and `last_sync` read from `m`.
    pub fn status(&self, m: &Muster) -> Result<SyncStatus, Error> {
        let (pending, last_sync) = m.sync_status()?;
        let o = lock(&self.outcome).clone();
        Ok(SyncStatus {
            state: o.state,
            configured: self.configured(),
            pending,
            last_sync,
            error_code: o.error_code,
            error_message: o.error_message,
            pushed: o.pushed,
            pulled: o.pulled,
            quarantined: m.quarantined_count()?,
        })
    }

    /// Joins an organisation with a join code on the worker's own store
    /// connection; the server and token it carries become the settings.
    pub fn join(&self, code: &str) -> Result<muster_core::certificates::Joined, ErrorPayload> {
        let mut slot = lock(&self.store);
        if slot.is_none() {
            let mut m = Muster::open(&self.db_path).map_err(|e| e.to_payload())?;
            m.set_actor(Some(Actor::admin(SYSTEM)));
            *slot = Some(m);
        }
        let m = slot.as_mut().expect("opened above");
        let joined = muster_sync::join(m, code).map_err(|e| match e {
            muster_sync::SyncError::Store(e) => e.to_payload(),
            other @ muster_sync::SyncError::Unreachable { .. } => shell_error(ErrorCode::Io, other.to_string()),
            other => shell_error(ErrorCode::InvalidInput, other.to_string()),
        })?;
        *lock(&self.config) = muster_sync::config::load(&self.db_path).unwrap_or_default();
        *lock(&self.outcome) = Outcome { state: SyncState::Idle, ..Outcome::default() };
        drop(slot);
        self.wake();
        Ok(joined)
    }

    /// Runs one sync on the worker's own store connection, emitting the
    /// status before, during (at most ~5 a second) and after. Never touches
    /// the UI's store. Without settings it does nothing.
    pub fn run_once(&self, emit: &dyn Fn(&SyncStatus)) -> Result<SyncStatus, ErrorPayload> {
        let mut slot = lock(&self.store);
        if slot.is_none() {
            let mut m = Muster::open(&self.db_path).map_err(|e| e.to_payload())?;
            m.set_actor(Some(Actor::admin(SYSTEM)));
            *slot = Some(m);
        }
        let m = slot.as_mut().expect("opened above");
        let config = lock(&self.config).clone();
        if config.url.is_empty() || config.token.is_empty() {
            return self.status(m).map_err(|e| e.to_payload());
        }
        *lock(&self.outcome) = Outcome { state: SyncState::Syncing, ..Outcome::default() };
        if let Ok(s) = self.status(m) {
            emit(&s);
        }
        let transport = HttpTransport::new(&config.url, &config.token);
        let mut last = Instant::now();
        let result = {
            let outcome = &self.outcome;
            let mut progress = |p: muster_sync::Progress| {
                {
                    let mut o = lock(outcome);
                    o.pushed = p.pushed;
                    o.pulled = p.pulled;
                }
                if last.elapsed() >= Duration::from_millis(200) {
                    last = Instant::now();
                    let o = lock(outcome).clone();
                    // No store read here: the sync holds the connection.
                    emit(&SyncStatus {
                        state: SyncState::Syncing,
                        configured: true,
                        pending: 0,
                        last_sync: None,
                        error_code: None,
                        error_message: None,
                        pushed: o.pushed,
                        pulled: o.pulled,
                        quarantined: 0,
                    });
                }
            };
            muster_sync::sync_http(m, &transport, &mut progress)
        };
        *lock(&self.outcome) = match result {
            Ok(SyncReport { pushed, pulled, .. }) => Outcome { state: SyncState::Idle, pushed, pulled, ..Outcome::default() },
            Err(e) => {
                let code = e.code();
                Outcome {
                    state: if code == "unreachable" { SyncState::Offline } else { SyncState::Error },
                    error_code: Some(code),
                    error_message: Some(e.to_string()),
                    ..Outcome::default()
                }
            }
        };
        let status = self.status(m).map_err(|e| e.to_payload())?;
        emit(&status);
        Ok(status)
    }
}

fn emitter<R: Runtime>(app: &AppHandle<R>) -> impl Fn(&SyncStatus) + '_ {
    move |s: &SyncStatus| {
        let _ = app.emit(SYNC_STATUS, s);
    }
}

/// Starts the background thread: a sync every [`INTERVAL`] and whenever
/// woken. It holds only the worker's own connection.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    let _ = std::thread::Builder::new().name("muster-sync".into()).spawn(move || loop {
        let worker = app.state::<SyncWorker>();
        if worker.configured() {
            let _ = worker.run_once(&emitter(&app));
        }
        worker.sleep(INTERVAL);
    });
}

/// Runs `f` on a blocking thread (network waits never hold an async worker).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ErrorPayload> + Send + 'static,
) -> Result<T, ErrorPayload> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(shell_error(ErrorCode::Storage, format!("the sync task failed: {e}"))))
}

crate::commands! {
    pub async fn sync_settings(state: State<'_, AppState>, worker: State<'_, SyncWorker>; ) -> SyncSettings {
        state.with(|m| m.allow(Action::Sync))?;
        Ok(worker.settings())
    }

    /// Saves the server URL and (when not empty) a new device token.
    pub async fn save_sync_settings(state: State<'_, AppState>, worker: State<'_, SyncWorker>; url: String, token: Option<String>) -> SyncSettings {
        state.with(|m| m.allow(Action::Sync))?;
        worker.save(&url, token.as_deref())
    }

    /// Joins an organisation with the code `muster server device add` printed
    /// (pasted, typed, or read by the USB scanner from the server's QR): the
    /// server certifies this laptop, and its address and token are saved.
    pub async fn join_organisation<R>(app: AppHandle<R>; code: String) -> muster_core::certificates::Joined {
        app.state::<AppState>().with(|m| m.allow(Action::Sync))?;
        blocking(move || app.state::<SyncWorker>().join(&code)).await
    }

    /// The organisation this laptop joined: name, public URL and key ids (none before joining).
    pub async fn organisation(state: State<'_, AppState>; ) -> Option<OrgInfo> {
        state.with(|m| {
            m.allow(Action::Sync)?;
            Ok(m.organisation()?.map(|t| OrgInfo { org: t.org.clone(), public_url: t.public_url.clone(), key_ids: t.key_ids(), laptops: t.devices.len() }))
        })
    }

    /// The status now: pending and last sync read from the UI's store (a quick
    /// count), the state of the last or running sync from the worker.
    pub async fn sync_status(state: State<'_, AppState>, worker: State<'_, SyncWorker>; ) -> SyncStatus {
        // A poll of the header badge: never counts as activity (idle lock).
        state.quiet(|m| worker.status(m))
    }

    /// The changes this store set aside (kept, not applied), with why, for the
    /// Settings screen.
    pub async fn sync_quarantine(state: State<'_, AppState>; ) -> Vec<muster_core::sync::Quarantined> {
        state.with(|m| m.quarantined(200))
    }

    /// Runs a sync now, on the worker's connection, and returns how it ended
    /// (a failed sync is a status with `error_code`, not an error).
    pub async fn sync_now<R>(app: AppHandle<R>; ) -> SyncStatus {
        app.state::<AppState>().with(|m| m.allow(Action::Sync))?;
        blocking(move || {
            let worker = app.state::<SyncWorker>();
            if !worker.configured() {
                return Err(invalid("enter the server address and the device token first", "url"));
            }
            worker.run_once(&emitter(&app))
        })
        .await
    }

    /// Asks the server at `url` for one change with `token` (the stored token
    /// when empty): reachable, token accepted, same protocol. Writes nothing.
    pub async fn test_sync_connection(state: State<'_, AppState>, worker: State<'_, SyncWorker>; url: String, token: Option<String>) -> ConnectionTest {
        let url = url.trim().trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("the server address starts with http:// or https://", "url"));
        }
        let token = match token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
            Some(t) => t,
            None => lock(&worker.config).token.clone(),
        };
        if token.is_empty() {
            return Err(invalid("enter the device token", "token"));
        }
        let device_id = state.with(|m| m.allow(Action::Sync).map(|_| m.device_id().to_string()))?;
        blocking(move || {
            let transport = HttpTransport::new(&url, &token);
            let req = PullRequest { protocol: PROTOCOL_VERSION, device_id, cursor: 0, limit: 1, include_own: false, events: None };
            Ok(match transport.pull(&req) {
                Ok(_) => ConnectionTest { ok: true, error_code: None, error_message: None },
                Err(e) => ConnectionTest { ok: false, error_code: Some(e.code()), error_message: Some(e.to_string()) },
            })
        })
        .await
    }

    /// Writes every change of the store to a sync file (a USB stick); an
    /// encrypted store seals it to `path.zip` unless `plain`, with `passphrase`
    /// when given (one the other laptop knows), else the store's.
    pub async fn export_sync_file(state: State<'_, AppState>; path: String, plain: Option<bool>, passphrase: Option<String>) -> SyncFileExport {
        if path.trim().is_empty() {
            return Err(invalid("choose where to save the sync file", "path"));
        }
        let (changes, f) = state.with(|m| {
            m.with_export_passphrase(passphrase.as_deref(), |m| m.export_sync_file(Path::new(&path), plain.unwrap_or(false)))
        })?;
        Ok(SyncFileExport { changes, file: f.file, encrypted: f.encrypted })
    }

    /// Reads a sync file into the store; returns how many changes were new. A
    /// sealed file opens with `passphrase` when given, else the store's (a
    /// wrong one: kind `wrong_passphrase`, so the UI asks).
    pub async fn import_sync_file(state: State<'_, AppState>; path: String, passphrase: Option<String>) -> u64 {
        if path.trim().is_empty() {
            return Err(invalid("choose a sync file", "path"));
        }
        state.with(|m| m.with_export_passphrase(passphrase.as_deref(), |m| m.import_sync_file(Path::new(&path))))
    }
}

/// The organisation as the Settings screen shows it.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct OrgInfo {
    pub org: String,
    pub public_url: Option<String>,
    pub key_ids: Vec<String>,
    pub laptops: usize,
}

/// What a connection test found.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct ConnectionTest {
    pub ok: bool,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// A sync file as written: how many changes, where (`path.zip` when
/// sealed), encrypted or not.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SyncFileExport {
    pub changes: u64,
    pub file: String,
    pub encrypted: bool,
}
