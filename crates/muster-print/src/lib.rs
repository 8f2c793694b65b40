//! Muster's print renderer: certificates, badge slips and attendance sheets
//! as PDF, rendered from plain data.
//!
//! This crate knows neither SQL nor Tauri nor any other Muster crate: the
//! caller (the CLI, the desktop shell) maps its records to the plain structs
//! here ([`certificate::Certificate`], [`badges::Slip`], [`sheet::Sheet`]) and
//! gets PDF bytes back. Fonts come from [`fonts`] (Noto, subset on output),
//! text is shaped per font run by [`text`] (rustybuzz), QR codes are tiny
//! lossless images ([`qr`]). PDF writing is krilla's: every font embedded as
//! a subset, with a ToUnicode map, so names can be searched and copied.

pub mod badges;
pub mod certificate;
pub mod draw;
pub mod fonts;
pub mod join;
pub mod portrait;
pub mod qr;
pub mod sheet;
pub mod text;

use std::collections::BTreeSet;

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("font {face} not found (looked for {files} in assets/fonts, $MUSTER_FONTS and the system font directories)")]
    FontMissing { face: String, files: String },
    #[error("QR code: {0}")]
    Qr(String),
    #[error("PDF: {0}")]
    Pdf(String),
    #[error("nothing to print: {0}")]
    Empty(&'static str),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Characters no available font could draw (they show as empty boxes).
    pub missing_glyphs: BTreeSet<char>,
}

/// Paper sizes of the designs (landscape certificates, portrait sheets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    A5,
}

impl Paper {
    /// Parses `a4` / `a5` (any case).
    pub fn parse(s: &str) -> Option<Paper> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "a5" => Some(Paper::A5),
            _ => None,
        }
    }

    /// Long and short side in mm.
    pub fn sides_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (297.0, 210.0),
            Paper::A5 => (210.0, 148.0),
        }
    }
}

/// Collects pages into one PDF and the characters that had no glyph.
pub(crate) struct Doc {
    doc: krilla::Document,
    pages: usize,
    missing: BTreeSet<char>,
}

impl Doc {
    pub(crate) fn new(title: &str) -> Doc {
        let mut doc = krilla::Document::new_with(krilla::SerializeSettings { xmp_metadata: false, enable_tagging: false, ..Default::default() });
        doc.set_metadata(krilla::metadata::Metadata::new().title(title.to_string()).creator("Muster".to_string()));
        Doc { doc, pages: 0, missing: BTreeSet::new() }
    }

    /// Adds a page of `w` × `h` mm drawn by `f`.
    pub(crate) fn page(&mut self, w: f32, h: f32, f: impl FnOnce(&mut krilla::surface::Surface, &mut BTreeSet<char>) -> Result<()>) -> Result<()> {
        let settings = krilla::page::PageSettings::from_wh(draw::mm(w), draw::mm(h)).ok_or(Error::Pdf("bad page size".into()))?;
        let mut page = self.doc.start_page_with(settings);
        let mut surface = page.surface();
        f(&mut surface, &mut self.missing)?;
        surface.finish();
        page.finish();
        self.pages += 1;
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<Rendered> {
        let pdf = self.doc.finish().map_err(|e| Error::Pdf(format!("{e:?}")))?;
        Ok(Rendered { pdf, pages: self.pages, missing_glyphs: self.missing })
    }
}
