//! Sync bookkeeping in the store: how far the server has acknowledged this
//! device's changes, the pull cursor, and applying a pulled batch (keep each
//! change once, then rebuild the rows it touched) in one transaction.

use super::{changes::Entity, Store, Writer};
use crate::Result;
use muster_protocol::Change;
use rusqlite::OptionalExtension;
use std::collections::BTreeSet;

/// Where this store stands with its server.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncState {
    /// This device's changes up to here are held by the server.
    pub acked_seq: u64,
    /// Server cursor of the last pulled change.
    pub cursor: u64,
    /// RFC 3339 time of the last complete sync.
    pub last_sync: Option<String>,
}

fn meta(store: &Store, key: &str) -> Result<Option<String>> {
    Ok(store.conn().prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

fn set_meta(w: &Writer<'_>, key: &str, value: &str) -> Result<()> {
    w.tx()
        .prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute([key, value])?;
    Ok(())
}

pub fn state(store: &Store) -> Result<SyncState> {
    let num = |k: &str| -> Result<u64> { Ok(meta(store, k)?.and_then(|v| v.parse().ok()).unwrap_or(0)) };
    Ok(SyncState { acked_seq: num("sync.acked_seq")?, cursor: num("sync.cursor")?, last_sync: meta(store, "sync.last_sync")? })
}

pub fn set_acked(w: &Writer<'_>, seq: u64) -> Result<()> {
    set_meta(w, "sync.acked_seq", &seq.to_string())
}

pub fn set_last_sync(w: &Writer<'_>) -> Result<()> {
    let now = w.now();
    set_meta(w, "sync.last_sync", &now)
}

/// Changes of this device not yet acknowledged by the server.
pub fn pending(store: &Store) -> Result<u64> {
    let acked = state(store)?.acked_seq;
    let n: i64 = store.conn().prepare_cached("SELECT COUNT(*) FROM changes WHERE device_id = ?1 AND seq > ?2")?.query_row(
        rusqlite::params![store.device_id(), acked as i64],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Applies a batch of changes (and moves the pull cursor, if given),
/// atomically. Returns how many changes were new to this store.
pub fn apply(w: &mut Writer<'_>, changes: &[Change], cursor: Option<u64>) -> Result<u64> {
    let mut touched: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut new = 0;
    for c in changes {
        if w.apply_remote(c)? {
            new += 1;
            if let Some(pos) = Entity::from_name(&c.entity).and_then(|e| Entity::ALL.iter().position(|x| *x == e)) {
                touched.insert((pos, c.entity_id.clone()));
            }
        }
    }
    // Parents before children: events, sessions, trainees, facts.
    for (pos, id) in touched {
        let entity = Entity::ALL[pos];
        if w.materialize(entity, &id)? && entity == Entity::Trainee {
            if let Some(t) = super::trainees::get_in(w, &id)? {
                if t.merged_into.is_some() {
                    super::search::unindex(w, &id)?;
                } else {
                    super::search::index(w, &t.event_id, &id, &t.fields, t.code.as_deref())?;
                }
            }
        }
    }
    if let Some(cursor) = cursor {
        set_meta(w, "sync.cursor", &cursor.to_string())?;
    }
    Ok(new)
}

/// Set by a restore: the highest sequence number of this device in the
/// backup. Changes after it were written since the restore, and the server
/// may already hold other changes of this device under the same numbers
/// (sent after the backup was taken).
const RESTORED_MAX_SEQ: &str = "sync.restored_max_seq";

/// The restore marker, if this store was restored and has not synced since.
pub fn restored_max_seq(store: &Store) -> Result<Option<u64>> {
    Ok(meta(store, RESTORED_MAX_SEQ)?.and_then(|v| v.parse().ok()))
}

pub(crate) fn mark_restored(conn: &rusqlite::Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value)
         SELECT ?1, COALESCE(MAX(seq), 0) FROM changes WHERE device_id = (SELECT value FROM meta WHERE key = 'device_id')
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [RESTORED_MAX_SEQ],
    )?;
    Ok(())
}

/// Makes a restored copy a laptop of its own (the restored store of
/// another laptop that stays in use): a fresh device id, so its changes
/// never share numbers with the original's; nothing of its own is pending
/// or acknowledged yet; the changes it holds keep their authors, and what it
/// has pulled stays pulled.
pub(crate) fn become_new_device(conn: &rusqlite::Connection) -> Result<()> {
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'device_id'", [uuid::Uuid::now_v7().to_string()])?;
    conn.execute("DELETE FROM meta WHERE key IN (?1, 'sync.acked_seq', 'sync.last_sync')", [RESTORED_MAX_SEQ])?;
    Ok(())
}

pub fn clear_restored(w: &Writer<'_>) -> Result<()> {
    w.tx().prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([RESTORED_MAX_SEQ])?;
    Ok(())
}

/// After a restore, the server holds this device's changes up to
/// `server_acked`, past the backup's `restored`: this device's changes
/// written since the restore move to the numbers after `server_acked` (same
/// order, same clocks), so nothing collides with what the server holds and
/// the server's copies can come back in the pull. Returns how many moved.
pub fn renumber_after_restore(w: &Writer<'_>, restored: u64, server_acked: u64) -> Result<u64> {
    let device = w.device_id().to_string();
    // Two steps through a range no sequence reaches, so no number collides
    // on the way (seq must stay >= 1).
    const PARK: i64 = 1 << 50;
    let moved = w.tx().execute(
        "UPDATE changes SET seq = seq + ?3 WHERE device_id = ?1 AND seq > ?2",
        rusqlite::params![device, restored as i64, PARK],
    )?;
    w.tx().execute(
        "UPDATE changes SET seq = seq - ?3 + ?4 WHERE device_id = ?1 AND seq > ?3",
        rusqlite::params![device, restored as i64, PARK, server_acked as i64 - restored as i64],
    )?;
    set_acked(w, server_acked)?;
    clear_restored(w)?;
    Ok(moved as u64)
}
