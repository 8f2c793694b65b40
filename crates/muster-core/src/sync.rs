//! The sync client, without I/O: it says what to send next and digests the
//! answers; the transport (HTTP, a file on a USB stick) lives elsewhere.
//!
//! ```text
//! let mut c = SyncClient::start(&store)?;
//! loop {
//!     match c.next(&store)? {
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

use crate::store::{self, Store};
use crate::{Error, Result};
use muster_protocol::sync::{PullRequest, PullResponse, PushRequest, PushResponse, BATCH};
use muster_protocol::PROTOCOL_VERSION;
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
}

/// One sync run's state.
#[derive(Debug)]
pub struct SyncClient {
    device_id: String,
    acked: u64,
    cursor: u64,
    /// Highest sequence number sent in the push in flight.
    in_flight: Option<u64>,
    push_done: bool,
    pull_done: bool,
    batch: usize,
    report: SyncReport,
}

impl SyncClient {
    pub fn start(store: &Store) -> Result<SyncClient> {
        Self::with_batch(store, BATCH)
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
        })
    }

    pub fn next(&mut self, store: &Store) -> Result<Step> {
        if !self.push_done {
            let changes = store.changes_since(&self.device_id, self.acked, self.batch)?;
            if let Some(last) = changes.last() {
                self.in_flight = Some(last.seq);
                return Ok(Step::Push(PushRequest { protocol: PROTOCOL_VERSION, device_id: self.device_id.clone(), changes }));
            }
            self.push_done = true;
        }
        if !self.pull_done {
            return Ok(Step::Pull(PullRequest {
                protocol: PROTOCOL_VERSION,
                device_id: self.device_id.clone(),
                cursor: self.cursor,
                limit: self.batch as u32,
            }));
        }
        Ok(Step::Done)
    }

    /// Digests the server's answer to the push in flight.
    pub fn pushed(&mut self, store: &mut Store, resp: PushResponse) -> Result<()> {
        let sent = self.in_flight.take().ok_or_else(|| Error::invalid("a push answer arrived with no push in flight"))?;
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
        let done = !resp.more;
        let new = store.write(|w| {
            let n = store::sync::apply(w, &resp.changes, Some(resp.cursor))?;
            if done {
                store::sync::set_last_sync(w)?;
            }
            Ok(n)
        })?;
        self.report.pulled += new;
        self.cursor = resp.cursor;
        self.pull_done = done;
        Ok(())
    }

    pub fn report(&self, store: &Store) -> Result<SyncReport> {
        Ok(SyncReport { pending: store::sync::pending(store)?, ..self.report.clone() })
    }
}
