//! CSV files attached to a form for `pulldata('file', 'column',
//! 'key_column', key)`: read when the form is imported, from `file.csv`
//! beside the XLSForm (where ODK tools expect a form's media), kept in the
//! stored form so keying looks values up offline.
//!
//! A file that is missing, too large or not a CSV is not attached; the
//! import says so in a warning and those lookups are empty.

use super::Form;
use crate::Said;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The most bytes of one attached CSV (it is stored inside the form).
pub const MAX_ATTACHMENT_BYTES: u64 = 4 << 20;

/// An attached CSV: its header and rows (cells as text, trimmed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attachment {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Attachment {
    /// Reads CSV text (UTF-8 or GB18030, comma, semicolon or tab): the
    /// first row is the header. `None` when there is no header.
    pub fn parse(bytes: &[u8]) -> Option<Attachment> {
        let (text, _) = crate::import::encoding::decode(bytes).ok()?;
        let delimiter = crate::import::table::detect_delimiter(&text);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter as u8).from_reader(text.as_bytes());
        let mut rows = reader.records().filter_map(|r| r.ok()).map(|r| r.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>());
        let columns = rows.next().filter(|h| h.iter().any(|c| !c.is_empty()))?;
        Some(Attachment { columns, rows: rows.collect() })
    }

    /// `column` of the first row whose `key_column` is `key`.
    pub fn lookup(&self, column: &str, key_column: &str, key: &str) -> Option<&str> {
        let at = |name: &str| self.columns.iter().position(|c| c == name);
        let (c, k) = (at(column)?, at(key_column)?);
        let key = key.trim();
        self.rows.iter().find(|r| r.get(k).is_some_and(|v| v == key)).and_then(|r| r.get(c)).map(String::as_str)
    }
}

/// Attaches to `form` the CSVs its expressions' `pulldata()` calls name,
/// from `dir`; a warning for each that cannot be.
pub(crate) fn attach(form: &mut Form, dir: &Path) {
    let mut exprs: Vec<&str> = Vec::new();
    for q in &form.questions {
        exprs.extend([&q.relevant, &q.constraint, &q.required_if, &q.choice_filter].into_iter().flatten().map(String::as_str));
    }
    exprs.extend(form.groups.iter().filter_map(|g| g.relevant.as_deref()));
    let mut files: Vec<String> = Vec::new();
    for src in exprs {
        if let Ok(e) = super::expr::Expr::parse(src) {
            for f in e.pulldata_files() {
                if !files.contains(&f) {
                    files.push(f);
                }
            }
        }
    }
    for name in files {
        let file = format!("{name}.csv");
        let fq = crate::quote(&file);
        let said = match read_one(&dir.join(&file)) {
            Ok(a) => {
                form.attachments.insert(name, a);
                continue;
            }
            Err(Why::Missing) => Said::new(
                format!("pulldata() reads {fq}, which is not beside the form: its lookups are empty (put the file next to the form and import it again)"),
                "form.warn.pulldata_missing",
                &[("file", &fq)],
            ),
            Err(Why::TooLarge) => Said::new(
                format!("pulldata() reads {fq}, larger than {} MB: not attached, its lookups are empty", MAX_ATTACHMENT_BYTES >> 20),
                "form.warn.pulldata_large",
                &[("file", &fq), ("max", &(MAX_ATTACHMENT_BYTES >> 20))],
            ),
            Err(Why::NotCsv) => Said::new(
                format!("pulldata() reads {fq}, which is not a CSV with a header row: its lookups are empty"),
                "form.warn.pulldata_unreadable",
                &[("file", &fq)],
            ),
        };
        form.warnings.push(said.english);
        form.warnings_worded.push(said.msg);
    }
}

enum Why {
    Missing,
    TooLarge,
    NotCsv,
}

fn read_one(path: &Path) -> Result<Attachment, Why> {
    let meta = std::fs::metadata(path).map_err(|_| Why::Missing)?;
    if meta.len() > MAX_ATTACHMENT_BYTES {
        return Err(Why::TooLarge);
    }
    let bytes = std::fs::read(path).map_err(|_| Why::Missing)?;
    Attachment::parse(&bytes).ok_or(Why::NotCsv)
}
