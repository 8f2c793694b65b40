//! Roster import into an event: preview, duplicate detection and the
//! all-or-nothing commit.
//!
//! Reading and validating the file is `crate::import`'s job; here each valid
//! row is checked against the event's trainees (and the earlier rows of the
//! same file) by ID number and by name + mobile, and the new ones are written
//! in one transaction. A crash mid-import leaves all or nothing.

use crate::import::{self, ColumnMapping, RosterFile};
use crate::store::{self, Store};
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

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
}

/// One problem of one rejected row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
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

pub fn preview(path: &Path) -> Result<RosterPreview> {
    let file = import::read_roster(path, &mut |_, _| {})?;
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
pub fn read(store: &Store, event_id: &str, path: &Path, dry_run: bool, progress: &mut dyn FnMut(u64, u64)) -> Result<ReadRoster> {
    if store::events::get(store, event_id)?.is_none() {
        return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
    }
    // Reading is the first half of the work, writing the second.
    let file = import::read_roster(path, &mut |done, total| progress(done, total * 2))?;
    let mut report = ImportReport {
        file: file.file.clone(),
        format: file.format.clone(),
        encoding: file.encoding.clone(),
        dry_run,
        imported: 0,
        rejected: 0,
        duplicates: 0,
        warnings: file.warnings.clone(),
        errors: Vec::new(),
        duplicate_rows: Vec::new(),
        rejects_file: None,
        rejects_encrypted: None,
    };
    for row in &file.rows {
        if let Err(errors) = &row.outcome {
            report.rejected += 1;
            report.errors.extend(errors.iter().map(|e| RowError { line: row.line, field: e.field.clone(), message: e.message.clone() }));
        }
    }
    Ok(ReadRoster { file, report })
}

/// Writes the good rows of a [`read`] roster in one transaction (none on a
/// dry run); `progress` covers the second half of the import.
pub fn commit(store: &mut Store, event_id: &str, read: ReadRoster, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport> {
    let ReadRoster { file, mut report } = read;
    let dry_run = report.dry_run;
    let total = file.rows.len() as u64;

    let mut write = |w: &mut store::Writer<'_>, report: &mut ImportReport| -> Result<()> {
        // One audit line for the file, not one per row.
        w.bulk();
        let mut seen = store::trainees::duplicate_keys(w, event_id)?;
        for (i, row) in file.rows.iter().enumerate() {
            let Ok(fields) = &row.outcome else { continue };
            if seen.matches(fields) {
                report.duplicates += 1;
                report.duplicate_rows.push(DuplicateRow { line: row.line, name: fields.name.clone() });
            } else {
                seen.add(fields);
                if !dry_run {
                    store::trainees::insert(w, event_id, fields)?;
                }
                report.imported += 1;
            }
            if i % 1000 == 999 {
                progress(total + i as u64 + 1, total * 2);
            }
        }
        if !dry_run {
            w.audit(store::AuditRecord {
                event_id: Some(event_id.to_string()),
                action: "import",
                entity: Some("trainee"),
                after: Some(serde_json::json!({
                    "file": file.file, "imported": report.imported,
                    "rejected": report.rejected, "duplicates": report.duplicates,
                })),
                ..Default::default()
            })?;
        }
        Ok(())
    };
    // A dry run still reads the duplicate keys inside a transaction, so its
    // counts are what a real import would do at that moment; it inserts nothing.
    store.write(|w| write(w, &mut report))?;
    progress(total * 2, total * 2);
    Ok(report)
}

/// The rejected rows of the roster at `path` as a CSV (UTF-8 with BOM) for
/// the organiser to fix and re-import.
pub fn rejects_csv(path: &Path) -> Result<Vec<u8>> {
    let file: RosterFile = import::read_roster(path, &mut |_, _| {})?;
    Ok(import::rejects::rejects_csv_bytes(&file))
}
