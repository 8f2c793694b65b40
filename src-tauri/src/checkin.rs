//! Check-in at the door, over IPC: door search, check-in and sign-out by
//! trainee id or scanned code, walk-ins, duplicates and merges, the live
//! dashboard, the attendance report, corrections and the report export.
//!
//! Each command is a one-liner into [`muster_core::Muster`].

use std::path::Path;

use muster_core::attendance::{AttendanceReport, Closed, MarkOutcome, MarkRequest, SessionDashboard, Undone, Who};
use muster_core::model::Trainee;
use muster_core::search::DoorSearch;
use muster_core::trainee::DuplicateGroup;

use serde::Serialize;
use tauri::State;

use crate::AppState;

/// Default and largest number of hits the door search returns.
const DOOR_LIMIT: usize = 8;
const DOOR_LIMIT_MAX: usize = 200;

/// A walk-in just registered, and who it may duplicate (never merged here).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct WalkIn {
    pub trainee: Trainee,
    pub duplicates: Vec<Trainee>,
}

crate::commands! {
    /// Door search: code, name, pinyin (full or initials), mobile's last four.
    pub async fn search(state: State<'_, AppState>; event_id: String, query: String, limit: Option<usize>) -> Vec<Trainee> {
        let limit = limit.unwrap_or(DOOR_LIMIT).clamp(1, DOOR_LIMIT_MAX);
        state.with(|m| m.search(&event_id, &query, limit))
    }

    /// The search behind Enter at the door: hits (exact ones first) and the
    /// one trainee Enter may check in without asking.
    pub async fn door_search(state: State<'_, AppState>; event_id: String, query: String, limit: Option<usize>) -> DoorSearch {
        let limit = limit.unwrap_or(DOOR_LIMIT).clamp(1, DOOR_LIMIT_MAX);
        state.with(|m| m.door_search(&event_id, &query, limit))
    }

    /// Closes a session: who is still in is signed out at its end, who never
    /// came is marked absent (once; closing again records nothing).
    pub async fn close_session(state: State<'_, AppState>; event_id: String, session_id: String) -> Closed {
        state.with(|m| m.close_session(&event_id, &session_id))
    }

    /// Undoes a mistaken check-in (the door's Undo, Ctrl+Z): it no longer
    /// counts and stays as history with the reason.
    pub async fn undo_check_in(state: State<'_, AppState>; event_id: String, session_id: String, trainee_id: Option<String>, code: Option<String>, reason: String) -> Undone {
        state.with(|m| m.undo_check_in(&event_id, &session_id, &Who::from_parts(trainee_id, code)?, &reason))
    }

    /// Checks a trainee into a session. `needs_confirmation` outside the
    /// session's times: the UI asks, then calls again with `force: true`.
    pub async fn check_in(state: State<'_, AppState>; event_id: String, session_id: String, trainee_id: Option<String>, code: Option<String>, at: Option<String>, force: bool, source: String) -> MarkOutcome {
        state.with(|m| m.check_in(&MarkRequest::from_parts(event_id, session_id, trainee_id, code, at, force, &source)?))
    }

    /// Signs a trainee out of a session (same arguments as `check_in`).
    pub async fn check_out(state: State<'_, AppState>; event_id: String, session_id: String, trainee_id: Option<String>, code: Option<String>, at: Option<String>, force: bool, source: String) -> MarkOutcome {
        state.with(|m| m.check_out(&MarkRequest::from_parts(event_id, session_id, trainee_id, code, at, force, &source)?))
    }

    pub async fn walk_in(state: State<'_, AppState>; event_id: String, name: String, phone: Option<String>, id_number: Option<String>) -> WalkIn {
        let (trainee, duplicates) =
            state.with(|m| m.walk_in(&event_id, &name, phone.as_deref(), id_number.as_deref()))?;
        Ok(WalkIn { trainee, duplicates })
    }

    pub async fn possible_duplicates(state: State<'_, AppState>; event_id: String) -> Vec<DuplicateGroup> {
        state.with(|m| m.possible_duplicates(&event_id))
    }

    /// Merges `other` into `keep`; only ever on a coordinator's explicit choice.
    pub async fn merge_trainees(state: State<'_, AppState>; keep: String, other: String) -> Trainee {
        state.with(|m| m.merge_trainees(&keep, &other))
    }

    pub async fn attendance_report(state: State<'_, AppState>; event_id: String) -> AttendanceReport {
        state.with(|m| m.attendance_report(&event_id))
    }

    pub async fn dashboard(state: State<'_, AppState>; event_id: String) -> Vec<SessionDashboard> {
        // The live dashboard refreshes itself every few seconds: a poll, not
        // someone at the keyboard, so it must not hold the idle lock off.
        state.quiet(|m| m.dashboard(&event_id))
    }

    /// Records a correction (a new fact; the marks and older corrections stay).
    pub async fn correct_attendance(state: State<'_, AppState>; event_id: String, session_id: String, trainee_id: String, status: String, hours: Option<f64>, reason: String) -> () {
        state.with(|m| m.correct_attendance(&event_id, &session_id, &trainee_id, &status, hours, &reason))
    }

    /// Writes the attendance report to `path` as `xlsx` or `csv` (an encrypted
    /// store seals it to `path.zip` unless `plain`); returns the path written.
    pub async fn export_attendance(state: State<'_, AppState>; event_id: String, path: String, format: String, plain: Option<bool>) -> String {
        state.with(|m| m.export_attendance(&event_id, &format, Path::new(&path), plain.unwrap_or(false))).map(|f| f.file)
    }
}
