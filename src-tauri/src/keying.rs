//! Keying paper questionnaires over IPC: import an XLSForm, list an event's
//! forms, paper batches, double-entry differences and the portrait, and
//! the keying desk (`muster_core::forms::desk`): each keydown in the UI is
//! one `keying_press` returning the new `Screen`; a paper complete is saved
//! at once and the session moves on to the next paper.

use std::path::Path;

use muster_core::forms::desk::{KeyingPress, KeyingStart};
use muster_core::forms::portrait::Portrait;
use muster_core::forms::responses::{BatchStatus, DiffReport, KeyerStats};
use muster_core::forms::{Batch, Entry, Resolution, StoredForm};
use tauri::State;

use crate::AppState;

crate::commands! {
    pub async fn list_forms(state: State<'_, AppState>; event_id: String) -> Vec<StoredForm> {
        state.with(|m| m.list_forms(&event_id))
    }

    /// Imports an XLSForm (`.xlsx`/`.xls`) for an event.
    pub async fn import_form(state: State<'_, AppState>; event_id: String, path: String, double_entry: bool) -> StoredForm {
        state.with(|m| m.import_form(&event_id, Path::new(&path), double_entry))
    }

    /// Switches double entry on or off for a form.
    pub async fn set_double_entry(state: State<'_, AppState>; form_id: String, on: bool) -> StoredForm {
        state.with(|m| m.set_double_entry(&form_id, on))
    }

    /// Starts an event's questionnaire from the ready portrait template.
    pub async fn import_form_template(state: State<'_, AppState>; event_id: String, double_entry: bool) -> StoredForm {
        state.with(|m| m.import_form_template(&event_id, double_entry))
    }

    /// Saves the ready portrait questionnaire as an XLSForm to edit
    /// (→ the number of questions).
    pub async fn save_form_template(state: State<'_, AppState>; path: String) -> usize {
        state.with(|m| m.write_form_template(Path::new(&path)))
    }

    /// Opens a keying session on a form (`entry`: first or second keying,
    /// default first). A signed-in user keys as themselves, else as `keyer`.
    /// `verify`: a second entry keyed against the first (a differing
    /// answer asks which is right).
    pub async fn keying_start(state: State<'_, AppState>; form_id: String, entry: Option<Entry>, keyer: Option<String>, batch: Option<String>, language: Option<String>, verify: Option<bool>) -> KeyingStart {
        state.with(|m| m.keying_open(&form_id, entry.unwrap_or_default(), keyer.as_deref(), batch.as_deref(), language.as_deref(), verify.unwrap_or(false)))
    }

    /// One key into a session (`Enter`, `Backspace`, `Back` or one
    /// character). A completed paper is saved and the next one begins.
    pub async fn keying_press(state: State<'_, AppState>; session_id: String, key: String) -> KeyingPress {
        state.with(|m| m.keying_press(&session_id, &key))
    }

    /// Opens a saved paper of the session's entry again to correct it
    /// (answers prefilled; the review's Enter saves the correction).
    pub async fn keying_correct(state: State<'_, AppState>; session_id: String, paper: String, reason: String) -> KeyingPress {
        state.with(|m| m.keying_correct(&session_id, &paper, &reason))
    }

    /// Closes a session (an unfinished paper is dropped, nothing was saved).
    pub async fn keying_end(state: State<'_, AppState>; session_id: String) -> () {
        state.quiet(|m| Ok(m.keying_close(&session_id)).map(|_| ()))
    }

    /// Registers a stack of `count` papers, the first numbered `first` (default 1).
    pub async fn add_batch(state: State<'_, AppState>; form_id: String, name: String, count: u32, first: Option<String>) -> Batch {
        state.with(|m| m.add_batch(&form_id, &name, count, first.as_deref().filter(|f| !f.trim().is_empty())))
    }

    pub async fn list_batches(state: State<'_, AppState>; form_id: String) -> Vec<Batch> {
        state.with(|m| m.batches(&form_id))
    }

    /// Expected, keyed and missing paper IDs of a batch for one entry.
    pub async fn batch_status(state: State<'_, AppState>; form_id: String, batch: String, entry: Option<Entry>) -> BatchStatus {
        state.with(|m| m.batch_status(&form_id, &batch, entry.unwrap_or_default()))
    }

    /// Differences between the first and second entry, per paper and field.
    pub async fn responses_diff(state: State<'_, AppState>; form_id: String) -> DiffReport {
        state.with(|m| m.responses_diff(&form_id))
    }

    /// A supervisor's value for one differing field; who chose it is recorded.
    pub async fn resolve_difference(state: State<'_, AppState>; form_id: String, paper: String, field: String, value: String, by: String) -> Resolution {
        state.with(|m| m.resolve_difference(&form_id, &paper, &field, &value, &by))
    }

    /// Forms/hour, keystrokes/hour and disagreements per 1,000 fields per keyer.
    pub async fn keyer_stats(state: State<'_, AppState>; form_id: String) -> Vec<KeyerStats> {
        state.with(|m| m.keyer_stats(&form_id))
    }

    /// The trainee portrait of a form (labels in `language`, default the form's).
    pub async fn form_portrait(state: State<'_, AppState>; form_id: String, language: Option<String>) -> Portrait {
        state.with(|m| m.portrait(&form_id, language.as_deref().filter(|l| !l.is_empty())))
    }

    /// Writes the portrait to `path` as `xlsx` (an export: an encrypted store
    /// seals it to `path.zip` unless `plain`) or `pdf` (a printout, in the
    /// audit log); returns the path written.
    pub async fn export_portrait(state: State<'_, AppState>; form_id: String, path: String, format: String, plain: Option<bool>) -> String {
        state.with(|m| m.export_portrait(&form_id, Path::new(&path), &format, plain.unwrap_or(false)))
    }
}
