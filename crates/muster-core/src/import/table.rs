//! Reading a file's bytes into a grid of strings with the line numbers a
//! spreadsheet user sees: CSV/TSV/TXT in any encoding and delimiter, and
//! XLSX/XLS/XLSB/ODS workbooks through calamine.
//!
//! Wholly empty rows are dropped here. Cells are text as the user would see
//! it: whole numbers without `.0`, dates as `YYYY-MM-DD`, and numbers of 16
//! digits or more in Excel's own scientific notation (`1.10105199003071E+17`),
//! because their last digits are already lost and must not pass for an ID.
//!
//! A CSV cell that Muster's own CSV writer neutralised (`'=…`, see
//! `crate::csv_out`) reads back without the quote.
//!
//! Refused with file, line and column rather than read: a cell longer than
//! [`MAX_CELL_CHARS`] (Excel's own limit), a NUL byte in a text file, a line
//! in another encoding than the rest of the file; and said for what they are
//! instead of failing later: a workbook that is cut short, a web page or an
//! Excel 2003 XML file saved under an `.xls` name ([`markup_kind`]).

use super::encoding;
use super::isolate::{self, RawBook, Unread};
use crate::forms::xlsform::column_letter;
use crate::{quote, Error, Result};
use calamine::{Data, Range, Sheets};
use std::io::Cursor;

/// One row of a table: its line number (header = line 1 when the header is
/// the first row) and its cells.
pub type Line = (u64, Vec<String>);

/// A file read as a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// `csv`, `xlsx`, `xls`, `xlsb` or `ods`.
    pub format: &'static str,
    /// Text files only: the encoding label from [`encoding::decode`].
    pub encoding: Option<&'static str>,
    /// Text files only: `,` `;` or `\t`.
    pub delimiter: Option<char>,
    /// Workbooks only: the sheet read.
    pub sheet: Option<String>,
    /// The non-empty rows, in file order.
    pub rows: Vec<Line>,
    /// Things the user should know (e.g. other sheets that were not read).
    pub notes: Vec<crate::Said>,
}

/// The most characters a cell may hold: Excel's own limit. A longer cell
/// (a 20 MB one was once imported) is refused with its line and column.
pub const MAX_CELL_CHARS: usize = 32_767;

pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
pub(crate) const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Reads `bytes` (named `file` in messages). For a workbook, the first
/// sheet for which `is_roster` holds is read, else the first non-empty one.
pub fn read(file: &str, bytes: &[u8], is_roster: &dyn Fn(&[Line]) -> bool) -> Result<Table> {
    let not_table = |why: &str| {
        Error::invalid_at(
            format!("{file} is not a CSV or spreadsheet file ({why}); save the roster as .xlsx, .xls or .csv"),
            Some(file),
            None,
            None,
        )
    };
    // A workbook is read in a child process when this binary can spawn one
    // (the app, the CLI): whatever the file does to the parser, not here.
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        if let Some(read) = isolate::read(bytes) {
            let book = read.map_err(|u| unread(file, bytes, u, &|why: String| not_table(&why)))?;
            return table_from_book(file, book, is_roster);
        }
    }
    // In process (a library caller without a reader child: the fuzz
    // targets, behind their own gate): nothing here bounds what calamine
    // allocates but the declared range.
    if let Some(span) = super::span::too_large(bytes) {
        return Err(too_large(file, &span));
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return calamine_guard(
            || {
                let cursor = Cursor::new(bytes);
                let sheets = calamine::open_workbook_from_rs(cursor.clone())
                    .map(Sheets::Xlsx)
                    .or_else(|_| calamine::open_workbook_from_rs(cursor.clone()).map(Sheets::Xlsb))
                    .or_else(|_| calamine::open_workbook_from_rs(cursor).map(Sheets::Ods))
                    .map_err(|_| not_table(zip_trouble(bytes)))?;
                read_workbook(file, sheets, is_roster)
            },
            || not_table(DAMAGED_WORKBOOK),
        );
    }
    if bytes.starts_with(OLE_MAGIC) {
        return calamine_guard(
            || {
                let sheets = calamine::open_workbook_from_rs(Cursor::new(bytes))
                    .map(Sheets::Xls)
                    .map_err(|e: calamine::XlsError| {
                        not_table(&format!("an Office file that cannot be read as an Excel 97-2003 workbook, perhaps password-protected: {e}"))
                    })?;
                read_workbook(file, sheets, is_roster)
            },
            || not_table("a damaged or cut-short Excel 97-2003 workbook; open it in Excel or WPS and save it again, or copy it again"),
        );
    }
    if let Some(what) = markup_kind(bytes) {
        return Err(Error::invalid_at(format!("{file} is {what}"), Some(file), None, None));
    }
    if bytes.is_empty() {
        return Err(Error::invalid_at(
            format!("{file} is empty"),
            Some(file),
            None,
            None,
        ));
    }
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    if !utf16 && bytes.contains(&0) {
        return Err(stray_nul(file, bytes).unwrap_or_else(|| not_table("it holds binary data")));
    }
    if let Some(bad) = encoding::mixed_utf8(bytes) {
        return Err(mixed_encoding(file, bytes, bad));
    }
    let (text, label) = encoding::decode(bytes)
        .map_err(|why| Error::invalid_at(format!("{file} {why}"), Some(file), None, None))?;
    let controls = text
        .chars()
        .take(8192)
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C' | '\x1A'))
        .count();
    if controls > 0 {
        return Err(not_table("it holds control characters, as binary files do"));
    }
    let delimiter = detect_delimiter(&text);
    let rows = parse_csv(file, &text, delimiter)?;
    check_cells(file, None, &rows)?;
    Ok(Table {
        format: "csv",
        encoding: Some(label),
        delimiter: Some(delimiter),
        sheet: None,
        rows,
        notes: Vec::new(),
    })
}

/// What the user is told about a workbook that cannot be read at all.
const DAMAGED_WORKBOOK: &str =
    "a damaged or cut-short workbook; open it in Excel or WPS and save it again, or copy it again (was the download or copy finished?)";

/// Why a file starting as a ZIP archive is not a workbook calamine opens:
/// cut short (no end of archive, the usual unfinished download or copy),
/// damaged (an Office archive whose parts do not read), or another ZIP.
pub(crate) fn zip_trouble(bytes: &[u8]) -> &'static str {
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Err(_) => DAMAGED_WORKBOOK,
        Ok(zip) if zip.file_names().flatten().any(|n| n == "[Content_Types].xml" || n.starts_with("xl/") || n == "mimetype") => DAMAGED_WORKBOOK,
        Ok(_) => "a ZIP archive, but not an XLSX or ODS workbook",
    }
}

/// What a file is that reads as text but is markup a spreadsheet program
/// wrote, with how to fix it: a web page (HTML table, or a single-file web
/// page) or an Excel 2003 XML spreadsheet, often named `.xls` by the
/// systems that export them. `None` for anything else.
pub fn markup_kind(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &head[head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len())..];
    let head: String = String::from_utf8_lossy(&head[..head.len().min(2048)]).to_ascii_lowercase();
    let what = if head.starts_with("mime-version:") {
        "a single-file web page (MHT), not a spreadsheet"
    } else if !head.starts_with('<') {
        return None;
    } else if head.contains("urn:schemas-microsoft-com:office:spreadsheet") || head.contains("<workbook") || head.contains("progid=\"excel.sheet\"") {
        "an Excel 2003 XML spreadsheet, not a workbook Muster reads"
    } else if ["<!doctype html", "<html", "<table", "<head", "<body", "<meta", "<style"].iter().any(|t| head.contains(t)) {
        "a web page (an HTML table), not a spreadsheet"
    } else {
        return None;
    };
    Some(format!(
        "{what}, though it may be named .xls (many systems export so); open it in Excel or WPS and save it as an Excel workbook (.xlsx), then import that file"
    ))
}

/// Where a cell is, for a message: `line 3, column B ('手机')`, with the
/// header from the table's first row when there is one; and the field to
/// report (the header when it is short enough to name, else `column B`).
fn cell_at(rows: &[Line], line: u64, col: usize) -> (String, String) {
    let letter = column_letter(col);
    let header = rows
        .first()
        .filter(|(l, _)| *l != line)
        .and_then(|(_, cells)| cells.get(col))
        .map(|h| h.trim())
        .filter(|h| !h.is_empty());
    match header {
        Some(h) => {
            let field = if h.chars().count() <= crate::error::QUOTE_CHARS { h.to_string() } else { format!("column {letter}") };
            (format!("line {line}, column {letter} ({})", quote(h)), field)
        }
        None => (format!("line {line}, column {letter}"), format!("column {letter}")),
    }
}

/// Refuses a cell longer than [`MAX_CELL_CHARS`], naming file (and sheet),
/// line and column.
pub fn check_cells(file: &str, sheet: Option<&str>, rows: &[Line]) -> Result<()> {
    for (line, cells) in rows {
        for (col, cell) in cells.iter().enumerate() {
            if cell.len() <= MAX_CELL_CHARS {
                continue;
            }
            let n = cell.chars().count();
            if n > MAX_CELL_CHARS {
                let (at, field) = cell_at(rows, *line, col);
                let sheet = sheet.map(|s| format!("sheet {}, ", quote(s))).unwrap_or_default();
                return Err(Error::invalid_at(
                    format!(
                        "{file}: {sheet}{at}: the cell holds {n} characters, more than the {MAX_CELL_CHARS} a spreadsheet cell can hold; shorten it (it starts {})",
                        quote(cell)
                    ),
                    Some(file),
                    Some(*line),
                    Some(&field),
                ));
            }
        }
    }
    Ok(())
}

/// A text file with a stray NUL byte in a cell (a few of them, in text that
/// otherwise reads): the error naming its line and column. `None` when the
/// file looks binary instead.
fn stray_nul(file: &str, bytes: &[u8]) -> Option<Error> {
    let nuls = bytes.iter().filter(|&&b| b == 0).count();
    if nuls > 2 && nuls * 100 > bytes.len() {
        return None;
    }
    let (text, _) = encoding::decode(bytes).ok()?;
    let controls = text
        .chars()
        .take(8192)
        .filter(|c| c.is_control() && !matches!(c, '\0' | '\t' | '\n' | '\r' | '\x0C' | '\x1A'))
        .count();
    if controls > 0 {
        return None;
    }
    let rows = parse_csv(file, &text, detect_delimiter(&text)).ok()?;
    let (line, col) = rows.iter().find_map(|(line, cells)| Some((*line, cells.iter().position(|c| c.contains('\0'))?)))?;
    let (at, field) = cell_at(&rows, line, col);
    Some(Error::invalid_at(
        format!("{file}: {at}: the cell holds a NUL byte (character 0), which text never holds; delete it (retype the cell) and save the file again"),
        Some(file),
        Some(line),
        Some(&field),
    ))
}

/// A text file that is UTF-8 but for a line in another encoding (a GBK
/// line pasted in): the error naming the first such line and its column.
/// `bad` is the offset of the first byte that is not UTF-8.
fn mixed_encoding(file: &str, bytes: &[u8], bad: usize) -> Error {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bad_in_body = bad.saturating_sub(bytes.len() - body.len());
    let newline = if body.contains(&b'\n') { b'\n' } else { b'\r' };
    let line = body[..bad_in_body.min(body.len())].iter().filter(|&&b| b == newline).count() as u64 + 1;
    let text = String::from_utf8_lossy(body);
    let rows = parse_csv(file, &text, detect_delimiter(&text)).unwrap_or_default();
    // The cell holding the first replaced byte: on the bad line, or in the
    // record that started before it and runs across it.
    let found = rows
        .iter()
        .filter(|(l, _)| *l <= line)
        .rev()
        .find_map(|(l, cells)| Some((*l, cells.iter().position(|c| c.contains('\u{FFFD}'))?)));
    let (at, field) = match found {
        Some((l, col)) => {
            let (_, field) = cell_at(&rows, l, col);
            let (at, _) = cell_at(&rows, line, col);
            (at, Some(field))
        }
        None => (format!("line {line}"), None),
    };
    Error::invalid_at(
        format!(
            "{file}: {at}: this line is not UTF-8 like the rest of the file (it looks like GBK or another Chinese encoding pasted in); \
             save the whole file as UTF-8 (Excel: Save As → CSV UTF-8) or retype that line"
        ),
        Some(file),
        Some(line),
        field.as_deref(),
    )
}

/// The delimiter among `,` `;` and tab: counted outside quotes on the first
/// non-blank logical lines, a count that is the same on every line and
/// highest wins; without any consistent one, the most frequent; else `,`.
pub fn detect_delimiter(text: &str) -> char {
    const CANDIDATES: [char; 3] = [',', ';', '\t'];
    const SAMPLE_LINES: usize = 20;
    let mut lines: Vec<[usize; 3]> = Vec::new();
    let mut counts = [0usize; 3];
    let mut blank = true;
    let mut in_quotes = false;
    for c in text.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && c == '\n' {
            if !blank {
                lines.push(counts);
                if lines.len() == SAMPLE_LINES {
                    break;
                }
            }
            counts = [0; 3];
            blank = true;
            continue;
        } else if !in_quotes {
            if let Some(i) = CANDIDATES.iter().position(|&d| d == c) {
                counts[i] += 1;
            }
        }
        if !c.is_whitespace() {
            blank = false;
        }
    }
    if !blank && lines.len() < SAMPLE_LINES {
        lines.push(counts);
    }
    let score = |i: usize| {
        let first = lines.first().map_or(0, |l| l[i]);
        let consistent = first > 0 && lines.iter().all(|l| l[i] == first);
        let total: usize = lines.iter().map(|l| l[i]).sum();
        (consistent, if consistent { first } else { 0 }, total)
    };
    (0..3)
        .filter(|&i| score(i).2 > 0)
        .max_by_key(|&i| (score(i), std::cmp::Reverse(i)))
        .map_or(',', |i| CANDIDATES[i])
}

fn parse_csv(file: &str, text: &str, delimiter: char) -> Result<Vec<Line>> {
    // csv 1.4 miscounts lines after a CRLF record terminator and after
    // blank lines, and its record byte offset includes the blank lines
    // skipped before it. So: hand it LF only (a CRLF inside a quoted cell
    // becomes LF, as Excel writes it anyway) and count lines here from the
    // byte offset.
    let lf_only;
    let text = if text.contains('\r') {
        lf_only = text.replace("\r\n", "\n").replace('\r', "\n");
        lf_only.as_str()
    } else {
        text
    };
    match split_point(text) {
        Some(at) => {
            let (head, tail) = text.split_at(at);
            let lines_before = head.bytes().filter(|&b| b == b'\n').count() as u64;
            let (head_rows, tail_rows) = std::thread::scope(|s| {
                let tail = s.spawn(|| parse_lf(file, tail, delimiter, lines_before));
                let head = parse_lf(file, head, delimiter, 0);
                (head, tail.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            });
            let mut rows = head_rows?;
            rows.extend(tail_rows?);
            Ok(rows)
        }
        None => parse_lf(file, text, delimiter, 0),
    }
}

/// Where a big text may be cut in two for two threads to parse: just after
/// a line break at most halfway with no quote character anywhere before it
/// (so no quoted cell runs across it: the parser there is at the start of
/// a record, as the one reading from the top would be). `None`: small, one
/// core, or a quote too early.
fn split_point(text: &str) -> Option<usize> {
    const BIG: usize = 1 << 20;
    if text.len() < BIG || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return None;
    }
    let bytes = text.as_bytes();
    let limit = bytes.iter().position(|&b| b == b'"').unwrap_or(bytes.len()).min(bytes.len() / 2);
    if limit < bytes.len() / 4 {
        return None;
    }
    bytes[..limit].iter().rposition(|&b| b == b'\n').map(|nl| nl + 1)
}

/// [`parse_csv`] of LF-only text whose first line is line
/// `lines_before + 1` of the file.
fn parse_lf(file: &str, text: &str, delimiter: char, lines_before: u64) -> Result<Vec<Line>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1 + lines_before);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                if record.iter().all(is_blank) {
                    continue;
                }
                let mut start = record
                    .position()
                    .map_or(counted_to, |p| p.byte() as usize)
                    .max(counted_to);
                while bytes.get(start) == Some(&b'\n') {
                    start += 1;
                }
                let start = start.min(bytes.len());
                line += bytes[counted_to..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64;
                counted_to = start;
                rows.push((line, record.iter().map(|c| crate::csv_out::read_back(c).to_string()).collect()));
            }
            Ok(false) => return Ok(rows),
            Err(e) => {
                return Err(Error::invalid_at(
                    format!("{file}: cannot read as CSV: {e}"),
                    Some(file),
                    None,
                    None,
                ));
            }
        }
    }
}

fn is_blank(cell: &str) -> bool {
    cell.chars().all(|c| c.is_whitespace() || c == '\u{FEFF}')
}

/// Runs `read`, which reads a workbook with calamine, turning a panic inside
/// calamine into the `damaged` error: calamine 0.38 panics on some damaged
/// files (its CFB reader slices past a truncated sector; found by fuzzing).
/// Relies on panics unwinding, so no profile may set `panic = "abort"`.
/// A failed allocation aborts and cannot be caught: that is why the app and
/// the CLI read workbooks in a child process ([`isolate`]).
pub(crate) fn calamine_guard<T>(read: impl FnOnce() -> Result<T>, damaged: impl FnOnce() -> Error) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| Err(damaged()))
}

fn read_workbook<RS>(
    file: &str,
    book: Sheets<RS>,
    is_roster: &dyn Fn(&[Line]) -> bool,
) -> Result<Table>
where
    RS: std::io::Read + std::io::Seek,
{
    table_from_book(file, isolate::sheets_of(book), is_roster)
}

/// The error for a workbook not read ([`Unread`]); `not` words "not a
/// workbook of this kind" for the caller.
pub(crate) fn unread(file: &str, bytes: &[u8], u: Unread, not: &dyn Fn(String) -> Error) -> Error {
    match u {
        Unread::NotWorkbook(why) => not(why),
        Unread::Damaged => not(DAMAGED_WORKBOOK.to_string()),
        // The reader ran out of memory or time: say why when the file says
        // it (a stray cell in a far corner), else that it could not be read.
        // The reader's own reason (it stopped on a signal, took too long)
        // ends the English message and rides in the message's parameters,
        // for whoever is asked why.
        Unread::Unsafe(why) => match super::span::too_large(bytes) {
            Some(span) => too_large(file, &span),
            None => Error::invalid_at(format!("{} [{why}]", isolate::unsafe_message(file)), Some(file), None, None)
                .worded("file.unsafe", &[("file", &file), ("why", &why)]),
        },
    }
}

/// A sheet spanning more than a roster or form can have ([`super::span`]).
pub(crate) fn too_large(file: &str, span: &super::span::Span) -> Error {
    Error::invalid_at(format!("{file}: {}", span.sentence()), Some(file), None, None).worded(
        "file.too_large",
        &[
            ("file", &file),
            ("sheet", &crate::quote(&span.sheet)),
            ("range", &span.range),
            ("rows", &span.rows),
            ("columns", &span.columns),
            ("max", &super::span::MAX_CELLS),
        ],
    )
}

/// The sheet of a workbook to import: the first (visible sheets first)
/// for which `is_roster` holds, else the first non-empty one.
fn table_from_book(file: &str, book: RawBook, is_roster: &dyn Fn(&[Line]) -> bool) -> Result<Table> {
    let format: &'static str = match book.format.as_str() {
        "xls" => "xls",
        "xlsb" => "xlsb",
        "ods" => "ods",
        _ => "xlsx",
    };
    let mut sheets = book.sheets;
    // Visible sheets first, each group in workbook order.
    sheets.sort_by_key(|s| !s.visible);
    let mut first_non_empty: Option<(String, Vec<Line>)> = None;
    let mut chosen: Option<(String, Vec<Line>)> = None;
    let mut non_empty = Vec::new();
    let mut last_error = None;
    for s in sheets {
        if let Some(e) = s.error {
            last_error = Some(e);
            continue;
        }
        if s.rows.is_empty() {
            continue;
        }
        non_empty.push(s.name.clone());
        if chosen.is_none() && is_roster(&s.rows) {
            chosen = Some((s.name, s.rows));
        } else if first_non_empty.is_none() {
            first_non_empty = Some((s.name, s.rows));
        }
    }
    let Some((sheet, rows)) = chosen.or(first_non_empty) else {
        let why = match last_error {
            Some(e) => format!("{file}: cannot read the workbook's sheets: {e}"),
            None => format!("{file} is empty: no sheet holds any cell"),
        };
        return Err(Error::invalid_at(why, Some(file), None, None));
    };
    check_cells(file, Some(&sheet), &rows)?;
    let others: Vec<&str> = non_empty
        .iter()
        .map(String::as_str)
        .filter(|n| *n != sheet)
        .collect();
    let mut notes = Vec::new();
    if !others.is_empty() {
        notes.push(
            crate::Said::new(
                format!("read sheet {}; not read: {}", quote(&sheet), crate::quote_list(others.iter().copied(), 20)),
                "import.other_sheets",
                &[("sheet", &quote(&sheet))],
            )
            .with_list("others", others.iter().copied(), 20),
        );
    }
    Ok(Table {
        format,
        encoding: None,
        delimiter: None,
        sheet: Some(sheet),
        rows,
        notes,
    })
}

pub(crate) fn range_rows(range: &Range<Data>) -> Vec<Line> {
    let Some((start_row, start_col)) = range.start() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        if row.iter().all(is_blank_cell) {
            continue;
        }
        let mut cells = Vec::with_capacity(start_col as usize + row.len());
        cells.resize(start_col as usize, String::new());
        cells.extend(row.iter().map(cell_text));
        rows.push((u64::from(start_row) + i as u64 + 1, cells));
    }
    rows
}

fn is_blank_cell(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => is_blank(s),
        _ => false,
    }
}

/// A cell as the text a user would type for it.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, h, min, s, _) = dt.to_ymd_hms_milli();
            match (dt.as_f64() < 1.0, (h, min, s) == (0, 0, 0)) {
                (true, _) => format!("{h:02}:{min:02}:{s:02}"),
                (false, true) => format!("{y:04}-{m:02}-{d:02}"),
                (false, false) => format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02}"),
            }
        }
        Data::DateTime(dt) => float_text(dt.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

/// Whole numbers without `.0`; from 1e15 on (where Excel, keeping 15
/// significant digits, has already dropped the rest) Excel's scientific
/// notation, so a mangled ID number cannot pass for a real one.
pub fn float_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.abs() >= 1e15 {
        let s = format!("{f:.14E}");
        let (mantissa, exp) = s.split_once('E').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        let exp = exp
            .strip_prefix('-')
            .map_or(format!("+{exp}"), |e| format!("-{e}"));
        return format!("{mantissa}E{exp}");
    }
    if f.fract() == 0.0 {
        return format!("{}", f as i64);
    }
    f.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_like_excel() {
        assert_eq!(float_text(13812345678.0), "13812345678");
        assert_eq!(float_text(45.0), "45");
        assert_eq!(float_text(45.5), "45.5");
        assert_eq!(float_text(-3.0), "-3");
        assert_eq!(float_text(110105199003071234.0), "1.10105199003071E+17");
        assert_eq!(float_text(1e15), "1E+15");
        assert_eq!(float_text(110105900307123.0), "110105900307123");
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), ',');
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n"), ';');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3"), '\t');
        assert_eq!(detect_delimiter("name\n王\n"), ',');
        // Commas inside quotes, even across lines, do not count.
        assert_eq!(detect_delimiter("a;b\n\"x, y,\nz,\";2\n3;4\n"), ';');
    }

    #[test]
    fn csv_lines_follow_quoted_newlines() {
        let rows = parse_csv("t.csv", "h1,h2\n\"a\nb\",1\n\n,\nc,2\n", ',').unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2, 6]);
        assert_eq!(rows[1].1, ["a\nb", "1"]);
        let rows = parse_csv("t.csv", "h1,h2\r\n\"a\r\nb\",1\r\n\r\nc,2\r\nd,3\re,4", ',').unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2, 5, 6, 7]);
        assert_eq!(rows[1].1, ["a\nb", "1"]);
        let rows = parse_csv("t.csv", "\n\na\n\n\nb\n\"x\n\n\"\n\n\nc\n\n", ',').unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [3, 6, 7, 12]);
    }

    /// A big text read in two halves on two threads reads as from the top:
    /// the same cells on the same lines, around blank lines and CRLFs at
    /// the cut; a quote before halfway (a cell that may run across lines)
    /// or anywhere after it changes nothing either.
    #[test]
    fn a_csv_read_in_two_halves_reads_as_one() {
        let row = |i: usize| format!("学员{i},1380000{:04},{}\n", i % 10_000, if i % 7 == 0 { "" } else { "村" });
        let mut plain = String::from("姓名,手机,单位\n");
        while plain.len() < 3 << 20 {
            let i = plain.len();
            plain.push_str(&row(i));
            if i % 97 == 0 {
                plain.push_str("\n\n ,\n");
            }
        }
        // The start of the line `at` bytes in falls in.
        let line_start = |s: &str, at: usize| s.as_bytes()[..at].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        let cut = line_start(&plain, plain.len() / 2);
        let mut blank_at_cut = plain.clone();
        blank_at_cut.insert_str(cut, "\n\n,,\n");
        let crlf = plain.replace('\n', "\r\n");
        let mut quote_early = plain.clone();
        quote_early.insert_str(line_start(&plain, plain.len() / 8), "\"a\nquoted, cell\",1,2\n");
        let mut quote_late = plain.clone();
        let late = line_start(&plain, plain.len() * 3 / 4);
        quote_late.insert_str(late, "\"x\n\ny\",\"z\"\"\",3\n");
        // A quoted cell of many lines from a little before halfway to past it.
        let mut across = plain.clone();
        across.insert_str(line_start(&plain, plain.len() / 2 - 4096), &format!("\"{}\",9,9\n", "行\n".repeat(20_000)));
        for (what, text) in [
            ("plain", &plain),
            ("blank lines at the cut", &blank_at_cut),
            ("CRLF", &crlf),
            ("a quoted cell across the middle", &across),
            ("a quote early", &quote_early),
            ("a quote late", &quote_late),
        ] {
            let lf = text.replace("\r\n", "\n");
            let whole = parse_lf("t.csv", &lf, ',', 0).unwrap();
            let halves = parse_csv("t.csv", text, ',').unwrap();
            assert_eq!(halves.len(), whole.len(), "{what}");
            assert!(halves == whole, "{what}: the rows differ");
            assert_eq!(split_point(&lf).is_some(), what != "a quote early", "{what}: read in two halves");
        }
    }

    #[test]
    fn binary_is_not_a_table() {
        let e = read("x.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", &|_| true).unwrap_err();
        assert!(
            e.to_string().contains("is not a CSV or spreadsheet file"),
            "{e}"
        );
        let e = read("x.xlsx", b"PK\x03\x04garbage", &|_| true).unwrap_err();
        assert!(e.to_string().contains("damaged or cut-short workbook"), "{e}");
    }
}
