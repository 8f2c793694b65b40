//! The form operations behind the `Muster` facade: each reads or writes
//! through `crate::store::forms` (the only SQL) and applies the domain rules
//! of the sibling modules.

use super::keying::{BatchPlan, KeyedForm, KeyingSession, SessionSetup};
use super::portrait::{self, Portrait};
use super::responses::{self, BatchStatus, DiffReport, KeyerStats, ResponsesImport};
use super::{xlsform, Batch, Entry, StoredForm};
use crate::store::forms::{self as db, NewResponse, Resolution};
use crate::store::{self, Store};
use crate::{clock, Error, Result};
use std::path::Path;

pub(crate) fn get(store: &Store, id: &str) -> Result<StoredForm> {
    db::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "form", id: id.to_string() })
}

/// Reads the XLSForm at `path` and stores it for `event_id`.
pub(crate) fn import(store: &mut Store, event_id: &str, path: &Path, double_entry: bool) -> Result<StoredForm> {
    if !store::events::exists(store, event_id)? {
        return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
    }
    let form = xlsform::read(path)?;
    let source = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let id = store.write(|w| db::insert(w, event_id, &form, &source, double_entry))?;
    get(store, &id)
}

/// Stores the ready portrait questionnaire ([`super::template`]) for `event_id`.
pub(crate) fn import_template(store: &mut Store, event_id: &str, double_entry: bool) -> Result<StoredForm> {
    if !store::events::exists(store, event_id)? {
        return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
    }
    let form = xlsform::read_bytes(super::template::FILE_NAME, &super::template::workbook()?)?;
    let id = store.write(|w| db::insert(w, event_id, &form, super::template::FILE_NAME, double_entry))?;
    get(store, &id)
}

pub(crate) fn set_double_entry(store: &mut Store, form_id: &str, on: bool) -> Result<StoredForm> {
    get(store, form_id)?;
    store.write(|w| db::set_double_entry(w, form_id, on))?;
    get(store, form_id)
}

/// Registers a stack of `count` papers, the first numbered `first_paper`
/// (default `1`). Batch names are unique per form.
pub(crate) fn add_batch(store: &mut Store, form_id: &str, name: &str, count: u32, first_paper: Option<&str>) -> Result<Batch> {
    get(store, form_id)?;
    let name = crate::normalize::text(name);
    if name.is_empty() {
        return Err(Error::invalid_at("a batch needs a name", None, None, Some("name")));
    }
    if count == 0 {
        return Err(Error::invalid_at("a batch holds at least one paper", None, None, Some("count")));
    }
    let first = crate::normalize::text(first_paper.unwrap_or("1"));
    if first.is_empty() {
        return Err(Error::invalid_at("the first paper ID is empty", None, None, Some("first")));
    }
    let id = store.write(|w| {
        if db::batches_in(w.tx(), form_id)?.iter().any(|b| b.name == name) {
            return Err(Error::Conflict(format!("form {form_id} already has a batch named {name}")));
        }
        db::insert_batch(w, form_id, &name, count, &first)
    })?;
    db::batches(store, form_id)?.into_iter().find(|b| b.id == id).ok_or_else(|| Error::NotFound { kind: "batch", id })
}

/// A batch of `form_id` by id or name.
pub(crate) fn batch(store: &Store, form_id: &str, batch: &str) -> Result<Batch> {
    get(store, form_id)?;
    let all = db::batches(store, form_id)?;
    all.iter()
        .find(|b| b.id == batch)
        .or_else(|| all.iter().find(|b| b.name == batch))
        .cloned()
        .ok_or_else(|| Error::NotFound { kind: "batch", id: batch.to_string() })
}

pub(crate) fn batch_status(store: &Store, form_id: &str, batch_ref: &str, entry: Entry) -> Result<BatchStatus> {
    let b = batch(store, form_id, batch_ref)?;
    Ok(responses::batch_status(&b, &db::responses(store, form_id)?, entry))
}

/// A keying session over `form_id` with the form's batches and the papers
/// already keyed for `entry`.
pub(crate) fn session(store: &Store, form_id: &str, entry: Entry, keyer: &str, batch_ref: Option<&str>, language: Option<&str>) -> Result<KeyingSession> {
    let f = get(store, form_id)?;
    let batches = db::batches(store, form_id)?;
    let chosen = batch_ref.map(|b| batch(store, form_id, b)).transpose()?;
    let rows = db::responses(store, form_id)?;
    let first_keyers = if entry == Entry::Second {
        rows.iter().filter(|r| r.entry == Entry::First).map(|r| (r.paper_id.clone(), r.keyer.clone())).collect()
    } else {
        Default::default()
    };
    let keyed = rows.into_iter().filter(|r| r.entry == entry).map(|r| r.paper_id).collect();
    Ok(KeyingSession::new(
        f.form,
        SessionSetup {
            entry,
            keyer: keyer.to_string(),
            language: language.map(str::to_string),
            today: clock::today(),
            batches: batches.iter().map(|b| BatchPlan { name: b.name.clone(), expected: b.expected_papers() }).collect(),
            batch: chosen.map(|b| b.name),
            already_keyed: keyed,
            first_keyers,
        },
    ))
}

/// Saves a keyed paper after validating it again (the same rules as a CSV
/// row). A paper is keyed once per entry; the second entry must come from
/// another keyer.
pub(crate) fn save_keyed(store: &mut Store, form_id: &str, k: &KeyedForm) -> Result<String> {
    let f = get(store, form_id)?;
    let paper = crate::normalize::text(&k.paper_id);
    if paper.is_empty() {
        return Err(Error::invalid_at("the paper ID is empty", None, None, Some("paper_id")));
    }
    let answers = responses::validate(&f.form, &k.answers, &clock::today(), f.form.default_language.as_deref()).map_err(|issues| {
        let first = &issues[0];
        Error::invalid_at(format!("paper {paper}: {}: {}", first.field, first.message), None, None, Some(&first.field))
    })?;
    // Verify mode: the entry keeps what this keyer typed (so a difference
    // stays a difference, charged to whoever lost it), the choice becomes
    // its resolution.
    let mut answers = answers;
    for v in &k.verified {
        if v.keyed.is_empty() {
            answers.remove(&v.question);
        } else {
            answers.insert(v.question.clone(), v.keyed.clone());
        }
    }
    let batch_id = k.batch.as_deref().map(|b| batch(store, form_id, b).map(|b| b.id)).transpose()?;
    store.write(|w| {
        if db::has_response(w.tx(), form_id, &paper, k.entry)? {
            return Err(Error::Conflict(format!("paper {paper} already has a {} entry", k.entry.as_str())));
        }
        if k.entry == Entry::Second && !k.keyer.is_empty() {
            if let Some(first) = db::keyer_of(w.tx(), form_id, &paper, Entry::First)? {
                if first == k.keyer {
                    return Err(Error::Conflict(format!("the second entry of paper {paper} must be keyed by someone other than {first}, who keyed the first")));
                }
            }
        }
        db::insert_response(
            w,
            form_id,
            &NewResponse {
                batch_id: batch_id.as_deref(),
                paper_id: &paper,
                entry: k.entry,
                answers: &answers,
                keyer: &k.keyer,
                source: "keying",
                line: None,
                keystrokes: Some(k.keystrokes),
                duration_ms: k.duration_ms,
            },
        )
        .and_then(|id| {
            for v in k.verified.iter().filter(|v| v.first != v.keyed) {
                db::insert_resolution(w, form_id, &paper, &v.question, &v.chosen, &format!("{} (verify)", k.keyer))?;
            }
            Ok(id)
        })
    })
}

/// A saved paper's answers now (corrections applied), for `entry`.
pub(crate) fn saved_answers(store: &Store, form_id: &str, paper: &str, entry: Entry) -> Result<responses::Answers> {
    db::responses(store, form_id)?
        .into_iter()
        .find(|r| r.paper_id == paper && r.entry == entry)
        .map(|r| r.answers)
        .ok_or_else(|| Error::NotFound { kind: "saved paper", id: paper.to_string() }.worded("keying.no_saved_paper", &[("paper", &paper), ("entry", &entry.as_str())]))
}

/// Corrects a saved paper's entry: the answers validated again as when it
/// was keyed, a reason required, the corrector never the keyer of the
/// paper's other entry (double entry stays two people). The paper as keyed
/// and every correction stay as history.
pub(crate) fn correct(store: &mut Store, form_id: &str, paper: &str, entry: Entry, answers: &responses::Answers, reason: &str, by: &str) -> Result<String> {
    let f = get(store, form_id)?;
    let paper = crate::normalize::text(paper);
    let reason = crate::normalize::text(reason);
    if reason.is_empty() {
        return Err(Error::invalid_at("a correction of a saved paper needs a reason", None, None, Some("reason")).kind(crate::ErrorKind::ReasonRequired));
    }
    saved_answers(store, form_id, &paper, entry)?;
    let answers = responses::validate(&f.form, answers, &clock::today(), f.form.default_language.as_deref()).map_err(|issues| {
        let first = &issues[0];
        Error::invalid_at(format!("paper {paper}: {}: {}", first.field, first.message), None, None, Some(&first.field))
    })?;
    let other = if entry == Entry::First { Entry::Second } else { Entry::First };
    store.write(|w| {
        if let Some(k) = db::keyer_of(w.tx(), form_id, &paper, other)? {
            if !by.is_empty() && k == by {
                return Err(Error::Conflict(format!("{by} keyed the {} entry of paper {paper}: the {} entry must be corrected by someone else", other.as_str(), entry.as_str()))
                    .worded("keying.correct_other_keyer", &[("paper", &paper), ("keyer", &by)]));
            }
        }
        db::insert_correction(w, form_id, &paper, entry, &answers, &reason, by)
    })
}

/// The first entry's answers of a form, by paper ID (verify mode).
pub(crate) fn first_answers(store: &Store, form_id: &str) -> Result<std::collections::HashMap<String, responses::Answers>> {
    Ok(db::responses(store, form_id)?.into_iter().filter(|r| r.entry == Entry::First).map(|r| (r.paper_id, r.answers)).collect())
}

/// Imports responses; with `want_rejects`, also the rejected rows as CSV
/// bytes for the caller to export.
pub(crate) fn import_responses(store: &mut Store, form_id: &str, path: &Path, entry: Entry, keyer: Option<&str>, want_rejects: bool) -> Result<(ResponsesImport, Option<Vec<u8>>)> {
    let f = get(store, form_id)?;
    responses::import(store, &f, path, entry, keyer, want_rejects, &clock::today())
}

pub(crate) fn diff(store: &Store, form_id: &str) -> Result<DiffReport> {
    let f = get(store, form_id)?;
    Ok(responses::diff(&f, &db::responses(store, form_id)?, &db::resolutions(store, form_id)?))
}

/// Records a supervisor's value for one differing field of one paper.
pub(crate) fn resolve(store: &mut Store, form_id: &str, paper: &str, field: &str, value: &str, by: &str) -> Result<Resolution> {
    let f = get(store, form_id)?;
    let by = crate::normalize::text(by);
    if by.is_empty() {
        return Err(Error::invalid_at("say who resolves (--by)", None, None, Some("by")));
    }
    let rows = db::responses(store, form_id)?;
    let value = responses::check_resolution(&f, &rows, paper, field, value)?;
    store.write(|w| db::insert_resolution(w, form_id, paper, field, &value, &by))?;
    db::resolutions(store, form_id)?
        .remove(&(paper.to_string(), field.to_string()))
        .ok_or_else(|| Error::NotFound { kind: "resolution", id: format!("{paper}/{field}") })
}

/// The portrait, and the final answers it was computed from.
pub(crate) fn portrait(store: &Store, form_id: &str, lang: Option<&str>) -> Result<(Portrait, StoredForm, std::collections::BTreeMap<String, responses::Answers>)> {
    let f = get(store, form_id)?;
    let rows = db::responses(store, form_id)?;
    let resolutions = db::resolutions(store, form_id)?;
    let (finals, pending) = responses::final_answers(&f, &rows, &resolutions);
    let p = portrait::build(&f, &rows, &db::rejections(store, form_id)?, &finals, pending, lang);
    Ok((p, f, finals))
}

/// The portrait and its XLSX bytes (for the caller to export), with the
/// event the form belongs to.
pub(crate) fn portrait_xlsx(store: &Store, form_id: &str) -> Result<(Portrait, Vec<u8>, String)> {
    let (p, f, finals) = portrait(store, form_id, None)?;
    let bytes = portrait::xlsx_bytes(&p, &f, &finals)?;
    Ok((p, bytes, f.event_id))
}

pub(crate) fn keyer_stats(store: &Store, form_id: &str) -> Result<Vec<KeyerStats>> {
    let f = get(store, form_id)?;
    Ok(responses::keyer_stats(&f, &db::responses(store, form_id)?, &db::resolutions(store, form_id)?))
}
