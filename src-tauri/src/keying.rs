//! Keying paper questionnaires over IPC: import an XLSForm, list an event's
//! forms, and drive `muster_core::forms::keying::KeyingSession` one key at a
//! time.
//!
//! The session lives here, in Rust, keyed by a session id; each keydown in
//! the UI is one `keying_press` returning the new `Screen`. When a paper is
//! complete it is saved at once (`Muster::save_keyed`, with the time spent)
//! and the session moves on to the next paper.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use muster_core::forms::keying::{Key, KeyedForm, KeyingSession, Screen, Step};
use muster_core::forms::portrait::Portrait;
use muster_core::forms::responses::{BatchStatus, DiffReport, KeyerStats};
use muster_core::forms::{Batch, Entry, StoredForm};
use muster_core::store::forms::Resolution;
use muster_core::{Error, ErrorCode, ErrorPayload};
use serde::Serialize;
use tauri::State;

use crate::{shell_error, AppState};

struct Open {
    form_id: String,
    session: KeyingSession,
    /// When the current paper's first key was pressed.
    started: Option<Instant>,
}

/// The open keying sessions of the window.
#[derive(Default)]
pub struct KeyingState {
    next: AtomicU64,
    open: Mutex<HashMap<String, Open>>,
}

/// A new session and its first screen.
#[derive(Debug, Clone, Serialize)]
pub struct KeyingStart {
    pub session_id: String,
    pub screen: Screen,
}

/// What one key did, the screen now, and the paper saved by it (if any).
#[derive(Debug, Clone, Serialize)]
pub struct KeyingPress {
    pub step: Step,
    pub screen: Screen,
    pub saved: Option<SavedPaper>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SavedPaper {
    pub response_id: String,
    pub keyed: KeyedForm,
}

fn invalid(message: &str, field: &str) -> ErrorPayload {
    Error::invalid_at(message, None, None, Some(field)).to_payload()
}

/// `Enter`, `Backspace`, `Back` (e.g. the Up arrow) or one character.
pub fn parse_key(key: &str) -> Result<Key, ErrorPayload> {
    match key {
        "Enter" => Ok(Key::Enter),
        "Backspace" => Ok(Key::Backspace),
        "Back" | "ArrowUp" => Ok(Key::Back),
        _ => {
            let mut chars = key.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(Key::Char(c)),
                _ => Err(invalid(&format!("{} is not one key", muster_core::quote(&key)), "key")),
            }
        }
    }
}

fn entry(s: Option<&str>) -> Result<Entry, ErrorPayload> {
    match s.unwrap_or("first") {
        "first" => Ok(Entry::First),
        "second" => Ok(Entry::Second),
        other => Err(invalid(&format!("{} is not first or second", muster_core::quote(other)), "entry")),
    }
}

fn who() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into())
}

#[tauri::command]
pub async fn list_forms(state: State<'_, AppState>, event_id: String) -> Result<Vec<StoredForm>, ErrorPayload> {
    state.with(|m| m.list_forms(&event_id))
}

/// Imports an XLSForm (`.xlsx`/`.xls`) for an event.
#[tauri::command]
pub async fn import_form(
    state: State<'_, AppState>,
    event_id: String,
    path: String,
    double_entry: bool,
) -> Result<StoredForm, ErrorPayload> {
    state.with(|m| m.import_form(&event_id, Path::new(&path), double_entry))
}

/// Opens a keying session on a form (`entry`: first or second keying).
#[tauri::command]
pub async fn keying_start(
    state: State<'_, AppState>,
    keying: State<'_, KeyingState>,
    form_id: String,
    entry: Option<String>,
    keyer: Option<String>,
    batch: Option<String>,
    language: Option<String>,
) -> Result<KeyingStart, ErrorPayload> {
    let entry = self::entry(entry.as_deref())?;
    let session = state.with(|m| {
        // A signed-in user keys as themselves (keyer statistics, double
        // entry by two different people); else the name typed, else the
        // system's user name.
        let keyer = crate::users::signed_in_name(m).or(keyer.filter(|k| !k.trim().is_empty())).unwrap_or_else(who);
        m.keying_session(&form_id, entry, &keyer, batch.as_deref().filter(|b| !b.is_empty()), language.as_deref())
    })?;
    let screen = session.screen();
    let session_id = format!("k{}", keying.next.fetch_add(1, Ordering::Relaxed) + 1);
    keying
        .open
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(session_id.clone(), Open { form_id, session, started: None });
    Ok(KeyingStart { session_id, screen })
}

/// One key into a session. A completed paper is saved and the next one begins.
#[tauri::command]
pub async fn keying_press(
    state: State<'_, AppState>,
    keying: State<'_, KeyingState>,
    session_id: String,
    key: String,
) -> Result<KeyingPress, ErrorPayload> {
    let key = parse_key(&key)?;
    // Every key is input (the idle lock) and needs the keying role.
    state.with(|m| m.allow(muster_core::access::Action::Keying))?;
    let mut open = keying.open.lock().unwrap_or_else(|p| p.into_inner());
    let o = open.get_mut(&session_id).ok_or_else(|| shell_error(ErrorCode::NotFound, format!("no keying session {session_id}")))?;
    let started = *o.started.get_or_insert_with(Instant::now);
    let step = o.session.press(key);
    let mut saved = None;
    if step == Step::Complete {
        let mut keyed = o.session.finish().ok_or_else(|| shell_error(ErrorCode::Storage, "the paper is not complete"))?;
        keyed.duration_ms = Some(started.elapsed().as_millis() as u64);
        let response_id = state.with(|m| m.save_keyed(&o.form_id, &keyed))?;
        o.session.next_paper_form();
        o.started = None;
        saved = Some(SavedPaper { response_id, keyed });
    }
    Ok(KeyingPress { step, screen: o.session.screen(), saved })
}

/// Closes a session (an unfinished paper is dropped, nothing was saved).
#[tauri::command]
pub async fn keying_end(keying: State<'_, KeyingState>, session_id: String) -> Result<(), ErrorPayload> {
    keying.open.lock().unwrap_or_else(|p| p.into_inner()).remove(&session_id);
    Ok(())
}

// ---- batches, double entry, keyer statistics, the portrait ------------------

/// Registers a stack of `count` papers, the first numbered `first` (default 1).
#[tauri::command]
pub async fn add_batch(state: State<'_, AppState>, form_id: String, name: String, count: u32, first: Option<String>) -> Result<Batch, ErrorPayload> {
    state.with(|m| m.add_batch(&form_id, &name, count, first.as_deref().filter(|f| !f.trim().is_empty())))
}

#[tauri::command]
pub async fn list_batches(state: State<'_, AppState>, form_id: String) -> Result<Vec<Batch>, ErrorPayload> {
    state.with(|m| m.batches(&form_id))
}

/// Expected, keyed and missing paper IDs of a batch for one entry.
#[tauri::command]
pub async fn batch_status(state: State<'_, AppState>, form_id: String, batch: String, entry: Option<String>) -> Result<BatchStatus, ErrorPayload> {
    let entry = self::entry(entry.as_deref())?;
    state.with(|m| m.batch_status(&form_id, &batch, entry))
}

/// Differences between the first and second entry, per paper and field.
#[tauri::command]
pub async fn responses_diff(state: State<'_, AppState>, form_id: String) -> Result<DiffReport, ErrorPayload> {
    state.with(|m| m.responses_diff(&form_id))
}

/// A supervisor's value for one differing field; who chose it is recorded.
#[tauri::command]
pub async fn resolve_difference(state: State<'_, AppState>, form_id: String, paper: String, field: String, value: String, by: String) -> Result<Resolution, ErrorPayload> {
    state.with(|m| m.resolve_difference(&form_id, &paper, &field, &value, &by))
}

/// Forms/hour, keystrokes/hour and disagreements per 1,000 fields per keyer.
#[tauri::command]
pub async fn keyer_stats(state: State<'_, AppState>, form_id: String) -> Result<Vec<KeyerStats>, ErrorPayload> {
    state.with(|m| m.keyer_stats(&form_id))
}

/// The trainee portrait of a form (labels in `language`, default the form's).
#[tauri::command]
pub async fn form_portrait(state: State<'_, AppState>, form_id: String, language: Option<String>) -> Result<Portrait, ErrorPayload> {
    state.with(|m| m.portrait(&form_id, language.as_deref().filter(|l| !l.is_empty())))
}

/// Writes the portrait to `path` as `xlsx` (an export: an encrypted store
/// seals it to `path.zip` unless `plain`) or `pdf` (a printout, in the
/// audit log); returns the path written.
#[tauri::command]
pub async fn export_portrait(state: State<'_, AppState>, form_id: String, path: String, format: String, plain: Option<bool>) -> Result<String, ErrorPayload> {
    let target = Path::new(&path);
    match format.as_str() {
        "xlsx" => state.with(|m| m.portrait_xlsx(&form_id, target, plain.unwrap_or(false))).map(|(_, f)| f.file),
        "pdf" => {
            state.with(|m| m.portrait_pdf(&m.portrait(&form_id, None)?, target))?;
            Ok(path.clone())
        }
        other => Err(invalid(&format!("{} is not xlsx or pdf", muster_core::quote(other)), "format")),
    }
}
