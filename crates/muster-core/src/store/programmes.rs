//! Programmes and their stops in the store; a stop's counts; the same
//! person at other stops; removing a purged stop's personal data.

use super::{Entity, Store, Writer};
use crate::Result;
use muster_protocol::scope::{self, Resolved};
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// A programme: the same training at stop after stop.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Programme {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
    /// Events (stops) in it.
    pub stop_count: u32,
}

pub fn insert(w: &mut Writer<'_>, name: &str, description: Option<&str>) -> Result<String> {
    let now = w.now();
    w.insert(
        Entity::Programme,
        &[("name", json!(name)), ("description", json!(description)), ("created_at", json!(now))],
    )
}

const SELECT: &str = "SELECT p.id, p.name, p.description, p.created_at,
        (SELECT COUNT(*) FROM events e WHERE e.programme_id = p.id AND e.deleted_at IS NULL)
     FROM programmes p";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Programme> {
    Ok(Programme { id: r.get(0)?, name: r.get(1)?, description: r.get(2)?, created_at: r.get(3)?, stop_count: r.get(4)? })
}

pub fn list(store: &Store) -> Result<Vec<Programme>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE p.deleted_at IS NULL ORDER BY p.created_at, p.id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(store: &Store, id: &str) -> Result<Option<Programme>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE p.id = ?1 AND p.deleted_at IS NULL"))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

/// The programme whose name is `name` exactly, if one is.
pub fn by_name(store: &Store, name: &str) -> Result<Vec<Programme>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE p.name = ?1 AND p.deleted_at IS NULL"))?;
    let rows = stmt.query_map([name], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What this store holds of one event: the counts of a stop.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Holdings {
    pub trainees: u32,
    /// Trainees checked in to at least one session.
    pub checked_in: u32,
    pub certificates: u32,
    /// Papers keyed or imported (a double-entered paper once).
    pub responses: u32,
}

/// (The marks are reached through the event's sessions: `attendance` is
/// indexed by session, and a programme's report asks this of every stop.)
pub fn holdings(store: &Store, event: &str) -> Result<Holdings> {
    Ok(store
        .conn()
        .prepare_cached(
            "SELECT
               (SELECT COUNT(*) FROM trainees WHERE event_id = ?1 AND merged_into IS NULL),
               (SELECT COUNT(DISTINCT COALESCE(t.merged_into, a.trainee_id)) FROM sessions s
                  JOIN attendance a ON a.session_id = s.id JOIN trainees t ON t.id = a.trainee_id
                  WHERE s.event_id = ?1 AND s.deleted_at IS NULL AND a.kind = 'in'),
               (SELECT COUNT(*) FROM certificates WHERE event_id = ?1),
               (SELECT COUNT(*) FROM (SELECT DISTINCT r.form_id, r.paper_id FROM responses r
                  JOIN forms f ON f.id = r.form_id WHERE f.event_id = ?1))",
        )?
        .query_row([event], |r| Ok(Holdings { trainees: r.get(0)?, checked_in: r.get(1)?, certificates: r.get(2)?, responses: r.get(3)? }))?)
}

/// Whether this laptop removed the event's personal data.
pub fn purged(store: &Store, event: &str) -> Result<Option<String>> {
    Ok(store.conn().prepare_cached("SELECT purged_at FROM event_purges WHERE event_id = ?1")?.query_row([event], |r| r.get(0)).optional()?)
}

/// Every purged event.
pub fn purged_events(store: &Store) -> Result<Vec<String>> {
    let mut stmt = store.conn().prepare_cached("SELECT event_id FROM event_purges ORDER BY event_id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The query of [`same_person`] (its trainee), for a test of its plan.
pub const SAME_PERSON: &str = "SELECT o.id, o.event_id FROM trainees me JOIN trainees o ON o.id <> me.id AND o.merged_into IS NULL
           AND ((me.id_number IS NOT NULL AND me.id_number <> '' AND o.id_number IS NOT NULL AND upper(o.id_number) = upper(me.id_number))
             OR (me.phone IS NOT NULL AND me.phone <> '' AND o.phone = me.phone AND o.name = me.name))
         JOIN events e ON e.id = o.event_id AND e.deleted_at IS NULL
         WHERE me.id = ?1";

/// The same person at other events: trainees (not merged) of any event
/// with the same ID number, or the same name and mobile (two indexed
/// look-ups, migration 0015; `o.id_number IS NOT NULL` lets the partial
/// index serve).
pub fn same_person(store: &Store, trainee: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = store.conn().prepare_cached(SAME_PERSON)?;
    let rows = stmt.query_map([trainee], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The event every change of this store belongs to, as
/// [`muster_protocol::scope`] resolves it, in clock order (an insert comes
/// before what refers to it: whoever refers to a row had seen it).
/// Returns (device id, seq, entity, resolved) of each change.
pub fn scopes(store: &Store) -> Result<Vec<(String, u64, String, Resolved)>> {
    let mut known: HashMap<String, Resolved> = HashMap::new();
    let mut out = Vec::new();
    let mut stmt = store.conn().prepare_cached(
        "SELECT device_id, seq, hlc, entity, entity_id, op, fields FROM change_log ORDER BY hlc, device_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let c = super::change_from_row(r)?;
        let resolved = scope::resolve(&c, |id| known.get(id).cloned());
        if c.op == muster_protocol::ChangeOp::Insert {
            known.entry(c.entity_id.clone()).or_insert_with(|| scope::of_row(&c, &resolved));
        }
        out.push((c.device_id, c.seq, c.entity, resolved));
    }
    Ok(out)
}

/// Removes every row of `event` that holds personal data, and every change
/// of it, from this store (the event's own row, its sessions, forms and
/// batches, the revocations and the certificate settings stay: no personal
/// data, and a revoked certificate must still say so). Returns how many
/// rows and changes went. The caller checked that nothing of it is unsent.
pub fn purge(w: &mut Writer<'_>, event: &str, changes: &[(String, u64)]) -> Result<u64> {
    let tx = w.tx();
    let mut n = 0u64;
    let forms = "(SELECT id FROM forms WHERE event_id = ?1)";
    // The changes go first: a trainee insert logged by reference to its row
    // is then not copied out of the row only to be deleted (migration 0014).
    {
        let mut del = tx.prepare_cached("DELETE FROM changes WHERE device_id = ?1 AND seq = ?2")?;
        for (device, seq) in changes {
            n += del.execute(rusqlite::params![device, *seq as i64])? as u64;
        }
    }
    for sql in [
        format!("DELETE FROM response_corrections WHERE form_id IN {forms}"),
        format!("DELETE FROM entry_resolutions WHERE form_id IN {forms}"),
        format!("DELETE FROM response_rejections WHERE form_id IN {forms}"),
        format!("DELETE FROM responses WHERE form_id IN {forms}"),
        "DELETE FROM certificate_prints WHERE event_id = ?1".into(),
        "DELETE FROM certificates WHERE event_id = ?1".into(),
        "DELETE FROM eligibility_overrides WHERE event_id = ?1".into(),
        "DELETE FROM attendance_corrections WHERE event_id = ?1".into(),
        "DELETE FROM attendance WHERE event_id = ?1".into(),
        "UPDATE trainees SET merged_into = NULL WHERE event_id = ?1".into(),
        "DELETE FROM trainees WHERE event_id = ?1".into(),
        "DELETE FROM audit_log WHERE event_id = ?1".into(),
    ] {
        n += tx.execute(&sql, [event])? as u64;
    }
    let now = w.now();
    w.tx().execute(
        "INSERT INTO event_purges (event_id, purged_at, rows) VALUES (?1, ?2, ?3)
         ON CONFLICT (event_id) DO UPDATE SET purged_at = excluded.purged_at, rows = event_purges.rows + excluded.rows",
        rusqlite::params![event, now, n as i64],
    )?;
    Ok(n)
}
