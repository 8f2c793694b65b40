//! The one CSV writer of Muster: every CSV it writes (the rejects of a
//! roster or responses import, the attendance report, the audit log, any
//! later one) is made here, so every one is safe to open in Excel.
//!
//! The file: UTF-8 with a BOM (Excel on Chinese Windows otherwise opens it
//! as GBK), comma-separated, CRLF line ends, a field quoted when it holds a
//! comma, a quote, a line break or edge spaces (RFC 4180).
//!
//! **CSV injection** (OWASP's "CSV Injection" guidance): a cell starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
//! LibreOffice and WPS (`=HYPERLINK("http://…","点我")`, `@SUM(1)`), run when
//! the file is opened. Such a cell is written with a single quote `'` before
//! it ([`neutralize`]): the spreadsheet shows it as text, the quote visible.
//! The one exception is a plain negative number (`-3`, `-2.5`: a minus, then
//! digits with at most one decimal point), which no spreadsheet runs and
//! which stays readable as a number. Reading a CSV back ([`read_back`])
//! takes that quote off again.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as it is safe to write: with `'` before it when it starts with one
/// of [`FORMULA_STARTS`] and is not a plain negative number.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) && !is_negative_number(cell) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV cell as read back: the `'` that [`neutralize`] put before a
/// formula-like cell is taken off again, so that a rejects file fixed in
/// Excel imports as it was (`'+86 138 1234 5678` is `+86 138 1234 5678`
/// again). The importer reads every CSV cell through it.
pub fn read_back(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// `-` then digits, with at most one `.` between digits: `-3`, `-2.5`.
fn is_negative_number(cell: &str) -> bool {
    let Some(rest) = cell.strip_prefix('-') else { return false };
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(frac)
}

/// A CSV file being written in memory: [`Csv::new`], a [`Csv::record`] per
/// line, then [`Csv::finish`] for the bytes.
pub struct Csv {
    out: Vec<u8>,
}

impl Default for Csv {
    fn default() -> Self {
        Csv::new()
    }
}

impl Csv {
    /// An empty file: just the BOM.
    pub fn new() -> Csv {
        Csv { out: b"\xEF\xBB\xBF".to_vec() }
    }

    /// Appends one record: each field neutralised, quoted if it needs it,
    /// the line ended with CRLF.
    pub fn record<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let field = neutralize(field.as_ref());
            if field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ') {
                self.out.push(b'"');
                self.out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
                self.out.push(b'"');
            } else {
                self.out.extend_from_slice(field.as_bytes());
            }
        }
        self.out.extend_from_slice(b"\r\n");
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (cell, written) in [
            ("=1+2", "'=1+2"),
            ("+SUM(1+1)", "'+SUM(1+1)"),
            ("@SUM(1)", "'@SUM(1)"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("\tx", "'\tx"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-3", "-3"),
            ("-2.5", "-2.5"),
            ("-2.", "'-2."),
            ("-1e5", "'-1e5"),
            ("王芳", "王芳"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(neutralize(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn neutralised_cells_read_back_as_they_were() {
        for cell in ["=1+2", "+86 138 1234 5678", "-", "@SUM(1)", "\tx", "'quoted", "'", "-3", "王芳"] {
            assert_eq!(read_back(&neutralize(cell)), cell, "{cell:?}");
        }
    }

    #[test]
    fn records_are_quoted_as_rfc_4180_says() {
        let mut csv = Csv::new();
        csv.record(["a", "b,c", "say \"hi\"", " x", "=HYPERLINK(\"http://e.x\",\"点我\")"]);
        csv.record(Vec::<String>::new());
        let text = String::from_utf8(csv.finish()).unwrap();
        assert_eq!(
            text,
            "\u{FEFF}a,\"b,c\",\"say \"\"hi\"\"\",\" x\",\"'=HYPERLINK(\"\"http://e.x\"\",\"\"点我\"\")\"\r\n\r\n"
        );
    }
}
