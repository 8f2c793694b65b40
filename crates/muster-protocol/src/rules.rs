//! The rules a change must meet to travel: checked by the server before it
//! stores a pushed change, by a store before it applies a pulled one, and by
//! a store's own write path before it logs one (so this device never makes a
//! change that no server would take).
//!
//! One table, [`ENTITIES`], names every synced entity, its fields, their
//! JSON type and bounds (the same as the store's SQL constraints and the
//! domain's validation: an event lasts 1..=366 days, dates are real, enums
//! are closed lists), which fields an insert must carry and which an update
//! may set. `muster-core` tests that its tables and this one agree, so the
//! server and the stores cannot drift apart.
//!
//! Beyond the fields: a change's device and row ids are UUIDs, `seq` is in
//! `1..=i64::MAX` (stores keep it as a signed 64-bit integer), its clock is
//! not more than [`MAX_CLOCK_AHEAD_MS`] ahead of the checker's, a text is at
//! most [`MAX_TEXT_CHARS`] characters (Excel's own cell limit) and a whole
//! change at most [`MAX_CHANGE_BYTES`] of JSON.
//!
//! The entity `void` stands in for a change its own laptop found it could
//! never send (one written before these rules): it keeps the number, so
//! the device's sequence stays gap-free, and every store skips it.

use crate::{Change, ChangeOp};
use serde_json::Value;

/// Longest text a field may hold, in characters (Excel's cell limit).
pub const MAX_TEXT_CHARS: usize = 32_767;
/// Largest change, as JSON bytes.
pub const MAX_CHANGE_BYTES: usize = 1024 * 1024;
/// How far ahead of the checker's clock a change's clock may be: a laptop
/// whose date is a day wrong is told so, not believed.
pub const MAX_CLOCK_AHEAD_MS: u64 = 24 * 3600 * 1000;
/// Name of the stand-in for a change that could never be sent.
pub const VOID: &str = "void";

/// Why a change breaks the rules, naming the change and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("change {device_id}/{seq} ({entity}): {field}: {message}")]
pub struct Invalid {
    pub device_id: String,
    pub seq: u64,
    pub entity: String,
    /// The field at fault, or `entity`, `op`, `seq`, `hlc`, `device_id`,
    /// `entity_id`, `size` for the change itself.
    pub field: String,
    pub message: String,
}

/// The JSON a field holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Any text up to [`MAX_TEXT_CHARS`].
    Text,
    /// Text with something other than spaces in it.
    NonBlank,
    /// A row id: a UUID.
    Id,
    /// `YYYY-MM-DD`, a real date.
    Date,
    /// Venue local time `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`, real.
    LocalTime,
    /// A UTC timestamp, RFC 3339 (`2026-11-29T10:52:59.123Z`).
    Timestamp,
    /// An integer in the range.
    Int(i64, i64),
    /// A number in the range.
    Real(f64, f64),
    /// `true`/`false` or `0`/`1`.
    Bool,
    /// One of the words.
    Enum(&'static [&'static str]),
    /// Text holding valid JSON (bounded by the change's size only).
    JsonText,
    /// An object of texts (a trainee's extra columns).
    TextMap,
}

/// One field of an entity.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// May be `null`.
    pub nullable: bool,
    /// An insert must carry it (the store has no default for it).
    pub required: bool,
}

/// One synced entity.
#[derive(Debug, Clone, Copy)]
pub struct EntityRules {
    pub name: &'static str,
    pub fields: &'static [Field],
    /// Facts are inserted once and never updated.
    pub fact: bool,
    /// Fields an update may never set (besides `created_at`).
    pub fixed: &'static [&'static str],
}

impl EntityRules {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// May an update set this field?
    pub fn editable(&self, name: &str) -> bool {
        !self.fact && name != "created_at" && !self.fixed.contains(&name) && self.field(name).is_some()
    }
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, nullable: false, required: true }
}
/// Nullable and optional.
const fn o(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, nullable: true, required: false }
}
/// Not null, but an older store's insert may lack it (the store has a default).
const fn d(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, nullable: false, required: false }
}

use Kind::*;

const ENTRY: Kind = Enum(&["first", "second"]);
const COUNT: Kind = Int(0, i64::MAX);

/// Every synced entity, in the store's materialisation order.
pub const ENTITIES: &[EntityRules] = &[
    EntityRules {
        name: "programme",
        fact: false,
        fixed: &[],
        fields: &[f("name", NonBlank), o("description", Text), f("created_at", Timestamp), o("deleted_at", Timestamp)],
    },
    EntityRules {
        name: "event",
        fact: false,
        fixed: &[],
        fields: &[
            f("name", NonBlank),
            f("venue", Text),
            f("starts_on", Date),
            f("days", Int(1, 366)),
            f("created_at", Timestamp),
            d("grace_minutes", Int(0, 24 * 60)),
            o("deleted_at", Timestamp),
            o("programme_id", Id),
            o("closed_at", Timestamp),
        ],
    },
    EntityRules {
        name: "session",
        fact: false,
        fixed: &["event_id"],
        fields: &[f("event_id", Id), f("title", NonBlank), f("starts_at", LocalTime), f("ends_at", LocalTime), f("created_at", Timestamp), o("deleted_at", Timestamp)],
    },
    EntityRules {
        name: "trainee",
        fact: false,
        fixed: &["event_id"],
        fields: &[
            f("event_id", Id),
            f("name", NonBlank),
            o("gender", Enum(&["female", "male"])),
            o("phone", Text),
            o("id_number", Text),
            o("age", Int(0, 150)),
            o("birth_date", Date),
            o("organization", Text),
            o("occupation", Text),
            d("extra", TextMap),
            f("created_at", Timestamp),
            o("code", Text),
            d("walk_in", Bool),
            o("merged_into", Id),
        ],
    },
    EntityRules {
        name: "attendance",
        fact: true,
        fixed: &[],
        fields: &[
            f("event_id", Id),
            f("session_id", Id),
            f("trainee_id", Id),
            f("kind", Enum(&["in", "out"])),
            f("at", LocalTime),
            f("device_id", Text),
            f("source", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "attendance_correction",
        fact: true,
        fixed: &[],
        fields: &[
            f("event_id", Id),
            f("session_id", Id),
            f("trainee_id", Id),
            f("status", Enum(&["present", "late", "left_early", "absent", "excused"])),
            o("hours", Real(0.0, 24.0 * 366.0)),
            f("reason", Text),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "certificate_settings",
        fact: false,
        fixed: &["event_id"],
        fields: &[
            f("event_id", Id),
            d("title_en", Text),
            d("venue_en", Text),
            d("organisers", JsonText),
            d("signatories", JsonText),
            d("logos", JsonText),
            d("min_attendance", Real(0.0, 1.0)),
            d("paper", Enum(&["a4", "a5"])),
            f("created_at", Timestamp),
            o("excused_counts", Bool),
            o("late_registration", Enum(&["all", "after_registration"])),
            o("languages", Enum(&["zh+en", "km+en", "lo+en", "az+en", "tk+en"])),
            o("seal", Text),
        ],
    },
    EntityRules {
        name: "eligibility_override",
        fact: true,
        fixed: &[],
        fields: &[
            f("event_id", Id),
            f("trainee_id", Id),
            f("eligible", Bool),
            f("reason", Text),
            f("decided_by", Text),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "certificate",
        fact: true,
        fixed: &[],
        fields: &[
            f("event_id", Id),
            f("trainee_id", Id),
            f("name", Text),
            o("name_latin", Text),
            f("hours_tenths", Int(0, 65_535)),
            f("attendance", Real(0.0, 1_000.0)),
            o("override_id", Id),
            f("code", Text),
            f("public_key", Text),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "certificate_print",
        fact: true,
        fixed: &[],
        fields: &[
            f("certificate_id", Id),
            f("event_id", Id),
            f("kind", Enum(&["issue", "reprint"])),
            f("reason", Text),
            f("printed_by", Text),
            f("file", Text),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "certificate_revocation",
        fact: true,
        fixed: &[],
        fields: &[
            f("certificate_id", Id),
            f("reason", NonBlank),
            f("revoked_by", Text),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "form",
        fact: false,
        fixed: &["event_id", "form_key", "source", "definition"],
        fields: &[
            f("event_id", Id),
            f("form_key", Text),
            f("title", Text),
            f("source", Text),
            f("definition", JsonText),
            d("double_entry", Bool),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "paper_batch",
        fact: false,
        fixed: &["form_id"],
        fields: &[f("form_id", Id), f("name", NonBlank), f("count", Int(1, 1_000_000)), f("first_paper", Text), f("created_at", Timestamp)],
    },
    EntityRules {
        name: "response",
        fact: true,
        fixed: &[],
        fields: &[
            f("form_id", Id),
            o("batch_id", Id),
            f("paper_id", NonBlank),
            f("entry", ENTRY),
            f("answers", JsonText),
            f("keyer", Text),
            f("source", Text),
            o("line", COUNT),
            o("keystrokes", COUNT),
            o("duration_ms", COUNT),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "response_rejection",
        fact: true,
        fixed: &[],
        fields: &[
            f("form_id", Id),
            f("paper_id", Text),
            f("entry", ENTRY),
            f("source", Text),
            f("line", COUNT),
            f("reasons", JsonText),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "entry_resolution",
        fact: true,
        fixed: &[],
        fields: &[
            f("form_id", Id),
            f("paper_id", Text),
            f("field", Text),
            f("value", Text),
            f("resolved_by", NonBlank),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "response_correction",
        fact: true,
        fixed: &[],
        fields: &[
            f("form_id", Id),
            f("paper_id", NonBlank),
            f("entry", ENTRY),
            f("answers", JsonText),
            f("reason", NonBlank),
            f("corrected_by", Text),
            f("device_id", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: "audit",
        fact: true,
        fixed: &[],
        fields: &[
            o("event_id", Id),
            o("user_id", Text),
            f("user_name", Text),
            f("role", Text),
            f("device_id", Text),
            f("action", Text),
            o("entity", Text),
            o("entity_id", Text),
            o("before", JsonText),
            o("after", JsonText),
            o("detail", Text),
            f("created_at", Timestamp),
        ],
    },
    EntityRules {
        name: VOID,
        fact: true,
        fixed: &[],
        fields: &[f("reason", Text), o("entity", Text), o("entity_id", Text)],
    },
];

/// The rules of an entity this build knows.
pub fn entity(name: &str) -> Option<&'static EntityRules> {
    ENTITIES.iter().find(|e| e.name == name)
}

/// Checks one change against the rules; `now_ms` is the checker's clock.
pub fn check(c: &Change, now_ms: u64) -> Result<(), Invalid> {
    let fields_bytes = serde_json::to_vec(&c.fields).map(|v| v.len()).unwrap_or(usize::MAX);
    check_sized(c, now_ms, fields_bytes)
}

/// Room the envelope of a change takes besides its fields (ids, clock,
/// names, JSON punctuation), generously.
const ENVELOPE_BYTES: usize = 512;

/// [`check`], for a caller that already has the fields as JSON and knows
/// their length (a store's write path).
pub fn check_sized(c: &Change, now_ms: u64, fields_bytes: usize) -> Result<(), Invalid> {
    let bad = |field: &str, message: String| Invalid {
        device_id: clip(&c.device_id),
        seq: c.seq,
        entity: clip(&c.entity),
        field: clip(field),
        message,
    };
    if !is_uuid(&c.device_id) {
        return Err(bad("device_id", format!("the device id {} is not a UUID", quote(&c.device_id))));
    }
    if c.seq == 0 || c.seq > i64::MAX as u64 {
        return Err(bad("seq", format!("the sequence number {} is outside 1..={}", c.seq, i64::MAX)));
    }
    if c.hlc.wall_ms > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
        return Err(bad(
            "hlc",
            format!(
                "its clock reads {} ms past the Unix epoch, more than a day ahead of this machine's ({now_ms}): \
                 the laptop's date is wrong; set it right and sync again",
                c.hlc.wall_ms
            ),
        ));
    }
    check_fields(c, fields_bytes)
}

/// The rules on what a change says (its entity, row id, size, operation and
/// fields), not on who sent it or when: what a store's own write path checks
/// before it logs a change (its device id and number are its own).
pub fn check_fields(c: &Change, fields_bytes: usize) -> Result<(), Invalid> {
    let fields: Vec<(&str, &Value)> = c.fields.iter().map(|(k, v)| (k.as_str(), v)).collect();
    check_parts(&c.device_id, c.seq, &c.entity, &c.entity_id, c.op, &fields, fields_bytes)
}

/// [`check_fields`] of an insert by this store (no device id or number
/// yet) whose fields are given as a list of distinct names, in any order,
/// without a [`Change`] made of them: a store's bulk write path, which
/// judges a hundred thousand rows. `fields_bytes` is the length of their
/// JSON object (which does not depend on the order).
pub fn check_insert_fields(entity: &str, entity_id: &str, fields: &[(&str, &Value)], fields_bytes: usize) -> Result<(), Invalid> {
    check_parts("", 1, entity, entity_id, ChangeOp::Insert, fields, fields_bytes)
}

fn check_parts(
    device_id: &str,
    seq: u64,
    entity_name: &str,
    entity_id: &str,
    op: ChangeOp,
    fields: &[(&str, &Value)],
    fields_bytes: usize,
) -> Result<(), Invalid> {
    let bad = |field: &str, message: String| Invalid { device_id: clip(device_id), seq, entity: clip(entity_name), field: clip(field), message };
    let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let Some(rules) = entity(entity_name) else {
        return Err(bad("entity", format!("unknown entity {} (a newer Muster's?)", quote(entity_name))));
    };
    if !is_uuid(entity_id) {
        return Err(bad("entity_id", format!("the row id {} is not a UUID", quote(entity_id))));
    }
    let size = fields_bytes.saturating_add(ENVELOPE_BYTES + entity_name.len());
    if size > MAX_CHANGE_BYTES {
        return Err(bad("size", format!("the change is about {size} bytes, more than {MAX_CHANGE_BYTES}")));
    }
    match op {
        ChangeOp::Insert => {
            if let Some(missing) = rules.fields.iter().find(|f| f.required && get(f.name).is_none()) {
                return Err(bad(missing.name, "an insert must set it".into()));
            }
        }
        ChangeOp::Update => {
            if rules.fact {
                return Err(bad("op", format!("{} rows are facts: inserted once, never updated", rules.name)));
            }
            if fields.is_empty() {
                return Err(bad("fields", "an update sets no field".into()));
            }
        }
        ChangeOp::Delete => return Err(bad("op", "rows are never deleted".into())),
    }
    for (name, value) in fields {
        let Some(field) = rules.field(name) else {
            return Err(bad(name, format!("{} has no field {}", rules.name, quote(name))));
        };
        if op == ChangeOp::Update && !rules.editable(name) {
            return Err(bad(name, "this field is set when the row is made and never changed".into()));
        }
        check_value(field, value).map_err(|m| bad(name, m))?;
    }
    // Rules across fields of one insert.
    if let (Some(Value::String(s)), Some(Value::String(e))) = (get("starts_at"), get("ends_at")) {
        if e <= s {
            return Err(bad("ends_at", format!("the session ends ({e}) before or when it starts ({s})")));
        }
    }
    Ok(())
}

fn check_value(field: &Field, v: &Value) -> Result<(), String> {
    if v.is_null() {
        return if field.nullable { Ok(()) } else { Err("must not be null".into()) };
    }
    let text = || -> Result<&str, String> {
        let s = v.as_str().ok_or_else(|| format!("must be text, not {}", type_name(v)))?;
        let n = s.chars().count();
        if n > MAX_TEXT_CHARS {
            return Err(format!("a text of {n} characters, more than {MAX_TEXT_CHARS}"));
        }
        Ok(s)
    };
    match field.kind {
        Text => text().map(|_| ()),
        NonBlank => {
            if text()?.trim().is_empty() {
                Err("must not be empty".into())
            } else {
                Ok(())
            }
        }
        Id => shaped(text()?, is_uuid, "is not a UUID"),
        Date => shaped(text()?, is_date, "is not a real date written YYYY-MM-DD"),
        LocalTime => shaped(text()?, is_local_time, "is not a real time written YYYY-MM-DDTHH:MM[:SS]"),
        Timestamp => {
            let s = text()?;
            if s.len() >= 20 && s.len() <= 40 && is_local_time(&s[..19]) && s.ends_with('Z') {
                Ok(())
            } else {
                Err(format!("{} is not a UTC timestamp", quote(s)))
            }
        }
        Int(lo, hi) => match v.as_i64() {
            Some(i) if (lo..=hi).contains(&i) => Ok(()),
            Some(i) => Err(format!("{i} is outside {lo}..={hi}")),
            None => Err(format!("must be a whole number, not {}", short(v))),
        },
        Real(lo, hi) => match v.as_f64() {
            Some(x) if x.is_finite() && x >= lo && x <= hi => Ok(()),
            Some(x) => Err(format!("{x} is outside {lo}..={hi}")),
            None => Err(format!("must be a number, not {}", short(v))),
        },
        Bool => match v {
            Value::Bool(_) => Ok(()),
            Value::Number(n) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => Ok(()),
            _ => Err(format!("must be true or false, not {}", short(v))),
        },
        Enum(words) => {
            let s = text()?;
            if words.contains(&s) {
                Ok(())
            } else {
                Err(format!("{} is not one of {}", quote(s), words.join(", ")))
            }
        }
        JsonText => {
            let s = v.as_str().ok_or_else(|| format!("must be JSON text, not {}", type_name(v)))?;
            serde_json::from_str::<serde::de::IgnoredAny>(s).map(|_| ()).map_err(|e| format!("is not valid JSON: {e}"))
        }
        TextMap => {
            let map = v.as_object().ok_or_else(|| format!("must be an object of texts, not {}", type_name(v)))?;
            for (k, x) in map {
                let s = x.as_str().ok_or_else(|| format!("{} must be text, not {}", quote(k), type_name(x)))?;
                let n = s.chars().count().max(k.chars().count());
                if n > MAX_TEXT_CHARS {
                    return Err(format!("{}: a text of {n} characters, more than {MAX_TEXT_CHARS}", quote(k)));
                }
            }
            Ok(())
        }
    }
}

/// A text that must have a shape: fine, or quoted with what it is not.
fn shaped(s: &str, ok: fn(&str) -> bool, not: &str) -> Result<(), String> {
    if ok(s) {
        Ok(())
    } else {
        Err(format!("{} {not}", quote(s)))
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// At most [`QUOTE_CHARS`] characters of a value, for a message.
fn short(v: &Value) -> String {
    quote(&v.to_string())
}

/// A value kept as data in an [`Invalid`] (a hostile peer's id may be a
/// megabyte long): its first [`QUOTE_CHARS`] characters.
fn clip(s: &str) -> String {
    s.chars().take(QUOTE_CHARS).collect()
}

/// How many characters of a user's value a message quotes.
pub const QUOTE_CHARS: usize = 80;

/// A cell, header or typed value quoted for a message: `'…'` around at most
/// [`QUOTE_CHARS`] characters, control characters escaped (`\u{0}`, `\n`),
/// and for a longer value `…' (N characters)`. The one way any message of
/// Muster quotes what a user (or a file) gave it, so that a 50 MB header is
/// never echoed whole.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(4 * QUOTE_CHARS) + 2);
    out.push('\'');
    let mut shown = 0usize;
    let mut chars = value.chars();
    for c in chars.by_ref() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
        shown += 1;
        if shown == QUOTE_CHARS {
            break;
        }
    }
    let rest = chars.count();
    if rest > 0 {
        out.push_str(&format!("…' ({} characters)", shown + rest));
    } else {
        out.push('\'');
    }
    out
}

/// Is `s` a UUID in its text form (`8-4-4-4-12` hex digits)?
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A real calendar date `YYYY-MM-DD` between 1900 and 2200.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    match (num(&s[0..4]), num(&s[5..7]), num(&s[8..10])) {
        (Some(y), Some(m), Some(d)) => (1900..=2200).contains(&y) && d >= 1 && d <= days_in_month(y, m),
        _ => false,
    }
}

/// A real local time `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`.
pub fn is_local_time(s: &str) -> bool {
    let b = s.as_bytes();
    if !(b.len() == 16 || b.len() == 19) || !s.is_char_boundary(10) || !is_date(&s[..10]) || b[10] != b'T' || b[13] != b':' {
        return false;
    }
    let hm = matches!(num(&s[11..13]), Some(h) if h < 24) && matches!(num(&s[14..16]), Some(m) if m < 60);
    hm && (b.len() == 16 || (b[16] == b':' && matches!(num(&s[17..19]), Some(x) if x < 60)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Hlc;
    use serde_json::json;

    const DEV: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const ROW: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
    const NOW: u64 = 1_764_412_345_678;

    fn event(fields: serde_json::Value) -> Change {
        Change {
            device_id: DEV.into(),
            seq: 1,
            hlc: Hlc::new(NOW, 0),
            entity: "event".into(),
            entity_id: ROW.into(),
            op: ChangeOp::Insert,
            fields: serde_json::from_value(fields).unwrap(),
        }
    }

    fn good() -> serde_json::Value {
        json!({"name": "灵寿", "venue": "县会堂", "starts_on": "2026-11-29", "days": 2, "created_at": "2026-11-29T10:52:59.123Z", "grace_minutes": 10})
    }

    /// Tests as data: a change, and the field the rules blame (None: fine).
    #[test]
    fn the_table_of_cases() {
        let with = |k: &str, v: serde_json::Value| {
            let mut g = good();
            g[k] = v;
            event(g)
        };
        let mut cases: Vec<(&str, Change, Option<&str>)> = vec![
            ("a good event", event(good()), None),
            ("days 0", with("days", json!(0)), Some("days")),
            ("days as text", with("days", json!("2")), Some("days")),
            ("a date that does not exist", with("starts_on", json!("2026-02-30")), Some("starts_on")),
            ("an empty name", with("name", json!("  ")), Some("name")),
            ("a long venue", with("venue", json!("x".repeat(MAX_TEXT_CHARS + 1))), Some("venue")),
            ("an unknown field", with("colour", json!("red")), Some("colour")),
            ("a null name", with("name", json!(null)), Some("name")),
        ];
        let mut c = event(good());
        c.seq = u64::MAX;
        cases.push(("seq 2^64-1", c, Some("seq")));
        let mut c = event(good());
        c.seq = 0;
        cases.push(("seq 0", c, Some("seq")));
        let mut c = event(good());
        c.hlc = Hlc::new(NOW + MAX_CLOCK_AHEAD_MS + 1, 0);
        cases.push(("a clock in the future", c, Some("hlc")));
        let mut c = event(good());
        c.device_id = "laptop-1".into();
        cases.push(("a device that is not a UUID", c, Some("device_id")));
        let mut c = event(good());
        c.entity_id = "1; DROP TABLE".into();
        cases.push(("a row id that is not a UUID", c, Some("entity_id")));
        let mut c = event(good());
        c.entity = "weather".into();
        cases.push(("an unknown entity", c, Some("entity")));
        let mut c = event(good());
        c.op = ChangeOp::Delete;
        cases.push(("a delete", c, Some("op")));
        let mut c = event(good());
        c.fields.remove("days");
        cases.push(("an insert without days", c, Some("days")));
        let mut c = event(json!({"days": 3}));
        c.op = ChangeOp::Update;
        cases.push(("an update of days", c, None));
        let mut c = event(json!({"created_at": "2026-11-29T10:52:59.123Z"}));
        c.op = ChangeOp::Update;
        cases.push(("an update of created_at", c, Some("created_at")));
        let mut c = event(json!({"kind": "in"}));
        c.entity = "attendance".into();
        c.op = ChangeOp::Update;
        cases.push(("an update of a fact", c, Some("op")));
        let mut c = event(json!({"event_id": ROW, "title": "上午", "starts_at": "2026-11-29T10:00", "ends_at": "2026-11-29T09:00", "created_at": "2026-11-29T10:52:59.123Z"}));
        c.entity = "session".into();
        cases.push(("a session ending before it starts", c, Some("ends_at")));
        let mut c = event(json!({"event_id": ROW, "title": "上午", "starts_at": "2026-11-29T10:00:60", "ends_at": "2026-11-29T11:00", "created_at": "2026-11-29T10:52:59.123Z"}));
        c.entity = "session".into();
        cases.push(("second 60", c, Some("starts_at")));
        let mut c = event(json!({"extra": {"村": 5}}));
        c.entity = "trainee".into();
        c.op = ChangeOp::Update;
        cases.push(("an extra column that is not text", c, Some("extra")));
        let extra: serde_json::Map<String, Value> = (0..40).map(|i| (format!("列{i}"), json!("x".repeat(30_000)))).collect();
        let mut c = event(json!({"extra": extra, "name": "x".repeat(30_000)}));
        c.entity = "trainee".into();
        c.op = ChangeOp::Update;
        cases.push(("a change over a megabyte", c, Some("size")));
        for (name, change, blamed) in cases {
            let got = check(&change, NOW);
            assert_eq!(got.as_ref().err().map(|e| e.field.as_str()), blamed, "{name}: {got:?}");
            if let Err(e) = &got {
                assert!(e.to_string().len() < 400, "{name}: a short message: {e}");
            }
            // The bulk write path's check of the same fields, as a list in
            // another order, judges them alike (the envelope aside).
            if change.op == ChangeOp::Insert && !matches!(blamed, Some("seq" | "hlc" | "device_id")) {
                let mut fields: Vec<(&str, &Value)> = change.fields.iter().map(|(k, v)| (k.as_str(), v)).collect();
                fields.reverse();
                let bytes = serde_json::to_vec(&change.fields).unwrap().len();
                let listed = check_insert_fields(&change.entity, &change.entity_id, &fields, bytes);
                assert_eq!(listed.as_ref().err().map(|e| e.field.as_str()), blamed, "{name} as a list: {listed:?}");
            }
        }
    }

    #[test]
    fn uuids_dates_and_times() {
        assert!(is_uuid(DEV));
        assert!(!is_uuid("0193a1b2c3d47e5f8a9b0c1d2e3f4a5b"));
        assert!(is_date("2024-02-29") && !is_date("2025-02-29") && !is_date("2026-1-01"));
        assert!(is_local_time("2026-11-30T09:00") && is_local_time("2026-11-30T09:00:59"));
        for bad in ["2026-11-30T24:00", "2026-11-30T09:60", "2026-11-30T10:00:60", "2026-11-30 09:00", "2026-11-30T09:00:5"] {
            assert!(!is_local_time(bad), "{bad}");
        }
    }
}
