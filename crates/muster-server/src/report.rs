//! The organisers' figures: the server keeps a read model — a Muster store
//! of its own, beside the server's store — that applies the changes the
//! server holds with muster-core's own merge, so the server and the laptops
//! count exactly alike. `muster server report` brings it up to date from
//! where it stopped, then asks it what a laptop's `programme show` asks.

use crate::storage::{Backend, StorageError};
use muster_core::programme::ProgrammeView;
use muster_core::Muster;
use std::path::{Path, PathBuf};

/// Where the read model of a server's store lives: beside an SQLite store;
/// for PostgreSQL, in the user's data folder under a name of the URL.
pub fn default_read_model(store_url: &str) -> PathBuf {
    if let Some(path) = store_url.strip_prefix("sqlite:") {
        return PathBuf::from(format!("{path}.read-model.db"));
    }
    let hash = crate::storage::hash_token(store_url);
    Muster::default_path().with_file_name(format!("server-read-model-{}.db", &hash[..16]))
}

/// How far a read model was brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Followed {
    /// Changes new to the read model in this run.
    pub applied: u64,
    /// The server cursor it has reached.
    pub cursor: u64,
}

/// Brings the read model at `path` up to every change the server holds.
pub async fn follow(backend: &Backend, path: &Path) -> Result<(Muster, Followed), ReportError> {
    let mut m = Muster::open(path)?;
    m.set_actor(Some(muster_core::access::Actor::admin("server")));
    let mut cursor = m.pull_cursor()?;
    let mut applied = 0;
    loop {
        let page = backend.pull_raw(cursor, 5_000, None).await?;
        let more = page.more;
        let next = page.cursor;
        applied += m.apply_pulled(&page)?;
        if !more || next == cursor {
            break;
        }
        cursor = next;
    }
    let cursor = m.pull_cursor()?;
    Ok((m, Followed { applied, cursor }))
}

/// A programme's stops and totals, from the server's read model.
pub async fn programme(backend: &Backend, read_model: &Path, programme: &str) -> Result<(ProgrammeView, Followed), ReportError> {
    let (m, followed) = follow(backend, read_model).await?;
    Ok((m.programme(programme)?, followed))
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Core(#[from] muster_core::Error),
}
