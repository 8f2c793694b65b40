//! Muster's core: the domain of on-site trainings (events, sessions,
//! trainees), the local SQLite store that holds it, the change log that sync
//! ships, and the roster importer.
//!
//! No Tauri and no network in here: the desktop shell and the CLI are thin
//! callers of [`Muster`], the one facade.

pub mod attendance;
pub mod certificates;
pub mod clock;
pub mod code;
pub mod demo;
pub mod documents;
pub mod error;
pub mod event;
pub mod export;
pub mod forms;
pub mod import;
pub mod model;
pub mod normalize;
pub mod roster;
pub mod search;
pub mod store;
pub mod sync;
pub mod trainee;

pub use error::{Error, ErrorCode, ErrorPayload, Location, Result};

use model::{Event, NewEvent, NewSession, Session, Trainee};
use roster::{ImportOptions, ImportReport, RosterPreview};
use std::path::{Path, PathBuf};
use store::Store;
use trainee::TraineePatch;

/// An open Muster installation: the facade the CLI and the desktop app call.
pub struct Muster {
    store: Store,
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
        Ok(Muster { store })
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
    /// size in bytes.
    pub fn backup(&self, out: &Path) -> Result<u64> {
        self.store.backup_to(out)
    }

    /// Sets a new passphrase (re-keys; encrypts a plain store) and returns
    /// the store reopened with it.
    pub fn change_passphrase(self, new: &str) -> Result<Muster> {
        Ok(Muster { store: self.store.rekey(new)? })
    }

    /// Replaces the store at `path` with the backup at `backup` once the
    /// backup opens with `passphrase` and passes the integrity check;
    /// refuses to replace a store holding data unless `force`.
    pub fn restore(backup: &Path, path: &Path, passphrase: Option<&str>, force: bool) -> Result<()> {
        store::restore(backup, path, passphrase, force)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store, for the sync client's steps.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Applies changes received outside a sync session (a sneakernet file);
    /// the pull cursor stays where it is. Returns how many were new.
    pub fn apply_changes(&mut self, batch: &muster_protocol::sync::PullResponse) -> Result<u64> {
        self.store.write(|w| store::sync::apply(w, &batch.changes, None))
    }

    /// Where sync stands: changes waiting, last complete sync.
    pub fn sync_status(&self) -> Result<(u64, Option<String>)> {
        Ok((store::sync::pending(&self.store)?, store::sync::state(&self.store)?.last_sync))
    }

    pub fn list_events(&self) -> Result<Vec<Event>> {
        store::events::list(&self.store)
    }

    pub fn event(&self, id: &str) -> Result<Event> {
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
        event::create(&mut self.store, &e)
    }

    /// The demo event offered on an empty store, starting today.
    pub fn create_demo_event(&mut self) -> Result<Event> {
        demo::create(&mut self.store, &clock::today())
    }

    pub fn list_sessions(&self, event_id: &str) -> Result<Vec<Session>> {
        self.event(event_id)?;
        store::sessions::list(&self.store, event_id)
    }

    pub fn add_session(&mut self, event_id: &str, s: NewSession) -> Result<Session> {
        event::add_session(&mut self.store, event_id, &s)
    }

    pub fn roster(&self, event_id: &str) -> Result<Vec<Trainee>> {
        self.event(event_id)?;
        store::trainees::list(&self.store, event_id)
    }

    pub fn search_roster(&self, event_id: &str, query: &str, limit: usize) -> Result<Vec<Trainee>> {
        if search::normalize_query(query).is_empty() {
            return Ok(self.roster(event_id)?.into_iter().take(limit).collect());
        }
        self.require_event(event_id)?;
        search::find(&self.store, event_id, query, limit)
    }

    pub fn trainee(&self, id: &str) -> Result<Trainee> {
        store::trainees::get(&self.store, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.to_string() })
    }

    pub fn edit_trainee(&mut self, id: &str, patch: &TraineePatch) -> Result<Trainee> {
        trainee::edit(&mut self.store, id, patch)
    }

    pub fn preview_roster(&self, path: &Path) -> Result<RosterPreview> {
        roster::preview(path)
    }

    pub fn import_roster(
        &mut self,
        event_id: &str,
        path: &Path,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportReport> {
        roster::import(&mut self.store, event_id, path, opts, progress)
    }

    /// The rejected rows of a roster file as CSV bytes (UTF-8 with BOM).
    pub fn rejects_csv(&self, path: &Path) -> Result<Vec<u8>> {
        roster::rejects_csv(path)
    }

    /// Door search: code, name, pinyin (full or initials), mobile's last
    /// four digits; best first.
    pub fn search(&self, event_id: &str, query: &str, limit: usize) -> Result<Vec<Trainee>> {
        self.require_event(event_id)?;
        search::find(&self.store, event_id, query, limit)
    }

    /// Checks a trainee into a session (idempotent).
    pub fn check_in(&mut self, req: &attendance::MarkRequest) -> Result<attendance::MarkOutcome> {
        attendance::mark(&mut self.store, req, "in")
    }

    /// Signs a trainee out of a session (idempotent).
    pub fn check_out(&mut self, req: &attendance::MarkRequest) -> Result<attendance::MarkOutcome> {
        attendance::mark(&mut self.store, req, "out")
    }

    /// Registers a walk-in; returns it and the trainees it may duplicate.
    pub fn walk_in(&mut self, event_id: &str, name: &str, phone: Option<&str>, id_number: Option<&str>) -> Result<(Trainee, Vec<Trainee>)> {
        trainee::walk_in(&mut self.store, event_id, name, phone, id_number)
    }

    pub fn possible_duplicates(&self, event_id: &str) -> Result<Vec<trainee::DuplicateGroup>> {
        self.event(event_id)?;
        trainee::possible_duplicates(&self.store, event_id)
    }

    pub fn merge_trainees(&mut self, keep: &str, other: &str) -> Result<Trainee> {
        trainee::merge(&mut self.store, keep, other)
    }

    pub fn attendance_report(&self, event_id: &str) -> Result<attendance::AttendanceReport> {
        attendance::report(&self.store, event_id)
    }

    pub fn dashboard(&self, event_id: &str) -> Result<Vec<attendance::SessionDashboard>> {
        attendance::dashboard(&self.store, event_id)
    }

    pub fn correct_attendance(&mut self, event_id: &str, session_id: &str, trainee_id: &str, status: &str, hours: Option<f64>, reason: &str) -> Result<()> {
        attendance::correct(&mut self.store, event_id, session_id, trainee_id, status, hours, reason)
    }

    /// An event's certificate settings (defaults until configured).
    pub fn certificate_settings(&self, event_id: &str) -> Result<certificates::Settings> {
        certificates::settings(&self.store, event_id)
    }

    pub fn configure_certificates(&mut self, event_id: &str, patch: certificates::SettingsPatch) -> Result<certificates::Settings> {
        certificates::configure(&mut self.store, event_id, patch)
    }

    /// Who is eligible for a certificate and why (`min`: share of scheduled
    /// hours, default the event's rule).
    pub fn certificate_eligibility(&self, event_id: &str, min: Option<f64>) -> Result<certificates::EligibilityReport> {
        certificates::eligibility(&self.store, event_id, min)
    }

    /// Records a manual eligibility decision (who, why).
    pub fn override_eligibility(&mut self, event_id: &str, trainee_id: &str, eligible: bool, reason: &str, by: &str) -> Result<certificates::Override> {
        certificates::set_override(&mut self.store, event_id, trainee_id, eligible, reason, by)
    }

    /// Issues certificates to the eligible trainees who have none yet.
    pub fn issue_certificates(&mut self, event_id: &str, min: Option<f64>) -> Result<certificates::IssueOutcome> {
        certificates::issue(&mut self.store, event_id, min)
    }

    /// A certificate by its id or its trainee's id, with its event id.
    pub fn certificate(&self, id: &str) -> Result<(certificates::IssuedCertificate, String)> {
        certificates::find(&self.store, id)
    }

    /// Logs that certificates were printed (first print or reprint).
    pub fn record_certificate_prints(&mut self, event_id: &str, cert_ids: &[String], reason: &str, by: &str, file: &str) -> Result<Vec<certificates::PrintRecord>> {
        certificates::record_prints(&mut self.store, event_id, cert_ids, reason, by, file)
    }

    pub fn certificate_prints(&self, event_id: &str, certificate_id: Option<&str>) -> Result<Vec<certificates::PrintRecord>> {
        certificates::prints(&self.store, event_id, certificate_id)
    }

    /// Checks a certificate code offline; `public_key` hex, default this
    /// installation's key.
    pub fn verify_certificate(&self, code: &str, public_key: Option<&str>) -> Result<certificates::Verification> {
        let key = match public_key {
            Some(k) => k.trim().to_ascii_lowercase(),
            None => certificates::public_key(&self.store)?,
        };
        certificates::verify(&self.store, code, &key)
    }

    /// This installation's certificate-signing public key (hex).
    pub fn certificate_public_key(&self) -> Result<String> {
        certificates::public_key(&self.store)
    }
    // Paper questionnaires (XLSForm), keying, double entry, the portrait.

    /// Imports an XLSForm (`.xlsx`/`.xls`) for an event.
    pub fn import_form(&mut self, event_id: &str, path: &Path, double_entry: bool) -> Result<forms::StoredForm> {
        forms::ops::import(&mut self.store, event_id, path, double_entry)
    }

    pub fn form(&self, form_id: &str) -> Result<forms::StoredForm> {
        forms::ops::get(&self.store, form_id)
    }

    pub fn list_forms(&self, event_id: &str) -> Result<Vec<forms::StoredForm>> {
        self.require_event(event_id)?;
        store::forms::list(&self.store, event_id)
    }

    /// Whether every paper of the form must be keyed twice.
    pub fn set_double_entry(&mut self, form_id: &str, on: bool) -> Result<forms::StoredForm> {
        forms::ops::set_double_entry(&mut self.store, form_id, on)
    }

    /// Registers a paper batch of `count` papers from `first_paper` (default `1`).
    pub fn add_batch(&mut self, form_id: &str, name: &str, count: u32, first_paper: Option<&str>) -> Result<forms::Batch> {
        forms::ops::add_batch(&mut self.store, form_id, name, count, first_paper)
    }

    pub fn batches(&self, form_id: &str) -> Result<Vec<forms::Batch>> {
        self.form(form_id)?;
        store::forms::batches(&self.store, form_id)
    }

    /// Expected, keyed and missing papers of a batch (by id or name).
    pub fn batch_status(&self, form_id: &str, batch: &str, entry: forms::Entry) -> Result<forms::responses::BatchStatus> {
        forms::ops::batch_status(&self.store, form_id, batch, entry)
    }

    /// A keyboard-only keying session (see `forms::keying`); save each
    /// finished paper with [`Muster::save_keyed`].
    pub fn keying_session(&self, form_id: &str, entry: forms::Entry, keyer: &str, batch: Option<&str>, language: Option<&str>) -> Result<forms::keying::KeyingSession> {
        forms::ops::session(&self.store, form_id, entry, keyer, batch, language)
    }

    /// Stores a keyed paper (validated again); returns the response id.
    pub fn save_keyed(&mut self, form_id: &str, keyed: &forms::keying::KeyedForm) -> Result<String> {
        forms::ops::save_keyed(&mut self.store, form_id, keyed)
    }

    /// Imports responses from a CSV (first column `paper_id`).
    pub fn import_responses(&mut self, form_id: &str, path: &Path, entry: forms::Entry, rejects: Option<&Path>) -> Result<forms::responses::ResponsesImport> {
        forms::ops::import_responses(&mut self.store, form_id, path, entry, rejects)
    }

    /// Differences between first and second entries, per paper and field.
    pub fn responses_diff(&self, form_id: &str) -> Result<forms::responses::DiffReport> {
        forms::ops::diff(&self.store, form_id)
    }

    /// A supervisor's choice for one differing field (a new fact).
    pub fn resolve_difference(&mut self, form_id: &str, paper: &str, field: &str, value: &str, by: &str) -> Result<store::forms::Resolution> {
        forms::ops::resolve(&mut self.store, form_id, paper, field, value, by)
    }

    /// The trainee portrait of a form.
    pub fn portrait(&self, form_id: &str, language: Option<&str>) -> Result<forms::portrait::Portrait> {
        Ok(forms::ops::portrait(&self.store, form_id, language)?.0)
    }

    /// The portrait, also written to an XLSX file.
    pub fn portrait_xlsx(&self, form_id: &str, path: &Path) -> Result<forms::portrait::Portrait> {
        forms::ops::portrait_xlsx(&self.store, form_id, path)
    }

    /// Forms/hour, keystrokes/hour and disagreements per 1,000 fields per keyer.
    pub fn keyer_stats(&self, form_id: &str) -> Result<Vec<forms::responses::KeyerStats>> {
        forms::ops::keyer_stats(&self.store, form_id)
    }
}
