//! Roster import into an event: preview, duplicate detection and the
//! all-or-nothing commit.
//!
//! Reading and validating the file is `crate::import`'s job; here each valid
//! row is checked against the event's trainees (and the earlier rows of the
//! same file) by ID number and by name + mobile, and the new ones are written
//! in one transaction — made ready outside the write lock, so that it is
//! short, and giving way to the door while it runs (see [`commit`]). A crash
//! mid-import leaves all or nothing.

use crate::import::{self, ColumnMapping, RosterFile};
use crate::model::TraineeFields;
use crate::store::{self, Store};
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// What the import screen shows before anything is written.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterPreview {
    pub file: String,
    pub format: String,
    pub encoding: Option<String>,
    /// `,` `;` or `tab`.
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub columns: Vec<ColumnMapping>,
    /// The first rows as read, one cell per header.
    pub sample: Vec<Vec<String>>,
    pub total_rows: u64,
    pub valid_rows: u64,
    pub warnings: Vec<String>,
    /// The warnings as keys for the app to word, one per warning (an empty
    /// key: shown as written).
    pub warnings_worded: Vec<crate::Msg>,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// Write the rejected rows (original columns + reason) here (an export:
    /// sealed to `<path>.zip` when the store is encrypted, unless `plain`).
    pub rejects: Option<PathBuf>,
    /// The user explicitly asked for a plain (unencrypted) rejects file.
    pub plain: bool,
    /// The coordinator's reading of some columns ([`import::Mapping`]).
    pub mapping: import::Mapping,
}

/// One problem of one rejected row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
    /// The message as a key and parameters, for the app to word.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub msg: Option<crate::Msg>,
}

/// A row not imported because the trainee is already there.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DuplicateRow {
    pub line: u64,
    pub name: String,
}

/// The outcome of an import (or of a dry run).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub file: String,
    pub format: String,
    pub encoding: Option<String>,
    pub dry_run: bool,
    pub imported: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub warnings: Vec<String>,
    /// The warnings as keys for the app to word (see [`RosterPreview`]).
    pub warnings_worded: Vec<crate::Msg>,
    /// One entry per field problem of each rejected row.
    pub errors: Vec<RowError>,
    pub duplicate_rows: Vec<DuplicateRow>,
    /// Where the rejected rows were written, if asked (`<path>.zip` when
    /// sealed).
    pub rejects_file: Option<String>,
    /// Whether that file is sealed (encrypted); absent when none was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub rejects_encrypted: Option<bool>,
}

fn delimiter_name(d: char) -> String {
    match d {
        '\t' => "tab".to_string(),
        other => other.to_string(),
    }
}

pub fn preview(path: &Path, mapping: &import::Mapping) -> Result<RosterPreview> {
    let file = import::read_roster_mapped(path, mapping, &mut |_, _| {})?;
    Ok(RosterPreview {
        sample: file.rows.iter().take(PREVIEW_ROWS).map(|r| r.cells.clone()).collect(),
        total_rows: file.rows.len() as u64,
        valid_rows: file.rows.iter().filter(|r| r.outcome.is_ok()).count() as u64,
        delimiter: file.delimiter.map(delimiter_name),
        file: file.file,
        format: file.format,
        encoding: file.encoding,
        sheet: file.sheet,
        headers: file.headers,
        columns: file.columns,
        warnings: file.warnings,
        warnings_worded: file.warnings_worded,
    })
}

/// A roster file read and validated for an event, not yet written: the
/// first half of an import ([`read`], then [`commit`]). Between the two the
/// facade writes the rejects file, as an export.
pub struct ReadRoster {
    file: RosterFile,
    pub report: ImportReport,
}

impl ReadRoster {
    /// The rejected rows as CSV bytes (UTF-8 with BOM).
    pub fn rejects_csv(&self) -> Vec<u8> {
        import::rejects::rejects_csv_bytes(&self.file)
    }
}

/// Reads and validates the roster at `path` for `event_id`; writes nothing.
/// `progress(done, total)` covers the first half of the import.
pub fn read(store: &Store, event_id: &str, path: &Path, dry_run: bool, mapping: &import::Mapping, progress: &mut dyn FnMut(u64, u64)) -> Result<ReadRoster> {
    if store::events::get(store, event_id)?.is_none() {
        return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
    }
    // Reading is the first half of the work, writing the second.
    let file = import::read_roster_mapped(path, mapping, &mut |done, total| progress(done, total * 2))?;
    let mut report = ImportReport {
        file: file.file.clone(),
        format: file.format.clone(),
        encoding: file.encoding.clone(),
        dry_run,
        imported: 0,
        rejected: 0,
        duplicates: 0,
        warnings: file.warnings.clone(),
        warnings_worded: file.warnings_worded.clone(),
        errors: Vec::new(),
        duplicate_rows: Vec::new(),
        rejects_file: None,
        rejects_encrypted: None,
    };
    for row in &file.rows {
        if let Err(errors) = &row.outcome {
            report.rejected += 1;
            report.errors.extend(errors.iter().map(|e| RowError { line: row.line, field: e.field.clone(), message: e.message.clone(), msg: e.msg.clone() }));
        }
    }
    Ok(ReadRoster { file, report })
}

/// How long an import keeps giving way to the door before it publishes
/// regardless (the waiting writes then wait for it, up to
/// `store::door::BUSY_TIMEOUT`).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// One new trainee as planned outside the write lock: its id and code (its
/// column values are made and judged by the sync rules while it is
/// published, on a thread of their own: [`Planned::publish`]).
struct NewRow {
    id: String,
    code: String,
}

/// Rows made ready ahead of the publishing transaction's inserts, at most.
const PREPARE_AHEAD: usize = 4096;
/// Rows made ready are handed over this many at a time (one hand-over per
/// row cost a wake-up of the other thread per row: 5% of the import's CPU).
const HAND_OVER: usize = 256;

/// Writes the good rows of a [`read`] roster in one transaction (none on a
/// dry run); `progress` covers the second half of the import.
///
/// The door must not wait behind it, so the transaction holds as little as
/// possible and gives way: outside the lock ([`plan`]) the rows are
/// classified against the store as it is (duplicates by ID number or name +
/// mobile, the file's own earlier rows included), and each new one gets its
/// id and code. The publishing transaction ([`Planned::publish`]) then
/// re-reads the event's keys and codes, repeats the classification against
/// them (a row that became a duplicate meanwhile is one; a code taken
/// meanwhile is drawn again) — unless nothing was written since the plan
/// (the store's version, `PRAGMA data_version` and this connection's row
/// changes, says so), when the plan's verdicts stand — and inserts the rows,
/// their change-log entries and the one audit line: all or nothing. (The
/// door's search keys are not written: each connection makes them from the
/// rows, `store::search`.)
/// Each row's column values are made (and judged by the sync rules) on a
/// second thread while the transaction inserts the rows before it (the
/// inserts are SQLite's, on one core; the other makes the rows), 64 rows to
/// a statement; each insert is logged by reference to its row (migration
/// 0014: a hundred thousand entries of some 110 bytes instead of 430), and a
/// big load builds the trainees' indexes after its rows
/// (`store::roster::defer_indexes`).
/// Whenever a check-in (any other write) waits for the lock, it rolls back,
/// lets it through and starts again (`store::door`), for up to [`PATIENCE`].
pub fn commit(store: &mut Store, event_id: &str, read: ReadRoster, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport> {
    let planned = plan(store, event_id, read)?;
    if planned.report.dry_run {
        let total = planned.total();
        progress(total * 2, total * 2);
        return Ok(planned.report);
    }
    planned.publish(store, progress)
}

/// A read roster classified against the store as it was, its new rows made
/// ready: the first step of [`commit`], outside the write lock.
pub struct Planned {
    event_id: String,
    file: RosterFile,
    /// For a dry run, complete; otherwise what the file says (rejects).
    pub report: ImportReport,
    /// Per valid row (file order): the new trainee, or `None` for a
    /// duplicate. Empty for a dry run, which only counts (in `report`).
    rows: Vec<Option<NewRow>>,
    /// When the rows were planned: their `created_at`.
    now: String,
    /// The store's version (`Store::version`) before the event's trainees
    /// were read for the classification.
    version: (i64, i64),
}

/// Classifies the rows of `read` against the event as it is now and gives
/// the new ones ids and codes. Writes nothing.
pub fn plan(store: &Store, event_id: &str, read: ReadRoster) -> Result<Planned> {
    let ReadRoster { file, mut report } = read;
    // Read first: a write committed while (or after) the trainees are read
    // changes it, so an equal version later means they are still as read.
    let version = store.version()?;
    let snapshot = store::trainees::roster_state(store, event_id)?;
    let mut seen = snapshot.keys;
    let mut taken = snapshot.codes;
    let now = store.now();
    // Classified, given an id (in file order) and a code, one row after
    // another.
    let mut rows: Vec<Option<NewRow>> = Vec::with_capacity(file.rows.len());
    let mut ids = OrderedIds::new(crate::clock::now_ms());
    let mut draw = crate::code::Draw::new();
    {
        for (line, fields) in valid_rows(&file) {
            if seen.matches(fields) {
                if report.dry_run {
                    report.duplicates += 1;
                    report.duplicate_rows.push(DuplicateRow { line, name: fields.name.clone() });
                } else {
                    rows.push(None);
                }
            } else if report.dry_run {
                seen.add(fields);
                report.imported += 1;
            } else {
                seen.add(fields);
                rows.push(Some(NewRow { id: ids.next_id(), code: fresh_code(&mut taken, &mut draw) }));
            }
        }
    }
    Ok(Planned { event_id: event_id.to_string(), file, report, rows, now, version })
}

fn valid_rows(file: &RosterFile) -> impl Iterator<Item = (u64, &TraineeFields)> {
    file.rows.iter().filter_map(|r| r.outcome.as_ref().ok().map(|f| (r.line, f)))
}

impl Planned {
    fn total(&self) -> u64 {
        self.file.rows.len() as u64
    }

    /// The codes given to the new rows, in file order (tests of a code
    /// taken meanwhile).
    #[doc(hidden)]
    pub fn codes(&self) -> Vec<String> {
        self.rows.iter().flatten().map(|r| r.code.clone()).collect()
    }

    /// The last step of [`commit`]: the one transaction that re-checks and
    /// publishes the rows, giving way to the door.
    pub fn publish(self, store: &mut Store, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport> {
        if self.report.dry_run {
            return Err(Error::invalid("a dry run writes nothing"));
        }
        let Planned { event_id, file, mut report, rows, now, version } = self;
        let total = file.rows.len() as u64;
        progress(total, total * 2);
        let valid: Vec<(u64, &TraineeFields)> = valid_rows(&file).collect();
        let event_id = event_id.as_str();
        let rejected = report.rejected;
        let file_name = file.file.as_str();
        let new: Vec<(&TraineeFields, &NewRow)> = valid.iter().zip(&rows).filter_map(|((_, f), r)| r.as_ref().map(|r| (*f, r))).collect();
        let (new, now) = (&new, now.as_str());
        let publish = |w: &mut store::Writer<'_>, ear: &store::Listener| -> Result<Option<(u64, Vec<DuplicateRow>)>> {
            std::thread::scope(|scope| {
                // This attempt's new rows made ready (values, judged by the
                // sync rules) in order, a little ahead of the inserts, and
                // dropped once inserted: an attempt that gives way makes them
                // again rather than holding all of them (a hundred thousand
                // rows' values were a third of the import's memory).
                let (send, ready) = std::sync::mpsc::sync_channel::<Vec<Result<store::Prepared>>>(PREPARE_AHEAD / HAND_OVER);
                scope.spawn(move || {
                    for part in new.chunks(HAND_OVER) {
                        let made = part.iter().map(|(fields, r)| store::trainees::prepare_as(r.id.clone(), event_id, fields, &r.code, now)).collect();
                        // The receiver gone: this attempt failed, gave way or finished.
                        if send.send(made).is_err() {
                            return;
                        }
                    }
                });
                let mut feed = Feed { ready, part: Vec::new().into_iter(), next: 0 };
                w.bulk();
                // The event's trainees as the plan classified against: then
                // its verdicts stand (a duplicate is one, a code is free) and
                // the rows need not be classified again.
                let as_planned = store::Store::version_in(w)? == version;
                let (mut seen, held_codes) = if as_planned {
                    (None, std::collections::HashSet::new())
                } else {
                    let state = store::trainees::roster_state_in(w, event_id)?;
                    (Some(state.keys), state.codes)
                };
                let deferred = store::roster::defer_indexes(w, rows.iter().flatten().count())?;
                // Codes to avoid when one must be drawn here (rare: built on demand).
                let mut taken: Option<std::collections::HashSet<String>> = None;
                let mut codes = crate::code::Draw::new();
                let mut draw = |now: &std::collections::HashSet<String>| -> String {
                    let taken = taken.get_or_insert_with(|| {
                        let mut t = now.clone();
                        t.extend(rows.iter().flatten().map(|r| r.code.clone()));
                        t
                    });
                    fresh_code(taken, &mut codes)
                };
                let mut imported = 0u64;
                let mut duplicates = Vec::new();
                // Which of the new rows (`feed`) `row` is.
                let mut k = 0;
                let mut pending: Vec<store::Prepared> = Vec::with_capacity(BATCH);
                for (i, ((line, fields), row)) in valid.iter().zip(&rows).enumerate() {
                    let this = k;
                    k += row.is_some() as usize;
                    if i % store::roster::LISTEN_EVERY == 0 && ear.door_waiting() {
                        return Ok(None);
                    }
                    let duplicate = match &mut seen {
                        None => row.is_none(),
                        Some(seen) => {
                            let again = seen.matches(fields);
                            if !again {
                                seen.add(fields);
                            }
                            again
                        }
                    };
                    if duplicate {
                        duplicates.push(DuplicateRow { line: *line, name: fields.name.clone() });
                        continue;
                    }
                    imported += 1;
                    let p = match row {
                        Some(r) if !held_codes.contains(&r.code) => feed.take(this)?,
                        // A code given out meanwhile, or a row that was a
                        // duplicate when planned and no longer is: made here.
                        _ => store::trainees::prepare(event_id, fields, &draw(&held_codes), &w.now())?,
                    };
                    pending.push(p);
                    if pending.len() == BATCH {
                        insert_pending(w, &mut pending)?;
                    }
                }
                insert_pending(w, &mut pending)?;
                if let Some(d) = &deferred {
                    if !store::roster::rebuild_indexes(w, d, ear)? {
                        return Ok(None);
                    }
                }
                w.audit(store::AuditRecord {
                    event_id: Some(event_id.to_string()),
                    action: "import",
                    entity: Some("trainee"),
                    after: Some(serde_json::json!({
                        "file": file_name, "imported": imported,
                        "rejected": rejected, "duplicates": duplicates.len(),
                    })),
                    ..Default::default()
                })?;
                Ok(Some((imported, duplicates)))
            })
        };
        let ((imported, duplicates), _yielded) = store.write_yielding(PATIENCE, publish)?;
        report.imported = imported;
        report.duplicates = duplicates.len() as u64;
        report.duplicate_rows = duplicates;
        progress(total * 2, total * 2);
        Ok(report)
    }
}

/// New rows inserted by one statement (and their change-log entries by
/// another): 64 rows of 16 values.
const BATCH: usize = 64;

/// Inserts the new rows waiting in `pending`, in order, and empties it.
fn insert_pending(w: &mut store::Writer<'_>, pending: &mut Vec<store::Prepared>) -> Result<()> {
    let rows: Vec<&store::Prepared> = pending.iter().collect();
    store::trainees::insert_prepared_many(w, &rows)?;
    pending.clear();
    Ok(())
}

/// The new rows of one attempt of the publishing transaction, as the thread
/// that makes them hands them over, taken in order.
struct Feed {
    ready: std::sync::mpsc::Receiver<Vec<Result<store::Prepared>>>,
    part: std::vec::IntoIter<Result<store::Prepared>>,
    /// The number (among the new rows) of the next one in `part`.
    next: usize,
}

impl Feed {
    /// The `k`th new row, waiting for it; the rows before it that were not
    /// taken (they became duplicates) are dropped, their errors with them.
    fn take(&mut self, k: usize) -> Result<store::Prepared> {
        loop {
            match self.part.next() {
                Some(p) => {
                    let at = self.next;
                    self.next += 1;
                    match at.cmp(&k) {
                        std::cmp::Ordering::Less => {}
                        std::cmp::Ordering::Equal => return p,
                        std::cmp::Ordering::Greater => return Err(Error::invalid("the import took its rows out of order")),
                    }
                }
                None => match self.ready.recv() {
                    Ok(part) => self.part = part.into_iter(),
                    // Only if that thread died (its panic is raised when it is joined).
                    Err(_) => return Err(Error::invalid("the import's rows stopped coming")),
                },
            }
        }
    }
}

/// A code not in `taken`, which it joins.
fn fresh_code(taken: &mut std::collections::HashSet<String>, draw: &mut crate::code::Draw) -> String {
    loop {
        let code = draw.next_code();
        if !taken.contains(&code) {
            taken.insert(code.clone());
            return code;
        }
    }
}

/// Fresh UUIDv7 ids for an import's new rows, increasing in the order they
/// are drawn (file order is roster order: `store::trainees::list` sorts by
/// id), from one clock reading and one draw of randomness: the 74 bits
/// after the time are a random start plus the row's number. As unique as
/// `Uuid::now_v7` (whose counter works the same way within a millisecond),
/// without its clock reading, lock and two system calls per id.
struct OrderedIds {
    ms: u64,
    next: u128,
}

impl OrderedIds {
    /// Ids of the Unix millisecond `ms`.
    fn new(ms: u64) -> OrderedIds {
        let mut seed = [0u8; 16];
        if getrandom::fill(&mut seed).is_err() {
            // No randomness: the time of day to the nanosecond, as a start.
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            seed = nanos.to_le_bytes();
        }
        // 72 random bits: 2^72 more ids fit before the 74 bits run out.
        OrderedIds { ms, next: u128::from_le_bytes(seed) & ((1u128 << 72) - 1) }
    }

    fn next_id(&mut self) -> String {
        let c = self.next;
        self.next += 1;
        let rand_a = (c >> 62) & 0xFFF;
        let rand_b = c & ((1u128 << 62) - 1);
        let v = (u128::from(self.ms) & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b;
        uuid::Uuid::from_u128(v).to_string()
    }
}

/// The rejected rows of the roster at `path` as a CSV (UTF-8 with BOM) for
/// the organiser to fix and re-import.
pub fn rejects_csv(path: &Path) -> Result<Vec<u8>> {
    let file: RosterFile = import::read_roster(path, &mut |_, _| {})?;
    Ok(import::rejects::rejects_csv_bytes(&file))
}

#[cfg(test)]
mod tests {
    use super::OrderedIds;

    /// An import's ids are UUIDv7 of the given millisecond, in the order
    /// drawn, each once (the roster's order is the file's).
    #[test]
    fn ordered_ids_are_v7_and_increase() {
        let ms = 1_796_285_196_847;
        let mut ids = OrderedIds::new(ms);
        let drawn: Vec<String> = (0..10_000).map(|_| ids.next_id()).collect();
        for id in &drawn {
            let u = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(u.get_version_num(), 7, "{id}");
            assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{id}");
            let (secs, nanos) = u.get_timestamp().unwrap().to_unix();
            assert_eq!(secs * 1000 + u64::from(nanos) / 1_000_000, ms, "{id}");
            assert!(muster_protocol::rules::is_uuid(id));
        }
        assert!(drawn.windows(2).all(|w| w[0] < w[1]), "increasing");
        // Another import in the same millisecond draws other ids.
        let other: Vec<String> = (0..10).map(|_| OrderedIds::new(ms).next_id()).collect();
        assert!(other.iter().all(|id| !drawn.contains(id)));
    }
}
