//! The SQLite backend: one file, one connection, each call on a blocking
//! thread. Writes are serialised by the connection's mutex, so cursor order
//! is commit order.

use super::{DeviceInfo, Result, StorageError, Summary};
use muster_protocol::sync::{PullResponse, PushResponse};
use muster_protocol::{Change, ChangeOp};
use rusqlite::{Connection, OptionalExtension};
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    last_seen   TEXT,
    revoked     INTEGER NOT NULL DEFAULT 0,
    origin      TEXT,
    relay       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS changes (
    cursor      INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    op          TEXT NOT NULL,
    fields      TEXT NOT NULL,
    UNIQUE (device_id, seq)
);
CREATE TABLE IF NOT EXISTS origins (
    origin     TEXT PRIMARY KEY,
    acked_seq  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS trust (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scopes (
    entity_id  TEXT PRIMARY KEY,
    event_id   TEXT
);
";

/// Added after the first release: which token owns each origin (the
/// laptop itself, or the relay that brought it), so no other token can
/// push under its id.
const OWNERS: &str = "
ALTER TABLE origins ADD COLUMN owner TEXT;
ALTER TABLE origins ADD COLUMN via_relay INTEGER NOT NULL DEFAULT 0;
UPDATE origins SET owner = (SELECT d.id FROM devices d WHERE d.origin = origins.origin AND d.relay = 0 ORDER BY d.created_at LIMIT 1);
";

#[derive(Clone)]
pub struct Sqlite {
    conn: Arc<Mutex<Connection>>,
}

impl Sqlite {
    pub fn open(path: &str) -> Result<Sqlite> {
        let conn = Connection::open(path)?;
        // Before anything is written: a laptop's store (plain, or sealed with
        // SQLCipher, which reads as "not a database") is not a server's.
        let laptop: bool = match conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name IN ('trainees', 'search_touched'))",
            [],
            |r| r.get(0),
        ) {
            Ok(found) => found,
            Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::NotADatabase => {
                return Err(StorageError::Invalid(format!(
                    "{path} is not a server store: it is not an SQLite file (an encrypted laptop store?). \
                     Give the server a file of its own, e.g. sqlite:/srv/muster-server.db"
                )))
            }
            Err(e) => return Err(e.into()),
        };
        if laptop {
            return Err(StorageError::Invalid(format!(
                "{path} is a laptop's store, not a server's: the server would write its tables into it. \
                 Give the server a file of its own, e.g. sqlite:/srv/muster-server.db"
            )));
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        let has_owner: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM pragma_table_info('origins') WHERE name = 'owner')", [], |r| r.get(0))?;
        if !has_owner {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(OWNERS)?;
            tx.commit()?;
        }
        Ok(Sqlite { conn: Arc::new(Mutex::new(conn)) })
    }

    /// The token that owns an origin, and its name.
    pub async fn owner(&self, origin: &str) -> Result<Option<(String, String)>> {
        let origin = origin.to_string();
        self.run(move |c| owner_in(c, &origin)).await
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StorageError::Invalid(format!("storage task failed: {e}")))?
    }

    pub async fn add_device(&self, id: &str, name: &str, hash: &str, now: &str, relay: bool) -> Result<()> {
        let (id, name, hash, now) = (id.to_string(), name.to_string(), hash.to_string(), now.to_string());
        self.run(move |c| {
            c.execute(
                "INSERT INTO devices (id, name, token_hash, created_at, relay) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, name, hash, now, relay],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn list_devices(&self) -> Result<Vec<DeviceInfo>> {
        self.run(|c| {
            let mut stmt = c.prepare(
                "SELECT d.id, d.name, d.created_at, d.last_seen, d.revoked, d.origin,
                        (SELECT COUNT(*) FROM changes ch WHERE ch.device_id = d.origin), d.relay
                 FROM devices d ORDER BY d.created_at, d.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(DeviceInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    created_at: r.get(2)?,
                    last_seen: r.get(3)?,
                    revoked: r.get(4)?,
                    origin: r.get(5)?,
                    changes: r.get::<_, i64>(6)? as u64,
                    relay: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    pub async fn revoke(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.run(move |c| {
            let n = c.execute("UPDATE devices SET revoked = 1 WHERE id = ?1", [&id])?;
            if n == 0 {
                return Err(StorageError::NoSuchDevice(id));
            }
            Ok(())
        })
        .await
    }

    pub async fn authenticate(&self, hash: &str, now: &str) -> Result<Option<DeviceInfo>> {
        let (hash, now) = (hash.to_string(), now.to_string());
        self.run(move |c| {
            let found = c
                .query_row(
                    "SELECT id, name, created_at, last_seen, revoked, origin, relay FROM devices WHERE token_hash = ?1 AND revoked = 0",
                    [&hash],
                    |r| {
                        Ok(DeviceInfo {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            created_at: r.get(2)?,
                            last_seen: r.get(3)?,
                            revoked: r.get(4)?,
                            origin: r.get(5)?,
                            changes: 0,
                            relay: r.get(6)?,
                        })
                    },
                )
                .optional()?;
            if let Some(d) = &found {
                c.execute("UPDATE devices SET last_seen = ?1 WHERE id = ?2", [&now, &d.id])?;
            }
            Ok(found)
        })
        .await
    }

    pub async fn push(&self, device: &str, origin: &str, changes: &[Change], bind: bool) -> Result<PushResponse> {
        let (device, origin, changes) = (device.to_string(), origin.to_string(), changes.to_vec());
        self.run(move |c| {
            let tx = c.transaction()?;
            // Whose changes these are: the first token to push them owns the
            // origin; any other gets `wrong_device`, and nothing is stored.
            // Once the owner's token is revoked, a new token of that laptop
            // (paired again) takes it over.
            // A relay's empty probe (what do you hold of this store?) claims
            // nothing.
            if let Some((owner, name)) = owner_in(&tx, &origin)? {
                if owner != device {
                    return Err(super::wrong_device(&origin, &name));
                }
            } else if bind || !changes.is_empty() {
                tx.execute(
                    "INSERT INTO origins (origin, acked_seq, owner, via_relay) VALUES (?1, 0, ?2, ?3)
                     ON CONFLICT (origin) DO UPDATE SET owner = excluded.owner, via_relay = excluded.via_relay",
                    rusqlite::params![origin, device, !bind],
                )?;
            }
            if bind {
                tx.execute("UPDATE devices SET origin = ?1 WHERE id = ?2 AND origin IS NULL", [&origin, &device])?;
            }
            let mut stored = 0;
            {
                let mut ins = tx.prepare_cached(
                    "INSERT OR IGNORE INTO changes (device_id, seq, hlc, entity, entity_id, op, fields)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                let mut held = tx.prepare_cached("SELECT hlc FROM changes WHERE device_id = ?1 AND seq = ?2")?;
                for ch in &changes {
                    let hlc = ch.hlc.to_string();
                    let new = ins.execute(rusqlite::params![
                        ch.device_id,
                        ch.seq as i64,
                        hlc,
                        ch.entity,
                        ch.entity_id,
                        ch.op.as_str(),
                        serde_json::to_string(&ch.fields).unwrap_or_default()
                    ])? as u64;
                    // A repeat of a stored change is fine (a retried push);
                    // another change under its number is not.
                    if new == 0 && held.query_row(rusqlite::params![ch.device_id, ch.seq as i64], |r| r.get::<_, String>(0))? != hlc {
                        return Err(super::not_the_stored_change(&ch.device_id, ch.seq));
                    }
                    stored += new;
                }
            }
            let mut acked: i64 =
                tx.query_row("SELECT acked_seq FROM origins WHERE origin = ?1", [&origin], |r| r.get(0)).optional()?.unwrap_or(0);
            {
                let mut stmt = tx.prepare_cached("SELECT seq FROM changes WHERE device_id = ?1 AND seq > ?2 ORDER BY seq")?;
                let mut rows = stmt.query(rusqlite::params![origin, acked])?;
                while let Some(r) = rows.next()? {
                    let seq: i64 = r.get(0)?;
                    if seq != acked + 1 {
                        break;
                    }
                    acked = seq;
                }
            }
            tx.execute(
                "INSERT INTO origins (origin, acked_seq) VALUES (?1, ?2) ON CONFLICT (origin) DO UPDATE SET acked_seq = excluded.acked_seq",
                rusqlite::params![origin, acked],
            )?;
            tx.commit()?;
            Ok(PushResponse { acked_seq: acked as u64, stored, duplicates: changes.len() as u64 - stored })
        })
        .await
    }

    /// Up to `limit` changes after `cursor` read, those of `skip` left out
    /// (the asker's own) while the cursor moves past them, and the answer
    /// cut at [`MAX_BATCH_BYTES`] so it always fits what a client reads.
    pub async fn pull(&self, cursor: u64, limit: u32, skip: Option<String>) -> Result<PullResponse> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT cursor, device_id, seq, hlc, entity, entity_id, op, fields FROM changes
                 WHERE cursor > ?1 ORDER BY cursor LIMIT ?2",
            )?;
            let mut rows = stmt.query(rusqlite::params![cursor as i64, limit as i64 + 1])?;
            let mut page = super::Page::new(cursor, limit);
            while let Some(r) = rows.next()? {
                let at = r.get::<_, i64>(0)? as u64;
                let device: String = r.get(1)?;
                let fields: String = r.get(7)?;
                let own = skip.as_deref() == Some(device.as_str());
                if !page.admit(at, own, fields.len()) {
                    break;
                }
                if own {
                    continue;
                }
                page.changes.push(row_change(
                    device,
                    r.get::<_, i64>(2)? as u64,
                    &r.get::<_, String>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    &r.get::<_, String>(6)?,
                    &fields,
                )?);
            }
            Ok(page.done())
        })
        .await
    }

    pub async fn summary(&self) -> Result<Summary> {
        self.run(|c| {
            let changes: i64 = c.query_row("SELECT COUNT(*) FROM changes", [], |r| r.get(0))?;
            let mut stmt = c.prepare("SELECT entity, COUNT(*) FROM changes GROUP BY entity ORDER BY entity")?;
            let by_entity = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?.collect::<rusqlite::Result<_>>()?;
            let mut stmt = c.prepare(
                "SELECT entity_id, json_extract(fields, '$.name') FROM changes
                 WHERE entity = 'event' AND op = 'insert' ORDER BY cursor",
            )?;
            let events = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default())))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Summary { changes: changes as u64, by_entity, events })
        })
        .await
    }
}

impl Sqlite {
    /// The event of each row id held in `scopes` (`None`: the organisation's).
    pub async fn scope_get(&self, ids: Vec<String>) -> Result<Vec<(String, Option<String>)>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached("SELECT event_id FROM scopes WHERE entity_id = ?1")?;
            let mut out = Vec::new();
            for id in ids {
                if let Some(e) = stmt.query_row([&id], |r| r.get::<_, Option<String>>(0)).optional()? {
                    out.push((id, e));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Records the event of rows (the first record of a row stays).
    pub async fn scope_put(&self, rows: Vec<(String, Option<String>)>) -> Result<()> {
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached("INSERT INTO scopes (entity_id, event_id) VALUES (?1, ?2) ON CONFLICT (entity_id) DO NOTHING")?;
                for (id, e) in &rows {
                    stmt.execute(rusqlite::params![id, e])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn scope_count(&self) -> Result<u64> {
        self.run(|c| Ok(c.query_row("SELECT COUNT(*) FROM scopes", [], |r| r.get::<_, i64>(0))? as u64)).await
    }

    /// The value of a `trust` record.
    pub async fn kv_get(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_string();
        self.run(move |c| Ok(c.query_row("SELECT value FROM trust WHERE key = ?1", [&key], |r| r.get(0)).optional()?)).await
    }

    /// Writes a record; with `only_new`, only when none is there (false then).
    pub async fn kv_put(&self, key: &str, value: &str, only_new: bool) -> Result<bool> {
        let (key, value) = (key.to_string(), value.to_string());
        self.run(move |c| {
            let sql = if only_new {
                "INSERT INTO trust (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING"
            } else {
                "INSERT INTO trust (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            };
            Ok(c.execute(sql, [&key, &value])? == 1)
        })
        .await
    }

    /// Every record whose key starts with `prefix`.
    pub async fn kv_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let prefix = prefix.to_string();
        self.run(move |c| {
            let mut stmt = c.prepare("SELECT key, value FROM trust WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key")?;
            let rows = stmt.query_map([&prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    /// (entity id, fields JSON) of every insert of `entity`, in cursor order.
    pub async fn inserts_of(&self, entity: &str) -> Result<Vec<(String, String)>> {
        let entity = entity.to_string();
        self.run(move |c| {
            let mut stmt = c.prepare("SELECT entity_id, fields FROM changes WHERE entity = ?1 AND op = 'insert' ORDER BY cursor")?;
            let rows = stmt.query_map([&entity], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }
}

fn owner_in(c: &Connection, origin: &str) -> Result<Option<(String, String)>> {
    Ok(c
        .query_row(
            "SELECT o.owner, COALESCE(d.name, o.owner) FROM origins o LEFT JOIN devices d ON d.id = o.owner
             WHERE o.origin = ?1 AND o.owner IS NOT NULL AND d.revoked = 0",
            [origin],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// A stored row back into a [`Change`].
pub(super) fn row_change(
    device_id: String,
    seq: u64,
    hlc: &str,
    entity: String,
    entity_id: String,
    op: &str,
    fields: &str,
) -> Result<Change> {
    let bad = |what: &str| StorageError::Invalid(format!("stored change {device_id}/{seq} has a bad {what}"));
    Ok(Change {
        hlc: hlc.parse().map_err(|_| bad("hlc"))?,
        op: ChangeOp::parse(op).ok_or_else(|| bad("op"))?,
        fields: serde_json::from_str(fields).map_err(|_| bad("fields"))?,
        device_id,
        seq,
        entity,
        entity_id,
    })
}
