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
    /// Write the rejected rows (original columns + reason) here.
    pub rejects: Option<PathBuf>,
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
    /// Where the rejected rows were written, if asked.
    pub rejects_file: Option<String>,
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

/// Imports the roster at `path` into `event_id`. `progress(done, total)`
/// covers reading and writing.
pub fn import(
    store: &mut Store,
    event_id: &str,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportReport> {
    if store::events::get(store, event_id)?.is_none() {
        return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
    }
    // Reading is the first half of the work, writing the second.
    let file = import::read_roster(path, &mut |done, total| progress(done, total * 2))?;
    let total = file.rows.len() as u64;

    let mut report = ImportReport {
        file: file.file.clone(),
        format: file.format.clone(),
        encoding: file.encoding.clone(),
        dry_run: opts.dry_run,
        imported: 0,
        rejected: 0,
        duplicates: 0,
        warnings: file.warnings.clone(),
        errors: Vec::new(),
        duplicate_rows: Vec::new(),
        rejects_file: None,
    };
    for row in &file.rows {
        if let Err(errors) = &row.outcome {
            report.rejected += 1;
            report.errors.extend(errors.iter().map(|e| RowError { line: row.line, field: e.field.clone(), message: e.message.clone() }));
        }
    }
    if let Some(out) = &opts.rejects {
        import::rejects::write_rejects(out, &file)?;
        report.rejects_file = Some(out.display().to_string());
    }

    let mut write = |w: &mut store::Writer<'_>, report: &mut ImportReport| -> Result<()> {
        let mut seen = store::trainees::duplicate_keys(w, event_id)?;
        for (i, row) in file.rows.iter().enumerate() {
            let Ok(fields) = &row.outcome else { continue };
            if seen.matches(fields) {
                report.duplicates += 1;
                report.duplicate_rows.push(DuplicateRow { line: row.line, name: fields.name.clone() });
            } else {
                seen.add(fields);
                if !opts.dry_run {
                    store::trainees::insert(w, event_id, fields)?;
                }
                report.imported += 1;
            }
            if i % 1000 == 999 {
                progress(total + i as u64 + 1, total * 2);
            }
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
