//! Hybrid logical clock (Kulkarni et al., 2014).
//!
//! A timestamp is `(wall milliseconds, counter)`; it never goes backwards on
//! one device, even when the wall clock does, and after receiving a remote
//! timestamp the next local one is strictly greater. Ties between devices are
//! broken by the device id, which travels beside the timestamp in a
//! [`crate::Change`].
//!
//! The text form `0001764412345678-0000` (16 zero-padded decimal digits of
//! milliseconds, a dash, 4 hex digits of counter) sorts the same as the
//! value, so stores can compare timestamps as plain strings.

use std::fmt;
use std::str::FromStr;

/// One hybrid logical clock reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (the largest physical time seen).
    pub wall_ms: u64,
    /// Logical counter for events within the same millisecond.
    pub counter: u16,
}

impl Hlc {
    pub const fn new(wall_ms: u64, counter: u16) -> Self {
        Hlc { wall_ms, counter }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016}-{:04x}", self.wall_ms, self.counter)
    }
}

/// A string that is not a timestamp in the `Hlc` text form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a hybrid logical clock timestamp: {0:?}")]
pub struct HlcParseError(pub String);

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HlcParseError(s.to_string());
        let (wall, counter) = s.split_once('-').ok_or_else(err)?;
        if wall.len() != 16 || counter.len() != 4 || !wall.bytes().all(|b| b.is_ascii_digit()) || !counter.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        Ok(Hlc {
            wall_ms: wall.parse().map_err(|_| err())?,
            counter: u16::from_str_radix(counter, 16).map_err(|_| err())?,
        })
    }
}

impl serde::Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The clock of one device. It is pure: the caller passes the physical time,
/// so tests can skew it at will.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    /// A clock that continues after `last` (e.g. the newest timestamp in the
    /// local change log).
    pub fn resume(last: Hlc) -> Self {
        Clock { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// Timestamp for a local event happening at physical time `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        self.last = if now_ms > self.last.wall_ms {
            Hlc::new(now_ms, 0)
        } else {
            self.bump(self.last.wall_ms, self.last.counter)
        };
        self.last
    }

    /// Merge a timestamp received from another device at physical time
    /// `now_ms`; the result is greater than both the local and remote one.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) -> Hlc {
        let wall = now_ms.max(self.last.wall_ms).max(remote.wall_ms);
        self.last = if wall == now_ms && wall > self.last.wall_ms && wall > remote.wall_ms {
            Hlc::new(wall, 0)
        } else {
            let counter = match (wall == self.last.wall_ms, wall == remote.wall_ms) {
                (true, true) => self.last.counter.max(remote.counter),
                (true, false) => self.last.counter,
                (false, true) => remote.counter,
                (false, false) => unreachable!("wall is the max of the three"),
            };
            self.bump(wall, counter)
        };
        self.last
    }

    fn bump(&self, wall: u64, counter: u16) -> Hlc {
        match counter.checked_add(1) {
            Some(c) => Hlc::new(wall, c),
            // 65,536 events in one millisecond: borrow the next millisecond
            // rather than wrap (which would go backwards).
            None => Hlc::new(wall + 1, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_and_sorts_like_the_value() {
        let a = Hlc::new(1_764_412_345_678, 0);
        let b = Hlc::new(1_764_412_345_678, 10);
        let c = Hlc::new(1_764_412_345_679, 0);
        for h in [a, b, c] {
            assert_eq!(h.to_string().parse::<Hlc>().unwrap(), h);
        }
        assert_eq!(a.to_string(), "0001764412345678-0000");
        assert!(a.to_string() < b.to_string() && b.to_string() < c.to_string());
        assert!("12-0000".parse::<Hlc>().is_err());
        assert!("0001764412345678-zzzz".parse::<Hlc>().is_err());
    }

    #[test]
    fn never_goes_backwards_when_the_wall_clock_does() {
        let mut clock = Clock::default();
        let t1 = clock.tick(1000);
        let t2 = clock.tick(500); // wall clock stepped back
        let t3 = clock.tick(500);
        assert!(t1 < t2 && t2 < t3);
        assert_eq!(t3, Hlc::new(1000, 2));
    }

    #[test]
    fn observing_a_remote_time_moves_past_it() {
        let mut clock = Clock::default();
        clock.tick(1000);
        let remote = Hlc::new(5000, 7); // a laptop whose clock is hours ahead
        let after = clock.observe(remote, 1001);
        assert!(after > remote);
        assert!(clock.tick(1002) > after);
    }

    #[test]
    fn counter_overflow_borrows_the_next_millisecond() {
        let mut clock = Clock::resume(Hlc::new(10, u16::MAX));
        assert_eq!(clock.tick(10), Hlc::new(11, 0));
    }
}
