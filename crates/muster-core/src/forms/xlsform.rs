//! Reading an XLSForm workbook (`.xlsx` or the old binary `.xls`, through
//! calamine) into a [`Form`], without touching the store.
//!
//! Sheets and column headers are matched case-insensitively (`SURVEY`,
//! `LABEL::EN`); label, hint and message columns are read in every spelling
//! (`label`, `label:English`, `label::English (en)`) and every language is
//! kept. What pyxform 4.x (the converter of ODK, KoboToolbox, SurveyCTO)
//! reads, Muster reads: its whole table of question types and aliases
//! (`gps`, `location`, `q int`, `add date prompt`, `get start time`, …,
//! spelled as pyxform spells them: types are case-sensitive), every select
//! spelling (`select1 x`, `select one from x`, `select all that apply x`,
//! `… or other`, from a file, external, `rank`), `begin lgroup` / `looped
//! group` / `loop over LIST`, column-header aliases (`caption`, `command`,
//! `tag`, `value`, `relevance`, `calculation`, …), settings as survey rows,
//! `disabled` rows, notes without a name. A workbook with a single sheet is
//! taken as the survey, as XLSForm tools do. `tests/xlsform_parity.rs`
//! holds the two side by side.
//!
//! Types a paper form cannot carry, and questions inside repeats and loops,
//! are kept but skipped for keying, each with a reason. A form pyxform
//! refuses for a header or structure problem (no survey sheet, a column
//! given twice, an unknown type, a row with a name but no type, a question
//! without label or hint, an unclosed group, a loop without its list, ...)
//! is refused, as is an expression that does not parse, with an
//! [`Error::Invalid`] naming the file, sheet, row and column and worded for
//! the app ([`crate::Msg`], keys `form.*`); nothing half-read is returned.
//! Warnings are said in English and as `form.warn.*` sentences.

use super::expr::Expr;
use super::{Choice, Form, Group, Kind, Labels, Question, Skipped};
use crate::import::table::cell_text;
use crate::{Error, Msg, Result, Said};
use calamine::{Data, Range, Reader, SheetType, Sheets};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;
use std::path::Path;

/// Reads the XLSForm at `path`.
pub fn read(path: &Path) -> Result<Form> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut form = read_bytes(&name, &bytes)?;
    // The CSVs pulldata() reads sit beside the form.
    super::attachments::attach(&mut form, path.parent().unwrap_or(Path::new(".")));
    Ok(form)
}

/// One sheet as rows of text with their Excel row numbers.
struct Sheet {
    name: String,
    rows: Vec<(u64, Vec<String>)>,
}

/// Where in the workbook a problem is.
struct At<'a> {
    file: &'a str,
}

impl At<'_> {
    fn err(&self, sheet: &str, row: u64, col: Option<(usize, &str)>, message: impl std::fmt::Display) -> Error {
        // A header too long to name is quoted briefly, and the field is
        // then its column letter.
        let (column, field) = match col {
            Some((i, header)) if header.chars().count() > crate::error::QUOTE_CHARS => {
                (format!(", column {} ({})", column_letter(i), crate::quote(header)), Some(column_letter(i)))
            }
            Some((i, header)) => (format!(", column {} ({header})", column_letter(i)), Some(header.to_string())),
            None => (String::new(), None),
        };
        Error::invalid_at(
            format!("{}: sheet {}, row {row}{column}: {message}", self.file, crate::quote_if_long(sheet)),
            Some(self.file),
            Some(row),
            field.as_deref(),
        )
    }
}

impl At<'_> {
    /// [`At::err`] with its sentence for a person: `key` with the place
    /// (`file`, `sheet`, `row`, `column`) and `params`.
    fn worded(
        &self,
        sheet: &str,
        row: u64,
        col: Option<(usize, &str)>,
        message: impl std::fmt::Display,
        key: &str,
        params: &[(&str, &dyn std::fmt::Display)],
    ) -> Error {
        let column = col.map(|(i, h)| format!("{} {}", column_letter(i), crate::quote_if_long(h))).unwrap_or_default();
        let sheet_q = crate::quote_if_long(sheet).to_string();
        let mut all: Vec<(&str, &dyn std::fmt::Display)> = vec![("file", &self.file), ("sheet", &sheet_q), ("row", &row), ("column", &column)];
        all.extend_from_slice(params);
        self.err(sheet, row, col, message).worded(key, &all)
    }
}

impl At<'_> {
    /// [`At::worded`] for a sentence made elsewhere: `msg` with the place added.
    fn worded_msg(&self, sheet: &str, row: u64, col: Option<(usize, &str)>, message: impl std::fmt::Display, msg: Msg) -> Error {
        let params: Vec<(String, String)> = msg.params.into_iter().collect();
        let params: Vec<(&str, &dyn std::fmt::Display)> = params.iter().map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display)).collect();
        self.worded(sheet, row, col, message, &msg.key, &params)
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column index.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// [`read`] for bytes in memory; `file` names it in messages and gives the
/// default form id.
pub fn read_bytes(file: &str, bytes: &[u8]) -> Result<Form> {
    let at = At { file };
    let sheets = read_sheets(file, bytes)?;
    let find = |want: &str| sheets.iter().find(|s| s.name.trim().eq_ignore_ascii_case(want));
    let survey = match find("survey") {
        Some(s) => s,
        None => {
            let non_empty: Vec<&Sheet> = sheets.iter().filter(|s| !s.rows.is_empty()).collect();
            let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
            let known = |s: &Sheet| ["choices", "settings", "external_choices"].iter().any(|k| s.name.trim().eq_ignore_ascii_case(k));
            match non_empty.as_slice() {
                [only] if !known(only) => *only,
                _ => {
                    let sheets = names.join(", ");
                    return Err(at.worded(
                        "survey",
                        1,
                        Some((0, "type")),
                        format!("the workbook has no survey sheet (its sheets: {sheets}); an XLSForm needs a sheet named `survey` whose row 1 has type, name and label columns"),
                        "form.no_survey",
                        &[("sheets", &sheets)],
                    ));
                }
            }
        }
    };
    let settings = find("settings").map(|s| read_settings(&at, s)).transpose()?.unwrap_or_default();
    let stem = Path::new(file).file_stem().map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    let allow_dup = settings.get("allow_choice_duplicates").is_some_and(|v| is_yes(v));
    let mut warnings = Vec::new();
    let (lists, choice_langs) = match find("choices") {
        Some(s) => read_choices(&at, s, allow_dup, &mut warnings)?,
        None => (BTreeMap::new(), Vec::new()),
    };
    let external = match find("external_choices") {
        Some(s) => Some(read_choices(&at, s, true, &mut Vec::new())?.0),
        None => None,
    };
    let mut form = read_survey(&at, survey, &Sources { choices: &lists, external: external.as_ref() }, &mut warnings)?;
    for l in choice_langs {
        if !form.languages.contains(&l) {
            form.languages.push(l);
        }
    }
    // The settings sheet, else a setting written as a survey row, else the file's name.
    let on_survey = |v: &String| Some(v.clone()).filter(|v| !v.is_empty());
    let form_id = settings.get("form_id").filter(|v| !v.is_empty()).cloned().or_else(|| on_survey(&form.form_id)).unwrap_or(stem.clone());
    let title = settings.get("form_title").filter(|v| !v.is_empty()).cloned().or_else(|| on_survey(&form.title)).unwrap_or_else(|| form_id.clone());
    form.form_id = form_id;
    form.title = title;
    form.version = settings.get("version").filter(|v| !v.is_empty()).cloned();
    form.default_language = settings.get("default_language").filter(|v| !v.is_empty()).cloned();
    if find("survey").is_none() {
        let sq = crate::quote(&survey.name);
        warnings.insert(0, Said::new(format!("no sheet named survey: read the only sheet, {sq}, as the survey"), "form.warn.only_sheet", &[("sheet", &sq)]));
    }
    form.warnings_worded = warnings.iter().map(|w| w.msg.clone()).collect();
    form.warnings = warnings.into_iter().map(|w| w.english).collect();
    Ok(form)
}

fn read_sheets(file: &str, bytes: &[u8]) -> Result<Vec<Sheet>> {
    let not_form = |why: String| {
        Error::invalid_at(format!("{file} is not an XLSForm workbook ({why}); save it as .xlsx or .xls"), Some(file), None, None)
            .worded("form.not_xlsform", &[("file", &file)])
    };
    // In a child process when this binary can spawn one (import::isolate).
    let zip = bytes.starts_with(b"PK\x03\x04");
    if zip || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        if let Some(read) = crate::import::isolate::read(bytes) {
            let book = read.map_err(|u| crate::import::table::unread(file, bytes, u, &not_form))?;
            if book.format != "xlsx" && book.format != "xls" {
                return Err(not_form(format!("a ZIP archive but not an XLSX workbook: an {} file", book.format.to_uppercase())));
            }
            return sheets_from_book(file, book);
        }
    }
    crate::import::table::calamine_guard(|| read_sheets_unguarded(file, bytes, &not_form), || not_form("a damaged workbook".into()))
}

/// The sheets of a workbook read by the child: each row's cells trimmed,
/// trailing empty cells dropped; a sheet that could not be read refuses
/// the form.
fn sheets_from_book(file: &str, book: crate::import::isolate::RawBook) -> Result<Vec<Sheet>> {
    let mut out = Vec::new();
    for s in book.sheets {
        if let Some(e) = s.error {
            let sq = crate::quote(&s.name);
            return Err(Error::invalid_at(format!("{file}: sheet {sq} cannot be read: {e}"), Some(file), None, None)
                .worded("form.sheet_unreadable", &[("file", &file), ("sheet", &sq)]));
        }
        let rows: Vec<(u64, Vec<String>)> = s
            .rows
            .into_iter()
            .filter_map(|(line, cells)| {
                let mut cells: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
                while cells.last().is_some_and(String::is_empty) {
                    cells.pop();
                }
                (!cells.is_empty()).then_some((line, cells))
            })
            .collect();
        check_cells(&At { file }, &s.name, &rows)?;
        out.push(Sheet { rows, name: s.name });
    }
    Ok(out)
}

fn read_sheets_unguarded(file: &str, bytes: &[u8], not_form: &dyn Fn(String) -> Error) -> Result<Vec<Sheet>> {
    // In process (no reader child: the fuzz targets, behind their gate).
    if let Some(span) = crate::import::span::too_large(bytes) {
        return Err(crate::import::table::too_large(file, &span));
    }
    let book: Sheets<Cursor<&[u8]>> = if bytes.starts_with(b"PK\x03\x04") {
        calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map(Sheets::Xlsx)
            .map_err(|e: calamine::XlsxError| not_form(format!("a ZIP archive but not an XLSX workbook: {e}")))?
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map(Sheets::Xls)
            .map_err(|e: calamine::XlsError| not_form(format!("an Office file that cannot be read as an Excel 97-2003 workbook: {e}")))?
    } else if let Some(what) = crate::import::table::markup_kind(bytes) {
        return Err(Error::invalid_at(format!("{file} is {what}"), Some(file), None, None));
    } else {
        return Err(not_form("neither XLSX nor XLS content".into()));
    };
    let mut book = book;
    let names: Vec<String> = book.sheets_metadata().iter().filter(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).collect();
    let mut out = Vec::new();
    for name in names {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| {
                let sq = crate::quote(&name);
                Error::invalid_at(format!("{file}: sheet {sq} cannot be read: {e}"), Some(file), None, None).worded("form.sheet_unreadable", &[("file", &file), ("sheet", &sq)])
            })?;
        let rows = grid(&range);
        check_cells(&At { file }, &name, &rows)?;
        out.push(Sheet { rows, name });
    }
    Ok(out)
}

/// Refuses a cell longer than a spreadsheet cell may be
/// ([`crate::import::table::MAX_CELL_CHARS`]: a label, hint or choice of
/// that length is no questionnaire's), naming sheet, row and column.
fn check_cells(at: &At<'_>, sheet: &str, rows: &[(u64, Vec<String>)]) -> Result<()> {
    use crate::import::table::MAX_CELL_CHARS;
    for (row, cells) in rows {
        for (i, cell) in cells.iter().enumerate() {
            if cell.len() <= MAX_CELL_CHARS {
                continue;
            }
            let n = cell.chars().count();
            if n > MAX_CELL_CHARS {
                let header = rows.first().filter(|(r, _)| r != row).and_then(|(_, h)| h.get(i)).map_or("", String::as_str);
                let header = if header.is_empty() || header.chars().count() > crate::error::QUOTE_CHARS { column_letter(i) } else { header.to_string() };
                let start = crate::quote(cell);
                return Err(at.worded(
                    sheet,
                    *row,
                    Some((i, &header)),
                    format!("the cell holds {n} characters, more than the {MAX_CELL_CHARS} a spreadsheet cell can hold; shorten it (it starts {start})"),
                    "form.cell_too_long",
                    &[("n", &n), ("max", &MAX_CELL_CHARS), ("value", &start)],
                ));
            }
        }
    }
    Ok(())
}

fn grid(range: &Range<Data>) -> Vec<(u64, Vec<String>)> {
    let Some((r0, c0)) = range.start() else { return Vec::new() };
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let mut cells = vec![String::new(); c0 as usize];
        cells.extend(row.iter().map(|c| cell_text(c).trim().to_string()));
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if !cells.is_empty() {
            rows.push((u64::from(r0) + i as u64 + 1, cells));
        }
    }
    rows
}

fn is_yes(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "yes" | "true" | "true()" | "1" | "y")
}

fn is_no(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "" | "no" | "false" | "false()" | "0" | "n")
}

/// What a survey or choices column means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Col {
    Type,
    Name,
    ListName,
    Label(String),
    Hint(String),
    Required,
    RequiredMessage(String),
    Constraint,
    ConstraintMessage(String),
    Relevant,
    ChoiceFilter,
    Appearance,
    Parameters,
    /// `disabled`: a row switched off.
    Disabled,
    /// `calculation` (a calculate's expression).
    Calculation,
    /// `default`.
    Default,
    /// `repeat_count` (`count`, `jr:count`): how many repetitions a repeat
    /// has. The header.
    RepeatCount(String),
    /// A picture, sound or video shown with the question (`image`,
    /// `media::audio::English`, …): stands in for a label. The header.
    Media(String),
    /// Understood and deliberately not used for keying.
    Ignored(String),
    /// Any other column (kept on choices for `choice_filter`).
    Other(String),
}

/// Splits `label::English (en)` / `label:English` into (`label`, `English (en)`).
fn split_lang(h: &str) -> (String, String) {
    match h.find(':') {
        Some(i) => {
            let rest = h[i..].trim_start_matches(':');
            (h[..i].trim().to_ascii_lowercase(), rest.trim().to_string())
        }
        None => (h.trim().to_ascii_lowercase(), String::new()),
    }
}

fn column(header: &str) -> Col {
    let lower = header.trim().to_ascii_lowercase().replace(' ', "_");
    let stripped = lower.strip_prefix("bind::").or_else(|| lower.strip_prefix("bind:")).unwrap_or(&lower);
    let stripped = stripped.strip_prefix("jr:").unwrap_or(stripped);
    let stripped = stripped.strip_prefix("control::").or_else(|| stripped.strip_prefix("control:")).unwrap_or(stripped);
    // pyxform's column names and their aliases (aliases.survey_header, list_header).
    match stripped {
        "type" | "command" => return Col::Type,
        "name" | "tag" | "value" => return Col::Name,
        "list_name" => return Col::ListName,
        "required" => return Col::Required,
        "constraint" => return Col::Constraint,
        "relevant" | "relevance" => return Col::Relevant,
        "choice_filter" => return Col::ChoiceFilter,
        "appearance" => return Col::Appearance,
        "parameters" => return Col::Parameters,
        "disabled" => return Col::Disabled,
        "calculation" | "calculate" => return Col::Calculation,
        "default" => return Col::Default,
        "requiredmsg" | "constraintmsg" => {}
        "image" | "big-image" | "audio" | "video" => return Col::Media(stripped.to_string()),
        "repeat_count" | "count" | "jr:count" => return Col::RepeatCount(header.trim().to_string()),
        "read_only" | "readonly" | "trigger" | "autoplay" | "rows" | "note" | "buttontext"
        | "noapperrorstring" | "no_app_error_string" => return Col::Ignored(header.trim().to_string()),
        _ => {}
    }
    if ["media:", "image:", "big-image:", "audio:", "video:"].iter().any(|p| stripped.starts_with(p)) {
        return Col::Media(stripped.to_string());
    }
    if stripped.starts_with("instance::") {
        return Col::Ignored(header.trim().to_string());
    }
    // Headers with a language: keep the language as written.
    let original = header.trim();
    let original = ["bind::jr:", "bind:jr:", "bind::", "bind:", "jr:"]
        .iter()
        .find_map(|p| original.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).map(|_| &original[p.len()..]))
        .unwrap_or(original);
    let (base, lang) = split_lang(original);
    match base.replace(' ', "_").as_str() {
        "label" | "caption" => Col::Label(lang),
        "hint" => Col::Hint(lang),
        "constraint_message" | "constraintmsg" | "constraining_message" => Col::ConstraintMessage(lang),
        "required_message" | "requiredmsg" => Col::RequiredMessage(lang),
        _ => Col::Other(header.trim().to_string()),
    }
}

/// Maps header cells to columns; two headers meaning the same column (two
/// `label`, or `relevant` beside `relevance`) are refused.
/// The header row's number and its (column index, header, meaning).
type Header = (u64, Vec<(usize, String, Col)>);

fn header_map(at: &At<'_>, sheet: &Sheet) -> Result<Header> {
    let Some((row, cells)) = sheet.rows.first() else {
        return Ok((1, Vec::new()));
    };
    let mut seen: HashMap<Col, (usize, String)> = HashMap::new();
    let mut out = Vec::new();
    for (i, h) in cells.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        let col = column(h);
        let key = match &col {
            Col::Label(l) => Col::Label(l.to_lowercase()),
            Col::Hint(l) => Col::Hint(l.to_lowercase()),
            Col::ConstraintMessage(l) => Col::ConstraintMessage(l.to_lowercase()),
            Col::RequiredMessage(l) => Col::RequiredMessage(l.to_lowercase()),
            Col::Other(o) | Col::Ignored(o) | Col::RepeatCount(o) => Col::Other(o.to_lowercase()),
            other => other.clone(),
        };
        if let Some((j, first)) = seen.get(&key) {
            let (a, b) = (format!("{} ({first})", column_letter(*j)), format!("{} ({h})", column_letter(i)));
            return Err(at.worded(
                &sheet.name,
                *row,
                Some((i, h)),
                format!("column {a} and column {b} are the same column, so which one holds the value is ambiguous; delete or rename one"),
                "form.same_column",
                &[("first", &a), ("second", &b)],
            ));
        }
        seen.insert(key, (i, h.clone()));
        out.push((i, h.clone(), col));
    }
    Ok((*row, out))
}

fn read_settings(at: &At<'_>, sheet: &Sheet) -> Result<HashMap<String, String>> {
    let (_, cols) = header_map(at, sheet)?;
    let mut out = HashMap::new();
    if let Some((_, values)) = sheet.rows.get(1) {
        for (i, h, _) in &cols {
            let key = h.trim().to_ascii_lowercase().replace(' ', "_");
            // pyxform's aliases.settings_header.
            let key = key.strip_prefix("set_").filter(|k| *k == "form_title" || *k == "form_id").map_or(key.clone(), str::to_string);
            out.insert(key, values.get(*i).cloned().unwrap_or_default());
        }
    }
    Ok(out)
}

type Lists = BTreeMap<String, Vec<Choice>>;

fn read_choices(at: &At<'_>, sheet: &Sheet, allow_dup: bool, warnings: &mut Vec<Said>) -> Result<(Lists, Vec<String>)> {
    let (header_row, cols) = header_map(at, sheet)?;
    let find = |want: &Col| cols.iter().find(|(_, _, c)| c == want).map(|(i, h, _)| (*i, h.clone()));
    // Without a list_name column the sheet holds no list (a select naming one is refused there).
    let Some((list_col, _)) = find(&Col::ListName) else {
        return Ok((BTreeMap::new(), Vec::new()));
    };
    let Some((name_col, name_header)) = find(&Col::Name) else {
        return Err(at.worded(
            &sheet.name,
            header_row,
            None,
            "no name column (the value stored for each choice)",
            "form.choices_no_name_column",
            &[],
        ));
    };
    let mut langs = Vec::new();
    for (_, _, c) in &cols {
        if let Col::Label(l) = c {
            if !langs.contains(l) {
                langs.push(l.clone());
            }
        }
    }
    let mut lists: Lists = BTreeMap::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (row, cells) in sheet.rows.iter().skip(1) {
        let cell = |i: usize| cells.get(i).map_or("", String::as_str);
        let list = cell(list_col);
        if list.is_empty() {
            continue;
        }
        let value = cell(name_col);
        if value.is_empty() {
            let lq = crate::quote(list);
            return Err(at.worded(&sheet.name, *row, Some((name_col, &name_header)), format!("a choice of list {lq} has no name (the value stored when it is chosen)"), "form.choice_no_name", &[("list", &lq)]));
        }
        if !seen.insert((list.to_string(), value.to_string())) {
            if !allow_dup {
                let (lq, vq) = (crate::quote(list), crate::quote(value));
                return Err(at.worded(
                    &sheet.name,
                    *row,
                    Some((name_col, &name_header)),
                    format!("list {lq} has the choice {vq} twice (set allow_choice_duplicates in settings if that is meant)"),
                    "form.choice_twice",
                    &[("list", &lq), ("value", &vq)],
                ));
            }
            let (lq, vq) = (crate::quote(list), crate::quote(value));
            warnings.push(Said::new(
                format!("list {lq} has the choice {vq} more than once (allowed by settings); keyers key it by number"),
                "form.warn.choice_repeated",
                &[("list", &lq), ("value", &vq)],
            ));
        }
        let mut labels = Labels::new();
        let mut columns = BTreeMap::new();
        for (i, h, c) in &cols {
            let v = cell(*i);
            match c {
                Col::Label(l) if !v.is_empty() => {
                    labels.insert(l.clone(), v.to_string());
                }
                Col::Other(_) | Col::Ignored(_) | Col::RepeatCount(_) | Col::Media(_) | Col::Relevant | Col::Type | Col::ChoiceFilter => {
                    columns.insert(h.clone(), v.to_string());
                }
                _ => {}
            }
        }
        lists.entry(list.to_string()).or_default().push(Choice { value: value.to_string(), labels, key: String::new(), columns });
    }
    for choices in lists.values_mut() {
        assign_keys(choices);
    }
    Ok((lists, langs))
}

/// Keys are the codes themselves when every code is a distinct whole
/// number, else positions 1, 2, ….
fn assign_keys(choices: &mut [Choice]) {
    let numeric = choices.iter().all(|c| !c.value.is_empty() && c.value.len() <= 4 && c.value.chars().all(|ch| ch.is_ascii_digit()));
    let distinct = choices.iter().map(|c| &c.value).collect::<HashSet<_>>().len() == choices.len();
    for (i, c) in choices.iter_mut().enumerate() {
        c.key = if numeric && distinct { c.value.clone() } else { (i + 1).to_string() };
    }
}

/// A container: `begin group`, `begin repeat` (also `lgroup`, `looped
/// group`) or `begin loop over LIST` (pyxform's aliases.control).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Group,
    Repeat,
    Loop,
}

impl Control {
    fn word(self) -> &'static str {
        match self {
            Control::Group => "group",
            Control::Repeat => "repeat",
            Control::Loop => "loop",
        }
    }
}

/// The parsed `type` cell.
enum Type {
    Question(Kind),
    Select { kind: Kind, list: String, or_other: bool },
    /// A select whose choices the device loads (a file, external choices,
    /// a map) or orders (`rank`): kept, not keyed, with the reason; its
    /// list, when it must be on a sheet of the workbook, and that sheet.
    SelectSkip { reason: &'static str, list: Option<(String, &'static str)>, or_other: bool },
    Begin { control: Control, list: Option<String> },
    End(Control),
    /// Kept, not keyed: the reason.
    Skip(&'static str),
    /// `select_one_from_file LIST` whose LIST is no file name.
    FileListWithoutExtension(String),
    /// A setting written as a survey row (`form_title`, `form_id`,
    /// `prefix`): its name cell is the value.
    Setting(&'static str),
}

const GPS: &str = "a GPS reading taken by the device";
const MEDIA: &str = "a photo, recording or file captured by the device";
const META: &str = "metadata the device records itself";

/// The question types of pyxform's QUESTION_TYPE_DICT (4.x) and its
/// aliases, spelled exactly as pyxform spells them (types are
/// case-sensitive there: `TEXT` is no type).
fn simple_type(t: &str) -> Option<Type> {
    let q = |k| Some(Type::Question(k));
    let skip = |r| Some(Type::Skip(r));
    match t {
        "text" | "string" | "q string" | "add text prompt" | "phone number" => q(Kind::Text),
        "integer" | "int" | "q int" | "add integer prompt" | "percentage" | "number of days in last month"
        | "number of days in last six months" | "number of days in last year" => q(Kind::Integer),
        "decimal" | "q decimal" | "add decimal prompt" | "range" => q(Kind::Decimal),
        "date" | "q date" | "add date prompt" => q(Kind::Date),
        "time" => q(Kind::Time),
        "dateTime" | "datetime" | "q dateTime" | "q date time" | "date time" | "add dateTime prompt" | "add date time prompt" => {
            q(Kind::DateTime)
        }
        "note" | "q note" | "add note prompt" => q(Kind::Note),
        "geopoint" | "geotrace" | "geoshape" | "gps" | "location" | "q location" | "q geopoint" | "q geoshape" | "q geotrace"
        | "add location prompt" | "start-geopoint" | "background-geopoint" => skip(GPS),
        "image" | "photo" | "q picture" | "q image" | "add image prompt" | "add photo prompt" | "audio" | "q audio"
        | "add audio prompt" | "video" | "q video" | "add video prompt" | "file" | "add file prompt" | "background-audio" | "osm" => {
            skip(MEDIA)
        }
        "barcode" | "q barcode" | "add barcode prompt" => skip("a barcode scanned by the device"),
        "start" | "end" | "today" | "deviceid" | "imei" | "simserial" | "subscriberid" | "phonenumber" | "username" | "email"
        | "audit" | "uri:deviceid" | "uri:simserial" | "uri:subscriberid" | "uri:phonenumber" | "uri:username" | "uri:email"
        | "get start time" | "start time" | "get end time" | "end time" | "get today" | "device id" | "get device id"
        | "subscriber id" | "get subscriber id" | "sim id" | "get sim id" | "get phone number" => skip(META),
        "calculate" | "q calculate" | "add calculate prompt" | "hidden" => skip("computed by the device, not written on paper"),
        "acknowledge" | "q acknowledge" | "add acknowledge prompt" | "trigger" => skip("a confirmation button on the device"),
        "xml-external" | "csv-external" => skip("external data, not written on paper"),
        "form_title" | "set_form_title" => Some(Type::Setting("form_title")),
        "form_id" | "set_form_id" => Some(Type::Setting("form_id")),
        "prefix" => Some(Type::Setting("prefix")),
        _ => None,
    }
}

/// The select commands of pyxform's aliases.select, longest first.
const SELECTS: &[&str] = &[
    "add select multiple prompt using",
    "add select one prompt using",
    "select all that apply from",
    "select multiple from file",
    "select_multiple_from_file",
    "select_one_from_file",
    "select one from file",
    "select all that apply",
    "select_one_external",
    "select_multiple",
    "select one from",
    "select_one",
    "select one",
    "select1",
    "rank",
];

/// The extensions of a list a device loads from a file (pyxform's
/// EXTERNAL_INSTANCE_EXTENSIONS).
fn file_list(list: &str) -> bool {
    let l = list.to_ascii_lowercase();
    [".csv", ".xml", ".geojson"].iter().any(|e| l.ends_with(e) && l.len() > e.len())
}

fn parse_type(raw: &str) -> Option<Type> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(ty) = simple_type(&t) {
        return Some(ty);
    }
    // begin/end group|repeat|lgroup|looped group|loop, with `_` or a space;
    // a begin may name a list (`begin loop over LIST`).
    let controls: &[(&str, Control)] =
        &[("looped group", Control::Repeat), ("lgroup", Control::Repeat), ("group", Control::Group), ("repeat", Control::Repeat), ("loop", Control::Loop)];
    for (word, is_begin) in [("begin", true), ("end", false)] {
        let Some(rest) = t.strip_prefix(word).and_then(|r| r.strip_prefix(' ').or_else(|| r.strip_prefix('_'))) else { continue };
        for (c, control) in controls {
            let Some(after) = rest.strip_prefix(c) else { continue };
            if after.is_empty() {
                return Some(if is_begin { Type::Begin { control: *control, list: None } } else { Type::End(*control) });
            }
            if !is_begin {
                continue;
            }
            let Some(after) = after.strip_prefix(' ') else { continue };
            let list = after.strip_prefix("over ").unwrap_or(after);
            if !list.is_empty() && !list.contains(' ') {
                return Some(Type::Begin { control: *control, list: Some(list.to_string()) });
            }
        }
    }
    // `COMMAND LIST`, then or_other / or specify other / or other.
    for cmd in SELECTS {
        let Some(rest) = t.strip_prefix(cmd).and_then(|r| r.strip_prefix(' ')) else { continue };
        let (list, or_other) = match ["or_other", "or specify other", "or other"].iter().find_map(|o| rest.strip_suffix(o).and_then(|l| l.strip_suffix(' '))) {
            Some(l) => (l, true),
            None => (rest, false),
        };
        if list.is_empty() || list.contains(' ') {
            continue;
        }
        let list = list.to_string();
        let from_file = cmd.contains("file");
        return Some(match *cmd {
            _ if from_file && !file_list(&list) => Type::FileListWithoutExtension(list),
            _ if from_file => Type::SelectSkip { reason: "a list the device loads from a file; not supported for keying", list: None, or_other },
            "select_one_external" => Type::SelectSkip {
                reason: "a list the device loads from external choices; not supported for keying",
                list: Some((list, "external_choices")),
                or_other,
            },
            "rank" => Type::SelectSkip { reason: "choices the device has put in order; not supported for keying", list: Some((list, "choices")), or_other },
            _ if file_list(&list) => Type::SelectSkip { reason: "a list the device loads from a file; not supported for keying", list: None, or_other },
            c => {
                let kind = if c.contains("multiple") || c.contains("all that apply") { Kind::SelectMultiple } else { Kind::SelectOne };
                Type::Select { kind, list, or_other }
            }
        });
    }
    // `osm LIST` (pyxform's RE_OSM).
    if t.starts_with("osm ") {
        return Some(Type::Skip(MEDIA));
    }
    None
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// The choice lists a survey may name: the choices sheet's, and the
/// external_choices sheet's when the workbook has one.
struct Sources<'a> {
    choices: &'a Lists,
    external: Option<&'a Lists>,
}

/// One open container and the names used directly inside it (pyxform
/// wants a name unique within its nearest group or repeat).
struct Open {
    name: String,
    control: Control,
    row: u64,
    list: Option<String>,
    names: HashMap<String, u64>,
}

fn read_survey(at: &At<'_>, sheet: &Sheet, sources: &Sources<'_>, warnings: &mut Vec<Said>) -> Result<Form> {
    let lists = sources.choices;
    let (header_row, cols) = header_map(at, sheet)?;
    let find = |want: &Col| cols.iter().find(|(_, _, c)| c == want).map(|(i, h, _)| (*i, h.clone()));
    let Some((type_col, type_header)) = find(&Col::Type) else {
        return Err(at.worded(
            &sheet.name,
            header_row,
            Some((0, "type")),
            "no `type` column in row 1 (the survey needs type, name and label columns)",
            "form.no_type_column",
            &[],
        ));
    };
    // Without a name column only notes can be named (pyxform names them);
    // any other row is refused at its row, the name's column the next free one.
    let (name_col, name_header) = find(&Col::Name).unwrap_or_else(|| (cols.iter().map(|c| c.0 + 1).max().unwrap_or(0), "name".to_string()));
    let mut languages: Vec<String> = Vec::new();
    for (_, _, c) in &cols {
        if let Col::Label(l) = c {
            if !languages.contains(l) {
                languages.push(l.clone());
            }
        }
    }
    let ignored: Vec<&str> = cols.iter().filter_map(|(_, h, c)| matches!(c, Col::Other(_)).then_some(h.as_str())).collect();
    if !ignored.is_empty() {
        let columns = ignored.join(", ");
        warnings.push(Said::new(format!("survey columns not used for keying: {columns}"), "form.warn.columns_unused", &[("columns", &columns)]));
    }
    let mut questions: Vec<Question> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // The names outside every container, and every name (for references: the first row).
    let mut top: HashMap<String, u64> = HashMap::new();
    let mut names: HashMap<String, u64> = HashMap::new();
    let mut settings: BTreeMap<&'static str, String> = BTreeMap::new();
    // How many rows use each name: a reference must name one.
    let mut uses: HashMap<String, usize> = HashMap::new();
    // Expressions are checked once every name is known.
    let mut exprs: Vec<(u64, usize, String, String)> = Vec::new();

    for (row, cells) in sheet.rows.iter().skip(1) {
        let cell = |i: usize| cells.get(i).map_or("", String::as_str);
        let raw_type = cell(type_col);
        // A row switched off (`disabled` yes) is not part of the form.
        if find(&Col::Disabled).is_some_and(|(i, _)| is_yes(cell(i))) {
            continue;
        }
        let labelled = cols.iter().any(|(i, _, c)| matches!(c, Col::Label(_)) && !cell(*i).is_empty());
        if raw_type.is_empty() {
            // A comment row is skipped; a row with a name or label but no type is a question without one.
            if !cell(name_col).is_empty() || labelled {
                let nq = crate::quote(cell(name_col));
                return Err(at.worded(
                    &sheet.name,
                    *row,
                    Some((type_col, &type_header)),
                    format!("the row has a name ({nq}) or label but no type; give it a type, or delete it"),
                    "form.no_type",
                    &[("name", &nq)],
                ));
            }
            continue;
        }
        let ty = parse_type(raw_type).ok_or_else(|| {
            let tq = crate::quote(raw_type);
            at.worded(&sheet.name, *row, Some((type_col, &type_header)), format!("unknown question type {tq}"), "form.unknown_type", &[("value", &tq)])
        })?;
        let mut labels = Labels::new();
        let mut hints = Labels::new();
        let mut constraint_message = Labels::new();
        let mut required_message = Labels::new();
        let get = |want: &Col| cols.iter().find(|(_, _, c)| c == want).map(|(i, _, _)| cell(*i).to_string()).filter(|v| !v.is_empty());
        for (i, _, c) in &cols {
            let v = cell(*i);
            if v.is_empty() {
                continue;
            }
            match c {
                Col::Label(l) => labels.insert(l.clone(), v.to_string()),
                Col::Hint(l) => hints.insert(l.clone(), v.to_string()),
                Col::ConstraintMessage(l) => constraint_message.insert(l.clone(), v.to_string()),
                Col::RequiredMessage(l) => required_message.insert(l.clone(), v.to_string()),
                _ => None,
            };
        }
        let relevant = get(&Col::Relevant);
        let mut name = cell(name_col).to_string();
        let t = raw_type.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Type::Setting(key) = ty {
            settings.insert(key, name);
            continue;
        }
        if t == "calculate" && get(&Col::Calculation).is_none() && !get(&Col::Default).is_some_and(|d| dynamic_default(&d)) {
            return Err(at.worded(
                &sheet.name,
                *row,
                Some((type_col, &type_header)),
                "a calculate needs a calculation (the calculation column is empty)",
                "form.no_calculation",
                &[],
            ));
        }
        if t == "audit" {
            if name.is_empty() {
                name = "audit".into();
            } else if name != "audit" {
                let nq = crate::quote(&name);
                return Err(at.worded(&sheet.name, *row, Some((name_col, &name_header)), format!("an audit is always named audit, not {nq}; leave its name empty"), "form.audit_name", &[("value", &nq)]));
            }
        }
        if let Type::End(control) = ty {
            let Some(open) = stack.pop() else {
                let tq = crate::quote(raw_type);
                return Err(at.worded(&sheet.name, *row, Some((type_col, &type_header)), format!("{tq} without a matching begin"), "form.end_without_begin", &[("value", &tq)]));
            };
            if open.control != control {
                let (tq, oq) = (crate::quote(raw_type), crate::quote(&open.name));
                return Err(at.worded(
                    &sheet.name,
                    *row,
                    Some((type_col, &type_header)),
                    format!("{tq} closes {} {oq} (row {})", open.control.word(), open.row),
                    "form.end_mismatch",
                    &[("value", &tq), ("open", &oq)],
                ));
            }
            continue;
        }
        if name.is_empty() && t == "note" {
            // pyxform names a note itself.
            name = format!("generated_note_name_{row}");
        }
        if name.is_empty() {
            let tq = crate::quote(raw_type);
            return Err(at.worded(&sheet.name, *row, Some((name_col, &name_header)), format!("a {tq} needs a name"), "form.needs_name", &[("value", &tq)]));
        }
        if !valid_name(&name) {
            let nq = crate::quote(&name);
            return Err(at.worded(
                &sheet.name,
                *row,
                Some((name_col, &name_header)),
                format!("{nq} is not a valid name (letters, digits, _ - . : only, starting with a letter or _)"),
                "form.bad_name",
                &[("value", &nq)],
            ));
        }
        let siblings = stack.last_mut().map_or(&mut top, |o| &mut o.names);
        if let Some(first) = siblings.insert(name.clone(), *row) {
            let nq = crate::quote(&name);
            return Err(at.worded(&sheet.name, *row, Some((name_col, &name_header)), format!("the name {nq} is already used on row {first}"), "form.name_taken", &[("value", &nq), ("first", &first)]));
        }
        // The same name in another group: kept, keyed once (the first).
        let elsewhere = names.get(&name).copied();
        names.entry(name.clone()).or_insert(*row);
        *uses.entry(name.clone()).or_insert(0) += 1;
        if let Some(r) = &relevant {
            let i = find(&Col::Relevant).map_or(0, |c| c.0);
            exprs.push((*row, i, "relevant".into(), r.clone()));
        }
        if let Type::Begin { control, list } = ty {
            if control == Control::Loop {
                let Some(l) = &list else {
                    return Err(at.worded(&sheet.name, *row, Some((type_col, &type_header)), "a loop needs a list: begin loop over LIST", "form.loop_no_list", &[]));
                };
                if !lists.contains_key(l) {
                    let lq = crate::quote(l);
                    return Err(at.worded(&sheet.name, *row, Some((type_col, &type_header)), format!("the choice list {lq} is not on the choices sheet"), "form.list_missing", &[("list", &lq)]));
                }
            }
            let list = if control == Control::Loop { list } else { None };
            // The count of a repeat (a number or an expression over earlier
            // answers), checked when the repeat is keyed.
            let repeat_count = if control == Control::Repeat {
                cols.iter().find(|(_, _, c)| matches!(c, Col::RepeatCount(_))).map(|(i, _, _)| cell(*i).trim().to_string()).filter(|v| !v.is_empty())
            } else {
                None
            };
            groups.push(Group { name: name.clone(), labels, repeat: control != Control::Group, relevant, row: *row, repeat_count });
            stack.push(Open { name, control, row: *row, list, names: HashMap::new() });
            continue;
        }
        // What the device shows needs a label, a hint or a picture or sound (pyxform).
        let shown = !matches!(ty, Type::Skip(META) | Type::Skip("computed by the device, not written on paper") | Type::Skip("external data, not written on paper"))
            && !matches!(t.as_str(), "start-geopoint" | "background-geopoint" | "background-audio");
        let has_media = cols.iter().any(|(i, _, c)| matches!(c, Col::Media(_)) && !cell(*i).is_empty());
        if shown && labels.is_empty() && hints.is_empty() && !has_media {
            let nq = crate::quote(&name);
            return Err(at.worded(
                &sheet.name,
                *row,
                Some((type_col, &type_header)),
                format!("{nq} has no label or hint: the question needs words to be asked by"),
                "form.no_label",
                &[("name", &nq)],
            ));
        }
        if let Some((i, h)) = find(&Col::Parameters) {
            let raw = cell(i);
            if !raw.trim().is_empty() {
                check_parameters(&t, &ty, raw).map_err(|(english, msg)| at.worded_msg(&sheet.name, *row, Some((i, &h)), english, msg))?;
            }
        }
        // A question of one repeat is keyed, once per repetition; a loop, a
        // repeat in a repeat and a repeat in a loop are kept, not keyed.
        let containers: Vec<&Open> = stack.iter().filter(|o| o.control != Control::Group).collect();
        let in_repeat = match containers.as_slice() {
            [] => None,
            [o] if o.control == Control::Repeat => None,
            _ => match containers.iter().rev().find(|o| o.control == Control::Loop) {
                Some(o) => Some(format!("inside loop {} over {}: loops are not keyed yet (kept in the form)", o.name, crate::quote(o.list.as_deref().unwrap_or("")))),
                None => {
                    let (outer, inner) = (containers[0], containers[containers.len() - 1]);
                    Some(format!("inside repeat {} within repeat {}: a repeat in a repeat is not keyed (kept in the form)", inner.name, outer.name))
                }
            },
        };
        let (kind, list, or_other, mut skipped) = match ty {
            Type::Question(k) => (k, None, false, None),
            Type::Select { kind, list, or_other } => (kind, Some(list), or_other, None),
            Type::SelectSkip { reason, list, or_other } => {
                if let Some((l, on)) = &list {
                    let found = if *on == "external_choices" { sources.external.is_some_and(|x| x.contains_key(l)) } else { lists.contains_key(l) };
                    if !found {
                        let lq = crate::quote(l);
                        return Err(at.worded(
                            &sheet.name,
                            *row,
                            Some((type_col, &type_header)),
                            format!("the choice list {lq} is not on the {on} sheet"),
                            "form.list_missing_on",
                            &[("list", &lq), ("on", on)],
                        ));
                    }
                }
                if or_other && get(&Col::ChoiceFilter).is_some() {
                    return Err(at.worded(&sheet.name, *row, Some((type_col, &type_header)), "or_other cannot be used with a choice_filter", "form.other_filter", &[]));
                }
                (Kind::Other, None, false, Some(reason.to_string()))
            }
            Type::Skip(reason) => (Kind::Other, None, false, Some(reason.to_string())),
            Type::FileListWithoutExtension(l) => {
                let lq = crate::quote(&l);
                return Err(at.worded(
                    &sheet.name,
                    *row,
                    Some((type_col, &type_header)),
                    format!("the file {lq} of a select from a file should end in .csv, .xml or .geojson"),
                    "form.file_list",
                    &[("list", &lq)],
                ));
            }
            Type::Begin { .. } | Type::End(_) | Type::Setting(_) => continue,
        };
        if or_other && get(&Col::ChoiceFilter).is_some() {
            return Err(at.worded(&sheet.name, *row, Some((type_col, &type_header)), "or_other cannot be used with a choice_filter", "form.other_filter", &[]));
        }
        if skipped.is_none() && kind.answerable() {
            if let Some(first) = elsewhere {
                let nq = crate::quote(&name);
                skipped = Some(format!("the name {nq} is also used on row {first}, in another group; only that one is keyed"));
            }
        }
        let mut choices = Vec::new();
        if let Some(l) = &list {
            match lists.get(l) {
                Some(c) if kind == Kind::SelectMultiple && c.iter().any(|c| c.value.contains(' ')) => {
                    let (lq, vq) = (crate::quote(l), crate::quote(&c.iter().find(|c| c.value.contains(' ')).map(|c| c.value.clone()).unwrap_or_default()));
                    return Err(at.worded(
                        &sheet.name,
                        *row,
                        Some((type_col, &type_header)),
                        format!("list {lq} has the choice {vq}, with a space, which a multiple choice cannot store; rename it (e.g. with _)"),
                        "form.choice_space",
                        &[("list", &lq), ("value", &vq)],
                    ));
                }
                Some(c) => choices = c.clone(),
                None => {
                    let lq = crate::quote(l);
                    return Err(at.worded(&sheet.name, *row, Some((type_col, &type_header)), format!("the choice list {lq} is not on the choices sheet"), "form.list_missing", &[("list", &lq)]));
                }
            }
            if or_other {
                let mut other = Labels::new();
                for lang in languages.iter().chain(std::iter::once(&String::new())) {
                    other.insert(lang.clone(), "Other".into());
                }
                choices.push(Choice { value: "other".into(), labels: other, key: String::new(), columns: BTreeMap::new() });
                assign_keys(&mut choices);
            }
        }
        if skipped.is_none() && kind.answerable() {
            skipped = in_repeat;
        }
        let required_cell = get(&Col::Required).unwrap_or_default();
        let (required, required_if) = if is_yes(&required_cell) {
            (true, None)
        } else if is_no(&required_cell) {
            (false, None)
        } else {
            let i = find(&Col::Required).map_or(0, |c| c.0);
            exprs.push((*row, i, "required".into(), required_cell.clone()));
            (false, Some(required_cell))
        };
        let mut constraint = get(&Col::Constraint);
        if kind == Kind::Decimal && raw_type.trim().eq_ignore_ascii_case("range") {
            if let Some(bounds) = get(&Col::Parameters).and_then(|p| range_bounds(&p)) {
                constraint = Some(match constraint {
                    Some(c) => format!("({c}) and ({bounds})"),
                    None => bounds,
                });
            }
        }
        if let Some(c) = &constraint {
            let i = find(&Col::Constraint).map_or(0, |c| c.0);
            exprs.push((*row, i, "constraint".into(), c.clone()));
        }
        let choice_filter = get(&Col::ChoiceFilter);
        if let Some(c) = &choice_filter {
            let i = find(&Col::ChoiceFilter).map_or(0, |c| c.0);
            exprs.push((*row, i, "choice_filter".into(), c.clone()));
        }
        let q = Question {
            name: name.clone(),
            kind,
            type_name: raw_type.to_string(),
            row: *row,
            labels,
            hints,
            list,
            choices,
            or_other,
            required,
            required_if,
            required_message,
            constraint,
            constraint_message,
            relevant,
            choice_filter,
            appearance: get(&Col::Appearance),
            groups: stack.iter().map(|o| o.name.clone()).collect(),
            skipped,
        };
        let other = or_other.then(|| {
            let mut labels = Labels::new();
            for lang in languages.iter().chain(std::iter::once(&String::new())) {
                labels.insert(lang.clone(), format!("{}: specify other", q.label(Some(lang))));
            }
            Question {
                name: format!("{name}_other"),
                kind: Kind::Text,
                type_name: "text".into(),
                row: *row,
                labels,
                hints: Labels::new(),
                list: None,
                choices: Vec::new(),
                or_other: false,
                required: false,
                required_if: None,
                required_message: Labels::new(),
                constraint: None,
                constraint_message: Labels::new(),
                relevant: Some(format!("selected(${{{name}}}, 'other')")),
                choice_filter: None,
                appearance: None,
                groups: q.groups.clone(),
                skipped: q.skipped.clone(),
            }
        });
        questions.push(q);
        if let Some(o) = other {
            if let Some(first) = names.insert(o.name.clone(), *row) {
                let nq = crate::quote(&o.name);
                return Err(at.worded(
                    &sheet.name,
                    *row,
                    Some((name_col, &name_header)),
                    format!("or_other adds {}, but row {first} already uses that name", o.name),
                    "form.other_name_taken",
                    &[("value", &nq), ("first", &first)],
                ));
            }
            questions.push(o);
        }
    }
    if let Some(Open { name, control, row, .. }) = stack.pop() {
        let kind = control.word();
        return Err(at.worded(&sheet.name, row, Some((type_col, &type_header)), format!("{kind} {name} is never closed (no end {kind})"), "form.never_closed", &[("name", &name)]));
    }
    for (row, col, what, src) in exprs {
        let header = cols.iter().find(|(i, _, _)| *i == col).map_or(what.as_str(), |(_, h, _)| h.as_str()).to_string();
        let e = Expr::parse(&src).map_err(|e| {
            let pos = e.offset.map(|o| format!(" (at character {})", o + 1)).unwrap_or_default();
            let sq = crate::quote(&src);
            let refused = at.worded(&sheet.name, row, Some((col, &header)), format!("{what} {sq} does not parse: {}{pos}", e.message), "form.expr_parse", &[("what", &what), ("value", &sq)]);
            // Why, in the reader's language too: the expression's own sentence inside.
            match refused.msg() {
                Some(m) => refused.with_msg(m.nest("detail", &e.message, &e.msg)),
                None => refused,
            }
        })?;
        for r in e.references() {
            if uses.get(&r).is_some_and(|n| *n > 1) {
                let sq = crate::quote(&src);
                return Err(at.worded(
                    &sheet.name,
                    row,
                    Some((col, &header)),
                    format!("{what} {sq} refers to ${{{r}}}, but more than one row is named {r} (in different groups): rename one"),
                    "form.expr_ambiguous_ref",
                    &[("what", &what), ("value", &sq), ("name", &r)],
                ));
            }
            if !names.contains_key(&r) {
                let sq = crate::quote(&src);
                return Err(at.worded(
                    &sheet.name,
                    row,
                    Some((col, &header)),
                    format!("{what} {sq} refers to ${{{r}}}, but no question is named {r}"),
                    "form.expr_unknown_ref",
                    &[("what", &what), ("value", &sq), ("name", &r)],
                ));
            }
        }
        let unsupported = e.unsupported_functions();
        if !unsupported.is_empty() {
            let functions = unsupported.iter().map(|f| format!("{f}()")).collect::<Vec<_>>().join(", ");
            let constraint = what == "constraint";
            warnings.push(Said::new(
                format!(
                    "survey row {row}: {what} uses {functions}, which Muster does not evaluate: {}",
                    if constraint { "not checked while keying" } else { "treated as true" }
                ),
                if constraint { "form.warn.unsupported_unchecked" } else { "form.warn.unsupported_true" },
                &[("row", &row), ("what", &what), ("functions", &functions)],
            ));
        }
        if what == "choice_filter" {
            let q = questions.iter().find(|q| q.row == row && q.choice_filter.is_some());
            if q.is_some_and(|q| q.skipped.is_some()) {
                continue;
            }
            let known: HashSet<&str> = q.map(|q| q.choices.iter().flat_map(|c| c.columns.keys().map(String::as_str)).collect()).unwrap_or_default();
            for n in e.bare_names() {
                if !known.contains(n.as_str()) && n != "name" && n != "label" {
                    warnings.push(Said::new(
                        format!(
                            "survey row {row}: choice_filter `{src}` names `{n}`, which is not a column of the choices sheet (a value needs quotes: '{n}'); it is empty when filtering"
                        ),
                        "form.warn.filter_name",
                        &[("row", &row), ("value", &crate::quote(&src)), ("name", &n)],
                    ));
                }
            }
        }
    }
    let skipped = questions
        .iter()
        .filter_map(|q| q.skipped.as_ref().map(|r| super::Skipped { name: q.name.clone(), type_name: q.type_name.clone(), reason: r.clone() }))
        .collect::<Vec<Skipped>>();
    Ok(Form {
        form_id: settings.get("form_id").cloned().unwrap_or_default(),
        title: settings.get("form_title").cloned().unwrap_or_default(),
        version: None,
        default_language: None,
        languages,
        questions,
        groups,
        skipped,
        warnings: Vec::new(),
        warnings_worded: Vec::new(),
        attachments: BTreeMap::new(),
    })
}

/// Whether a `default` is an expression computed on the device rather than
/// a value (pyxform's default_is_dynamic: an operator, a call, a
/// reference, a predicate).
fn dynamic_default(v: &str) -> bool {
    let v = v.trim();
    v.contains("${") || v.chars().any(|c| matches!(c, '(' | '[' | '+' | '*' | '|')) || v.get(1..).is_some_and(|rest| rest.contains('-'))
        || v.split_whitespace().any(|w| w == "div" || w == "mod")
}

/// A `parameters` cell as pyxform reads it: `key=value` pairs separated by
/// spaces, commas or semicolons, keys lower-cased (values too, but `label`
/// and `value`); `None` when it is not such pairs.
fn parse_parameters(raw: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = raw.trim_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
    let token_end = |s: &str| s.find(|c: char| c.is_whitespace() || matches!(c, '=' | ',' | ';')).unwrap_or(s.len());
    while !rest.is_empty() {
        let k = &rest[..token_end(rest)];
        let after = rest[k.len()..].trim_start().strip_prefix('=')?.trim_start();
        let v = &after[..token_end(after)];
        if k.is_empty() || v.is_empty() {
            return None;
        }
        let key = k.to_lowercase();
        let value = if key == "label" || key == "value" { v.to_string() } else { v.to_lowercase() };
        out.push((key, value));
        rest = after[v.len()..].trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
    }
    Some(out)
}

/// Checks a question's parameters as pyxform does for the types Muster
/// keys or skips by choice (range, selects): the English and the sentence.
fn check_parameters(t: &str, ty: &Type, raw: &str) -> Result<(), (String, Msg)> {
    let Some(params) = parse_parameters(raw) else {
        return Err((format!("the parameters {} are not key=value pairs", crate::quote(raw)), Msg::new("form.parameters_malformed", &[("value", &crate::quote(raw))])));
    };
    let accepted: &[&str] = match ty {
        _ if t == "range" => &["start", "end", "step", "tick_interval", "placeholder", "tick_labelset"],
        Type::Select { .. } => &["randomize", "seed"],
        Type::SelectSkip { list: None, .. } => &["randomize", "seed", "label", "value"],
        Type::SelectSkip { .. } => &["randomize", "seed"],
        _ => return Ok(()),
    };
    let unknown: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).filter(|k| !accepted.contains(k)).collect();
    if !unknown.is_empty() {
        let (u, a) = (unknown.join(", "), accepted.join(", "));
        return Err((format!("the parameters {u} are not known for this type (known: {a})"), Msg::new("form.parameter_unknown", &[("value", &u), ("accepted", &a)])));
    }
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if t == "range" {
        let num = |k: &'static str, default: f64| -> Result<f64, (String, Msg)> {
            match get(k) {
                None => Ok(default),
                Some(v) => v.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| {
                    (format!("the parameter {k} must be a number, not {}", crate::quote(v)), Msg::new("form.parameter_number", &[("name", &k.to_string()), ("value", &crate::quote(v))]))
                }),
            }
        };
        let (start, end, step) = (num("start", 1.0)?, num("end", 10.0)?, num("step", 1.0)?);
        for k in ["tick_interval", "placeholder"] {
            num(k, 0.0)?;
        }
        if step == 0.0 || step.abs() > (end - start).abs() {
            return Err(("the parameter step must not be 0 nor wider than from start to end".into(), Msg::new("form.parameter_step", &[])));
        }
        return Ok(());
    }
    match get("randomize") {
        Some("true" | "false") | None => {}
        Some(v) => {
            return Err((format!("randomize must be true or false, not {}", crate::quote(v)), Msg::new("form.parameter_randomize", &[("value", &crate::quote(v))])));
        }
    }
    if let Some(seed) = get("seed") {
        if get("randomize").is_none() {
            return Err(("a seed needs randomize=true".into(), Msg::new("form.parameter_seed", &[])));
        }
        if !seed.starts_with("${") && seed.parse::<f64>().is_err() {
            return Err((format!("the seed must be a number or a ${{reference}}, not {}", crate::quote(seed)), Msg::new("form.parameter_seed", &[])));
        }
    }
    Ok(())
}

/// `start=1 end=5 step=1` → `. >= 1 and . <= 5`.
fn range_bounds(params: &str) -> Option<String> {
    let mut start = None;
    let mut end = None;
    for part in params.split_whitespace() {
        let (k, v) = part.split_once('=')?;
        let v: f64 = v.trim().parse().ok()?;
        match k.trim() {
            "start" => start = Some(v),
            "end" => end = Some(v),
            _ => {}
        }
    }
    let (lo, hi) = (start?, end?);
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    Some(format!(". >= {lo} and . <= {hi}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn header_spellings() {
        assert_eq!(column("label::English (en)"), Col::Label("English (en)".into()));
        assert_eq!(column("label:English"), Col::Label("English".into()));
        assert_eq!(column("LABEL::EN"), Col::Label("EN".into()));
        assert_eq!(column("label"), Col::Label(String::new()));
        assert_eq!(column("bind:relevant"), Col::Relevant);
        assert_eq!(column("bind:jr:constraintMsg"), Col::ConstraintMessage(String::new()));
        assert_eq!(column("constraint_message::chinese"), Col::ConstraintMessage("chinese".into()));
        assert_eq!(column("list name"), Col::ListName);
        assert_eq!(column("requiredMsg"), Col::RequiredMessage(String::new()));
    }

    #[test]
    fn type_aliases() {
        let sel = |t: &str| match parse_type(t) {
            Some(Type::Select { kind, list, or_other }) => Some((kind, list, or_other)),
            _ => None,
        };
        assert_eq!(sel("select one from yes_no"), Some((Kind::SelectOne, "yes_no".into(), false)));
        assert_eq!(sel("select_multiple  happy_sad"), Some((Kind::SelectMultiple, "happy_sad".into(), false)));
        assert_eq!(sel("select all that apply from list"), Some((Kind::SelectMultiple, "list".into(), false)));
        assert_eq!(sel("select_one colors or_other"), Some((Kind::SelectOne, "colors".into(), true)));
        assert_eq!(sel("select one from sexes or specify other"), Some((Kind::SelectOne, "sexes".into(), true)));
        assert!(sel("select_one").is_none());
        assert!(matches!(parse_type("dateTime"), Some(Type::Question(Kind::DateTime))));
        assert!(matches!(parse_type("geopoint"), Some(Type::Skip(_))));
        assert!(parse_type("selfie").is_none());
        // pyxform's aliases, spelled as pyxform spells them.
        assert!(matches!(parse_type("gps"), Some(Type::Skip(GPS))));
        assert!(matches!(parse_type("q int"), Some(Type::Question(Kind::Integer))));
        assert!(matches!(parse_type("add date time prompt"), Some(Type::Question(Kind::DateTime))));
        assert!(parse_type("TEXT").is_none() && parse_type("Select_one x").is_none(), "types are case-sensitive, as in pyxform");
        assert_eq!(sel("select1 x"), Some((Kind::SelectOne, "x".into(), false)));
        assert_eq!(sel("select_one x or other"), Some((Kind::SelectOne, "x".into(), true)));
        assert!(sel("select multiple x").is_none() && sel("select x").is_none(), "not pyxform spellings");
        assert!(matches!(parse_type("select_one_from_file towns"), Some(Type::FileListWithoutExtension(_))));
        assert!(matches!(parse_type("select_one_from_file towns.csv"), Some(Type::SelectSkip { list: None, .. })));
        assert!(matches!(parse_type("select_one_external x"), Some(Type::SelectSkip { list: Some((_, "external_choices")), .. })));
        assert!(matches!(parse_type("osm buildings"), Some(Type::Skip(MEDIA))));
        assert!(matches!(parse_type("form_title"), Some(Type::Setting("form_title"))));
        let begin = |t: &str| match parse_type(t) {
            Some(Type::Begin { control, list }) => Some((control, list)),
            _ => None,
        };
        assert_eq!(begin("begin loop over yn"), Some((Control::Loop, Some("yn".into()))));
        assert_eq!(begin("begin_loop yn"), Some((Control::Loop, Some("yn".into()))));
        assert_eq!(begin("begin looped group"), Some((Control::Repeat, None)));
        assert_eq!(begin("begin lgroup"), Some((Control::Repeat, None)));
        assert_eq!(begin("begin group two words"), None);
        assert!(matches!(parse_type("end_loop"), Some(Type::End(Control::Loop))));
        assert!(matches!(parse_type("end looped group"), Some(Type::End(Control::Repeat))));
        assert!(parse_type("end group g").is_none());
    }

    #[test]
    fn parameters_as_pyxform_reads_them() {
        let p = |s: &str| parse_parameters(s).map(|v| v.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
        assert_eq!(p("start=1 end=5").as_deref(), Some("start=1 end=5"));
        assert_eq!(p(" Start = 1; END=5, step=1 ").as_deref(), Some("start=1 end=5 step=1"));
        assert_eq!(p("value=Code label=Name").as_deref(), Some("value=Code label=Name"));
        assert_eq!(p("").as_deref(), Some(""));
        for bad in ["start", "start=", "=1", "a=b=c", "start=1 end"] {
            assert_eq!(p(bad), None, "{bad}");
        }
        let range = Type::Question(Kind::Decimal);
        assert!(check_parameters("range", &range, "start=1 end=10 step=2").is_ok());
        assert_eq!(check_parameters("range", &range, "start=x").unwrap_err().1.key, "form.parameter_number");
        assert_eq!(check_parameters("range", &range, "step=0").unwrap_err().1.key, "form.parameter_step");
        assert_eq!(check_parameters("range", &range, "start=1 end=3 step=5").unwrap_err().1.key, "form.parameter_step");
        assert_eq!(check_parameters("range", &range, "colour=red").unwrap_err().1.key, "form.parameter_unknown");
        let select = Type::Select { kind: Kind::SelectOne, list: "l".into(), or_other: false };
        assert!(check_parameters("select_one l", &select, "randomize=true seed=${n}").is_ok());
        assert_eq!(check_parameters("select_one l", &select, "seed=3").unwrap_err().1.key, "form.parameter_seed");
        assert_eq!(check_parameters("select_one l", &select, "randomize=maybe").unwrap_err().1.key, "form.parameter_randomize");
        assert!(check_parameters("integer", &Type::Question(Kind::Integer), "anything=1").is_ok(), "not checked for other types");
        assert!(dynamic_default("now()") && dynamic_default("${a} + 1") && !dynamic_default("1") && !dynamic_default("-1") && !dynamic_default("yes"));
    }

    #[test]
    fn paper_sequences_keep_width() {
        assert_eq!(super::super::paper_sequence("A098", 3), ["A098", "A099", "A100"]);
        assert_eq!(super::super::paper_sequence("7", 2), ["7", "8"]);
        assert_eq!(super::super::paper_sequence("D2-01x", 2), ["D2-01x", "D2-02x"]);
        assert_eq!(super::super::paper_sequence("A", 2), ["A1", "A2"]);
    }
}
