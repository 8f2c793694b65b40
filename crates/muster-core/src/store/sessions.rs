//! Course sessions in the store.

use super::{Entity, Store, Writer};
use crate::model::{NewSession, Session};
use crate::Result;
use rusqlite::{OptionalExtension, Row};
use serde_json::json;

fn from_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session { id: r.get(0)?, event_id: r.get(1)?, title: r.get(2)?, starts_at: r.get(3)?, ends_at: r.get(4)? })
}

/// The event's sessions, not removed ones, in time order.
pub fn list(store: &Store, event_id: &str) -> Result<Vec<Session>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, event_id, title, starts_at, ends_at FROM sessions WHERE event_id = ?1 AND deleted_at IS NULL ORDER BY starts_at, id",
    )?;
    let rows = stmt.query_map([event_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One session, unless it was removed.
pub fn get(store: &Store, id: &str) -> Result<Option<Session>> {
    Ok(store
        .conn()
        .prepare_cached("SELECT id, event_id, title, starts_at, ends_at FROM sessions WHERE id = ?1 AND deleted_at IS NULL")?
        .query_row([id], from_row)
        .optional()?)
}

/// How many check-ins and sign-outs a session holds.
pub fn marks(store: &Store, id: &str) -> Result<u32> {
    Ok(store.conn().prepare_cached("SELECT COUNT(*) FROM attendance WHERE session_id = ?1")?.query_row([id], |r| r.get(0))?)
}

pub fn insert(w: &mut Writer<'_>, event_id: &str, s: &NewSession) -> Result<String> {
    let now = w.now();
    w.insert(
        Entity::Session,
        &[
            ("event_id", json!(event_id)),
            ("title", json!(s.title)),
            ("starts_at", json!(s.starts_at)),
            ("ends_at", json!(s.ends_at)),
            ("created_at", json!(now)),
        ],
    )
}

/// When the last session starting on `date` (`YYYY-MM-DD`) ends, of any
/// event: the end of the training day.
pub fn last_end_on(store: &Store, date: &str) -> Result<Option<String>> {
    Ok(store.conn().query_row(
        "SELECT MAX(ends_at) FROM sessions WHERE substr(starts_at, 1, 10) = ?1 AND deleted_at IS NULL",
        [date],
        |r| r.get(0),
    )?)
}
