//! Creating events and their sessions, with the checks a coordinator would
//! expect: real dates and times, and a session that lies within its event
//! ([`check_session`]): it starts on one of the event's days, ends after it
//! starts and at most [`MAX_SESSION_HOURS`] later (so one crossing midnight
//! into the next day is fine, one ending in 2099 is not). An edit of an
//! event's days must keep its sessions inside them ([`check_days`]).

use crate::clock::{add_days, is_date, is_minute};
use crate::model::{Event, NewEvent, NewSession, Session};
use crate::store::{self, Store};
use crate::{Error, Result};

fn field(field: &str, message: impl Into<String>) -> Error {
    Error::invalid_at(message, None, None, Some(field))
}

pub(crate) fn create(store: &mut Store, e: &NewEvent) -> Result<Event> {
    // Names are kept as typed (full-width brackets in 培训（光山） stay), only trimmed.
    let e = NewEvent { name: e.name.trim().to_string(), venue: e.venue.trim().to_string(), ..e.clone() };
    if e.name.is_empty() {
        return Err(field("name", "an event needs a name"));
    }
    if !is_date(&e.starts_on) {
        return Err(field("starts", format!("start date {} is not a real date written YYYY-MM-DD", crate::quote(&e.starts_on))));
    }
    if !(1..=366).contains(&e.days) {
        return Err(field("days", format!("days must be between 1 and 366, not {}", e.days)));
    }
    let id = store.write(|w| store::events::insert(w, &e))?;
    store::events::get(store, &id)?.ok_or_else(|| Error::NotFound { kind: "event", id })
}

/// The longest a session may last.
pub const MAX_SESSION_HOURS: i64 = 24;

/// The event's last day, `YYYY-MM-DD`.
pub fn last_day(starts_on: &str, days: u32) -> String {
    add_days(starts_on, i64::from(days.max(1)) - 1)
}

/// Checks that a session from `starts_at` to `ends_at` (`YYYY-MM-DDTHH:MM`)
/// fits an event of `days` days from `starts_on`: real times, starting on
/// one of the event's days, ending after it starts and at most
/// [`MAX_SESSION_HOURS`] later. The rule for adding a session and for any
/// edit of one.
pub fn check_session(starts_on: &str, days: u32, starts_at: &str, ends_at: &str) -> Result<()> {
    for (name, value) in [("starts", starts_at), ("ends", ends_at)] {
        if !is_minute(value) {
            return Err(field(name, format!("{} is not a real time written YYYY-MM-DDTHH:MM", crate::quote(value))));
        }
    }
    if ends_at <= starts_at {
        return Err(field("ends", format!("the session ends ({ends_at}) before it starts ({starts_at})")));
    }
    let last = last_day(starts_on, days);
    let day = &starts_at[..10];
    if day < starts_on || day > last.as_str() {
        return Err(field(
            "starts",
            format!("the session starts on {day}, outside the event's days ({starts_on} to {last})"),
        ));
    }
    let parse = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").ok();
    if let (Some(a), Some(b)) = (parse(starts_at), parse(ends_at)) {
        if b - a > chrono::Duration::hours(MAX_SESSION_HOURS) {
            return Err(field(
                "ends",
                format!("the session would last from {starts_at} to {ends_at}, more than {MAX_SESSION_HOURS} hours"),
            ));
        }
    }
    Ok(())
}

/// Checks that every one of `sessions` still fits an event of `days` days
/// from `starts_on` ([`check_session`]): the rule for editing an event's
/// dates. The error names the first session left outside.
pub fn check_days(starts_on: &str, days: u32, sessions: &[Session]) -> Result<()> {
    for s in sessions {
        if let Err(e) = check_session(starts_on, days, &s.starts_at, &s.ends_at) {
            let why = match &e {
                Error::Invalid { message, .. } => message.clone(),
                other => other.to_string(),
            };
            return Err(field("days", format!("session {} ({} – {}) would no longer fit: {why}", crate::quote(&s.title), s.starts_at, s.ends_at)));
        }
    }
    Ok(())
}

pub(crate) fn add_session(store: &mut Store, event_id: &str, s: &NewSession) -> Result<Session> {
    let s = NewSession { title: s.title.trim().to_string(), ..s.clone() };
    if s.title.is_empty() {
        return Err(field("title", "a session needs a title"));
    }
    for (name, value) in [("starts", &s.starts_at), ("ends", &s.ends_at)] {
        if !is_minute(value) {
            return Err(field(name, format!("{} is not a real time written YYYY-MM-DDTHH:MM", crate::quote(value))));
        }
    }
    let event = store::events::get(store, event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: event_id.to_string() })?;
    check_session(&event.starts_on, event.days, &s.starts_at, &s.ends_at)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session(starts_at: &str, ends_at: &str) -> Session {
        Session { id: "s".into(), event_id: "e".into(), title: "课".into(), starts_at: starts_at.into(), ends_at: ends_at.into() }
    }

    #[test]
    fn sessions_lie_within_their_event() {
        let ok = |a, b| check_session("2026-12-01", 2, a, b);
        assert!(ok("2026-12-01T09:00", "2026-12-01T12:00").is_ok());
        assert!(ok("2026-12-02T20:00", "2026-12-03T02:00").is_ok(), "crossing midnight after the last day");
        assert!(ok("2026-12-02T00:00", "2026-12-03T00:00").is_ok(), "24 hours exactly");
        for (a, b, field_) in [
            ("2026-12-01T09:00", "2099-12-31T17:00", "ends"),
            ("2026-12-02T09:00", "2026-12-03T09:01", "ends"),
            ("2026-11-30T09:00", "2026-11-30T12:00", "starts"),
            ("2026-12-03T09:00", "2026-12-03T12:00", "starts"),
            ("2026-12-01T12:00", "2026-12-01T09:00", "ends"),
            ("2026-12-01T09:00", "2026-12-01T24:00", "ends"),
            ("2026-02-30T09:00", "2026-12-01T12:00", "starts"),
        ] {
            let e = ok(a, b).expect_err(&format!("{a} – {b}"));
            assert_eq!(e.location().field.as_deref(), Some(field_), "{a} – {b}: {e}");
        }
    }

    #[test]
    fn shortening_an_event_may_not_strand_its_sessions() {
        let sessions = [session("2026-12-01T09:00", "2026-12-01T12:00"), session("2026-12-02T09:00", "2026-12-02T12:00")];
        assert!(check_days("2026-12-01", 2, &sessions).is_ok());
        let e = check_days("2026-12-01", 1, &sessions).unwrap_err();
        assert_eq!(e.location().field.as_deref(), Some("days"));
        assert!(e.to_string().contains("2026-12-02T09:00"), "{e}");
        assert!(check_days("2026-12-02", 3, &sessions).is_err(), "moved past the first session");
    }
}
