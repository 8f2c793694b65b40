//! Events (trainings), their sessions and rosters over IPC: the footer's
//! app info, creating and listing events and sessions, the demo event,
//! roster preview and import (with progress, on a connection of its own)
//! and the rejected rows.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use muster_core::event::{EventPatch, Removed, SessionPatch};
use muster_core::model::{Event, NewEvent, NewSession, Session, Trainee};
use muster_core::trainee::TraineePatch;
use muster_core::roster::{ImportOptions, ImportReport, RosterPreview};
use muster_core::Error;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

use crate::AppState;

crate::events! {
    /// Rows done of an import, at most ~20 a second and always the last.
    pub const IMPORT_PROGRESS: Progress = "import-progress";
}

/// Default and largest number of rows `search_roster` returns.
const SEARCH_LIMIT: usize = 200;
const SEARCH_LIMIT_MAX: usize = 5000;

/// `{done, total}`: rows of an import, certificates of a printing.
#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// A progress callback that emits `event` with `{done, total}` at most ~20
/// times a second, and always the last one.
pub(crate) fn progress_emitter<R: tauri::Runtime>(app: AppHandle<R>, event: &'static str) -> impl FnMut(u64, u64) + Send + 'static {
    let mut last = Instant::now() - Duration::from_secs(1);
    move |done: u64, total: u64| {
        if done >= total || last.elapsed() >= Duration::from_millis(50) {
            last = Instant::now();
            let _ = app.emit(event, Progress { done, total });
        }
    }
}

/// What the footer shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AppInfo {
    pub version: String,
    pub db_path: String,
}

crate::commands! {
    pub async fn app_info(state: State<'_, AppState>; ) -> AppInfo {
        Ok(AppInfo { version: env!("CARGO_PKG_VERSION").to_string(), db_path: state.db_path.display().to_string() })
    }

    pub async fn list_events(state: State<'_, AppState>; ) -> Vec<Event> {
        state.with(|m| m.list_events())
    }

    pub async fn get_event(state: State<'_, AppState>; event_id: String) -> Event {
        state.with(|m| m.event(&event_id))
    }

    pub async fn create_event(state: State<'_, AppState>; event: NewEvent) -> Event {
        state.with(|m| m.create_event(event))
    }

    pub async fn create_demo_event(state: State<'_, AppState>; ) -> Event {
        state.with(|m| m.create_demo_event())
    }

    pub async fn list_sessions(state: State<'_, AppState>; event_id: String) -> Vec<Session> {
        state.with(|m| m.list_sessions(&event_id))
    }

    pub async fn add_session(state: State<'_, AppState>; event_id: String, session: NewSession) -> Session {
        state.with(|m| m.add_session(&event_id, session))
    }

    /// Corrects a trainee's details (a field `""` clears it, absent keeps it).
    pub async fn edit_trainee(state: State<'_, AppState>; trainee_id: String, patch: TraineePatch) -> Trainee {
        state.with(|m| m.edit_trainee(&trainee_id, &patch))
    }

    /// Adds the usual two half-day sessions per day of the event.
    pub async fn add_half_day_sessions(state: State<'_, AppState>; event_id: String) -> Vec<Session> {
        state.with(|m| m.add_half_day_sessions(&event_id))
    }

    pub async fn edit_session(state: State<'_, AppState>; session_id: String, patch: SessionPatch) -> Session {
        state.with(|m| m.edit_session(&session_id, &patch))
    }

    /// Removes a session; `needs_confirmation` when it holds check-ins
    /// (the UI asks, then calls again with `force: true`).
    pub async fn delete_session(state: State<'_, AppState>; session_id: String, force: bool) -> Removed {
        state.with(|m| m.delete_session(&session_id, force))
    }

    pub async fn edit_event(state: State<'_, AppState>; event_id: String, patch: EventPatch) -> Event {
        state.with(|m| m.edit_event(&event_id, &patch))
    }

    /// Removes an event from every list; `needs_confirmation` when it
    /// holds trainees or check-ins.
    pub async fn delete_event(state: State<'_, AppState>; event_id: String, force: bool) -> Removed {
        state.with(|m| m.delete_event(&event_id, force))
    }

    pub async fn roster(state: State<'_, AppState>; event_id: String) -> Vec<Trainee> {
        state.with(|m| m.roster(&event_id))
    }

    pub async fn search_roster(state: State<'_, AppState>; event_id: String, query: String, limit: Option<usize>) -> Vec<Trainee> {
        let limit = limit.unwrap_or(SEARCH_LIMIT).clamp(1, SEARCH_LIMIT_MAX);
        state.with(|m| m.search_roster(&event_id, &query, limit))
    }

    /// `mapping`: the coordinator's reading of some columns (header → field or `extra`).
    pub async fn preview_roster(state: State<'_, AppState>; path: String, mapping: Option<BTreeMap<String, String>>) -> RosterPreview {
        state.with(|m| m.preview_roster_mapped(Path::new(&path), &mapping.unwrap_or_default()))
    }

    pub async fn import_roster<R>(app: AppHandle<R>, state: State<'_, AppState>; event_id: String, path: String, dry_run: bool, mapping: Option<BTreeMap<String, String>>) -> ImportReport {
        let opts = ImportOptions { dry_run, rejects: None, plain: false, mapping: mapping.unwrap_or_default() };
        // At most ~20 progress events a second, and always the last one.
        let mut progress = progress_emitter(app.clone(), IMPORT_PROGRESS);
        if dry_run {
            return state.with(|m| m.import_roster(&event_id, Path::new(&path), &opts, &mut progress));
        }
        // On a connection of its own, so the app's door (check-ins on this
        // laptop) is not held for the whole import; the permission is checked
        // there, as this user.
        let mut own = state.with(|m| m.open_another())?;
        tauri::async_runtime::spawn_blocking(move || {
            own.import_roster(&event_id, Path::new(&path), &opts, &mut progress).map_err(|e| e.to_payload())
        })
        .await
        .map_err(|e| muster_core::Error::invalid(format!("the import stopped: {e}")).to_payload())?
    }

    /// Writes the rows of `src_path` that an import rejects, with the reasons,
    /// as a CSV the coordinator can fix in Excel and import again (an export:
    /// an encrypted store seals it to `dest_path.zip` unless `plain`); returns
    /// the path written.
    pub async fn save_rejects(state: State<'_, AppState>; src_path: String, dest_path: String, event_id: Option<String>, plain: Option<bool>) -> String {
        if dest_path.trim().is_empty() {
            return Err(Error::invalid_at("choose where to save the rejected rows", None, None, Some("path")).to_payload());
        }
        state
            .with(|m| m.save_rejects(event_id.as_deref(), Path::new(&src_path), Path::new(&dest_path), plain.unwrap_or(false)))
            .map(|f| f.file)
    }
}
