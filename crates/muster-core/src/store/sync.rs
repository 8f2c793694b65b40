//! Sync bookkeeping in the store: how far the server has acknowledged this
//! device's changes, the pull cursor, and applying a pulled batch (keep each
//! change once, then rebuild the rows it touched) in one transaction.
//!
//! A store never stops at a change it cannot apply. One that breaks the
//! sync rules (`muster_protocol::rules`: stored by a server before they
//! existed, or a newer Muster's entity) or whose row cannot be rebuilt (its
//! event not here yet) is set aside in `quarantine`, whole and with its
//! reason, and the rest of the batch goes in. After each complete sync the
//! quarantine is tried again ([`retry_quarantined`]), so a later version or
//! a later batch that can apply a change does.

use super::{changes::Entity, Store, Writer};
use crate::Result;
use muster_protocol::scope::{self, Limit, Resolved};
use muster_protocol::{rules, Change, ChangeOp};
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::collections::BTreeMap;

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

/// Forgets where this store stands with its server (acknowledged seq, pull
/// cursor, last sync): the next sync pushes everything and pulls
/// everything, which the server and the stores take idempotently. For a
/// laptop that moves to another server.
pub fn forget_position(w: &Writer<'_>) -> Result<()> {
    w.tx().execute("DELETE FROM meta WHERE key IN ('sync.acked_seq', 'sync.cursor', 'sync.last_sync')", [])?;
    Ok(())
}

/// Forgets only the pull cursor: the next pull starts from the beginning
/// (an event was added to what this laptop syncs).
pub fn forget_cursor(w: &Writer<'_>) -> Result<()> {
    w.tx().execute("DELETE FROM meta WHERE key = 'sync.cursor'", [])?;
    Ok(())
}

/// The events this laptop syncs (`None`: all the server gives it).
pub fn selected_events(store: &Store) -> Result<Option<Vec<String>>> {
    Ok(meta(store, "sync.events")?.and_then(|v| serde_json::from_str(&v).ok()))
}

pub fn select_events(w: &Writer<'_>, events: Option<&[String]>) -> Result<()> {
    match events {
        Some(list) => set_meta(w, "sync.events", &serde_json::to_string(list).unwrap_or_else(|_| "[]".into())),
        None => {
            w.tx().execute("DELETE FROM meta WHERE key = 'sync.events'", [])?;
            Ok(())
        }
    }
}

/// What a pull may bring into this store: the events it syncs, never one
/// it purged.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub limit: Limit,
    pub purged: std::collections::HashSet<String>,
}

impl Filter {
    /// This store's own: its selection and its purged events.
    pub fn of(store: &Store) -> Result<Filter> {
        let limit = match selected_events(store)? {
            Some(events) => Limit::only(events),
            None => Limit::all(),
        };
        Ok(Filter { limit, purged: super::programmes::purged_events(store)?.into_iter().collect() })
    }

    fn is_open(&self) -> bool {
        self.limit.is_all() && self.purged.is_empty()
    }

    fn admits(&self, r: &Resolved) -> bool {
        match r {
            Resolved::Event(e) if self.purged.contains(e) => false,
            Resolved::Unknown if !self.purged.is_empty() => false,
            r => self.limit.admits(r),
        }
    }
}

/// The event of a row this store holds, as the write path finds it
/// ([`Writer::event_of`]); `Unknown` for a row not held (or of an entity
/// this build does not know).
fn held_scope(w: &Writer<'_>, entity: Option<&str>, id: &str) -> Result<Resolved> {
    let Some(entity) = entity.and_then(Entity::from_name) else { return Ok(Resolved::Unknown) };
    if entity == Entity::Programme {
        return Ok(Resolved::Global);
    }
    Ok(w.event_of(entity, id, &[])?.map(Resolved::Event).unwrap_or(Resolved::Unknown))
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
/// atomically. Returns how many changes were new to this store and
/// applied; those it could not apply are quarantined, not refused.
pub fn apply(w: &mut Writer<'_>, changes: &[Change], cursor: Option<u64>) -> Result<u64> {
    apply_filtered(w, changes, cursor, &Filter::default()).map(|(n, _)| n)
}

/// [`apply`], keeping out what `filter` does not admit (another event's
/// rows, a purged event's): those are passed over, not kept, not
/// quarantined. Returns (applied, passed over).
pub fn apply_filtered(w: &mut Writer<'_>, changes: &[Change], cursor: Option<u64>, filter: &Filter) -> Result<(u64, u64)> {
    let now = w.now_ms();
    let mut passed = 0u64;
    // The scope of rows inserted earlier in this batch (not in their
    // tables until the batch is materialised).
    let mut fresh: std::collections::HashMap<String, Resolved> = std::collections::HashMap::new();
    // Per row touched, the changes of this batch that were new.
    let mut touched: BTreeMap<(usize, String), Vec<(String, u64)>> = BTreeMap::new();
    let mut new = 0;
    for c in changes {
        if !filter.is_open() {
            let resolved = match scope::of(c) {
                scope::Scope::Global => Resolved::Global,
                scope::Scope::Event(e) => Resolved::Event(e),
                scope::Scope::Row { entity, id } => match fresh.get(&id) {
                    Some(r) => r.clone(),
                    None => held_scope(w, entity.as_deref(), &id)?,
                },
            };
            if !filter.admits(&resolved) {
                passed += 1;
                continue;
            }
            if c.op == ChangeOp::Insert {
                fresh.entry(c.entity_id.clone()).or_insert_with(|| scope::of_row(c, &resolved));
            }
        }
        let fields = serde_json::to_string(&c.fields).unwrap_or_else(|_| "{}".into());
        if let Err(e) = rules::check_sized(c, now, fields.len()) {
            quarantine(w, c, &fields, Some(&e.field), &e.message)?;
            continue;
        }
        if w.apply_remote(c, &fields)? {
            new += 1;
            if let Some(pos) = Entity::from_name(&c.entity).and_then(|e| Entity::ALL.iter().position(|x| *x == e)) {
                touched.entry((pos, c.entity_id.clone())).or_default().push((c.device_id.clone(), c.seq));
            }
        }
    }
    // Parents before children: events, sessions, trainees, facts.
    for ((pos, id), fresh) in touched {
        let entity = Entity::ALL[pos];
        if let Err(e) = attempt(w, |w| rebuild(w, entity, &id)) {
            // The row as it was, without this batch's changes to it, which
            // wait in quarantine.
            let reason = format!("its {} could not be rebuilt: {}", entity.name(), rules::quote(&e.to_string()));
            for (device, seq) in &fresh {
                set_aside(w, device, *seq, &reason)?;
                new -= 1;
            }
            let _ = attempt(w, |w| rebuild(w, entity, &id));
        }
    }
    if let Some(cursor) = cursor {
        set_meta(w, "sync.cursor", &cursor.to_string())?;
    }
    Ok((new, passed))
}

/// Runs `f` inside a savepoint: on error, nothing of it stays.
fn attempt<T>(w: &mut Writer<'_>, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
    w.tx().execute_batch("SAVEPOINT attempt")?;
    match f(w) {
        Ok(v) => {
            w.tx().execute_batch("RELEASE attempt")?;
            Ok(v)
        }
        Err(e) => {
            w.tx().execute_batch("ROLLBACK TO attempt; RELEASE attempt")?;
            Err(e)
        }
    }
}

/// Rebuilds a row from its changes (its search keys follow from it:
/// `store::search`).
fn rebuild(w: &mut Writer<'_>, entity: Entity, id: &str) -> Result<()> {
    w.materialize(entity, id)?;
    Ok(())
}

/// Keeps a change this store cannot apply, with why. The same change
/// arriving again is kept once.
/// `fields` is `c.fields` as JSON.
fn quarantine(w: &Writer<'_>, c: &Change, fields: &str, field: Option<&str>, reason: &str) -> Result<()> {
    let now = w.now();
    w.tx()
        .prepare_cached(
            "INSERT OR IGNORE INTO quarantine (device_id, seq, hlc, entity, entity_id, op, fields, field, reason, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(rusqlite::params![
            c.device_id,
            c.seq as i64,
            c.hlc.to_string(),
            c.entity,
            c.entity_id,
            c.op.as_str(),
            fields,
            field,
            reason,
            now
        ])?;
    Ok(())
}

/// Moves a change from the change log into quarantine.
fn set_aside(w: &Writer<'_>, device: &str, seq: u64, reason: &str) -> Result<()> {
    let now = w.now();
    w.tx()
        .prepare_cached(
            "INSERT OR IGNORE INTO quarantine (device_id, seq, hlc, entity, entity_id, op, fields, field, reason, at)
             SELECT device_id, seq, hlc, entity, entity_id, op, fields, NULL, ?3, ?4 FROM change_log WHERE device_id = ?1 AND seq = ?2",
        )?
        .execute(rusqlite::params![device, seq as i64, reason, now])?;
    w.tx().prepare_cached("DELETE FROM changes WHERE device_id = ?1 AND seq = ?2")?.execute(rusqlite::params![device, seq as i64])?;
    Ok(())
}

/// A change set aside, as `muster sync quarantine` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Quarantined {
    pub device_id: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
    /// The field at fault, when the rules named one.
    pub field: Option<String>,
    pub reason: String,
    /// When it was set aside (RFC 3339 UTC).
    pub at: String,
}

/// How many changes wait in quarantine.
pub fn quarantined_count(store: &Store) -> Result<u64> {
    let n: i64 = store.conn().prepare_cached("SELECT COUNT(*) FROM quarantine")?.query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

/// The changes in quarantine, oldest first (at most `limit`).
pub fn quarantined(store: &Store, limit: usize) -> Result<Vec<Quarantined>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT device_id, seq, entity, entity_id, op, field, reason, at FROM quarantine ORDER BY at, device_id, seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(Quarantined {
            device_id: r.get(0)?,
            seq: r.get::<_, i64>(1)? as u64,
            entity: r.get(2)?,
            entity_id: r.get(3)?,
            op: r.get(4)?,
            field: r.get(5)?,
            reason: r.get(6)?,
            at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tries the quarantine again: a change this build's rules take and whose
/// row now rebuilds (its parent arrived, or this is a newer Muster) leaves
/// it for the change log. Returns how many did.
pub fn retry_quarantined(w: &mut Writer<'_>) -> Result<u64> {
    let now = w.now_ms();
    let held: Vec<(Change, String)> = {
        let mut stmt = w.tx().prepare_cached(
            "SELECT device_id, seq, hlc, entity, entity_id, op, fields FROM quarantine ORDER BY hlc, device_id LIMIT 10000",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (device_id, seq, hlc, entity, entity_id, op, json) = row?;
            let (Ok(hlc), Some(op), Ok(fields)) = (hlc.parse(), ChangeOp::parse(&op), serde_json::from_str(&json)) else {
                continue;
            };
            // The fields as kept: the JSON they were stored as.
            out.push((Change { device_id, seq: seq as u64, hlc, entity, entity_id, op, fields }, json));
        }
        out
    };
    let mut back = 0;
    for (c, json) in held {
        if rules::check_sized(&c, now, json.len()).is_err() {
            continue;
        }
        let entity = Entity::from_name(&c.entity);
        let done = attempt(w, |w| {
            w.apply_remote(&c, &json)?;
            if let Some(entity) = entity {
                rebuild(w, entity, &c.entity_id)?;
            }
            w.tx()
                .prepare_cached("DELETE FROM quarantine WHERE device_id = ?1 AND seq = ?2")?
                .execute(rusqlite::params![c.device_id, c.seq as i64])?;
            Ok(())
        });
        if done.is_ok() {
            back += 1;
        }
    }
    Ok(back)
}

/// This device's own change that no server would take (written before the
/// sync rules existed: an oversized cell, say) is set aside in quarantine
/// and its number carried by a `void` stand-in, so the changes after it
/// still go; the row keeps its value on this laptop. Returns the stand-in.
pub fn void_own(w: &Writer<'_>, c: &Change, why: &rules::Invalid) -> Result<Change> {
    let held = serde_json::to_string(&c.fields).unwrap_or_else(|_| "{}".into());
    quarantine(w, c, &held, Some(&why.field), &format!("this laptop's own change could never be sent: {}", why.message))?;
    let mut fields = BTreeMap::new();
    fields.insert("reason".to_string(), serde_json::Value::String(rules::quote(&why.to_string())));
    let clip = |s: &str| serde_json::Value::String(s.chars().take(rules::QUOTE_CHARS).collect());
    fields.insert("entity".to_string(), clip(&c.entity));
    fields.insert("entity_id".to_string(), clip(&c.entity_id));
    let entity_id = if rules::is_uuid(&c.entity_id) { c.entity_id.clone() } else { uuid::Uuid::now_v7().to_string() };
    let void = Change { entity: rules::VOID.to_string(), op: ChangeOp::Insert, fields, entity_id, ..c.clone() };
    w.tx()
        .prepare_cached("UPDATE changes SET entity = ?3, entity_id = ?4, op = 'insert', fields = ?5 WHERE device_id = ?1 AND seq = ?2")?
        .execute(rusqlite::params![
            c.device_id,
            c.seq as i64,
            rules::VOID,
            void.entity_id,
            serde_json::to_string(&void.fields).unwrap_or_else(|_| "{}".into())
        ])?;
    Ok(void)
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
