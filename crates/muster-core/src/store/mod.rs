//! The local store: one SQLite file per installation.
//!
//! [`Store::open`] is the only place a connection is made (WAL, foreign keys
//! on, migrations applied), so at-rest encryption has one place to go. Each
//! open store holds a shared lock on `<store>.lock` ([`lock`]); re-keying
//! and restoring take it exclusively, never swapping the file under another
//! connection. [`restore`] puts only a Muster store ([`identify`]) in place
//! and keeps the store it replaces.
//! Reads are plain queries in the entity modules; every write goes through
//! [`Store::write`] (or, for bulk work that gives way to the door,
//! [`Store::write_yielding`]: `door`), whose [`Writer`] changes a row and
//! appends the matching change-log entry in the same transaction. Nothing
//! else runs SQL.

mod changes;
pub mod door;
pub mod events;
pub mod programmes;
pub mod lock;
pub mod forms;
pub mod attendance;
pub mod certificates;
pub mod migrations;
pub mod roster;
pub mod search;
pub mod sessions;
pub mod sync;
pub mod trainees;

pub mod audit;
pub mod users;

pub use changes::{AuditRecord, Entity, Prepared, Writer};
pub use door::Listener;

use crate::access::Actor;

use crate::{Error, ErrorKind, Location, Result};
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
    /// Opened with a passphrase (SQLCipher).
    encrypted: bool,
    /// That passphrase, kept in memory (wiped on drop) to seal exports with
    /// it (`crate::seal`); never logged, never written anywhere.
    passphrase: Option<zeroize::Zeroizing<String>>,
    /// A separate passphrase for exports (`MUSTER_EXPORT_PASSPHRASE`), so
    /// the office never learns the store's; `None`: the store's.
    export_passphrase: Option<zeroize::Zeroizing<String>>,
    /// Who writes (named in the audit log); `None` while nobody is signed in.
    actor: Option<Actor>,
    /// The store's lock file, held shared while open (exclusive during a
    /// re-key or a restore): see [`lock`]. `None` for a temporary copy, or
    /// a store in a folder where no lock file can be made.
    lock: Option<lock::StoreLock>,
    /// The bell a waiting write rings so bulk work yields (`door`).
    door: std::sync::Arc<door::Door>,
    /// The door search's index in memory, per event (`search`).
    search_cache: std::cell::RefCell<search::Cache>,
}

/// The page size of a new plain store, in bytes.
const NEW_PAGE_SIZE: i64 = 16_384;

/// How an open takes the store's lock.
enum Locking {
    /// Shared, waiting while another process re-keys or restores.
    Shared,
    /// A lock the caller already holds (exclusive: restore, re-key).
    Held(Option<lock::StoreLock>),
    /// None: a temporary copy only this process knows.
    Unlocked,
}

impl Store {
    /// Opens (creating if needed) an unencrypted store at `path` and brings
    /// its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, None)
    }

    /// Opens (creating if needed) the store at `path`, encrypted with
    /// SQLCipher when `passphrase` is given, and brings its schema up to
    /// date. The one place a connection is made. A passphrase that does not
    /// open the store (or none for an encrypted one) is an `invalid_input`
    /// error with field `passphrase`, and nothing is written.
    pub fn open_with(path: &Path, passphrase: Option<&str>) -> Result<Store> {
        Store::open_locked(path, passphrase, Locking::Shared)
    }

    fn open_locked(path: &Path, passphrase: Option<&str>, locking: Locking) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        }
        // The lock before the file: an open that waited for a restore opens
        // the restored file, never the one it replaced.
        let lock = match locking {
            Locking::Shared => lock::StoreLock::shared(path)?,
            Locking::Held(lock) => lock,
            Locking::Unlocked => None,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut conn = Connection::open_with_flags(path, flags)?;
        // A wrong key makes SQLCipher print "hmac check failed" lines to
        // stderr; the error below says it once, clearly.
        conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).optional()?;
        // The key must come before anything reads the file (and before WAL).
        if let Some(p) = passphrase {
            if p.is_empty() {
                return Err(Error::invalid_at("the passphrase is empty", None, None, Some("passphrase")));
            }
            conn.pragma_update(None, "key", p)?;
        }
        // Checking the header first turns "not a database" (or a wrong key)
        // into a clear error before any pragma tries to write.
        conn.query_row("PRAGMA schema_version", [], |_| Ok(())).map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                let file = path.display().to_string();
                if passphrase.is_some() || looks_encrypted(path) {
                    Error::invalid_at("the passphrase does not open this store", Some(&file), None, Some("passphrase")).kind(ErrorKind::WrongPassphrase)
                } else {
                    Error::invalid_at("not a Muster store (not an SQLite database)", Some(&file), None, None)
                }
            }
            other => Error::Storage(other),
        })?;
        // Waits for the lock in small steps (up to a minute), ringing the
        // door's bell when a write asks for it.
        let door = door::Door::new(path);
        door.install(&mut conn)?;
        // A new plain store gets 16 KiB pages (SQLite's default is 4 KiB): a
        // bulk load fills a quarter of the pages, with fewer splits (a
        // 100,000-row import measured about 0.3 s, a tenth, faster), while a
        // check-in still writes the same handful of pages, each larger. Only
        // possible before the first table (and before WAL); an existing store
        // keeps its size, and SQLCipher's pages are its own setting (left at
        // its default).
        if passphrase.is_none() && conn.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))? == 0 {
            conn.pragma_update(None, "page_size", NEW_PAGE_SIZE)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Up to 128 MB of page cache (taken only as pages are read or
        // written): a 100,000-row import (an 87 MB store) stays in memory
        // until it commits instead of spilling pages to the WAL and reading
        // them back (with 64 MB, 70 MB were read back; 0.05-0.1 s).
        conn.pragma_update(None, "cache_size", -131_072)?;
        migrations::migrate(&mut conn)?;
        let device_id = device_id(&conn)?;
        let (last_seq, last_hlc): (i64, Option<String>) = conn.query_row(
            "SELECT COALESCE(MAX(seq), 0), MAX(hlc) FROM changes WHERE device_id = ?1",
            [&device_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let last_hlc = last_hlc.and_then(|h| h.parse::<Hlc>().ok()).unwrap_or_default();
        let store = Store {
            conn,
            path: path.to_path_buf(),
            device_id,
            clock: Clock::resume(last_hlc),
            next_seq: last_seq as u64 + 1,
            skew_ms: 0,
            encrypted: passphrase.is_some(),
            passphrase: passphrase.map(|p| zeroize::Zeroizing::new(p.to_string())),
            export_passphrase: None,
            actor: Some(Actor::admin("admin")),
            lock,
            door,
            search_cache: Default::default(),
        };
        Ok(store)
    }

    /// Takes this store for itself alone (before a re-key): refused at once
    /// with [`Error::Busy`] while another connection — another process, or
    /// a second `Store` of this one — has it open.
    pub fn lock_exclusive(&mut self) -> Result<()> {
        match &mut self.lock {
            Some(l) => l.upgrade(),
            None => {
                self.lock = Some(lock::StoreLock::exclusive(&self.path)?);
                Ok(())
            }
        }
    }

    /// Whether this connection holds the store alone.
    pub fn is_exclusive(&self) -> bool {
        self.lock.as_ref().is_some_and(lock::StoreLock::is_exclusive)
    }

    /// Whether this store is encrypted (opened with a passphrase).
    pub fn encrypted(&self) -> bool {
        self.encrypted
    }

    /// The passphrase this store was opened (or last re-keyed) with, for
    /// sealing exports; `None` for a plain store.
    pub(crate) fn passphrase(&self) -> Option<&str> {
        self.passphrase.as_deref().map(String::as_str)
    }

    /// Seals exports with `passphrase` instead of the store's (`None` or
    /// empty: the store's again).
    pub fn set_export_passphrase(&mut self, passphrase: Option<&str>) {
        self.export_passphrase = passphrase.filter(|p| !p.is_empty()).map(|p| zeroize::Zeroizing::new(p.to_string()));
    }

    /// The export passphrase, if one is set (policy: `crate::export`).
    pub(crate) fn export_passphrase(&self) -> Option<&str> {
        self.export_passphrase.as_deref().map(String::as_str)
    }

    /// Whether the store holds anything beyond its empty schema (any entry
    /// in the change log).
    pub fn has_data(&self) -> Result<bool> {
        Ok(self.conn.prepare("SELECT 1 FROM changes LIMIT 1")?.exists([])?)
    }

    /// Writes a consistent copy of the store to `out` (VACUUM INTO, one read
    /// transaction: safe while another process writes), encrypted with the
    /// same key when the store is encrypted. The copy is written beside
    /// `out` and renamed over it. Returns its size in bytes.
    pub fn backup_to(&self, out: &Path) -> Result<u64> {
        let tmp = sibling(out, ".backup-tmp");
        let _ = std::fs::remove_file(&tmp);
        let tmp_str = tmp.to_str().ok_or_else(|| Error::invalid("the backup path is not valid UTF-8"))?;
        if let Err(e) = self.conn.execute("VACUUM INTO ?1", [tmp_str]) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        sync_file(&tmp)?;
        std::fs::rename(&tmp, out).map_err(|e| Error::io(out.display(), e))?;
        sync_dir(out);
        Ok(std::fs::metadata(out).map_err(|e| Error::io(out.display(), e))?.len())
    }

    /// Changes the passphrase to `new` (encrypting a plain store). An
    /// encrypted store is re-keyed in place (`PRAGMA rekey`, one
    /// transaction); a plain one is exported into an encrypted copy that
    /// replaces the file. Either way it takes the store exclusively first
    /// and refuses ([`Error::Busy`]) while any other connection has it
    /// open: their writes would go to the replaced file, or under the old
    /// key. Returns the store reopened with `new`.
    pub fn rekey(mut self, new: &str) -> Result<Store> {
        if new.is_empty() {
            return Err(Error::invalid_at("the new passphrase is empty", None, None, Some("passphrase")));
        }
        self.lock_exclusive()?;
        let held = self.lock.take();
        let path = self.path.clone();
        let skew = self.skew_ms;
        let actor = self.actor.clone();
        let export_passphrase = self.export_passphrase.clone();
        if self.encrypted {
            self.conn.pragma_update(None, "rekey", new)?;
            // Fold the WAL into the file so no page under the old key lingers.
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            drop(self);
        } else {
            let tmp = sibling(&path, ".rekey-tmp");
            let _ = std::fs::remove_file(&tmp);
            let tmp_str = tmp.to_str().ok_or_else(|| Error::invalid("the store path is not valid UTF-8"))?;
            let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let exported = (|| -> rusqlite::Result<()> {
                self.conn.execute("ATTACH DATABASE ?1 AS rekeyed KEY ?2", [tmp_str, new])?;
                self.conn.query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))?;
                self.conn.execute_batch(&format!("PRAGMA rekeyed.user_version = {version}; DETACH DATABASE rekeyed;"))
            })();
            if let Err(e) = exported {
                let _ = self.conn.execute_batch("DETACH DATABASE rekeyed");
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            drop(self);
            sync_file(&tmp)?;
            replace_store(&tmp, &path)?;
        }
        let mut store = Store::open_locked(&path, Some(new), Locking::Held(held))?;
        store.skew_ms = skew;
        store.actor = actor;
        store.export_passphrase = export_passphrase;
        if let Some(l) = &mut store.lock {
            l.downgrade()?;
        }
        Ok(store)
    }
    /// Who acts from now on (`None`: nobody is signed in).
    pub fn set_actor(&mut self, actor: Option<Actor>) {
        self.actor = actor;
    }

    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// A local setting of this laptop (never synced).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
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

    /// Changes whenever the store's content may have: this connection's
    /// row changes (`total_changes()`) and other connections' commits
    /// (`PRAGMA data_version`). Equal versions mean nothing was written
    /// in between, so a view computed at the first may be shown again.
    pub(crate) fn version(&self) -> Result<(i64, i64)> {
        version_of(&self.conn)
    }

    /// The store file's size in bytes (0 if it cannot be read).
    pub fn file_bytes(&self) -> u64 {
        std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
    }

    /// Overwrites deleted content with zeros from now on (so a removal
    /// leaves nothing readable in the file's free space or its log).
    pub(crate) fn secure_delete(&self) -> Result<()> {
        self.conn.query_row("PRAGMA secure_delete = ON", [], |_| Ok(())).optional()?;
        Ok(())
    }

    /// Rewrites the file without its free pages and empties the write-ahead
    /// log: after a removal, the bytes are gone from both.
    ///
    /// VACUUM may give the trainees other rowids: every connection's copy of
    /// the search index is told to make itself afresh (`store::search`).
    pub(crate) fn compact(&self) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('search.generation', '1')
             ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            [],
        )?;
        self.reset_search();
        self.conn.execute_batch("VACUUM")?;
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Forgets this connection's copy of the search index (rows were removed
    /// under it); the next search reads it afresh.
    pub(crate) fn reset_search(&self) {
        *self.search_cache.borrow_mut() = search::Cache::default();
    }

    /// This connection's copy of the search index (`search::Cache`).
    pub(crate) fn search_cache(&self) -> std::cell::RefMut<'_, search::Cache> {
        self.search_cache.borrow_mut()
    }

    /// Runs `f` in one immediate transaction; every row it writes is logged
    /// to the change log in that transaction. On error nothing is kept.
    /// While it waits for the lock it rings the door's bell, so bulk work
    /// (an import) steps aside (`door`).
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let _ringing = self.door.ring_while_waiting();
        let out = self.transact(&door::Listener::deaf(), |w, _| f(w).map(Some))?;
        Ok(out.expect("a write that does not yield always finishes"))
    }

    /// Bulk work that steps aside for the door: runs `f` in one immediate
    /// transaction, like [`Store::write`], and gives it a [`Listener`] to
    /// ask every few rows whether another write is waiting. `f` returns
    /// `None` to give way: its transaction is rolled back, the waiting
    /// writes go through, and `f` runs again from the start (so it must
    /// depend only on what it reads in the transaction). After `patience`
    /// it is no longer told about waiting writes and finishes (they wait).
    /// Returns what `f` returned and how many times it gave way.
    pub fn write_yielding<T>(
        &mut self,
        patience: std::time::Duration,
        mut f: impl FnMut(&mut Writer<'_>, &Listener) -> Result<Option<T>>,
    ) -> Result<(T, u32)> {
        let started = std::time::Instant::now();
        let mut yielded = 0;
        loop {
            let ear = if started.elapsed() < patience { self.door.listener() } else { door::Listener::deaf() };
            if let Some(out) = self.transact(&ear, &mut f)? {
                return Ok((out, yielded));
            }
            yielded += 1;
            self.door.let_in();
        }
    }

    /// One immediate transaction around `f`; `None` from `f` rolls it back.
    fn transact<T>(&mut self, ear: &Listener, f: impl FnOnce(&mut Writer<'_>, &Listener) -> Result<Option<T>>) -> Result<Option<T>> {
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
        let mut writer = Writer::new(&tx, &self.device_id, self.actor.as_ref(), clock, (db_seq as u64 + 1).max(self.next_seq), self.skew_ms);
        let Some(out) = f(&mut writer, ear)? else {
            drop(writer);
            tx.rollback()?;
            return Ok(None);
        };
        let (clock, next_seq) = writer.finish();
        tx.commit()?;
        self.clock = clock;
        self.next_seq = next_seq;
        Ok(Some(out))
    }

    /// The wall-clock time of this store (with its skew), RFC 3339 UTC: what
    /// a write transaction begun now would stamp its rows with.
    pub fn now(&self) -> String {
        crate::clock::rfc3339_ms(crate::clock::now_ms().saturating_add_signed(self.skew_ms))
    }

    /// Change-log entries of this store after `after_seq` for `device_id`, in
    /// sequence order (what sync will push).
    pub fn changes_since(&self, device_id: &str, after_seq: u64, limit: usize) -> Result<Vec<Change>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_id, seq, hlc, entity, entity_id, op, fields FROM change_log
             WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let mut rows = stmt.query(rusqlite::params![device_id, after_seq as i64, limit as i64])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(change_from_row(r)?);
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

/// Whether an unreadable file has the shape of an SQLCipher store: whole
/// pages of random-looking bytes, no "SQLite format 3" header.
fn looks_encrypted(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = [0u8; 16];
    len >= 4096 && len % 512 == 0 && f.read_exact(&mut head).is_ok() && &head != b"SQLite format 3\0"
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| Error::io(path.display(), e))
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|f| f.sync_all());
    }
}

/// Replaces the store file at `path` with the complete, closed database
/// file `new` (same folder): the old -wal and -shm go first, so no stale
/// log is ever replayed onto the new file; then one atomic rename.
pub(crate) fn replace_store(new: &Path, path: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm"] {
        let f = sibling(path, suffix);
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(f.display(), e)),
        }
    }
    std::fs::rename(new, path).map_err(|e| Error::io(path.display(), e))?;
    sync_dir(path);
    Ok(())
}

/// What a file on disk is, as far as a store is concerned: what `restore`
/// accepts (a Muster store of a schema this build knows, or an older one
/// it migrates) and names when it refuses, and what an output guard
/// (`crate::output`) replaces without asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreFile {
    Missing,
    /// A folder, not a file.
    Folder,
    /// Zero bytes.
    Empty,
    /// Not an SQLite database; what it seems to be instead ("a text file",
    /// "a PDF", …).
    NotSqlite(&'static str),
    /// An SQLite database without Muster's tables.
    ForeignSqlite,
    /// A Muster store (`encrypted`: opened with the passphrase).
    Muster { schema: usize, encrypted: bool },
    /// A Muster store written by a newer Muster.
    Newer { schema: usize },
    /// An SQLite header but unreadable past it (truncated, damaged).
    Damaged(String),
    /// Encrypted-looking (no SQLite header, whole pages of random bytes)
    /// and no passphrase was given, or the one given does not open it.
    Encrypted { tried: bool },
    /// A plain (unencrypted) store, but a passphrase was given.
    PlainButPassphrase,
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What the first bytes of a file that is not an SQLite database look like.
fn sniff(head: &[u8]) -> &'static str {
    if head.starts_with(b"%PDF-") {
        "a PDF"
    } else if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive (a workbook or a sealed export?)"
    } else if head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        "a compressed file (a Muster sync file? read it with `muster sync import`)"
    } else if head.iter().all(|&b| b >= 0x20 || b"\t\r\n\x0c".contains(&b)) {
        // No control bytes: text in some encoding (UTF-8, GB18030, …).
        "a text file"
    } else {
        "not an SQLite database"
    }
}

/// Identifies the file at `path` without changing it (no migrations, no
/// -wal or -shm made: it is read as an immutable file). With `passphrase`
/// an encrypted store is opened with it (PBKDF2: ~0.25 s).
pub fn identify(path: &Path, passphrase: Option<&str>) -> StoreFile {
    use std::io::Read;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return StoreFile::Missing,
    };
    if meta.is_dir() {
        return StoreFile::Folder;
    }
    if meta.len() == 0 {
        return StoreFile::Empty;
    }
    let mut head = vec![0u8; 4096.min(meta.len() as usize)];
    if std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_err() {
        return StoreFile::Damaged("it cannot be read".into());
    }
    let plain = head.starts_with(SQLITE_HEADER);
    if !plain && passphrase.is_none() {
        return if looks_encrypted(path) { StoreFile::Encrypted { tried: false } } else { StoreFile::NotSqlite(sniff(&head)) };
    }
    if plain && passphrase.is_some() {
        return StoreFile::PlainButPassphrase;
    }
    let Some(uri) = path.to_str().map(|p| format!("file:{}?immutable=1", uri_escape(p))) else {
        return StoreFile::Damaged("its path is not valid UTF-8".into());
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let Ok(conn) = Connection::open_with_flags(&uri, flags) else { return StoreFile::Damaged("it cannot be opened".into()) };
    let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).optional();
    if let Some(p) = passphrase {
        if conn.pragma_update(None, "key", p).is_err() {
            return StoreFile::Encrypted { tried: true };
        }
    }
    let tables = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'changes')",
        [],
        |r| r.get::<_, i64>(0),
    );
    let tables = match tables {
        Ok(n) => n,
        Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::NotADatabase => {
            return if plain {
                StoreFile::Damaged("its first page is not readable".into())
            } else if looks_encrypted(path) {
                StoreFile::Encrypted { tried: true }
            } else {
                StoreFile::NotSqlite(sniff(&head))
            };
        }
        Err(e) => return StoreFile::Damaged(e.to_string()),
    };
    let schema = match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
        Ok(v) => v.max(0) as usize,
        Err(e) => return StoreFile::Damaged(e.to_string()),
    };
    if tables < 2 || schema == 0 {
        StoreFile::ForeignSqlite
    } else if schema > migrations::MIGRATIONS.len() {
        StoreFile::Newer { schema }
    } else {
        StoreFile::Muster { schema, encrypted: !plain }
    }
}

/// `path` as the path part of an SQLite `file:` URI.
fn uri_escape(path: &str) -> String {
    path.replace('%', "%25").replace('?', "%3F").replace('#', "%23")
}

/// Why `restore` refuses a file that is not a Muster store it can put in
/// place (an `invalid_input` error naming the file; `passphrase` as the
/// field when the passphrase is the problem); `None`: it is one.
fn refusal(kind: &StoreFile, file: &str) -> Option<Error> {
    let invalid = |m: String| Some(Error::invalid_at(m, Some(file), None, None));
    match kind {
        StoreFile::Muster { .. } => None,
        StoreFile::Missing => invalid("no such backup file".into()),
        StoreFile::Folder => invalid(format!("{file} is a folder, not a Muster backup")),
        StoreFile::Empty => invalid(format!("{file} is an empty file, not a Muster backup")),
        StoreFile::NotSqlite(what) if *what == "not an SQLite database" => invalid(format!("{file} is not a Muster backup: not an SQLite database")),
        StoreFile::NotSqlite(what) => invalid(format!("{file} is not a Muster backup: it is {what}, not an SQLite database")),
        StoreFile::ForeignSqlite => invalid(format!("{file} is an SQLite database that is not a Muster store")),
        StoreFile::Newer { schema } => invalid(format!(
            "{file} is a Muster store from a newer version of Muster (schema {schema}, this build knows {}): update Muster to restore it",
            migrations::MIGRATIONS.len()
        )),
        StoreFile::Damaged(why) => invalid(format!("{file} is a damaged SQLite file: {why}")),
        StoreFile::Encrypted { tried: true } => {
            Some(Error::invalid_at(format!("{file} is an encrypted store that the passphrase does not open: the passphrase does not open this backup"), Some(file), None, Some("passphrase")).kind(ErrorKind::WrongPassphrase))
        }
        StoreFile::Encrypted { tried: false } => Some(Error::invalid_at(
            format!("{file} is encrypted (or not a database at all): give the passphrase it was made with"),
            Some(file),
            None,
            Some("passphrase"),
        )
        .kind(ErrorKind::WrongPassphrase)),
        StoreFile::PlainButPassphrase => Some(Error::invalid_at(
            format!("{file} is a plain (unencrypted) store, but a passphrase was given: the passphrase does not open this backup"),
            Some(file),
            None,
            Some("passphrase"),
        )
        .kind(ErrorKind::WrongPassphrase)),
    }
}

/// Whether `a` and `b` name the same file (through symlinks, `./x` and
/// `x`, hard links).
fn same_file(a: &Path, b: &Path) -> bool {
    crate::output::same_file(a, b)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Where the replaced store was kept (`<store>.before-restore-<time>`),
    /// `None` when there was none (a new path, an empty file).
    pub previous: Option<PathBuf>,
}

/// A free name for the store being replaced: `<store>.before-restore-<time>`.
fn previous_name(path: &Path) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    let mut candidate = sibling(path, &format!(".before-restore-{stamp}"));
    let mut n = 2;
    while candidate.exists() || sibling(&candidate, "-wal").exists() {
        candidate = sibling(path, &format!(".before-restore-{stamp}-{n}"));
        n += 1;
    }
    candidate
}

/// Moves the store at `path` (with what its -wal still holds) to
/// `previous`, whole: with the passphrase its log is folded into the file
/// first; a store it does not open keeps its -wal beside it under the new
/// name (`<previous>-wal`, which SQLite reads with it). The -shm goes.
/// Needs the store's exclusive lock.
fn keep_previous(path: &Path, previous: &Path, passphrase: Option<&str>) -> Result<()> {
    let wal = sibling(path, "-wal");
    if wal.exists() {
        // The passphrase given is the backup's; the store it replaces may
        // be plain, or under another key (then its -wal moves with it).
        for key in [passphrase, None] {
            let folded = (|| -> rusqlite::Result<()> {
                let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
                conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).optional()?;
                if let Some(p) = key {
                    conn.pragma_update(None, "key", p)?;
                }
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            })();
            if folded.is_ok() || passphrase.is_none() {
                break;
            }
        }
    }
    std::fs::rename(path, previous).map_err(|e| Error::io(path.display(), e))?;
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        if let Err(e) = std::fs::rename(&wal, sibling(previous, "-wal")) {
            // Put the store back as it was rather than lose its log.
            let _ = std::fs::rename(previous, path);
            return Err(Error::io(wal.display(), e));
        }
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(path, suffix));
    }
    Ok(())
}

/// Puts the backup at `backup` in place of the store at `path`, never
/// losing the store it replaces:
///
/// 1. refuses anything that is not a Muster store of a schema this build
///    knows (or an older one): an empty file, not SQLite, an SQLite file
///    that is not a Muster store, a store from a newer Muster, an
///    encrypted store the passphrase does not open (`invalid_input`,
///    naming what it is), and the store itself;
/// 2. takes the store exclusively: refused ([`Error::Busy`]) while another
///    program has it open;
/// 3. refuses to replace a store that holds data (or that cannot be read
///    to tell) unless `force` (`conflict`);
/// 4. copies the backup beside `path`, opens the copy with `passphrase`
///    (migrating it if it is older), runs the integrity and foreign-key
///    checks;
/// 5. keeps the store it replaces as `<path>.before-restore-<time>` (an
///    encrypted store stays the encrypted file it was), then renames the
///    copy over `path`.
pub fn restore(backup: &Path, path: &Path, passphrase: Option<&str>, force: bool, new_device: bool) -> Result<(Restored, Store)> {
    let backup_name = backup.display().to_string();
    if !backup.is_file() {
        return Err(refusal(&identify(backup, None), &backup_name).unwrap_or_else(|| Error::invalid_at("no such backup file", Some(&backup_name), None, None)));
    }
    if same_file(backup, path) {
        return Err(Error::invalid_at(format!("{backup_name} is the store itself: restore a backup of it"), Some(&backup_name), None, None));
    }
    if let Some(e) = refusal(&identify(backup, passphrase), &backup_name) {
        return Err(e);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    }
    let mut lock = Some(lock::StoreLock::exclusive(path)?);
    let existing = std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false);
    if !force && existing {
        let holds_data = match Store::open_locked(path, passphrase, Locking::Held(lock.take())) {
            Ok(mut s) => {
                let data = s.has_data()?;
                lock = s.lock.take();
                data
            }
            Err(_) => true,
        };
        if lock.is_none() {
            // The open failed and dropped it: take it again.
            lock = Some(lock::StoreLock::exclusive(path)?);
        }
        if holds_data {
            return Err(Error::Conflict(format!(
                "{} is not empty: restoring would replace it (use --force; the store it replaces is kept beside it)",
                path.display()
            )));
        }
    }
    let tmp = sibling(path, ".restore-tmp");
    let clean = || {
        for f in [tmp.clone(), sibling(&tmp, "-wal"), sibling(&tmp, "-shm")] {
            let _ = std::fs::remove_file(f);
        }
    };
    clean();
    std::fs::copy(backup, &tmp).map_err(|e| Error::io(tmp.display(), e))?;
    // A store kept by an earlier restore may have its log beside it.
    let backup_wal = sibling(backup, "-wal");
    if std::fs::metadata(&backup_wal).is_ok_and(|m| m.len() > 0) {
        std::fs::copy(&backup_wal, sibling(&tmp, "-wal")).map_err(|e| Error::io(backup_wal.display(), e))?;
    }
    let verified = (|| -> Result<()> {
        let store = Store::open_locked(&tmp, passphrase, Locking::Unlocked).map_err(|e| match e {
            Error::Invalid { message, location, kind } => {
                Error::Invalid { message: message.replace("this store", "this backup"), location: Location { file: Some(backup_name.clone()), ..location }, kind }
            }
            other => other,
        })?;
        let problems = store.check()?;
        if !problems.is_empty() {
            return Err(Error::invalid_at(format!("the backup fails the integrity check: {}", problems.join("; ")), Some(&backup_name), None, None));
        }
        if new_device {
            // A second laptop from this backup: its own id (the original
            // stays in use).
            sync::become_new_device(&store.conn)?;
        } else {
            // The same laptop back: sync must know this store may be behind
            // what the server holds of this device (see
            // `sync::renumber_after_restore`).
            sync::mark_restored(&store.conn)?;
        }
        store.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    })();
    if let Err(e) = verified {
        clean();
        return Err(e);
    }
    sync_file(&tmp)?;
    let previous = if existing {
        let previous = previous_name(path);
        if let Err(e) = keep_previous(path, &previous, passphrase) {
            clean();
            return Err(e);
        }
        Some(previous)
    } else {
        None
    };
    if let Err(e) = replace_store(&tmp, path) {
        // Put the replaced store back where it was.
        if let Some(p) = &previous {
            if !path.exists() {
                let _ = std::fs::rename(p, path);
                let _ = std::fs::rename(sibling(p, "-wal"), sibling(path, "-wal"));
            }
        }
        clean();
        return Err(e);
    }
    let store = Store::open_locked(path, passphrase, Locking::Held(lock))?;
    Ok((Restored { previous }, store))
}

/// The `VALUES` list of a multi-row insert: `rows` rows of `shared.len()`
/// numbered parameters, where a column marked in `shared` is one parameter
/// for every row: bound once per
/// statement (an import's event id, creation time, device id…), after the
/// rows' own. Row `k`'s own columns are `k * own + 1 …`, `own` being the
/// columns not shared; shared column `j` (counting shared ones only) is
/// `rows * own + j + 1`.
pub(crate) fn placeholders_shared(rows: usize, shared: &[bool]) -> String {
    let own = shared.iter().filter(|s| !**s).count();
    let mut out = String::new();
    for k in 0..rows {
        if k > 0 {
            out.push_str(", ");
        }
        out.push('(');
        let (mut o, mut j) = (0, 0);
        for (c, s) in shared.iter().enumerate() {
            if c > 0 {
                out.push_str(", ");
            }
            if *s {
                j += 1;
                out.push_str(&format!("?{}", rows * own + j));
            } else {
                o += 1;
                out.push_str(&format!("?{}", k * own + o));
            }
        }
        out.push(')');
    }
    out
}

/// A change-log row (`device_id, seq, hlc, entity, entity_id, op, fields`)
/// back into a [`Change`]; a corrupt one is an error naming it.
pub(crate) fn change_from_row(r: &rusqlite::Row<'_>) -> Result<Change> {
    let device_id: String = r.get(0)?;
    let seq: i64 = r.get(1)?;
    let hlc: String = r.get(2)?;
    let op: String = r.get(5)?;
    let fields: String = r.get(6)?;
    let corrupt = |what: &str| Error::invalid(format!("corrupt change log entry {device_id}/{seq}: {what}"));
    Ok(Change {
        hlc: hlc.parse().map_err(|_| corrupt("hlc"))?,
        op: ChangeOp::parse(&op).ok_or_else(|| corrupt("op"))?,
        fields: serde_json::from_str(&fields).map_err(|_| corrupt("fields"))?,
        seq: seq as u64,
        entity: r.get(3)?,
        entity_id: r.get(4)?,
        device_id,
    })
}

fn version_of(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row("SELECT total_changes(), (SELECT data_version FROM pragma_data_version())", [], |r| Ok((r.get(0)?, r.get(1)?)))?)
}
