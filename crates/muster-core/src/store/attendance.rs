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
    /// When it was recorded (the writing laptop's clock, RFC 3339): orders
    /// it against corrections.
    pub created_at: String,
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
        created_at: r.get(7)?,
    })
}

const SELECT: &str = "SELECT id, session_id, trainee_id, kind, at, device_id, source, created_at FROM attendance";

/// Every mark of a trainee (under any of `trainee_ids`: merged records) in
/// a session, oldest first, and the newest correction, read inside the
/// write transaction so two laptops (or processes) cannot both record a
/// first check-in.
pub fn for_pair(w: &Writer<'_>, session_id: &str, trainee_ids: &[String]) -> Result<(Vec<Mark>, Option<CorrectionRow>)> {
    let mut marks = Vec::new();
    let mut newest: Option<CorrectionRow> = None;
    let mut stmt = w.tx().prepare_cached(&format!("{SELECT} WHERE session_id = ?1 AND trainee_id = ?2"))?;
    let mut corr = w.tx().prepare_cached(&format!("{SELECT_CORRECTION} WHERE session_id = ?1 AND trainee_id = ?2 ORDER BY created_at DESC, id DESC LIMIT 1"))?;
    for t in trainee_ids {
        let rows = stmt.query_map(rusqlite::params![session_id, t], mark)?;
        for m in rows {
            marks.push(m?);
        }
        if let Some(c) = corr.query_row(rusqlite::params![session_id, t], correction).optional()? {
            if newest.as_ref().is_none_or(|n| (&c.created_at, &c.id) > (&n.created_at, &n.id)) {
                newest = Some(c);
            }
        }
    }
    marks.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    Ok((marks, newest))
}

/// Appends a mark; returns it as stored.
pub fn insert(w: &mut Writer<'_>, event_id: &str, session_id: &str, trainee_id: &str, kind: &str, at: &str, source: &str) -> Result<Mark> {
    let now = w.now();
    let device = w.device_id().to_string();
    let id = w.insert(
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
    )?;
    Ok(Mark { id, session_id: session_id.into(), trainee_id: trainee_id.into(), kind: kind.into(), at: at.into(), device_id: device, source: source.into(), created_at: now })
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

const SELECT_CORRECTION: &str = "SELECT id, session_id, trainee_id, status, hours, reason, device_id, created_at FROM attendance_corrections";

fn correction(r: &Row<'_>) -> rusqlite::Result<CorrectionRow> {
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
}

/// Every correction of an event, oldest first (the newest one wins).
pub fn corrections(store: &Store, event_id: &str) -> Result<Vec<CorrectionRow>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT_CORRECTION} WHERE event_id = ?1 ORDER BY created_at, id"))?;
    let rows = stmt.query_map([event_id], correction)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
