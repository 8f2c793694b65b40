//! Users and roles on a shared laptop over IPC (issue 7): who is signed in,
//! the PIN screen (sign-in choices, sign in, lock / switch user), the Users
//! screen (add, PIN, role, disable, idle-lock minutes), the audit log and
//! its CSV export, the end-of-day backup reminder and "back up now".
//!
//! The commands are one-liners into `muster_core::Muster`, which checks the
//! role of the signed-in user in every method. This module adds what only
//! the running app has: **the idle lock**. [`AppState`] remembers when the
//! last command came; a command arriving after more than the idle-lock
//! minutes (on a laptop with users) locks first and fails with `locked`, so
//! the lock holds even if the UI's own timer did not fire. Polls that run
//! without anyone touching the laptop (the sync badge, the backup reminder,
//! this session info) use [`AppState::quiet`]: they lock when the time is up
//! but never count as activity. The UI reports input with `touch`.
//!
//! When the store opens (or is unlocked by its passphrase) on a laptop that
//! has users, nobody is signed in until a PIN is entered.

use std::path::Path;
use std::time::{Duration, Instant};

use muster_core::access::{Action, Actor, Role};
use muster_core::backup::Reminder;
use muster_core::export::ExportedFile;
use muster_core::audit::{AuditEntry, AuditFilter};
use muster_core::users::{PinChoice, User};
use muster_core::{Error, ErrorPayload, Muster};
use serde::Serialize;
use tauri::State;

use crate::AppState;

/// **Test hook**: how many seconds one idle-lock "minute" lasts
/// (default 60). The end-to-end test sets it to a few seconds so that the
/// idle lock can be watched without waiting minutes; never set it for real
/// use.
pub const IDLE_MINUTE_ENV: &str = "MUSTER_IDLE_MINUTE_SECS";

/// The length of one idle-lock minute: `value` seconds (from
/// [`IDLE_MINUTE_ENV`]) when it is a positive number, else 60 s.
pub fn idle_minute_from(value: Option<&str>) -> Duration {
    let secs = value.and_then(|v| v.trim().parse::<u64>().ok()).filter(|s| *s > 0).unwrap_or(60);
    Duration::from_secs(secs)
}

/// The idle-lock minute of this process (see [`IDLE_MINUTE_ENV`]).
pub(crate) fn idle_minute() -> Duration {
    idle_minute_from(std::env::var(IDLE_MINUTE_ENV).ok().as_deref())
}

/// A store just opened: on a laptop with users nobody is signed in until
/// someone enters their PIN.
pub(crate) fn start_locked(m: &mut Muster) {
    if m.has_users().unwrap_or(true) {
        m.lock();
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// How long the laptop may sit without input before it locks; `None`
    /// for never (no users, or 0 minutes).
    fn idle_limit(&self, m: &Muster) -> Option<Duration> {
        let minutes = m.idle_lock_minutes().unwrap_or(5);
        (minutes > 0 && m.has_users().unwrap_or(false)).then(|| self.idle_minute * minutes)
    }

    /// Locks `m` when the laptop sat idle for longer than its idle-lock
    /// time; `true` when it did so now. With `active`, this command counts
    /// as input (the idle time starts again).
    pub(crate) fn idle_check(&self, m: &mut Muster, active: bool) -> bool {
        let now = Instant::now();
        let mut last = lock(&self.last_active);
        let idle = now.saturating_duration_since(*last);
        // The shortest idle lock is one minute: below that no query at all.
        let expired = m.actor().is_some() && idle > self.idle_minute && self.idle_limit(m).is_some_and(|limit| idle > limit);
        if expired {
            m.lock();
        }
        if active || expired {
            *last = now;
        }
        expired
    }

    /// Runs `f` for a poll that nobody triggered by hand (the sync badge,
    /// the backup reminder, the session info): it locks when the idle time
    /// is up, but does not count as activity and does not fail for it.
    pub(crate) fn quiet<T>(&self, f: impl FnOnce(&mut Muster) -> Result<T, Error>) -> Result<T, ErrorPayload> {
        self.with_store(|m| {
            self.idle_check(m, false);
            f(m)
        })
    }

    /// Uses the idle-lock minute `minute` instead of the process's (tests).
    #[cfg(test)]
    pub(crate) fn set_idle_minute(&mut self, minute: Duration) {
        self.idle_minute = minute;
    }
}

/// What the header and the PIN screen need to know.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SessionInfo {
    /// Who is signed in; `None` while the PIN screen is due. On a laptop
    /// without users everybody acts as the admin `admin`.
    pub actor: Option<Actor>,
    /// Whether this laptop has users (then PINs are on).
    pub has_users: bool,
    /// The idle-lock setting in minutes (0 = never).
    pub idle_lock_minutes: u32,
    /// The same in real seconds (see [`IDLE_MINUTE_ENV`]); 0 = never.
    pub idle_lock_secs: u64,
    /// Whether the store is encrypted (exports are sealed unless plain).
    pub encrypted: bool,
    /// This laptop's device id (the audit log's "laptop").
    pub device_id: String,
}

crate::commands! {
    /// Who is signed in, whether PINs are on, the idle lock, encryption. A
    /// poll: never counts as activity.
    pub async fn session_info(state: State<'_, AppState>; ) -> SessionInfo {
        let minute = state.idle_minute;
        state.quiet(|m| {
            let idle_lock_minutes = m.idle_lock_minutes()?;
            Ok(SessionInfo {
                actor: m.actor().cloned(),
                has_users: m.has_users()?,
                idle_lock_minutes,
                idle_lock_secs: minute.as_secs() * idle_lock_minutes as u64,
                encrypted: m.encrypted(),
                device_id: m.device_id().to_string(),
            })
        })
    }

    /// Input in the window (keys, mouse, a scanner) that sent no command: the
    /// idle time starts again. After the idle time it fails with `locked`.
    pub async fn touch(state: State<'_, AppState>; ) -> () {
        state.with(|_| Ok(()))
    }

    /// The active users to pick on the PIN screen (readable while locked).
    pub async fn sign_in_choices(state: State<'_, AppState>; ) -> Vec<PinChoice> {
        state.quiet(|m| m.sign_in_choices())
    }

    /// Signs `user` (id or name) in with `pin`: the quick switch. A wrong PIN
    /// is `invalid_input` with field `pin`; five in a row lock the user out for
    /// a minute (`locked`).
    pub async fn sign_in(state: State<'_, AppState>; user: String, pin: String) -> Actor {
        let actor = state.quiet(|m| m.sign_in(&user, &pin))?;
        state.with(|_| Ok(()))?; // the idle time starts now
        Ok(actor)
    }

    /// Signs out ("Switch user", Ctrl+L, the UI's idle timer): nobody is signed
    /// in until the next PIN. On a laptop without users it changes nothing.
    pub async fn lock_session(state: State<'_, AppState>; ) -> () {
        state.quiet(|m| {
            if m.has_users()? {
                m.lock();
            }
            Ok(())
        })
    }

    /// Every user, disabled ones last (admin).
    pub async fn list_users(state: State<'_, AppState>; ) -> Vec<User> {
        state.with(|m| m.users())
    }

    /// Adds a user (admin). The first user of a laptop must be an admin: adding
    /// them turns PINs on, and they are signed in at once.
    pub async fn add_user(state: State<'_, AppState>; name: String, role: Role, pin: String) -> User {
        state.with(|m| {
            let first = !m.has_users()?;
            let user = m.add_user(&name, role, &pin)?;
            if first {
                m.sign_in(&user.id, &pin)?;
            }
            Ok(user)
        })
    }

    /// Sets a user's new PIN: an admin for anyone, a user for themselves.
    pub async fn set_user_pin(state: State<'_, AppState>; user: String, pin: String) -> User {
        state.with(|m| m.set_user_pin(&user, &pin))
    }

    /// Changes a user's role (admin); the last admin stays an admin.
    pub async fn set_user_role(state: State<'_, AppState>; user: String, role: Role) -> User {
        state.with(|m| m.set_user_role(&user, role))
    }

    /// Disables a user (admin); kept for the audit log.
    pub async fn disable_user(state: State<'_, AppState>; user: String) -> User {
        state.with(|m| m.disable_user(&user))
    }

    /// Sets the idle-lock minutes (admin; 0 = never).
    pub async fn set_idle_lock_minutes(state: State<'_, AppState>; minutes: u32) -> u32 {
        state.with(|m| m.set_idle_lock_minutes(minutes))
    }

    /// Lines of the audit log, oldest first (admin): one event's or all, by
    /// action and user, at most `limit` of the newest (0 or none = all).
    pub async fn audit_log(state: State<'_, AppState>; event_id: Option<String>, action: Option<String>, user: Option<String>, limit: Option<usize>) -> Vec<AuditEntry> {
        let f = filter(event_id, action, user, limit);
        state.with(|m| m.audit(&f))
    }

    /// Writes the audit lines (same filter) as CSV to `path`: an export, so an
    /// encrypted store seals it to `path.zip` unless `plain`. Returns the file
    /// really written and whether it is encrypted.
    pub async fn export_audit(state: State<'_, AppState>; path: String, plain: Option<bool>, event_id: Option<String>, action: Option<String>, user: Option<String>) -> ExportedFile {
        let f = filter(event_id, action, user, None);
        state.with(|m| m.export_audit(&f, Path::new(&path), plain.unwrap_or(false)))
    }

    /// Whether to remind the coordinator to back up now (a poll: admins and
    /// coordinators; never counts as activity).
    pub async fn backup_reminder(state: State<'_, AppState>; ) -> Reminder {
        state.quiet(|m| {
            m.allow(Action::Backup)?;
            m.backup_reminder(None)
        })
    }

    /// Backs the store up to `path` (a USB stick), encrypted like the store.
    pub async fn backup_now(state: State<'_, AppState>; path: String) -> BackupDone {
        if path.trim().is_empty() {
            return Err(Error::invalid_at("choose where to save the backup", None, None, Some("path")).to_payload());
        }
        state.with(|m| m.backup(Path::new(&path))).map(|bytes| BackupDone { file: path, bytes })
    }
}

fn filter(event_id: Option<String>, action: Option<String>, user: Option<String>, limit: Option<usize>) -> AuditFilter {
    let some = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    AuditFilter { event_id: some(event_id), action: some(action), user: some(user), since: None, limit: limit.unwrap_or(0) }
}

/// A backup as written.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BackupDone {
    pub file: String,
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{app, invoke, TempDir};
    use muster_core::users::MAX_WRONG_PINS;
    use crate::{setup, AppState};
    use serde_json::{json, Value};
    use tauri::test::{mock_builder, mock_context, noop_assets};
    use Role::{Admin, Coordinator, Keyer};

    type App = tauri::App<tauri::test::MockRuntime>;

    fn fixture(name: &str) -> String {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/fixtures").join(name).display().to_string()
    }

    fn ok(app: &App, cmd: &str, args: Value) -> Value {
        invoke(app, cmd, args.clone()).unwrap_or_else(|e| panic!("{cmd} {args}: {e}"))
    }

    fn code(r: &Result<Value, Value>) -> Option<&str> {
        r.as_ref().err().map(|e| e["code"].as_str().unwrap_or("(not a typed error)"))
    }

    /// Commands that touch no data, or that the PIN screen and the header
    /// need while nobody is signed in.
    const OPEN: &[&str] = &[
        "app_info", "store_locked", "store_encrypted", "unlock", "session_info", "touch", "sign_in_choices", "sign_in",
        "lock_session", "sync_status", "keying_end",
    ];

    /// The registered commands, as the `commands!` declarations list them.
    fn registered() -> Vec<String> {
        crate::command_names().into_iter().map(str::to_string).collect()
    }

    /// Role permission tests per command: every registered command that
    /// touches data, as data: its arguments and the roles that may run it.
    /// Each role signs in by PIN over IPC; a role not listed gets
    /// `{code: "forbidden"}`, a listed one anything but `forbidden`/`locked`;
    /// with nobody signed in every one of them is `{code: "locked"}`.
    #[test]
    fn every_command_checks_the_role() {
        let dir = TempDir::new("roles");
        let app = app(dir.path());
        let path = |name: &str| dir.path().join(name).display().to_string();

        // A laptop without users: everybody is its admin. Set the scene.
        let event = ok(&app, "create_demo_event", json!({}))["id"].as_str().unwrap().to_string();
        let session = ok(&app, "list_sessions", json!({"eventId": event}))[0]["id"].as_str().unwrap().to_string();
        let trainee = ok(&app, "roster", json!({"eventId": event}))[0]["id"].as_str().unwrap().to_string();
        let walk = |name: &str| ok(&app, "walk_in", json!({"eventId": event, "name": name, "phone": "13700000001", "idNumber": null}))["trainee"]["id"].as_str().unwrap().to_string();
        let (keep, other) = (walk("新人甲"), walk("新人甲"));
        // An event and a session of its own for the edits and removals.
        let spare = ok(&app, "create_event", json!({"event": {"name": "spare", "venue": "", "starts_on": "2026-12-05", "days": 1}}))["id"].as_str().unwrap().to_string();
        let spare_session = ok(&app, "add_session", json!({"eventId": spare, "session": {"title": "s", "starts_at": "2026-12-05T09:00", "ends_at": "2026-12-05T10:00"}}))["id"].as_str().unwrap().to_string();
        let form = ok(&app, "import_form", json!({"eventId": event, "path": fixture("form-text-integer.xlsx"), "doubleEntry": true}))["id"].as_str().unwrap().to_string();
        ok(&app, "add_batch", json!({"formId": form, "name": "A", "count": 2, "first": "A001"}));
        let keying = ok(&app, "keying_start", json!({"formId": form, "entry": "first"}))["session_id"].as_str().unwrap().to_string();
        ok(&app, "override_eligibility", json!({"eventId": event, "traineeId": trainee, "eligible": true, "reason": "补课"}));
        let issued = ok(&app, "issue_certificates", json!({"eventId": event, "path": path("c.pdf"), "reason": null}));
        let (cert, cert_code) = (issued["certificates"][0]["id"].clone(), issued["certificates"][0]["code"].clone());
        let url = "http://127.0.0.1:9";
        ok(&app, "save_sync_settings", json!({"url": url, "token": "t"}));
        let sync_file = path("x.sync");
        ok(&app, "export_sync_file", json!({"path": sync_file}));
        for (name, role, pin) in [("Ana", "admin", "1111"), ("Chen", "coordinator", "2222"), ("Kim", "keyer", "3333"), ("Tmp", "keyer", "4444"), ("Tmp2", "keyer", "5555")] {
            ok(&app, "add_user", json!({"name": name, "role": role, "pin": pin}));
        }

        const A: &[Role] = &[Admin];
        const AC: &[Role] = &[Admin, Coordinator];
        const AK: &[Role] = &[Admin, Keyer];
        const ALL: &[Role] = &[Admin, Coordinator, Keyer];
        let e = || event.clone();
        let mark = json!({"eventId": e(), "sessionId": session, "traineeId": trainee, "code": null, "at": null, "force": true, "source": "search"});
        let table: Vec<(&str, Value, &[Role])> = vec![
            ("list_events", json!({}), ALL),
            ("get_event", json!({"eventId": e()}), ALL),
            ("create_event", json!({"event": {"name": "x", "venue": "y", "starts_on": "2026-12-05", "days": 1}}), A),
            ("create_demo_event", json!({}), A),
            ("list_sessions", json!({"eventId": e()}), ALL),
            ("add_session", json!({"eventId": e(), "session": {"title": "s", "starts_at": "2026-12-05T09:00", "ends_at": "2026-12-05T10:00"}}), A),
            ("add_half_day_sessions", json!({"eventId": spare}), A),
            ("edit_trainee", json!({"traineeId": trainee, "patch": {"occupation": "农民"}}), AC),
            ("edit_session", json!({"sessionId": spare_session, "patch": {"title": "t2", "starts_at": null, "ends_at": null}}), A),
            ("edit_event", json!({"eventId": spare, "patch": {"name": "spare 2", "venue": null, "starts_on": null, "days": null}}), A),
            ("list_programmes", json!({}), ALL),
            ("create_programme", json!({"name": "4IR", "description": null}), A),
            ("programme_show", json!({"programmeId": "4IR"}), ALL),
            ("create_event_in", json!({"event": {"name": "stop", "venue": "", "starts_on": "2026-12-05", "days": 1}, "programmeId": "4IR"}), A),
            ("close_event", json!({"eventId": spare}), A),
            ("reopen_event", json!({"eventId": spare}), A),
            ("purge_event", json!({"eventId": spare}), A),
            ("trainee_history", json!({"traineeId": trainee}), AC),
            ("sync_events", json!({}), AC),
            ("set_sync_events", json!({"events": null}), AC),
            ("delete_session", json!({"sessionId": spare_session, "force": true}), A),
            ("delete_event", json!({"eventId": spare, "force": true}), A),
            ("roster", json!({"eventId": e()}), AC),
            ("search_roster", json!({"eventId": e(), "query": "王"}), AC),
            ("preview_roster", json!({"path": fixture("roster-gb18030.csv")}), A),
            ("import_roster", json!({"eventId": e(), "path": fixture("roster-gb18030.csv"), "dryRun": true}), A),
            ("save_rejects", json!({"srcPath": fixture("roster-gb18030.csv"), "destPath": path("rejects.csv")}), A),
            ("search", json!({"eventId": e(), "query": "王"}), AC),
            ("check_in", mark.clone(), AC),
            ("check_out", mark.clone(), AC),
            ("door_search", json!({"eventId": e(), "query": "王"}), AC),
            ("undo_check_in", json!({"eventId": e(), "sessionId": session, "traineeId": trainee, "code": null, "reason": "误扫"}), AC),
            ("walk_in", json!({"eventId": e(), "name": "路人", "phone": null, "idNumber": null}), AC),
            ("possible_duplicates", json!({"eventId": e()}), AC),
            ("merge_trainees", json!({"keep": keep, "other": other}), AC),
            ("attendance_report", json!({"eventId": e()}), AC),
            ("close_session", json!({"eventId": e(), "sessionId": session}), AC),
            ("dashboard", json!({"eventId": e()}), AC),
            ("correct_attendance", json!({"eventId": e(), "sessionId": session, "traineeId": trainee, "status": "present", "hours": null, "reason": "bus"}), AC),
            ("export_attendance", json!({"eventId": e(), "path": path("a.csv"), "format": "csv"}), AC),
            ("sync_settings", json!({}), AC),
            ("save_sync_settings", json!({"url": url, "token": null}), AC),
            ("sync_now", json!({}), AC),
            ("sync_quarantine", json!({}), AC),
            ("organisation", json!({}), AC),
            ("join_organisation", json!({"code": "MJ1 not a code"}), AC),
            ("test_sync_connection", json!({"url": url, "token": null}), AC),
            ("export_sync_file", json!({"path": path("y.sync")}), AC),
            ("import_sync_file", json!({"path": sync_file}), AC),
            ("certificate_eligibility", json!({"eventId": e()}), AC),
            ("override_eligibility", json!({"eventId": e(), "traineeId": trainee, "eligible": true, "reason": "补课"}), AC),
            ("issue_certificates", json!({"eventId": e(), "path": path("d.pdf"), "reason": "again"}), AC),
            ("reprint_certificate", json!({"certificateId": cert, "reason": "lost", "path": path("r.pdf")}), AC),
            ("latin_names", json!({"eventId": e()}), AC),
            ("confirm_latin_names", json!({"eventId": e(), "names": [{"trainee_id": trainee, "latin": "WANG Sumei"}]}), AC),
            ("certificate_prints", json!({"eventId": e()}), AC),
            ("verify_certificate", json!({"code": cert_code}), AC),
            ("list_forms", json!({"eventId": e()}), ALL),
            ("import_form", json!({"eventId": e(), "path": fixture("form-text-integer.xlsx"), "doubleEntry": false}), A),
            ("import_form_template", json!({"eventId": e(), "doubleEntry": false}), A),
            ("set_double_entry", json!({"formId": form, "on": true}), A),
            ("save_form_template", json!({"path": path("t.xlsx")}), A),
            ("keying_start", json!({"formId": form, "entry": "first"}), AK),
            ("keying_press", json!({"sessionId": keying, "key": "1"}), AK),
            ("keying_correct", json!({"sessionId": keying, "paper": "A001", "reason": "typo"}), AK),
            ("add_batch", json!({"formId": form, "name": "B", "count": 1}), A),
            ("list_batches", json!({"formId": form}), AK),
            ("batch_status", json!({"formId": form, "batch": "A", "entry": "first"}), AK),
            ("responses_diff", json!({"formId": form}), AC),
            ("resolve_difference", json!({"formId": form, "paper": "A001", "field": "age", "value": "1", "by": "x"}), A),
            ("keyer_stats", json!({"formId": form}), AC),
            ("form_portrait", json!({"formId": form}), AC),
            ("export_portrait", json!({"formId": form, "path": path("p.xlsx"), "format": "xlsx"}), AC),
            ("list_users", json!({}), A),
            ("add_user", json!({"name": "New", "role": "keyer", "pin": "6666"}), A),
            // Anyone may set their own PIN: here Kim's.
            ("set_user_pin", json!({"user": "Kim", "pin": "3333"}), AK),
            ("set_user_role", json!({"user": "Tmp2", "role": "coordinator"}), A),
            ("disable_user", json!({"user": "Tmp"}), A),
            ("set_idle_lock_minutes", json!({"minutes": 5}), A),
            ("audit_log", json!({"action": "user_add"}), A),
            ("export_audit", json!({"path": path("audit.csv")}), A),
            ("backup_reminder", json!({}), AC),
            ("backup_now", json!({"path": path("backup.db")}), AC),
        ];

        // Every registered command has a row, or is one of the open ones.
        let rows: Vec<&str> = table.iter().map(|r| r.0).collect();
        let missing: Vec<String> = registered().into_iter().filter(|c| !rows.contains(&c.as_str()) && !OPEN.contains(&c.as_str())).collect();
        assert!(missing.is_empty(), "commands without a permission row: {missing:?}");

        let mut problems = Vec::new();
        for (who, pin, role) in [("Ana", "1111", Admin), ("Chen", "2222", Coordinator), ("Kim", "3333", Keyer)] {
            let actor = ok(&app, "sign_in", json!({"user": who, "pin": pin}));
            assert_eq!(actor["role"], role.as_str());
            for (cmd, args, roles) in &table {
                let got = invoke(&app, cmd, args.clone());
                let code = code(&got);
                let fine = if roles.contains(&role) {
                    // Ran: a result, or a typed error that is not a refusal.
                    !matches!(code, Some("forbidden" | "locked" | "(not a typed error)"))
                } else {
                    code == Some("forbidden")
                };
                if !fine {
                    problems.push(format!("{cmd} as {}: {}", role.as_str(), got.map_or_else(|e| e.to_string(), |_| "allowed".into())));
                }
            }
        }
        // Nobody signed in: locked, all of them.
        ok(&app, "lock_session", json!({}));
        for (cmd, args, _) in &table {
            let got = invoke(&app, cmd, args.clone());
            if code(&got) != Some("locked") {
                problems.push(format!("{cmd} with nobody signed in: {}", got.map_or_else(|e| e.to_string(), |_| "allowed".into())));
            }
        }
        assert!(problems.is_empty(), "{} problems:\n  {}", problems.len(), problems.join("\n  "));
        // The refusals wrote nothing: only the admin's walk-in and the
        // coordinator's are on the roster.
        ok(&app, "sign_in", json!({"user": "Ana", "pin": "1111"}));
        let roster = ok(&app, "roster", json!({"eventId": event}));
        assert_eq!(roster.as_array().unwrap().iter().filter(|t| t["name"] == "路人").count(), 2, "{roster}");
    }

    #[test]
    fn pins_sign_in_lock_and_switch() {
        let dir = TempDir::new("pins");
        let app = app(dir.path());
        // No users: PINs are off, everybody is the laptop's admin.
        let s = ok(&app, "session_info", json!({}));
        assert_eq!((s["has_users"].as_bool(), s["actor"]["name"].as_str(), s["actor"]["role"].as_str()), (Some(false), Some("admin"), Some("admin")), "{s}");
        assert_eq!(s["idle_lock_minutes"], 5);
        assert_eq!(s["encrypted"], false);
        ok(&app, "lock_session", json!({}));
        assert!(ok(&app, "session_info", json!({}))["actor"].is_object(), "no users: nothing to lock");

        // The first user must be an admin; adding them signs them in.
        let err = invoke(&app, "add_user", json!({"name": "Kim", "role": "keyer", "pin": "3333"})).unwrap_err();
        assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("role")), "{err}");
        ok(&app, "add_user", json!({"name": "Ana", "role": "admin", "pin": "1111"}));
        let s = ok(&app, "session_info", json!({}));
        assert_eq!((s["has_users"].as_bool(), s["actor"]["name"].as_str()), (Some(true), Some("Ana")), "{s}");
        ok(&app, "add_user", json!({"name": "Kim", "role": "keyer", "pin": "3333"}));
        let err = invoke(&app, "add_user", json!({"name": "Lee", "role": "keyer", "pin": "12"})).unwrap_err();
        assert_eq!(err["field"], "pin", "{err}");

        // Switch user: nobody is signed in, the PIN screen lists who may.
        ok(&app, "lock_session", json!({}));
        assert!(ok(&app, "session_info", json!({}))["actor"].is_null());
        assert_eq!(invoke(&app, "list_events", json!({})).unwrap_err()["code"], "locked");
        let choices = ok(&app, "sign_in_choices", json!({}));
        let names: Vec<&str> = choices.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Ana", "Kim"]);
        assert_eq!(choices[1]["role"], "keyer");
        assert_eq!(choices[1]["tries_left"], MAX_WRONG_PINS);

        // A wrong PIN: invalid_input on the field pin, one try fewer.
        let err = invoke(&app, "sign_in", json!({"user": "Kim", "pin": "0000"})).unwrap_err();
        assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("pin")), "{err}");
        let kim = |app: &App| ok(app, "sign_in_choices", json!({}))[1].clone();
        assert_eq!(kim(&app)["tries_left"], MAX_WRONG_PINS - 1);
        let actor = ok(&app, "sign_in", json!({"user": choices[1]["id"], "pin": "3333"}));
        assert_eq!((actor["name"].as_str(), actor["role"].as_str()), (Some("Kim"), Some("keyer")));
        assert_eq!(kim(&app)["tries_left"], MAX_WRONG_PINS, "a right PIN clears the count");
        assert_eq!(invoke(&app, "list_users", json!({})).unwrap_err()["code"], "forbidden");

        // Five wrong in a row: locked out, even with the right PIN.
        ok(&app, "lock_session", json!({}));
        for _ in 1..MAX_WRONG_PINS {
            assert_eq!(invoke(&app, "sign_in", json!({"user": "Kim", "pin": "0000"})).unwrap_err()["field"], "pin");
        }
        assert_eq!(invoke(&app, "sign_in", json!({"user": "Kim", "pin": "0000"})).unwrap_err()["code"], "locked");
        assert_eq!(invoke(&app, "sign_in", json!({"user": "Kim", "pin": "3333"})).unwrap_err()["code"], "locked");
        assert!(kim(&app)["locked_until"].is_string());

        // The audit log names the additions and the failures.
        ok(&app, "sign_in", json!({"user": "Ana", "pin": "1111"}));
        let log = ok(&app, "audit_log", json!({"action": "user_add"}));
        let added: Vec<&str> = log.as_array().unwrap().iter().map(|l| l["after"]["name"].as_str().unwrap()).collect();
        assert_eq!(added, ["Ana", "Kim"]);
        assert_eq!(log[1]["user"], "Ana");
        let failed = ok(&app, "audit_log", json!({"action": "sign_in_failed", "user": "Kim", "limit": 2}));
        assert_eq!(failed.as_array().unwrap().len(), 2);
        let csv = dir.path().join("audit.csv");
        let out = ok(&app, "export_audit", json!({"path": csv.display().to_string(), "plain": false}));
        assert_eq!((out["file"].as_str(), out["encrypted"].as_bool()), (Some(csv.display().to_string().as_str()), Some(false)), "a plain store: {out}");
        let text = std::fs::read_to_string(&csv).unwrap();
        assert!(text.starts_with('\u{feff}') && text.contains("user_add") && text.contains("Kim"), "{text}");
        let exported = ok(&app, "audit_log", json!({"action": "export"}));
        assert_eq!(exported[0]["after"]["kind"], "audit_csv", "the export is audited: {exported}");
    }

    fn app_with_idle_minute(dir: &Path, minute: Duration) -> App {
        let mut state = AppState::open(&dir.join("muster.db")).unwrap();
        state.set_idle_minute(minute);
        setup(mock_builder(), state).build(mock_context(noop_assets())).unwrap()
    }

    /// The idle lock in the backend: with the test hook's short minute, a
    /// command after the idle time locks and fails with `locked`; polls
    /// never count as activity, `touch` (input in the window) does.
    #[test]
    fn the_backend_locks_after_the_idle_time() {
        let dir = TempDir::new("idle");
        let minute = Duration::from_millis(120);
        let app = app_with_idle_minute(dir.path(), minute);
        ok(&app, "add_user", json!({"name": "Ana", "role": "admin", "pin": "1111"}));
        ok(&app, "set_idle_lock_minutes", json!({"minutes": 1}));
        assert_eq!(ok(&app, "session_info", json!({}))["idle_lock_secs"], 0, "120 ms, in whole seconds");

        // Commands and touches keep it open.
        for _ in 0..6 {
            std::thread::sleep(minute / 3);
            ok(&app, "touch", json!({}));
        }
        ok(&app, "list_events", json!({}));
        // Polls do not.
        for _ in 0..6 {
            std::thread::sleep(minute / 3);
            ok(&app, "sync_status", json!({}));
        }
        let s = ok(&app, "session_info", json!({}));
        assert!(s["actor"].is_null(), "a poll after the idle time locks: {s}");
        assert_eq!(invoke(&app, "list_events", json!({})).unwrap_err()["code"], "locked");
        ok(&app, "sign_in", json!({"user": "Ana", "pin": "1111"}));
        ok(&app, "list_events", json!({}));
        // A command after the idle time: locked, not run.
        std::thread::sleep(minute * 2);
        let err = invoke(&app, "create_event", json!({"event": {"name": "x", "venue": "", "starts_on": "2026-12-05", "days": 1}})).unwrap_err();
        assert_eq!(err["code"], "locked", "{err}");
        ok(&app, "sign_in", json!({"user": "Ana", "pin": "1111"}));
        assert_eq!(ok(&app, "list_events", json!({})).as_array().unwrap().len(), 0, "the late command wrote nothing");
        // 0 minutes: never.
        ok(&app, "set_idle_lock_minutes", json!({"minutes": 0}));
        std::thread::sleep(minute * 2);
        ok(&app, "list_events", json!({}));
    }

    #[test]
    fn a_laptop_without_users_never_idles_out() {
        let dir = TempDir::new("idle-nousers");
        let minute = Duration::from_millis(50);
        let app = app_with_idle_minute(dir.path(), minute);
        ok(&app, "set_idle_lock_minutes", json!({"minutes": 1}));
        std::thread::sleep(minute * 3);
        ok(&app, "list_events", json!({}));
    }

    /// A store that has users opens with nobody signed in (plain, and
    /// encrypted after the passphrase), and the sync thread's own
    /// connection still works: it acts as the system.
    #[test]
    fn a_store_with_users_opens_locked_and_sync_still_runs() {
        let dir = TempDir::new("opens-locked");
        let db = dir.path().join("muster.db");
        {
            let mut m = Muster::open(&db).unwrap();
            m.create_demo_event().unwrap();
            m.add_user("Ana", Role::Admin, "1111").unwrap();
        }
        let app = app(dir.path());
        assert!(ok(&app, "session_info", json!({}))["actor"].is_null());
        assert_eq!(invoke(&app, "list_events", json!({})).unwrap_err()["code"], "locked");
        // The sync thread: a real run against nothing listening is offline,
        // not refused.
        let worker = crate::sync::SyncWorker::new(&db);
        worker.save("http://127.0.0.1:9", Some("t")).unwrap();
        let status = worker.run_once(&|_| {}).unwrap();
        assert_eq!(status.error_code.as_deref(), Some("unreachable"), "{status:?}");
        assert!(status.pending > 0);

        let enc = TempDir::new("opens-locked-enc");
        let db = enc.path().join("muster.db");
        {
            let mut m = Muster::open_with(&db, Some("open sesame")).unwrap();
            m.add_user("Ana", Role::Admin, "1111").unwrap();
        }
        let app = app_with_idle_minute(enc.path(), Duration::from_secs(60));
        ok(&app, "unlock", json!({"passphrase": "open sesame"}));
        let s = ok(&app, "session_info", json!({}));
        assert!(s["actor"].is_null(), "{s}");
        assert_eq!(s["encrypted"], true);
        ok(&app, "sign_in", json!({"user": "Ana", "pin": "1111"}));
        // An encrypted store seals the audit CSV unless it is asked plain.
        let csv = enc.path().join("audit.csv").display().to_string();
        let sealed = ok(&app, "export_audit", json!({"path": csv}));
        assert_eq!((sealed["file"].as_str(), sealed["encrypted"].as_bool()), (Some(format!("{csv}.zip").as_str()), Some(true)), "{sealed}");
        let plain = ok(&app, "export_audit", json!({"path": csv, "plain": true}));
        assert_eq!(plain["encrypted"], false);
        let backup = enc.path().join("usb.db").display().to_string();
        let done = ok(&app, "backup_now", json!({"path": backup}));
        assert!(done["bytes"].as_u64().unwrap() > 0);
        let r = ok(&app, "backup_reminder", json!({}));
        assert_eq!(r["due"], false, "just backed up: {r}");
        assert_eq!(r["last_file"], backup.as_str());
    }

    #[test]
    fn the_idle_minute_hook() {
        assert_eq!(idle_minute_from(None), Duration::from_secs(60));
        assert_eq!(idle_minute_from(Some("2")), Duration::from_secs(2));
        assert_eq!(idle_minute_from(Some("0")), Duration::from_secs(60));
        assert_eq!(idle_minute_from(Some("soon")), Duration::from_secs(60));
    }
}
