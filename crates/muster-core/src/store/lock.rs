//! Who holds a store: the lock file beside it (`<store>.lock`).
//!
//! Every [`super::Store`] holds a **shared** lock on the store's lock file
//! for as long as it is open (the desktop app, its sync thread's second
//! connection and a CLI beside them all hold one at once). The operations
//! that replace the store's file under everyone's feet — `restore` and a
//! passphrase change — take it **exclusively**, and only by trying: while
//! any other connection holds it they refuse at once ([`Error::Busy`], the
//! `conflict` code: "the store is open in another program …") instead of
//! swapping a file another process is still writing to (its writes would go
//! to the replaced file and vanish).
//!
//! The locks are `flock`s (Unix) / `LockFileEx` (Windows) through
//! `std::fs::File::lock*`: held per open file, across processes, and
//! released by the kernel when the holder exits, also on kill -9 — nothing
//! stale is ever left. The lock file itself stays (it is empty; removing it
//! while another process may be opening it would split the lock in two).
//! An open that finds the store held exclusively waits for it (a restore or
//! re-key takes seconds), up to [`WAIT`], then fails `Busy`.
//!
//! Turning a shared lock into an exclusive one is atomic when it succeeds,
//! but a refused upgrade has let go of the shared lock (flock drops it, and
//! Windows must unlock first): it is taken again before returning.

use crate::{Error, Result};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long an open waits for a restore or a re-key in another process.
pub const WAIT: Duration = Duration::from_secs(30);

/// What a refused exclusive lock says.
pub const OPEN_ELSEWHERE: &str = "the store is open in another program — the app, a sync: close it first";

/// A lock on a store's lock file, shared or exclusive; released on drop.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
    store: PathBuf,
    exclusive: bool,
}

/// The lock file of the store at `store`: `<store>.lock`.
pub fn lock_path(store: &Path) -> PathBuf {
    super::sibling(store, ".lock")
}

fn open_lock_file(store: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(lock_path(store))
}

fn busy(store: &Path, message: &str) -> Error {
    Error::Busy { message: message.to_string(), path: store.display().to_string() }
}

impl StoreLock {
    /// A shared lock, waiting (up to [`WAIT`]) while another process
    /// restores or re-keys the store. `None` when the lock file cannot be
    /// made at all (a read-only folder): such a store is opened unlocked,
    /// as before locks existed; nothing can replace it there anyway.
    pub fn shared(store: &Path) -> Result<Option<StoreLock>> {
        let file = match open_lock_file(store) {
            Ok(f) => f,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem) => return Ok(None),
            Err(e) => return Err(Error::io(lock_path(store).display(), e)),
        };
        let start = Instant::now();
        loop {
            match file.try_lock_shared() {
                Ok(()) => return Ok(Some(StoreLock { file, store: store.to_path_buf(), exclusive: false })),
                Err(TryLockError::WouldBlock) if start.elapsed() < WAIT => std::thread::sleep(Duration::from_millis(50)),
                Err(TryLockError::WouldBlock) => {
                    return Err(busy(store, "the store is being restored or re-keyed by another program: try again when it is done"))
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(lock_path(store).display(), e)),
            }
        }
    }

    /// An exclusive lock, or [`Error::Busy`] at once if anyone else holds
    /// the store.
    pub fn exclusive(store: &Path) -> Result<StoreLock> {
        let file = open_lock_file(store).map_err(|e| Error::io(lock_path(store).display(), e))?;
        match file.try_lock() {
            Ok(()) => Ok(StoreLock { file, store: store.to_path_buf(), exclusive: true }),
            Err(TryLockError::WouldBlock) => Err(busy(store, OPEN_ELSEWHERE)),
            Err(TryLockError::Error(e)) => Err(Error::io(lock_path(store).display(), e)),
        }
    }

    /// Shared → exclusive, or [`Error::Busy`] at once (still shared) if
    /// another connection holds the store too.
    pub fn upgrade(&mut self) -> Result<()> {
        if self.exclusive {
            return Ok(());
        }
        let io = |e| Error::io(lock_path(&self.store).display(), e);
        // flock converts in one step when nobody else holds the file;
        // Windows must let go of the shared lock first.
        #[cfg(not(unix))]
        self.file.unlock().map_err(io)?;
        match self.file.try_lock() {
            Ok(()) => {
                self.exclusive = true;
                Ok(())
            }
            Err(refused) => {
                // Back to where we were before saying no.
                self.file.lock_shared().map_err(io)?;
                match refused {
                    TryLockError::WouldBlock => Err(busy(&self.store, OPEN_ELSEWHERE)),
                    TryLockError::Error(e) => Err(io(e)),
                }
            }
        }
    }

    /// Exclusive → shared (others may open the store again).
    pub fn downgrade(&mut self) -> Result<()> {
        if !self.exclusive {
            return Ok(());
        }
        // flock converts in place; Windows needs the exclusive lock gone first.
        #[cfg(windows)]
        self.file.unlock().map_err(|e| Error::io(lock_path(&self.store).display(), e))?;
        self.file.lock_shared().map_err(|e| Error::io(lock_path(&self.store).display(), e))?;
        self.exclusive = false;
        Ok(())
    }

    pub fn is_exclusive(&self) -> bool {
        self.exclusive
    }
}
