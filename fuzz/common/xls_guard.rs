//! The fuzz targets' gate: looks at a workbook's bytes (Excel or
//! OpenDocument) before calamine does, and turns away the inputs on which
//! calamine 0.38 would allocate without bound — a failed allocation aborts
//! the fuzzer, which would report calamine's known limits again and again
//! instead of finding new bugs.
//!
//! It used to be muster-core's `import::xls_guard`, run before every
//! workbook import. The app and the CLI now read workbooks in a child
//! process under a memory and time limit (`muster_core::import::isolate`),
//! which survives whatever calamine does, so this retrace of calamine lives
//! here, in the fuzz harness only, where falling behind a calamine upgrade
//! costs a fuzz finding, not a crashed door. What follows is its original
//! account of calamine's allocations.
//!
//! **Excel 97-2003 (`.xls`, an OLE compound file).** `Xls::new` reads
//! everything at once. The guard retraces it, reading the same bytes the
//! same way (calamine's `cfb.rs`: header, DIFAT and its chain, FAT,
//! directory chain, mini stream and mini FAT, then the `Workbook` or `Book`
//! stream; `xls.rs`: the BIFF records) and refuses:
//! - a sector chain that comes back to a sector before it has given more
//!   bytes than the file holds (calamine goes round until it has the
//!   stream's length: for ever for the directory, else up to gigabytes),
//!   a sector table listing far more sectors than the file holds;
//! - a sheet whose cells span more than [`MAX_SHEET_CELLS`] (rows ×
//!   columns between its outermost cells: calamine's `Range::from_sparse`
//!   allocates that whole rectangle), or sheets that together span more than
//!   [`MAX_WORKBOOK_CELLS`] (calamine keeps every sheet's range); the cells
//!   counted are those calamine reads (NUMBER, LABEL, RSTRING, BOOLERR,
//!   STRING, RK, LABELSST, MULRK, FORMULA), not BLANK or MULBLANK, which
//!   it skips, so formatted empty cells never count;
//! - a DIMENSIONS record claiming more than a whole Excel 97-2003 sheet
//!   (calamine reserves room for that many cells), and sheets that overlap
//!   in the stream (each would be walked again).
//!
//! Where calamine would merely return an error the guard lets the file
//! through, and calamine's error is what the user sees; where calamine would
//! panic reading the compound file the guard refuses the file as damaged
//! (the same outcome, a clearer message). Where the guard cannot tell what
//! calamine would see it counts more, never less (a LABELSST naming a
//! missing string still counts, records after one calamine fails on too).
//!
//! **XLSX and XLSB (a ZIP archive).** First every entry is read, streaming,
//! with calamine's XML reader and settings (calamine finds its parts through
//! the relationships, so any entry may be read as XML), before calamine
//! opens the file: refused are a tag, text run or comment longer than
//! [`MAX_XML_EVENT`] (the XML reader holds each whole: a zip bomb could make
//! one of gigabytes), a cell value, formula, inline or shared string or
//! defined name longer than that, tags inside included (calamine gathers
//! each into one buffer; looked for in entries starting as XML does, an
//! entry made otherwise stays bounded by the next limit), an entry unpacking
//! to more than [`MAX_ZIP_PART`] and entries together unpacking to more than
//! [`MAX_ZIP_TOTAL`] (ODS archives are read this way too). Then the
//! shared-string table's `uniqueCount`, which calamine reserves room for as
//! it opens the file, is bounded by [`MAX_SHARED_STRINGS`]; then each
//! sheet's cells are walked with calamine's own cell reader (nothing kept)
//! and bounded by [`MAX_SHEET_CELLS`] as above (calamine keeps one sheet at
//! a time there), and by [`MAX_SHEET_TEXT`] for the text calamine copies
//! into its cells (a shared string is stored once but copied into every cell
//! using it). An XLSB record's length is not bounded: its header cannot
//! claim more than 256 MB, which calamine's reader reserves (one buffer per
//! part read).
//!
//! **ODS (a ZIP archive whose `mimetype` calamine accepts).** `Ods::new`
//! reads every sheet of `content.xml` at once, keeping each sheet's values
//! and formulas as two ranges, and caps only what a single range may fill
//! (100 million cells, 3.2 GB) and a row's or a sheet's repeats (16,384
//! columns, 1,048,576 rows). The guard walks `content.xml` as calamine's
//! `parse_content` does, with the same XML reader and settings, keeping
//! counts where calamine keeps cells, and refuses:
//! - a sheet whose values (or formulas) span more than [`MAX_SHEET_CELLS`]:
//!   calamine builds the rectangle between the outermost row elements and
//!   columns holding one, each row element as many times as
//!   `table:number-rows-repeated` says (repeated empty rows inside
//!   included, those before the first value and after the last not), or
//!   sheets that together span more than [`MAX_WORKBOOK_CELLS`];
//! - a sheet whose rows spell out more than [`MAX_SHEET_CELLS`] cells as
//!   calamine first reads them, empty ones included: each row element once,
//!   a cell's `table:number-columns-repeated` copies written out (an empty
//!   cell's too, when another cell follows it in the row), even where no
//!   value is ever found;
//! - more than [`MAX_ODS_TEXT`] bytes of text: a cell's text is copied for
//!   each repeat, across and down (`<text:s text:c="2000000000"/>` alone is
//!   2 GB), with names and calamine's bookkeeping for each row element;
//! - a tag, text run or comment longer than [`MAX_XML_EVENT`] (the XML
//!   reader holds each whole), a `content.xml` unpacking to more than
//!   [`MAX_ODS_CONTENT`], a manifest of more than 16 MB (calamine keeps it
//!   whole);
//! - a `content.xml` ending inside a sheet or inside a cell's comment, as
//!   damaged: calamine reads on at the end of the file there for ever.
//!
//! Other damage (XML calamine's reader fails on, a repeat that is not a
//! number, text between cells) is left to calamine, which fails there.
//!
//! This mirrors calamine 0.38; check it again when calamine is upgraded.

use muster_core::forms::xlsform::column_letter;
use calamine::{DataRef, Reader, Xlsb, Xlsx};
use std::borrow::Cow;
use std::fmt;
use std::io::{Cursor, Read};

/// The most cells one sheet may span (rows × columns from its first to its
/// last row and column holding a value). A roster of 65,536 rows × 76
/// columns fits, or 20,000 rows × 250; calamine holds it in 32 bytes a cell
/// (about 160 MB at the limit).
pub const MAX_SHEET_CELLS: u64 = 5_000_000;
/// The most cells all the sheets of an Excel 97-2003 workbook may span
/// together, values and formulas: calamine builds them all as it opens the
/// file (about 320 MB at the limit).
pub const MAX_WORKBOOK_CELLS: u64 = 10_000_000;
/// The most cells a DIMENSIONS record may claim: a whole Excel 97-2003 sheet.
/// calamine reserves 40 bytes for each (670 MB at the limit, reserved, not
/// written), so only what no real file can claim is refused.
const MAX_DIMENSIONS_CELLS: u64 = 65_536 * 256;
/// The most text the cells of one XLSX/XLSB sheet may hold, counted as
/// calamine copies it out (a shared string once per cell using it).
pub const MAX_SHEET_TEXT: u64 = 256 << 20;
/// The most strings an XLSX shared-string table may announce: calamine
/// reserves 24 bytes for each (240 MB at the limit) before reading one.
pub const MAX_SHARED_STRINGS: u64 = 10_000_000;

/// Why a workbook is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file is damaged: "a damaged Excel 97-2003 workbook: a sector
    /// chain loops".
    Damaged(String),
    /// A sheet (or the sheets together) span too many cells: the text says
    /// which, where, and what to do.
    TooLarge(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Damaged(s) | Refusal::TooLarge(s) => f.write_str(s),
        }
    }
}

const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Checks `bytes` before calamine reads them: an Excel 97-2003 (OLE) file or
/// an XLSX/XLSB/ODS (ZIP) file; anything else passes. Must run inside
/// `table::calamine_guard`: the ZIP check calls calamine, which may panic.
pub fn check(bytes: &[u8]) -> Result<(), Refusal> {
    if bytes.starts_with(OLE_MAGIC) {
        check_xls(bytes)
    } else if bytes.starts_with(ZIP_MAGIC) {
        check_zip(bytes)
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Excel 97-2003: the compound file (calamine's cfb.rs)
// ---------------------------------------------------------------------------

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
/// How much larger than twice the file its FAT may be, repeats included.
const MAX_FAT_SLACK: usize = 16 << 20;

/// Where retracing calamine stops.
enum Stop {
    /// calamine returns an error here, allocating nothing more.
    Fails,
    /// The file is refused.
    Refuse(Refusal),
}

fn damaged(why: impl fmt::Display) -> Stop {
    Stop::Refuse(Refusal::Damaged(format!("a damaged Excel 97-2003 workbook: {why}")))
}

fn check_xls(bytes: &[u8]) -> Result<(), Refusal> {
    match workbook_stream(bytes) {
        Ok(Some(stream)) => check_biff(&stream),
        Ok(None) | Err(Stop::Fails) => Ok(()),
        Err(Stop::Refuse(r)) => Err(r),
    }
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i.checked_add(8)?)?.try_into().ok()?))
}

/// calamine's `to_u32`, which asserts whole entries (a panic: damaged).
fn to_u32(s: &[u8]) -> Result<impl Iterator<Item = u32> + '_, Stop> {
    if !s.len().is_multiple_of(4) {
        return Err(damaged("a sector table is cut short"));
    }
    Ok(s.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
}

/// calamine's `Sectors` over the file: it reads the file once, in order,
/// into a buffer that grows to the end of the furthest sector asked for
/// (zeros past the end of the file). Only the buffer's length is kept here.
struct Sectors<'a> {
    /// The file after the header.
    body: &'a [u8],
    size: usize,
    maxid: u32,
    /// calamine's `Sectors::data.len()`.
    buffered: usize,
}

impl<'a> Sectors<'a> {
    /// The bytes calamine's `Sectors::get` returns for sector `id`.
    fn get(&mut self, id: u32) -> Result<Cow<'a, [u8]>, Stop> {
        if self.maxid < id {
            return Err(Stop::Fails);
        }
        let start = id as usize * self.size;
        let end = start + self.size;
        let stop = if end > self.buffered {
            // It reads on from what it has, until `end` or the end of file,
            // and returns what it got (a short sector, or none).
            let got = self.buffered.max(end.min(self.body.len()));
            self.buffered = end;
            got
        } else {
            end
        };
        if start > stop {
            return Err(damaged("a sector lies past the end of the file"));
        }
        Ok(if stop <= self.body.len() {
            Cow::Borrowed(&self.body[start..stop])
        } else {
            let mut v = vec![0; stop - start];
            if let Some(have) = self.body.get(start..) {
                v[..have.len()].copy_from_slice(have);
            }
            Cow::Owned(v)
        })
    }
}

/// calamine's mini sectors: 64-byte pieces of the mini stream. Past the
/// mini stream calamine reads on from wherever the file was left, which the
/// guard cannot follow: no real file does it.
struct MiniSectors<'a> {
    data: &'a [u8],
    maxid: u32,
}

impl<'a> MiniSectors<'a> {
    fn get(&self, id: u32) -> Result<Cow<'a, [u8]>, Stop> {
        if self.maxid < id {
            return Err(Stop::Fails);
        }
        let start = id as usize * 64;
        match self.data.get(start..start + 64) {
            Some(s) => Ok(Cow::Borrowed(s)),
            None => Err(damaged("the workbook stream lies outside the mini stream")),
        }
    }
}

/// calamine's `Sectors::get_chain`: the bytes of the chain from `id`,
/// stopping at `len`. A sector met twice means calamine goes round until it
/// has `len` bytes: refused when `len` is more than `most` (the file's
/// size; the directory's chain has no length, so calamine goes round for
/// ever), followed otherwise, as calamine does, since it soon ends.
fn chain<'a>(
    get: &mut dyn FnMut(u32) -> Result<Cow<'a, [u8]>, Stop>,
    mut id: u32,
    fats: &[u32],
    len: usize,
    (maxid, most): (u32, usize),
) -> Result<Vec<u8>, Stop> {
    let mut out = Vec::new();
    let mut seen = vec![false; maxid as usize + 1];
    while id != ENDOFCHAIN {
        let sector = get(id)?;
        // `get` refused ids past `maxid`.
        let visited = seen.get_mut(id as usize).ok_or(Stop::Fails)?;
        if *visited && len > most {
            return Err(damaged("a sector chain loops"));
        }
        *visited = true;
        let take = sector.len().min(len - out.len());
        out.extend_from_slice(&sector[..take]);
        if out.len() >= len {
            break;
        }
        id = *fats
            .get(id as usize)
            .ok_or_else(|| damaged("a sector chain leaves the sector table"))?;
    }
    Ok(out)
}

/// A directory entry as calamine reads it.
struct Dir {
    name: String,
    start: u32,
    len: usize,
}

impl Dir {
    fn parse(buf: &[u8], small: bool) -> Option<Dir> {
        let mut name = encoding_rs::UTF_16LE.decode(buf.get(..64)?).0.into_owned();
        if let Some(l) = name.as_bytes().iter().position(|b| *b == 0) {
            name.truncate(l);
        }
        let start = u32_at(buf, 116)?;
        let len = if small {
            u32_at(buf, 120)? as usize
        } else {
            usize::try_from(u64_at(buf, 120)?).unwrap_or(usize::MAX)
        };
        Some(Dir { name, start, len })
    }
}

/// Retraces `Cfb::new` and `get_stream("Workbook")` (else `"Book"`): the
/// stream calamine would parse, `None` if it would find none.
fn workbook_stream(bytes: &[u8]) -> Result<Option<Vec<u8>>, Stop> {
    let header = bytes.get(..512).ok_or(Stop::Fails)?;
    if !header.starts_with(OLE_MAGIC) {
        return Err(Stop::Fails);
    }
    let field = |i| u32_at(header, i).ok_or(Stop::Fails);
    let version = u16_at(header, 26).ok_or(Stop::Fails)?;
    let size: usize = match u16_at(header, 30) {
        Some(0x0009) => 512,
        Some(0x000C) => 4096,
        _ => return Err(Stop::Fails),
    };
    if u16_at(header, 32) != Some(0x0006) {
        return Err(Stop::Fails);
    }
    let dir_start = field(48)?;
    let mini_fat_start = field(60)?;
    let mini_fat_len = field(64)? as usize;
    let difat_start = field(68)?;
    let mut difat: Vec<u32> = to_u32(&header[76..512])?.collect();
    // A 4096-byte sector size reads the rest of the first sector as header.
    let body = bytes.get(size.max(512)..).ok_or(Stop::Fails)?;
    let maxid = bytes.len() / size;
    let mut sectors = Sectors {
        body,
        size,
        maxid: maxid as u32,
        buffered: 0,
    };

    let mut sector_id = difat_start;
    let mut difat_sectors = 0usize;
    while sector_id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > maxid.saturating_add(1) {
            return Err(Stop::Fails);
        }
        let s = sectors.get(sector_id)?;
        difat.extend(to_u32(&s)?);
        sector_id = difat.pop().ok_or(Stop::Fails)?;
    }

    // Each FAT sector listed is read in full, repeats included: a DIFAT
    // chain listing one sector over and over makes a FAT a thousand times
    // the file's size. Twice the file's size (and 16 MB) is plenty.
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
    if fat_sectors.len().saturating_mul(size) > bytes.len().saturating_mul(2).saturating_add(MAX_FAT_SLACK) {
        return Err(damaged(format_args!(
            "its sector table lists {} sectors, the file holds {}",
            thousands(fat_sectors.len() as u64),
            thousands(maxid as u64)
        )));
    }
    let mut fats = Vec::new();
    for id in fat_sectors {
        let s = sectors.get(id)?;
        fats.extend(to_u32(&s)?);
    }

    let dirs = chain(&mut |id| sectors.get(id), dir_start, &fats, usize::MAX, (maxid as u32, bytes.len()))?;
    let dirs: Vec<Dir> = dirs
        .chunks(128)
        .filter(|c| c.len() == 128)
        .filter_map(|c| Dir::parse(c, size == 512))
        .collect();
    let Some(root) = dirs.first() else {
        return Err(Stop::Fails);
    };
    if version != 3 && root.start == ENDOFCHAIN {
        return Err(Stop::Fails);
    }

    let (mini_fats, ministream) = if mini_fat_len > 0 {
        let ministream = chain(&mut |id| sectors.get(id), root.start, &fats, root.len, (maxid as u32, bytes.len()))?;
        let minifat = chain(
            &mut |id| sectors.get(id),
            mini_fat_start,
            &fats,
            mini_fat_len.saturating_mul(size),
            (maxid as u32, bytes.len()),
        )?;
        let minifat: Vec<u32> = to_u32(&minifat)?.collect();
        (minifat, ministream)
    } else {
        (Vec::new(), Vec::new())
    };
    let mini = MiniSectors {
        data: &ministream,
        maxid: (maxid * 8) as u32,
    };

    for name in ["Workbook", "Book"] {
        let Some(d) = dirs.iter().find(|d| d.name.as_bytes().eq_ignore_ascii_case(name.as_bytes())) else {
            continue;
        };
        let stream = if d.len < 4096 {
            chain(&mut |id| mini.get(id), d.start, &mini_fats, d.len, (mini.maxid, bytes.len()))
        } else {
            chain(&mut |id| sectors.get(id), d.start, &fats, d.len, (maxid as u32, bytes.len()))
        };
        match stream {
            Ok(s) => return Ok(Some(s)),
            Err(Stop::Fails) => continue,
            Err(refused) => return Err(refused),
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------
// Excel 97-2003: the BIFF records (calamine's xls.rs, `parse_workbook`)
// ---------------------------------------------------------------------------

/// calamine's `RecordIter`: (type, data), CONTINUE records after a record
/// skipped with it; `Err` where calamine returns an error.
struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(u16, &'a [u8]), ()>;

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.stream;
        if s.len() < 4 {
            return if s.is_empty() { None } else { Some(Err(())) };
        }
        let typ = u16_at(s, 0)?;
        let len = u16_at(s, 2)? as usize;
        let Some(data) = s.get(4..4 + len) else {
            return Some(Err(()));
        };
        self.stream = &s[4 + len..];
        if self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
            while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
                let len = u16_at(self.stream, 2)? as usize;
                match self.stream.get(4 + len..) {
                    Some(rest) => self.stream = rest,
                    None => return Some(Err(())),
                }
            }
        }
        Some(Ok((typ, data)))
    }
}

/// The rectangle between the outermost cells seen, as `Range::from_sparse`
/// builds it.
#[derive(Default, Clone, Copy)]
struct Span {
    /// (first row, last row, first column, last column), 0-based.
    bounds: Option<(u32, u32, u32, u32)>,
}

impl Span {
    fn add(&mut self, row: u32, col: u32) {
        self.bounds = Some(match self.bounds {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn rows(&self) -> u64 {
        self.bounds.map_or(0, |(r0, r1, _, _)| u64::from(r1 - r0) + 1)
    }

    fn cols(&self) -> u64 {
        self.bounds.map_or(0, |(_, _, c0, c1)| u64::from(c1 - c0) + 1)
    }

    fn area(&self) -> u64 {
        self.rows().saturating_mul(self.cols())
    }

    /// `A1:XFD65536`.
    fn refs(&self) -> String {
        self.bounds.map_or_else(String::new, |(r0, r1, c0, c1)| {
            format!(
                "{}{}:{}{}",
                column_letter(c0 as usize),
                u64::from(r0) + 1,
                column_letter(c1 as usize),
                u64::from(r1) + 1
            )
        })
    }
}

fn too_large(sheet: &str, what: &str, span: &Span) -> Refusal {
    Refusal::TooLarge(format!(
        "sheet {sheet}: its {what} span {}, {} rows × {} columns, more than a roster or form can have \
         (at most {} cells); delete the stray cells far from the table and save it again",
        span.refs(),
        thousands(span.rows()),
        thousands(span.cols()),
        thousands(MAX_SHEET_CELLS)
    ))
}

fn too_many_cells(total: u64) -> Refusal {
    Refusal::TooLarge(format!(
        "its sheets together span {} cells, more than a roster or form can have (at most {}); \
         delete the sheets or stray cells not needed and save it again",
        thousands(total),
        thousands(MAX_WORKBOOK_CELLS)
    ))
}

/// `12,345,678`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A BoundSheet8 record's sheet name, for messages: `'Roster'`, else its
/// place (`number 2`) when the name cannot be read.
fn sheet_label(data: &[u8], biff8: bool, number: usize) -> String {
    let name = || -> Option<String> {
        let cch = *data.get(6)? as usize;
        if !biff8 {
            let s = data.get(7..7 + cch)?;
            return s.is_ascii().then(|| String::from_utf8_lossy(s).into_owned());
        }
        let wide = data.get(7)? & 1 != 0;
        let s = data.get(8..)?;
        if wide {
            let units: Vec<u16> = s.chunks_exact(2).take(cch).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            Some(String::from_utf16_lossy(&units))
        } else {
            Some(s.iter().take(cch).map(|&b| char::from(b)).collect())
        }
    };
    match name() {
        Some(n) if !n.is_empty() => muster_core::quote(&n),
        _ => format!("number {number}"),
    }
}

/// The reserve a DIMENSIONS record makes calamine ask for (its
/// `parse_dimensions`, then rows × columns with a release build's wrapping
/// arithmetic); `None` where calamine returns an error.
fn dimensions_reserve(d: &[u8]) -> Option<(u64, u64)> {
    let (rf, rl, mut cf, cl) = match d.len() {
        10 => (
            u32::from(u16_at(d, 0)?),
            u32::from(u16_at(d, 2)?),
            u32::from(u16_at(d, 4)?),
            u32::from(u16_at(d, 6)?),
        ),
        14 | 16 => (u32_at(d, 0)?, u32_at(d, 4)?, u32::from(u16_at(d, 8)?), u32::from(u16_at(d, 10)?)),
        _ => return None,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let ((r0, c0), (r1, c1)) = if 1 <= rl && 1 <= cl { ((rf, cf), (rl - 1, cl - 1)) } else { ((rf, cf), (rf, cf)) };
    let rows = r1.wrapping_sub(r0).wrapping_add(1);
    let cols = c1.wrapping_sub(c0).wrapping_add(1);
    Some((u64::from(rows), u64::from(cols)))
}

/// Walks the workbook stream as `parse_workbook` does and bounds what it
/// allocates.
fn check_biff(stream: &[u8]) -> Result<(), Refusal> {
    let refuse = |why: String| Refusal::Damaged(format!("a damaged Excel 97-2003 workbook: {why}"));

    // The globals: where each sheet starts (BoundSheet8), until EOF.
    let mut sheets: Vec<(usize, String)> = Vec::new();
    let mut biff8 = true;
    for record in (Records { stream }) {
        let Ok((typ, data)) = record else { break };
        match typ {
            0x0809 => {
                if let Some(v) = u16_at(data, 0) {
                    let dt = u16_at(data, 2).unwrap_or(0);
                    biff8 = match v {
                        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
                        0 => dt != 0x1000,
                        _ => true,
                    };
                }
            }
            0x0085 => {
                if let Some(pos) = u32_at(data, 0) {
                    sheets.push((pos as usize, sheet_label(data, biff8, sheets.len() + 1)));
                }
            }
            0x000A => break,
            _ => {}
        }
    }

    // Each sheet from its position to its EOF, nested substreams (charts)
    // skipped. Real sheets do not overlap, so the walks add up to about the
    // stream once; overlapping ones would repeat it once a sheet.
    let mut walked = 0usize;
    let budget = stream.len().saturating_mul(2).saturating_add(64 * 1024);
    let mut total = 0u64;
    for (pos, name) in sheets {
        let Some(sheet) = stream.get(pos..) else {
            return Err(refuse(format!("sheet {name} starts past the end of the workbook stream")));
        };
        let mut records = Records { stream: sheet };
        let (mut cells, mut formulas) = (Span::default(), Span::default());
        let mut fmla_pos = (0u32, 0u32);
        let (mut seen_bof, mut depth, mut fails) = (false, 0usize, false);
        for record in records.by_ref() {
            let Ok((typ, r)) = record else {
                fails = true;
                break;
            };
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let pos = || Some((u32::from(u16_at(r, 0)?), u32::from(u16_at(r, 2)?)));
            // Each cell record with the shortest data calamine reads it from.
            let cell_min = match typ {
                0x0203 => 14,          // NUMBER
                0x0204 | 0x00D6 => 6,  // LABEL, RSTRING
                0x0205 => 8,           // BOOLERR
                0x027E | 0x00FD => 10, // RK, LABELSST
                _ => 0,
            };
            if cell_min > 0 {
                match pos() {
                    Some((row, col)) if r.len() >= cell_min => cells.add(row, col),
                    _ => {
                        fails = true;
                        break;
                    }
                }
                continue;
            }
            match typ {
                0x0809 => {
                    if seen_bof {
                        depth += 1;
                    } else {
                        seen_bof = true;
                    }
                }
                0x0200 => match dimensions_reserve(r) {
                    Some((rows, cols)) if rows.saturating_mul(cols) > MAX_DIMENSIONS_CELLS => {
                        return Err(refuse(format!(
                            "sheet {name} claims {} rows × {} columns, more than an Excel 97-2003 sheet has",
                            thousands(rows),
                            thousands(cols)
                        )));
                    }
                    Some(_) => {}
                    None => {
                        fails = true;
                        break;
                    }
                },
                // STRING: a formula's text value, at the formula's cell.
                0x0207 => cells.add(fmla_pos.0, fmla_pos.1),
                // MULRK: one row, columns first..=last.
                0x00BD => {
                    let (Some(row), Some(first), Some(last)) =
                        (u16_at(r, 0), u16_at(r, 2), r.len().checked_sub(2).and_then(|i| u16_at(r, i)))
                    else {
                        fails = true;
                        break;
                    };
                    let n = usize::from(last.wrapping_sub(first).wrapping_add(1));
                    if r.len() != 6 + 6 * n {
                        fails = true;
                        break;
                    }
                    if n > 0 {
                        cells.add(u32::from(row), u32::from(first));
                        cells.add(u32::from(row), u32::from(first) + n as u32 - 1);
                    }
                }
                // FORMULA: in the formulas' range always, in the cells'
                // unless its value is a string still to come (counted anyway).
                0x0006 => match pos() {
                    Some((row, col)) if r.len() >= 20 => {
                        fmla_pos = (row, col);
                        formulas.add(row, col);
                        cells.add(row, col);
                    }
                    _ => {
                        fails = true;
                        break;
                    }
                },
                0x000A => break,
                _ => {}
            }
        }
        walked = walked.saturating_add(sheet.len() - records.stream.len());
        if walked > budget {
            return Err(refuse("its sheets overlap".into()));
        }
        for (what, span) in [("cells", &cells), ("formulas", &formulas)] {
            if span.area() > MAX_SHEET_CELLS {
                return Err(too_large(&name, what, span));
            }
            total = total.saturating_add(span.area());
        }
        if total > MAX_WORKBOOK_CELLS {
            return Err(too_many_cells(total));
        }
        // calamine stops at the first error: later sheets are never built.
        if fails {
            break;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// XLSX and XLSB
// ---------------------------------------------------------------------------

/// A workbook's ZIP archive, as the checks below read it.
type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn check_zip(bytes: &[u8]) -> Result<(), Refusal> {
    if let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) {
        check_ods(&mut zip)?;
        check_xml_parts(&mut zip)?;
        check_shared_strings(&mut zip)?;
    }
    if let Ok(mut book) = Xlsx::new(Cursor::new(bytes)) {
        for name in book.sheet_names() {
            let Ok(mut reader) = book.worksheet_cells_reader(&name) else { continue };
            bound_sheet(&name, std::iter::from_fn(|| reader.next_cell().ok().flatten()))?;
        }
    } else if let Ok(mut book) = Xlsb::new(Cursor::new(bytes)) {
        for name in book.sheet_names() {
            let Ok(mut reader) = book.worksheet_cells_reader(&name) else { continue };
            bound_sheet(&name, std::iter::from_fn(|| reader.next_cell().ok().flatten()))?;
        }
    }
    Ok(())
}

/// The most one entry of an XLSX/XLSB archive may unpack to: the guard
/// reads each as XML (calamine may, whatever its name), so this bounds the
/// time both take, and what calamine may gather from one entry.
pub const MAX_ZIP_PART: u64 = 1 << 30;
/// The most all the entries of an XLSX/XLSB archive may unpack to together.
pub const MAX_ZIP_TOTAL: u64 = 2 << 30;
/// Elements whose content calamine gathers whole, one buffer (or string)
/// for all the events inside: a cell's value, formula and inline string,
/// a shared string and its runs, a defined name. Each may hold at most
/// [`MAX_XML_EVENT`] bytes, tags inside included.
const GATHERED: [&str; 6] = ["v", "f", "t", "is", "si", "definedName"];


/// Reads every entry of the archive with calamine's XML reader and settings
/// (calamine follows the relationships, so any entry may be read as a sheet
/// or a table), streaming, and refuses a tag, text run, comment or gathered
/// element (see [`GATHERED`]) longer than [`MAX_XML_EVENT`], an entry
/// unpacking to more than [`MAX_ZIP_PART`], or entries together unpacking
/// to more than [`MAX_ZIP_TOTAL`]. Binary entries (pictures, an XLSB's
/// records) are read too, since only calamine's relationships tell which
/// entry it reads how: their tags and text runs come out short, but a
/// gathered element is looked for only in an entry starting as XML does
/// (`<` after a byte-order mark and blanks), so that a stray `<v>` in
/// binary data does not refuse it.
fn check_xml_parts(zip: &mut Zip<'_>) -> Result<(), Refusal> {
    let kind = if is_ods(zip) { "OpenDocument spreadsheet" } else { "Excel workbook" };
    let mut left = MAX_ZIP_TOTAL;
    for i in 0..zip.len() {
        let Ok(file) = zip.by_index(i) else { continue };
        let entry = file.name().map(|n| n.to_string()).unwrap_or_else(|_| format!("entry {}", i + 1));
        let used = scan_xml(kind, &entry, file, left)?;
        left = left.saturating_sub(used);
    }
    Ok(())
}

/// Scans one entry (see [`check_xml_parts`]) of a `kind` ("Excel
/// workbook") with at most `left` bytes of the whole still allowed; returns
/// the bytes it unpacked to.
fn scan_xml(kind: &str, entry: &str, file: impl Read, left: u64) -> Result<u64, Refusal> {
    let damaged = |why: fmt::Arguments<'_>| Refusal::Damaged(format!("a damaged {kind}: {why}"));
    let part_limit = MAX_ZIP_PART.min(left);
    let mut inner = std::io::BufReader::with_capacity(64 << 10, file);
    let looks_xml = match std::io::BufRead::fill_buf(&mut inner) {
        Ok(start) => {
            let start = start.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(start);
            start.iter().find(|b| !b.is_ascii_whitespace()).is_none_or(|&b| b == b'<')
        }
        Err(_) => true,
    };
    let mut xml = calamine_xml(inner, part_limit);
    let mut buf = Vec::new();
    // The gathered element open (its name as written) and where its
    // content began.
    let mut open: Option<(String, u64)> = None;
    let mut last_error: Option<u64> = None;
    loop {
        buf.clear();
        let got = xml.read_event_into(&mut buf);
        let meter = xml.get_ref();
        let total = meter.total;
        match (got, meter.over) {
            (_, Some(Over::Event)) => {
                return Err(damaged(format_args!(
                    "{entry} holds a tag, text or comment longer than {} bytes",
                    thousands(MAX_XML_EVENT)
                )))
            }
            (_, Some(Over::Total)) if part_limit == MAX_ZIP_PART => {
                return Err(damaged(format_args!(
                    "{entry} unpacks to more than {} bytes",
                    thousands(MAX_ZIP_PART)
                )))
            }
            (_, Some(Over::Total)) => {
                return Err(Refusal::TooLarge(format!(
                    "its parts unpack to more than {} bytes, more than a roster or form can have; \
                     delete the sheets or stray cells not needed and save it again",
                    thousands(MAX_ZIP_TOTAL)
                )))
            }
            (Ok(quick_xml::events::Event::Eof), None) => return Ok(total),
            (Ok(event), None) => {
                match (&event, &open) {
                    (quick_xml::events::Event::Start(e), None)
                        if looks_xml && GATHERED.contains(&e.local_name().as_ref()) =>
                    {
                        open = Some((e.name().as_ref().to_string(), total));
                    }
                    (quick_xml::events::Event::End(e), Some((name, _))) if e.name().as_ref() == name.as_str() => {
                        open = None;
                    }
                    _ => {}
                }
                // A new event: calamine's buffer starts again (a gathered
                // element is bounded as a whole, below).
                xml.get_mut().event = 0;
            }
            (Err(_), None) => {
                // calamine may read on past an error too; stop where the
                // reader no longer moves.
                if last_error == Some(total) {
                    return Ok(total);
                }
                last_error = Some(total);
            }
        }
        if let Some((_, start)) = &open {
            if total.saturating_sub(*start) > MAX_XML_EVENT {
                return Err(damaged(format_args!(
                    "{entry} holds a value, formula or text longer than {} bytes",
                    thousands(MAX_XML_EVENT)
                )));
            }
        }
    }
}

/// One XLSX/XLSB sheet's cells, as calamine's own reader gives them: the
/// rectangle between its values (which `worksheet_range` allocates) and
/// the text it copies out — a shared string is stored once but becomes one
/// `String` per cell that uses it.
fn bound_sheet<'a>(name: &str, cells: impl Iterator<Item = calamine::Cell<DataRef<'a>>>) -> Result<(), Refusal> {
    let mut span = Span::default();
    let mut text: u64 = 0;
    for cell in cells {
        let len = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::SharedString(s) => s.len(),
            DataRef::String(s) => s.len(),
            _ => 0,
        };
        text = text.saturating_add(len as u64);
        if text > MAX_SHEET_TEXT {
            return Err(Refusal::TooLarge(format!(
                "sheet '{name}': its cells hold more than {} MB of text (a long text repeated in many cells?), \
                 more than a roster or form can have; delete what is not needed and save it again",
                MAX_SHEET_TEXT >> 20
            )));
        }
        let (row, col) = cell.get_position();
        span.add(row, col);
    }
    if span.area() > MAX_SHEET_CELLS {
        return Err(too_large(&muster_core::quote(name), "cells", &span));
    }
    Ok(())
}

/// Bounds the `uniqueCount` of every `…sharedStrings.xml` in the archive
/// (calamine finds its own case-insensitively), read as a stream.
fn check_shared_strings(zip: &mut Zip<'_>) -> Result<(), Refusal> {
    for i in 0..zip.len() {
        let is_sst = zip.name_for_index(i).and_then(Result::ok).is_some_and(|n| {
            n.replace('\\', "/").to_ascii_lowercase().ends_with("sharedstrings.xml")
        });
        if !is_sst {
            continue;
        }
        let Ok(file) = zip.by_index(i) else { continue };
        let most = largest_unique_count(file);
        if most > MAX_SHARED_STRINGS {
            return Err(Refusal::Damaged(format!(
                "a damaged Excel workbook: its shared-string table announces {} strings (at most {})",
                thousands(most),
                thousands(MAX_SHARED_STRINGS)
            )));
        }
    }
    Ok(())
}

/// The largest number given as `uniqueCount="…"` anywhere in `r` (an
/// attribute calamine reads as a whole number of digits, leading zeros
/// allowed); anywhere, so no XML trickery can hide one from the guard.
fn largest_unique_count(mut r: impl Read) -> u64 {
    const KEY: &[u8] = b"uniqueCount";
    // KMP: fail[k] is the longest proper border of KEY[..k].
    let mut fail = [0usize; KEY.len() + 1];
    for k in 2..=KEY.len() {
        let mut j = fail[k - 1];
        while j > 0 && KEY[j] != KEY[k - 1] {
            j = fail[j];
        }
        fail[k] = if KEY[j] == KEY[k - 1] { j + 1 } else { 0 };
    }
    enum State {
        Key(usize),
        Equals,
        Quote,
        Digits { quote: u8, value: u64, any: bool },
    }
    let mut state = State::Key(0);
    let mut most = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) | Err(_) => return most,
            Ok(n) => n,
        };
        for &b in &buf[..n] {
            // A byte that breaks an attribute is looked at again as the
            // start of the key.
            let mut again = true;
            while again {
                again = false;
                state = match state {
                    State::Key(mut k) => {
                        while k > 0 && KEY[k] != b {
                            k = fail[k];
                        }
                        if KEY[k] == b {
                            k += 1;
                        }
                        if k == KEY.len() {
                            State::Equals
                        } else {
                            State::Key(k)
                        }
                    }
                    State::Equals if b.is_ascii_whitespace() => State::Equals,
                    State::Equals if b == b'=' => State::Quote,
                    State::Quote if b.is_ascii_whitespace() => State::Quote,
                    State::Quote if b == b'"' || b == b'\'' => State::Digits { quote: b, value: 0, any: false },
                    State::Digits { quote, value, .. } if b.is_ascii_digit() => State::Digits {
                        quote,
                        value: value.saturating_mul(10).saturating_add(u64::from(b - b'0')),
                        any: true,
                    },
                    State::Digits { quote, value, any } if b == quote => {
                        if any {
                            most = most.max(value);
                        }
                        State::Key(0)
                    }
                    _ => {
                        again = true;
                        State::Key(0)
                    }
                };
            }
        }
    }
}

// ---------------------------------------------------------------------------
// ODS (calamine's ods.rs)
// ---------------------------------------------------------------------------

/// What calamine finds in `mimetype` (its first 46 bytes).
const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
/// calamine's caps: rows a sheet may have (repeats counted), columns a row
/// element may spell out.
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;
/// The longest tag or text run in `content.xml`: calamine's XML reader
/// holds each whole in a buffer (a comment's whole content, since calamine
/// reads it without clearing its buffer).
pub const MAX_XML_EVENT: u64 = 16 << 20;
/// The most `content.xml` may unpack to: calamine reads it all, so this
/// bounds the time it (and the guard) takes.
pub const MAX_ODS_CONTENT: u64 = 1 << 30;
/// The most bytes of text an ODS workbook may come to once calamine has
/// read it: values and formulas, each repeated cell copied out (a repeated
/// cell's text is copied for each repeat), with sheet, style and range
/// names and calamine's bookkeeping for each row element.
pub const MAX_ODS_TEXT: u64 = 256 << 20;
/// The most `META-INF/manifest.xml` may unpack to: calamine keeps all of it
/// after the first file entry in one buffer.
const MAX_ODS_MANIFEST: u64 = 16 << 20;

fn damaged_ods(why: impl fmt::Display) -> Stop {
    Stop::Refuse(Refusal::Damaged(format!("a damaged OpenDocument spreadsheet: {why}")))
}

/// Retraces `Ods::new` (calamine reads every sheet as it opens the file) on
/// an archive whose `mimetype` calamine accepts; anything else passes.
fn check_ods(zip: &mut Zip<'_>) -> Result<(), Refusal> {
    if !is_ods(zip) {
        return Ok(());
    }
    {
        let Ok(f) = zip.by_name("META-INF/manifest.xml") else { return Ok(()) };
        let n = std::io::copy(&mut f.take(MAX_ODS_MANIFEST + 1), &mut std::io::sink()).unwrap_or(0);
        if n > MAX_ODS_MANIFEST {
            return Err(Refusal::Damaged(format!(
                "a damaged OpenDocument spreadsheet: its manifest unpacks to more than {} bytes",
                thousands(MAX_ODS_MANIFEST)
            )));
        }
    }
    let Ok(content) = zip.by_name("content.xml") else { return Ok(()) };
    let xml = calamine_xml(std::io::BufReader::new(content), MAX_ODS_CONTENT);
    let mut walk = OdsWalk { xml, text: 0, cells: 0 };
    match walk.content() {
        Ok(()) | Err(Stop::Fails) => Ok(()),
        Err(Stop::Refuse(r)) => Err(r),
    }
}

/// Whether calamine takes the archive for an ODS: its `mimetype` entry
/// starts with the OpenDocument spreadsheet type.
fn is_ods(zip: &mut Zip<'_>) -> bool {
    zip.by_name("mimetype").is_ok_and(|mut f| {
        let mut mime = [0u8; 46];
        f.read_exact(&mut mime).is_ok() && mime == ODS_MIMETYPE
    })
}

/// An XML reader over `inner` set up as calamine sets up its own (the same
/// events, the same errors), metered: one event at most [`MAX_XML_EVENT`]
/// bytes, the whole at most `total_limit`.
fn calamine_xml<R: Read>(inner: std::io::BufReader<R>, total_limit: u64) -> quick_xml::Reader<Metered<R>> {
    let mut xml = quick_xml::Reader::from_reader(Metered { inner, event: 0, total: 0, event_limit: MAX_XML_EVENT, total_limit, over: None });
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

/// Where [`Metered`] stopped reading.
#[derive(Clone, Copy)]
enum Over {
    Event,
    Total,
}

/// An archive entry as calamine reads it, stopping (an I/O error) once one
/// event, or the whole, is past its limit: the XML reader then stops too,
/// its buffer no larger than the limit.
struct Metered<R> {
    inner: std::io::BufReader<R>,
    /// Bytes read since the event (or comment) began.
    event: u64,
    total: u64,
    /// The most one event (`event`) and the whole (`total`) may take.
    event_limit: u64,
    total_limit: u64,
    over: Option<Over>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let got = std::io::BufRead::fill_buf(self)?;
            let n = got.len().min(out.len());
            out[..n].copy_from_slice(&got[..n]);
            n
        };
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl<R: Read> std::io::BufRead for Metered<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let event_room = self.event_limit.saturating_sub(self.event);
        let total_room = self.total_limit.saturating_sub(self.total);
        if event_room == 0 || total_room == 0 {
            self.over = Some(if total_room == 0 { Over::Total } else { Over::Event });
            return Err(std::io::Error::other("past the guard's limit"));
        }
        let room = usize::try_from(event_room.min(total_room)).unwrap_or(usize::MAX);
        let got = self.inner.fill_buf()?;
        let n = got.len().min(room);
        Ok(&got[..n])
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.event = self.event.saturating_add(n as u64);
        self.total = self.total.saturating_add(n as u64);
    }
}

/// calamine's `RawAttrIter` (attrs.rs): `(key, value)` pairs, values raw;
/// `Err` where calamine returns an error.
fn raw_attrs(raw: &str) -> impl Iterator<Item = Result<(&str, &str), ()>> + '_ {
    let bytes = raw.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        let len = bytes.len();
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= len {
            return None;
        }
        let key_start = pos;
        while pos < len && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= len {
            pos = len;
            return Some(Err(()));
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                pos = len;
                return Some(Err(()));
            }
        };
        pos += 1;
        let val_start = pos;
        while pos < len && bytes[pos] != quote {
            pos += 1;
        }
        let val = &raw[val_start..pos];
        if pos < len {
            pos += 1;
        }
        Some(Ok((key, val)))
    })
}

/// calamine's `raw_attr`: the first attribute named `name`.
fn raw_attr<'a>(e: &'a quick_xml::events::BytesStart<'_>, name: &str) -> Result<Option<&'a str>, Stop> {
    for attr in raw_attrs(e.attributes_raw()) {
        let (k, v) = attr.map_err(|()| Stop::Fails)?;
        if k == name {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// calamine's `decode_attr`.
fn decode(v: &str) -> Result<Cow<'_, str>, Stop> {
    quick_xml::escape::unescape(v).map_err(|_| Stop::Fails)
}

/// The cell calamine's `get_datatype` makes.
struct OdsCell {
    /// `None` for `Data::Empty`, else the bytes of text it holds (0 for a
    /// number, a boolean or an empty string).
    value: Option<u64>,
    /// The formula's bytes (0: none).
    formula: u64,
    /// Whether calamine read on to the cell's end.
    closed: bool,
}

/// Where a row element holds values (or formulas), as calamine spells it
/// out: first and last column, and the bytes of text.
#[derive(Default, Clone, Copy)]
struct Marks {
    cols: Option<(u64, u64)>,
    text: u64,
}

impl Marks {
    fn add(&mut self, first: u64, last: u64, text: u64) {
        self.cols = Some(match self.cols {
            None => (first, last),
            Some((a, b)) => (a.min(first), b.max(last)),
        });
        self.text = self.text.saturating_add(text);
    }
}

/// The range calamine's `get_range` builds from a sheet's row elements:
/// the rectangle between the outermost row elements and columns holding a
/// value, each row element repeated as often as it says.
#[derive(Default)]
struct Extent {
    /// First and last row element (indices) holding a value.
    elements: Option<(u64, u64)>,
    /// Rows (repeats counted) before the first such element.
    before: u64,
    /// Rows (repeats counted) up to and including the last.
    through: u64,
    cols: (u64, u64),
    /// Text copied into the range: each row's text once a repeat.
    text: u64,
}

impl Extent {
    /// Row element `index`, after `before` rows, repeated `repeats` times.
    fn add(&mut self, index: u64, before: u64, repeats: u64, marks: Marks) {
        let Some((c0, c1)) = marks.cols else { return };
        match &mut self.elements {
            None => {
                self.elements = Some((index, index));
                // calamine: row_min + (rows before).saturating_sub(row_min).
                self.before = before.max(index);
                self.cols = (c0, c1);
            }
            Some((_, last)) => {
                *last = index;
                self.cols = (self.cols.0.min(c0), self.cols.1.max(c1));
            }
        }
        self.through = before.saturating_add(repeats).max(self.before);
        self.text = self.text.saturating_add(repeats.saturating_mul(marks.text));
    }

    /// The cells calamine reserves (row elements × columns) or fills
    /// (rows × columns), whichever is more.
    fn area(&self) -> u64 {
        let Some((first, last)) = self.elements else { return 0 };
        let width = self.cols.1 - self.cols.0 + 1;
        let elements = last - first + 1;
        let rows = self.through - self.before;
        elements.max(rows).saturating_mul(width)
    }

    fn span(&self) -> Span {
        let Some(_) = self.elements else { return Span::default() };
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let rows = (self.through - self.before).max(1);
        Span {
            bounds: Some((
                clamp(self.before),
                clamp(self.before.saturating_add(rows - 1)),
                clamp(self.cols.0),
                clamp(self.cols.1),
            )),
        }
    }
}

/// Walks `content.xml` as calamine's `parse_content` does, keeping counts
/// where calamine keeps cells.
struct OdsWalk<R: Read> {
    xml: quick_xml::Reader<Metered<R>>,
    /// Bytes of text (and bookkeeping) calamine holds so far.
    text: u64,
    /// Cells of all the ranges built so far.
    cells: u64,
}

impl<R: Read> OdsWalk<R> {
    /// The next event, read into `buf`; `fresh`: a new event (else one
    /// more event of a comment calamine reads into one buffer).
    fn next<'b>(&mut self, buf: &'b mut Vec<u8>, fresh: bool) -> Result<quick_xml::events::Event<'b>, Stop> {
        if fresh {
            self.xml.get_mut().event = 0;
        }
        match self.xml.read_event_into(buf) {
            Ok(e) => Ok(e),
            Err(_) => Err(match self.xml.get_ref().over {
                Some(Over::Event) => damaged_ods(format_args!(
                    "content.xml holds a tag, text or comment longer than {} bytes",
                    thousands(MAX_XML_EVENT)
                )),
                Some(Over::Total) => Stop::Refuse(Refusal::TooLarge(format!(
                    "its content unpacks to more than {} bytes, more than a roster or form can have; \
                     delete the sheets or stray cells not needed and save it again",
                    thousands(MAX_ODS_CONTENT)
                ))),
                // calamine's reader fails here too.
                None => Stop::Fails,
            }),
        }
    }

    /// Counts `bytes` more of text kept, in `sheet` (for the message).
    fn spend(&mut self, sheet: Option<&str>, bytes: u64) -> Result<(), Stop> {
        self.text = self.text.saturating_add(bytes);
        if self.text <= MAX_ODS_TEXT {
            return Ok(());
        }
        let whose = sheet.map_or_else(|| "its".to_string(), |s| format!("sheet {s}: its"));
        Err(Stop::Refuse(Refusal::TooLarge(format!(
            "{whose} cells and names come to more than {} bytes of text once each repeated cell is \
             written out, more than a roster or form can have; delete the cells not needed and save it again",
            thousands(MAX_ODS_TEXT)
        ))))
    }

    /// `parse_content`.
    fn content(&mut self) -> Result<(), Stop> {
        use quick_xml::events::Event;
        use quick_xml::name::QName;
        let mut buf = Vec::new();
        // The current style's name, by its length.
        let mut style_name: Option<u64> = None;
        loop {
            buf.clear();
            match self.next(&mut buf, true)? {
                Event::Start(e) if e.name() == QName("style:style") => {
                    style_name = match raw_attr(&e, "style:name")? {
                        Some(v) => Some(decode(v)?.len() as u64),
                        None => None,
                    };
                }
                Event::Start(e) if e.name() == QName("style:table-properties") => {
                    if let Some(n) = style_name {
                        // calamine fails on a `table:display` not a boolean;
                        // counted anyway.
                        raw_attr(&e, "table:display")?;
                        self.spend(None, 64 + n)?;
                    }
                }
                Event::Start(e) if e.name() == QName("table:table") => {
                    if let Some(v) = raw_attr(&e, "table:style-name")? {
                        decode(v)?;
                    }
                    if let Some(v) = raw_attr(&e, "table:name")? {
                        let raw = decode(v)?;
                        let name = muster_core::quote(&raw);
                        // The name (quoted), twice, and the sheet's entry.
                        self.spend(Some(&name), 256 + 2 * (raw.len() as u64 + 2))?;
                        self.table(&name)?;
                    }
                }
                Event::Start(e) if e.name() == QName("table:named-expressions") => self.named_expressions()?,
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// `read_named_expressions`.
    fn named_expressions(&mut self) -> Result<(), Stop> {
        use quick_xml::events::Event;
        use quick_xml::name::QName;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match self.next(&mut buf, true)? {
                Event::Start(e) if e.name() == QName("table:named-range") || e.name() == QName("table:named-expression") => {
                    let mut kept = 64u64;
                    for attr in raw_attrs(e.attributes_raw()) {
                        let (k, v) = attr.map_err(|()| Stop::Fails)?;
                        if matches!(k, "table:name" | "table:cell-range-address" | "table:expression") {
                            kept = kept.saturating_add(decode(v)?.len() as u64);
                        }
                    }
                    self.spend(None, kept)?;
                }
                Event::End(e) if e.name() == QName("table:named-range") || e.name() == QName("table:named-expression") => {}
                Event::End(e) if e.name() == QName("table:named-expressions") => return Ok(()),
                _ => return Err(Stop::Fails),
            }
        }
    }

    /// `read_table`, then `get_range` for the values and for the formulas.
    fn table(&mut self, name: &str) -> Result<(), Stop> {
        use quick_xml::events::Event;
        use quick_xml::name::QName;
        let mut buf = Vec::new();
        let (mut row_buf, mut cell_buf) = (Vec::new(), Vec::new());
        // calamine's `total_rows` (repeats counted, capped), row elements,
        // and cells spelled out in its row-by-row vectors.
        let (mut rows, mut elements, mut spelled) = (0u64, 0u64, 0u64);
        let (mut values, mut formulas) = (Extent::default(), Extent::default());
        loop {
            buf.clear();
            match self.next(&mut buf, true)? {
                Event::Start(e) if e.name() == QName("table:table-row") => {
                    let repeats = match raw_attr(&e, "table:number-rows-repeated")? {
                        Some(v) => decode(v)?.parse::<usize>().map_err(|_| Stop::Fails)? as u64,
                        None => 1,
                    };
                    let repeats = repeats.min(ODS_MAX_ROWS.saturating_sub(rows));
                    let (v, f) = self.row(name, &mut row_buf, &mut cell_buf, &mut spelled)?;
                    values.add(elements, rows, repeats, v);
                    formulas.add(elements, rows, repeats, f);
                    rows = rows.saturating_add(repeats);
                    elements += 1;
                    // An entry in each of two vectors (doubling as they grow).
                    self.spend(Some(name), 32)?;
                }
                Event::End(e) if e.name() == QName("table:table") => break,
                // calamine reads on at the end of the file for ever.
                Event::Eof => return Err(damaged_ods(format_args!("content.xml ends inside sheet {name}"))),
                _ => {}
            }
        }
        for (what, extent) in [("cells", &values), ("formulas", &formulas)] {
            let area = extent.area();
            if area > MAX_SHEET_CELLS {
                return Err(Stop::Refuse(too_large(name, what, &extent.span())));
            }
            self.cells = self.cells.saturating_add(area);
            if self.cells > MAX_WORKBOOK_CELLS {
                return Err(Stop::Refuse(too_many_cells(self.cells)));
            }
            self.spend(Some(name), extent.text)?;
        }
        Ok(())
    }

    /// `read_row`: where the row element holds values and formulas; counts
    /// the cells calamine spells out (empty ones followed by another cell
    /// included) in `spelled`.
    fn row(&mut self, name: &str, row_buf: &mut Vec<u8>, cell_buf: &mut Vec<u8>, spelled: &mut u64) -> Result<(Marks, Marks), Stop> {
        use quick_xml::events::Event;
        use quick_xml::name::QName;
        let (mut values, mut formulas) = (Marks::default(), Marks::default());
        // Columns spelled out, and empty ones waiting for a cell after them.
        let (mut len, mut waiting) = (0u64, 0u64);
        loop {
            row_buf.clear();
            match self.next(row_buf, true)? {
                Event::Start(e) if e.name() == QName("table:table-cell") || e.name() == QName("table:covered-table-cell") => {
                    let repeats = match raw_attr(&e, "table:number-columns-repeated")? {
                        Some(v) => v.parse::<usize>().map_err(|_| Stop::Fails)? as u64,
                        None => 1,
                    };
                    let cell = self.cell(&e, cell_buf, name)?;
                    let empties = waiting.min(ODS_MAX_COLUMNS.saturating_sub(len));
                    len += empties;
                    waiting = 0;
                    let repeats = repeats.min(ODS_MAX_COLUMNS.saturating_sub(len));
                    let mut pushed = empties;
                    if cell.value.is_none() && cell.formula == 0 {
                        waiting = repeats;
                    } else if repeats > 0 {
                        let (first, last) = (len, len + repeats - 1);
                        if let Some(text) = cell.value {
                            values.add(first, last, repeats.saturating_mul(text));
                        }
                        if cell.formula > 0 {
                            formulas.add(first, last, repeats.saturating_mul(cell.formula));
                        }
                        len += repeats;
                        pushed += repeats;
                        let text = cell.value.unwrap_or(0).saturating_add(cell.formula);
                        self.spend(Some(name), repeats.saturating_mul(text))?;
                    }
                    *spelled = spelled.saturating_add(pushed);
                    if *spelled > MAX_SHEET_CELLS {
                        return Err(Stop::Refuse(Refusal::TooLarge(format!(
                            "sheet {name}: its rows spell out more than {} cells, empty ones included, more than a \
                             roster or form can have; delete the rows and columns beyond the table and save it again",
                            thousands(MAX_SHEET_CELLS)
                        ))));
                    }
                    if !cell.closed {
                        self.skip_to_end(e.name(), cell_buf)?;
                    }
                }
                Event::End(e) if e.name() == QName("table:table-row") => return Ok((values, formulas)),
                // calamine: a mismatch (text between cells, the end of the
                // file...), an error.
                _ => return Err(Stop::Fails),
            }
        }
    }

    /// quick-xml's `read_to_end_into`, one event at a time.
    fn skip_to_end(&mut self, end: quick_xml::name::QName<'_>, buf: &mut Vec<u8>) -> Result<(), Stop> {
        use quick_xml::events::Event;
        let mut depth = 0u64;
        loop {
            buf.clear();
            match self.next(buf, true)? {
                Event::Start(e) if e.name() == end => depth += 1,
                Event::End(e) if e.name() == end => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Event::Eof => return Err(Stop::Fails),
                _ => {}
            }
        }
    }

    /// `get_datatype`: the cell the element `e` makes, its text read on to
    /// the cell's end where calamine does.
    fn cell(&mut self, e: &quick_xml::events::BytesStart<'_>, buf: &mut Vec<u8>, name: &str) -> Result<OdsCell, Stop> {
        use quick_xml::events::Event;
        use quick_xml::name::QName;
        let (mut is_string, mut is_error, mut is_set) = (false, false, false);
        let mut value: Option<u64> = None;
        let mut empty_string = false;
        let mut formula = 0u64;
        for attr in raw_attrs(e.attributes_raw()) {
            let (key, v) = attr.map_err(|()| Stop::Fails)?;
            match key {
                // calamine fails on a number it cannot parse; counted anyway.
                "office:value" | "office:boolean-value" if !is_set => {
                    value = Some(0);
                    is_set = true;
                }
                "office:string-value" | "office:date-value" | "office:time-value" if !is_set => {
                    let n = decode(v)?.len() as u64;
                    value = Some(n);
                    empty_string = key == "office:string-value" && n == 0;
                    is_set = true;
                }
                "office:value-type" if !is_set => is_string = v == "string",
                "calcext:value-type" => is_error = v == "error",
                "table:formula" => formula = decode(v)?.len() as u64,
                _ => {}
            }
        }
        if !((!is_set && is_string) || (is_error && empty_string)) {
            return Ok(OdsCell { value, formula, closed: false });
        }
        // The text is the element's content.
        let mut text = 0u64;
        let mut first_paragraph = true;
        loop {
            buf.clear();
            let add = match self.next(buf, true)? {
                // At most as long as in the file (line ends normalised).
                Event::Text(t) => t.len() as u64,
                // A character, at most 4 bytes (calamine fails on an unknown
                // entity; counted anyway).
                Event::GeneralRef(_) => 4,
                Event::End(e) if e.name() == QName("table:table-cell") || e.name() == QName("table:covered-table-cell") => {
                    return Ok(OdsCell { value: Some(text), formula, closed: true });
                }
                Event::Start(e) if e.name() == QName("office:annotation") => {
                    // Read on to the comment's end in one buffer, never
                    // stopping at the end of the file.
                    loop {
                        buf.clear();
                        match self.next(buf, false)? {
                            Event::End(e) if e.name() == QName("office:annotation") => break,
                            Event::Eof => {
                                return Err(damaged_ods(format_args!("content.xml ends inside a comment in sheet {name}")));
                            }
                            _ => {}
                        }
                    }
                    0
                }
                Event::Start(e) if e.name() == QName("text:p") => {
                    let add = u64::from(!first_paragraph);
                    first_paragraph = false;
                    add
                }
                // calamine's count is an i32 (parsed wider here: more, never
                // less): a negative one adds nothing.
                Event::Start(e) if e.name() == QName("text:s") => match raw_attr(&e, "text:c")? {
                    Some(v) => decode(v)?.parse::<i64>().map_err(|_| Stop::Fails)?.max(0) as u64,
                    None => 1,
                },
                Event::Start(e) if e.name() == QName("text:tab") || e.name() == QName("text:line-break") => 1,
                Event::Eof => return Err(Stop::Fails),
                _ => 0,
            };
            text = text.saturating_add(add);
            // The string as it grows, before any copy of it.
            if self.text.saturating_add(text) > MAX_ODS_TEXT {
                self.spend(Some(name), text)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BIFF record bytes.
    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend((data.len() as u16).to_le_bytes());
        v.extend(data);
        v
    }

    fn number(row: u16, col: u16, value: f64) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend(value.to_le_bytes());
        rec(0x0203, &d)
    }

    fn label(row: u16, col: u16, text: &str) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend((text.len() as u16).to_le_bytes());
        d.push(0); // compressed (Latin-1) characters
        d.extend(text.as_bytes());
        rec(0x0204, &d)
    }

    /// A BIFF8 workbook stream: one sheet named `Sheet1` holding `cells`
    /// (records).
    fn biff(cells: &[Vec<u8>]) -> Vec<u8> {
        let bof = |dt: u16| rec(0x0809, &[&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0; 12]].concat());
        let mut globals = bof(0x0005);
        let sheet_at = globals.len() + 4 + 14 + 4;
        let mut bound = (sheet_at as u32).to_le_bytes().to_vec();
        bound.extend([0, 0, 6, 0]);
        bound.extend(b"Sheet1");
        globals.extend(rec(0x0085, &bound));
        globals.extend(rec(0x000A, &[]));
        assert_eq!(globals.len(), sheet_at);
        globals.extend(bof(0x0010));
        for c in cells {
            globals.extend(c);
        }
        globals.extend(rec(0x000A, &[]));
        globals
    }

    /// A version 3 compound file (512-byte sectors) holding `stream` as
    /// `Workbook`, padded past 4,096 bytes so it lives in regular sectors:
    /// sector 0 the FAT, sector 1 the directory, then the stream. `fat` may
    /// rewrite FAT entries (to make a chain loop).
    fn cfb(stream: &[u8], fat: impl FnOnce(&mut Vec<u32>)) -> Vec<u8> {
        let mut stream = stream.to_vec();
        stream.resize(stream.len().max(4096 + 512), 0);
        compound(&stream, false, fat, |_| {})
    }

    /// [`cfb`] with `stream` (under 4,096 bytes) in the mini stream:
    /// sector 2 the mini FAT, then the mini stream. `minifat` may rewrite
    /// mini FAT entries.
    fn cfb_mini(stream: &[u8], minifat: impl FnOnce(&mut Vec<u32>)) -> Vec<u8> {
        assert!(stream.len() < 4096);
        compound(stream, true, |_| {}, minifat)
    }

    fn compound(stream: &[u8], mini: bool, fat: impl FnOnce(&mut Vec<u32>), minifat: impl FnOnce(&mut Vec<u32>)) -> Vec<u8> {
        // In the mini stream, the stream is in 64-byte pieces chained by
        // the mini FAT, in regular sectors from 3 on (the root's chain).
        let first = if mini { 3 } else { 2 };
        let mut body = stream.to_vec();
        let minis = stream.len().div_ceil(64);
        if mini {
            body.resize(minis * 64, 0);
        }
        let sectors = body.len().div_ceil(512);
        let mut fats = vec![0xFFFF_FFFD, ENDOFCHAIN];
        if mini {
            fats.push(ENDOFCHAIN); // the mini FAT
        }
        for i in 0..sectors {
            fats.push(if i + 1 == sectors { ENDOFCHAIN } else { (i + first + 1) as u32 });
        }
        fat(&mut fats);
        fats.resize(128, 0xFFFF_FFFF);
        let mut minifats: Vec<u32> = (0..minis).map(|i| if i + 1 == minis { ENDOFCHAIN } else { i as u32 + 1 }).collect();
        minifat(&mut minifats);
        minifats.resize(128, 0xFFFF_FFFF);
        let mut h = OLE_MAGIC.to_vec();
        h.resize(24, 0);
        h.extend(0x003Eu16.to_le_bytes()); // minor version
        h.extend(3u16.to_le_bytes()); // major version
        h.extend(0xFFFEu16.to_le_bytes()); // byte order
        h.extend(9u16.to_le_bytes()); // sector shift
        h.extend(6u16.to_le_bytes()); // mini sector shift
        h.resize(44, 0);
        h.extend(1u32.to_le_bytes()); // FAT sectors
        h.extend(1u32.to_le_bytes()); // directory start
        h.extend(0u32.to_le_bytes());
        h.extend(4096u32.to_le_bytes()); // mini stream cutoff
        h.extend((if mini { 2 } else { ENDOFCHAIN }).to_le_bytes()); // mini FAT start
        h.extend(u32::from(mini).to_le_bytes()); // mini FAT sectors
        h.extend(ENDOFCHAIN.to_le_bytes()); // DIFAT start
        h.extend(0u32.to_le_bytes()); // DIFAT sectors
        h.extend(0u32.to_le_bytes()); // DIFAT[0]: the FAT is sector 0
        h.resize(512, 0xFF);
        for f in &fats {
            h.extend(f.to_le_bytes());
        }
        let entry = |name: &str, typ: u8, start: u32, len: u32| {
            let mut e: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            e.resize(64, 0);
            e.extend(((name.len() as u16 + 1) * 2).to_le_bytes());
            e.push(typ);
            e.push(1); // black
            e.extend(0xFFFF_FFFFu32.to_le_bytes()); // left sibling
            e.extend(0xFFFF_FFFFu32.to_le_bytes()); // right sibling
            e.extend((if typ == 5 { 1u32 } else { 0xFFFF_FFFF }).to_le_bytes()); // child
            e.resize(116, 0);
            e.extend(start.to_le_bytes());
            e.extend(len.to_le_bytes());
            e.extend(0u32.to_le_bytes());
            e
        };
        if mini {
            h.extend(entry("Root Entry", 5, 3, (minis * 64) as u32));
            h.extend(entry("Workbook", 2, 0, stream.len() as u32));
        } else {
            h.extend(entry("Root Entry", 5, ENDOFCHAIN, 0));
            h.extend(entry("Workbook", 2, 2, stream.len() as u32));
        }
        h.resize(512 * 3, 0);
        if mini {
            for f in &minifats {
                h.extend(f.to_le_bytes());
            }
        }
        h.extend(&body);
        h.resize(512 * (1 + first + sectors), 0);
        h
    }

    fn open(bytes: &[u8]) -> Result<calamine::Range<calamine::Data>, String> {
        let mut book: calamine::Xls<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: calamine::XlsError| e.to_string())?;
        book.worksheet_range("Sheet1").map_err(|e| e.to_string())
    }

    #[test]
    fn a_small_handmade_workbook_passes_and_calamine_reads_it() {
        let bytes = cfb(&biff(&[label(0, 0, "name"), label(1, 0, "Li Lei"), number(1, 1, 42.0)]), |_| {});
        assert_eq!(check(&bytes), Ok(()));
        let range = open(&bytes).unwrap();
        assert_eq!(range.get_size(), (2, 2));
        assert_eq!(range.get_value((1, 0)), Some(&calamine::Data::String("Li Lei".into())));
    }

    #[test]
    fn a_cyclic_directory_chain_is_refused() {
        // The directory (sector 1) points back at itself.
        let bytes = cfb(&biff(&[label(0, 0, "name")]), |fat| fat[1] = 1);
        let e = check(&bytes).unwrap_err();
        assert_eq!(e, Refusal::Damaged("a damaged Excel 97-2003 workbook: a sector chain loops".into()));
    }

    /// A workbook whose stream's last sector points back at its first, and
    /// where its length stands in the directory (the second entry, offset
    /// 120).
    fn looping_workbook() -> (Vec<u8>, std::ops::Range<usize>) {
        let stream = biff(&[label(0, 0, "name")]);
        let bytes = cfb(&stream, |fat| {
            let last = fat.len() - 1;
            fat[last] = 2;
        });
        let at = 512 * 2 + 128 + 120;
        (bytes, at..at + 4)
    }

    #[test]
    fn a_cyclic_workbook_chain_is_refused() {
        // The directory claims 4 GB: calamine would copy round until then.
        let (mut bytes, len) = looping_workbook();
        bytes[len].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(check(&bytes), Err(Refusal::Damaged(m)) if m.ends_with("a sector chain loops")));
    }

    #[test]
    fn a_loop_calamine_leaves_at_the_streams_length_is_followed() {
        // The directory asks for one sector more: calamine reads the first
        // sector again, then stops. So does the guard.
        let (mut bytes, len) = looping_workbook();
        let more = u32::from_le_bytes(bytes[len.clone()].try_into().unwrap()) + 512;
        bytes[len].copy_from_slice(&more.to_le_bytes());
        assert_eq!(check(&bytes), Ok(()));
        assert_eq!(open(&bytes).unwrap().get_size(), (1, 1));
    }

    #[test]
    fn a_workbook_in_the_mini_stream_is_read_there() {
        let bytes = cfb_mini(&biff(&[label(0, 0, "name"), label(1, 0, "Li Lei")]), |_| {});
        assert_eq!(check(&bytes), Ok(()));
        assert_eq!(open(&bytes).unwrap().get_value((1, 0)), Some(&calamine::Data::String("Li Lei".into())));

        let bytes = cfb_mini(&biff(&[label(0, 0, "name"), number(65_535, 16_383, 1.0)]), |_| {});
        assert!(matches!(check(&bytes), Err(Refusal::TooLarge(m)) if m.contains("A1:XFD65536")));

        // A mini sector past the mini stream: calamine would read on from
        // wherever the file was left.
        let bytes = cfb_mini(&biff(&[label(0, 0, "name")]), |minifat| minifat[0] = 40);
        assert!(matches!(check(&bytes), Err(Refusal::Damaged(m)) if m.ends_with("outside the mini stream")));
    }

    #[test]
    fn cells_far_apart_are_refused_and_just_under_the_limit_pass() {
        let bytes = cfb(&biff(&[label(0, 0, "name"), number(65_535, 16_383, 1.0)]), |_| {});
        let e = check(&bytes).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sheet 'Sheet1': its cells span A1:XFD65536, 65,536 rows × 16,384 columns, more than a roster or \
             form can have (at most 5,000,000 cells); delete the stray cells far from the table and save it again"
        );
        assert!(matches!(e, Refusal::TooLarge(_)));
        // 65,536 rows × 76 columns = 4,980,736 cells.
        let bytes = cfb(&biff(&[label(0, 0, "name"), number(65_535, 75, 1.0)]), |_| {});
        assert_eq!(check(&bytes), Ok(()));
        assert_eq!(open(&bytes).unwrap().get_size(), (65_536, 76));
    }

    #[test]
    fn blank_cells_do_not_count_formulas_and_mulrk_do() {
        let blank = |row: u16, col: u16| rec(0x0201, &[&row.to_le_bytes()[..], &col.to_le_bytes(), &[0, 0]].concat());
        let bytes = cfb(&biff(&[label(0, 0, "name"), blank(65_535, 255)]), |_| {});
        assert_eq!(check(&bytes), Ok(()));

        let mut formula = 65_535u16.to_le_bytes().to_vec();
        formula.extend(255u16.to_le_bytes());
        formula.extend([0; 18]);
        let bytes = cfb(&biff(&[label(0, 0, "name"), rec(0x0006, &formula)]), |_| {});
        assert!(matches!(check(&bytes), Err(Refusal::TooLarge(m)) if m.contains("A1:IV65536")));

        let mut mulrk = 65_535u16.to_le_bytes().to_vec();
        mulrk.extend(250u16.to_le_bytes());
        mulrk.extend([0; 6 * 6]);
        mulrk.extend(255u16.to_le_bytes());
        let bytes = cfb(&biff(&[label(0, 0, "name"), rec(0x00BD, &mulrk)]), |_| {});
        assert!(matches!(check(&bytes), Err(Refusal::TooLarge(m)) if m.contains("A1:IV65536")));
    }

    #[test]
    fn an_impossible_dimensions_record_is_refused() {
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend([0, 0, 0, 1, 0, 0]); // columns 0..256
        let bytes = cfb(&biff(&[rec(0x0200, &dims), label(0, 0, "name")]), |_| {});
        let e = check(&bytes).unwrap_err();
        assert!(e.to_string().contains("claims 4,294,967,295 rows × 256 columns"), "{e}");
        // A whole sheet is what a real file may claim.
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(65_536u32.to_le_bytes());
        dims.extend([0, 0, 0, 1, 0, 0]);
        let bytes = cfb(&biff(&[rec(0x0200, &dims), label(0, 0, "name")]), |_| {});
        assert_eq!(check(&bytes), Ok(()));
    }

    #[test]
    fn xlsx_cells_far_apart_are_refused() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Roster").unwrap();
        ws.write_string(0, 0, "name").unwrap();
        ws.write_string(1, 0, "Li Lei").unwrap();
        let fine = wb.save_to_buffer().unwrap();
        assert_eq!(check(&fine), Ok(()));
        wb.worksheet_from_index(0).unwrap().write_string(1_048_575, 16_383, "x").unwrap();
        let far = wb.save_to_buffer().unwrap();
        let e = check(&far).unwrap_err();
        assert!(e.to_string().starts_with("sheet 'Roster': its cells span A1:XFD1048576, 1,048,576 rows × 16,384 columns"), "{e}");
    }

    #[test]
    fn an_xlsx_repeating_a_long_shared_string_is_refused() {
        // One text of Excel's longest (32,767 characters, 98 KB in UTF-8),
        // stored once, used by many cells: calamine copies it into each.
        let long = "长".repeat(32_767);
        let sheet = |cells: u32| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name("Roster").unwrap();
            for r in 0..cells {
                ws.write_string(r, 0, &long).unwrap();
            }
            wb.save_to_buffer().unwrap()
        };
        let fine = sheet(2_000);
        assert_eq!(check(&fine), Ok(()));
        let e = check(&sheet(3_000)).unwrap_err();
        assert!(matches!(&e, Refusal::TooLarge(m) if m.starts_with("sheet 'Roster': its cells hold more than 256 MB of text")), "{e}");
    }

    #[test]
    fn an_xlsx_announcing_too_many_shared_strings_is_refused() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "name").unwrap();
        let fine = wb.save_to_buffer().unwrap();
        assert_eq!(check(&fine), Ok(()));
        // The same workbook, its shared-string table announcing 10^11.
        let mut zip = zip::ZipArchive::new(Cursor::new(&fine)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            if name.ends_with("sharedStrings.xml") {
                let at = text.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
                text.insert_str(at, "100000000000");
            }
            out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut out, text.as_bytes()).unwrap();
        }
        let bad = out.finish().unwrap().into_inner();
        let e = check(&bad).unwrap_err();
        assert!(matches!(&e, Refusal::Damaged(m) if m.starts_with("a damaged Excel workbook: its shared-string table announces 1,000,000,000,001 strings")), "{e}");
    }

    /// A one-sheet XLSX whose sheet holds `row` (a `<row>` element) after
    /// its own, every entry deflated (so huge runs stay small).
    fn xlsx_with_row(row: &str) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "name").unwrap();
        let fine = wb.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(&fine)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                text = text.replacen("</sheetData>", &format!("{row}</sheetData>"), 1);
                assert!(text.contains(row));
            }
            out.start_file(name, options).unwrap();
            std::io::Write::write_all(&mut out, text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_huge_xml_piece_in_an_xlsx_is_refused() {
        let big = "a".repeat(20 << 20);
        let text = xlsx_with_row(&format!(r#"<row r="2"><c r="A2" t="str"><v>{big}</v></c></row>"#));
        assert!(text.len() < 1 << 20, "{}", text.len());
        let attr = xlsx_with_row(&format!(r#"<row r="2"><c r="A2" s="{big}"><v>1</v></c></row>"#));
        let comment = xlsx_with_row(&format!(r#"<row r="2"><!--{big}--></row>"#));
        for bad in [text, attr, comment] {
            let e = check(&bad).unwrap_err();
            assert_eq!(
                e,
                Refusal::Damaged(
                    "a damaged Excel workbook: xl/worksheets/sheet1.xml holds a tag, text or comment longer than 16,777,216 bytes"
                        .into()
                )
            );
        }
        // A value calamine gathers from many small pieces.
        let piece = format!("{}<!---->", "a".repeat(1 << 20));
        let gathered = xlsx_with_row(&format!(r#"<row r="2"><c r="A2" t="str"><v>{}</v></c></row>"#, piece.repeat(20)));
        let e = check(&gathered).unwrap_err();
        assert!(matches!(&e, Refusal::Damaged(m) if m.ends_with("sheet1.xml holds a value, formula or text longer than 16,777,216 bytes")), "{e}");
        // The same outside a gathered element: each piece is short.
        let spread = xlsx_with_row(&format!(r#"<row r="2">{}</row>"#, piece.repeat(20)));
        assert_eq!(xml_parts(&spread), Ok(()));
    }

    /// [`check_xml_parts`] alone, on a workbook's bytes.
    fn xml_parts(bytes: &[u8]) -> Result<(), Refusal> {
        check_xml_parts(&mut zip::ZipArchive::new(Cursor::new(bytes)).unwrap())
    }

    #[test]
    fn a_long_but_bounded_xml_piece_in_an_xlsx_passes() {
        let big = "a".repeat(10 << 20);
        let ten = xlsx_with_row(&format!(r#"<row r="2"><c r="A2" t="str"><v>{big}</v></c></row>"#));
        assert_eq!(xml_parts(&ten), Ok(()));
        assert_eq!(check(&ten), Ok(()));
        assert_eq!(check(&xlsx_with_row(r#"<row r="2"><c r="A2"><v>1</v></c></row>"#)), Ok(()));
    }

    #[test]
    fn binary_entries_pass_the_xml_scan() {
        // A stray `<v>` in binary data, with no end after it.
        let mut data = vec![0u8; 17 << 20];
        data[10..13].copy_from_slice(b"<v>");
        for (i, b) in data.iter_mut().enumerate().skip(20) {
            *b = (i % 251) as u8;
        }
        assert_eq!(scan_xml("Excel workbook", "xl/media/image1.png", data.as_slice(), MAX_ZIP_TOTAL).map(|_| ()), Ok(()));
        assert!(matches!(scan_xml("Excel workbook", "x", b"abc".as_slice(), 2), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn a_huge_unique_count_is_found_wherever_it_is() {
        let count = |s: &str| largest_unique_count(s.as_bytes());
        assert_eq!(count(r#"<sst xmlns="x" count="3" uniqueCount="2">"#), 2);
        assert_eq!(count(r#"<x:sst uniqueCount = '000099999999999'/>"#), 99_999_999_999);
        assert_eq!(count(r#"<!-- uniqueCount="1" --><sst uniquniqueCount="77">"#), 77);
        assert_eq!(count(r#"<sst uniqueCount="12a" uniqueCount="">"#), 0);
        assert_eq!(count(r#"<sst uniqueCouniqueCount="55">"#), 55);
        // Across the reader's 64 KB buffer.
        let long = format!("{}<sst uniqueCount=\"123456789012\">", " ".repeat(64 * 1024 - 7));
        assert_eq!(count(&long), 123_456_789_012);
    }

    /// An ODS archive as LibreOffice writes one: `mimetype` first and
    /// stored, the manifest, and `content.xml` holding `tables` (the
    /// `<table:table>` elements).
    fn ods(tables: &str) -> Vec<u8> {
        ods_with_content(&format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
             xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
             xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
             xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" office:version=\"1.3\">\
             <office:automatic-styles><style:style style:name=\"ta1\" style:family=\"table\">\
             <style:table-properties table:display=\"true\" style:writing-mode=\"lr-tb\"/></style:style>\
             </office:automatic-styles><office:body><office:spreadsheet>{tables}\
             <table:named-expressions><table:named-range table:name=\"people\" \
             table:base-cell-address=\"$Roster.$A$1\" table:cell-range-address=\"$Roster.$A$1:.$B$3\"/>\
             </table:named-expressions></office:spreadsheet></office:body></office:document-content>"
        ))
    }

    fn ods_with_content(content: &str) -> Vec<u8> {
        use std::io::Write;
        use zip::write::SimpleFileOptions;
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        out.start_file("mimetype", stored).unwrap();
        out.write_all(ODS_MIMETYPE).unwrap();
        out.start_file("META-INF/manifest.xml", SimpleFileOptions::default()).unwrap();
        out.write_all(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
              <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
              <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
              <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
              </manifest:manifest>",
        )
        .unwrap();
        out.start_file("content.xml", SimpleFileOptions::default()).unwrap();
        out.write_all(content.as_bytes()).unwrap();
        out.finish().unwrap().into_inner()
    }

    /// `<table:table table:name="Roster">` holding `rows`, after LibreOffice's
    /// column definitions.
    fn sheet(name: &str, rows: &str) -> String {
        format!(
            "<table:table table:name=\"{name}\" table:style-name=\"ta1\">\
             <table:table-column table:style-name=\"co1\" table:number-columns-repeated=\"16384\" \
             table:default-cell-style-name=\"Default\"/>{rows}</table:table>"
        )
    }

    fn text(s: &str) -> String {
        format!("<table:table-cell office:value-type=\"string\" calcext:value-type=\"string\"><text:p>{s}</text:p></table:table-cell>")
    }

    fn float(v: f64) -> String {
        format!("<table:table-cell office:value-type=\"float\" office:value=\"{v}\" calcext:value-type=\"float\"><text:p>{v}</text:p></table:table-cell>")
    }

    fn empty(repeats: u64) -> String {
        format!("<table:table-cell table:number-columns-repeated=\"{repeats}\"/>")
    }

    fn row(cells: &str) -> String {
        format!("<table:table-row table:style-name=\"ro1\">{cells}</table:table-row>")
    }

    fn rows(repeats: u64, cells: &str) -> String {
        format!("<table:table-row table:style-name=\"ro1\" table:number-rows-repeated=\"{repeats}\">{cells}</table:table-row>")
    }

    fn open_ods(bytes: &[u8], name: &str) -> Result<calamine::Range<calamine::Data>, String> {
        let mut book: calamine::Ods<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: calamine::OdsError| e.to_string())?;
        book.worksheet_range(name).map_err(|e| e.to_string())
    }

    /// What LibreOffice writes for a small roster: formatted empty cells
    /// between values and after them, the rest of the sheet as one
    /// repeated empty row.
    fn small_roster() -> Vec<u8> {
        ods(&sheet(
            "Roster",
            &[
                row(&[text("name"), text("phone"), empty(1022)].concat()),
                row(&[text("Li Lei &amp; co"), float(13800138000.0), empty(3), text("note"), empty(1018)].concat()),
                row(&[
                    "<table:table-cell office:value-type=\"string\"><text:p>Han<text:s text:c=\"2\"/>Meimei</text:p>\
                     <text:p>line 2</text:p></table:table-cell>",
                    &empty(1023),
                ]
                .concat()),
                rows(1_048_573, &empty(1024)),
            ]
            .concat(),
        ))
    }

    #[test]
    fn a_small_ods_passes_and_calamine_reads_it() {
        let bytes = small_roster();
        assert_eq!(check(&bytes), Ok(()));
        let range = open_ods(&bytes, "Roster").unwrap();
        assert_eq!(range.get_size(), (3, 6));
        assert_eq!(range.get_value((1, 0)), Some(&calamine::Data::String("Li Lei & co".into())));
        assert_eq!(range.get_value((2, 0)), Some(&calamine::Data::String("Han  Meimei\nline 2".into())));
        assert_eq!(range.get_value((1, 5)), Some(&calamine::Data::String("note".into())));
    }

    #[test]
    fn ods_cells_far_apart_are_refused_and_just_under_the_limit_pass() {
        // A1, then 89,999 empty rows, then a number in column ALL: calamine
        // would build 90,001 × 1,000 cells (2.9 GB).
        let far = |repeats: u64| {
            ods(&sheet("Roster", &[row(&text("name")), rows(repeats, &empty(1024)), row(&[empty(999), float(1.0)].concat())].concat()))
        };
        let e = check(&far(89_999)).unwrap_err();
        assert!(matches!(e, Refusal::TooLarge(_)));
        assert_eq!(
            e.to_string(),
            "sheet 'Roster': its cells span A1:ALL90001, 90,001 rows × 1,000 columns, more than a roster or \
             form can have (at most 5,000,000 cells); delete the stray cells far from the table and save it again"
        );
        // 4,000 rows × 1,000 columns passes, and calamine reads it as such.
        let bytes = far(3_998);
        assert_eq!(check(&bytes), Ok(()));
        assert_eq!(open_ods(&bytes, "Roster").unwrap().get_size(), (4_000, 1_000));
        // A million empty rows between: calamine gives up by itself, after
        // the guard has.
        assert!(check(&far(1_000_000)).unwrap_err().to_string().contains("A1:ALL1000002, 1,000,002 rows × 1,000 columns"));
    }

    #[test]
    fn a_huge_empty_repeat_counts_as_calamine_caps_it() {
        // calamine fills the row to 16,384 columns with the empty cells
        // (written out, since a cell follows) and drops the value after.
        let line = row(&[text("name"), empty(1_000_000_000), text("x")].concat());
        let one = ods(&sheet("Roster", &line));
        assert_eq!(check(&one), Ok(()));
        assert_eq!(open_ods(&one, "Roster").unwrap().get_size(), (1, 1));
        // 400 such row elements: 6.5 million cells written out.
        let e = check(&ods(&sheet("Roster", &line.repeat(400)))).unwrap_err();
        assert!(e.to_string().starts_with("sheet 'Roster': its rows spell out more than 5,000,000 cells"), "{e}");
        // A value in the last column, after a repeat that leaves room for
        // it, repeated over 1,000 rows: 16 million cells.
        let many = ods(&sheet("Roster", &[row(&text("name")), rows(1_000, &[empty(16_383), text("x")].concat())].concat()));
        let e = check(&many).unwrap_err();
        assert!(e.to_string().starts_with("sheet 'Roster': its cells span A1:XFD1001, 1,001 rows × 16,384 columns"), "{e}");
    }

    #[test]
    fn empty_cells_calamine_spells_out_are_bounded() {
        // Each row element: 16,383 empty cells, then one more, which makes
        // calamine write the first out (56 bytes each) though the sheet
        // holds no value at all. 400 of them: 6.5 million cells.
        let line = row(&[empty(16_383), empty(1)].concat());
        let bytes = ods(&sheet("Roster", &line.repeat(400)));
        let e = check(&bytes).unwrap_err();
        assert!(e.to_string().starts_with("sheet 'Roster': its rows spell out more than 5,000,000 cells"), "{e}");
        // 300 pass (4.9 million), and calamine finds nothing in them.
        let bytes = ods(&sheet("Roster", &line.repeat(300)));
        assert_eq!(check(&bytes), Ok(()));
        assert!(open_ods(&bytes, "Roster").unwrap().is_empty());
    }

    #[test]
    fn ods_text_copied_out_is_bounded() {
        let refused = |bytes: &[u8]| {
            let e = check(bytes).unwrap_err();
            assert!(e.to_string().contains("more than 268,435,456 bytes of text once each repeated cell is written out"), "{e}");
        };
        // One space repeated two billion times, in one cell.
        refused(&ods(&sheet("Roster", &row("<table:table-cell office:value-type=\"string\"><text:p><text:s text:c=\"2000000000\"/></text:p></table:table-cell>"))));
        // A 1,000-byte string in 16,384 columns of 100 rows: 1.6 million
        // cells, 1.6 GB of text.
        let long = format!("<table:table-cell office:value-type=\"string\" office:string-value=\"{}\" table:number-columns-repeated=\"16384\"/>", "x".repeat(1000));
        refused(&ods(&sheet("Roster", &rows(100, &long))));
        // A negative count is no space at all, as in calamine.
        let bytes = ods(&sheet("Roster", &row("<table:table-cell office:value-type=\"string\"><text:p>a<text:s text:c=\"-5\"/>b</text:p></table:table-cell>")));
        assert_eq!(check(&bytes), Ok(()));
        assert_eq!(open_ods(&bytes, "Roster").unwrap().get_value((0, 0)), Some(&calamine::Data::String("ab".into())));
    }

    #[test]
    fn ods_sheets_together_are_bounded() {
        // Three sheets of 4 million cells each.
        let big = |name: &str| sheet(name, &[row(&text("name")), rows(3_998, &empty(1024)), row(&[empty(999), float(1.0)].concat())].concat());
        let bytes = ods(&[big("a"), big("b"), big("c")].concat());
        let e = check(&bytes).unwrap_err();
        assert!(e.to_string().starts_with("its sheets together span 12,000,000 cells"), "{e}");
    }

    #[test]
    fn a_damaged_ods_is_refused_where_calamine_would_never_finish() {
        // calamine reads on past the end of the file inside a sheet, or
        // inside a comment, for ever.
        let head = "<office:document-content><office:body><office:spreadsheet>";
        let cut = ods_with_content(&format!("{head}<table:table table:name=\"Roster\">{}", row(&text("name"))));
        let e = check(&cut).unwrap_err();
        assert_eq!(e, Refusal::Damaged("a damaged OpenDocument spreadsheet: content.xml ends inside sheet 'Roster'".into()));
        let note = ods_with_content(&format!(
            "{head}<table:table table:name=\"Roster\"><table:table-row>\
             <table:table-cell office:value-type=\"string\"><office:annotation><text:p>note"
        ));
        let e = check(&note).unwrap_err();
        assert!(matches!(&e, Refusal::Damaged(m) if m.ends_with("content.xml ends inside a comment in sheet 'Roster'")), "{e}");
        // Cut inside a tag: calamine's reader fails, and so does it.
        let torn = ods_with_content(&format!("{head}{}", &sheet("Roster", &row(&text("name")))[..200]));
        assert_eq!(check(&torn), Ok(()));
        assert!(open_ods(&torn, "Roster").is_err());
        // A text run of 17 MB: calamine's reader would hold it whole.
        let long = ods(&sheet("Roster", &row(&text(&"x".repeat(17 << 20)))));
        let e = check(&long).unwrap_err();
        assert!(matches!(&e, Refusal::Damaged(m) if m.ends_with("a tag, text or comment longer than 16,777,216 bytes")), "{e}");
    }

    #[test]
    fn a_damaged_ods_calamine_reports_itself_passes() {
        for content in [
            // Not XML.
            "<office:document-content><table:table table:name=\"R\"><table:table-row><<<".to_string(),
            // Spaces between cells: calamine wants cells only.
            format!("<office:document-content>{}", sheet("R", &row(&format!(" {}", text("x"))))),
            // A repeat that is not a number.
            format!("<office:document-content>{}", sheet("R", &row("<table:table-cell table:number-columns-repeated=\"x\"/>"))),
        ] {
            let bytes = ods_with_content(&content);
            assert_eq!(check(&bytes), Ok(()), "{content}");
            assert!(open_ods(&bytes, "R").is_err(), "{content}");
        }
        // No content.xml, or the wrong mimetype: not an ODS calamine reads.
        let mut bytes = small_roster();
        let at = bytes.windows(ODS_MIMETYPE.len()).position(|w| w == ODS_MIMETYPE).unwrap();
        bytes[at] = b'b';
        assert_eq!(check(&bytes), Ok(()));
    }

    /// Every real workbook we have passes and calamine then reads each of
    /// its sheets: the test data, and the pyxform samples in
    /// ../shared/xlsform-samples beside the repository when that directory
    /// is there (skipped, with a note, when it is not).
    #[test]
    fn every_real_workbook_passes() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![manifest.join("tests/data/roster"), manifest.join("tests/data/xlsform")];
        let shared = manifest.join("../../../shared/xlsform-samples");
        if shared.is_dir() {
            dirs.push(shared);
        } else {
            eprintln!("skipped {}: not there", shared.display());
        }
        let mut xls = 0;
        for dir in dirs {
            let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
            paths.sort();
            for path in paths {
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                if !matches!(ext.as_str(), "xls" | "xlsx" | "ods") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                assert_eq!(check(&bytes), Ok(()), "{}", path.display());
                let Ok(mut book) = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) else {
                    continue; // not a workbook at all (zip_not_xlsx.xlsx)
                };
                for name in book.sheet_names() {
                    book.worksheet_range(&name).unwrap_or_else(|e| panic!("{}: {name}: {e}", path.display()));
                }
                xls += usize::from(ext == "xls");
            }
        }
        assert!(xls >= 3, "the test data alone holds three .xls files");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
