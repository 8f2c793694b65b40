//! The one cheap workbook check left: the range an XLSX sheet declares.
//!
//! Workbooks are read in a child process ([`super::isolate`]); whatever a
//! file makes the parser do, the app survives. What the child cannot say
//! when it runs out of memory is *why*, and the commonest why is a stray
//! cell typed in a far corner (XFD1048576): calamine builds the whole
//! rectangle. Every XLSX sheet says its range in its first bytes
//! (`<dimension ref="A1:XFD1048576"/>`, written by Excel, WPS and
//! rust_xlsxwriter alike), so reading the start of each sheet part names
//! the sheet and the range and tells the person to delete the stray cells
//! — a better sentence than "could not be read safely".
//!
//! This is not a guard: it retraces nothing of calamine, refuses nothing
//! on its own in the app or the CLI (a large declared range that the child
//! reads is imported), and can be wrong only towards the generic message.
//! A library caller without a reader child (the fuzz targets) reads in
//! process; there a declared range beyond [`MAX_CELLS`] is refused first,
//! so the commonest way to exhaust memory is closed there too.

use std::io::{Cursor, Read};

/// The most cells a roster or form sheet may span (a 100,000-row roster of
/// 50 columns).
pub const MAX_CELLS: u64 = 5_000_000;

/// How much of a sheet part is read to find its `<dimension>`.
const HEAD_BYTES: u64 = 4096;

/// A sheet whose declared range is larger than [`MAX_CELLS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub sheet: String,
    pub range: String,
    pub rows: u64,
    pub columns: u64,
}

impl Span {
    /// "sheet 'Sheet1': its cells span A1:XFD1048576, 1,048,576 rows × …".
    pub fn sentence(&self) -> String {
        format!(
            "sheet {}: its cells span {}, {} rows × {} columns, more than a roster or form can have (at most {} cells); delete the stray cells far from the table",
            crate::quote(&self.sheet),
            self.range,
            thousands(self.rows),
            thousands(self.columns),
            thousands(MAX_CELLS)
        )
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first XLSX sheet declaring more than [`MAX_CELLS`] cells, if the
/// file is an XLSX whose parts can be read; `None` otherwise (not a ZIP, a
/// damaged one, no `<dimension>`: nothing to say).
pub fn too_large(bytes: &[u8]) -> Option<Span> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let names = sheet_names(&mut zip);
    let mut parts: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
        .collect();
    parts.sort();
    for part in parts {
        let head = {
            let f = zip.by_name(&part).ok()?;
            let mut head = Vec::new();
            f.take(HEAD_BYTES).read_to_end(&mut head).ok()?;
            head
        };
        let text = String::from_utf8_lossy(&head);
        let Some(range) = attr_after(&text, "<dimension", "ref") else { continue };
        let Some((rows, columns)) = range_size(&range) else { continue };
        if rows.saturating_mul(columns) > MAX_CELLS {
            let sheet = names.iter().find(|(_, target)| part.ends_with(target.trim_start_matches('/').trim_start_matches("xl/"))).map(|(n, _)| n.clone());
            return Some(Span { sheet: sheet.unwrap_or_else(|| part.rsplit('/').next().unwrap_or(&part).trim_end_matches(".xml").to_string()), range, rows, columns });
        }
    }
    None
}

/// Sheet name → its part (`worksheets/sheet1.xml`), from the workbook and
/// its relationships; empty when they cannot be read.
fn sheet_names(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Vec<(String, String)> {
    let read = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Option<String> {
        let f = zip.by_name(name).ok()?;
        let mut s = String::new();
        f.take(1 << 20).read_to_string(&mut s).ok()?;
        Some(s)
    };
    let (Some(book), Some(rels)) = (read(zip, "xl/workbook.xml"), read(zip, "xl/_rels/workbook.xml.rels")) else { return Vec::new() };
    let mut out = Vec::new();
    for tag in book.split("<sheet ").skip(1).map(|t| t.split('>').next().unwrap_or("")) {
        let (Some(name), Some(id)) = (attr(tag, "name"), attr(tag, "r:id")) else { continue };
        let target = rels
            .split("<Relationship ")
            .skip(1)
            .map(|r| r.split('>').next().unwrap_or(""))
            .find(|r| attr(r, "Id").as_deref() == Some(id.as_str()))
            .and_then(|r| attr(r, "Target"));
        if let Some(t) = target {
            out.push((unescape(&name), t));
        }
    }
    out
}

/// The value of `name="…"` in one tag's text.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let mut from = 0;
    while let Some(i) = tag[from..].find(&key) {
        let at = from + i;
        // A whole attribute name: ` r:id=`, not `sheetId=` for `Id=`.
        if at == 0 || tag[..at].ends_with(char::is_whitespace) {
            let start = at + key.len();
            let end = tag[start..].find('"')? + start;
            return Some(tag[start..end].to_string());
        }
        from = at + key.len();
    }
    None
}

/// The attribute `name` of the first `<element` in `text`.
fn attr_after(text: &str, element: &str, name: &str) -> Option<String> {
    let at = text.find(element)?;
    let tag = text[at..].split('>').next()?;
    attr(tag, name)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Rows and columns of `A1:XFD1048576` (a single `B2` is one cell).
fn range_size(range: &str) -> Option<(u64, u64)> {
    let (a, b) = range.split_once(':').unwrap_or((range, range));
    let (r1, c1) = cell(a)?;
    let (r2, c2) = cell(b)?;
    Some((r2.abs_diff(r1) + 1, c2.abs_diff(c1) + 1))
}

/// (row, column), 1-based, of `XFD1048576` (`$` allowed).
fn cell(s: &str) -> Option<(u64, u64)> {
    let s = s.trim().replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let col = letters.chars().fold(0u64, |n, c| n * 26 + u64::from(c.to_ascii_uppercase() as u8 - b'A' + 1));
    let row: u64 = digits.parse().ok()?;
    (row >= 1).then_some((row, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_measured() {
        assert_eq!(range_size("A1:XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(range_size("B2"), Some((1, 1)));
        assert_eq!(range_size("$A$1:$C$10"), Some((10, 3)));
        assert_eq!(range_size("A0:B2"), None);
        assert_eq!(range_size("ABCD1:B2"), None);
        assert_eq!(thousands(1_048_576), "1,048,576");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn a_far_cell_in_an_xlsx_is_named_with_its_sheet() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().set_name("名单").unwrap().write_string(0, 0, "姓名").unwrap();
        let far = wb.add_worksheet().set_name("备用").unwrap();
        far.write_string(0, 0, "x").unwrap();
        far.write_string(1_048_575, 16_383, "x").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let s = too_large(&bytes).expect("the far sheet");
        assert_eq!((s.sheet.as_str(), s.range.as_str(), s.rows, s.columns), ("备用", "A1:XFD1048576", 1_048_576, 16_384));
        assert!(s.sentence().starts_with("sheet '备用': its cells span A1:XFD1048576, 1,048,576 rows × 16,384 columns"), "{}", s.sentence());

        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(99_999, 49, "x").unwrap();
        assert_eq!(too_large(&wb.save_to_buffer().unwrap()), None, "a 100,000 × 50 roster is not too large");
        assert_eq!(too_large(b"PK\x03\x04garbage"), None);
        assert_eq!(too_large(b"name,phone\n"), None);
    }
}
