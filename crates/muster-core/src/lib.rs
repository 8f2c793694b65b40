//! Muster's core: the domain of on-site trainings (events, sessions,
//! trainees), the local SQLite store that holds it, the change log that sync
//! ships, and the roster importer.
//!
//! No Tauri and no network in here: the desktop shell and the CLI are thin
//! callers of [`Muster`], the one facade.

pub mod clock;
pub mod demo;
pub mod error;
pub mod event;
pub mod import;
pub mod model;
pub mod normalize;
pub mod roster;
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
        Ok(Muster { store: Store::open(path)? })
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
        let query = normalize::text(query);
        if query.is_empty() {
            return Ok(self.roster(event_id)?.into_iter().take(limit).collect());
        }
        store::trainees::search(&self.store, event_id, &query, limit)
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
}
