//! The search-key index: derived, local rows (not synced, not in the change
//! log) kept in step with `trainees` inside the same transaction, and the
//! prefix range scans that answer a query.

use super::{Store, Writer};
use crate::model::TraineeFields;
use crate::search::{keys, KeyKind};
use crate::Result;

/// Replaces the search keys of one trainee.
pub fn index(w: &Writer<'_>, event_id: &str, trainee_id: &str, t: &TraineeFields, code: Option<&str>) -> Result<()> {
    unindex(w, trainee_id)?;
    let mut stmt = w
        .tx()
        .prepare_cached("INSERT OR IGNORE INTO search_keys (event_id, kind, key, trainee_id) VALUES (?1, ?2, ?3, ?4)")?;
    for (kind, key) in keys(&t.name, code, t.phone.as_deref(), t.id_number.as_deref()) {
        stmt.execute(rusqlite::params![event_id, kind as i64, key, trainee_id])?;
    }
    Ok(())
}

pub fn unindex(w: &Writer<'_>, trainee_id: &str) -> Result<()> {
    w.tx().prepare_cached("DELETE FROM search_keys WHERE trainee_id = ?1")?.execute([trainee_id])?;
    Ok(())
}

/// Trainee ids whose key of `kind` starts with `prefix`, shortest match
/// (exact first) then alphabetical; at most `limit`.
pub fn prefix(store: &Store, event_id: &str, kind: KeyKind, prefix: &str, limit: usize) -> Result<Vec<String>> {
    // Every key starting with `prefix` sorts in [prefix, prefix + U+10FFFF).
    let upper = format!("{prefix}\u{10FFFF}");
    let mut stmt = store.conn().prepare_cached(
        "SELECT trainee_id FROM search_keys
         WHERE event_id = ?1 AND kind = ?2 AND key >= ?3 AND key < ?4
         LIMIT ?5",
    )?;
    let rows = stmt.query_map(rusqlite::params![event_id, kind as i64, prefix, upper, limit as i64], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
