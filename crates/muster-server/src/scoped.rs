//! Laptops that hold only their stops: a device limited to events or to a
//! programme (`server device add --events E1,E2 | --programme P`) pushes
//! and pulls only those events' changes (and the organisation's own: the
//! programmes and the events' names and dates), so a stolen laptop's token
//! reveals only its stop.
//!
//! The server resolves each change's event with `muster_protocol::scope`,
//! the rule the laptops use, keeping the event of every row it has seen in
//! `scopes` (a row's updates and a form's responses carry no event id).
//! A limited device may create events: each becomes one of its own.

use crate::storage::{Backend, DeviceInfo, Result, StorageError};
use muster_protocol::scope::{self, Limit, Resolved, Scope};
use muster_protocol::sync::PullResponse;
use muster_protocol::{Change, ChangeOp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What a device may hold; nothing given = everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLimit {
    /// These events (and those the device created).
    #[serde(default)]
    pub events: Vec<String>,
    /// Every event of this programme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
}

impl DeviceLimit {
    pub fn is_limited(&self) -> bool {
        !self.events.is_empty() || self.programme.is_some()
    }
}

fn limit_key(device: &str) -> String {
    format!("limit:{device}")
}

const PROGRAMME_OF: &str = "programme-of:";

impl Backend {
    /// Limits a device to events or a programme (replacing its limit).
    pub async fn set_limit(&self, device: &str, limit: &DeviceLimit) -> Result<()> {
        let value = serde_json::to_string(limit).unwrap_or_default();
        self.kv_put(&limit_key(device), &value, false).await?;
        Ok(())
    }

    /// A device's limit; `None` when it may hold everything.
    pub async fn limit_of(&self, device: &str) -> Result<Option<DeviceLimit>> {
        Ok(self
            .kv_get(&limit_key(device))
            .await?
            .and_then(|v| serde_json::from_str::<DeviceLimit>(&v).ok())
            .filter(DeviceLimit::is_limited))
    }

    /// The events of a programme, as the events' own changes say.
    pub async fn events_of_programme(&self, programme: &str) -> Result<BTreeSet<String>> {
        Ok(self
            .kv_prefix(PROGRAMME_OF)
            .await?
            .into_iter()
            .filter(|(_, p)| p == programme)
            .map(|(k, _)| k[PROGRAMME_OF.len()..].to_string())
            .collect())
    }

    /// What a device may receive.
    pub async fn device_limit(&self, device: &str) -> Result<Limit> {
        let Some(l) = self.limit_of(device).await? else { return Ok(Limit::all()) };
        let mut events: BTreeSet<String> = l.events.iter().cloned().collect();
        if let Some(p) = &l.programme {
            events.extend(self.events_of_programme(p).await?);
        }
        Ok(Limit { events: Some(events) })
    }

    /// The scope of each change of a batch, in order, with what the server
    /// holds and what the batch itself inserts.
    pub async fn resolve(&self, changes: &[Change]) -> Result<Vec<Resolved>> {
        let wanted: Vec<String> = changes
            .iter()
            .filter_map(|c| match scope::of(c) {
                Scope::Row { id, .. } => Some(id),
                _ => None,
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut known: HashMap<String, Resolved> = HashMap::new();
        if !wanted.is_empty() {
            for (id, e) in self.scope_get(wanted).await? {
                known.insert(id, e.map(Resolved::Event).unwrap_or(Resolved::Global));
            }
        }
        let mut out = Vec::with_capacity(changes.len());
        for c in changes {
            let r = scope::resolve(c, |id| known.get(id).cloned());
            if c.op == ChangeOp::Insert {
                known.entry(c.entity_id.clone()).or_insert_with(|| scope::of_row(c, &r));
            }
            out.push(r);
        }
        Ok(out)
    }

    /// Checks a batch against the pushing device's limit (a refusal names
    /// the first change outside it; nothing is stored), then records the
    /// scope of its rows and the programme of its events.
    pub(crate) async fn admit_push(&self, device: &DeviceInfo, changes: &[Change]) -> Result<()> {
        let resolved = self.resolve(changes).await?;
        if let Some(limit) = self.limit_of(&device.id).await? {
            self.check_limit(device, limit, changes, &resolved).await?;
        }
        self.record_scopes(changes, &resolved).await
    }

    async fn check_limit(&self, device: &DeviceInfo, mut limit: DeviceLimit, changes: &[Change], resolved: &[Resolved]) -> Result<()> {
        let mut allowed: BTreeSet<String> = limit.events.iter().cloned().collect();
        if let Some(p) = &limit.programme {
            allowed.extend(self.events_of_programme(p).await?);
        }
        let mut created = Vec::new();
        for (c, r) in changes.iter().zip(resolved) {
            let ok = match (c.entity.as_str(), c.op, r) {
                // A new event of its own.
                ("event", ChangeOp::Insert, _) => {
                    created.push(c.entity_id.clone());
                    allowed.insert(c.entity_id.clone());
                    true
                }
                ("event", _, _) => allowed.contains(&c.entity_id),
                ("programme", _, _) => false,
                // A stand-in for a change no server would take: a reason
                // and the row's id, nothing personal; refusing it would
                // hold the laptop's sync for ever.
                (muster_protocol::rules::VOID, _, _) => true,
                (_, _, Resolved::Global) => true,
                (_, _, Resolved::Event(e)) => allowed.contains(e),
                (_, _, Resolved::Unknown) => false,
            };
            if !ok {
                return Err(StorageError::OutOfScope(format!(
                    "change {}/{} ({} {}) is outside the events this laptop may sync (device {:?}); nothing of this batch was stored",
                    c.device_id, c.seq, c.entity, c.op.as_str(), device.name
                )));
            }
        }
        if !created.is_empty() {
            limit.events.extend(created);
            limit.events.sort();
            limit.events.dedup();
            self.set_limit(&device.id, &limit).await?;
        }
        Ok(())
    }

    /// Keeps the event of each inserted row and the programme of each event.
    async fn record_scopes(&self, changes: &[Change], resolved: &[Resolved]) -> Result<()> {
        let mut rows = Vec::new();
        for (c, r) in changes.iter().zip(resolved) {
            if c.op == ChangeOp::Insert {
                rows.push((c.entity_id.clone(), scope::of_row(c, r).event().map(str::to_string)));
            }
            if c.entity == "event" {
                match c.fields.get("programme_id") {
                    Some(serde_json::Value::String(p)) => {
                        self.kv_put(&format!("{PROGRAMME_OF}{}", c.entity_id), p, false).await?;
                    }
                    Some(serde_json::Value::Null) => {
                        self.kv_put(&format!("{PROGRAMME_OF}{}", c.entity_id), "", false).await?;
                    }
                    _ => {}
                }
            }
        }
        if !rows.is_empty() {
            self.scope_put(rows).await?;
        }
        Ok(())
    }

    /// Leaves out of a pull answer what the asker may not or did not ask
    /// to hold.
    pub(crate) async fn filter_pull(&self, page: &mut PullResponse, limit: &Limit) -> Result<()> {
        if limit.is_all() || page.changes.is_empty() {
            return Ok(());
        }
        let resolved = self.resolve(&page.changes).await?;
        let mut keep = resolved.iter().map(|r| limit.admits(r));
        page.changes.retain(|_| keep.next().unwrap_or(false));
        Ok(())
    }

    /// Builds `scopes` from the changes held, once, for a store written
    /// before devices could be limited.
    pub(crate) async fn backfill_scopes(&self) -> Result<()> {
        if self.scope_count().await? > 0 {
            return Ok(());
        }
        let mut cursor = 0;
        loop {
            let page = self.pull_raw(cursor, 5_000, None).await?;
            let resolved = self.resolve(&page.changes).await?;
            self.record_scopes(&page.changes, &resolved).await?;
            if !page.more || page.cursor == cursor {
                break;
            }
            cursor = page.cursor;
        }
        Ok(())
    }
}
