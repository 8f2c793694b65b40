//! One entry of a device's change log: the unit that sync ships.
//!
//! A change names an entity and one row of it, the operation, and the values
//! of the fields it set (field-level, so two laptops editing different fields
//! of one trainee both win). It is stamped with the device that made it, that
//! device's sequence number (gap-free, starting at 1) and an HLC timestamp.

use crate::Hlc;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a change did to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// The row was created with the given fields.
    Insert,
    /// The given fields of an existing row were set.
    Update,
    /// The row was removed (a tombstone; facts are never deleted).
    Delete,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Insert => "insert",
            ChangeOp::Update => "update",
            ChangeOp::Delete => "delete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "insert" => Some(ChangeOp::Insert),
            "update" => Some(ChangeOp::Update),
            "delete" => Some(ChangeOp::Delete),
            _ => None,
        }
    }
}

/// One change-log entry as it travels between stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Device that made the change (a UUID, as text).
    pub device_id: String,
    /// Per-device sequence number, 1, 2, 3, ... without gaps.
    pub seq: u64,
    /// When, in hybrid logical time.
    pub hlc: Hlc,
    /// Entity kind, e.g. `event`, `session`, `trainee`.
    pub entity: String,
    /// Row id (UUIDv7, as text).
    pub entity_id: String,
    pub op: ChangeOp,
    /// Field name → new value.
    pub fields: BTreeMap<String, serde_json::Value>,
}
