//! Check-in at the door, over IPC: door search, check-in and sign-out by
//! trainee id or scanned code, walk-ins, duplicates and merges, the live
//! dashboard, the attendance report, corrections and the report export.
//!
//! Each command is a one-liner into [`muster_core::Muster`]; the only logic
//! here is turning IPC arguments into a [`MarkRequest`] (exactly one of
//! `trainee_id` / `code`, a known `source`) and choosing the export format.

use std::path::Path;

use muster_core::attendance::{AttendanceReport, MarkOutcome, MarkRequest, SessionDashboard, Who};
use muster_core::model::Trainee;
use muster_core::trainee::DuplicateGroup;
use muster_core::{Error, ErrorPayload};
use serde::Serialize;
use tauri::State;

use crate::AppState;

/// Default and largest number of hits the door search returns.
const DOOR_LIMIT: usize = 8;
const DOOR_LIMIT_MAX: usize = 200;

/// Where a mark came from, as the change log records it.
const SOURCES: [&str; 3] = ["scan", "search", "manual"];

/// A walk-in just registered, and who it may duplicate (never merged here).
#[derive(Debug, Clone, Serialize)]
pub struct WalkIn {
    pub trainee: Trainee,
    pub duplicates: Vec<Trainee>,
}

fn invalid(message: &str, field: &str) -> ErrorPayload {
    Error::invalid_at(message, None, None, Some(field)).to_payload()
}

/// The core's request from the IPC arguments: exactly one of `trainee_id`
/// and `code`, and a `source` of `scan`, `search` or `manual`.
pub fn mark_request(
    event_id: String,
    session_id: String,
    trainee_id: Option<String>,
    code: Option<String>,
    at: Option<String>,
    force: bool,
    source: String,
) -> Result<MarkRequest, ErrorPayload> {
    let who = match (trainee_id.filter(|s| !s.is_empty()), code) {
        (Some(id), None) => Who::Id(id),
        (None, Some(code)) => Who::Code(code),
        (Some(_), Some(_)) => return Err(invalid("give a trainee id or a code, not both", "code")),
        (None, None) => return Err(invalid("give a trainee id or a code", "code")),
    };
    if !SOURCES.contains(&source.as_str()) {
        return Err(invalid(&format!("{} is not scan, search or manual", muster_core::quote(&source)), "source"));
    }
    Ok(MarkRequest { event_id, session_id, who, at: at.filter(|s| !s.is_empty()), force, source })
}

/// Door search: code, name, pinyin (full or initials), mobile's last four.
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    event_id: String,
    query: String,
    limit: Option<usize>,
) -> Result<Vec<Trainee>, ErrorPayload> {
    let limit = limit.unwrap_or(DOOR_LIMIT).clamp(1, DOOR_LIMIT_MAX);
    state.with(|m| m.search(&event_id, &query, limit))
}

/// Checks a trainee into a session. `needs_confirmation` outside the
/// session's times: the UI asks, then calls again with `force: true`.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn check_in(
    state: State<'_, AppState>,
    event_id: String,
    session_id: String,
    trainee_id: Option<String>,
    code: Option<String>,
    at: Option<String>,
    force: bool,
    source: String,
) -> Result<MarkOutcome, ErrorPayload> {
    let req = mark_request(event_id, session_id, trainee_id, code, at, force, source)?;
    state.with(|m| m.check_in(&req))
}

/// Signs a trainee out of a session (same arguments as `check_in`).
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn check_out(
    state: State<'_, AppState>,
    event_id: String,
    session_id: String,
    trainee_id: Option<String>,
    code: Option<String>,
    at: Option<String>,
    force: bool,
    source: String,
) -> Result<MarkOutcome, ErrorPayload> {
    let req = mark_request(event_id, session_id, trainee_id, code, at, force, source)?;
    state.with(|m| m.check_out(&req))
}

#[tauri::command]
pub async fn walk_in(
    state: State<'_, AppState>,
    event_id: String,
    name: String,
    phone: Option<String>,
    id_number: Option<String>,
) -> Result<WalkIn, ErrorPayload> {
    let (trainee, duplicates) =
        state.with(|m| m.walk_in(&event_id, &name, phone.as_deref(), id_number.as_deref()))?;
    Ok(WalkIn { trainee, duplicates })
}

#[tauri::command]
pub async fn possible_duplicates(
    state: State<'_, AppState>,
    event_id: String,
) -> Result<Vec<DuplicateGroup>, ErrorPayload> {
    state.with(|m| m.possible_duplicates(&event_id))
}

/// Merges `other` into `keep`; only ever on a coordinator's explicit choice.
#[tauri::command]
pub async fn merge_trainees(
    state: State<'_, AppState>,
    keep: String,
    other: String,
) -> Result<Trainee, ErrorPayload> {
    state.with(|m| m.merge_trainees(&keep, &other))
}

#[tauri::command]
pub async fn attendance_report(
    state: State<'_, AppState>,
    event_id: String,
) -> Result<AttendanceReport, ErrorPayload> {
    state.with(|m| m.attendance_report(&event_id))
}

#[tauri::command]
pub async fn dashboard(
    state: State<'_, AppState>,
    event_id: String,
) -> Result<Vec<SessionDashboard>, ErrorPayload> {
    // The live dashboard refreshes itself every few seconds: a poll, not
    // someone at the keyboard, so it must not hold the idle lock off.
    state.quiet(|m| m.dashboard(&event_id))
}

/// Records a correction (a new fact; the marks and older corrections stay).
#[tauri::command]
pub async fn correct_attendance(
    state: State<'_, AppState>,
    event_id: String,
    session_id: String,
    trainee_id: String,
    status: String,
    hours: Option<f64>,
    reason: String,
) -> Result<(), ErrorPayload> {
    state.with(|m| m.correct_attendance(&event_id, &session_id, &trainee_id, &status, hours, &reason))
}

/// Writes the attendance report to `path` as `xlsx` or `csv` (an encrypted
/// store seals it to `path.zip` unless `plain`); returns the path written.
#[tauri::command]
pub async fn export_attendance(
    state: State<'_, AppState>,
    event_id: String,
    path: String,
    format: String,
    plain: Option<bool>,
) -> Result<String, ErrorPayload> {
    if !matches!(format.to_ascii_lowercase().as_str(), "xlsx" | "csv") {
        return Err(invalid(&format!("{} is not xlsx or csv", muster_core::quote(&format)), "format"));
    }
    if path.trim().is_empty() {
        return Err(invalid("choose where to save the report", "path"));
    }
    state.with(|m| m.export_attendance(&event_id, &format, Path::new(&path), plain.unwrap_or(false))).map(|f| f.file)
}
