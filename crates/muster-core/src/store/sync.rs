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
