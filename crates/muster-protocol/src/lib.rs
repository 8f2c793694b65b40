//! Muster's sync protocol: the wire types every store and the central
//! service agree on, and the hybrid logical clock (HLC) that orders them.
//!
//! This crate depends on nothing of Muster's own, so that an old laptop, a
//! new server and a test harness can all speak it. See `hlc` for the clock
//! and `change` for the unit that travels: one change-log entry; `rules` for
//! what a change must be to travel (the server and the stores both check it);
//! `scope` for the event a change belongs to (what a limited laptop may hold);
//! `trust` for the organisation's keys, laptops' certificates and certificate codes.

pub mod change;
pub mod hlc;
pub mod rules;
pub mod scope;
pub mod sync;
pub mod trust;

pub use change::{Change, ChangeOp};
pub use hlc::{Clock, Hlc, HlcParseError};

/// The protocol version this build speaks. Bumped on any incompatible change
/// of the wire types; a peer with another major version is told to update.
pub const PROTOCOL_VERSION: u32 = 1;
