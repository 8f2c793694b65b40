//! The programme: the same training at stop after stop (Lingshou, Yan'an,
//! … Turkmenistan). A programme and its stops' names, dates and venues
//! reach every laptop; a laptop holds the personal data only of the stops
//! it works on ([`Muster::set_sync_events`]), a closed stop is read-only
//! ([`Muster::close_event`]) and a finished one can leave the laptop
//! ([`Muster::purge_event`]) once the central service holds all of it. The
//! same person at two stops is linked, never merged
//! ([`Muster::trainee_history`]).

use crate::access::Action;
use crate::model::{Event, NewEvent};
use crate::store::{self, programmes::Holdings};
use crate::{event, Error, Muster, Result};
use serde::Serialize;

pub use crate::store::programmes::Programme;

/// One stop of a programme, with what this store holds of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stop {
    pub event_id: String,
    pub name: String,
    pub venue: String,
    pub starts_on: String,
    pub days: u32,
    pub closed: bool,
    /// Whether this store holds the stop's personal data (its roster, its
    /// marks): a laptop of another stop knows only its name and dates.
    pub held: bool,
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub counts: Holdings,
}

/// A programme and its stops in date order, with totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgrammeView {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub programme: Programme,
    pub stops: Vec<Stop>,
    pub totals: Holdings,
}

/// One stop a person attended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryStop {
    pub event_id: String,
    pub trainee_id: String,
    /// The event's name.
    pub name: String,
    pub starts: String,
    pub programme_id: Option<String>,
    /// Hours attended there.
    pub hours: f64,
    /// The certificate's printed number, once issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub certificate: Option<String>,
}

/// The same person at every stop this store holds: by ID number, or by
/// name and mobile; linked, never merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct History {
    pub trainee_id: String,
    pub name: String,
    /// In date order, this stop among them.
    pub stops: Vec<HistoryStop>,
}

/// What a purge removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Purged {
    pub event_id: String,
    /// Rows and change-log entries removed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub removed: u64,
    pub trainees: u32,
    /// The store file's size before and after (its free pages given back).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_before: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_after: u64,
}

/// Which events this laptop syncs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncEvents {
    /// `None`: every event the server gives this laptop.
    pub events: Option<Vec<String>>,
    /// Events whose personal data this laptop removed: never pulled again.
    pub purged: Vec<String>,
}

/// The entities a purge removes, rows and log: what holds personal data.
const PERSONAL: &[&str] = &[
    "trainee",
    "attendance",
    "attendance_correction",
    "eligibility_override",
    "certificate",
    "certificate_print",
    "response",
    "response_rejection",
    "entry_resolution",
    "response_correction",
    "audit",
    muster_protocol::rules::VOID,
];

impl Muster {
    /// Creates a programme. Its name must not be blank.
    pub fn create_programme(&mut self, name: &str, description: Option<&str>) -> Result<Programme> {
        self.allow(Action::ManageEvents)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid_at("a programme needs a name", None, None, Some("name")));
        }
        let description = description.map(str::trim).filter(|d| !d.is_empty());
        let id = self.store.write(|w| store::programmes::insert(w, name, description))?;
        store::programmes::get(&self.store, &id)?.ok_or_else(|| Error::NotFound { kind: "programme", id })
    }

    pub fn list_programmes(&self) -> Result<Vec<Programme>> {
        self.allow(Action::ViewEvents)?;
        store::programmes::list(&self.store)
    }

    /// A programme (by id or exact name) and its stops in date order, with
    /// what this store holds of each.
    pub fn programme(&self, programme: &str) -> Result<ProgrammeView> {
        self.allow(Action::ViewEvents)?;
        let id = event::find_programme(&self.store, programme)?;
        let p = store::programmes::get(&self.store, &id)?.ok_or_else(|| Error::NotFound { kind: "programme", id: id.clone() })?;
        let mut events: Vec<Event> =
            store::events::list(&self.store)?.into_iter().filter(|e| e.programme_id.as_deref() == Some(id.as_str())).collect();
        events.sort_by(|a, b| (&a.starts_on, &a.id).cmp(&(&b.starts_on, &b.id)));
        let selected = store::sync::selected_events(&self.store)?;
        let mut stops = Vec::new();
        let mut totals = Holdings::default();
        for e in events {
            let counts = store::programmes::holdings(&self.store, &e.id)?;
            totals.trainees += counts.trainees;
            totals.checked_in += counts.checked_in;
            totals.certificates += counts.certificates;
            totals.responses += counts.responses;
            let synced = selected.as_ref().is_none_or(|l| l.contains(&e.id));
            let held = e.purged_at.is_none() && (counts.trainees > 0 || synced);
            stops.push(Stop {
                event_id: e.id,
                name: e.name,
                venue: e.venue,
                starts_on: e.starts_on,
                days: e.days,
                closed: e.closed_at.is_some(),
                held,
                counts,
            });
        }
        Ok(ProgrammeView { programme: p, stops, totals })
    }

    /// What this store holds of one event: a stop's counts, without the
    /// rest of its programme.
    pub fn event_holdings(&self, event_id: &str) -> Result<Holdings> {
        self.allow(Action::ViewEvents)?;
        if !store::events::exists(&self.store, event_id)? {
            return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
        }
        store::programmes::holdings(&self.store, event_id)
    }

    /// Creates an event, a stop of `programme` (id or exact name) when given.
    /// A laptop that syncs only some events syncs the new one too.
    pub fn create_event_in(&mut self, e: NewEvent, programme: Option<&str>) -> Result<Event> {
        self.allow(Action::ManageEvents)?;
        let created = event::create(&mut self.store, &e, programme)?;
        if let Some(mut events) = store::sync::selected_events(&self.store)? {
            events.push(created.id.clone());
            self.store.write(|w| store::sync::select_events(w, Some(&events)))?;
        }
        Ok(created)
    }

    /// Closes an event: read-only from now (reprints still allowed).
    pub fn close_event(&mut self, event_id: &str) -> Result<Event> {
        self.allow(Action::ManageEvents)?;
        event::set_closed(&mut self.store, event_id, true)
    }

    /// Reopens a closed event.
    pub fn reopen_event(&mut self, event_id: &str) -> Result<Event> {
        self.allow(Action::ManageEvents)?;
        event::set_closed(&mut self.store, event_id, false)
    }

    /// Removes a closed event's personal data from this laptop: its roster,
    /// marks, certificates, responses and audit lines, and every change of
    /// them, then gives the free pages back to the file system so the bytes
    /// are gone from the file. Refused while the event is open, or while
    /// any change of it has not reached the central service (naming how
    /// many). The event's name and dates stay; a pull never brings the rest
    /// back.
    pub fn purge_event(&mut self, event_id: &str) -> Result<Purged> {
        self.allow(Action::Administer)?;
        let e = store::events::get(&self.store, event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: event_id.to_string() })?;
        if e.closed_at.is_none() {
            return Err(Error::Conflict(format!(
                "event {} is open: close it first (`muster event close`), then purge it",
                crate::quote(&e.name)
            ))
            .worded("purge_open", &[("event", &e.name)]));
        }
        let acked = store::sync::state(&self.store)?.acked_seq;
        let me = self.store.device_id().to_string();
        let scopes = store::programmes::scopes(&self.store)?;
        let of_event: Vec<(String, u64, String)> =
            scopes.into_iter().filter(|(_, _, _, r)| r.event() == Some(event_id)).map(|(d, s, e, _)| (d, s, e)).collect();
        let unsent = of_event.iter().filter(|(d, s, _)| *d == me && *s > acked).count();
        // The log of the rows that go; the rows that stay (sessions, forms,
        // settings, revocations: no personal data) keep theirs.
        let of_event: Vec<(String, u64)> =
            of_event.into_iter().filter(|(_, _, e)| PERSONAL.contains(&e.as_str())).map(|(d, s, _)| (d, s)).collect();
        if unsent > 0 {
            return Err(Error::Conflict(format!(
                "{unsent} change(s) of event {} have not reached the central service: sync first, then purge. Nothing was removed",
                crate::quote(&e.name)
            ))
            .worded("purge_unsent", &[("count", &unsent), ("event", &e.name)]));
        }
        let trainees = e.trainee_count;
        let bytes_before = self.store.file_bytes();
        self.store.secure_delete()?;
        let removed = self.store.write(|w| {
            let n = store::programmes::purge(w, event_id, &of_event)?;
            w.audit(store::AuditRecord {
                event_id: None,
                action: "purge",
                entity: Some("event"),
                entity_id: Some(event_id.to_string()),
                detail: Some(format!("{trainees} trainee(s), {n} row(s) and change(s) removed from this laptop")),
                ..Default::default()
            })?;
            Ok(n)
        })?;
        // (Compacting tells every copy of the search index, this one's too.)
        self.store.compact()?;
        Ok(Purged { event_id: event_id.to_string(), removed, trainees, bytes_before, bytes_after: self.store.file_bytes() })
    }

    /// The same person at every stop this store holds (same ID number, or
    /// same name and mobile), in date order, with hours and certificate.
    pub fn trainee_history(&self, trainee_id: &str) -> Result<History> {
        self.allow(Action::ViewRoster)?;
        let t = store::trainees::get(&self.store, trainee_id)?
            .ok_or_else(|| Error::NotFound { kind: "trainee", id: trainee_id.to_string() })?;
        let mut at = vec![(t.id.clone(), t.event_id.clone())];
        at.extend(store::programmes::same_person(&self.store, &t.id)?);
        let mut stops = Vec::new();
        for (trainee, event) in at {
            let Some(e) = store::events::get(&self.store, &event)? else { continue };
            let report = crate::certificates::eligibility(&self.store, &event, None)?;
            let mine = report.trainees.iter().find(|x| x.trainee_id == trainee);
            let certificate = mine.and_then(|x| x.certificate_id.as_deref()).map(muster_protocol::trust::certificate_number);
            stops.push(HistoryStop {
                event_id: e.id,
                trainee_id: trainee,
                name: e.name,
                starts: e.starts_on,
                programme_id: e.programme_id,
                hours: mine.map(|x| x.hours).unwrap_or(0.0),
                certificate,
            });
        }
        stops.sort_by(|a, b| (&a.starts, &a.event_id).cmp(&(&b.starts, &b.event_id)));
        Ok(History { trainee_id: t.id, name: t.fields.name, stops })
    }

    /// Which events this laptop syncs.
    pub fn sync_events(&self) -> Result<SyncEvents> {
        self.allow(Action::Sync)?;
        Ok(SyncEvents { events: store::sync::selected_events(&self.store)?, purged: store::programmes::purged_events(&self.store)? })
    }

    /// Sets which events this laptop syncs (`None`: every event the server
    /// gives it). Each must be an event this laptop knows. An event added
    /// to the list is pulled from the start on the next sync; one taken off
    /// keeps what is held (close and purge it to remove it).
    pub fn set_sync_events(&mut self, events: Option<Vec<String>>) -> Result<SyncEvents> {
        self.allow(Action::Sync)?;
        if let Some(list) = &events {
            for e in list {
                if !store::events::exists(&self.store, e)? {
                    return Err(Error::NotFound { kind: "event", id: e.clone() });
                }
            }
        }
        let events = events.map(|mut l| {
            l.sort();
            l.dedup();
            l
        });
        let before = store::sync::selected_events(&self.store)?;
        let grows = match (&before, &events) {
            (Some(_), None) => true,
            (Some(old), Some(new)) => new.iter().any(|e| !old.contains(e)),
            (None, _) => false,
        };
        self.store.write(|w| {
            store::sync::select_events(w, events.as_deref())?;
            if grows {
                store::sync::forget_cursor(w)?;
            }
            Ok(())
        })?;
        self.sync_events()
    }
}
