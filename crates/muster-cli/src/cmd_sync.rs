//! `muster serve`, `muster server device …` and `muster sync …`: the
//! central service and the client side of sync.

use crate::output::Outcome;
use clap::{Args, Subcommand};
use muster_core::Muster;
use muster_server::Backend;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// sqlite:PATH or postgres://USER@HOST:PORT/DB
    #[arg(long)]
    pub store: String,
    /// Address to listen on, e.g. 127.0.0.1:8080 or 0.0.0.0:8080 (venue hub).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
}

#[derive(Subcommand, Debug)]
pub enum ServerCmd {
    /// Pair, list and revoke the devices allowed to sync.
    #[command(subcommand)]
    Device(DeviceCmd),
}

#[derive(Subcommand, Debug)]
pub enum DeviceCmd {
    /// Pair a device → {"device_id", "token"} (the token is shown once).
    Add {
        #[arg(long)]
        store: String,
        #[arg(long)]
        name: String,
        /// A venue hub's laptop: may forward the changes of every laptop it collected.
        #[arg(long)]
        relay: bool,
    },
    /// → {"devices": [{"id", "name", "last_seen", "revoked"}]}.
    List {
        #[arg(long)]
        store: String,
    },
    /// Revoke a device: its token gets 401 from then on.
    Revoke {
        #[arg(long)]
        store: String,
        id: String,
    },
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// The server, e.g. http://192.168.1.10:8080 (a venue hub) or https://sync.example.org.
    #[arg(long)]
    pub server: Option<String>,
    /// This device's token from `muster server device add`.
    #[arg(long, env = "MUSTER_SYNC_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Also forward the changes of every other laptop this store holds (a
    /// venue hub syncing onwards; the token must be paired with --relay).
    #[arg(long)]
    pub relay: bool,
    #[command(subcommand)]
    pub action: Option<SyncAction>,
}

#[derive(Subcommand, Debug)]
pub enum SyncAction {
    /// Changes waiting, last complete sync → {"pending", "last_sync", "quarantined"}.
    Status,
    /// Changes received that this store set aside, not applied (they broke the
    /// sync rules, or their row could not be rebuilt), with why →
    /// {"quarantined": [{"device_id", "seq", "entity", "entity_id", "op", "field", "reason", "at"}], "total"}.
    Quarantine {
        /// Most to list.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Write every change of this store to a file (USB stick) → {"file", "changes", "encrypted"};
    /// an encrypted store seals it (FILE.zip) unless --plain.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Write the sync file plain (unencrypted) even though the store is encrypted.
        #[arg(long)]
        plain: bool,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// Read a file written by `sync export` (idempotent; a sealed one opens with
    /// MUSTER_EXPORT_PASSPHRASE or the store's) → {"file", "new"}.
    Import { file: PathBuf },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

/// `serve` and `server …` work on the server's store, not the app's.
pub fn serve(args: &ServeArgs) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let backend = Backend::open(&args.store).await.map_err(invalid)?;
        muster_server::serve(backend, args.listen).await?;
        Ok(Outcome::new(json!({"stopped": true}), ""))
    })
}

pub fn server(cmd: &ServerCmd) -> anyhow::Result<Outcome> {
    let ServerCmd::Device(cmd) = cmd;
    runtime()?.block_on(async {
        Ok(match cmd {
            DeviceCmd::Add { store, name, relay } => {
                let d = Backend::open(store).await.map_err(invalid)?.pair(name, *relay).await.map_err(invalid)?;
                Outcome::new(json!({"device_id": d.device_id, "token": d.token}), format!("device {}  token {}", d.device_id, d.token))
            }
            DeviceCmd::List { store } => {
                let devices = Backend::open(store).await.map_err(invalid)?.list_devices().await?;
                let text = devices
                    .iter()
                    .map(|d| format!("{}  {}  last seen {}{}", d.id, d.name, d.last_seen.as_deref().unwrap_or("never"), if d.revoked { "  REVOKED" } else { "" }))
                    .collect::<Vec<_>>()
                    .join("\n");
                Outcome::new(json!({ "devices": devices }), text)
            }
            DeviceCmd::Revoke { store, id } => {
                Backend::open(store).await.map_err(invalid)?.revoke(id).await.map_err(invalid)?;
                Outcome::new(json!({"id": id, "revoked": true}), format!("revoked {id}"))
            }
        })
    })
}

/// Server-side mistakes a user made (an empty name, an unknown id) exit 3.
fn invalid(e: muster_server::StorageError) -> anyhow::Error {
    match e {
        muster_server::StorageError::Invalid(m) => muster_core::Error::invalid(m).into(),
        muster_server::StorageError::NoSuchDevice(id) => muster_core::Error::NotFound { kind: "device", id }.into(),
        other => other.into(),
    }
}

pub fn sync(m: &mut Muster, args: SyncArgs) -> anyhow::Result<Outcome> {
    match args.action {
        Some(SyncAction::Status) => {
            let (pending, last) = m.sync_status()?;
            let quarantined = m.quarantined_count()?;
            Ok(Outcome::new(
                json!({"pending": pending, "last_sync": last, "device_id": m.device_id(), "quarantined": quarantined}),
                format!(
                    "{pending} changes waiting; last sync {}{}",
                    last.as_deref().unwrap_or("never"),
                    if quarantined > 0 { format!("; {quarantined} set aside (muster sync quarantine)") } else { String::new() }
                ),
            ))
        }
        Some(SyncAction::Quarantine { limit }) => {
            let list = m.quarantined(limit)?;
            let total = m.quarantined_count()?;
            let text = if list.is_empty() {
                "nothing set aside".to_string()
            } else {
                list.iter()
                    .map(|q| format!("{}/{}  {} {}  {}", q.device_id, q.seq, q.entity, q.op, q.reason))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Outcome::new(json!({"quarantined": list, "total": total}), text))
        }
        Some(SyncAction::Export { out, plain, force }) => {
            m.set_overwrite(force);
            let (n, f) = muster_sync::file::export(m, &out, plain)?;
            let text = format!("wrote {n} changes to {}{}", f.file, if f.encrypted { " (encrypted)" } else { "" });
            Ok(Outcome::new(json!({"file": f.file, "changes": n, "encrypted": f.encrypted}), text))
        }
        Some(SyncAction::Import { file }) => {
            let n = muster_sync::file::import(m, &file)?;
            Ok(Outcome::new(json!({"file": file.display().to_string(), "new": n}), format!("{n} new changes from {}", file.display())))
        }
        None => {
            let (Some(server), Some(token)) = (args.server, args.token) else {
                return Err(muster_core::Error::invalid("sync needs --server URL and --token TOKEN (or MUSTER_SYNC_TOKEN)").into());
            };
            let server = muster_sync::server_url(&server)?;
            let transport = muster_sync::HttpTransport::new(&server, &token);
            let show = std::io::stderr().is_terminal();
            match muster_sync::sync_http_with(m, &transport, args.relay, &mut |p| {
                if show {
                    eprint!("\rsync: pushed {}, pulled {}", p.pushed, p.pulled);
                    let _ = std::io::stderr().flush();
                }
            }) {
                Ok(r) => {
                    if show {
                        eprintln!();
                    }
                    Ok(Outcome::new(
                        json!({"pushed": r.pushed, "pulled": r.pulled, "pending": r.pending, "quarantined": r.quarantined}),
                        format!(
                            "pushed {}, pulled {}, {} waiting{}",
                            r.pushed,
                            r.pulled,
                            r.pending,
                            if r.quarantined > 0 { format!(", {} set aside (muster sync quarantine)", r.quarantined) } else { String::new() }
                        ),
                    ))
                }
                Err(e) => Err(SyncFailure(e).into()),
            }
        }
    }
}

/// A sync error, carrying its code for `--json` output.
#[derive(Debug)]
pub struct SyncFailure(pub muster_sync::SyncError);

impl std::fmt::Display for SyncFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SyncFailure {}
