//! Wall-clock helpers: the current time in milliseconds and as RFC 3339 UTC
//! text, and validation of the date and minute strings the domain stores.
//! No time-zone database: sessions are stored in the venue's local time as
//! written, timestamps of records in UTC.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// `2026-11-29T10:52:59.123Z` for a Unix time in milliseconds.
pub fn rfc3339_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

pub use muster_protocol::trust::civil_from_days;

/// Days in month `m` of year `y` (0 for a month that does not exist).
#[allow(clippy::manual_is_multiple_of)] // `%` reads like the rule it implements
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Is `s` a real calendar date written `YYYY-MM-DD`?
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || !s.is_ascii() || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    match (digits(&s[0..4]), digits(&s[5..7]), digits(&s[8..10])) {
        (Some(y), Some(m), Some(d)) => (1900..=2200).contains(&y) && d >= 1 && d <= days_in_month(y as i64, m),
        _ => false,
    }
}

/// Is `s` a local date and minute written `YYYY-MM-DDTHH:MM`?
pub fn is_minute(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && s.is_ascii()
        && is_date(&s[0..10])
        && b[10] == b'T'
        && b[13] == b':'
        && matches!(digits(&s[11..13]), Some(h) if h < 24)
        && matches!(digits(&s[14..16]), Some(m) if m < 60)
}

/// Is `s` a local time written `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`,
/// with a real date, hours 0–23, minutes and seconds 0–59 (no leap second:
/// `10:00:60` is refused)?
pub fn is_local_time(s: &str) -> bool {
    match s.len() {
        16 => is_minute(s),
        19 => s.is_ascii() && is_minute(&s[..16]) && s.as_bytes()[16] == b':' && matches!(digits(&s[17..19]), Some(sec) if sec < 60),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_real() {
        for ok in ["2026-12-01T10:00", "2026-12-01T10:00:59", "2024-02-29T23:59:00"] {
            assert!(is_local_time(ok), "{ok}");
        }
        for bad in ["2026-12-01T10:00:60", "2026-12-01T10:60", "2026-12-01T24:00:00", "2025-02-29T10:00", "2026-12-01T10:00:5", "2026-12-01T10:00:5x", "2026-12-01 10:00:00", "+2026-12-01T10:00", "2026-12-01T10:00:00Z", "２026-12-01T10:00", "２026-12-01T10:0", "2026-12-0１T10:00"] {
            assert!(!is_local_time(bad), "{bad}");
        }
    }

    #[test]
    fn formats_utc() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_764_413_579_123), "2025-11-29T10:52:59.123Z");
    }

    #[test]
    fn validates_dates_and_minutes() {
        for ok in ["2026-11-29", "2024-02-29"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in ["2026-13-01", "2025-02-29", "2026-1-01", "26-11-29", "2026/11/29", ""] {
            assert!(!is_date(bad), "{bad}");
        }
        assert!(is_minute("2026-11-30T09:00"));
        for bad in ["2026-11-30 09:00", "2026-11-30T24:00", "2026-11-30T09:60", "2026-11-30"] {
            assert!(!is_minute(bad), "{bad}");
        }
    }
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    rfc3339_ms(now_ms())[..10].to_string()
}

/// `date` (`YYYY-MM-DD`, valid) plus `days`.
pub fn add_days(date: &str, days: i64) -> String {
    let y: i64 = date[0..4].parse().unwrap_or(1970);
    let m: i64 = date[5..7].parse().unwrap_or(1);
    let d: i64 = date[8..10].parse().unwrap_or(1);
    // days_from_civil (Howard Hinnant), the inverse of civil_from_days.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let (y, m, d) = civil_from_days(era * 146_097 + doe - 719_468 + days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod day_tests {
    #[test]
    fn adds_days_across_months_and_leap_years() {
        assert_eq!(super::add_days("2026-11-29", 2), "2026-12-01");
        assert_eq!(super::add_days("2024-02-28", 1), "2024-02-29");
        assert_eq!(super::add_days("2026-12-31", 1), "2027-01-01");
    }
}
