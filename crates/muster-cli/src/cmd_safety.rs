//! `muster backup`, `muster restore` and `muster passphrase change`: the
//! store's safety. The passphrase comes from `MUSTER_PASSPHRASE` (and the new
//! one from `MUSTER_NEW_PASSPHRASE`), never from a flag: flags show in `ps`.

use crate::output::Outcome;
use clap::{Args, Subcommand};
use muster_core::output::{self, OutputKind};
use muster_core::{Error, Muster};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The environment variable holding the store's passphrase.
pub const PASSPHRASE_ENV: &str = "MUSTER_PASSPHRASE";
/// The environment variable holding the new passphrase for `passphrase change`.
pub const NEW_PASSPHRASE_ENV: &str = "MUSTER_NEW_PASSPHRASE";
/// The environment variable holding a passphrase for exports other than the
/// store's (so the office never learns the store's); also opens them.
pub const EXPORT_PASSPHRASE_ENV: &str = "MUSTER_EXPORT_PASSPHRASE";

#[derive(Args, Debug)]
pub struct DecryptArgs {
    /// An encrypted export (e.g. report.xlsx.zip).
    #[arg(value_name = "FILE.zip")]
    pub file: PathBuf,
    /// Where to write the plain file (default: the name inside, beside FILE.zip).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where to write the backup (replaced atomically if it exists and is a
    /// Muster store or backup; never the store itself).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing file at --out that is not a Muster store or backup (never the store itself or its -wal/-shm).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `muster backup`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace a store that already holds data (it is kept beside it as
    /// STORE.before-restore-TIME, → "previous").
    #[arg(long)]
    pub force: bool,
    /// Set up a second laptop from the backup (the original stays in use):
    /// the restored store gets a device id of its own. Without it the
    /// restored store is the same laptop back.
    #[arg(long)]
    pub new_device: bool,
}

#[derive(Subcommand, Debug)]
pub enum PassphraseCmd {
    /// Re-key the store with MUSTER_NEW_PASSPHRASE (encrypts a plain store;
    /// refused while the desktop app or a sync has the store open: close them
    /// first) → {"changed": true, "encrypted": true}.
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

/// The export passphrase from `MUSTER_EXPORT_PASSPHRASE`, if set.
pub fn export_passphrase() -> Option<String> {
    env_secret(EXPORT_PASSPHRASE_ENV)
}

/// `muster decrypt`: opens an encrypted export with
/// `MUSTER_EXPORT_PASSPHRASE`, else `MUSTER_PASSPHRASE`, and writes the
/// plain file. Needs no store, but never writes onto it (`store`: the
/// store `--db` names, or the app's), nor onto the sealed file.
pub fn decrypt(args: &DecryptArgs, store: &Path) -> anyhow::Result<Outcome> {
    let candidates: Vec<String> = export_passphrase().into_iter().chain(passphrase()).collect();
    if candidates.is_empty() {
        return Err(Error::invalid_at(
            format!("set the export's passphrase in {EXPORT_PASSPHRASE_ENV} (or {PASSPHRASE_ENV})"),
            Some(&args.file.display().to_string()),
            None,
            Some("passphrase"),
        )
        .into());
    }
    let mut opened = None;
    for (i, p) in candidates.iter().enumerate() {
        match muster_core::seal::open(&args.file, p) {
            Err(e) if e.is_wrong_passphrase() && i + 1 < candidates.len() => continue,
            other => {
                opened = Some(other?);
                break;
            }
        }
    }
    let (inner, bytes) = opened.expect("at least one passphrase was tried");
    let out = match &args.out {
        Some(out) => out.clone(),
        None => {
            // Only the file name inside: never a path out of the folder.
            let name = Path::new(&inner).file_name().filter(|n| !n.is_empty()).ok_or_else(|| {
                Error::invalid_at(format!("the file inside is named `{inner}`: give --out"), Some(&args.file.display().to_string()), None, Some("out"))
            })?;
            args.file.parent().unwrap_or(Path::new("")).join(name)
        }
    };
    // What is written is the file inside: a workbook, a CSV, a sync file;
    // never onto the sealed file itself (an input) or the store.
    let kind = OutputKind::from_name(&inner);
    let guard = output::Guard { store: Some(store), inputs: &[args.file.as_path()], force: args.force };
    output::write(&out, &bytes, kind, &guard)?;
    let file = out.display().to_string();
    Ok(Outcome::new(
        json!({ "file": file, "bytes": bytes.len(), "inner": inner }),
        format!("decrypted {} to {file} ({} bytes; NOT encrypted)", args.file.display(), bytes.len()),
    ))
}

pub fn backup(m: &mut Muster, args: BackupArgs) -> anyhow::Result<Outcome> {
    m.set_overwrite(args.force);
    let bytes = m.backup(&args.out)?;
    let file = args.out.display().to_string();
    let text = format!(
        "backup written to {file} ({bytes} bytes{})",
        if m.encrypted() { ", encrypted" } else { ", NOT encrypted: set a passphrase" }
    );
    Ok(Outcome::new(json!({ "file": file, "bytes": bytes, "encrypted": m.encrypted() }), text))
}

/// `muster restore`: refuses anything that is not a Muster store of a
/// known schema, and a store another program has open; keeps the store it
/// replaces beside it (→ "previous", `null` when there was none).
pub fn restore(path: &Path, args: &RestoreArgs) -> anyhow::Result<Outcome> {
    let done = Muster::restore_from(&args.file, path, passphrase().as_deref(), args.force, args.new_device)?;
    let device = done.device_id;
    let restored = path.display().to_string();
    let previous = done.previous.map(|p| p.display().to_string());
    let as_new = if args.new_device { " as a new device" } else { "" };
    let kept = previous.as_ref().map(|p| format!("; the replaced store is kept as {p}")).unwrap_or_default();
    Ok(Outcome::new(
        json!({ "restored": restored, "from": args.file.display().to_string(), "device_id": device, "new_device": args.new_device, "previous": previous }),
        format!("restored {restored} from {}{as_new} (device {device}){kept}", args.file.display()),
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
                json!({ "changed": true, "encrypted": m.encrypted() }),
                "passphrase changed: the store is encrypted with the new one",
            ))
        }
    }
}
