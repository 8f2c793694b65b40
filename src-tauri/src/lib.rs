//! Muster's desktop shell: Tauri 2 commands that are one-liners into
//! [`muster_core::Muster`].
//!
//! Every command is declared once with [`commands!`] (see [`ipc`]), which
//! also writes its typed TypeScript wrapper. Every command returns
//! `Result<T, ErrorPayload>`: an error crosses IPC as `{code, kind?,
//! message, file?, line?, field?}` and the UI matches on `code` and `kind`,
//! never on the message text. Commands are `async` so that a long import runs
//! off the main thread and the window keeps painting its progress bar.

pub mod certificates;
pub mod checkin;
pub mod event;
pub mod ipc;
pub mod keying;
pub mod programme;
pub mod sync;
pub mod unlock;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use muster_core::{Error, ErrorCode, ErrorPayload, Muster};
use tauri::{Manager, Runtime};

pub use event::{AppInfo, Progress, IMPORT_PROGRESS};

/// The one store of the running app (`None` while an encrypted store waits
/// for its passphrase: see [`unlock`]).
pub struct AppState {
    muster: Mutex<Option<Muster>>,
    db_path: PathBuf,
    /// When the last command (or input, `touch`) came: the idle lock.
    last_active: Mutex<Instant>,
    /// One idle-lock minute (60 s; see [`users::IDLE_MINUTE_ENV`]).
    idle_minute: Duration,
}

impl AppState {
    /// The app's state around an open store; on a laptop with users nobody
    /// is signed in yet.
    pub fn new(mut muster: Muster, db_path: PathBuf) -> Self {
        users::start_locked(&mut muster);
        AppState::with_store_slot(Some(muster), db_path)
    }

    fn with_store_slot(muster: Option<Muster>, db_path: PathBuf) -> Self {
        AppState { muster: Mutex::new(muster), db_path, last_active: Mutex::new(Instant::now()), idle_minute: users::idle_minute() }
    }

    /// Opens the store at `path`, creating its folder.
    pub fn open(path: &Path) -> Result<Self, Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        }
        match Muster::open(path) {
            Ok(m) => Ok(AppState::new(m, path.to_path_buf())),
            // Encrypted: opened by `unlock` once the user gives the passphrase.
            Err(e) if e.is_wrong_passphrase() => Ok(AppState::with_store_slot(None, path.to_path_buf())),
            Err(e) => Err(e),
        }
    }

    /// Whether the store waits for its passphrase.
    pub fn is_locked(&self) -> bool {
        self.muster.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    /// Puts the store opened by `unlock` in place (nobody signed in yet on
    /// a laptop with users).
    pub(crate) fn set_unlocked(&self, mut m: Muster) {
        users::start_locked(&mut m);
        *self.last_active.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        *self.muster.lock().unwrap_or_else(|p| p.into_inner()) = Some(m);
    }

    /// Runs a user's command on the store. After the idle-lock time without
    /// commands it locks instead and fails with `locked` (see [`users`]).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Muster) -> Result<T, Error>) -> Result<T, ErrorPayload> {
        self.with_store(|m| {
            if self.idle_check(m, true) {
                return Err(Error::Locked("locked after the laptop sat idle: enter your PIN".into()));
            }
            f(m)
        })
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Muster) -> Result<T, Error>) -> Result<T, ErrorPayload> {
        // A panic while holding the lock leaves a store whose last
        // transaction rolled back: still usable, so recover the guard.
        let mut guard = self.muster.lock().unwrap_or_else(|p| p.into_inner());
        let m = guard.as_mut().ok_or_else(|| {
            Error::invalid_at("the store is locked: enter its passphrase", None, None, Some("passphrase")).to_payload()
        })?;
        f(m).map_err(|e| e.to_payload())
    }
}




/// Registers the state and the commands on `builder`. The app and the unit
/// tests (on the mock runtime) share this.
pub fn setup<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let worker = sync::SyncWorker::new(&state.db_path);
    builder.manage(state).manage(worker).invoke_handler(handler())
}

/// Every command of the shell, by module (their names are unique).
pub fn specs() -> Vec<&'static ipc::CommandSpec> {
    [event::SPECS, unlock::SPECS, checkin::SPECS, sync::SPECS, certificates::SPECS, keying::SPECS, users::SPECS, programme::SPECS].into_iter().flatten().collect()
}

/// Every event the shell emits.
pub fn event_specs() -> Vec<&'static ipc::EventSpec> {
    [event::EVENTS, sync::EVENTS, certificates::EVENTS].into_iter().flatten().collect()
}

/// The name of every command the UI may call.
pub fn command_names() -> Vec<&'static str> {
    specs().into_iter().map(|c| c.name).collect()
}

/// One handler over the modules' generated ones: each call goes to the
/// module that declared its command.
fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    let modules: Vec<(&'static [&'static str], Box<dyn Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync>)> = vec![
        (event::COMMANDS, Box::new(event::handler::<R>())),
        (unlock::COMMANDS, Box::new(unlock::handler::<R>())),
        (checkin::COMMANDS, Box::new(checkin::handler::<R>())),
        (sync::COMMANDS, Box::new(sync::handler::<R>())),
        (certificates::COMMANDS, Box::new(certificates::handler::<R>())),
        (keying::COMMANDS, Box::new(keying::handler::<R>())),
        (users::COMMANDS, Box::new(users::handler::<R>())),
        (programme::COMMANDS, Box::new(programme::handler::<R>())),
    ];
    move |invoke| {
        let name = invoke.message.command().to_string();
        match modules.iter().find(|(names, _)| names.contains(&name.as_str())) {
            Some((_, h)) => h(invoke),
            None => {
                invoke.resolver.reject(shell_error(ErrorCode::NotFound, format!("no command {}", muster_core::quote(&name))));
                true
            }
        }
    }
}
/// An error payload for failures of the shell itself (not of the core).
pub fn shell_error(code: ErrorCode, message: impl Into<String>) -> ErrorPayload {
    ErrorPayload { code, kind: None, message: message.into(), file: None, line: None, field: None, msg: None }
}

pub fn run() {
    let db_path = Muster::default_path();
    let state = match AppState::open(&db_path) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("muster: cannot open the local store {}: {e}", db_path.display());
            std::process::exit(1);
        }
    };
    setup(tauri::Builder::default(), state)
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            sync::start(app.handle().clone());
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_title("Muster");
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Muster desktop app");
}

/// The shell's command tests; `invoke`, `app` and `TempDir` serve the other
/// modules' tests too.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    /// A fresh folder under the system temp dir, removed on drop.
    pub(crate) struct TempDir(PathBuf);
    impl TempDir {
        pub(crate) fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("muster-app-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    pub(crate) fn app(dir: &Path) -> tauri::App<tauri::test::MockRuntime> {
        let state = AppState::open(&dir.join("muster.db")).unwrap();
        setup(mock_builder(), state).build(mock_context(noop_assets())).unwrap()
    }

    /// Calls `cmd` over the mock IPC as the UI does: the JSON answer, or
    /// the error payload.
    pub(crate) fn invoke(
        app: &tauri::App<tauri::test::MockRuntime>,
        cmd: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let webview = match app.get_webview_window("main") {
            Some(w) => w,
            None => tauri::WebviewWindowBuilder::new(app, "main", Default::default()).build().unwrap(),
        };
        get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<serde_json::Value>().unwrap())
    }

    #[test]
    fn create_and_list_events_over_ipc() {
        let dir = TempDir::new("create_and_list_events_over_ipc");
        let app = app(dir.path());

        let empty = invoke(&app, "list_events", serde_json::json!({})).unwrap();
        assert_eq!(empty, serde_json::json!([]));

        let created = invoke(
            &app,
            "create_event",
            serde_json::json!({"event": {
                "name": "电商直播培训", "venue": "县职教中心", "starts_on": "2026-03-09", "days": 3
            }}),
        )
        .unwrap();
        assert_eq!(created["name"], "电商直播培训");
        assert_eq!(created["days"], 3);

        let listed = invoke(&app, "list_events", serde_json::json!({})).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["id"], created["id"]);
    }

    #[test]
    fn errors_cross_ipc_as_typed_payloads() {
        let dir = TempDir::new("errors_cross_ipc_as_typed_payloads");
        let app = app(dir.path());

        // Unknown event: a `not_found` payload, not a bare string.
        let err = invoke(&app, "list_sessions", serde_json::json!({"eventId": "no-such-event"}))
            .map(|_| ())
            .err();
        // Some stores answer an empty list for an unknown event; when they
        // fail, the failure must be a typed payload.
        if let Some(err) = err {
            assert!(err["code"].is_string(), "{err}");
            assert!(err["message"].is_string(), "{err}");
        }

        // A missing file: an `io` or `invalid_input` payload with the file.
        let missing = dir.path().join("nope.csv");
        let err = invoke(
            &app,
            "preview_roster",
            serde_json::json!({"path": missing.display().to_string()}),
        )
        .unwrap_err();
        let code = err["code"].as_str().unwrap();
        assert!(code == "io" || code == "invalid_input", "{err}");

        // A name no module declared: a typed refusal, not a hang or a panic.
        let err = invoke(&app, "drop_all_tables", serde_json::json!({})).unwrap_err();
        assert_eq!(err["code"], "not_found", "{err}");
        assert!(err["message"].as_str().unwrap().contains("drop_all_tables"), "{err}");
    }

    #[test]
    fn import_reports_progress_and_saves_rejects() {
        use tauri::Listener;
        let dir = TempDir::new("import");
        let app = app(dir.path());
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/fixtures/roster-gb18030.csv");
        let fixture = fixture.display().to_string();

        let progress = std::sync::Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
        let seen = progress.clone();
        app.listen_any(IMPORT_PROGRESS, move |e| {
            seen.lock().unwrap().push(serde_json::from_str(e.payload()).unwrap());
        });

        let ev = invoke(
            &app,
            "create_event",
            serde_json::json!({"event": {"name": "培训", "venue": "", "starts_on": "2026-03-09", "days": 1}}),
        )
        .unwrap();
        let id = ev["id"].as_str().unwrap();

        let preview = invoke(&app, "preview_roster", serde_json::json!({"path": fixture})).unwrap();
        assert_eq!(preview["total_rows"], 8);
        assert_eq!(preview["encoding"], "GB18030");

        let dry = invoke(
            &app,
            "import_roster",
            serde_json::json!({"eventId": id, "path": fixture, "dryRun": true}),
        )
        .unwrap();
        assert_eq!(dry["dry_run"], true);
        let roster = invoke(&app, "roster", serde_json::json!({"eventId": id})).unwrap();
        assert_eq!(roster.as_array().unwrap().len(), 0, "a dry run writes nothing");

        let report = invoke(
            &app,
            "import_roster",
            serde_json::json!({"eventId": id, "path": fixture, "dryRun": false}),
        )
        .unwrap();
        assert_eq!((report["imported"].as_u64(), report["rejected"].as_u64()), (Some(6), Some(1)));
        assert_eq!(report["errors"][0]["line"], 8);
        let last = progress.lock().unwrap().last().cloned().expect("progress events");
        assert_eq!(last["done"], last["total"]);

        let dest = dir.path().join("rejects.csv");
        invoke(
            &app,
            "save_rejects",
            serde_json::json!({"srcPath": fixture, "destPath": dest.display().to_string()}),
        )
        .unwrap();
        let text = std::fs::read_to_string(&dest).unwrap();
        assert!(text.contains("孙芳"), "{text}");

        // Writing into a folder that does not exist: a typed `io` error.
        let err = invoke(
            &app,
            "save_rejects",
            serde_json::json!({"srcPath": fixture, "destPath": dir.path().join("no/such/dir.csv").display().to_string()}),
        )
        .unwrap_err();
        assert_eq!(err["code"], "io", "{err}");
    }

    #[test]
    fn demo_event_has_a_searchable_roster() {
        let dir = TempDir::new("demo_event_has_a_searchable_roster");
        let app = app(dir.path());

        let demo = invoke(&app, "create_demo_event", serde_json::json!({})).unwrap();
        let id = demo["id"].as_str().unwrap().to_string();
        let roster = invoke(&app, "roster", serde_json::json!({"eventId": id})).unwrap();
        let all = roster.as_array().unwrap();
        assert!(all.len() >= 10, "demo roster has {} trainees", all.len());

        let first_name = all[0]["name"].as_str().unwrap().to_string();
        let hits = invoke(
            &app,
            "search_roster",
            serde_json::json!({"eventId": id, "query": first_name, "limit": 50}),
        )
        .unwrap();
        assert!(hits.as_array().unwrap().iter().any(|t| t["name"] == first_name.as_str()));
    }

    /// An event on a fixed past day with one 09:00–17:00 session, so the
    /// tests pass `at` and never depend on the wall clock.
    fn venue(app: &tauri::App<tauri::test::MockRuntime>) -> (String, String) {
        let ev = invoke(
            app,
            "create_event",
            serde_json::json!({"event": {"name": "县电商培训", "venue": "", "starts_on": "2026-03-09", "days": 1}}),
        )
        .unwrap();
        let event = ev["id"].as_str().unwrap().to_string();
        let s = invoke(
            app,
            "add_session",
            serde_json::json!({"eventId": event, "session": {
                "title": "第一天 微信数字化运营", "starts_at": "2026-03-09T09:00", "ends_at": "2026-03-09T17:00"
            }}),
        )
        .unwrap();
        (event, s["id"].as_str().unwrap().to_string())
    }

    fn walk_in(app: &tauri::App<tauri::test::MockRuntime>, event: &str, name: &str, phone: &str) -> serde_json::Value {
        invoke(app, "walk_in", serde_json::json!({"eventId": event, "name": name, "phone": phone})).unwrap()
    }

    #[test]
    fn check_in_by_code_then_already_checked_in() {
        let dir = TempDir::new("check_in_idempotent");
        let app = app(dir.path());
        let (event, session) = venue(&app);
        let w = walk_in(&app, &event, "王素梅", "13812345678");
        assert_eq!(w["trainee"]["walk_in"], true);
        let code = w["trainee"]["code"].as_str().unwrap().to_string();

        let hits = invoke(&app, "search", serde_json::json!({"eventId": event, "query": "wsm"})).unwrap();
        assert_eq!(hits[0]["name"], "王素梅");

        let args = serde_json::json!({
            "eventId": event, "sessionId": session, "code": code.to_lowercase(),
            "at": "2026-03-09T08:41", "force": false, "source": "scan"
        });
        let first = invoke(&app, "check_in", args.clone()).unwrap();
        assert_eq!(first["status"], "checked_in", "{first}");
        assert_eq!(first["trainee"]["name"], "王素梅");
        assert_eq!(first["at"], "2026-03-09T08:41:00");
        assert_eq!(first["late"], false);

        // A second scan, later: the first check-in is reported, not a new one.
        let mut later = args.clone();
        later["at"] = "2026-03-09T09:30".into();
        let again = invoke(&app, "check_in", later).unwrap();
        assert_eq!(again["status"], "already_checked_in", "{again}");
        assert_eq!(again["at"], "2026-03-09T08:41:00");
        assert_eq!(again["this_device"], true);

        let report = invoke(&app, "attendance_report", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(report["sessions"][0]["arrived"], 1);
        let board = invoke(&app, "dashboard", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(board[0]["session"]["arrived"], 1);
        assert_eq!(board[0]["arrivals"][0]["from"], "2026-03-09T08:40");

        // Sign-out by trainee id, idempotent too.
        let id = first["trainee"]["id"].as_str().unwrap();
        let out = serde_json::json!({
            "eventId": event, "sessionId": session, "traineeId": id,
            "at": "2026-03-09T17:00", "force": false, "source": "manual"
        });
        assert_eq!(invoke(&app, "check_out", out.clone()).unwrap()["status"], "checked_out");
        assert_eq!(invoke(&app, "check_out", out).unwrap()["status"], "already_checked_out");
    }

    #[test]
    fn outside_the_session_needs_confirmation_and_bad_codes_record_nothing() {
        let dir = TempDir::new("needs_confirmation");
        let app = app(dir.path());
        let (event, session) = venue(&app);
        let code = walk_in(&app, &event, "李建国", "13900001111")["trainee"]["code"].as_str().unwrap().to_string();

        let mut args = serde_json::json!({
            "eventId": event, "sessionId": session, "code": code,
            "at": "2026-03-09T18:10", "force": false, "source": "scan"
        });
        let err = invoke(&app, "check_in", args.clone()).unwrap_err();
        assert_eq!(err["code"], "needs_confirmation", "{err}");
        assert!(err["message"].as_str().unwrap().contains("ended"), "{err}");
        let report = invoke(&app, "attendance_report", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(report["sessions"][0]["arrived"], 0, "nothing recorded before the confirmation");

        args["force"] = true.into();
        assert_eq!(invoke(&app, "check_in", args).unwrap()["status"], "checked_in");

        // Garbage, half a code, an unknown code (000000 has a valid check
        // symbol): typed errors, nothing written.
        for (bad, want) in [("@@@", "invalid_input"), (&code[..3], "invalid_input"), ("000000", "not_found")] {
            let err = invoke(
                &app,
                "check_in",
                serde_json::json!({"eventId": event, "sessionId": session, "code": bad, "at": "2026-03-09T10:00", "force": false, "source": "scan"}),
            )
            .unwrap_err();
            assert_eq!(err["code"], want, "{bad}: {err}");
            if want == "invalid_input" {
                assert_eq!(err["field"], "code", "{err}");
            }
        }
        // Neither or both of trainee id and code; an unknown source.
        for body in [
            serde_json::json!({"eventId": event, "sessionId": session, "force": false, "source": "scan"}),
            serde_json::json!({"eventId": event, "sessionId": session, "code": code, "traineeId": "x", "force": false, "source": "scan"}),
            serde_json::json!({"eventId": event, "sessionId": session, "code": code, "force": false, "source": "telepathy"}),
        ] {
            assert_eq!(invoke(&app, "check_in", body).unwrap_err()["code"], "invalid_input");
        }
        let report = invoke(&app, "attendance_report", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(report["sessions"][0]["arrived"], 1);
    }

    #[test]
    fn walk_in_duplicates_merge_correct_and_export() {
        let dir = TempDir::new("walk_in_duplicates");
        let app = app(dir.path());
        let (event, session) = venue(&app);
        let a = walk_in(&app, &event, "张丽华", "13700000011");
        let b = walk_in(&app, &event, "张丽华", "13700000011");
        assert_eq!(b["duplicates"][0]["id"], a["trainee"]["id"], "{b}");
        let groups = invoke(&app, "possible_duplicates", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(groups[0]["by"], "phone");
        assert_eq!(groups[0]["trainees"].as_array().unwrap().len(), 2);

        let (keep, other) = (a["trainee"]["id"].as_str().unwrap(), b["trainee"]["id"].as_str().unwrap());
        let kept = invoke(&app, "merge_trainees", serde_json::json!({"keep": keep, "other": other})).unwrap();
        assert_eq!(kept["id"], keep);
        let groups = invoke(&app, "possible_duplicates", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(groups, serde_json::json!([]));
        let roster = invoke(&app, "roster", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(roster.as_array().unwrap().len(), 1);

        // A correction needs a reason; with one it is recorded.
        let mut fix = serde_json::json!({
            "eventId": event, "sessionId": session, "traineeId": keep, "status": "present", "reason": ""
        });
        assert_eq!(invoke(&app, "correct_attendance", fix.clone()).unwrap_err()["field"], "reason");
        fix["reason"] = "请假条已交 sick note".into();
        invoke(&app, "correct_attendance", fix).unwrap();
        let report = invoke(&app, "attendance_report", serde_json::json!({"eventId": event})).unwrap();
        let line = &report["trainees"][0]["sessions"][session.as_str()];
        assert_eq!(line["status"], "present", "{report}");
        assert_eq!(line["corrected"], "请假条已交 sick note");

        let csv = dir.path().join("考勤.csv");
        let written = invoke(
            &app,
            "export_attendance",
            serde_json::json!({"eventId": event, "path": csv.display().to_string(), "format": "csv"}),
        )
        .unwrap();
        assert_eq!(written, csv.display().to_string());
        assert!(std::fs::read_to_string(&csv).unwrap().contains("张丽华"));
        let xlsx = dir.path().join("考勤.xlsx");
        invoke(&app, "export_attendance", serde_json::json!({"eventId": event, "path": xlsx.display().to_string(), "format": "xlsx"}))
            .unwrap();
        assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK", "an xlsx is a zip");
        let err = invoke(&app, "export_attendance", serde_json::json!({"eventId": event, "path": "x.pdf", "format": "pdf"}))
            .unwrap_err();
        assert_eq!(err["code"], "invalid_input");
    }

    #[test]
    fn sync_settings_keep_the_token_inside_and_failures_are_statuses() {
        let dir = TempDir::new("sync_settings");
        let app = app(dir.path());

        // Not configured: idle, nothing to sync with.
        let s = invoke(&app, "sync_status", serde_json::json!({})).unwrap();
        assert_eq!((s["state"].as_str(), s["configured"].as_bool()), (Some("idle"), Some(false)), "{s}");
        let err = invoke(&app, "sync_now", serde_json::json!({})).unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{err}");
        let err = invoke(&app, "save_sync_settings", serde_json::json!({"url": "ftp://x", "token": "t"})).unwrap_err();
        assert_eq!(err["field"], "url", "{err}");

        // A port nothing listens on.
        let url = "http://127.0.0.1:9";
        let saved = invoke(&app, "save_sync_settings", serde_json::json!({"url": url, "token": "secret-token"})).unwrap();
        assert_eq!(saved, serde_json::json!({"url": url, "has_token": true}));
        // Beside the store, the same file the `muster` CLI reads after `muster join`.
        let config = muster_sync::config::path_for(&dir.path().join("muster.db"));
        assert_eq!(config.file_name().unwrap(), "muster.db.sync.json");
        let file = std::fs::read_to_string(&config).unwrap();
        assert!(file.contains("secret-token"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&config).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "sync.json is private: {mode:o}");
        }
        // An empty token keeps the stored one; the token never comes back.
        let kept = invoke(&app, "save_sync_settings", serde_json::json!({"url": url, "token": ""})).unwrap();
        assert_eq!(kept["has_token"], true);
        let shown = invoke(&app, "sync_settings", serde_json::json!({})).unwrap();
        assert!(!shown.to_string().contains("secret-token"), "{shown}");

        invoke(&app, "create_demo_event", serde_json::json!({})).unwrap();
        let test = invoke(&app, "test_sync_connection", serde_json::json!({"url": url, "token": null})).unwrap();
        assert_eq!((test["ok"].as_bool(), test["error_code"].as_str()), (Some(false), Some("unreachable")), "{test}");
        let status = invoke(&app, "sync_now", serde_json::json!({})).unwrap();
        assert_eq!(status["state"], "offline", "{status}");
        assert_eq!(status["error_code"], "unreachable");
        assert!(status["pending"].as_u64().unwrap() > 0, "the demo event waits: {status}");
        assert!(!status.to_string().contains("secret-token"), "{status}");
        let again = invoke(&app, "sync_status", serde_json::json!({})).unwrap();
        assert_eq!(again["state"], "offline");
        assert_eq!(again["pending"], status["pending"]);
    }

    #[test]
    fn a_sync_file_carries_an_event_to_another_laptop() {
        let (a_dir, b_dir) = (TempDir::new("sync_file_a"), TempDir::new("sync_file_b"));
        let (a, b) = (app(a_dir.path()), app(b_dir.path()));
        let demo = invoke(&a, "create_demo_event", serde_json::json!({})).unwrap();
        let file = a_dir.path().join("muster.sync");
        let path = file.display().to_string();
        let written = invoke(&a, "export_sync_file", serde_json::json!({"path": path})).unwrap();
        assert_eq!((written["file"].as_str(), written["encrypted"].as_bool()), (Some(path.as_str()), Some(false)), "a plain store: {written}");
        let n = written["changes"].clone();
        assert!(n.as_u64().unwrap() > 10, "{n}");
        let new = invoke(&b, "import_sync_file", serde_json::json!({"path": path})).unwrap();
        assert_eq!(new, n);
        let events = invoke(&b, "list_events", serde_json::json!({})).unwrap();
        assert_eq!(events[0]["id"], demo["id"]);
        assert_eq!(invoke(&b, "import_sync_file", serde_json::json!({"path": path})).unwrap(), 0, "idempotent");
        let err = invoke(&b, "import_sync_file", serde_json::json!({"path": b_dir.path().join("none").display().to_string()})).unwrap_err();
        assert_eq!(err["code"], "io", "{err}");
    }

    #[test]
    fn certificates_eligibility_override_issue_verify_reprint() {
        let dir = TempDir::new("certificates");
        let app = app(dir.path());
        let demo = invoke(&app, "create_demo_event", serde_json::json!({})).unwrap();
        let event = demo["id"].as_str().unwrap();

        let report = invoke(&app, "certificate_eligibility", serde_json::json!({"eventId": event})).unwrap();
        let first = report["trainees"][0].clone();
        assert_eq!(first["eligible"], false, "nobody attended yet: {first}");
        assert!(first["reason"].as_str().unwrap().contains("attended 0"), "{first}");
        let trainee = first["trainee_id"].as_str().unwrap();

        // Nobody eligible: nothing is printed, nothing written (as the CLI).
        let pdf = dir.path().join("certificates.pdf").display().to_string();
        let none = invoke(&app, "issue_certificates", serde_json::json!({"eventId": event, "path": pdf, "reason": null})).unwrap();
        assert_eq!((none["issued"].as_u64(), none["files"].as_array().map(Vec::len)), (Some(0), Some(0)), "{none}");
        assert!(!std::path::Path::new(&pdf).exists(), "no PDF for nobody");

        // An override needs a reason; with one it is recorded.
        let no = serde_json::json!({"eventId": event, "traineeId": trainee, "eligible": true, "reason": " "});
        assert_eq!(invoke(&app, "override_eligibility", no).unwrap_err()["field"], "reason");
        let o = invoke(&app, "override_eligibility", serde_json::json!({"eventId": event, "traineeId": trainee, "eligible": true, "reason": "补课已完成"})).unwrap();
        assert_eq!(o["eligible"], true);
        let report = invoke(&app, "certificate_eligibility", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(report["eligible"], 1, "{report}");
        assert_eq!(report["trainees"][0]["override"]["reason"], "补课已完成");

        let issued = invoke(&app, "issue_certificates", serde_json::json!({"eventId": event, "path": pdf, "reason": null})).unwrap();
        assert_eq!((issued["issued"].as_u64(), issued["new"].as_u64()), (Some(1), Some(1)), "{issued}");
        assert_eq!(&std::fs::read(&pdf).unwrap()[..5], b"%PDF-");
        let code = issued["certificates"][0]["code"].as_str().unwrap().to_string();
        let cert = issued["certificates"][0]["id"].as_str().unwrap().to_string();
        // Printing them again is a reprint: it needs a reason.
        let err = invoke(&app, "issue_certificates", serde_json::json!({"eventId": event, "path": pdf, "reason": ""})).unwrap_err();
        assert_eq!((err["field"].as_str(), err["kind"].as_str()), (Some("reason"), Some("reason_required")), "{err}");

        let v = invoke(&app, "verify_certificate", serde_json::json!({"code": code})).unwrap();
        assert_eq!((v["valid"].as_bool(), v["known_here"].as_bool()), (Some(true), Some(true)), "{v}");
        assert_eq!(v["name"], first["name"]);
        let bad = invoke(&app, "verify_certificate", serde_json::json!({"code": "NOT-A-CODE"})).unwrap();
        assert_eq!(bad["valid"], false);
        assert!(bad["reason"].is_string(), "{bad}");

        let again = dir.path().join("reprint.pdf").display().to_string();
        let err = invoke(&app, "reprint_certificate", serde_json::json!({"certificateId": cert, "reason": "", "path": again})).unwrap_err();
        assert_eq!(err["kind"], "reason_required", "{err}");
        let done = invoke(&app, "reprint_certificate", serde_json::json!({"certificateId": cert, "reason": "遗失 lost", "path": again})).unwrap();
        assert_eq!(done["prints"][0]["kind"], "reprint", "{done}");
        assert_eq!(done["file"], again.as_str());
        let prints = invoke(&app, "certificate_prints", serde_json::json!({"eventId": event})).unwrap();
        assert_eq!(prints.as_array().unwrap().len(), 2, "{prints}");
    }

    #[test]
    fn a_paper_is_keyed_one_key_at_a_time_and_saved() {
        let dir = TempDir::new("keying");
        let app = app(dir.path());
        let demo = invoke(&app, "create_demo_event", serde_json::json!({})).unwrap();
        let event = demo["id"].as_str().unwrap();
        let xls = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/fixtures/form-text-integer.xlsx").display().to_string();
        let form = invoke(&app, "import_form", serde_json::json!({"eventId": event, "path": xls, "doubleEntry": false})).unwrap();
        let form_id = form["id"].as_str().unwrap();
        assert_eq!(invoke(&app, "list_forms", serde_json::json!({"eventId": event})).unwrap()[0]["id"], form_id);

        let start = invoke(&app, "keying_start", serde_json::json!({"formId": form_id, "entry": "first", "keyer": "e2e"})).unwrap();
        let sid = start["session_id"].as_str().unwrap().to_string();
        assert_eq!(start["screen"]["stage"], "paper", "{start}");
        let press = |key: &str| invoke(&app, "keying_press", serde_json::json!({"sessionId": sid, "key": key})).unwrap();
        // Driven by the screen: the paper ID (Enter again confirms one
        // outside any batch), then a word for text, a number for integers.
        let mut screen = start["screen"].clone();
        let mut last = serde_json::Value::Null;
        for _ in 0..20 {
            let keys: Vec<String> = match screen["stage"].as_str().unwrap() {
                "paper" if screen["paper_id"] == "" => vec!["1".into(), "Enter".into()],
                "paper" => vec!["Enter".into()],
                // The complete paper is shown for review: Enter saves it.
                "complete" => {
                    assert_eq!(last["step"]["kind"], "review", "the last answer shows the review, it does not save: {last}");
                    vec!["Enter".into()]
                }
                _ if screen["kind"] == "integer" => vec!["7".into(), "Enter".into()],
                _ => vec!["o".into(), "k".into(), "Enter".into()],
            };
            for k in keys {
                last = press(&k);
            }
            if !last["saved"].is_null() {
                break;
            }
            screen = last["screen"].clone();
        }
        let saved = &last["saved"];
        assert_eq!(saved["keyed"]["paper_id"], "1", "{last}");
        assert!(saved["keyed"]["keystrokes"].as_u64().unwrap() >= 4, "{saved}");
        assert_eq!(last["screen"]["stage"], "paper", "the next paper begins: {last}");
        let err = invoke(&app, "keying_press", serde_json::json!({"sessionId": sid, "key": "xy"})).unwrap_err();
        assert_eq!(err["field"], "key");
        invoke(&app, "keying_end", serde_json::json!({"sessionId": sid})).unwrap();
        let err = invoke(&app, "keying_press", serde_json::json!({"sessionId": sid, "key": "1"})).unwrap_err();
        assert_eq!(err["code"], "not_found");
    }

    #[test]
    fn batches_double_entry_and_the_portrait_over_ipc() {
        let dir = TempDir::new("portrait");
        let app = app(dir.path());
        let demo = invoke(&app, "create_demo_event", serde_json::json!({})).unwrap();
        let event = demo["id"].as_str().unwrap();
        let xls = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/fixtures/form-portrait.xlsx").display().to_string();
        let form = invoke(&app, "import_form", serde_json::json!({"eventId": event, "path": xls, "doubleEntry": true})).unwrap();
        let form_id = form["id"].as_str().unwrap().to_string();
        let f = |extra: serde_json::Value| {
            let mut v = serde_json::json!({"formId": form_id});
            v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            v
        };
        let batch = invoke(&app, "add_batch", f(serde_json::json!({"name": "第二天 A", "count": 3, "first": "A001"}))).unwrap();
        assert_eq!(batch["first_paper"], "A001");
        assert_eq!(invoke(&app, "add_batch", f(serde_json::json!({"name": "x", "count": 0}))).unwrap_err()["field"], "count");
        assert_eq!(invoke(&app, "list_batches", f(serde_json::json!({}))).unwrap().as_array().unwrap().len(), 1);

        // Key A001 (yes, 30, 农民) first by 李, second by 王 with age 31.
        let key_paper = |entry: &str, keyer: &str, age: &str| {
            let start = invoke(&app, "keying_start", f(serde_json::json!({"entry": entry, "keyer": keyer, "batch": "第二天 A"}))).unwrap();
            let sid = start["session_id"].as_str().unwrap().to_string();
            let mut last = serde_json::Value::Null;
            let keys: Vec<String> = ["Enter", "1"].iter().map(|s| s.to_string())
                .chain(age.chars().map(String::from)).chain(["Enter".into()]).chain("农民".chars().map(String::from)).chain(["Enter".into(), "Enter".into()]).collect();
            for k in keys {
                last = invoke(&app, "keying_press", serde_json::json!({"sessionId": sid, "key": k})).unwrap();
            }
            assert_eq!(last["saved"]["keyed"]["paper_id"], "A001", "{last}");
            assert_eq!(last["saved"]["keyed"]["answers"]["job"], "农民", "{last}");
        };
        key_paper("first", "李", "30");
        let status = invoke(&app, "batch_status", f(serde_json::json!({"batch": "第二天 A", "entry": "first"}))).unwrap();
        assert_eq!((status["keyed"].as_u64(), status["missing"].clone()), (Some(1), serde_json::json!(["A002", "A003"])), "{status}");
        key_paper("second", "王", "31");

        let diff = invoke(&app, "responses_diff", f(serde_json::json!({}))).unwrap();
        let d = &diff["differences"][0];
        assert_eq!((d["field"].as_str(), d["first"].as_str(), d["second"].as_str()), (Some("age"), Some("30"), Some("31")), "{diff}");
        let pending = invoke(&app, "form_portrait", f(serde_json::json!({}))).unwrap();
        assert_eq!((pending["included"].as_u64(), pending["pending"].as_u64()), (Some(0), Some(1)), "{pending}");
        let r = invoke(&app, "resolve_difference", f(serde_json::json!({"paper": "A001", "field": "age", "value": "31", "by": "张主管"}))).unwrap();
        assert_eq!((r["value"].as_str(), r["by"].as_str()), (Some("31"), Some("张主管")));
        assert_eq!(invoke(&app, "responses_diff", f(serde_json::json!({}))).unwrap()["unresolved"], 0);

        let p = invoke(&app, "form_portrait", f(serde_json::json!({}))).unwrap();
        assert_eq!(p["included"], 1, "{p}");
        let valuable = p["questions"].as_array().unwrap().iter().find(|q| q["name"] == "valuable").unwrap();
        assert_eq!((valuable["choices"][0]["count"].as_u64(), valuable["choices"][0]["percent"].as_f64()), (Some(1), Some(100.0)), "{valuable}");
        let stats = invoke(&app, "keyer_stats", f(serde_json::json!({}))).unwrap();
        assert_eq!(stats.as_array().unwrap().len(), 2, "{stats}");

        let pdf = dir.path().join("画像.pdf").display().to_string();
        assert_eq!(invoke(&app, "export_portrait", f(serde_json::json!({"path": pdf, "format": "pdf"}))).unwrap(), pdf.as_str());
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
        let xlsx = dir.path().join("画像.xlsx").display().to_string();
        invoke(&app, "export_portrait", f(serde_json::json!({"path": xlsx, "format": "xlsx"}))).unwrap();
        assert!(std::fs::metadata(&xlsx).unwrap().len() > 0);
        assert_eq!(invoke(&app, "export_portrait", f(serde_json::json!({"path": xlsx, "format": "doc"}))).unwrap_err()["field"], "format");
    }
}
