//! Attendance facts in the store: check-ins, sign-outs and corrections are
//! appended through the [`Writer`] and never changed; reads gather them per
//! session or per event.

use super::{Entity, Store, Writer};
use crate::Result;
use rusqlite::{OptionalExtension, Row};
use serde_json::json;

/// One check-in (`in`) or sign-out (`out`).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub id: String,
    pub session_id: String,
    pub trainee_id: String,
    pub kind: String,
    /// Venue local time, `YYYY-MM-DDTHH:MM:SS`.
    pub at: String,
    pub device_id: String,
    pub source: String,
}

fn mark(r: &Row<'_>) -> rusqlite::Result<Mark> {
    Ok(Mark {
        id: r.get(0)?,
        session_id: r.get(1)?,
        trainee_id: r.get(2)?,
        kind: r.get(3)?,
        at: r.get(4)?,
        device_id: r.get(5)?,
        source: r.get(6)?,
    })
}

const SELECT: &str = "SELECT id, session_id, trainee_id, kind, at, device_id, source FROM attendance";

/// The earliest mark of `kind` for a trainee in a session, read inside the
/// write transaction so two laptops (or processes) cannot both record a
/// first check-in.
pub fn first_in(w: &Writer<'_>, session_id: &str, trainee_ids: &[String], kind: &str) -> Result<Option<Mark>> {
    let mut stmt = w.tx().prepare_cached(&format!(
        "{SELECT} WHERE session_id = ?1 AND trainee_id = ?2 AND kind = ?3 ORDER BY at, id LIMIT 1"
    ))?;
    let mut best: Option<Mark> = None;
    for t in trainee_ids {
        if let Some(m) = stmt.query_row(rusqlite::params![session_id, t, kind], mark).optional()? {
            if best.as_ref().is_none_or(|b| m.at < b.at) {
                best = Some(m);
            }
        }
    }
    Ok(best)
}

pub fn insert(w: &mut Writer<'_>, event_id: &str, session_id: &str, trainee_id: &str, kind: &str, at: &str, source: &str) -> Result<String> {
    let now = w.now();
    let device = w.device_id().to_string();
    w.insert(
        Entity::Attendance,
        &[
            ("event_id", json!(event_id)),
            ("session_id", json!(session_id)),
            ("trainee_id", json!(trainee_id)),
            ("kind", json!(kind)),
            ("at", json!(at)),
            ("device_id", json!(device)),
            ("source", json!(source)),
            ("created_at", json!(now)),
        ],
    )
}

/// Every mark of an event, oldest first.
pub fn for_event(store: &Store, event_id: &str) -> Result<Vec<Mark>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE event_id = ?1 ORDER BY at, id"))?;
    let rows = stmt.query_map([event_id], mark)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A coordinator's correction.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionRow {
    pub id: String,
    pub session_id: String,
    pub trainee_id: String,
    pub status: String,
    pub hours: Option<f64>,
    pub reason: String,
    pub device_id: String,
    pub created_at: String,
}

pub fn insert_correction(
    w: &mut Writer<'_>,
    event_id: &str,
    session_id: &str,
    trainee_id: &str,
    status: &str,
    hours: Option<f64>,
    reason: &str,
) -> Result<String> {
    let now = w.now();
    let device = w.device_id().to_string();
    w.insert(
        Entity::Correction,
        &[
            ("event_id", json!(event_id)),
            ("session_id", json!(session_id)),
            ("trainee_id", json!(trainee_id)),
            ("status", json!(status)),
            ("hours", json!(hours)),
            ("reason", json!(reason)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

/// Every correction of an event, oldest first (the newest one wins).
pub fn corrections(store: &Store, event_id: &str) -> Result<Vec<CorrectionRow>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, session_id, trainee_id, status, hours, reason, device_id, created_at
         FROM attendance_corrections WHERE event_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([event_id], |r| {
        Ok(CorrectionRow {
            id: r.get(0)?,
            session_id: r.get(1)?,
            trainee_id: r.get(2)?,
            status: r.get(3)?,
            hours: r.get(4)?,
            reason: r.get(5)?,
            device_id: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
