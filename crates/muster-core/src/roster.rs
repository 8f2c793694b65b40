//! Roster import into an event: preview, duplicate detection and the
//! all-or-nothing commit.
//!
//! Reading and validating the file is `crate::import`'s job; here each valid
//! row is checked against the event's trainees (and the earlier rows of the
//! same file) by ID number and by name + mobile, and the new ones are written
//! in one transaction — classified and made ready on a second core while
//! this one inserts, and giving way to the door while it runs (see
//! [`commit`]). A crash mid-import leaves all or nothing.

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

/// Rows made ready ahead of the transaction's inserts, at most.
const PREPARE_AHEAD: usize = 4096;
/// Rows made ready are handed over this many at a time (one hand-over per
/// row cost a wake-up of the other thread per row: 5% of the import's CPU).
const HAND_OVER: usize = 256;

/// Writes the good rows of a [`read`] roster in one transaction (none on a
/// dry run, which classifies against the store as it is and counts:
/// [`dry_run`]); `progress` covers the second half of the import.
///
/// The transaction ([`publish`]) reads the event's duplicate keys and codes,
/// and a second thread classifies the rows against them in file order
/// (duplicates by ID number or name + mobile, the file's own earlier rows
/// included), gives each new one its id and a code no trainee of the event
/// holds, and makes its column values (judged by the sync rules), a few
/// thousand rows ahead of this thread, which inserts them, 64 rows to a
/// statement (the inserts are SQLite's, on one core; the other core does
/// the rest). Each insert is logged by reference to its row (migration
/// 0014: a hundred thousand entries of some 110 bytes instead of 430), a
/// big load builds the trainees' indexes after its rows
/// (`store::roster::defer_indexes`), and the one audit line goes with them:
/// all or nothing. (The door's search keys are not written: each connection
/// makes them from the rows, `store::search`.)
///
/// The door must not wait behind it: whenever a check-in (any other write)
/// waits for the lock, the transaction rolls back, lets it through and
/// starts again, classifying against the store as it is then (a row that
/// became a duplicate meanwhile is one), for up to [`PATIENCE`]
/// (`store::door`).
pub fn commit(store: &mut Store, event_id: &str, read: ReadRoster, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport> {
    if read.report.dry_run {
        let total = read.file.rows.len() as u64;
        let report = dry_run(store, event_id, read)?;
        progress(total * 2, total * 2);
        return Ok(report);
    }
    publish(store, event_id, read, progress)
}

/// What an import of `read` would do to the event as it is now: the
/// report of a dry run. Writes nothing.
pub fn dry_run(store: &Store, event_id: &str, read: ReadRoster) -> Result<ImportReport> {
    let ReadRoster { file, mut report } = read;
    let mut seen = store::trainees::roster_state(store, event_id)?.keys;
    for (line, fields) in valid_rows(&file) {
        if seen.first_sight(fields) {
            report.imported += 1;
        } else {
            report.duplicates += 1;
            report.duplicate_rows.push(DuplicateRow { line, name: fields.name.clone() });
        }
    }
    Ok(report)
}

fn valid_rows(file: &RosterFile) -> impl Iterator<Item = (u64, &TraineeFields)> {
    file.rows.iter().filter_map(|r| r.outcome.as_ref().ok().map(|f| (r.line, f)))
}

/// One valid row of the file, classified: a duplicate, or a new trainee
/// made ready (or refused by the sync rules).
enum Verdict {
    Duplicate(DuplicateRow),
    New(Result<store::Prepared>),
}

/// The write of [`commit`]: the one transaction that classifies and
/// inserts the rows, giving way to the door.
pub fn publish(store: &mut Store, event_id: &str, read: ReadRoster, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport> {
    let ReadRoster { file, mut report } = read;
    if report.dry_run {
        return Err(Error::invalid("a dry run writes nothing"));
    }
    let total = file.rows.len() as u64;
    progress(total, total * 2);
    let valid: Vec<(u64, &TraineeFields)> = valid_rows(&file).collect();
    let rejected = report.rejected;
    let file_name = file.file.as_str();
    let valid = &valid;
    let attempt = |w: &mut store::Writer<'_>, ear: &store::Listener| -> Result<Option<(u64, Vec<DuplicateRow>)>> {
        w.bulk();
        let now = w.now();
        let now = now.as_str();
        let state = store::trainees::roster_state_in(w, event_id)?;
        let deferred = store::roster::defer_indexes(w, valid.len())?;
        std::thread::scope(|scope| {
            // This attempt's rows classified and made ready in file order, a
            // little ahead of the inserts, and dropped once inserted: an
            // attempt that gives way makes them again (against the store as
            // it is then) rather than holding all of them.
            let (send, ready) = std::sync::mpsc::sync_channel::<Vec<Verdict>>(PREPARE_AHEAD / HAND_OVER);
            // The rows inserted come back to be dropped there, where they
            // were made (freeing another thread's blocks was a fifteenth of
            // this thread's work).
            let (give_back, returned) = std::sync::mpsc::channel::<Vec<store::Prepared>>();
            scope.spawn(move || {
                let store::trainees::RosterState { keys: mut seen, codes: mut taken } = state;
                let mut ids = OrderedIds::new(crate::clock::now_ms());
                let mut draw = crate::code::Draw::new();
                for part in valid.chunks(HAND_OVER) {
                    let made = part
                        .iter()
                        .map(|(line, fields)| {
                            if !seen.first_sight(fields) {
                                return Verdict::Duplicate(DuplicateRow { line: *line, name: fields.name.clone() });
                            }
                            let code = fresh_code(&mut taken, &mut draw);
                            Verdict::New(store::trainees::prepare_as(ids.next_id(), event_id, fields, &code, now))
                        })
                        .collect();
                    // The receiver gone: this attempt failed, gave way or finished.
                    if send.send(made).is_err() {
                        return;
                    }
                    while let Ok(done) = returned.try_recv() {
                        drop(done);
                    }
                }
                drop(send);
                // Until this attempt is over.
                for done in returned.iter() {
                    drop(done);
                }
            });
            let mut imported = 0u64;
            let mut duplicates = Vec::new();
            let mut pending: Vec<store::Prepared> = Vec::with_capacity(BATCH);
            let mut i = 0usize;
            // Ends when that thread has sent every row (or died: its panic is
            // raised when the scope joins it).
            for part in ready.iter() {
                progress(total + (i as u64) * total / valid.len().max(1) as u64, total * 2);
                for verdict in part {
                    if i.is_multiple_of(store::roster::LISTEN_EVERY) && ear.door_waiting() {
                        return Ok(None);
                    }
                    i += 1;
                    match verdict {
                        Verdict::Duplicate(d) => duplicates.push(d),
                        Verdict::New(p) => {
                            imported += 1;
                            pending.push(p?);
                            if pending.len() == BATCH {
                                insert_pending(w, &mut pending, &give_back)?;
                            }
                        }
                    }
                }
            }
            if i != valid.len() {
                return Err(Error::invalid("the import's rows stopped coming"));
            }
            insert_pending(w, &mut pending, &give_back)?;
            drop(give_back);
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
    let ((imported, duplicates), _yielded) = store.write_yielding(PATIENCE, attempt)?;
    report.imported = imported;
    report.duplicates = duplicates.len() as u64;
    report.duplicate_rows = duplicates;
    progress(total * 2, total * 2);
    // A hundred thousand rows of cells and fields are some 50 MB in a few
    // million blocks: freed off the caller's path (a CLI exits meanwhile).
    drop_aside(file);
    Ok(report)
}

/// Drops `x` on a thread of its own (here, with the closure, if none can be
/// started).
fn drop_aside<T: Send + 'static>(x: T) {
    let _ = std::thread::Builder::new().name("muster-drop".into()).spawn(move || drop(x));
}

/// New rows inserted by one statement (and their change-log entries by
/// another): 64 rows of 16 values.
const BATCH: usize = 64;

/// Inserts the new rows waiting in `pending`, in order, and hands them
/// back to be dropped (`done`).
fn insert_pending(w: &mut store::Writer<'_>, pending: &mut Vec<store::Prepared>, done: &std::sync::mpsc::Sender<Vec<store::Prepared>>) -> Result<()> {
    let rows: Vec<&store::Prepared> = pending.iter().collect();
    store::trainees::insert_prepared_many(w, &rows)?;
    // (Dropped here instead if that thread is gone.)
    let _ = done.send(std::mem::replace(pending, Vec::with_capacity(BATCH)));
    Ok(())
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
