//! Reading the audit log (its lines are written by [`super::Writer::audit`]
//! and by the writer itself for every row it inserts or edits).

use super::Store;
use crate::Result;
use serde::Serialize;
use serde_json::Value;

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub user: String,
    pub role: String,
    pub device_id: String,
    pub action: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub before: Value,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub after: Value,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Which lines to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// One event's lines (plus none of the others).
    pub event_id: Option<String>,
    /// Only lines of this action ("merge", "export", …).
    pub action: Option<String>,
    /// Only lines by this user name.
    pub user: Option<String>,
    /// Only lines at or after this RFC 3339 time.
    pub since: Option<String>,
    /// At most this many, newest kept (0 = all).
    pub limit: usize,
}

/// Lines matching `f`, oldest first.
pub fn list(store: &Store, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let mut stmt = store.conn().prepare(
        "SELECT id, created_at, event_id, user_id, user_name, role, device_id, action, entity, entity_id,
                before, after, detail
         FROM audit_log
         WHERE (?1 IS NULL OR event_id = ?1) AND (?2 IS NULL OR action = ?2)
           AND (?3 IS NULL OR user_name = ?3) AND (?4 IS NULL OR created_at >= ?4)
         ORDER BY created_at DESC, id DESC
         LIMIT ?5",
    )?;
    let limit = if f.limit == 0 { -1 } else { f.limit as i64 };
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null);
    let rows = stmt.query_map(rusqlite::params![f.event_id, f.action, f.user, f.since, limit], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            event_id: r.get(2)?,
            user_id: r.get(3)?,
            user: r.get(4)?,
            role: r.get(5)?,
            device_id: r.get(6)?,
            action: r.get(7)?,
            entity: r.get(8)?,
            entity_id: r.get(9)?,
            before: parse(r.get(10)?),
            after: parse(r.get(11)?),
            detail: r.get(12)?,
        })
    })?;
    let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}
