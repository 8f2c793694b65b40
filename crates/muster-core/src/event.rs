//! Creating events and their sessions, with the checks a coordinator would
//! expect (real dates, a session that ends after it starts, within the
//! event's days).

use crate::clock::{is_date, is_minute};
use crate::model::{Event, NewEvent, NewSession, Session};
use crate::store::{self, Store};
use crate::{Error, Result};

fn field(field: &str, message: impl Into<String>) -> Error {
    Error::invalid_at(message, None, None, Some(field))
}

pub fn create(store: &mut Store, e: &NewEvent) -> Result<Event> {
    // Names are kept as typed (full-width brackets in 培训（光山） stay), only trimmed.
    let e = NewEvent { name: e.name.trim().to_string(), venue: e.venue.trim().to_string(), ..e.clone() };
    if e.name.is_empty() {
        return Err(field("name", "an event needs a name"));
    }
    if !is_date(&e.starts_on) {
        return Err(field("starts", format!("start date '{}' is not a date written YYYY-MM-DD", e.starts_on)));
    }
    if !(1..=366).contains(&e.days) {
        return Err(field("days", format!("days must be between 1 and 366, not {}", e.days)));
    }
    let id = store.write(|w| store::events::insert(w, &e))?;
    store::events::get(store, &id)?.ok_or_else(|| Error::NotFound { kind: "event", id })
}

pub fn add_session(store: &mut Store, event_id: &str, s: &NewSession) -> Result<Session> {
    let s = NewSession { title: s.title.trim().to_string(), ..s.clone() };
    if s.title.is_empty() {
        return Err(field("title", "a session needs a title"));
    }
    for (name, value) in [("starts", &s.starts_at), ("ends", &s.ends_at)] {
        if !is_minute(value) {
            return Err(field(name, format!("'{value}' is not a time written YYYY-MM-DDTHH:MM")));
        }
    }
    if s.ends_at <= s.starts_at {
        return Err(field("ends", format!("the session ends ({}) before it starts ({})", s.ends_at, s.starts_at)));
    }
    let id = store.write(|w| {
        if !store::events::exists_in(w, event_id)? {
            return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
        }
        store::sessions::insert(w, event_id, &s)
    })?;
    store::sessions::list(store, event_id)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Error::NotFound { kind: "session", id })
}
