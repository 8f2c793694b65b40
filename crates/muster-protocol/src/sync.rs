//! The sync exchange between a store and a server: push a batch of one
//! device's change-log entries, pull everything after a cursor.
//!
//! ```text
//! POST /v1/push   PushRequest  → PushResponse   (idempotent)
//! POST /v1/pull   PullRequest  → PullResponse   (by cursor)
//! GET  /v1/status              → Status
//! ```
//! Bodies are JSON compressed with zstd (`Content-Type:
//! application/x-muster+zstd`); the device authenticates with
//! `Authorization: Bearer TOKEN`. Every request carries the protocol
//! version; a server that does not speak it answers 426 with code
//! `protocol_version` ("please update"), and nothing is read or written.
//!
//! Push is idempotent: the server keeps each `(device_id, seq)` once and
//! answers with the highest sequence number it holds *without gaps* for that
//! device, so a repeated or half-applied batch is acknowledged, never applied
//! twice, and the client resumes after `acked_seq`. A `(device_id, seq)`
//! names one change: a change under a number already held with another
//! clock is refused as a `conflict` ([`number_clash`]), never dropped as a
//! repeat — two laptops are writing as one store.

use crate::Change;
use serde::{Deserialize, Serialize};

/// Why a change is refused whose `(device_id, seq)` is held with another
/// clock, and what to do; the server and a store applying a batch or a
/// sync file each add what they kept.
pub fn number_clash(device_id: &str, seq: u64) -> String {
    format!(
        "change {device_id}/{seq} is not the change held under that number: two laptops are syncing as one store \
         (a backup restored onto a second laptop?). Give one of them its own store (`muster restore BACKUP \
         --new-device`, or a new store joined by sync)"
    )
}

/// Media type of a compressed body.
pub const CONTENT_TYPE: &str = "application/x-muster+zstd";

/// Largest decompressed body either side accepts (a zip-bomb guard).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// Default number of changes in one batch.
pub const BATCH: usize = 2000;

/// Most JSON of changes one push or pull answer carries (a change is at
/// most 1 MB, a compressed request 16 MB, a decompressed body 64 MB), so
/// no batch can grow past what the other side takes.
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol: u32,
    /// The device whose changes these are (all of them).
    pub device_id: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Highest sequence number held for the device with no gap below it.
    pub acked_seq: u64,
    /// Changes of this batch stored now.
    pub stored: u64,
    /// Changes of this batch the server already had.
    pub duplicates: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    pub protocol: u32,
    pub device_id: String,
    /// Server cursor: changes after this one.
    pub cursor: u64,
    pub limit: u32,
    /// Also return this device's own changes (a store restored from an older
    /// backup fetching back what it had sent since). Absent = false, so
    /// older clients and servers understand each other.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_own: bool,
    /// Only the changes of these events (and the organisation's own: its
    /// programmes and events' names and dates). Absent = every event the
    /// token may see; the server never gives more than its device's limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Cursor after the last change returned.
    pub cursor: u64,
    /// Whether more changes follow.
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub protocol: u32,
    pub server: String,
}

/// An error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// `protocol_version`, `unauthorized`, `bad_request`, `too_large`,
    /// `rate_limited`, `conflict`, `wrong_device`, `invalid_change`,
    /// `server`.
    pub code: String,
    pub message: String,
    /// For `invalid_change`: the change refused and its field at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorInfo {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
        ErrorInfo { code: code.into(), message: message.into(), device_id: None, seq: None, field: None }
    }
}

/// A body that could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("body is not zstd-compressed data: {0}")]
    Compression(String),
    #[error("body is larger than {MAX_BODY} bytes once decompressed")]
    TooLarge,
    #[error("body is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A sneakernet file (a USB stick between laptops): every change a store
/// holds, of every device, in push-sized batches.
#[derive(Debug, Serialize, Deserialize)]
pub struct Bundle {
    pub protocol: u32,
    pub from_device: String,
    pub batches: Vec<PushRequest>,
}

/// JSON, then zstd.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let json = serde_json::to_vec(value).unwrap_or_default();
    zstd::bulk::compress(&json, 3).unwrap_or_default()
}

/// The inverse of [`encode`], refusing bodies that decompress past
/// [`MAX_BODY`].
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, DecodeError> {
    use std::io::Read;
    let decoder = zstd::stream::read::Decoder::new(bytes).map_err(|e| DecodeError::Compression(e.to_string()))?;
    let mut json = Vec::new();
    decoder
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|e| DecodeError::Compression(e.to_string()))?;
    if json.len() > MAX_BODY {
        return Err(DecodeError::TooLarge);
    }
    Ok(serde_json::from_slice(&json)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChangeOp, Hlc};

    fn change(seq: u64) -> Change {
        Change {
            device_id: "d1".into(),
            seq,
            hlc: Hlc::new(1_764_412_345_678 + seq, 0),
            entity: "trainee".into(),
            entity_id: format!("id-{seq}"),
            op: ChangeOp::Insert,
            fields: [("name".to_string(), serde_json::json!("王素梅"))].into_iter().collect(),
        }
    }

    #[test]
    fn round_trips_and_compresses() {
        let req = PushRequest { protocol: crate::PROTOCOL_VERSION, device_id: "d1".into(), changes: (1..=500).map(change).collect() };
        let bytes = encode(&req);
        let json_len = serde_json::to_vec(&req).unwrap().len();
        assert!(bytes.len() * 4 < json_len, "{} vs {json_len}", bytes.len());
        assert_eq!(decode::<PushRequest>(&bytes).unwrap(), req);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(decode::<PushRequest>(b"not zstd"), Err(DecodeError::Compression(_))));
        let wrong = encode(&serde_json::json!({"protocol": 1}));
        assert!(matches!(decode::<PushRequest>(&wrong), Err(DecodeError::Json(_))));
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        let huge = vec![b' '; MAX_BODY + 10];
        let bomb = zstd::bulk::compress(&huge, 3).unwrap();
        assert!(bomb.len() < 100_000);
        assert!(matches!(decode::<PushRequest>(&bomb), Err(DecodeError::TooLarge)));
    }
}
