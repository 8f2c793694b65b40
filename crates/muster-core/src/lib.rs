//! Muster's core: the domain of on-site trainings (events, sessions,
//! trainees), the local SQLite store that holds it, the change log that sync
//! ships, and the roster importer.
//!
//! No Tauri and no network in here: the desktop shell and the CLI are thin
//! callers of [`Muster`], the one facade.

pub mod access;
pub mod attendance;
pub mod audit;
pub mod backup;
pub mod certificates;
pub mod clock;
pub mod code;
pub mod csv_out;
pub mod demo;
pub mod documents;
pub mod error;
pub mod event;
pub mod export;
pub mod forms;
pub(crate) mod halves;
pub mod import;
pub mod model;
pub mod normalize;
pub mod output;
pub mod programme;
pub mod roster;
pub mod seal;
pub mod search;
/// The SQLite store: private to core, so every caller goes through
/// [`Muster`]'s permission checks. Tests reach it with the `test-api`
/// feature.
#[cfg(feature = "test-api")]
pub mod store;
#[cfg(not(feature = "test-api"))]
#[allow(dead_code)] // what only the tests call
pub(crate) mod store;
pub mod sync;
pub mod trainee;
pub mod users;
pub mod verifier;

pub use error::{quote, quote_if_long, quote_list, Error, ErrorCode, ErrorKind, ErrorPayload, Location, Msg, Result, Said};

use access::{Action, Actor, Role};
use model::{Event, NewEvent, NewSession, Session, Trainee};
use roster::{ImportOptions, ImportReport, RosterPreview};
use std::path::{Path, PathBuf};
use store::Store;
use trainee::TraineePatch;

/// What [`Muster::restore_from`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    /// The restored store's device id.
    pub device_id: String,
    /// Where the store it replaced was kept (`<store>.before-restore-<time>`);
    /// `None` when there was none.
    pub previous: Option<PathBuf>,
}

/// An open Muster installation: the facade the CLI and the desktop app call.
pub struct Muster {
    store: Store,
    /// Existing files of another kind at an output path may be replaced
    /// (the CLI's `--force`, the app once the user confirmed): see
    /// [`output`]. Never the store or an input.
    overwrite: bool,
    /// The keying sessions open on this connection (`forms::desk`).
    desk: forms::desk::Desk,
    /// The last live dashboard and the store version it was computed at:
    /// the app asks every few seconds, and an idle laptop should not
    /// rebuild a 5,000-trainee report to find nothing changed.
    dashboard_cache: std::sync::Mutex<Option<(String, (i64, i64), Vec<attendance::SessionDashboard>)>>,
}

impl Muster {
    /// Opens the unencrypted store at `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<Muster> {
        Muster::open_with(path, None)
    }

    /// Opens the store at `path`, creating it if needed; encrypted (SQLCipher)
    /// when `passphrase` is given. A passphrase that does not open it is an
    /// `invalid_input` error with field `passphrase`
    /// ([`Error::is_wrong_passphrase`]), and nothing is written.
    pub fn open_with(path: &Path, passphrase: Option<&str>) -> Result<Muster> {
        let mut store = Store::open_with(path, passphrase)?;
        // Trainees written before codes existed get one (a logged update).
        if store.needs_backfill()? {
            store.write(store::trainees::backfill_codes)?;
        }
        Ok(Muster { store, overwrite: false, desk: Default::default(), dashboard_cache: Default::default() })
    }

    /// Where the desktop app keeps its store, shared with the CLI:
    /// `$XDG_DATA_HOME/muster/muster.db`, else `~/.local/share/muster/muster.db`.
    pub fn default_path() -> PathBuf {
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join("muster").join("muster.db")
    }

    /// Writes a consistent copy of the store to `out` while others may be
    /// writing (encrypted with the same key when the store is). Returns its
    /// size in bytes. The backup is a line in the audit log and the time the
    /// end-of-day reminder looks at.
    pub fn backup(&mut self, out: &Path) -> Result<u64> {
        self.allow(Action::Backup)?;
        self.check_output(out, output::OutputKind::Backup, &[])?;
        let bytes = self.store.backup_to(out)?;
        self.store.set_setting(backup::LAST_BACKUP_LOCAL, &attendance::now_local())?;
        self.store.set_setting(backup::LAST_BACKUP_FILE, &out.display().to_string())?;
        self.store.write(|w| {
            w.audit(store::AuditRecord {
                action: "backup",
                after: Some(serde_json::json!({"file": out.display().to_string(), "bytes": bytes})),
                detail: Some(format!("{} ({bytes} bytes)", out.display())),
                ..Default::default()
            })
        })?;
        Ok(bytes)
    }

    /// Whether to remind the coordinator to back up now (`now`: venue local
    /// time `YYYY-MM-DDTHH:MM[:SS]`, default the clock).
    pub fn backup_reminder(&self, now: Option<&str>) -> Result<backup::Reminder> {
        let now = now.map(str::to_string).unwrap_or_else(attendance::now_local);
        backup::reminder(&self.store, &now)
    }

    /// Sets a new passphrase (re-keys; encrypts a plain store) and returns
    /// the store reopened with it. Takes the store exclusively first:
    /// refused ([`Error::Busy`], code `conflict`) while another program —
    /// the app, a sync, a second `Muster` — has it open, and then nothing
    /// is written.
    pub fn change_passphrase(mut self, new: &str) -> Result<Muster> {
        self.allow(Action::Administer)?;
        if new.is_empty() {
            return Err(Error::invalid_at("the new passphrase is empty", None, None, Some("passphrase")));
        }
        self.store.lock_exclusive()?;
        self.store.write(|w| w.audit(store::AuditRecord { action: "passphrase_change", ..Default::default() }))?;
        Ok(Muster { store: self.store.rekey(new)?, overwrite: self.overwrite, desk: self.desk, dashboard_cache: Default::default() })
    }

    /// Replaces the store at `path` with the backup at `backup` once the
    /// backup opens with `passphrase` and passes the integrity check;
    /// refuses to replace a store holding data unless `force`. The same
    /// laptop comes back (a broken or lost one replaced), or with
    /// `new_device` a laptop of its own (a second laptop set up from the
    /// backup while the original stays in use: two laptops syncing as one
    /// would collide). The restored store's audit log records the restore.
    /// Returns the restored store's device id. See [`Muster::restore_from`].
    pub fn restore(backup: &Path, path: &Path, passphrase: Option<&str>, force: bool, new_device: bool) -> Result<String> {
        Ok(Muster::restore_from(backup, path, passphrase, force, new_device)?.device_id)
    }

    /// [`Muster::restore`], saying where the replaced store was kept. Only
    /// a Muster store of a schema this build knows (or an older one) is put
    /// in place — an empty file, not SQLite, a foreign SQLite file, a store
    /// from a newer Muster or one the passphrase does not open is refused
    /// as `invalid_input` naming what it is; the store is taken exclusively
    /// (refused, `conflict`, while another program has it open); and the
    /// store it replaces, even with `force`, is kept beside it as
    /// `<path>.before-restore-<time>` (restorable in turn).
    pub fn restore_from(backup: &Path, path: &Path, passphrase: Option<&str>, force: bool, new_device: bool) -> Result<Restore> {
        let (done, mut restored) = store::restore(backup, path, passphrase, force, new_device)?;
        let previous = done.previous.as_ref().map(|p| p.display().to_string());
        let as_new = if new_device { " as a new device" } else { "" };
        let kept = previous.as_ref().map(|p| format!("; the replaced store kept as {p}")).unwrap_or_default();
        restored.write(|w| {
            w.audit(store::AuditRecord {
                action: "restore",
                after: Some(serde_json::json!({"from": backup.display().to_string(), "new_device": new_device, "previous": previous})),
                detail: Some(format!("from {}{as_new}{kept}", backup.display())),
                ..Default::default()
            })
        })?;
        Ok(Restore { device_id: restored.device_id().to_string(), previous: done.previous })
    }

    // Who is acting: users, roles, PINs.

    /// Refuses unless the current user's role may do `action` (`locked`
    /// when nobody is signed in, else `forbidden`). Public for the desktop
    /// shell's commands that do not reach a facade method (sync now, the
    /// sync settings, a keying press).
    pub fn allow(&self, action: Action) -> Result<()> {
        match self.store.actor() {
            None => Err(Error::Locked("nobody is signed in: enter your PIN".into())),
            Some(a) if access::allowed(a.role, action) => Ok(()),
            Some(a) => Err(Error::Forbidden { user: a.name.clone(), role: a.role.as_str(), action: action.describe(), key: action.key() }),
        }
    }

    /// Refuses unless the current user may do one of `actions`.
    fn allow_any(&self, actions: &[Action]) -> Result<()> {
        match actions.iter().find(|a| self.allow(**a).is_ok()) {
            Some(_) => Ok(()),
            None => self.allow(actions[0]),
        }
    }

    /// A second connection to the same store, as the same user (and with
    /// the same passphrase, which the caller need not hold): for long work
    /// such as an import, so that the first connection — the app's door —
    /// is not held meanwhile. The import itself gives way to the door's
    /// writes (`store::door`).
    pub fn open_another(&self) -> Result<Muster> {
        let mut other = Muster::open_with(self.store.path(), self.store.passphrase())?;
        other.set_actor(self.actor().cloned());
        other.overwrite = self.overwrite;
        Ok(other)
    }

    /// Who acts now; `None` while locked.
    pub fn actor(&self) -> Option<&Actor> {
        self.store.actor()
    }

    /// Acts as `actor` from now on (the CLI: an admin); `None` locks.
    pub fn set_actor(&mut self, actor: Option<Actor>) {
        self.store.set_actor(actor);
    }

    /// Nobody is signed in until someone enters their PIN.
    pub fn lock(&mut self) {
        self.store.set_actor(None);
    }

    /// Whether this laptop has users (then the app asks for a PIN).
    pub fn has_users(&self) -> Result<bool> {
        store::users::any_active(&self.store)
    }

    /// The active users to pick from on the PIN screen (names, roles, tries
    /// left, a lock-out's end): readable while locked.
    pub fn sign_in_choices(&self) -> Result<Vec<users::PinChoice>> {
        users::choices(&self.store)
    }

    /// Signs `who` (id or name) in with their PIN: quick switch.
    pub fn sign_in(&mut self, who: &str, pin: &str) -> Result<Actor> {
        users::sign_in(&mut self.store, who, pin)
    }

    /// Every user, disabled ones last (admin).
    pub fn users(&self) -> Result<Vec<store::users::User>> {
        self.allow(Action::ManageUsers)?;
        store::users::list(&self.store)
    }

    /// Adds a user (admin). The first user of a laptop must be an admin:
    /// adding them turns PINs on.
    pub fn add_user(&mut self, name: &str, role: Role, pin: &str) -> Result<store::users::User> {
        self.allow(Action::ManageUsers)?;
        if role != Role::Admin && !self.has_users()? {
            return Err(Error::invalid_at("the first user of a laptop is an admin", None, None, Some("role")));
        }
        users::add(&mut self.store, name, role, pin)
    }

    /// Sets a PIN: an admin for anyone, a user for themselves.
    pub fn set_user_pin(&mut self, who: &str, pin: &str) -> Result<store::users::User> {
        let own = match (self.store.actor(), store::users::find(&self.store, who)?) {
            (Some(Actor { user_id: Some(me), .. }), Some(c)) => *me == c.user.id,
            _ => false,
        };
        if !own {
            self.allow(Action::ManageUsers)?;
        }
        users::set_pin(&mut self.store, who, pin)
    }

    pub fn set_user_role(&mut self, who: &str, role: Role) -> Result<store::users::User> {
        self.allow(Action::ManageUsers)?;
        users::set_role(&mut self.store, who, role)
    }

    pub fn disable_user(&mut self, who: &str) -> Result<store::users::User> {
        self.allow(Action::ManageUsers)?;
        users::disable(&mut self.store, who)
    }

    /// Minutes without input before the app locks (default 5; 0 = never).
    pub fn idle_lock_minutes(&self) -> Result<u32> {
        Ok(self.store.setting("idle_lock_minutes")?.and_then(|v| v.parse().ok()).unwrap_or(5))
    }

    pub fn set_idle_lock_minutes(&mut self, minutes: u32) -> Result<u32> {
        self.allow(Action::ManageUsers)?;
        if minutes > 24 * 60 {
            return Err(Error::invalid_at("at most 1440 minutes", None, None, Some("idle_lock_minutes")));
        }
        self.store.set_setting("idle_lock_minutes", &minutes.to_string())?;
        self.store.write(|w| {
            w.audit(store::AuditRecord {
                action: "settings",
                after: Some(serde_json::json!({"idle_lock_minutes": minutes})),
                detail: Some(format!("idle lock after {minutes} min")),
                ..Default::default()
            })
        })?;
        Ok(minutes)
    }

    // The audit log.

    /// Lines of the audit log, oldest first.
    pub fn audit(&self, filter: &store::audit::AuditFilter) -> Result<Vec<store::audit::AuditEntry>> {
        self.allow(Action::ViewAudit)?;
        if let Some(e) = &filter.event_id {
            self.require_event(e)?;
        }
        store::audit::list(&self.store, filter)
    }

    /// Records a printout that is not a certificate (those are
    /// `certificate_print` rows): badge slips, the signature sheet, the
    /// portrait report — what, which file, how many items on how many pages.
    /// Paper with names on it leaves the store like an export does, so it
    /// needs the same permission.
    pub fn log_print(&mut self, event_id: Option<&str>, kind: &str, file: &Path, items: usize, pages: usize) -> Result<()> {
        self.log_file("print", event_id, serde_json::json!({"kind": kind, "file": file.display().to_string(), "items": items, "pages": pages}))
    }

    /// Records that a file was exported (who, which file, encrypted or not).
    pub fn log_export(&mut self, event_id: Option<&str>, kind: &str, file: &Path, encrypted: bool) -> Result<()> {
        self.log_file("export", event_id, serde_json::json!({"kind": kind, "file": file.display().to_string(), "encrypted": encrypted}))
    }

    /// One audit line for a file that left the store (`after`: what it was).
    fn log_file(&mut self, action: &'static str, event_id: Option<&str>, after: serde_json::Value) -> Result<()> {
        self.allow(Action::Export)?;
        self.store.write(|w| {
            w.audit(store::AuditRecord { event_id: event_id.map(str::to_string), action, after: Some(after), ..Default::default() })
        })
    }

    // Exports: every file that leaves the store goes through write_export.

    /// **The one choke point for every export** (attendance XLSX/CSV, rejects
    /// CSVs, portrait XLSX, sync file): sealed in an AES-256 ZIP at
    /// `<path>.zip` with the export passphrase (else the store's) when the
    /// store is encrypted and `req.plain` is false; otherwise written plain
    /// at `req.path`. Atomic either way. See [`export`]. The file really
    /// written passes the output guard ([`output`]): never the store, its
    /// -wal/-shm, or an input; an existing file of another kind only with
    /// [`Muster::set_overwrite`].
    pub fn write_export(&mut self, req: export::ExportRequest<'_>) -> Result<export::ExportedFile> {
        self.write_export_reading(req, &[])
    }

    /// [`Muster::write_export`] for a command that reads `inputs` (never
    /// overwritten).
    fn write_export_reading(&mut self, req: export::ExportRequest<'_>, inputs: &[&Path]) -> Result<export::ExportedFile> {
        self.allow(Action::Export)?;
        let out = export::write(&self.store, &req, inputs, self.overwrite)?;
        self.log_export(req.event_id, req.kind.as_str(), Path::new(&out.file), out.encrypted)?;
        Ok(out)
    }

    /// Whether an existing file of another kind at an output path may be
    /// replaced (the CLI's `--force`; the app after the user confirmed a
    /// `needs_confirmation` error). The store, its -wal/-shm and a
    /// command's inputs are refused whatever this says. See [`output`].
    pub fn set_overwrite(&mut self, overwrite: bool) {
        self.overwrite = overwrite;
    }

    /// Runs `f` with [`Muster::set_overwrite`] set to `overwrite`; the
    /// previous setting is back afterwards.
    pub fn with_overwrite<T>(&mut self, overwrite: bool, f: impl FnOnce(&mut Muster) -> Result<T>) -> Result<T> {
        let previous = std::mem::replace(&mut self.overwrite, overwrite);
        let out = f(self);
        self.overwrite = previous;
        out
    }

    /// Checks that `path` may receive a file of `kind` (the output guard,
    /// [`output`]): not the store, its -wal/-shm/-journal/lock, nor one of
    /// `inputs`; an existing file of another kind only with
    /// [`Muster::set_overwrite`]. For a command that writes several files,
    /// to refuse before it writes any.
    pub fn check_output(&self, path: &Path, kind: output::OutputKind, inputs: &[&Path]) -> Result<()> {
        output::check(path, kind, &output::Guard { store: Some(self.store.path()), inputs, force: self.overwrite })
    }

    /// [`Muster::check_output`] for an export asked at `path` (checks the
    /// file really written: `<path>.zip` when it will be sealed).
    pub fn check_export_path(&self, path: &Path, kind: export::ExportKind, plain: bool, inputs: &[&Path]) -> Result<()> {
        let (out, kind) = export::target(&self.store, path, kind, plain);
        self.check_output(&out, kind, inputs)
    }

    /// Writes a printout (a PDF: badge slips, a signature sheet,
    /// certificates) at `path` through the output guard, atomically. The
    /// caller records the printout ([`Muster::log_print`] or the
    /// certificate print log).
    pub fn write_printout(&self, path: &Path, pdf: &[u8]) -> Result<()> {
        output::write(path, pdf, output::OutputKind::Pdf, &output::Guard { store: Some(self.store.path()), inputs: &[], force: self.overwrite })
    }

    /// Seals exports with `passphrase` instead of the store's
    /// (`MUSTER_EXPORT_PASSPHRASE`); `None` or empty: the store's.
    pub fn set_export_passphrase(&mut self, passphrase: Option<&str>) {
        self.store.set_export_passphrase(passphrase);
    }

    /// Runs `f` with exports sealed — and sealed files opened — with
    /// `passphrase` first (a passphrase agreed for one USB stick, say, so
    /// another laptop with its own store passphrase can read the file);
    /// `None` or empty changes nothing. The previous export passphrase is
    /// back afterwards, whatever `f` returned.
    pub fn with_export_passphrase<T>(&mut self, passphrase: Option<&str>, f: impl FnOnce(&mut Muster) -> Result<T>) -> Result<T> {
        let Some(p) = passphrase.filter(|p| !p.is_empty()) else { return f(self) };
        let previous = self.store.export_passphrase().map(|p| zeroize::Zeroizing::new(p.to_string()));
        self.store.set_export_passphrase(Some(p));
        let out = f(self);
        self.store.set_export_passphrase(previous.as_ref().map(|p| p.as_str()));
        out
    }

    /// Opens a sealed export with the export passphrase, else the store's:
    /// its inner file name and bytes.
    pub fn open_sealed(&self, path: &Path) -> Result<(String, Vec<u8>)> {
        export::open_sealed(&self.store, path)
    }

    /// Writes the attendance report of an event to an XLSX and/or a CSV
    /// export; both paths are checked (and must differ) before either file
    /// is written. Returns each file written with its format.
    pub fn export_attendance_files(&mut self, event_id: &str, xlsx: Option<&Path>, csv: Option<&Path>, plain: bool) -> Result<Vec<(&'static str, export::ExportedFile)>> {
        if let (Some(x), Some(c)) = (xlsx, csv) {
            if output::same_file(x, c) {
                return Err(Error::invalid_at("--xlsx and --csv name the same file", Some(&c.display().to_string()), None, Some("path")));
            }
        }
        for (kind, path) in [(export::ExportKind::AttendanceXlsx, xlsx), (export::ExportKind::AttendanceCsv, csv)] {
            if let Some(path) = path {
                self.check_export_path(path, kind, plain, &[])?;
            }
        }
        let mut written = Vec::new();
        for (format, path) in [("xlsx", xlsx), ("csv", csv)] {
            if let Some(path) = path {
                written.push((format, self.export_attendance(event_id, format, path, plain)?));
            }
        }
        Ok(written)
    }

    /// The audit lines `filter` selects written as CSV to `path`: an export,
    /// sealed on an encrypted store unless `plain`.
    pub fn export_audit(&mut self, filter: &store::audit::AuditFilter, path: &Path, plain: bool) -> Result<export::ExportedFile> {
        let bytes = audit::to_csv(&self.audit(filter)?);
        self.write_export(export::ExportRequest { event_id: filter.event_id.as_deref(), kind: export::ExportKind::AuditCsv, path, bytes: &bytes, plain })
    }

    /// Writes the attendance report of an event as an export (`xlsx` or
    /// `csv`).
    pub fn export_attendance(&mut self, event_id: &str, format: &str, path: &Path, plain: bool) -> Result<export::ExportedFile> {
        let (kind, make): (_, fn(&attendance::AttendanceReport) -> Result<Vec<u8>>) = match format.to_ascii_lowercase().as_str() {
            "xlsx" => (export::ExportKind::AttendanceXlsx, export::attendance_xlsx),
            "csv" => (export::ExportKind::AttendanceCsv, export::attendance_csv),
            _ => return Err(Error::invalid_at(format!("{} is not xlsx or csv", crate::quote(format)), None, None, Some("format"))),
        };
        let bytes = make(&self.attendance_report(event_id)?)?;
        self.write_export(export::ExportRequest { event_id: Some(event_id), kind, path, bytes: &bytes, plain })
    }

    /// Writes the rejected rows of the roster file `src` (CSV, UTF-8 with
    /// BOM) as an export to fix and import again.
    pub fn save_rejects(&mut self, event_id: Option<&str>, src: &Path, out: &Path, plain: bool) -> Result<export::ExportedFile> {
        let bytes = self.rejects_csv(src)?;
        self.write_export_reading(export::ExportRequest { event_id, kind: export::ExportKind::RejectsCsv, path: out, bytes: &bytes, plain }, &[src])
    }

    /// The store itself, for tests (feature `test-api`).
    #[cfg(feature = "test-api")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store itself, for tests (feature `test-api`).
    #[cfg(feature = "test-api")]
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// This laptop's device id (its name in the change log and on the
    /// server).
    /// The store file this `Muster` works on.
    pub fn store_path(&self) -> &std::path::Path {
        self.store.path()
    }

    pub fn device_id(&self) -> &str {
        self.store.device_id()
    }

    /// Whether the store file is encrypted (SQLCipher).
    pub fn encrypted(&self) -> bool {
        self.store.encrypted()
    }

    /// The store's integrity check: empty when sound, else what is wrong.
    pub fn check(&self) -> Result<Vec<String>> {
        self.store.check()
    }

    /// Every change this laptop made, oldest first (benchmarks, diagnostics).
    pub fn own_changes(&self) -> Result<Vec<muster_protocol::Change>> {
        self.store.changes_since(self.store.device_id(), 0, usize::MAX >> 1)
    }

    /// Applies changes received outside a sync session (a sneakernet file);
    /// the pull cursor stays where it is. Returns how many were new.
    pub fn apply_changes(&mut self, batch: &muster_protocol::sync::PullResponse) -> Result<u64> {
        self.allow(Action::Sync)?;
        let filter = store::sync::Filter::of(&self.store)?;
        self.store.write(|w| store::sync::apply_filtered(w, &batch.changes, None, &filter).map(|(n, _)| n))
    }

    /// Applies a page of a server's changes and keeps its cursor (a read
    /// model following the server's store: the organisers' report).
    /// Returns how many were new.
    pub fn apply_pulled(&mut self, page: &muster_protocol::sync::PullResponse) -> Result<u64> {
        self.allow(Action::Sync)?;
        let filter = store::sync::Filter::of(&self.store)?;
        self.store.write(|w| {
            let (n, _) = store::sync::apply_filtered(w, &page.changes, Some(page.cursor), &filter)?;
            if !page.more {
                store::sync::retry_quarantined(w)?;
            }
            Ok(n)
        })
    }

    /// The pull cursor this store has reached.
    pub fn pull_cursor(&self) -> Result<u64> {
        Ok(store::sync::state(&self.store)?.cursor)
    }

    /// Tries the changes in quarantine again (after a sync file is read);
    /// returns how many could now be applied.
    pub fn retry_quarantined(&mut self) -> Result<u64> {
        self.allow(Action::Sync)?;
        self.store.write(store::sync::retry_quarantined)
    }

    /// How many changes this store set aside, not applied.
    pub fn quarantined_count(&self) -> Result<u64> {
        store::sync::quarantined_count(&self.store)
    }

    /// The changes set aside (at most `limit`), oldest first, with why.
    pub fn quarantined(&self, limit: usize) -> Result<Vec<store::sync::Quarantined>> {
        self.allow(Action::Sync)?;
        store::sync::quarantined(&self.store, limit)
    }

    /// Where sync stands: changes waiting, last complete sync.
    pub fn sync_status(&self) -> Result<(u64, Option<String>)> {
        Ok((store::sync::pending(&self.store)?, store::sync::state(&self.store)?.last_sync))
    }

    pub fn list_events(&self) -> Result<Vec<Event>> {
        self.allow(Action::ViewEvents)?;
        store::events::list(&self.store)
    }

    pub fn event(&self, id: &str) -> Result<Event> {
        self.allow(Action::ViewEvents)?;
        store::events::get(&self.store, id)?.ok_or_else(|| Error::NotFound { kind: "event", id: id.to_string() })
    }

    /// NotFound unless the event exists (without counting its roster).
    fn require_event(&self, id: &str) -> Result<()> {
        if store::events::exists(&self.store, id)? {
            Ok(())
        } else {
            Err(Error::NotFound { kind: "event", id: id.to_string() })
        }
    }

    pub fn create_event(&mut self, e: NewEvent) -> Result<Event> {
        self.create_event_in(e, None)
    }

    /// The demo event offered on an empty store, starting today.
    pub fn create_demo_event(&mut self) -> Result<Event> {
        self.allow(Action::ManageEvents)?;
        demo::create(&mut self.store, &clock::today())
    }

    pub fn list_sessions(&self, event_id: &str) -> Result<Vec<Session>> {
        self.allow(Action::ViewEvents)?;
        self.event(event_id)?;
        store::sessions::list(&self.store, event_id)
    }

    pub fn add_session(&mut self, event_id: &str, s: NewSession) -> Result<Session> {
        self.allow(Action::ManageEvents)?;
        event::add_session(&mut self.store, event_id, &s)
    }

    /// Edits a session (title, times), by the rules of adding one.
    pub fn edit_session(&mut self, session_id: &str, patch: &event::SessionPatch) -> Result<Session> {
        self.allow(Action::ManageEvents)?;
        event::edit_session(&mut self.store, session_id, patch)
    }

    /// Removes a session; one with check-ins only with `force` (they stay as history).
    pub fn delete_session(&mut self, session_id: &str, force: bool) -> Result<event::Removed> {
        self.allow(Action::ManageEvents)?;
        event::delete_session(&mut self.store, session_id, force)
    }

    /// Edits an event (name, venue, first day, days); its sessions must still fit.
    pub fn edit_event(&mut self, event_id: &str, patch: &event::EventPatch) -> Result<Event> {
        self.allow(Action::ManageEvents)?;
        event::edit_event(&mut self.store, event_id, patch)
    }

    /// Removes an event from every list; one with trainees or check-ins only with `force`.
    pub fn delete_event(&mut self, event_id: &str, force: bool) -> Result<event::Removed> {
        self.allow(Action::ManageEvents)?;
        event::delete_event(&mut self.store, event_id, force)
    }

    /// Adds the usual two half-day sessions per day of the event
    /// ([`event::half_day_sessions`]); returns them.
    pub fn add_half_day_sessions(&mut self, event_id: &str) -> Result<Vec<Session>> {
        self.allow(Action::ManageEvents)?;
        let e = self.event(event_id)?;
        let mut out = Vec::new();
        for s in event::half_day_sessions(&e.starts_on, e.days) {
            out.push(event::add_session(&mut self.store, event_id, &s)?);
        }
        Ok(out)
    }

    pub fn roster(&self, event_id: &str) -> Result<Vec<Trainee>> {
        self.allow(Action::ViewRoster)?;
        self.event(event_id)?;
        store::trainees::list(&self.store, event_id)
    }

    pub fn search_roster(&self, event_id: &str, query: &str, limit: usize) -> Result<Vec<Trainee>> {
        self.allow(Action::ViewRoster)?;
        if search::normalize_query(query).is_empty() {
            return Ok(self.roster(event_id)?.into_iter().take(limit).collect());
        }
        self.require_event(event_id)?;
        search::find(&self.store, event_id, query, limit)
    }

    pub fn trainee(&self, id: &str) -> Result<Trainee> {
        self.allow(Action::ViewRoster)?;
        store::trainees::get(&self.store, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.to_string() })
    }

    pub fn edit_trainee(&mut self, id: &str, patch: &TraineePatch) -> Result<Trainee> {
        self.allow(Action::EditTrainee)?;
        trainee::edit(&mut self.store, id, patch)
    }

    pub fn preview_roster(&self, path: &Path) -> Result<RosterPreview> {
        self.preview_roster_mapped(path, &import::Mapping::new())
    }

    /// [`Muster::preview_roster`] with the coordinator's reading of some
    /// columns (header → field or `extra`).
    pub fn preview_roster_mapped(&self, path: &Path, mapping: &import::Mapping) -> Result<RosterPreview> {
        self.allow(Action::ImportRoster)?;
        roster::preview(path, mapping)
    }

    pub fn import_roster(
        &mut self,
        event_id: &str,
        path: &Path,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportReport> {
        self.allow(Action::ImportRoster)?;
        let mut read = roster::read(&self.store, event_id, path, opts.dry_run, &opts.mapping, progress)?;
        // The rejects file is written before the store (as it always was).
        if let Some(out) = &opts.rejects {
            let bytes = read.rejects_csv();
            let req = export::ExportRequest { event_id: Some(event_id), kind: export::ExportKind::RejectsCsv, path: out, bytes: &bytes, plain: opts.plain };
            let written = self.write_export_reading(req, &[path])?;
            read.report.rejects_file = Some(written.file);
            read.report.rejects_encrypted = Some(written.encrypted);
        }
        roster::commit(&mut self.store, event_id, read, progress)
    }

    /// The rejected rows of a roster file as CSV bytes (UTF-8 with BOM).
    pub fn rejects_csv(&self, path: &Path) -> Result<Vec<u8>> {
        self.allow(Action::ImportRoster)?;
        roster::rejects_csv(path)
    }

    /// Door search: code, name, pinyin (full or initials), mobile's last
    /// four digits; best first.
    pub fn search(&self, event_id: &str, query: &str, limit: usize) -> Result<Vec<Trainee>> {
        self.allow(Action::ViewRoster)?;
        self.require_event(event_id)?;
        search::find(&self.store, event_id, query, limit)
    }

    /// [`Muster::search`] for Enter at the door: the hits, exact matches
    /// first, and the one trainee (if any) Enter may check in without
    /// asking ([`search::DoorSearch`]).
    pub fn door_search(&self, event_id: &str, query: &str, limit: usize) -> Result<search::DoorSearch> {
        self.allow(Action::ViewRoster)?;
        self.require_event(event_id)?;
        search::door(&self.store, event_id, query, limit)
    }

    /// Checks a trainee into a session (idempotent).
    pub fn check_in(&mut self, req: &attendance::MarkRequest) -> Result<attendance::MarkOutcome> {
        self.allow(Action::CheckIn)?;
        attendance::mark(&mut self.store, req, attendance::MarkKind::In)
    }

    /// Signs a trainee out of a session (idempotent).
    pub fn check_out(&mut self, req: &attendance::MarkRequest) -> Result<attendance::MarkOutcome> {
        self.allow(Action::CheckIn)?;
        attendance::mark(&mut self.store, req, attendance::MarkKind::Out)
    }

    /// Closes a session: who is still in is signed out at its end, who never
    /// came is marked absent; once (closing again writes nothing).
    pub fn close_session(&mut self, event_id: &str, session_id: &str) -> Result<attendance::Closed> {
        self.allow(Action::CheckIn)?;
        attendance::close(&mut self.store, event_id, session_id)
    }

    /// Undoes a mistaken check-in (`reason` required): it no longer counts
    /// and stays as history (`attendance::undo`).
    pub fn undo_check_in(&mut self, event_id: &str, session_id: &str, who: &attendance::Who, reason: &str) -> Result<attendance::Undone> {
        self.allow(Action::CheckIn)?;
        attendance::undo(&mut self.store, event_id, session_id, who, reason)
    }

    /// Registers a walk-in; returns it and the trainees it may duplicate.
    pub fn walk_in(&mut self, event_id: &str, name: &str, phone: Option<&str>, id_number: Option<&str>) -> Result<(Trainee, Vec<Trainee>)> {
        self.allow(Action::WalkIn)?;
        trainee::walk_in(&mut self.store, event_id, name, phone, id_number)
    }

    pub fn possible_duplicates(&self, event_id: &str) -> Result<Vec<trainee::DuplicateGroup>> {
        self.allow(Action::ViewRoster)?;
        self.event(event_id)?;
        trainee::possible_duplicates(&self.store, event_id)
    }

    pub fn merge_trainees(&mut self, keep: &str, other: &str) -> Result<Trainee> {
        self.allow(Action::Merge)?;
        trainee::merge(&mut self.store, keep, other)
    }

    pub fn attendance_report(&self, event_id: &str) -> Result<attendance::AttendanceReport> {
        self.allow(Action::ViewAttendance)?;
        attendance::report(&self.store, event_id)
    }

    pub fn dashboard(&self, event_id: &str) -> Result<Vec<attendance::SessionDashboard>> {
        self.allow(Action::ViewAttendance)?;
        let version = self.store.version()?;
        let mut cache = self.dashboard_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((e, v, board)) = cache.as_ref() {
            if e == event_id && *v == version {
                return Ok(board.clone());
            }
        }
        let board = attendance::dashboard(&self.store, event_id)?;
        *cache = Some((event_id.to_string(), version, board.clone()));
        Ok(board)
    }

    pub fn correct_attendance(&mut self, event_id: &str, session_id: &str, trainee_id: &str, status: &str, hours: Option<f64>, reason: &str) -> Result<()> {
        self.allow(Action::CorrectAttendance)?;
        attendance::correct(&mut self.store, event_id, session_id, trainee_id, status, hours, reason)
    }

    /// An event's certificate settings (defaults until configured).
    pub fn certificate_settings(&self, event_id: &str) -> Result<certificates::Settings> {
        self.allow(Action::Certificates)?;
        certificates::settings(&self.store, event_id)
    }

    pub fn configure_certificates(&mut self, event_id: &str, patch: certificates::SettingsPatch) -> Result<certificates::Settings> {
        self.allow(Action::Certificates)?;
        certificates::configure(&mut self.store, event_id, patch)
    }

    /// Who is eligible for a certificate and why (`min`: share of scheduled
    /// hours, default the event's rule).
    pub fn certificate_eligibility(&self, event_id: &str, min: Option<f64>) -> Result<certificates::EligibilityReport> {
        self.allow(Action::Certificates)?;
        certificates::eligibility(&self.store, event_id, min)
    }

    /// The Latin forms of the names the next issue prints (the eligible
    /// without a certificate), and where each comes from: what the
    /// coordinator confirms before printing.
    pub fn latin_names(&self, event_id: &str) -> Result<Vec<certificates::LatinName>> {
        self.allow(Action::Certificates)?;
        certificates::latin_names(&self.store, event_id)
    }

    /// Records the coordinator's Latin forms (trainee id → form; empty:
    /// none), all or nothing; returns how many trainees changed.
    pub fn confirm_latin_names(&mut self, event_id: &str, names: &[(String, String)]) -> Result<usize> {
        self.allow(Action::Certificates)?;
        certificates::confirm_latin_names(&mut self.store, event_id, names)
    }

    /// Records a manual eligibility decision (who, why).
    pub fn override_eligibility(&mut self, event_id: &str, trainee_id: &str, eligible: bool, reason: &str, by: &str) -> Result<certificates::Override> {
        self.allow(Action::Certificates)?;
        certificates::set_override(&mut self.store, event_id, trainee_id, eligible, reason, by)
    }

    /// Issues certificates to the eligible trainees who have none yet.
    pub fn issue_certificates(&mut self, event_id: &str, min: Option<f64>) -> Result<certificates::IssueOutcome> {
        self.allow(Action::Certificates)?;
        certificates::issue(&mut self.store, event_id, min)
    }

    /// A certificate by its id or its trainee's id, with its event id.
    pub fn certificate(&self, id: &str) -> Result<(certificates::IssuedCertificate, String)> {
        self.allow(Action::Certificates)?;
        certificates::find(&self.store, id)
    }

    pub fn certificate_prints(&self, event_id: &str, certificate_id: Option<&str>) -> Result<Vec<certificates::PrintRecord>> {
        self.allow(Action::Certificates)?;
        certificates::prints(&self.store, event_id, certificate_id)
    }

    /// Checks a certificate code (or verification URL, or a number known
    /// here) offline: an organisation's code against the trust this laptop
    /// holds, an older one against `public_key` (hex; default this
    /// installation's key).
    pub fn verify_certificate(&self, code: &str, public_key: Option<&str>) -> Result<certificates::Verification> {
        self.allow(Action::Certificates)?;
        certificates::verify(&self.store, code, public_key)
    }

    /// Revokes a certificate (id or printed number): a synced fact; every
    /// verifier says "revoked" with the reason and date once it knows.
    pub fn revoke_certificate(&mut self, certificate: &str, reason: &str) -> Result<certificates::Revocation> {
        self.allow(Action::Certificates)?;
        let by = self.who(None);
        certificates::revoke(&mut self.store, certificate, reason, &by)
    }

    /// What this laptop sends to join an organisation (sans I/O: the
    /// transport carries it, [`Muster::join_complete`] checks the answer).
    pub fn join_request(&self) -> Result<muster_protocol::trust::JoinRequest> {
        self.allow(Action::Sync)?;
        certificates::join_request(&self.store)
    }

    /// Checks and keeps the organisation's answer to a join.
    pub fn join_complete(&mut self, code: &muster_protocol::trust::JoinCode, resp: muster_protocol::trust::JoinResponse) -> Result<certificates::Joined> {
        self.allow(Action::Sync)?;
        let joined = certificates::join_complete(&mut self.store, code, resp)?;
        self.log_file("join", None, serde_json::json!({"server": joined.server, "org": joined.org, "device_id": joined.device_id}))?;
        Ok(joined)
    }

    /// Forgets where this store stands with its server, so the next sync
    /// (with another server) pushes and pulls everything again.
    pub fn forget_sync_position(&mut self) -> Result<()> {
        self.allow(Action::Sync)?;
        self.store.write(|w| store::sync::forget_position(w))
    }

    /// Takes a newer trust from the server (as far as it chains from the
    /// keys this laptop trusts).
    pub fn update_trust(&mut self, trust: muster_protocol::trust::Trust) -> Result<bool> {
        self.allow(Action::Sync)?;
        certificates::update_trust(&self.store, trust)
    }

    /// The organisation this laptop joined, if any.
    pub fn organisation(&self) -> Result<Option<muster_protocol::trust::Trust>> {
        certificates::trust(&self.store)
    }

    /// Writes the offline verifier: one HTML file with the organisation's
    /// keys, device certificates and revocations inside.
    pub fn write_verifier(&self, out: &std::path::Path) -> Result<certificates::VerifierFile> {
        self.allow(Action::Certificates)?;
        self.check_output(out, output::OutputKind::Html, &[])?;
        let t = certificates::verifier_trust(&self.store)?;
        let html = verifier::html(&t);
        crate::seal::write_atomic(out, html.as_bytes())?;
        Ok(certificates::VerifierFile { file: out.display().to_string(), keys: t.keys.len(), devices: t.devices.len(), revoked: t.revoked.len() })
    }

    /// This installation's certificate-signing public key (hex).
    pub fn certificate_public_key(&self) -> Result<String> {
        self.allow(Action::Certificates)?;
        certificates::public_key(&self.store)
    }
    // Paper questionnaires (XLSForm), keying, double entry, the portrait.

    /// Imports an XLSForm (`.xlsx`/`.xls`) for an event.
    pub fn import_form(&mut self, event_id: &str, path: &Path, double_entry: bool) -> Result<forms::StoredForm> {
        self.allow(Action::ManageForms)?;
        forms::ops::import(&mut self.store, event_id, path, double_entry)
    }

    /// Starts an event's questionnaire from the ready portrait template
    /// ([`forms::template`]).
    pub fn import_form_template(&mut self, event_id: &str, double_entry: bool) -> Result<forms::StoredForm> {
        self.allow(Action::ManageForms)?;
        forms::ops::import_template(&mut self.store, event_id, double_entry)
    }

    /// Writes the ready portrait questionnaire as an XLSForm workbook to
    /// `out` (through the output guard) → the number of questions.
    pub fn write_form_template(&mut self, out: &Path) -> Result<usize> {
        self.allow(Action::ManageForms)?;
        self.check_output(out, output::OutputKind::Xlsx, &[])?;
        // No personal data in it: written plain even in an encrypted store.
        let bytes = forms::template::workbook()?;
        output::write(out, &bytes, output::OutputKind::Xlsx, &output::Guard { store: Some(self.store.path()), inputs: &[], force: self.overwrite })?;
        Ok(forms::template::questions())
    }

    pub fn form(&self, form_id: &str) -> Result<forms::StoredForm> {
        self.allow_any(&[Action::Keying, Action::ViewReports, Action::ManageForms])?;
        forms::ops::get(&self.store, form_id)
    }

    pub fn list_forms(&self, event_id: &str) -> Result<Vec<forms::StoredForm>> {
        self.allow_any(&[Action::Keying, Action::ViewReports, Action::ManageForms])?;
        self.require_event(event_id)?;
        store::forms::list(&self.store, event_id)
    }

    /// Whether every paper of the form must be keyed twice.
    pub fn set_double_entry(&mut self, form_id: &str, on: bool) -> Result<forms::StoredForm> {
        self.allow(Action::ManageForms)?;
        forms::ops::set_double_entry(&mut self.store, form_id, on)
    }

    /// Registers a paper batch of `count` papers from `first_paper` (default `1`).
    pub fn add_batch(&mut self, form_id: &str, name: &str, count: u32, first_paper: Option<&str>) -> Result<forms::Batch> {
        self.allow(Action::ManageForms)?;
        forms::ops::add_batch(&mut self.store, form_id, name, count, first_paper)
    }

    pub fn batches(&self, form_id: &str) -> Result<Vec<forms::Batch>> {
        self.allow_any(&[Action::Keying, Action::ManageForms])?;
        self.form(form_id)?;
        store::forms::batches(&self.store, form_id)
    }

    /// Expected, keyed and missing papers of a batch (by id or name).
    pub fn batch_status(&self, form_id: &str, batch: &str, entry: forms::Entry) -> Result<forms::responses::BatchStatus> {
        self.allow_any(&[Action::Keying, Action::ManageForms])?;
        forms::ops::batch_status(&self.store, form_id, batch, entry)
    }

    /// A keyboard-only keying session (see `forms::keying`); save each
    /// finished paper with [`Muster::save_keyed`].
    pub fn keying_session(&self, form_id: &str, entry: forms::Entry, keyer: &str, batch: Option<&str>, language: Option<&str>) -> Result<forms::keying::KeyingSession> {
        self.allow(Action::Keying)?;
        forms::ops::session(&self.store, form_id, entry, keyer, batch, language)
    }

    /// Corrects a saved paper: its answers now are the saved ones with
    /// `set` applied (question → value; empty clears), validated again;
    /// `by` (default: the signed-in user) may not be the keyer of the
    /// paper's other entry. Returns the correction's id and the answers.
    pub fn correct_response(&mut self, form_id: &str, paper: &str, entry: forms::Entry, set: &[(String, String)], reason: &str, by: Option<&str>) -> Result<(String, forms::responses::Answers)> {
        self.allow(Action::Keying)?;
        let mut answers = forms::ops::saved_answers(&self.store, form_id, &normalize::text(paper), entry)?;
        for (q, v) in set {
            if v.trim().is_empty() {
                answers.remove(q.trim());
            } else {
                answers.insert(q.trim().to_string(), v.trim().to_string());
            }
        }
        let by = self.who(by);
        let id = forms::ops::correct(&mut self.store, form_id, paper, entry, &answers, reason, &by)?;
        let now = forms::ops::saved_answers(&self.store, form_id, &normalize::text(paper), entry)?;
        Ok((id, now))
    }

    /// Stores a keyed paper (validated again); returns the response id.
    pub fn save_keyed(&mut self, form_id: &str, keyed: &forms::keying::KeyedForm) -> Result<String> {
        self.allow(Action::Keying)?;
        forms::ops::save_keyed(&mut self.store, form_id, keyed)
    }

    /// Imports responses from a CSV (first column `paper_id`); the rejected
    /// rows go to `rejects` as an export (sealed unless `plain`).
    pub fn import_responses(&mut self, form_id: &str, path: &Path, entry: forms::Entry, rejects: Option<&Path>, plain: bool) -> Result<forms::responses::ResponsesImport> {
        self.import_responses_by(form_id, path, entry, None, rejects, plain)
    }

    /// [`Muster::import_responses`] keyed by `keyer` (a signed-in user keys
    /// as themselves; else the name given; else the file): a second entry's
    /// row whose paper the same keyer entered first is rejected, with why.
    pub fn import_responses_by(&mut self, form_id: &str, path: &Path, entry: forms::Entry, keyer: Option<&str>, rejects: Option<&Path>, plain: bool) -> Result<forms::responses::ResponsesImport> {
        self.allow(Action::ManageForms)?;
        let signed_in = self.actor().filter(|a| a.user_id.is_some()).map(|a| a.name.clone());
        let keyer = signed_in.as_deref().or(keyer);
        // The import is stored before its rejects are written: refuse a
        // bad rejects path first, so nothing is written at all.
        if let Some(out) = rejects {
            self.check_export_path(out, export::ExportKind::ResponsesRejectsCsv, plain, &[path])?;
        }
        let (mut report, bytes) = forms::ops::import_responses(&mut self.store, form_id, path, entry, keyer, rejects.is_some())?;
        if let (Some(out), Some(bytes)) = (rejects, bytes) {
            let event_id = self.form(form_id)?.event_id;
            let req = export::ExportRequest { event_id: Some(&event_id), kind: export::ExportKind::ResponsesRejectsCsv, path: out, bytes: &bytes, plain };
            let written = self.write_export_reading(req, &[path])?;
            report.rejects_file = Some(written.file);
            report.rejects_encrypted = Some(written.encrypted);
        }
        Ok(report)
    }

    /// Differences between first and second entries, per paper and field.
    pub fn responses_diff(&self, form_id: &str) -> Result<forms::responses::DiffReport> {
        self.allow_any(&[Action::ViewReports, Action::ResolveDifferences])?;
        forms::ops::diff(&self.store, form_id)
    }

    /// A supervisor's choice for one differing field (a new fact).
    pub fn resolve_difference(&mut self, form_id: &str, paper: &str, field: &str, value: &str, by: &str) -> Result<store::forms::Resolution> {
        self.allow(Action::ResolveDifferences)?;
        forms::ops::resolve(&mut self.store, form_id, paper, field, value, by)
    }

    /// The trainee portrait of a form.
    pub fn portrait(&self, form_id: &str, language: Option<&str>) -> Result<forms::portrait::Portrait> {
        self.allow(Action::ViewReports)?;
        Ok(forms::ops::portrait(&self.store, form_id, language)?.0)
    }

    /// The portrait, also written to an XLSX file as an export (sealed
    /// unless `plain`).
    pub fn portrait_xlsx(&mut self, form_id: &str, path: &Path, plain: bool) -> Result<(forms::portrait::Portrait, export::ExportedFile)> {
        self.allow(Action::ViewReports)?;
        let (p, bytes, event_id) = forms::ops::portrait_xlsx(&self.store, form_id)?;
        let req = export::ExportRequest { event_id: Some(&event_id), kind: export::ExportKind::PortraitXlsx, path, bytes: &bytes, plain };
        Ok((p, self.write_export(req)?))
    }

    /// Prints a portrait (built by [`Muster::portrait`]) to a PDF at `path`
    /// and records the printout; returns the pages.
    pub fn portrait_pdf(&mut self, p: &forms::portrait::Portrait, path: &Path) -> Result<usize> {
        self.allow(Action::ViewReports)?;
        self.allow(Action::Export)?;
        let event_id = self.form(&p.form)?.event_id;
        self.check_output(path, output::OutputKind::Pdf, &[])?;
        let pages = documents::write_portrait_pdf(p, path)?;
        self.log_print(Some(&event_id), "portrait_pdf", path, p.questions.len(), pages)?;
        Ok(pages)
    }

    /// The portrait of a form as `xlsx` (an export: sealed unless `plain`
    /// on an encrypted store) or `pdf` (a printout); returns the file
    /// written.
    pub fn export_portrait(&mut self, form_id: &str, path: &Path, format: &str, plain: bool) -> Result<String> {
        match format.to_ascii_lowercase().as_str() {
            "xlsx" => Ok(self.portrait_xlsx(form_id, path, plain)?.1.file),
            "pdf" => {
                let p = self.portrait(form_id, None)?;
                self.portrait_pdf(&p, path)?;
                Ok(path.display().to_string())
            }
            _ => Err(Error::invalid_at(format!("{} is not xlsx or pdf", crate::quote(format)), None, None, Some("format"))),
        }
    }

    /// Forms/hour, keystrokes/hour and disagreements per 1,000 fields per keyer.
    pub fn keyer_stats(&self, form_id: &str) -> Result<Vec<forms::responses::KeyerStats>> {
        self.allow(Action::ViewReports)?;
        forms::ops::keyer_stats(&self.store, form_id)
    }
}
