//! The domain's plain data: what an event, a session and a trainee are.
//!
//! These types carry no behaviour and no SQL; they are what the store
//! returns, what the CLI prints as JSON and what crosses into the desktop UI
//! (with the `ts` feature they derive TypeScript bindings).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A training event: one course at one venue over one or more days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Event {
    pub id: String,
    pub name: String,
    pub venue: String,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: String,
    pub days: u32,
    pub created_at: String,
    /// Number of trainees on the roster (computed, not stored).
    pub trainee_count: u32,
    pub session_count: u32,
    /// Minutes after a session's start before an arrival counts as late.
    pub grace_minutes: u32,
    /// The programme this event is a stop of.
    pub programme_id: Option<String>,
    /// When it was closed: read-only since (reprints still allowed).
    pub closed_at: Option<String>,
    /// When this laptop removed its personal data (`event purge`).
    pub purged_at: Option<String>,
}

/// What is needed to create an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewEvent {
    pub name: String,
    pub venue: String,
    pub starts_on: String,
    pub days: u32,
}

/// One course session of an event, e.g. "Day 1 WeChat Digital Operation".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Session {
    pub id: String,
    pub event_id: String,
    pub title: String,
    /// Local time `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub ends_at: String,
}

/// What is needed to add a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewSession {
    pub title: String,
    pub starts_at: String,
    pub ends_at: String,
}

/// Gender as written on a roster (男/女/male/female/M/F). Anything else
/// rejects the row with a reason rather than being guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
    pub fn parse_stored(s: &str) -> Option<Gender> {
        match s {
            "female" => Some(Gender::Female),
            "male" => Some(Gender::Male),
            _ => None,
        }
    }
}

/// The validated, normalised fields of one trainee, as the importer and the
/// edit command produce them. Every field but `name` is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TraineeFields {
    pub name: String,
    pub gender: Option<Gender>,
    /// Mainland mobile, 11 digits, `^1[3-9]\d{9}$`.
    pub phone: Option<String>,
    /// National ID number; an 18-character mainland one has passed the
    /// GB 11643 check digit and has an upper-case `X`.
    pub id_number: Option<String>,
    pub age: Option<u32>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub organization: Option<String>,
    pub occupation: Option<String>,
    /// Columns of the roster that are none of the above, header → value.
    pub extra: BTreeMap<String, String>,
}

/// Roster columns that hold a note for the door ("needs wheelchair
/// access", "collect certificate from the desk"), lower case.
pub const NOTE_KEYS: &[&str] = &["备注", "note", "notes", "remark", "remarks", "说明", "door note"];

impl TraineeFields {
    /// The note shown at the door: the first non-empty note column.
    pub fn note(&self) -> Option<&str> {
        self.extra.iter().find(|(k, v)| NOTE_KEYS.contains(&k.trim().to_lowercase().as_str()) && !v.trim().is_empty()).map(|(_, v)| v.trim())
    }
}

/// A trainee on an event's roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Trainee {
    pub id: String,
    pub event_id: String,
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub fields: TraineeFields,
    pub created_at: String,
    /// Short printable code for badge slips and the scanner (see `code`).
    pub code: Option<String>,
    /// Registered at the door, not on the roster.
    pub walk_in: bool,
    /// When this record was merged as a duplicate: the trainee kept.
    pub merged_into: Option<String>,
}
