//! Sneakernet: the changes of a store written to a file (a USB stick) and
//! read into another store, for a laptop that never meets the network. The
//! file is the protocol's own compressed `PushRequest`s, so importing it is
//! the same idempotent apply as a pull.

use muster_core::{Error, Muster, Result};
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

/// Writes every change in the store to `path`; returns the count.
pub fn export(m: &Muster, path: &Path) -> Result<u64> {
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
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, sync::encode(&bundle)).map_err(|e| Error::io(tmp.display(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path.display(), e))?;
    Ok(n)
}

/// Reads a file written by [`export`] into the store; returns how many
/// changes were new. Reading the same file twice adds nothing.
pub fn import(m: &mut Muster, path: &Path) -> Result<u64> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
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
    Ok(new)
}
