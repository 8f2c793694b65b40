//! Sneakernet: the changes of a store written to a file (a USB stick) and
//! read into another store, for a laptop that never meets the network. The
//! work is `muster_core`'s (`Muster::export_sync_file`,
//! `Muster::import_sync_file`: no network is involved); these are the
//! names the transport has always offered.

use muster_core::export::ExportedFile;
use muster_core::{Muster, Result};
use std::path::Path;

pub use muster_protocol::sync::Bundle;

/// Writes every change in the store to `path` (sealed to `<path>.zip`
/// unless the store is plain or `plain`); returns the count and the file
/// as written.
pub fn export(m: &mut Muster, path: &Path, plain: bool) -> Result<(u64, ExportedFile)> {
    m.export_sync_file(path, plain)
}

/// Reads a file written by [`export`] into the store; returns how many
/// changes were new.
pub fn import(m: &mut Muster, path: &Path) -> Result<u64> {
    m.import_sync_file(path)
}
