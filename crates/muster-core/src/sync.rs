//! The sync client, without I/O: it says what to send next and digests the
//! answers; the network lives behind a [`Transport`] (muster-sync's HTTP),
//! and [`Muster::sync`] runs the one loop every caller shares:
//!
//! ```text
//! let mut c = SyncClient::start(&store)?;
//! loop {
//!     match c.next(&mut store)? {
//!         Step::Push(req) => c.pushed(&mut store, transport.push(req)?)?,
//!         Step::Pull(req) => c.pulled(&mut store, transport.pull(req)?)?,
//!         Step::Done => break,
//!     }
//! }
//! ```
//!
//! The sneakernet file (a USB stick between laptops that never meet the
//! network) is here too, as it needs no network: every change of the store
//! written as the protocol's own [`Bundle`], read back with the same
//! idempotent apply as a pull ([`Muster::export_sync_file`],
//! [`Muster::import_sync_file`]).
//! First every change of this device the server has not acknowledged goes
//! up, in batches, resuming after the server's `acked_seq` (so a batch that
//! was lost, repeated or half-applied costs nothing). Then everything after
//! the pull cursor comes down and is applied in one transaction per batch,
//! together with the new cursor: an interrupted sync resumes where it
//! stopped and never applies a change twice.
//!
//! Nothing the other side says can hold it for ever: a push batch is cut
//! to [`MAX_BATCH_BYTES`] of JSON, so no request passes the server's limit;
//! an own change no server would take (written before the sync rules) is
//! set aside and a `void` stand-in keeps its number; a pull stops with a
//! reason when the server claims more but hardly moves its cursor, or
//! after [`MAX_PULLS`] requests in one run.

use crate::access::Action;
use crate::export::{ExportKind, ExportRequest, ExportedFile};
use crate::store::{self, Store};
use crate::{seal, Error, Muster, Result};
use muster_protocol::sync::{self as wire, Bundle, PullRequest, PullResponse, PushRequest, PushResponse, BATCH, MAX_BATCH_BYTES};
use muster_protocol::Change;
use muster_protocol::{rules, PROTOCOL_VERSION};
use serde::Serialize;
use std::path::Path;

pub use crate::store::sync::Quarantined;

/// Most pull requests in one run; the next sync goes on from there.
pub const MAX_PULLS: u32 = 10_000;

/// What carries a sync's requests to a server and its answers back. The
/// one implementation that touches the network is muster-sync's HTTP
/// transport; tests may answer from memory.
pub trait Transport {
    /// The transport's own failure; a store error becomes one too.
    type Error: From<Error>;
    fn push(&mut self, req: &PushRequest) -> std::result::Result<PushResponse, Self::Error>;
    fn pull(&mut self, req: &PullRequest) -> std::result::Result<PullResponse, Self::Error>;
}

/// How far a sync run is, after each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub pushed: u64,
    pub pulled: u64,
}

impl Muster {
    /// Runs one complete sync over `transport`: push everything pending,
    /// pull everything new, then retry what was set aside. With `relay`, a
    /// venue hub's store also forwards the changes of every laptop it
    /// collected (the server must have paired it with `--relay`).
    pub fn sync<T: Transport>(
        &mut self,
        transport: &mut T,
        relay: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> std::result::Result<SyncReport, T::Error> {
        self.allow(Action::Sync)?;
        let store = &mut self.store;
        let mut client = if relay { SyncClient::relaying(store)? } else { SyncClient::start(store)? };
        loop {
            match client.next(store)? {
                Step::Push(req) => {
                    let resp = transport.push(&req)?;
                    client.pushed(store, resp)?;
                }
                Step::Pull(req) => {
                    let resp = transport.pull(&req)?;
                    client.pulled(store, resp)?;
                }
                Step::Done => break,
            }
            let r = client.report(store)?;
            progress(Progress { pushed: r.pushed, pulled: r.pulled });
        }
        Ok(client.report(store)?)
    }

    /// Writes every change in the store, of every device (so a file can
    /// also carry a hub's collection onwards), to `path` — sealed to
    /// `<path>.zip` unless the store is plain or `plain`, as any export of
    /// personal data. Returns the count and the file as written.
    pub fn export_sync_file(&mut self, path: &Path, plain: bool) -> Result<(u64, ExportedFile)> {
        self.allow(Action::Sync)?;
        let store = &self.store;
        let mut batches = Vec::new();
        let mut n = 0;
        for device in store.devices_in_log()? {
            let mut after = 0;
            loop {
                let changes = store.changes_since(&device, after, BATCH)?;
                let Some(last) = changes.last() else { break };
                after = last.seq;
                n += changes.len() as u64;
                batches.push(PushRequest { protocol: PROTOCOL_VERSION, device_id: device.clone(), changes });
            }
        }
        let bundle = Bundle { protocol: PROTOCOL_VERSION, from_device: store.device_id().to_string(), batches };
        let bytes = wire::encode(&bundle);
        let written = self.write_export(ExportRequest { event_id: None, kind: ExportKind::SyncFile, path, bytes: &bytes, plain })?;
        Ok((n, written))
    }

    /// Reads a file written by [`Muster::export_sync_file`] into the store;
    /// returns how many changes were new (reading it twice adds nothing).
    /// A sealed file opens with the export passphrase, else the store's (a
    /// wrong one: `invalid_input`, kind `wrong_passphrase`).
    pub fn import_sync_file(&mut self, path: &Path) -> Result<u64> {
        self.allow(Action::Sync)?;
        let bytes = if seal::is_sealed(path) {
            self.open_sealed(path)?.1
        } else {
            std::fs::read(path).map_err(|e| Error::io(path.display(), e))?
        };
        let file = path.display().to_string();
        let bundle: Bundle =
            wire::decode(&bytes).map_err(|e| Error::invalid_at(format!("not a Muster sync file: {e}"), Some(&file), None, None))?;
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
            new += self.apply_changes(&PullResponse { changes: batch.changes, cursor: 0, more: false })?;
        }
        new += self.retry_quarantined()?;
        Ok(new)
    }
}

/// What the transport should do next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Push(PushRequest),
    Pull(PullRequest),
    Done,
}

/// Counts of one sync run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    /// Changes of this device the server acknowledged in this run.
    pub pushed: u64,
    /// Changes from other devices applied in this run.
    pub pulled: u64,
    /// This device's changes still waiting for the server.
    pub pending: u64,
    /// Changes set aside in this store's quarantine (kept, not applied).
    pub quarantined: u64,
}

/// One sync run's state.
#[derive(Debug)]
pub(crate) struct SyncClient {
    device_id: String,
    acked: u64,
    cursor: u64,
    /// Highest sequence number sent in the push in flight (0 for a probe).
    in_flight: Option<u64>,
    push_done: bool,
    pull_done: bool,
    batch: usize,
    report: SyncReport,
    /// Relay mode: after its own changes, this store forwards those of every
    /// other device it holds (a venue hub syncing onwards).
    relay: Vec<String>,
    /// For the relayed device being pushed: the server's acknowledged
    /// sequence, once a probe has told it.
    relay_acked: Option<u64>,
    /// Pull this device's own changes too: a restored store fetching back
    /// what it had sent after its backup was taken.
    include_own: bool,
    /// The store was restored from a backup: first ask the server how far
    /// it holds this device's changes (an empty push).
    restored: Option<u64>,
    /// Pull requests made in this run.
    pulls: u32,
    /// What this laptop takes from a pull (its events, none it purged);
    /// its events are also what it asks the server for.
    filter: store::sync::Filter,
}

impl SyncClient {
    pub(crate) fn start(store: &Store) -> Result<SyncClient> {
        Self::with_batch(store, BATCH)
    }

    /// A client that also forwards other devices' changes (needs a relay
    /// token on the server).
    pub(crate) fn relaying(store: &Store) -> Result<SyncClient> {
        let mut c = Self::with_batch(store, BATCH)?;
        c.relay = store.devices_in_log()?.into_iter().filter(|d| *d != c.device_id).collect();
        Ok(c)
    }

    pub(crate) fn with_batch(store: &Store, batch: usize) -> Result<SyncClient> {
        let st = store::sync::state(store)?;
        Ok(SyncClient {
            device_id: store.device_id().to_string(),
            acked: st.acked_seq,
            cursor: st.cursor,
            in_flight: None,
            push_done: false,
            pull_done: false,
            batch: batch.max(1),
            report: SyncReport::default(),
            relay: Vec::new(),
            relay_acked: None,
            include_own: false,
            restored: store::sync::restored_max_seq(store)?,
            pulls: 0,
            filter: store::sync::Filter::of(store)?,
        })
    }

    /// Up to one batch of `device`'s changes after `after`, cut to
    /// [`MAX_BATCH_BYTES`]; this device's own that no server would take are
    /// voided first (see [`store::sync::void_own`]).
    fn batch_of(&self, store: &mut Store, device: &str, after: u64) -> Result<Vec<Change>> {
        let mut changes = store.changes_since(device, after, self.batch)?;
        if device == self.device_id {
            for c in changes.iter_mut() {
                // Its clock is the server's to judge (a wrong date is told,
                // not voided).
                if let Err(why) = rules::check(c, u64::MAX) {
                    let void = store.write(|w| store::sync::void_own(w, c, &why))?;
                    *c = void;
                }
            }
        }
        let mut bytes = 0;
        let mut keep = 0;
        for c in &changes {
            bytes += serde_json::to_vec(c).map(|v| v.len()).unwrap_or(rules::MAX_CHANGE_BYTES);
            if keep > 0 && bytes > MAX_BATCH_BYTES {
                break;
            }
            keep += 1;
        }
        changes.truncate(keep);
        Ok(changes)
    }

    pub(crate) fn next(&mut self, store: &mut Store) -> Result<Step> {
        if self.restored.is_some() {
            self.in_flight = Some(0);
            return Ok(Step::Push(PushRequest { protocol: PROTOCOL_VERSION, device_id: self.device_id.clone(), changes: Vec::new() }));
        }
        if !self.push_done {
            let device = self.device_id.clone();
            let changes = self.batch_of(store, &device, self.acked)?;
            if let Some(last) = changes.last() {
                self.in_flight = Some(last.seq);
                return Ok(Step::Push(PushRequest { protocol: PROTOCOL_VERSION, device_id: self.device_id.clone(), changes }));
            }
            self.push_done = true;
        }
        while let Some(origin) = self.relay.last().cloned() {
            let Some(acked) = self.relay_acked else {
                // Ask what the server holds of this device: an empty push.
                self.in_flight = Some(0);
                return Ok(Step::Push(PushRequest { protocol: PROTOCOL_VERSION, device_id: origin, changes: Vec::new() }));
            };
            let changes = self.batch_of(store, &origin, acked)?;
            if let Some(last) = changes.last() {
                self.in_flight = Some(last.seq);
                return Ok(Step::Push(PushRequest { protocol: PROTOCOL_VERSION, device_id: origin, changes }));
            }
            self.relay.pop();
            self.relay_acked = None;
        }
        if !self.pull_done {
            if self.pulls >= MAX_PULLS {
                return Err(Error::Conflict(format!(
                    "stopped after {MAX_PULLS} pull requests in one sync ({} changes applied); what was pulled is kept: \
                     sync again to go on",
                    self.report.pulled
                )));
            }
            self.pulls += 1;
            return Ok(Step::Pull(PullRequest {
                protocol: PROTOCOL_VERSION,
                device_id: self.device_id.clone(),
                cursor: self.cursor,
                limit: self.batch as u32,
                include_own: self.include_own,
                events: self.filter.limit.events.as_ref().map(|e| e.iter().cloned().collect()),
            }));
        }
        Ok(Step::Done)
    }

    /// Digests the server's answer to the push in flight.
    pub(crate) fn pushed(&mut self, store: &mut Store, resp: PushResponse) -> Result<()> {
        let sent = self.in_flight.take().ok_or_else(|| Error::invalid("a push answer arrived with no push in flight"))?;
        if let Some(restored) = self.restored.take() {
            // The answer to the restore probe. When the server holds more of
            // this device than the backup did (sent after the backup was
            // taken), what was written since the restore moves past the
            // server's numbers, and the pull brings the server's copies back.
            if resp.acked_seq > restored {
                let server = resp.acked_seq;
                store.write(|w| store::sync::renumber_after_restore(w, restored, server))?;
                self.acked = server;
                self.include_own = true;
            }
            return Ok(());
        }
        if self.push_done {
            // Relaying another device's changes.
            let before = self.relay_acked.unwrap_or(0);
            if sent > 0 && resp.acked_seq <= before {
                return Err(Error::Conflict(format!("the server stored none of the relayed changes (acknowledged {})", resp.acked_seq)));
            }
            if sent > 0 {
                self.report.pushed += resp.acked_seq.min(sent).saturating_sub(before);
            }
            self.relay_acked = Some(resp.acked_seq);
            return Ok(());
        }
        if resp.acked_seq <= self.acked && sent > self.acked {
            // The server kept none of what we sent and holds nothing newer:
            // resending would loop forever.
            return Err(Error::Conflict(format!(
                "the server acknowledged nothing past change {} of this device (sent up to {sent})",
                resp.acked_seq
            )));
        }
        if resp.acked_seq > sent {
            return Err(Error::Conflict(format!(
                "the server claims changes up to {} of this device, which only has {sent}: is it the right server?",
                resp.acked_seq
            )));
        }
        if resp.acked_seq > self.acked {
            self.report.pushed += resp.acked_seq - self.acked;
        }
        self.acked = resp.acked_seq;
        let acked = self.acked;
        store.write(|w| store::sync::set_acked(w, acked))?;
        Ok(())
    }

    /// Applies a pulled batch (and its cursor) in one transaction.
    pub(crate) fn pulled(&mut self, store: &mut Store, resp: PullResponse) -> Result<()> {
        if resp.cursor < self.cursor {
            return Err(Error::Conflict(format!("the server's cursor went back from {} to {}", self.cursor, resp.cursor)));
        }
        // A batch may hold none of the changes (the server leaves out this
        // store's own) and still move the cursor; one that moves nothing
        // while claiming more would loop forever.
        if resp.more && resp.cursor == self.cursor {
            return Err(Error::Conflict("the server says more changes follow but its cursor did not move".into()));
        }
        // A server reads `limit` changes after the cursor for each answer
        // and leaves out this store's own, so an empty answer while more
        // follow has moved the cursor by at least that much; one that
        // creeps would hold this sync for ever.
        let moved = resp.cursor - self.cursor;
        if resp.more && resp.changes.is_empty() && moved < self.batch as u64 {
            return Err(Error::Conflict(format!(
                "the server says more changes follow but sent {} and moved its cursor by only {moved} of the {} asked for: \
                 stopped after {} pull requests (is it a Muster server?)",
                resp.changes.len(),
                self.batch,
                self.pulls
            )));
        }
        let done = !resp.more;
        let new = store.write(|w| {
            // A server that gives more than this laptop syncs is not obeyed:
            // another event's rows are passed over, never kept.
            let (n, _) = store::sync::apply_filtered(w, &resp.changes, Some(resp.cursor), &self.filter)?;
            if done {
                store::sync::retry_quarantined(w)?;
                store::sync::set_last_sync(w)?;
                // In step with the server again: a restore is behind us.
                store::sync::clear_restored(w)?;
            }
            Ok(n)
        })?;
        self.report.pulled += new;
        self.cursor = resp.cursor;
        self.pull_done = done;
        Ok(())
    }

    pub(crate) fn report(&self, store: &Store) -> Result<SyncReport> {
        Ok(SyncReport {
            pending: store::sync::pending(store)?,
            quarantined: store::sync::quarantined_count(store)?,
            ..self.report.clone()
        })
    }
}
