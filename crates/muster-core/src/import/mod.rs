//! Reading a roster spreadsheet into validated trainee rows, without touching
//! the store.
//!
//! `read_roster` turns a CSV (any of the encodings Chinese Excel and WPS
//! write, any common delimiter), XLSX or XLS file into a [`RosterFile`]: the
//! detected format, the column mapping, and one [`RosterRow`] per data row
//! holding either normalised [`TraineeFields`] or the reasons it is rejected.
//! Deciding duplicates and writing happen in `crate::roster`, in one
//! transaction.
//!
//! Submodules: `encoding` (detect and decode bytes), `table` (CSV/XLSX/XLS to
//! a grid of strings with spreadsheet line numbers), `headers` (Chinese and
//! English header synonyms), `rejects` (the rejects file for the organiser),
//! `isolate` (workbooks read in a child process under a memory and time
//! limit), `span` (the one cheap check left: a sheet's declared range, to
//! say why a workbook could not be read).

pub mod encoding;
pub mod headers;
pub mod isolate;
pub mod rejects;
pub mod span;
pub mod table;

use crate::model::TraineeFields;
use crate::{normalize, Error, ErrorKind};
use serde::Serialize;
use std::path::Path;

/// A roster field a column can map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RosterField {
    Name,
    Gender,
    Phone,
    IdNumber,
    Age,
    BirthDate,
    Organization,
    Occupation,
}

impl RosterField {
    pub const ALL: [RosterField; 8] = [
        RosterField::Name,
        RosterField::Gender,
        RosterField::Phone,
        RosterField::IdNumber,
        RosterField::Age,
        RosterField::BirthDate,
        RosterField::Organization,
        RosterField::Occupation,
    ];

    /// `name`, `phone`, … as [`RosterField::as_str`] writes them.
    pub fn parse(s: &str) -> Option<RosterField> {
        RosterField::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RosterField::Name => "name",
            RosterField::Gender => "gender",
            RosterField::Phone => "phone",
            RosterField::IdNumber => "id_number",
            RosterField::Age => "age",
            RosterField::BirthDate => "birth_date",
            RosterField::Organization => "organization",
            RosterField::Occupation => "occupation",
        }
    }
}

/// How one column of the file was understood.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ColumnMapping {
    /// 0-based column index in the file.
    pub index: u32,
    /// The header as written in the file (trimmed).
    pub header: String,
    /// The field it maps to; `None` means it is kept as an extra field.
    pub field: Option<RosterField>,
}

/// One problem with one field of one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldError {
    /// The roster field (`phone`, `id_number`, ...) or the header of the
    /// column as written.
    pub field: String,
    pub message: String,
    /// The message for the app to word ([`crate::Msg`]).
    pub msg: Option<crate::Msg>,
}

/// One data row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    /// Line as a spreadsheet user counts it: the header is line 1. For a CSV
    /// with a quoted multi-line field, the line the record starts on.
    pub line: u64,
    /// The row's cells as read (decoded, not normalised), one per header.
    pub cells: Vec<String>,
    pub outcome: Result<TraineeFields, Vec<FieldError>>,
}

/// A roster file as read and validated.
#[derive(Debug, Clone)]
pub struct RosterFile {
    /// The path as the user gave it, for messages.
    pub file: String,
    /// `csv`, `xlsx`, `xls` (or another calamine format).
    pub format: String,
    /// CSV only: the detected encoding, e.g. `UTF-8`, `UTF-8 (BOM)`, `GB18030`.
    pub encoding: Option<String>,
    /// CSV only: `,` `;` or `\t`.
    pub delimiter: Option<char>,
    /// Spreadsheets only: the sheet that was read.
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub columns: Vec<ColumnMapping>,
    /// Data rows; wholly empty rows (e.g. Excel's trailing ones) are dropped.
    pub rows: Vec<RosterRow>,
    /// E.g. unknown columns kept as extra fields.
    pub warnings: Vec<String>,
    /// The same warnings as keys for the app to word, one per warning (an
    /// empty key: shown as written).
    pub warnings_worded: Vec<crate::Msg>,
}

/// Rows between progress reports.
const PROGRESS_EVERY: u64 = 1000;
/// How far down a title block may push the header row.
const HEADER_SEARCH_ROWS: usize = 10;

/// Reads and validates the roster at `path`. `progress` gets (rows done,
/// total rows) every thousand rows and at the end. A file that cannot be
/// read is [`Error::Io`]; one that is not a usable roster is
/// [`Error::Invalid`] naming the file (and the line, for the header).
pub fn read_roster(path: &Path, progress: &mut dyn FnMut(u64, u64)) -> crate::Result<RosterFile> {
    read_roster_mapped(path, &Mapping::new(), progress)
}

/// The coordinator's own reading of some columns: header (as written) →
/// the field it holds (`name`, `phone`, `organization`, …) or `extra`
/// (kept as an extra field, not mapped). Columns not named keep the
/// mapping Muster recognised.
pub type Mapping = std::collections::BTreeMap<String, String>;

/// [`read_roster`] with the coordinator's [`Mapping`].
pub fn read_roster_mapped(path: &Path, mapping: &Mapping, progress: &mut dyn FnMut(u64, u64)) -> crate::Result<RosterFile> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    read_roster_bytes_mapped(&path.display().to_string(), &bytes, mapping, progress)
}

/// Applies a [`Mapping`] to the recognised columns: a column given a field
/// takes it (from any other column that had it), `extra` unmaps one. A
/// header not in the file or a field Muster does not know is refused.
fn apply_mapping(file_name: &str, columns: &mut [ColumnMapping], mapping: &Mapping) -> crate::Result<Vec<crate::Said>> {
    let mut notes = Vec::new();
    for (header, want) in mapping {
        let Some(at) = columns.iter().position(|c| c.header == header.trim()) else {
            return Err(Error::invalid_at(
                format!("{file_name} has no column {} to map (its headers: {})", crate::quote(header), crate::quote_list(columns.iter().map(|c| c.header.as_str()), 20)),
                Some(file_name),
                None,
                Some("map"),
            ));
        };
        let field = match want.trim() {
            "" | "extra" => None,
            other => Some(RosterField::parse(other).ok_or_else(|| {
                Error::invalid_at(
                    format!("{} is not a roster field (name, gender, phone, id_number, age, birth_date, organization, occupation or extra)", crate::quote(other)),
                    Some(file_name),
                    None,
                    Some("map"),
                )
            })?),
        };
        if let Some(f) = field {
            for (i, c) in columns.iter_mut().enumerate() {
                if i != at && c.field == Some(f) {
                    c.field = None;
                    notes.push(crate::Said::new(
                        format!("column {} is now an extra field ({} is {})", crate::quote(&c.header), f.as_str(), crate::quote(header)),
                        "import.column_unmapped",
                        &[("column", &crate::quote(&c.header)), ("field", &f.as_str()), ("now", &crate::quote(header))],
                    ));
                }
            }
        }
        columns[at].field = field;
    }
    Ok(notes)
}

/// [`read_roster`] for bytes already in memory; `file_name` is used in
/// messages. The format comes from the content, not the name.
pub fn read_roster_bytes(
    file_name: &str,
    bytes: &[u8],
    progress: &mut dyn FnMut(u64, u64),
) -> crate::Result<RosterFile> {
    read_roster_bytes_mapped(file_name, bytes, &Mapping::new(), progress)
}

/// [`read_roster_bytes`] with the coordinator's [`Mapping`].
#[allow(clippy::manual_is_multiple_of)] // `%` reads like the rule it implements
pub fn read_roster_bytes_mapped(
    file_name: &str,
    bytes: &[u8],
    mapping: &Mapping,
    progress: &mut dyn FnMut(u64, u64),
) -> crate::Result<RosterFile> {
    let table = table::read(file_name, bytes, &|rows| header_row(rows).is_some())?;
    if table.rows.is_empty() {
        return Err(Error::invalid_at(
            format!("{file_name} is empty: it has no header row and no data rows"),
            Some(file_name),
            None,
            None,
        ));
    }
    let header_at = header_row(&table.rows).unwrap_or(0);
    let mut warnings: Vec<crate::Said> = table.notes;
    if header_at > 0 {
        let line = table.rows[header_at].0;
        warnings.push(crate::Said::new(
            format!("skipped {header_at} row(s) above the header row on line {line} (a title?)"),
            "import.rows_above_header",
            &[("n", &header_at), ("line", &line)],
        ));
    }
    let mut rows = table.rows;
    let data = rows.split_off(header_at + 1);
    let (header_line, header_cells) = rows.pop().unwrap_or_default();

    // Keep the columns that have a header or any data.
    let all_rows =
        || std::iter::once(header_cells.as_slice()).chain(data.iter().map(|(_, c)| c.as_slice()));
    let width = all_rows()
        .map(|cells| {
            cells
                .iter()
                .rposition(|c| !c.trim().is_empty())
                .map_or(0, |i| i + 1)
        })
        .max()
        .unwrap_or(0);
    let mut used = vec![false; width];
    for cells in all_rows() {
        for (i, c) in cells.iter().enumerate().take(width) {
            if !used[i] && !c.trim().is_empty() {
                used[i] = true;
            }
        }
    }
    let kept: Vec<(u32, String)> = (0..width)
        .filter(|&i| used[i])
        .map(|i| {
            let h = header_cells.get(i).map_or("", |h| h.trim());
            let h = if h.is_empty() {
                format!("column {}", i + 1)
            } else {
                h.to_string()
            };
            (i as u32, h)
        })
        .collect();
    // An XLSForm's survey sheet (type, name, label) is a questionnaire:
    // read as a roster, its questions would become trainees.
    let has = |want: &str| kept.iter().any(|(_, h)| h.trim().eq_ignore_ascii_case(want) || (want == "label" && h.trim().to_lowercase().starts_with("label::")));
    if has("type") && has("name") && has("label") {
        return Err(Error::invalid_at(
            format!("{file_name} is a questionnaire (an XLSForm: its columns are type, name and label), not a roster of trainees: import it as a questionnaire"),
            Some(file_name),
            Some(header_line),
            Some("file"),
        )
        .kind(ErrorKind::IsQuestionnaire));
    }
    let (mut columns, mut mapping_warnings) = headers::map_headers(&kept);
    mapping_warnings.extend(apply_mapping(file_name, &mut columns, mapping)?);
    if !columns.iter().any(|c| c.field == Some(RosterField::Name)) {
        let found = crate::quote_list(kept.iter().map(|(_, h)| h.as_str()), 20);
        // The person's sentence names the first few headers (the message has them all, bounded).
        return Err(Error::invalid_at(
            format!("{file_name}: no name column (expected one of {}); found headers: {found}", headers::NAME_EXAMPLES),
            Some(file_name),
            Some(header_line),
            Some("name"),
        )
        .worded("roster.no_name_column", &[("file", &file_name), ("expected", &headers::NAME_EXAMPLES)])
        .with_list("found", kept.iter().map(|(_, h)| h.as_str()), 3));
    }
    warnings.extend(mapping_warnings);
    if data.is_empty() {
        return Err(Error::invalid_at(
            format!("{file_name}: no data rows below the header on line {header_line}"),
            Some(file_name),
            Some(header_line),
            None,
        ));
    }
    let extra_keys = extra_keys(&columns);
    let total = data.len() as u64;
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let make_row = |(line, mut raw): (u64, Vec<String>)| -> RosterRow {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                raw.get_mut(c.index as usize)
                    .map(std::mem::take)
                    .unwrap_or_default()
            })
            .collect();
        let mut fields = Vec::with_capacity(columns.len());
        let mut extra = Vec::new();
        for ((column, cell), key) in columns.iter().zip(&cells).zip(&extra_keys) {
            match column.field {
                Some(field) => fields.push((field, cell.as_str())),
                None => {
                    let value = cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
                    if !value.is_empty() {
                        extra.push((key.clone(), value.to_string()));
                    }
                }
            }
        }
        let mut outcome = normalize::trainee_from_cells(&fields, &extra);
        // No age column but a birth date (or an ID number that holds one):
        // the age today.
        if let Ok(t) = &mut outcome {
            if t.age.is_none() {
                t.age = t.birth_date.as_deref().and_then(|b| normalize::age_on(b, &today));
            }
        }
        drop(fields);
        RosterRow { line, cells, outcome }
    };
    let out_rows = crate::halves::in_halves(data, make_row, &mut |done| {
        let done = done as u64;
        if done % PROGRESS_EVERY == 0 && done < total {
            progress(done, total);
        }
    });
    progress(total, total);
    Ok(RosterFile {
        file: file_name.to_string(),
        format: table.format.to_string(),
        encoding: table.encoding.map(str::to_string),
        delimiter: table.delimiter,
        sheet: table.sheet,
        headers: columns.iter().map(|c| c.header.clone()).collect(),
        columns,
        rows: out_rows,
        warnings_worded: warnings.iter().map(|w| w.msg.clone()).collect(),
        warnings: warnings.into_iter().map(|w| w.english).collect(),
    })
}

/// The index of the header row: the first of the leading rows with a name
/// column (rosters often start with a title row), `None` if there is none.
fn header_row(rows: &[table::Line]) -> Option<usize> {
    rows.iter().take(HEADER_SEARCH_ROWS).position(|(_, cells)| {
        cells
            .iter()
            .any(|c| headers::field_for(c) == Some(RosterField::Name))
    })
}

/// The key of each column in `TraineeFields::extra`: its header, with
/// ` (2)`, ` (3)`… added when several extra columns share a header.
fn extra_keys(columns: &[ColumnMapping]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(columns.len());
    for (i, c) in columns.iter().enumerate() {
        let earlier = columns[..i]
            .iter()
            .filter(|o| o.field.is_none() && o.header == c.header)
            .count();
        keys.push(if c.field.is_none() && earlier > 0 {
            format!("{} ({})", c.header, earlier + 1)
        } else {
            c.header.clone()
        });
    }
    keys
}
