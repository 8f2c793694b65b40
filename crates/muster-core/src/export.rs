//! Exports: files that leave the store for a coordinator's Excel or the
//! central office — the attendance report (XLSX, CSV), the rejects CSVs of
//! a roster or a responses import, the portrait XLSX, the sneakernet sync
//! file.
//!
//! **Every export is written by [`write`]** (through
//! `Muster::write_export`), which applies one policy: when the store is
//! encrypted and the user did not explicitly ask for a plain file, the bytes
//! are sealed in an AES-256 ZIP ([`crate::seal`]) with the export
//! passphrase (else the store's) and written to `<path>.zip`; otherwise the
//! plain file is written exactly at `path`. Either way it goes to a
//! temporary sibling, fsynced and renamed: never half a file. The functions
//! below only make bytes.

use crate::attendance::AttendanceReport;
use crate::store::Store;
use crate::output::{self, OutputKind};
use crate::{seal, Error, ErrorKind, Result};
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;
use std::path::Path;

/// What is exported (the audit log and the sealed file's inner name use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    AttendanceXlsx,
    AttendanceCsv,
    /// The rejected rows of a roster file.
    RejectsCsv,
    /// The rejected rows of a responses file.
    ResponsesRejectsCsv,
    PortraitXlsx,
    /// Every change of the store (sneakernet, `muster-sync`).
    SyncFile,
    /// The audit log (`muster audit --csv`, the app's audit screen).
    AuditCsv,
}

impl ExportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::AttendanceXlsx => "attendance_xlsx",
            ExportKind::AttendanceCsv => "attendance_csv",
            ExportKind::RejectsCsv => "rejects_csv",
            ExportKind::ResponsesRejectsCsv => "responses_rejects_csv",
            ExportKind::PortraitXlsx => "portrait_xlsx",
            ExportKind::SyncFile => "sync_file",
            ExportKind::AuditCsv => "audit_csv",
        }
    }

    /// The extension of the plain file.
    pub fn extension(self) -> &'static str {
        match self {
            ExportKind::AttendanceXlsx | ExportKind::PortraitXlsx => "xlsx",
            ExportKind::AttendanceCsv | ExportKind::RejectsCsv | ExportKind::ResponsesRejectsCsv | ExportKind::AuditCsv => "csv",
            ExportKind::SyncFile => "muster",
        }
    }
}

/// One export to write: see [`write`].
#[derive(Debug, Clone)]
pub struct ExportRequest<'a> {
    /// The event it belongs to, if any (for the audit log).
    pub event_id: Option<&'a str>,
    pub kind: ExportKind,
    /// Where the user asked for it (a sealed export goes to `<path>.zip`).
    pub path: &'a Path,
    pub bytes: &'a [u8],
    /// The user explicitly asked for a plain, unencrypted file.
    pub plain: bool,
}

/// An export as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportedFile {
    pub kind: ExportKind,
    /// The path really written (`<path>.zip` when sealed).
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Sealed in an AES-256 ZIP.
    pub encrypted: bool,
}

/// Where an export of `kind` asked at `path` is really written, and what
/// it is there: `<path>.zip`, sealed, when the store is encrypted and
/// `plain` is false; else `path`, the plain file.
pub(crate) fn target(store: &Store, path: &Path, kind: ExportKind, plain: bool) -> (std::path::PathBuf, OutputKind) {
    if sealing_passphrase(store, plain).is_some() {
        (seal::sealed_path(path), OutputKind::Sealed)
    } else {
        (path.to_path_buf(), OutputKind::of_export(kind))
    }
}

fn sealing_passphrase(store: &Store, plain: bool) -> Option<&str> {
    if plain || !store.encrypted() {
        None
    } else {
        store.export_passphrase().or(store.passphrase())
    }
}

/// Writes an export by the policy (module doc): sealed to `<path>.zip`
/// when the store is encrypted and `plain` is false, else plain at `path`;
/// the file really written passes the output guard first
/// ([`crate::output`]: never the store or one of `inputs`; another kind of
/// file only with `force`).
pub(crate) fn write(store: &Store, req: &ExportRequest<'_>, inputs: &[&Path], force: bool) -> Result<ExportedFile> {
    let path = req.path;
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(Error::invalid_at("choose where to save the file", None, None, Some("path")));
    }
    let passphrase = sealing_passphrase(store, req.plain);
    let (out, kind) = target(store, path, req.kind, req.plain);
    output::check(&out, kind, &output::Guard { store: Some(store.path()), inputs, force })?;
    let (file, bytes) = match passphrase {
        Some(p) => {
            let sealed = seal::seal(&out, &inner_name(path, req.kind), req.bytes, p)?;
            seal::write_atomic(&out, &sealed)?;
            (out, sealed.len() as u64)
        }
        None => {
            seal::write_atomic(path, req.bytes)?;
            (path.to_path_buf(), req.bytes.len() as u64)
        }
    };
    Ok(ExportedFile { kind: req.kind, file: file.display().to_string(), bytes, encrypted: passphrase.is_some() })
}

/// The name of the file inside a sealed export of `path`: its file name
/// (`report.xlsx` for `report.xlsx` or `report.xlsx.zip`), given the kind's
/// extension when it has none (`report.zip` → `report.xlsx`).
fn inner_name(path: &Path, kind: ExportKind) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = match name.rsplit_once('.') {
        Some((stem, ext)) if ext.eq_ignore_ascii_case(seal::EXTENSION) && !stem.is_empty() => stem.to_string(),
        _ => name,
    };
    if Path::new(&stem).extension().is_some() {
        stem
    } else {
        format!("{stem}.{}", kind.extension())
    }
}

/// Opens a sealed export with the passphrases this store knows: the export
/// passphrase if set, then the store's. A plain store, or none that opens
/// it, is an `invalid_input` error with field `passphrase`.
pub(crate) fn open_sealed(store: &Store, path: &Path) -> Result<(String, Vec<u8>)> {
    let candidates: Vec<&str> = store.export_passphrase().into_iter().chain(store.passphrase()).collect();
    let Some((last, first)) = candidates.split_last() else {
        let file = path.display().to_string();
        return Err(Error::invalid_at(
            format!("{file} is encrypted: open it with its passphrase (MUSTER_EXPORT_PASSPHRASE or `muster decrypt`)"),
            Some(&file),
            None,
            Some("passphrase"),
        )
        .kind(ErrorKind::WrongPassphrase));
    };
    for p in first {
        match seal::open(path, p) {
            Err(e) if e.is_wrong_passphrase() => continue,
            other => return other,
        }
    }
    seal::open(path, last)
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::io("attendance report", std::io::Error::other(e.to_string()))
}

/// How the attendance CSV's header line starts (the output guard knows
/// Muster's CSVs by it).
pub(crate) const ATTENDANCE_CSV_HEADER: &str = "姓名 Name,编号 Code";

/// A workbook whose document properties name Muster as its creator, so the
/// output guard can tell a workbook Muster wrote from an organiser's own.
pub(crate) fn workbook() -> Workbook {
    let mut wb = Workbook::new();
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_author(output::XLSX_CREATOR));
    wb
}

/// The rows of the per-trainee sheet: header, then one row per trainee.
fn trainee_rows(r: &AttendanceReport) -> Vec<Vec<String>> {
    let (name, code) = ATTENDANCE_CSV_HEADER.split_once(',').unwrap_or_default();
    let mut header = vec![name.to_string(), code.to_string()];
    for s in &r.sessions {
        header.push(format!("{} ({})", s.title, s.starts_at.replace('T', " ")));
    }
    header.push("学时 Hours".into());
    header.push("应到学时 Scheduled".into());
    let mut rows = vec![header];
    for t in &r.trainees {
        let mut row = vec![t.name.clone(), t.code.clone().unwrap_or_default()];
        for s in &r.sessions {
            row.push(t.sessions.get(&s.id).map(|a| a.status.as_str().to_string()).unwrap_or_default());
        }
        row.push(format!("{:.2}", t.hours));
        row.push(format!("{:.2}", t.scheduled_hours));
        rows.push(row);
    }
    rows
}

/// The attendance report as an XLSX workbook (sheets Sessions and
/// Trainees).
pub fn attendance_xlsx(r: &AttendanceReport) -> Result<Vec<u8>> {
    let mut wb = workbook();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("Sessions").map_err(xlsx_error)?;
    let heads = ["场次 Session", "开始 Starts", "结束 Ends", "应到 Expected", "实到 Arrived", "出席 Present", "迟到 Late", "早退 Left early", "缺席 Absent"];
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx_error)?;
    }
    for (i, s) in r.sessions.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &s.title).map_err(xlsx_error)?;
        sheet.write_string(row, 1, &s.starts_at).map_err(xlsx_error)?;
        sheet.write_string(row, 2, &s.ends_at).map_err(xlsx_error)?;
        for (c, n) in [s.expected, s.arrived, s.present, s.late, s.left_early, s.absent].iter().enumerate() {
            sheet.write_number(row, c as u16 + 3, *n as f64).map_err(xlsx_error)?;
        }
    }
    sheet.set_column_width(0, 36).map_err(xlsx_error)?;
    let sheet = wb.add_worksheet();
    sheet.set_name("Trainees").map_err(xlsx_error)?;
    for (ri, row) in trainee_rows(r).iter().enumerate() {
        for (ci, cell) in row.iter().enumerate() {
            let (ri, ci) = (ri as u32, ci as u16);
            let numeric = ri > 0 && ci as usize >= row.len() - 2;
            match (ri, numeric, cell.parse::<f64>()) {
                (0, _, _) => sheet.write_string_with_format(ri, ci, cell, &bold),
                (_, true, Ok(n)) => sheet.write_number(ri, ci, n),
                _ => sheet.write_string(ri, ci, cell),
            }
            .map_err(xlsx_error)?;
        }
    }
    sheet.set_column_width(0, 16).map_err(xlsx_error)?;
    wb.save_to_buffer().map_err(xlsx_error)
}

/// The per-trainee sheet as CSV (the one writer, `crate::csv_out`: UTF-8
/// with BOM, formulas neutralised).
pub fn attendance_csv(r: &AttendanceReport) -> Result<Vec<u8>> {
    let mut w = crate::csv_out::Csv::new();
    for row in trainee_rows(r) {
        w.record(&row);
    }
    Ok(w.finish())
}
