//! Where the server keeps devices and change-log entries: SQLite or
//! PostgreSQL behind one [`Backend`], with the same behaviour (the same
//! tests run against both).

mod postgres;
mod sqlite;

use muster_protocol::sync::{PullResponse, PushResponse, MAX_BATCH_BYTES};
use muster_protocol::Change;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("device {0} not found")]
    NoSuchDevice(String),
    #[error("{0}")]
    Conflict(String),
    /// A token pushing or pulling as a laptop whose changes another token
    /// owns (403 `wrong_device`).
    #[error("{0}")]
    WrongDevice(String),
    /// A limited device pushing another event's changes (403 `out_of_scope`).
    #[error("{0}")]
    OutOfScope(String),
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// A paired device as the organisers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_seen: Option<String>,
    pub revoked: bool,
    /// The store (device id of its change log) this token syncs, once bound.
    pub origin: Option<String>,
    /// Changes held from that store.
    pub changes: u64,
    /// A relay (a venue hub's store) may push the changes of any store it
    /// collected; an ordinary device only its own.
    pub relay: bool,
}

/// A newly paired device: the token is shown once and stored only hashed.
#[derive(Debug, Clone, Serialize)]
pub struct NewDevice {
    pub device_id: String,
    pub token: String,
}

/// Counts for the organisers' page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub changes: u64,
    /// (entity, count)
    pub by_entity: Vec<(String, u64)>,
    /// (event id, event name) from event inserts.
    pub events: Vec<(String, String)>,
}

/// SHA-256 of a token, hex. Tokens are 256 random bits, so a fast hash is
/// enough: there is nothing to brute-force.
pub fn hash_token(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS has randomness for tokens");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn now() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    // Seconds are enough for "last seen"; keep it sortable.
    let secs = (ms / 1000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = muster_protocol::trust::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}


/// The server's store.
#[derive(Clone)]
pub enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

impl Backend {
    /// `sqlite:PATH` or `postgres://...` / `postgresql://...`.
    pub async fn open(url: &str) -> Result<Backend> {
        let b = if let Some(path) = url.strip_prefix("sqlite:") {
            Backend::Sqlite(sqlite::Sqlite::open(path)?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(postgres::Postgres::connect(url).await?)
        } else {
            return Err(StorageError::Invalid(format!("store must be sqlite:PATH or postgres://…, not {url:?}")));
        };
        b.backfill_scopes().await?;
        Ok(b)
    }

    pub(crate) async fn scope_get(&self, ids: Vec<String>) -> Result<Vec<(String, Option<String>)>> {
        match self {
            Backend::Sqlite(s) => s.scope_get(ids).await,
            Backend::Postgres(p) => p.scope_get(ids).await,
        }
    }

    pub(crate) async fn scope_put(&self, rows: Vec<(String, Option<String>)>) -> Result<()> {
        match self {
            Backend::Sqlite(s) => s.scope_put(rows).await,
            Backend::Postgres(p) => p.scope_put(rows).await,
        }
    }

    pub(crate) async fn scope_count(&self) -> Result<u64> {
        match self {
            Backend::Sqlite(s) => s.scope_count().await,
            Backend::Postgres(p) => p.scope_count().await,
        }
    }

    /// Pairs a device limited to some events or a programme.
    pub async fn pair_limited(&self, name: &str, relay: bool, limit: &crate::scoped::DeviceLimit) -> Result<NewDevice> {
        let d = self.pair(name, relay).await?;
        if limit.is_limited() {
            self.set_limit(&d.device_id, limit).await?;
        }
        Ok(d)
    }

    pub async fn add_device(&self, name: &str) -> Result<NewDevice> {
        self.pair(name, false).await
    }

    /// Pairs a device; `relay` lets it forward other stores' changes (a
    /// venue hub syncing onwards to the central service).
    pub async fn pair(&self, name: &str, relay: bool) -> Result<NewDevice> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StorageError::Invalid("a device needs a name".into()));
        }
        let id = random_hex(8);
        let token = random_hex(32);
        let hash = hash_token(&token);
        match self {
            Backend::Sqlite(s) => s.add_device(&id, name, &hash, &now(), relay).await?,
            Backend::Postgres(p) => p.add_device(&id, name, &hash, &now(), relay).await?,
        }
        Ok(NewDevice { device_id: id, token })
    }

    pub async fn list_devices(&self) -> Result<Vec<DeviceInfo>> {
        match self {
            Backend::Sqlite(s) => s.list_devices().await,
            Backend::Postgres(p) => p.list_devices().await,
        }
    }

    /// Revokes a device: its token gets 401 from then on, and what its
    /// laptop signs from now is refused (what it signed before stays valid).
    pub async fn revoke(&self, id: &str) -> Result<()> {
        match self {
            Backend::Sqlite(s) => s.revoke(id).await?,
            Backend::Postgres(p) => p.revoke(id).await?,
        }
        self.mark_revoked(id).await
    }

    /// The device a token belongs to, if it is known and not revoked; marks
    /// it seen.
    pub async fn authenticate(&self, token: &str) -> Result<Option<DeviceInfo>> {
        let hash = hash_token(token);
        match self {
            Backend::Sqlite(s) => s.authenticate(&hash, &now()).await,
            Backend::Postgres(p) => p.authenticate(&hash, &now()).await,
        }
    }

    /// Stores a batch of one origin's changes, each `(device, seq)` once,
    /// binding the token's device to that origin on first use.
    pub async fn push(&self, device: &DeviceInfo, origin: &str, changes: &[Change]) -> Result<PushResponse> {
        if let Some(bound) = device.origin.as_ref().filter(|_| !device.relay) {
            if bound != origin {
                return Err(StorageError::WrongDevice(format!(
                    "this token syncs the laptop {bound}; it cannot push the changes of {origin}. Nothing was stored"
                )));
            }
        }
        if let Some(c) = changes.iter().find(|c| c.device_id != origin) {
            return Err(StorageError::Invalid(format!("change {}/{} is not from {origin}", c.device_id, c.seq)));
        }
        // A limited device pushes only its events' changes; the scope of
        // every row is kept for later pulls.
        self.admit_push(device, changes).await?;
        // A relay's token is not bound to the stores it forwards.
        let bind = !device.relay;
        match self {
            Backend::Sqlite(s) => s.push(&device.id, origin, changes, bind).await,
            Backend::Postgres(p) => p.push(&device.id, origin, changes, bind).await,
        }
    }

    /// Changes after `cursor`, leaving out the asking store's own (it has
    /// them) while still moving the cursor past them.
    /// Changes after `cursor`, without those of `origin` (the asking
    /// device) unless `include_own`.
    pub async fn pull(&self, device: &DeviceInfo, cursor: u64, limit: u32, origin: &str, include_own: bool) -> Result<PullResponse> {
        self.pull_events(device, cursor, limit, origin, include_own, None).await
    }

    /// [`Backend::pull`] of only `events` (and the organisation's own
    /// changes), never more than the device's limit.
    pub async fn pull_events(
        &self,
        device: &DeviceInfo,
        cursor: u64,
        limit: u32,
        origin: &str,
        include_own: bool,
        events: Option<&[String]>,
    ) -> Result<PullResponse> {
        // A token pulls as its own laptop (or one nobody owns yet, before
        // its first push), never as another's.
        if let Some((owner, name)) = self.owner(origin).await? {
            if owner != device.id {
                return Err(wrong_device(origin, &name));
            }
        }
        let limit = limit.clamp(1, 10_000);
        let skip = (!include_own).then(|| origin.to_string());
        let mut scope = self.device_limit(&device.id).await?;
        if let Some(asked) = events {
            scope = scope.and(&muster_protocol::scope::Limit::only(asked.iter().cloned()));
        }
        let mut cursor = cursor;
        let mut read = 0u64;
        loop {
            let mut page = self.pull_raw(cursor, limit, skip.clone()).await?;
            let moved = page.cursor - cursor;
            self.filter_pull(&mut page, &scope).await?;
            read += moved;
            // An answer emptied by the limit goes on reading, so the cursor
            // always moves by a whole batch (a laptop stops a server that
            // creeps).
            if !page.changes.is_empty() || !page.more || read >= u64::from(limit) {
                return Ok(page);
            }
            cursor = page.cursor;
        }
    }

    /// Up to `limit` changes after `cursor`, those of `skip` left out.
    pub(crate) async fn pull_raw(&self, cursor: u64, limit: u32, skip: Option<String>) -> Result<PullResponse> {
        match self {
            Backend::Sqlite(s) => s.pull(cursor, limit, skip).await,
            Backend::Postgres(p) => p.pull(cursor, limit, skip).await,
        }
    }

    /// The token (device id, name) that owns an origin's changes.
    pub async fn owner(&self, origin: &str) -> Result<Option<(String, String)>> {
        match self {
            Backend::Sqlite(s) => s.owner(origin).await,
            Backend::Postgres(p) => p.owner(origin).await,
        }
    }

    pub async fn summary(&self) -> Result<Summary> {
        match self {
            Backend::Sqlite(s) => s.summary().await,
            Backend::Postgres(p) => p.summary().await,
        }
    }

    /// Every change held, in cursor order (for tests and audits).
    pub async fn count_changes(&self) -> Result<u64> {
        Ok(self.summary().await?.changes)
    }
}

/// One pull answer being filled: at most `limit` changes read after the
/// cursor, and at most [`MAX_BATCH_BYTES`] of them returned (always at least
/// one), so an answer always fits what a client reads.
pub(crate) struct Page {
    pub changes: Vec<Change>,
    last: u64,
    read: u32,
    limit: u32,
    bytes: usize,
    more: bool,
}

impl Page {
    pub fn new(cursor: u64, limit: u32) -> Page {
        Page { changes: Vec::new(), last: cursor, read: 0, limit, bytes: 0, more: false }
    }

    /// Whether the change at `cursor` goes in (or, if `skipped`, is passed
    /// over); false when the page is full and more follow.
    pub fn admit(&mut self, cursor: u64, skipped: bool, bytes: usize) -> bool {
        if self.read == self.limit || (!skipped && !self.changes.is_empty() && self.bytes + bytes > MAX_BATCH_BYTES) {
            self.more = true;
            return false;
        }
        self.read += 1;
        self.last = cursor;
        if !skipped {
            self.bytes += bytes;
        }
        true
    }

    pub fn done(self) -> PullResponse {
        PullResponse { changes: self.changes, cursor: self.last, more: self.more }
    }
}

/// The refusal when a token pushes or pulls as a laptop another token
/// owns: posing as another laptop.
pub(crate) fn wrong_device(origin: &str, owner_name: &str) -> StorageError {
    StorageError::WrongDevice(format!(
        "the changes of laptop {origin} belong to another token (device {owner_name:?}); a token syncs only its own \
         laptop's changes. Nothing was stored. (A backup restored onto a second laptop? Give it an id of its own: \
         `muster restore BACKUP --new-device`)"
    ))
}

/// The refusal when a pushed change has the number of a stored one but is
/// another change: two laptops are writing under one store id (a backup
/// restored onto a second laptop that stayed in use). Ignoring it as a
/// duplicate would silently lose one laptop's work.
pub(crate) fn not_the_stored_change(device: &str, seq: u64) -> StorageError {
    StorageError::Conflict(format!(
        "{}. Nothing of this batch was stored; this laptop keeps its data",
        muster_protocol::sync::number_clash(device, seq)
    ))
}
