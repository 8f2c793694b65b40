//! Muster's core: the domain of on-site trainings (events, sessions,
//! trainees), the local SQLite store that holds it, the change log that sync
//! ships, and the roster importer.
//!
//! No Tauri and no network in here: the desktop shell and the CLI are thin
//! callers of [`Muster`], the one facade.

pub mod attendance;
pub mod clock;
pub mod code;
pub mod demo;
pub mod error;
pub mod event;
pub mod export;
pub mod import;
pub mod model;
pub mod normalize;
pub mod roster;
pub mod search;
pub mod store;
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
    /// Opens the store at `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<Muster> {
        let mut store = Store::open(path)?;
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

    pub fn store(&self) -> &Store {
        &self.store
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
}
