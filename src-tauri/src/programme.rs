//! Programmes and their stops over IPC: the event list grouped by
//! programme, a stop closed or purged, the same person at other stops, and
//! which events this laptop syncs.

use muster_core::model::{Event, NewEvent};
use muster_core::programme::{History, Programme, ProgrammeView, Purged, SyncEvents};
use tauri::State;

use crate::AppState;

crate::commands! {
    pub async fn list_programmes(state: State<'_, AppState>; ) -> Vec<Programme> {
        state.with(|m| m.list_programmes())
    }

    pub async fn create_programme(state: State<'_, AppState>; name: String, description: Option<String>) -> Programme {
        state.with(|m| m.create_programme(&name, description.as_deref()))
    }

    /// A programme's stops in date order, with what this laptop holds of each.
    pub async fn programme_show(state: State<'_, AppState>; programme_id: String) -> ProgrammeView {
        state.with(|m| m.programme(&programme_id))
    }

    /// Creates an event, a stop of `programme_id` when given.
    pub async fn create_event_in(state: State<'_, AppState>; event: NewEvent, programme_id: Option<String>) -> Event {
        state.with(|m| m.create_event_in(event, programme_id.as_deref()))
    }

    /// Closes an event: read-only from now (reprints still allowed).
    pub async fn close_event(state: State<'_, AppState>; event_id: String) -> Event {
        state.with(|m| m.close_event(&event_id))
    }

    pub async fn reopen_event(state: State<'_, AppState>; event_id: String) -> Event {
        state.with(|m| m.reopen_event(&event_id))
    }

    /// Removes a closed, fully synced event's personal data from this laptop.
    pub async fn purge_event(state: State<'_, AppState>; event_id: String) -> Purged {
        state.with(|m| m.purge_event(&event_id))
    }

    /// The same person at every stop this laptop holds.
    pub async fn trainee_history(state: State<'_, AppState>; trainee_id: String) -> History {
        state.with(|m| m.trainee_history(&trainee_id))
    }

    pub async fn sync_events(state: State<'_, AppState>; ) -> SyncEvents {
        state.with(|m| m.sync_events())
    }

    /// Which events this laptop syncs (`null`: all the server gives it).
    pub async fn set_sync_events(state: State<'_, AppState>; events: Option<Vec<String>>) -> SyncEvents {
        state.with(|m| m.set_sync_events(events))
    }
}
