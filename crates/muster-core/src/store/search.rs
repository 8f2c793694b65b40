//! The search-key index: derived, local rows (not synced, not in the change
//! log) kept in step with `trainees` inside the same transaction, and the
//! prefix range scans that answer a query.
//!
//! A row is `(key, trainee rowid)` with key `"<event rowid hex>\x1f<kind>\x1f<text>"`:
//! small entries in one index, so a 100,000-trainee roster imports quickly
//! and a query is a range scan of one event's keys of one kind. A query
//! joins the trainee by rowid, so keys whose trainee does not exist (yet)
//! are never found: an import stages its keys ahead under reserved rowids
//! and they appear with its trainees (`store::roster`).

use super::{Store, Writer};
use crate::model::TraineeFields;
use crate::search::{keys, KeyKind};
use crate::Result;

pub(crate) fn full_key(event_rowid: i64, kind: KeyKind, text: &str) -> String {
    format!("{event_rowid:x}\u{1f}{}\u{1f}{text}", kind as u8)
}

/// Replaces the search keys of one trainee.
pub fn index(w: &Writer<'_>, event_id: &str, trainee_id: &str, t: &TraineeFields, code: Option<&str>) -> Result<()> {
    unindex(w, trainee_id)?;
    add(w, event_id, trainee_id, t, code)
}

/// Adds the keys of a trainee that has none yet (a new row).
pub fn add(w: &Writer<'_>, event_id: &str, trainee_id: &str, t: &TraineeFields, code: Option<&str>) -> Result<()> {
    let tx = w.tx();
    let event_rowid: i64 = tx.prepare_cached("SELECT rowid FROM events WHERE id = ?1")?.query_row([event_id], |r| r.get(0))?;
    let trainee_rowid: i64 = tx.prepare_cached("SELECT rowid FROM trainees WHERE id = ?1")?.query_row([trainee_id], |r| r.get(0))?;
    let mut stmt = tx.prepare_cached("INSERT INTO search_keys (key, trainee_rowid) VALUES (?1, ?2)")?;
    for (kind, key) in keys(&t.name, code, t.phone.as_deref(), t.id_number.as_deref()) {
        stmt.execute(rusqlite::params![full_key(event_rowid, kind, &key), trainee_rowid])?;
    }
    Ok(())
}

/// The index keys of one trainee of the event with this rowid.
pub(crate) fn full_keys(event_rowid: i64, t: &TraineeFields, code: Option<&str>) -> Vec<String> {
    keys(&t.name, code, t.phone.as_deref(), t.id_number.as_deref()).into_iter().map(|(kind, key)| full_key(event_rowid, kind, &key)).collect()
}

/// The rowid of an event (its keys' prefix); `None` if there is no such event.
pub(crate) fn event_rowid(conn: &rusqlite::Connection, event_id: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(conn.prepare_cached("SELECT rowid FROM events WHERE id = ?1")?.query_row([event_id], |r| r.get(0)).optional()?)
}

/// Writes index keys (from [`full_keys`]) for the trainee at `trainee_rowid`.
pub(crate) fn add_at(w: &Writer<'_>, trainee_rowid: i64, keys: &[String]) -> Result<()> {
    let mut stmt = w.tx().prepare_cached("INSERT INTO search_keys (key, trainee_rowid) VALUES (?1, ?2)")?;
    for key in keys {
        stmt.execute(rusqlite::params![key, trainee_rowid])?;
    }
    Ok(())
}

/// Removes the keys at `trainee_rowid` (staged ones whose row will not come).
pub(crate) fn unindex_rowid(w: &Writer<'_>, trainee_rowid: i64) -> Result<()> {
    w.tx().prepare_cached("DELETE FROM search_keys WHERE trainee_rowid = ?1")?.execute([trainee_rowid])?;
    Ok(())
}

pub fn unindex(w: &Writer<'_>, trainee_id: &str) -> Result<()> {
    w.tx()
        .prepare_cached("DELETE FROM search_keys WHERE trainee_rowid = (SELECT rowid FROM trainees WHERE id = ?1)")?
        .execute([trainee_id])?;
    Ok(())
}

/// Trainee ids whose key of `kind` starts with `prefix`, shortest match
/// (exact first) then alphabetical; at most `limit`.
pub fn prefix(store: &Store, event_id: &str, kind: KeyKind, prefix: &str, limit: usize) -> Result<Vec<String>> {
    let conn = store.conn();
    let Some(event_rowid) = conn
        .prepare_cached("SELECT rowid FROM events WHERE id = ?1")?
        .query_row([event_id], |r| r.get::<_, i64>(0))
        .map(Some)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?
    else {
        return Ok(Vec::new());
    };
    let lower = full_key(event_rowid, kind, prefix);
    // Every key starting with `lower` sorts in [lower, lower + U+10FFFF).
    let upper = format!("{lower}\u{10FFFF}");
    let mut stmt = conn.prepare_cached(
        "SELECT t.id FROM search_keys k JOIN trainees t ON t.rowid = k.trainee_rowid
         WHERE k.key >= ?1 AND k.key < ?2 ORDER BY k.key LIMIT ?3",
    )?;
    let rows = stmt.query_map(rusqlite::params![lower, upper, limit as i64], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
