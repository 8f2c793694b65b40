//! Forms, paper batches, responses, rejections and double-entry
//! resolutions in the store: reads, and change-logged inserts (responses,
//! rejections and resolutions are facts: insert only).

use super::{Entity, Store, Writer};
use crate::forms::{Batch, Entry, Form, StoredForm};
use crate::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::json;
use std::collections::BTreeMap;

fn form_from_row(r: &Row<'_>) -> rusqlite::Result<(String, String, bool, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn to_form(row: (String, String, bool, String, String, String)) -> Result<StoredForm> {
    let (id, event_id, double_entry, source, created_at, definition) = row;
    let form: Form = serde_json::from_str(&definition).map_err(|e| Error::invalid(format!("form {id}: stored definition is unreadable: {e}")))?;
    Ok(StoredForm { id, event_id, double_entry, source, created_at, form })
}

const FORM_SELECT: &str = "SELECT id, event_id, double_entry, source, created_at, definition FROM forms";

pub fn get(store: &Store, id: &str) -> Result<Option<StoredForm>> {
    let row = store.conn().prepare_cached(&format!("{FORM_SELECT} WHERE id = ?1"))?.query_row([id], form_from_row).optional()?;
    row.map(to_form).transpose()
}

/// The forms of an event, oldest first.
pub fn list(store: &Store, event_id: &str) -> Result<Vec<StoredForm>> {
    let mut stmt = store.conn().prepare_cached(&format!("{FORM_SELECT} WHERE event_id = ?1 ORDER BY created_at, id"))?;
    let rows = stmt.query_map([event_id], form_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(to_form).collect()
}

pub fn insert(w: &mut Writer<'_>, event_id: &str, form: &Form, source: &str, double_entry: bool) -> Result<String> {
    let now = w.now();
    let definition = serde_json::to_string(form).map_err(|e| Error::invalid(format!("form cannot be stored: {e}")))?;
    w.insert(
        Entity::Form,
        &[
            ("event_id", json!(event_id)),
            ("form_key", json!(form.form_id)),
            ("title", json!(form.title)),
            ("source", json!(source)),
            ("definition", json!(definition)),
            ("double_entry", json!(i64::from(double_entry))),
            ("created_at", json!(now)),
        ],
    )
}

pub fn set_double_entry(w: &mut Writer<'_>, form_id: &str, on: bool) -> Result<bool> {
    w.update(Entity::Form, form_id, &[("double_entry", json!(i64::from(on)))])
}

fn batch_from_row(r: &Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        form_id: r.get(1)?,
        name: r.get(2)?,
        count: r.get(3)?,
        first_paper: r.get(4)?,
        created_at: r.get(5)?,
    })
}

pub fn batches_in(conn: &Connection, form_id: &str) -> Result<Vec<Batch>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, form_id, name, count, first_paper, created_at FROM paper_batches WHERE form_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([form_id], batch_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn batches(store: &Store, form_id: &str) -> Result<Vec<Batch>> {
    batches_in(store.conn(), form_id)
}

pub fn insert_batch(w: &mut Writer<'_>, form_id: &str, name: &str, count: u32, first_paper: &str) -> Result<String> {
    let now = w.now();
    w.insert(
        Entity::PaperBatch,
        &[
            ("form_id", json!(form_id)),
            ("name", json!(name)),
            ("count", json!(count)),
            ("first_paper", json!(first_paper)),
            ("created_at", json!(now)),
        ],
    )
}

/// One stored response (a keying or a CSV row).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRow {
    pub id: String,
    pub batch_id: Option<String>,
    pub paper_id: String,
    pub entry: Entry,
    pub answers: BTreeMap<String, String>,
    pub keyer: String,
    pub source: String,
    pub keystrokes: Option<u32>,
    pub duration_ms: Option<u64>,
    pub created_at: String,
}

/// What a new response holds.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    pub batch_id: Option<&'a str>,
    pub paper_id: &'a str,
    pub entry: Entry,
    pub answers: &'a BTreeMap<String, String>,
    pub keyer: &'a str,
    pub source: &'a str,
    pub line: Option<u64>,
    pub keystrokes: Option<u32>,
    pub duration_ms: Option<u64>,
}

pub fn insert_response(w: &mut Writer<'_>, form_id: &str, r: &NewResponse<'_>) -> Result<String> {
    let now = w.now();
    let device = w.device_id().to_string();
    w.insert(
        Entity::Response,
        &[
            ("form_id", json!(form_id)),
            ("batch_id", json!(r.batch_id)),
            ("paper_id", json!(r.paper_id)),
            ("entry", json!(r.entry.as_str())),
            ("answers", json!(serde_json::to_string(r.answers).unwrap_or_else(|_| "{}".into()))),
            ("keyer", json!(r.keyer)),
            ("source", json!(r.source)),
            ("line", json!(r.line)),
            ("keystrokes", json!(r.keystrokes)),
            ("duration_ms", json!(r.duration_ms)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

/// Every response of a form, oldest first.
pub fn responses_in(conn: &Connection, form_id: &str) -> Result<Vec<ResponseRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, batch_id, paper_id, entry, answers, keyer, source, keystrokes, duration_ms, created_at
         FROM responses WHERE form_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([form_id], |r| {
        let entry: String = r.get(3)?;
        let answers: String = r.get(4)?;
        Ok(ResponseRow {
            id: r.get(0)?,
            batch_id: r.get(1)?,
            paper_id: r.get(2)?,
            entry: Entry::parse(&entry).unwrap_or_default(),
            answers: serde_json::from_str(&answers).unwrap_or_default(),
            keyer: r.get(5)?,
            source: r.get(6)?,
            keystrokes: r.get::<_, Option<i64>>(7)?.map(|k| k.max(0) as u32),
            duration_ms: r.get::<_, Option<i64>>(8)?.map(|d| d.max(0) as u64),
            created_at: r.get(9)?,
        })
    })?;
    let mut rows: Vec<ResponseRow> = rows.collect::<rusqlite::Result<_>>()?;
    // A corrected paper reads as corrected: the newest correction's answers.
    let corrections = corrections_in(conn, form_id)?;
    if !corrections.is_empty() {
        let mut newest: std::collections::HashMap<(String, Entry), BTreeMap<String, String>> = std::collections::HashMap::new();
        for c in corrections {
            newest.insert((c.paper_id, c.entry), c.answers);
        }
        for r in &mut rows {
            if let Some(a) = newest.get(&(r.paper_id.clone(), r.entry)) {
                r.answers = a.clone();
            }
        }
    }
    Ok(rows)
}

pub fn responses(store: &Store, form_id: &str) -> Result<Vec<ResponseRow>> {
    responses_in(store.conn(), form_id)
}

/// Records a correction of a saved paper's entry: its answers now.
pub fn insert_correction(w: &mut Writer<'_>, form_id: &str, paper_id: &str, entry: Entry, answers: &BTreeMap<String, String>, reason: &str, by: &str) -> Result<String> {
    let now = w.now();
    let device = w.device_id().to_string();
    w.insert(
        Entity::ResponseCorrection,
        &[
            ("form_id", json!(form_id)),
            ("paper_id", json!(paper_id)),
            ("entry", json!(entry.as_str())),
            ("answers", json!(serde_json::to_string(answers).unwrap_or_else(|_| "{}".into()))),
            ("reason", json!(reason)),
            ("corrected_by", json!(by)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

/// A correction of a saved paper, as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionRow {
    pub paper_id: String,
    pub entry: Entry,
    pub answers: BTreeMap<String, String>,
    pub reason: String,
    pub corrected_by: String,
    pub created_at: String,
}

/// Every correction of a form's papers, oldest first.
pub fn corrections_in(conn: &Connection, form_id: &str) -> Result<Vec<CorrectionRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT paper_id, entry, answers, reason, corrected_by, created_at FROM response_corrections WHERE form_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([form_id], |r| {
        let entry: String = r.get(1)?;
        let answers: String = r.get(2)?;
        Ok(CorrectionRow {
            paper_id: r.get(0)?,
            entry: Entry::parse(&entry).unwrap_or_default(),
            answers: serde_json::from_str(&answers).unwrap_or_default(),
            reason: r.get(3)?,
            corrected_by: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether paper `paper_id` already has an `entry` response.
pub fn has_response(conn: &Connection, form_id: &str, paper_id: &str, entry: Entry) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM responses WHERE form_id = ?1 AND paper_id = ?2 AND entry = ?3 LIMIT 1")?
        .exists(rusqlite::params![form_id, paper_id, entry.as_str()])?)
}

/// The keyer of the newest `entry` response of a paper.
pub fn keyer_of(conn: &Connection, form_id: &str, paper_id: &str, entry: Entry) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT keyer FROM responses WHERE form_id = ?1 AND paper_id = ?2 AND entry = ?3 ORDER BY created_at DESC, id DESC LIMIT 1")?
        .query_row(rusqlite::params![form_id, paper_id, entry.as_str()], |r| r.get(0))
        .optional()?)
}

/// A rejected CSV row as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectionRow {
    pub paper_id: String,
    pub entry: Entry,
    pub source: String,
    pub line: u64,
}

#[allow(clippy::too_many_arguments)]
pub fn insert_rejection(w: &mut Writer<'_>, form_id: &str, paper_id: &str, entry: Entry, source: &str, line: u64, reasons: &serde_json::Value) -> Result<String> {
    let now = w.now();
    let device = w.device_id().to_string();
    w.insert(
        Entity::ResponseRejection,
        &[
            ("form_id", json!(form_id)),
            ("paper_id", json!(paper_id)),
            ("entry", json!(entry.as_str())),
            ("source", json!(source)),
            ("line", json!(line)),
            ("reasons", json!(reasons.to_string())),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

pub fn rejections(store: &Store, form_id: &str) -> Result<Vec<RejectionRow>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT paper_id, entry, source, line FROM response_rejections WHERE form_id = ?1 ORDER BY created_at, id")?;
    let rows = stmt.query_map([form_id], |r| {
        let entry: String = r.get(1)?;
        Ok(RejectionRow { paper_id: r.get(0)?, entry: Entry::parse(&entry).unwrap_or_default(), source: r.get(2)?, line: r.get::<_, i64>(3)?.max(0) as u64 })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A supervisor's resolution of one field of one paper.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Resolution {
    pub paper_id: String,
    pub field: String,
    pub value: String,
    pub by: String,
    pub at: String,
}

pub fn insert_resolution(w: &mut Writer<'_>, form_id: &str, paper_id: &str, field: &str, value: &str, by: &str) -> Result<String> {
    let now = w.now();
    let device = w.device_id().to_string();
    w.insert(
        Entity::Resolution,
        &[
            ("form_id", json!(form_id)),
            ("paper_id", json!(paper_id)),
            ("field", json!(field)),
            ("value", json!(value)),
            ("resolved_by", json!(by)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

/// The newest resolution per (paper, field).
pub fn resolutions(store: &Store, form_id: &str) -> Result<BTreeMap<(String, String), Resolution>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT paper_id, field, value, resolved_by, created_at FROM entry_resolutions WHERE form_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([form_id], |r| {
        Ok(Resolution { paper_id: r.get(0)?, field: r.get(1)?, value: r.get(2)?, by: r.get(3)?, at: r.get(4)? })
    })?;
    let mut out = BTreeMap::new();
    for r in rows {
        let r = r?;
        out.insert((r.paper_id.clone(), r.field.clone()), r);
    }
    Ok(out)
}
