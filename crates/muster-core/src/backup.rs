//! The end-of-day backup reminder: from half an hour before the day's last
//! session ends (17:00 on a day without sessions) until a backup is made,
//! the app asks the coordinator to back up to a USB stick.

use crate::store::{self, Store};
use crate::Result;
use serde::Serialize;

/// Local settings where [`crate::Muster::backup`] notes the last backup
/// (venue local time, and the file).
pub const LAST_BACKUP_LOCAL: &str = "last_backup_local";
pub const LAST_BACKUP_FILE: &str = "last_backup_file";

/// Minutes before the last session's end when the reminder starts.
const LEAD_MINUTES: i64 = 30;

/// Whether to remind, and what the reminder says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reminder {
    /// Remind now.
    pub due: bool,
    /// From when today the reminder applies (venue local time).
    pub from: String,
    /// The last backup (venue local time) and its file.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_backup: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_file: Option<String>,
}

/// `HH:MM` of a local `YYYY-MM-DDTHH:MM[:SS]` minus `minutes`, same day.
fn minus_minutes(t: &str, minutes: i64) -> String {
    let (date, hm) = (&t[..10], &t[11..16]);
    let total = hm[..2].parse::<i64>().unwrap_or(0) * 60 + hm[3..5].parse::<i64>().unwrap_or(0) - minutes;
    let total = total.clamp(0, 24 * 60 - 1);
    format!("{date}T{:02}:{:02}", total / 60, total % 60)
}

/// The reminder at venue local time `now` (`YYYY-MM-DDTHH:MM[:SS]`).
pub(crate) fn reminder(store: &Store, now: &str) -> Result<Reminder> {
    if now.len() < 16 {
        return Err(crate::Error::invalid_at("a local time is YYYY-MM-DDTHH:MM", None, None, Some("now")));
    }
    let today = &now[..10];
    let from = match store::sessions::last_end_on(store, today)? {
        Some(end) if end.len() >= 16 => minus_minutes(&end, LEAD_MINUTES),
        _ => format!("{today}T17:00"),
    };
    let last_backup = store.setting(LAST_BACKUP_LOCAL)?;
    let backed_up_since = last_backup.as_deref().is_some_and(|b| b >= from.as_str());
    let due = now >= from.as_str() && !backed_up_since && store.has_data()?;
    Ok(Reminder { due, from, last_backup, last_file: store.setting(LAST_BACKUP_FILE)? })
}
