//! The door goes first: bulk work (a roster import) yields the write lock to
//! any other write that is waiting for it, in this process or another.
//!
//! SQLite has one writer at a time, and a 100,000-row import must publish
//! its rows and their change-log entries in one transaction (seconds), so a
//! check-in at the door would wait behind it. Instead, a write that finds the
//! store busy *rings the bell*: it takes a shared lock on the empty file
//! `<store>-door` beside the store (made when first needed) while it waits,
//! and keeps it until its transaction ends. Bulk work asks every few rows
//! whether the bell is ringing (a non-blocking exclusive lock on the same
//! file fails while anyone holds it shared); if so it rolls back, or commits
//! what is complete when a partial transaction is harmless, waits until the
//! door is through ([`Door::let_in`]), and starts again. OS file locks vanish
//! with the process that held them, so a killed process never leaves the
//! bell ringing.
//!
//! The same module installs the busy handler: it waits up to
//! [`BUSY_TIMEOUT`] (so a write never fails with "database is locked" while
//! another one, even an import that stopped yielding, commits), polling
//! every millisecond or two rather than SQLite's 100 ms steps, so a door
//! let in does not sleep through its turn.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a write waits for the lock before it fails as `storage`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The bell of one store, shared by its connection's busy handler.
pub(crate) struct Door {
    path: PathBuf,
    /// Set while a write that should ring is waiting to begin.
    ring_on_busy: AtomicBool,
    /// The file whose shared lock says "a door is waiting", while held.
    ringing: Mutex<Option<File>>,
}

impl Door {
    pub(crate) fn new(store: &Path) -> Arc<Door> {
        Arc::new(Door { path: super::sibling(store, "-door"), ring_on_busy: AtomicBool::new(false), ringing: Mutex::new(None) })
    }

    fn open(&self) -> Option<File> {
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&self.path).ok()
    }

    /// Marks the coming write as one that rings when it has to wait; the
    /// guard stops ringing when the write is over (committed or not).
    pub(crate) fn ring_while_waiting(self: &Arc<Door>) -> Ringing {
        self.ring_on_busy.store(true, Ordering::SeqCst);
        Ringing(Arc::clone(self))
    }

    /// Called by the busy handler on the first busy answer of a statement.
    fn ring(&self) {
        if !self.ring_on_busy.load(Ordering::SeqCst) {
            return;
        }
        let mut ringing = self.ringing.lock().unwrap_or_else(|e| e.into_inner());
        if ringing.is_none() {
            // Best effort: without the file there is no priority, only the wait.
            if let Some(f) = self.open().filter(|f| f.lock_shared().is_ok()) {
                *ringing = Some(f);
            }
        }
    }

    /// A handle for bulk work to ask whether the door is waiting.
    pub(crate) fn listener(&self) -> Listener {
        Listener { file: self.open() }
    }

    /// Returns once no write is ringing (they are through, or never were).
    pub(crate) fn let_in(&self) {
        if let Some(f) = self.open() {
            if f.lock().is_ok() {
                let _ = f.unlock();
            }
        }
    }

    /// Installs the busy handler on `conn`: wait up to [`BUSY_TIMEOUT`] in
    /// small steps, ringing the bell first if the write asked for it.
    pub(crate) fn install(self: &Arc<Door>, conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
        let door = Arc::clone(self);
        let mut since = Instant::now();
        conn.busy_handler(Some(move |count: i32| {
            if count == 0 {
                since = Instant::now();
                door.ring();
            }
            if since.elapsed() >= BUSY_TIMEOUT {
                return false;
            }
            std::thread::sleep(Duration::from_millis(if count < 50 { 1 } else { 2 }));
            true
        }))
    }
}

/// While alive, the write it was made for rings when it waits.
pub(crate) struct Ringing(Arc<Door>);

impl Drop for Ringing {
    fn drop(&mut self) {
        self.0.ring_on_busy.store(false, Ordering::SeqCst);
        let mut ringing = self.0.ringing.lock().unwrap_or_else(|e| e.into_inner());
        // Dropping the file releases its lock.
        ringing.take();
    }
}

/// Bulk work's ear on the bell.
pub struct Listener {
    file: Option<File>,
}

impl Listener {
    /// One that never hears anything: bulk work that stopped yielding.
    pub(crate) fn deaf() -> Listener {
        Listener { file: None }
    }

    /// Whether some write is waiting for the lock (two system calls).
    pub fn door_waiting(&self) -> bool {
        let Some(f) = &self.file else { return false };
        match f.try_lock() {
            Ok(()) => {
                let _ = f.unlock();
                false
            }
            Err(TryLockError::WouldBlock) => true,
            Err(TryLockError::Error(_)) => false,
        }
    }
}
