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
    /// The read model the organisers' view at /org reads (default: as `server report`'s: beside an SQLite store, else in the app's data folder).
    #[arg(long, value_name = "FILE")]
    pub read_model: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ServerCmd {
    /// Create the organisation and its Ed25519 root key, once → {"org", "key_id", "public_key"}; again → exit 3.
    Init {
        #[arg(long)]
        store: String,
        /// The organisation's name as certificates and the verification page show it.
        #[arg(long)]
        org: String,
        /// Where anyone reaches this server: certificates' QR codes open <URL>/v/<CODE>.
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// The organisation's root key: rotate it, export it sealed.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Pair, list and revoke the devices allowed to sync.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// A programme's stops and totals from the changes the server holds, merged as laptops merge them → {"stops": [{"event_id", "name", "trainees", "checked_in", "certificates", "responses"}], "totals": {...}}.
    Report {
        #[arg(long)]
        store: String,
        /// The programme (id or exact name).
        #[arg(long)]
        programme: String,
        /// The read model (a Muster store kept up to date from the server's; default: beside an SQLite store, else in the app's data folder).
        #[arg(long, value_name = "FILE")]
        read_model: Option<PathBuf>,
    },
    /// Accounts for the organisers' web view at /org (argon2id; the password from MUSTER_PASSWORD).
    #[command(subcommand)]
    Organiser(OrganiserCmd),
}

#[derive(Subcommand, Debug)]
pub enum OrganiserCmd {
    /// Add an organiser account, the password from MUSTER_PASSWORD (at least 10 characters) → {"name"}; a name taken → exit 3 (unless --replace).
    Add {
        #[arg(long)]
        store: String,
        #[arg(long)]
        name: String,
        /// Give an existing organiser a new password (their sessions end).
        #[arg(long)]
        replace: bool,
    },
    /// → {"organisers": [name]}.
    List {
        #[arg(long)]
        store: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// A new root key, endorsed by the old one, which keeps verifying what it signed → {"key_id", "public_key", "retired"}.
    Rotate {
        #[arg(long)]
        store: String,
    },
    /// The organisation with its secret keys in an AES-256 ZIP sealed with MUSTER_EXPORT_PASSPHRASE, for an offline safe → {"file", "keys"}.
    Export {
        #[arg(long)]
        store: String,
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum DeviceCmd {
    /// Pair a device → {"device_id", "token", "join"} (shown once; "join" is the one string `muster join` and the app's Settings take).
    Add {
        #[arg(long)]
        store: String,
        #[arg(long)]
        name: String,
        /// A venue hub's laptop: may forward the changes of every laptop it collected.
        #[arg(long)]
        relay: bool,
        /// The address this laptop syncs with, put into the join code (default: the organisation's public URL, else http://127.0.0.1:8080).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// Also print the join sheet (a large QR of the join code for the USB scanner, the code to type) → "sheet".
        #[arg(long, value_name = "FILE.pdf")]
        sheet: Option<PathBuf>,
        /// Limit the device to these events (ids, comma-separated): it pushes and pulls only their changes (and events it creates itself) → "events".
        #[arg(long, value_delimiter = ',', value_name = "E1,E2")]
        events: Vec<String>,
        /// Limit the device to the events of this programme (id or exact name) → "programme".
        #[arg(long, value_name = "P")]
        programme: Option<String>,
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
    /// Sync only these events (ids, comma-separated; kept for later syncs), or `all`: a pull never brings another event's trainees, check-ins or responses → "events".
    #[arg(long, value_name = "E1,E2|all")]
    pub events: Option<String>,
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
        let read_model = args.read_model.clone().unwrap_or_else(|| muster_server::report::default_read_model(&args.store));
        muster_server::serve_with(backend, args.listen, Some(read_model)).await?;
        Ok(Outcome::new(json!({"stopped": true}), ""))
    })
}

pub fn server(cmd: &ServerCmd) -> anyhow::Result<Outcome> {
    let cmd = match cmd {
        ServerCmd::Init { store, org, public_url } => return server_init(store, org, public_url.as_deref()),
        ServerCmd::Key(k) => return server_key(k),
        ServerCmd::Report { store, programme, read_model } => return server_report(store, programme, read_model.as_deref()),
        ServerCmd::Organiser(o) => return server_organiser(o),
        ServerCmd::Device(cmd) => cmd,
    };
    runtime()?.block_on(async {
        Ok(match cmd {
            DeviceCmd::Add { store, name, relay, server, sheet, events, programme } => {
                let backend = Backend::open(store).await.map_err(invalid)?;
                let limit = device_limit(&backend, events, programme.as_deref()).await?;
                let org = backend.org().await.map_err(invalid)?;
                let url = match server.as_deref() {
                    Some(s) => Some(muster_sync::server_url(s)?),
                    None => None,
                };
                if sheet.is_some() && org.is_none() {
                    return Err(muster_core::Error::invalid_at("a join sheet needs an organisation: run `muster server init` first", None, None, Some("sheet")).into());
                }
                // The sheet's path is checked before the device is paired:
                // a refused path pairs nothing.
                if let Some(path) = sheet {
                    muster_core::output::check(path, muster_core::output::OutputKind::Pdf, &muster_core::output::Guard::default())?;
                }
                let d = backend.pair_limited(name, *relay, &limit).await.map_err(invalid)?;
                let joined = org.as_ref().and_then(|o| {
                    let server = url.clone().or_else(|| o.public_url.clone()).unwrap_or_else(|| "http://127.0.0.1:8080".into());
                    let key_id = o.keys.iter().filter(|k| k.key.retired_at.is_none()).max_by(|a, b| a.key.created_at.cmp(&b.key.created_at))?.key.key_id.clone();
                    let code = muster_protocol::trust::JoinCode { server: server.clone(), token: d.token.clone(), key_id: key_id.clone() }.encode()?;
                    Some((code, server, key_id, o.name.clone()))
                });
                let join = joined.as_ref().map(|j| j.0.clone());
                let sheet = match (sheet, &joined) {
                    (Some(path), Some((code, server, key_id, org))) => {
                        Some(muster_core::documents::write_join_sheet(path, org, name.trim(), server, key_id, code)?.file)
                    }
                    _ => None,
                };
                let text = match &join {
                    Some(j) => format!("device {}  token {}\njoin code (muster join, or Settings → Join an organisation):\n{j}", d.device_id, d.token),
                    None => format!("device {}  token {}\n(no join code: this server has no organisation yet — muster server init)", d.device_id, d.token),
                };
                let mut out = json!({"device_id": d.device_id, "token": d.token, "join": join});
                if !limit.events.is_empty() {
                    out["events"] = json!(limit.events);
                }
                if let Some(p) = &limit.programme {
                    out["programme"] = json!(p);
                }
                if let Some(f) = sheet {
                    out["sheet"] = json!(f);
                }
                Outcome::new(out, text)
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

/// A device's limit as typed, checked against what the server holds: an
/// unknown event or programme is refused (exit 3), nothing is paired.
async fn device_limit(backend: &Backend, events: &[String], programme: Option<&str>) -> anyhow::Result<muster_server::scoped::DeviceLimit> {
    let mut limit = muster_server::scoped::DeviceLimit::default();
    if !events.is_empty() {
        let known: Vec<String> = backend.inserts_of("event").await?.into_iter().map(|(id, _)| id).collect();
        for e in events.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            if !known.iter().any(|k| k == e) {
                return Err(muster_core::Error::invalid_at(
                    format!("this server holds no event {}: sync the laptop that created it first. Nothing was paired", muster_core::quote(e)),
                    None,
                    None,
                    Some("events"),
                )
                .into());
            }
            limit.events.push(e.to_string());
        }
    }
    if let Some(p) = programme.map(str::trim) {
        let all = backend.inserts_of("programme").await?;
        let found: Vec<&String> =
            all.iter().filter(|(id, f)| id == p || f.get("name").and_then(|n| n.as_str()) == Some(p)).map(|(id, _)| id).collect();
        match found.as_slice() {
            [one] => limit.programme = Some((*one).clone()),
            [] => {
                return Err(muster_core::Error::invalid_at(
                    format!("this server holds no programme {}: sync the laptop that created it first. Nothing was paired", muster_core::quote(p)),
                    None,
                    None,
                    Some("programme"),
                )
                .into())
            }
            _ => return Err(muster_core::Error::invalid_at(format!("{} names several programmes: give its id", muster_core::quote(p)), None, None, Some("programme")).into()),
        }
    }
    Ok(limit)
}

fn server_report(store: &str, programme: &str, read_model: Option<&std::path::Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let backend = Backend::open(store).await.map_err(invalid)?;
        let path = read_model.map(PathBuf::from).unwrap_or_else(|| muster_server::report::default_read_model(store));
        let (view, followed) = match muster_server::report::programme(&backend, &path, programme).await {
            Ok(v) => v,
            Err(muster_server::report::ReportError::Core(e)) => return Err(e.into()),
            Err(muster_server::report::ReportError::Storage(e)) => return Err(invalid(e)),
        };
        let mut text = format!("{}  {} ({} stops)\n", view.programme.id, view.programme.name, view.stops.len());
        for s in &view.stops {
            text.push_str(&format!(
                "  {}  {}  trainees {}  checked in {}  certificates {}  responses {}\n",
                s.starts_on, s.name, s.counts.trainees, s.counts.checked_in, s.counts.certificates, s.counts.responses
            ));
        }
        let t = &view.totals;
        text.push_str(&format!("  total  trainees {}  checked in {}  certificates {}  responses {}", t.trainees, t.checked_in, t.certificates, t.responses));
        let mut value = serde_json::to_value(&view)?;
        value["read_model"] = json!({"file": path.display().to_string(), "applied": followed.applied, "cursor": followed.cursor});
        Ok(Outcome::new(value, text))
    })
}

/// `server organiser add|list`: the password never on the command line.
fn server_organiser(cmd: &OrganiserCmd) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        Ok(match cmd {
            OrganiserCmd::Add { store, name, replace } => {
                let password = std::env::var("MUSTER_PASSWORD").unwrap_or_default();
                let backend = Backend::open(store).await.map_err(invalid)?;
                let name = muster_server::organisers::add(&backend, name, &password, *replace).await.map_err(invalid)?;
                let text = format!("organiser {name} may log in at /org");
                Outcome::new(json!({"name": name}), text)
            }
            OrganiserCmd::List { store } => {
                let names = muster_server::organisers::list(&Backend::open(store).await.map_err(invalid)?).await?;
                let text = names.join("\n");
                Outcome::new(json!({"organisers": names}), text)
            }
        })
    })
}

fn server_init(store: &str, org: &str, public_url: Option<&str>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let backend = Backend::open(store).await.map_err(invalid)?;
        let key = backend.init_org(org, public_url).await.map_err(invalid)?;
        let text = format!("organisation {org}: key {} (fingerprint {})", key.key_id, muster_protocol::trust::fingerprint(&key.key_id));
        Ok(Outcome::new(json!({"org": org.trim(), "key_id": key.key_id, "public_key": key.public_key}), text))
    })
}

fn server_key(cmd: &KeyCmd) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        Ok(match cmd {
            KeyCmd::Rotate { store } => {
                let backend = Backend::open(store).await.map_err(invalid)?;
                let (key, retired) = backend.rotate_key().await.map_err(invalid)?;
                let text = format!("new key {} (the old key {retired} keeps verifying what it signed)", key.key_id);
                Outcome::new(json!({"key_id": key.key_id, "public_key": key.public_key, "retired": retired}), text)
            }
            KeyCmd::Export { store, out } => {
                let pass = std::env::var("MUSTER_EXPORT_PASSPHRASE").unwrap_or_default();
                if pass.is_empty() {
                    return Err(muster_core::Error::invalid_at(
                        "the organisation's keys are exported sealed: set MUSTER_EXPORT_PASSPHRASE",
                        None,
                        None,
                        Some("passphrase"),
                    )
                    .into());
                }
                let backend = Backend::open(store).await.map_err(invalid)?;
                let org = backend.org().await.map_err(invalid)?.ok_or_else(|| muster_core::Error::invalid("this server has no organisation yet (muster server init)"))?;
                let bytes = serde_json::to_vec_pretty(&org)?;
                let path = muster_core::seal::sealed_path(out);
                muster_core::seal::write(&path, "organisation-keys.json", &bytes, &pass)?;
                Outcome::new(json!({"file": path.display().to_string(), "keys": org.keys.len()}), format!("sealed {} keys into {}", org.keys.len(), path.display()))
            }
        })
    })
}

/// `muster join JOIN`.
pub fn join(m: &mut Muster, code: &str) -> anyhow::Result<Outcome> {
    match muster_sync::join(m, code) {
        Ok(j) => {
            let text = format!("joined {} as device {} (server {}; organisation key {})", j.org, j.device_id, j.server, muster_protocol::trust::fingerprint(&j.key_id));
            Ok(Outcome::new(json!({"server": j.server, "org": j.org, "device_id": j.device_id, "key_id": j.key_id}), text))
        }
        Err(muster_sync::SyncError::Store(e)) => Err(e.into()),
        Err(e) => Err(SyncFailure(e).into()),
    }
}

/// Server-side mistakes a user made (an empty name, an unknown id, a second init) exit 3.
fn invalid(e: muster_server::StorageError) -> anyhow::Error {
    match e {
        muster_server::StorageError::Invalid(m) | muster_server::StorageError::Conflict(m) => muster_core::Error::invalid(m).into(),
        muster_server::StorageError::NoSuchDevice(id) => muster_core::Error::NotFound { kind: "device", id }.into(),
        other => other.into(),
    }
}

pub fn sync(m: &mut Muster, args: SyncArgs) -> anyhow::Result<Outcome> {
    match args.action {
        Some(SyncAction::Status) => {
            let (pending, last) = m.sync_status()?;
            let quarantined = m.quarantined_count()?;
            let scope = m.sync_events()?;
            Ok(Outcome::new(
                json!({"pending": pending, "last_sync": last, "device_id": m.device_id(), "quarantined": quarantined, "events": scope.events, "purged": scope.purged}),
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
            if let Some(list) = args.events.as_deref().map(str::trim) {
                let events = if list.eq_ignore_ascii_case("all") {
                    None
                } else {
                    Some(list.split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect())
                };
                m.set_sync_events(events)?;
            }
            let saved = muster_sync::config::load(m.store_path());
            let server = args.server.or_else(|| saved.as_ref().map(|c| c.url.clone()).filter(|u| !u.is_empty()));
            let token = args.token.or_else(|| saved.as_ref().map(|c| c.token.clone()).filter(|t| !t.is_empty()));
            let (Some(server), Some(token)) = (server, token) else {
                return Err(muster_core::Error::invalid("sync needs --server URL and --token TOKEN (or MUSTER_SYNC_TOKEN), or a laptop that joined an organisation (muster join JOIN)").into());
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
                        json!({"pushed": r.pushed, "pulled": r.pulled, "pending": r.pending, "quarantined": r.quarantined, "events": m.sync_events()?.events}),
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
