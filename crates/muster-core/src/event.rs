//! Creating events and their sessions, with the checks a coordinator would
//! expect: real dates and times, and a session that lies within its event
//! ([`check_session`]): it starts on one of the event's days, ends after it
//! starts and at most [`MAX_SESSION_HOURS`] later (so one crossing midnight
//! into the next day is fine, one ending in 2099 is not). An edit of an
//! event's days must keep its sessions inside them ([`check_days`]).

use crate::clock::{add_days, is_date, is_minute};
use crate::model::{Event, NewEvent, NewSession, Session};
use crate::store::{self, Entity, Store};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What an edit of a session changes; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionPatch {
    pub title: Option<String>,
    /// `YYYY-MM-DDTHH:MM`, venue local time.
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
}

/// What an edit of an event changes; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EventPatch {
    pub name: Option<String>,
    pub venue: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: Option<String>,
    pub days: Option<u32>,
    /// The programme it is a stop of (id or exact name); `""` takes it out.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub programme_id: Option<String>,
}

/// A removed event or session, and what it held (kept as history).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Removed {
    pub id: String,
    pub name: String,
    /// Check-ins and sign-outs it held: they stay, outside every count.
    pub marks: u32,
    /// Trainees on its roster (an event's; 0 for a session).
    pub trainees: u32,
}

fn field(field: &str, message: impl Into<String>) -> Error {
    Error::invalid_at(message, None, None, Some(field))
}

pub(crate) fn create(store: &mut Store, e: &NewEvent, programme: Option<&str>) -> Result<Event> {
    // Names are kept as typed (full-width brackets in 培训（光山） stay), only trimmed.
    let e = NewEvent { name: e.name.trim().to_string(), venue: e.venue.trim().to_string(), ..e.clone() };
    check_event(&e.name, &e.starts_on, e.days)?;
    let programme = programme.map(|p| find_programme(store, p)).transpose()?;
    let id = store.write(|w| store::events::insert(w, &e, programme.as_deref()))?;
    store::events::get(store, &id)?.ok_or_else(|| Error::NotFound { kind: "event", id })
}

/// The programme named by id or by its exact name (one of that name).
pub(crate) fn find_programme(store: &Store, p: &str) -> Result<String> {
    let p = p.trim();
    if let Some(found) = store::programmes::get(store, p)? {
        return Ok(found.id);
    }
    let named = store::programmes::by_name(store, p)?;
    match named.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Error::NotFound { kind: "programme", id: p.to_string() }),
        _ => Err(field("programme", format!("{} names {} programmes: give its id (`muster programme list`)", crate::quote(p), named.len()))),
    }
}

/// An event's own fields, for creating one and for any edit: a name, a
/// real first day, 1–366 days.
fn check_event(name: &str, starts_on: &str, days: u32) -> Result<()> {
    if name.is_empty() {
        return Err(field("name", "an event needs a name"));
    }
    if !is_date(starts_on) {
        return Err(field("starts", format!("start date {} is not a real date written YYYY-MM-DD", crate::quote(starts_on))));
    }
    if !(1..=366).contains(&days) {
        return Err(field("days", format!("days must be between 1 and 366, not {days}")));
    }
    Ok(())
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

/// Edits a session: the same rules as adding one, against its event.
pub(crate) fn edit_session(store: &mut Store, id: &str, patch: &SessionPatch) -> Result<Session> {
    let old = store::sessions::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "session", id: id.to_string() })?;
    let event = store::events::get(store, &old.event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: old.event_id.clone() })?;
    let title = patch.title.as_deref().map(str::trim).unwrap_or(&old.title).to_string();
    if title.is_empty() {
        return Err(field("title", "a session needs a title"));
    }
    let starts_at = patch.starts_at.clone().unwrap_or_else(|| old.starts_at.clone());
    let ends_at = patch.ends_at.clone().unwrap_or_else(|| old.ends_at.clone());
    check_session(&event.starts_on, event.days, &starts_at, &ends_at)?;
    let mut fields = Vec::new();
    for (name, new, was) in [("title", &title, &old.title), ("starts_at", &starts_at, &old.starts_at), ("ends_at", &ends_at, &old.ends_at)] {
        if new != was {
            fields.push((name, json!(new)));
        }
    }
    store.write(|w| w.update(Entity::Session, id, &fields))?;
    store::sessions::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "session", id: id.to_string() })
}

/// Removes a session. One that holds check-ins is removed only with
/// `force` (the person confirmed): its marks stay, as history.
pub(crate) fn delete_session(store: &mut Store, id: &str, force: bool) -> Result<Removed> {
    let s = store::sessions::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "session", id: id.to_string() })?;
    let marks = store::sessions::marks(store, id)?;
    if marks > 0 && !force {
        return Err(Error::NeedsConfirmation(format!(
            "session {} holds {marks} check-in(s) and sign-out(s); confirm (--force) to remove it: they stay as history, outside every count",
            crate::quote(&s.title)
        )));
    }
    store.write(|w| {
        let now = w.now();
        w.update(Entity::Session, id, &[("deleted_at", json!(now))])
    })?;
    Ok(Removed { id: s.id, name: s.title, marks, trainees: 0 })
}

/// Edits an event: a name, real dates, 1–366 days, and every session still
/// inside its days ([`check_days`]).
pub(crate) fn edit_event(store: &mut Store, id: &str, patch: &EventPatch) -> Result<Event> {
    let old = store::events::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "event", id: id.to_string() })?;
    let name = patch.name.as_deref().map(str::trim).unwrap_or(&old.name).to_string();
    let venue = patch.venue.as_deref().map(str::trim).unwrap_or(&old.venue).to_string();
    let starts_on = patch.starts_on.clone().unwrap_or_else(|| old.starts_on.clone());
    let days = patch.days.unwrap_or(old.days);
    check_event(&name, &starts_on, days)?;
    check_days(&starts_on, days, &store::sessions::list(store, id)?)?;
    let mut fields = Vec::new();
    for (key, new, was) in [("name", &name, &old.name), ("venue", &venue, &old.venue), ("starts_on", &starts_on, &old.starts_on)] {
        if new != was {
            fields.push((key, json!(new)));
        }
    }
    if days != old.days {
        fields.push(("days", json!(days)));
    }
    match patch.programme_id.as_deref().map(str::trim) {
        None => {}
        Some("") => {
            if old.programme_id.is_some() {
                fields.push(("programme_id", serde_json::Value::Null));
            }
        }
        Some(p) => {
            let p = find_programme(store, p)?;
            if old.programme_id.as_deref() != Some(p.as_str()) {
                fields.push(("programme_id", json!(p)));
            }
        }
    }
    store.write(|w| w.update(Entity::Event, id, &fields))?;
    store::events::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "event", id: id.to_string() })
}

/// Closes an event (read-only from now: nothing of it is written but a
/// reprint, a revocation, or its reopening), or reopens it.
pub(crate) fn set_closed(store: &mut Store, id: &str, closed: bool) -> Result<Event> {
    let old = store::events::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "event", id: id.to_string() })?;
    if old.closed_at.is_some() != closed {
        store.write(|w| {
            let now = w.now();
            let value = if closed { json!(now) } else { serde_json::Value::Null };
            w.update(Entity::Event, id, &[("closed_at", value)])
        })?;
    }
    store::events::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "event", id: id.to_string() })
}

/// Removes an event from every list. One with trainees or check-ins is
/// removed only with `force` (the person confirmed); its rows stay.
pub(crate) fn delete_event(store: &mut Store, id: &str, force: bool) -> Result<Removed> {
    let e = store::events::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "event", id: id.to_string() })?;
    let (trainees, marks) = store::events::holdings(store, id)?;
    if (trainees > 0 || marks > 0) && !force {
        return Err(Error::NeedsConfirmation(format!(
            "event {} holds {trainees} trainee(s) and {marks} check-in(s) and sign-out(s); confirm (--force) to remove it",
            crate::quote(&e.name)
        )));
    }
    store.write(|w| {
        let now = w.now();
        w.update(Entity::Event, id, &[("deleted_at", json!(now))])
    })?;
    Ok(Removed { id: e.id, name: e.name, marks, trainees })
}

/// The usual day of a county training: two half-day sessions per day
/// (09:00–12:00 and 14:00–17:00), titled "第N天 上午/下午 Day N morning/afternoon".
pub fn half_day_sessions(starts_on: &str, days: u32) -> Vec<NewSession> {
    let mut out = Vec::new();
    for d in 0..days.max(1) {
        let date = add_days(starts_on, i64::from(d));
        let n = d + 1;
        out.push(NewSession { title: format!("第{n}天 上午 Day {n} morning"), starts_at: format!("{date}T09:00"), ends_at: format!("{date}T12:00") });
        out.push(NewSession { title: format!("第{n}天 下午 Day {n} afternoon"), starts_at: format!("{date}T14:00"), ends_at: format!("{date}T17:00") });
    }
    out
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
