//! The PostgreSQL backend (tokio-postgres): the same schema and behaviour
//! as SQLite. One connection behind a mutex serialises writes, so the
//! cursor (a BIGSERIAL) is handed out in commit order and a puller never
//! skips a change that commits later with a smaller cursor.

use super::sqlite::row_change;
use super::{DeviceInfo, Result, StorageError, Summary};
use muster_protocol::sync::{PullResponse, PushResponse};
use muster_protocol::Change;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    last_seen   TEXT,
    revoked     BOOLEAN NOT NULL DEFAULT FALSE,
    origin      TEXT,
    relay       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS changes (
    cursor      BIGSERIAL PRIMARY KEY,
    device_id   TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    hlc         TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    op          TEXT NOT NULL,
    fields      TEXT NOT NULL,
    UNIQUE (device_id, seq)
);
CREATE TABLE IF NOT EXISTS origins (
    origin     TEXT PRIMARY KEY,
    acked_seq  BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS trust (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scopes (
    entity_id  TEXT PRIMARY KEY,
    event_id   TEXT
);
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'origins' AND column_name = 'owner') THEN
        ALTER TABLE origins ADD COLUMN owner TEXT;
        ALTER TABLE origins ADD COLUMN via_relay BOOLEAN NOT NULL DEFAULT FALSE;
        UPDATE origins SET owner = (SELECT d.id FROM devices d WHERE d.origin = origins.origin AND NOT d.relay ORDER BY d.created_at LIMIT 1);
    END IF;
END $$;
";

#[derive(Clone)]
pub struct Postgres {
    client: Arc<Mutex<Client>>,
}

impl Postgres {
    pub async fn connect(url: &str) -> Result<Postgres> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("postgres connection ended: {e}");
            }
        });
        client.batch_execute(SCHEMA).await?;
        Ok(Postgres { client: Arc::new(Mutex::new(client)) })
    }

    pub async fn add_device(&self, id: &str, name: &str, hash: &str, now: &str, relay: bool) -> Result<()> {
        let c = self.client.lock().await;
        c.execute(
            "INSERT INTO devices (id, name, token_hash, created_at, relay) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &name, &hash, &now, &relay],
        )
        .await?;
        Ok(())
    }

    pub async fn list_devices(&self) -> Result<Vec<DeviceInfo>> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT d.id, d.name, d.created_at, d.last_seen, d.revoked, d.origin,
                        (SELECT COUNT(*) FROM changes ch WHERE ch.device_id = d.origin), d.relay
                 FROM devices d ORDER BY d.created_at, d.id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| DeviceInfo {
                id: r.get(0),
                name: r.get(1),
                created_at: r.get(2),
                last_seen: r.get(3),
                revoked: r.get(4),
                origin: r.get(5),
                changes: r.get::<_, i64>(6) as u64,
                relay: r.get(7),
            })
            .collect())
    }

    pub async fn revoke(&self, id: &str) -> Result<()> {
        let c = self.client.lock().await;
        if c.execute("UPDATE devices SET revoked = TRUE WHERE id = $1", &[&id]).await? == 0 {
            return Err(StorageError::NoSuchDevice(id.to_string()));
        }
        Ok(())
    }

    pub async fn authenticate(&self, hash: &str, now: &str) -> Result<Option<DeviceInfo>> {
        let c = self.client.lock().await;
        let row = c
            .query_opt(
                "UPDATE devices SET last_seen = $2 WHERE token_hash = $1 AND NOT revoked
                 RETURNING id, name, created_at, last_seen, revoked, origin, relay",
                &[&hash, &now],
            )
            .await?;
        Ok(row.map(|r| DeviceInfo {
            id: r.get(0),
            name: r.get(1),
            created_at: r.get(2),
            last_seen: r.get(3),
            revoked: r.get(4),
            origin: r.get(5),
            changes: 0,
            relay: r.get(6),
        }))
    }

    pub async fn push(&self, device: &str, origin: &str, changes: &[Change], bind: bool) -> Result<PushResponse> {
        let mut c = self.client.lock().await;
        let tx = c.transaction().await?;
        // As in SQLite: the first token to push an origin owns it.
        let owner = tx
            .query_opt(
                "SELECT o.owner, COALESCE(d.name, o.owner) FROM origins o LEFT JOIN devices d ON d.id = o.owner
                 WHERE o.origin = $1 AND o.owner IS NOT NULL AND NOT d.revoked FOR UPDATE OF o",
                &[&origin],
            )
            .await?;
        if let Some(r) = owner {
            let (owner, name): (String, String) = (r.get(0), r.get(1));
            if owner != device {
                return Err(super::wrong_device(origin, &name));
            }
        } else if bind || !changes.is_empty() {
            tx.execute(
                "INSERT INTO origins (origin, acked_seq, owner, via_relay) VALUES ($1, 0, $2, $3)
                 ON CONFLICT (origin) DO UPDATE SET owner = EXCLUDED.owner, via_relay = EXCLUDED.via_relay",
                &[&origin, &device, &!bind],
            )
            .await?;
        }
        if bind {
            tx.execute("UPDATE devices SET origin = $1 WHERE id = $2 AND origin IS NULL", &[&origin, &device]).await?;
        }
        let ins = tx
            .prepare(
                "INSERT INTO changes (device_id, seq, hlc, entity, entity_id, op, fields)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (device_id, seq) DO NOTHING",
            )
            .await?;
        let held = tx.prepare("SELECT hlc FROM changes WHERE device_id = $1 AND seq = $2").await?;
        let mut stored = 0;
        for ch in changes {
            let fields = serde_json::to_string(&ch.fields).unwrap_or_default();
            let hlc = ch.hlc.to_string();
            let new = tx.execute(&ins, &[&ch.device_id, &(ch.seq as i64), &hlc, &ch.entity, &ch.entity_id, &ch.op.as_str(), &fields]).await?;
            // A repeat of a stored change is fine (a retried push); another
            // change under its number is not.
            if new == 0 && tx.query_one(&held, &[&ch.device_id, &(ch.seq as i64)]).await?.get::<_, String>(0) != hlc {
                return Err(super::not_the_stored_change(&ch.device_id, ch.seq));
            }
            stored += new;
        }
        let mut acked: i64 =
            tx.query_opt("SELECT acked_seq FROM origins WHERE origin = $1", &[&origin]).await?.map(|r| r.get(0)).unwrap_or(0);
        for r in tx.query("SELECT seq FROM changes WHERE device_id = $1 AND seq > $2 ORDER BY seq", &[&origin, &acked]).await? {
            let seq: i64 = r.get(0);
            if seq != acked + 1 {
                break;
            }
            acked = seq;
        }
        tx.execute(
            "INSERT INTO origins (origin, acked_seq) VALUES ($1, $2) ON CONFLICT (origin) DO UPDATE SET acked_seq = EXCLUDED.acked_seq",
            &[&origin, &acked],
        )
        .await?;
        tx.commit().await?;
        Ok(PushResponse { acked_seq: acked as u64, stored, duplicates: changes.len() as u64 - stored })
    }

    /// The token that owns an origin, and its name.
    pub async fn owner(&self, origin: &str) -> Result<Option<(String, String)>> {
        let c = self.client.lock().await;
        Ok(c.query_opt(
            "SELECT o.owner, COALESCE(d.name, o.owner) FROM origins o LEFT JOIN devices d ON d.id = o.owner
             WHERE o.origin = $1 AND o.owner IS NOT NULL AND NOT d.revoked",
            &[&origin],
        )
        .await?
        .map(|r| (r.get(0), r.get(1))))
    }

    /// As [`super::sqlite::Sqlite::pull`].
    pub async fn pull(&self, cursor: u64, limit: u32, skip: Option<String>) -> Result<PullResponse> {
        let c = self.client.lock().await;
        let rows = c
            .query(
                "SELECT cursor, device_id, seq, hlc, entity, entity_id, op, fields FROM changes
                 WHERE cursor > $1 ORDER BY cursor LIMIT $2",
                &[&(cursor as i64), &(limit as i64 + 1)],
            )
            .await?;
        let mut page = super::Page::new(cursor, limit);
        for r in &rows {
            let device: String = r.get(1);
            let fields: &str = r.get(7);
            let own = skip.as_deref() == Some(device.as_str());
            if !page.admit(r.get::<_, i64>(0) as u64, own, fields.len()) {
                break;
            }
            if own {
                continue;
            }
            page.changes.push(row_change(device, r.get::<_, i64>(2) as u64, r.get(3), r.get(4), r.get(5), r.get(6), fields)?);
        }
        Ok(page.done())
    }

    pub async fn summary(&self) -> Result<Summary> {
        let c = self.client.lock().await;
        let changes: i64 = c.query_one("SELECT COUNT(*) FROM changes", &[]).await?.get(0);
        let by_entity = c
            .query("SELECT entity, COUNT(*) FROM changes GROUP BY entity ORDER BY entity", &[])
            .await?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64))
            .collect();
        let events = c
            .query("SELECT entity_id, fields::json->>'name' FROM changes WHERE entity = 'event' AND op = 'insert' ORDER BY cursor", &[])
            .await?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, Option<String>>(1).unwrap_or_default()))
            .collect();
        Ok(Summary { changes: changes as u64, by_entity, events })
    }

    /// As [`super::sqlite::Sqlite::scope_get`].
    pub async fn scope_get(&self, ids: Vec<String>) -> Result<Vec<(String, Option<String>)>> {
        let c = self.client.lock().await;
        let rows = c.query("SELECT entity_id, event_id FROM scopes WHERE entity_id = ANY($1)", &[&ids]).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// As [`super::sqlite::Sqlite::scope_put`].
    pub async fn scope_put(&self, rows: Vec<(String, Option<String>)>) -> Result<()> {
        let c = self.client.lock().await;
        let (ids, events): (Vec<String>, Vec<Option<String>>) = rows.into_iter().unzip();
        c.execute(
            "INSERT INTO scopes (entity_id, event_id) SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT (entity_id) DO NOTHING",
            &[&ids, &events],
        )
        .await?;
        Ok(())
    }

    pub async fn scope_count(&self) -> Result<u64> {
        let c = self.client.lock().await;
        Ok(c.query_one("SELECT COUNT(*) FROM scopes", &[]).await?.get::<_, i64>(0) as u64)
    }

    /// The value of a `trust` record.
    pub async fn kv_get(&self, key: &str) -> Result<Option<String>> {
        let c = self.client.lock().await;
        Ok(c.query_opt("SELECT value FROM trust WHERE key = $1", &[&key]).await?.map(|r| r.get(0)))
    }

    /// Writes a record; with `only_new`, only when none is there (false then).
    pub async fn kv_put(&self, key: &str, value: &str, only_new: bool) -> Result<bool> {
        let c = self.client.lock().await;
        let sql = if only_new {
            "INSERT INTO trust (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
        } else {
            "INSERT INTO trust (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        };
        Ok(c.execute(sql, &[&key, &value]).await? == 1)
    }

    /// Every record whose key starts with `prefix`.
    pub async fn kv_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let c = self.client.lock().await;
        let rows = c.query("SELECT key, value FROM trust WHERE substr(key, 1, length($1)) = $1 ORDER BY key", &[&prefix]).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// (entity id, fields JSON) of every insert of `entity`, in cursor order.
    pub async fn inserts_of(&self, entity: &str) -> Result<Vec<(String, String)>> {
        let c = self.client.lock().await;
        let rows = c.query("SELECT entity_id, fields FROM changes WHERE entity = $1 AND op = 'insert' ORDER BY cursor", &[&entity]).await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
