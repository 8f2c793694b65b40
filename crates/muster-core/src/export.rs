//! Writing reports to files a coordinator opens in Excel: XLSX
//! (rust_xlsxwriter) and CSV (UTF-8 with BOM). Files are written to a
//! temporary name beside the target and renamed, so a crash never leaves
//! half a report.

use crate::attendance::AttendanceReport;
use crate::{Error, Result};
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

fn xlsx_err(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::io(path.display(), std::io::Error::other(e.to_string()))
}

fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(tmp.display(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path.display(), e))
}

/// The rows of the per-trainee sheet: header, then one row per trainee.
fn trainee_rows(r: &AttendanceReport) -> Vec<Vec<String>> {
    let mut header = vec!["姓名 Name".to_string(), "编号 Code".to_string()];
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

pub fn attendance_xlsx(r: &AttendanceReport, path: &Path) -> Result<()> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("Sessions").map_err(|e| xlsx_err(path, e))?;
    let heads = ["场次 Session", "开始 Starts", "结束 Ends", "应到 Expected", "实到 Arrived", "出席 Present", "迟到 Late", "早退 Left early", "缺席 Absent"];
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(|e| xlsx_err(path, e))?;
    }
    for (i, s) in r.sessions.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &s.title).map_err(|e| xlsx_err(path, e))?;
        sheet.write_string(row, 1, &s.starts_at).map_err(|e| xlsx_err(path, e))?;
        sheet.write_string(row, 2, &s.ends_at).map_err(|e| xlsx_err(path, e))?;
        for (c, n) in [s.expected, s.arrived, s.present, s.late, s.left_early, s.absent].iter().enumerate() {
            sheet.write_number(row, c as u16 + 3, *n as f64).map_err(|e| xlsx_err(path, e))?;
        }
    }
    sheet.set_column_width(0, 36).map_err(|e| xlsx_err(path, e))?;
    let sheet = wb.add_worksheet();
    sheet.set_name("Trainees").map_err(|e| xlsx_err(path, e))?;
    for (ri, row) in trainee_rows(r).iter().enumerate() {
        for (ci, cell) in row.iter().enumerate() {
            let (ri, ci) = (ri as u32, ci as u16);
            let numeric = ri > 0 && ci as usize >= row.len() - 2;
            match (ri, numeric, cell.parse::<f64>()) {
                (0, _, _) => sheet.write_string_with_format(ri, ci, cell, &bold),
                (_, true, Ok(n)) => sheet.write_number(ri, ci, n),
                _ => sheet.write_string(ri, ci, cell),
            }
            .map_err(|e| xlsx_err(path, e))?;
        }
    }
    sheet.set_column_width(0, 16).map_err(|e| xlsx_err(path, e))?;
    let bytes = wb.save_to_buffer().map_err(|e| xlsx_err(path, e))?;
    atomic_write(path, &bytes)
}

/// The per-trainee sheet as CSV, UTF-8 with BOM.
pub fn attendance_csv(r: &AttendanceReport, path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in trainee_rows(r) {
        w.write_record(&row).map_err(|e| Error::io(path.display(), std::io::Error::other(e.to_string())))?;
    }
    let bytes = w.into_inner().map_err(|e| Error::io(path.display(), std::io::Error::other(e.to_string())))?;
    atomic_write(path, &bytes)
}
