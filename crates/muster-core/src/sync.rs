//! The sync client, without I/O: it says what to send next and digests the
//! answers; the transport (HTTP, a file on a USB stick) lives elsewhere.
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

use crate::store::{self, Store};
use crate::{Error, Result};
use muster_protocol::Change;
use muster_protocol::sync::{PullRequest, PullResponse, PushRequest, PushResponse, BATCH, MAX_BATCH_BYTES};
use muster_protocol::{rules, PROTOCOL_VERSION};


/// Most pull requests in one run; the next sync goes on from there.
pub const MAX_PULLS: u32 = 10_000;
use serde::Serialize;

/// What the transport should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
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
pub struct SyncClient {
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
}

impl SyncClient {
    pub fn start(store: &Store) -> Result<SyncClient> {
        Self::with_batch(store, BATCH)
    }

    /// A client that also forwards other devices' changes (needs a relay
    /// token on the server).
    pub fn relaying(store: &Store) -> Result<SyncClient> {
        let mut c = Self::with_batch(store, BATCH)?;
        c.relay = store.devices_in_log()?.into_iter().filter(|d| *d != c.device_id).collect();
        Ok(c)
    }

    pub fn with_batch(store: &Store, batch: usize) -> Result<SyncClient> {
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

    pub fn next(&mut self, store: &mut Store) -> Result<Step> {
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
            }));
        }
        Ok(Step::Done)
    }

    /// Digests the server's answer to the push in flight.
    pub fn pushed(&mut self, store: &mut Store, resp: PushResponse) -> Result<()> {
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
    pub fn pulled(&mut self, store: &mut Store, resp: PullResponse) -> Result<()> {
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
            let n = store::sync::apply(w, &resp.changes, Some(resp.cursor))?;
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

    pub fn report(&self, store: &Store) -> Result<SyncReport> {
        Ok(SyncReport {
            pending: store::sync::pending(store)?,
            quarantined: store::sync::quarantined_count(store)?,
            ..self.report.clone()
        })
    }
}
