//! The audit log as a file: CSV (the one writer, `crate::csv_out`: UTF-8
//! with BOM for Excel, formulas neutralised), one line per entry with the
//! before/after values as JSON.

use crate::csv_out::Csv;
pub use crate::store::audit::{AuditEntry, AuditFilter};
use serde_json::Value;

/// The header line of the audit CSV.
pub const CSV_HEADER: [&str; 11] = ["at", "user", "role", "device_id", "event_id", "action", "entity", "entity_id", "before", "after", "detail"];

/// The audit log as CSV (UTF-8 with BOM, for Excel).
pub fn to_csv(entries: &[AuditEntry]) -> Vec<u8> {
    let mut w = Csv::new();
    w.record(CSV_HEADER);
    for e in entries {
        let json_text = |v: &Value| if v.is_null() { String::new() } else { v.to_string() };
        w.record([
            e.at.as_str(),
            &e.user,
            &e.role,
            &e.device_id,
            e.event_id.as_deref().unwrap_or(""),
            &e.action,
            e.entity.as_deref().unwrap_or(""),
            e.entity_id.as_deref().unwrap_or(""),
            &json_text(&e.before),
            &json_text(&e.after),
            e.detail.as_deref().unwrap_or(""),
        ]);
    }
    w.finish()
}

