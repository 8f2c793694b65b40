//! The fonts the renderer draws with, found on disk once per process.
//!
//! Muster ships the small open fonts in `assets/fonts/` (Noto Sans/Serif for
//! Latin including Azerbaijani and Turkmen letters, Noto Khmer and Lao, Noto
//! Sans Mono; SIL OFL 1.1, see `assets/fonts/OFL.txt`). The CJK faces are large
//! (20–27 MB per collection), so they are taken from the first place that has
//! them: a single-face `NotoSerifSC-*.otf` / `NotoSansSC-*.otf` dropped into a
//! font directory, or the Noto CJK collections of the operating system
//! (Debian/Ubuntu `fonts-noto-cjk`: face 2 of each `.ttc` is Simplified
//! Chinese). Only the glyphs used end up in a PDF: krilla subsets every font.
//!
//! Search order: the directories given to [`set_search_dirs`], then
//! `$MUSTER_FONTS` (colon-separated), `assets/fonts` beside the executable
//! and in the source tree, then the system font directories.

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One face the renderer can draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Face {
    Serif,
    SerifBold,
    Sans,
    SansBold,
    SerifCjk,
    SerifCjkBold,
    SansCjk,
    SansCjkBold,
    SansKhmer,
    SansKhmerBold,
    SerifKhmerBold,
    SansLao,
    SansLaoBold,
    SerifLaoBold,
    MonoBold,
}

const ALL: [Face; 15] = [
    Face::Serif,
    Face::SerifBold,
    Face::Sans,
    Face::SansBold,
    Face::SerifCjk,
    Face::SerifCjkBold,
    Face::SansCjk,
    Face::SansCjkBold,
    Face::SansKhmer,
    Face::SansKhmerBold,
    Face::SerifKhmerBold,
    Face::SansLao,
    Face::SansLaoBold,
    Face::SerifLaoBold,
    Face::MonoBold,
];

impl Face {
    fn index(self) -> usize {
        ALL.iter().position(|f| *f == self).unwrap_or(0)
    }

    /// Candidate files, best first: (file name, face index in a collection).
    fn candidates(self) -> &'static [(&'static str, u32)] {
        match self {
            Face::Serif => &[("NotoSerif-Regular.ttf", 0)],
            Face::SerifBold => &[("NotoSerif-Bold.ttf", 0)],
            Face::Sans => &[("NotoSans-Regular.ttf", 0)],
            Face::SansBold => &[("NotoSans-Bold.ttf", 0)],
            Face::SerifCjk => &[("NotoSerifSC-Regular.otf", 0), ("NotoSerifCJKsc-Regular.otf", 0), ("NotoSerifCJK-Regular.ttc", 2)],
            Face::SerifCjkBold => &[("NotoSerifSC-Bold.otf", 0), ("NotoSerifCJKsc-Bold.otf", 0), ("NotoSerifCJK-Bold.ttc", 2)],
            Face::SansCjk => &[("NotoSansSC-Regular.otf", 0), ("NotoSansCJKsc-Regular.otf", 0), ("NotoSansCJK-Regular.ttc", 2)],
            Face::SansCjkBold => &[("NotoSansSC-Bold.otf", 0), ("NotoSansCJKsc-Bold.otf", 0), ("NotoSansCJK-Bold.ttc", 2)],
            Face::SansKhmer => &[("NotoSansKhmer-Regular.ttf", 0)],
            Face::SansKhmerBold => &[("NotoSansKhmer-Bold.ttf", 0)],
            Face::SerifKhmerBold => &[("NotoSerifKhmer-Bold.ttf", 0), ("NotoSansKhmer-Bold.ttf", 0)],
            Face::SansLao => &[("NotoSansLao-Regular.ttf", 0)],
            Face::SansLaoBold => &[("NotoSansLao-Bold.ttf", 0)],
            Face::SerifLaoBold => &[("NotoSerifLao-Bold.ttf", 0), ("NotoSansLao-Bold.ttf", 0)],
            Face::MonoBold => &[("NotoSansMono-Bold.ttf", 0), ("DejaVuSansMono-Bold.ttf", 0)],
        }
    }
}

/// A loaded face: its bytes (kept for the life of the process), the shaper's
/// view of it and krilla's handle.
pub struct LoadedFace {
    pub face: Face,
    pub path: PathBuf,
    pub rb: rustybuzz::Face<'static>,
    pub pdf: krilla::text::Font,
    pub units_per_em: f32,
    /// Ascender as a fraction of the em (for vertical centring).
    pub ascender: f32,
}

impl LoadedFace {
    /// Whether the face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.rb.glyph_index(c).is_some_and(|g| g.0 != 0)
    }
}

static SEARCH: OnceLock<Vec<PathBuf>> = OnceLock::new();
static FACES: [OnceLock<Option<LoadedFace>>; 15] = [const { OnceLock::new() }; 15];

/// Puts `dirs` first in the font search path (e.g. the desktop app's bundled
/// resources). Only effective before the first font is loaded.
pub fn set_search_dirs(dirs: Vec<PathBuf>) -> bool {
    let mut all = dirs;
    all.extend(default_dirs());
    SEARCH.set(all).is_ok()
}

fn default_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(v) = std::env::var_os("MUSTER_FONTS") {
        dirs.extend(std::env::split_paths(&v));
    }
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            dirs.push(up.join("assets/fonts"));
        }
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts"));
    for d in [
        "/usr/share/fonts/opentype/noto",
        "/usr/share/fonts/truetype/noto",
        "/usr/share/fonts/noto-cjk",
        "/usr/share/fonts/google-noto-cjk",
        "/usr/share/fonts/noto",
        "/usr/share/fonts/truetype/dejavu",
        "/usr/local/share/fonts",
        "/Library/Fonts",
        "C:\\Windows\\Fonts",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

fn search_dirs() -> &'static [PathBuf] {
    SEARCH.get_or_init(default_dirs)
}

fn load(face: Face) -> Option<LoadedFace> {
    for (name, index) in face.candidates() {
        for dir in search_dirs() {
            let path = dir.join(name);
            let Ok(bytes) = std::fs::read(&path) else { continue };
            // Fonts live as long as the process: one copy, shared by every
            // document, and the shaper may borrow it for 'static.
            let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            let Some(rb) = rustybuzz::Face::from_slice(data, *index) else { continue };
            let Some(pdf) = krilla::text::Font::new(data.into(), *index) else { continue };
            let units_per_em = rb.units_per_em() as f32;
            let ascender = rb.ascender() as f32 / units_per_em;
            return Some(LoadedFace { face, path, rb, pdf, units_per_em, ascender });
        }
    }
    None
}

/// The face, loaded on first use; `None` if no file for it was found.
pub fn get(face: Face) -> Option<&'static LoadedFace> {
    FACES[face.index()].get_or_init(|| load(face)).as_ref()
}

/// The face or an error naming the files looked for.
pub fn require(face: Face) -> Result<&'static LoadedFace> {
    get(face).ok_or_else(|| Error::FontMissing {
        face: format!("{face:?}"),
        files: face.candidates().iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
    })
}

/// A typeface family of the designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Serif,
    Sans,
    Mono,
}

/// The fallback chain of a family and weight: Latin first (so digits and
/// Latin letters, ə ş ç ň ž included, come from one face), then Chinese,
/// Khmer, Lao; a character takes the first face that has it.
pub fn chain(family: Family, bold: bool) -> &'static [Face] {
    use Face::*;
    match (family, bold) {
        (Family::Serif, false) => &[Serif, SerifCjk, SansKhmer, SansLao, Sans],
        (Family::Serif, true) => &[SerifBold, SerifCjkBold, SerifKhmerBold, SerifLaoBold, SansBold],
        (Family::Sans, false) => &[Sans, SansCjk, SansKhmer, SansLao],
        (Family::Sans, true) => &[SansBold, SansCjkBold, SansKhmerBold, SansLaoBold],
        (Family::Mono, _) => &[MonoBold, SansBold, SansCjkBold],
    }
}

/// Where each face of `faces` was found (for `muster fonts`-style reports
/// and test messages); missing faces are left out.
pub fn report(faces: &[Face]) -> Vec<(Face, PathBuf)> {
    faces.iter().filter_map(|f| get(*f).map(|l| (*f, l.path.clone()))).collect()
}
