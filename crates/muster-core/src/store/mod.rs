//! The local store: one SQLite file per installation.
//!
//! [`Store::open`] is the only place a connection is made (WAL, foreign keys
//! on, migrations applied), so at-rest encryption has one place to go.
//! Reads are plain queries in the entity modules; every write goes through
//! [`Store::write`], whose [`Writer`] changes a row and appends the matching
//! change-log entry in the same transaction. Nothing else runs SQL.

mod changes;
pub mod events;
pub mod forms;
pub mod attendance;
pub mod certificates;
pub mod migrations;
pub mod search;
pub mod sessions;
pub mod sync;
pub mod trainees;

pub use changes::{Entity, Writer};

use crate::{Error, Result};
use muster_protocol::{Change, ChangeOp, Clock, Hlc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    device_id: String,
    clock: Clock,
    next_seq: u64,
    /// Added to the wall clock of every write (tests of clock skew, and a
    /// laptop whose clock is known to be wrong).
    skew_ms: i64,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema
    /// up to date. The one place a connection is made.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut conn = Connection::open_with_flags(path, flags)?;
        // Checking the header first turns "not a database" into a clear error
        // before any pragma tries to write.
        conn.query_row("PRAGMA schema_version", [], |_| Ok(())).map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                Error::invalid_at("not a Muster store (not an SQLite database)", Some(&path.display().to_string()), None, None)
            }
            other => Error::Storage(other),
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // 64 MB of page cache: a 100k-row import stays in memory until commit
        // instead of spilling pages to the WAL mid-transaction.
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        migrations::migrate(&mut conn)?;
        let device_id = device_id(&conn)?;
        let (last_seq, last_hlc): (i64, Option<String>) = conn.query_row(
            "SELECT COALESCE(MAX(seq), 0), MAX(hlc) FROM changes WHERE device_id = ?1",
            [&device_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let last_hlc = last_hlc.and_then(|h| h.parse::<Hlc>().ok()).unwrap_or_default();
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device_id,
            clock: Clock::resume(last_hlc),
            next_seq: last_seq as u64 + 1,
            skew_ms: 0,
        })
    }

    /// Shifts this store's wall clock by `ms` (may be negative).
    pub fn skew_clock(&mut self, ms: i64) {
        self.skew_ms = ms;
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This installation's device id (UUIDv7, made at first open).
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one immediate transaction; every row it writes is logged
    /// to the change log in that transaction. On error nothing is kept.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process (the CLI beside the app) may have written since we
        // last looked: continue after the newest entry of this device.
        let (db_seq, db_hlc): (i64, Option<String>) = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0), MAX(hlc) FROM changes WHERE device_id = ?1",
            [&self.device_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut clock = self.clock;
        if let Some(h) = db_hlc.and_then(|h| h.parse::<Hlc>().ok()) {
            if h > clock.last() {
                clock = Clock::resume(h);
            }
        }
        let mut writer = Writer::new(&tx, &self.device_id, clock, (db_seq as u64 + 1).max(self.next_seq), self.skew_ms);
        let out = f(&mut writer)?;
        let (clock, next_seq) = writer.finish();
        tx.commit()?;
        self.clock = clock;
        self.next_seq = next_seq;
        Ok(out)
    }

    /// Change-log entries of this store after `after_seq` for `device_id`, in
    /// sequence order (what sync will push).
    pub fn changes_since(&self, device_id: &str, after_seq: u64, limit: usize) -> Result<Vec<Change>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_id, seq, hlc, entity, entity_id, op, fields FROM changes
             WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(rusqlite::params![device_id, after_seq as i64, limit as i64], |r| {
            let hlc: String = r.get(2)?;
            let op: String = r.get(5)?;
            let fields: String = r.get(6)?;
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, hlc, r.get::<_, String>(3)?, r.get::<_, String>(4)?, op, fields))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (device_id, seq, hlc, entity, entity_id, op, fields) = row?;
            let corrupt = |what: &str| Error::invalid(format!("corrupt change log entry {device_id}/{seq}: {what}"));
            out.push(Change {
                hlc: hlc.parse().map_err(|_| corrupt("hlc"))?,
                op: ChangeOp::parse(&op).ok_or_else(|| corrupt("op"))?,
                fields: serde_json::from_str(&fields).map_err(|_| corrupt("fields"))?,
                device_id,
                seq: seq as u64,
                entity,
                entity_id,
            });
        }
        Ok(out)
    }

    /// Every device that has entries in this store's change log.
    pub fn devices_in_log(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT DISTINCT device_id FROM changes ORDER BY device_id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether some trainee still lacks a code (a store from before 0002).
    pub fn needs_backfill(&self) -> Result<bool> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM trainees WHERE code IS NULL LIMIT 1")?.exists([])?)
    }

    /// Runs SQLite's integrity and foreign-key checks; returns the problems.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        for row in stmt.query_map([], |r| Ok(format!("foreign key: {} row {} → {}", r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))? {
            problems.push(row?);
        }
        Ok(problems)
    }
}

fn device_id(conn: &Connection) -> Result<String> {
    let existing: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| r.get(0)).optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = uuid::Uuid::now_v7().to_string();
    // INSERT OR IGNORE + re-read: two processes opening a new store at once
    // agree on one id.
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?1)", [&id])?;
    Ok(conn.query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| r.get(0))?)
}
