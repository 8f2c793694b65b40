//! Sneakernet: the changes of a store written to a file (a USB stick) and
//! read into another store, for a laptop that never meets the network. The
//! file is the protocol's own compressed `PushRequest`s, so importing it is
//! the same idempotent apply as a pull.
//!
//! The file holds personal data, so it is an export like any other
//! (`Muster::write_export`): sealed in an AES-256 ZIP (`<path>.zip`) when
//! the store is encrypted, unless the user asks for a plain file. Import
//! reads both, a sealed one with the export passphrase or the store's.

use muster_core::export::{ExportKind, ExportRequest, ExportedFile};
use muster_core::{seal, Error, Muster, Result};
use muster_protocol::sync::{self, PullResponse, PushRequest};
use muster_protocol::PROTOCOL_VERSION;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a sneakernet file holds: every change this store has, of every
/// device (so a file can also carry a hub's collection onwards).
#[derive(Debug, Serialize, Deserialize)]
pub struct Bundle {
    pub protocol: u32,
    pub from_device: String,
    pub batches: Vec<PushRequest>,
}

/// Writes every change in the store to `path` (sealed to `<path>.zip`
/// unless the store is plain or `plain`); returns the count and the file
/// as written.
pub fn export(m: &mut Muster, path: &Path, plain: bool) -> Result<(u64, ExportedFile)> {
    let store = m.store();
    let mut batches = Vec::new();
    let mut n = 0;
    for device in store.devices_in_log()? {
        let mut after = 0;
        loop {
            let changes = store.changes_since(&device, after, sync::BATCH)?;
            let Some(last) = changes.last() else { break };
            after = last.seq;
            n += changes.len() as u64;
            batches.push(PushRequest { protocol: PROTOCOL_VERSION, device_id: device.clone(), changes });
        }
    }
    let bundle = Bundle { protocol: PROTOCOL_VERSION, from_device: store.device_id().to_string(), batches };
    let bytes = sync::encode(&bundle);
    let written = m.write_export(ExportRequest { event_id: None, kind: ExportKind::SyncFile, path, bytes: &bytes, plain })?;
    Ok((n, written))
}

/// Reads a file written by [`export`] into the store; returns how many
/// changes were new. Reading the same file twice adds nothing. A sealed
/// file is opened with the export passphrase, else the store's (a wrong
/// one: `invalid_input`, field `passphrase`).
pub fn import(m: &mut Muster, path: &Path) -> Result<u64> {
    let bytes = if seal::is_sealed(path) {
        m.open_sealed(path)?.1
    } else {
        std::fs::read(path).map_err(|e| Error::io(path.display(), e))?
    };
    let file = path.display().to_string();
    let bundle: Bundle =
        sync::decode(&bytes).map_err(|e| Error::invalid_at(format!("not a Muster sync file: {e}"), Some(&file), None, None))?;
    if bundle.protocol != PROTOCOL_VERSION {
        return Err(Error::invalid_at(
            format!("written by sync protocol {}, this Muster speaks {PROTOCOL_VERSION}: please update", bundle.protocol),
            Some(&file),
            None,
            None,
        ));
    }
    let mut new = 0;
    for batch in bundle.batches {
        new += m.apply_changes(&PullResponse { changes: batch.changes, cursor: 0, more: false })?;
    }
    new += m.retry_quarantined()?;
    Ok(new)
}
