//! `muster backup`, `muster restore` and `muster passphrase change`: the
//! store's safety. The passphrase comes from `MUSTER_PASSPHRASE` (and the new
//! one from `MUSTER_NEW_PASSPHRASE`), never from a flag: flags show in `ps`.

use crate::output::Outcome;
use clap::{Args, Subcommand};
use muster_core::{Error, Muster};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The environment variable holding the store's passphrase.
pub const PASSPHRASE_ENV: &str = "MUSTER_PASSPHRASE";
/// The environment variable holding the new passphrase for `passphrase change`.
pub const NEW_PASSPHRASE_ENV: &str = "MUSTER_NEW_PASSPHRASE";

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where to write the backup (replaced atomically if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `muster backup`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace a store that already holds data.
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum PassphraseCmd {
    /// Re-key the store with MUSTER_NEW_PASSPHRASE (encrypts a plain store;
    /// close the desktop app first) → {"changed": true, "encrypted": true}.
    Change,
}

/// A variable of the environment, `None` when unset or empty.
fn env_secret(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The store's passphrase from `MUSTER_PASSPHRASE`, if set.
pub fn passphrase() -> Option<String> {
    env_secret(PASSPHRASE_ENV)
}

pub fn backup(m: &Muster, args: BackupArgs) -> anyhow::Result<Outcome> {
    let bytes = m.backup(&args.out)?;
    let file = args.out.display().to_string();
    let text = format!(
        "backup written to {file} ({bytes} bytes{})",
        if m.store().encrypted() { ", encrypted" } else { ", NOT encrypted: set a passphrase" }
    );
    Ok(Outcome::new(json!({ "file": file, "bytes": bytes, "encrypted": m.store().encrypted() }), text))
}

pub fn restore(path: &Path, args: &RestoreArgs) -> anyhow::Result<Outcome> {
    Muster::restore(&args.file, path, passphrase().as_deref(), args.force)?;
    let restored = path.display().to_string();
    Ok(Outcome::new(
        json!({ "restored": restored, "from": args.file.display().to_string() }),
        format!("restored {restored} from {}", args.file.display()),
    ))
}

pub fn passphrase_cmd(m: Muster, cmd: PassphraseCmd) -> anyhow::Result<Outcome> {
    match cmd {
        PassphraseCmd::Change => {
            let new = env_secret(NEW_PASSPHRASE_ENV).ok_or_else(|| {
                Error::invalid_at(format!("set the new passphrase in {NEW_PASSPHRASE_ENV}"), None, None, Some("passphrase"))
            })?;
            let m = m.change_passphrase(&new)?;
            Ok(Outcome::new(
                json!({ "changed": true, "encrypted": m.store().encrypted() }),
                "passphrase changed: the store is encrypted with the new one",
            ))
        }
    }
}
