//! The rejects file: the rows of a roster that were not imported, with the
//! original headers and a last column saying why, so the organiser can fix
//! them in Excel and import that file again.
//!
//! Made by the one CSV writer (`crate::csv_out`: UTF-8 with a BOM,
//! comma-separated, formulas neutralised); written as an export by the
//! facade (`Muster::write_export`: sealed when the store is encrypted).

use super::RosterFile;
use crate::csv_out::Csv;

/// The header of the column holding the reasons.
pub const REASON_HEADER: &str = "错误原因 / reason";

/// The rejected rows of `roster` as CSV bytes (UTF-8 with BOM).
pub fn rejects_csv_bytes(roster: &RosterFile) -> Vec<u8> {
    let mut csv = Csv::new();
    csv.record(roster.headers.iter().map(String::as_str).chain([REASON_HEADER]));
    for row in &roster.rows {
        let Err(errors) = &row.outcome else { continue };
        let reasons: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        let reason = format!("line {}: {}", row.line, reasons.join("; "));
        let mut cells: Vec<&str> = row.cells.iter().map(String::as_str).collect();
        cells.resize(roster.headers.len(), "");
        csv.record(cells.into_iter().chain([reason.as_str()]));
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{FieldError, RosterRow};

    #[test]
    fn quotes_and_reasons() {
        let roster = RosterFile {
            file: "r.csv".into(),
            format: "csv".into(),
            encoding: None,
            delimiter: Some(','),
            sheet: None,
            headers: vec!["姓名".into(), "手机".into()],
            columns: Vec::new(),
            rows: vec![
                RosterRow {
                    line: 2,
                    cells: vec!["王芳".into(), "13812345678".into()],
                    outcome: Ok(Default::default()),
                },
                RosterRow {
                    line: 3,
                    cells: vec!["Li, \"Bo\"".into(), "123".into()],
                    outcome: Err(vec![
                        FieldError {
                            field: "phone".into(),
                            message: "bad".into(),
                            msg: None,
                        },
                        FieldError {
                            field: "age".into(),
                            message: "old".into(),
                            msg: None,
                        },
                    ]),
                },
            ],
            warnings: Vec::new(),
            warnings_worded: Vec::new(),
        };
        let bytes = rejects_csv_bytes(&roster);
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(
            text,
            "\u{FEFF}姓名,手机,错误原因 / reason\r\n\"Li, \"\"Bo\"\"\",123,line 3: phone: bad; age: old\r\n"
        );
    }
}
