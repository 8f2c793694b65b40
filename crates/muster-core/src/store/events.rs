//! Events in the store: reads, and the insert that goes through the
//! change-logging [`Writer`].

use super::{Entity, Store, Writer};
use crate::model::{Event, NewEvent};
use crate::Result;
use rusqlite::{OptionalExtension, Row};
use serde_json::json;

const SELECT: &str = "SELECT e.id, e.name, e.venue, e.starts_on, e.days, e.created_at,
        (SELECT COUNT(*) FROM trainees t WHERE t.event_id = e.id AND t.merged_into IS NULL),
        (SELECT COUNT(*) FROM sessions s WHERE s.event_id = e.id AND s.deleted_at IS NULL),
        e.grace_minutes, e.programme_id, e.closed_at,
        (SELECT p.purged_at FROM event_purges p WHERE p.event_id = e.id)
     FROM events e";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        name: r.get(1)?,
        venue: r.get(2)?,
        starts_on: r.get(3)?,
        days: r.get(4)?,
        created_at: r.get(5)?,
        trainee_count: r.get(6)?,
        session_count: r.get(7)?,
        grace_minutes: r.get(8)?,
        programme_id: r.get(9)?,
        closed_at: r.get(10)?,
        purged_at: r.get(11)?,
    })
}

pub fn list(store: &Store) -> Result<Vec<Event>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE e.deleted_at IS NULL ORDER BY e.starts_on DESC, e.id DESC"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The event, unless it was removed.
pub fn get(store: &Store, id: &str) -> Result<Option<Event>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE e.id = ?1 AND e.deleted_at IS NULL"))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

/// Whether the event exists and was not removed (cheap: no counts).
pub fn exists(store: &Store, id: &str) -> Result<bool> {
    Ok(store.conn().prepare_cached("SELECT 1 FROM events WHERE id = ?1 AND deleted_at IS NULL")?.exists([id])?)
}

pub fn exists_in(w: &Writer<'_>, id: &str) -> Result<bool> {
    Ok(w.tx().prepare_cached("SELECT 1 FROM events WHERE id = ?1 AND deleted_at IS NULL")?.exists([id])?)
}

/// How many trainees (not merged) and marks an event holds.
pub fn holdings(store: &Store, id: &str) -> Result<(u32, u32)> {
    Ok(store.conn().prepare_cached(
        "SELECT (SELECT COUNT(*) FROM trainees WHERE event_id = ?1 AND merged_into IS NULL), (SELECT COUNT(*) FROM attendance WHERE event_id = ?1)",
    )?
    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

pub fn insert(w: &mut Writer<'_>, e: &NewEvent, programme: Option<&str>) -> Result<String> {
    let now = w.now();
    let mut fields = vec![
        ("name", json!(e.name)),
        ("venue", json!(e.venue)),
        ("starts_on", json!(e.starts_on)),
        ("days", json!(e.days)),
        ("created_at", json!(now)),
        ("grace_minutes", json!(DEFAULT_GRACE_MINUTES)),
    ];
    // Left out when none, so the insert travels to laptops that do not
    // know programmes yet.
    if let Some(p) = programme {
        fields.push(("programme_id", json!(p)));
    }
    w.insert(Entity::Event, &fields)
}

/// Lateness grace of a new event.
pub const DEFAULT_GRACE_MINUTES: u32 = 10;

/// The events this laptop created (their insert is its own change).
pub fn created_here(store: &Store) -> Result<Vec<String>> {
    let mut stmt = store.conn().prepare_cached("SELECT entity_id FROM changes WHERE entity = 'event' AND op = 'insert' AND device_id = ?1")?;
    let rows = stmt.query_map([store.device_id()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
