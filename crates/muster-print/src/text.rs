//! Lines of text: split into runs by font coverage, shaped with rustybuzz,
//! measured, and drawn as glyphs.
//!
//! A run is the longest stretch of text one face of the family's fallback
//! chain can draw (Han from Noto CJK, ə ş from Noto Sans/Serif, Khmer and Lao
//! from their Noto faces). Each run is shaped as a whole, so Khmer gets its
//! reordering, coeng subscripts and mark positioning, and Lao its marks; krilla
//! writes the glyphs with a ToUnicode map and, where one cluster became several
//! glyphs, an ActualText span, so text extraction returns what was written.
//! A character that no face has is reported, never silently dropped.

use crate::fonts::{self, Face, Family, LoadedFace};
use krilla::color::rgb;
use krilla::geom::Point;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// How a line is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub family: Family,
    pub bold: bool,
    /// Size in points.
    pub size: f32,
    pub color: (u8, u8, u8),
    /// Extra space after each character, in em.
    pub tracking: f32,
}

impl Style {
    pub const fn new(family: Family, bold: bool, size: f32, color: (u8, u8, u8)) -> Style {
        Style { family, bold, size, color, tracking: 0.0 }
    }

    pub const fn tracked(mut self, em: f32) -> Style {
        self.tracking = em;
        self
    }

    pub const fn sized(mut self, size: f32) -> Style {
        self.size = size;
        self
    }
}

/// A shaped stretch of text in one face, at unit size (advances in em).
#[derive(Clone)]
struct Run {
    face: Face,
    text: String,
    glyphs: Vec<KrillaGlyph>,
    /// Advance of the run in em, tracking excluded.
    width_em: f32,
    /// Characters whose glyph starts a cluster (tracking is added there).
    clusters: usize,
}

/// A shaped line, ready to measure and draw.
#[derive(Clone)]
pub struct Line {
    runs: Arc<Vec<Run>>,
    pub style: Style,
    /// Characters no available face could draw.
    pub missing: BTreeSet<char>,
}

impl Line {
    /// Width in points.
    pub fn width(&self) -> f32 {
        self.runs.iter().map(|r| (r.width_em + r.clusters as f32 * self.style.tracking) * self.style.size).sum::<f32>()
            - if self.runs.is_empty() { 0.0 } else { self.style.tracking * self.style.size }
    }

    /// Same text and faces at another size.
    pub fn resized(&self, size: f32) -> Line {
        Line { runs: self.runs.clone(), style: self.style.sized(size), missing: self.missing.clone() }
    }

    /// Shrinks the size until the line fits `max_width` points (not below
    /// 55% of the size asked for).
    pub fn fit(self, max_width: f32) -> Line {
        let w = self.width();
        if w <= max_width || w <= 0.0 {
            return self;
        }
        let size = (self.style.size * max_width / w).max(self.style.size * 0.55);
        self.resized(size)
    }

    /// Ascender height of the first face, in points (for vertical centring).
    pub fn ascent(&self) -> f32 {
        self.runs.first().and_then(|r| fonts::get(r.face)).map(|f| f.ascender).unwrap_or(0.8) * self.style.size
    }

    /// Draws the line with its baseline starting at (x, y) in points.
    pub fn draw(&self, surface: &mut Surface, x: f32, y: f32) {
        let (r, g, b) = self.style.color;
        surface.set_fill(Some(Fill { paint: rgb::Color::new(r, g, b).into(), ..Default::default() }));
        let mut cx = x;
        let track = self.style.tracking;
        for run in self.runs.iter() {
            let Some(face) = fonts::get(run.face) else { continue };
            let glyphs: Vec<KrillaGlyph> = if track == 0.0 {
                run.glyphs.clone()
            } else {
                tracked(&run.glyphs, track)
            };
            surface.draw_glyphs(Point::from_xy(cx, y), &glyphs, face.pdf.clone(), &run.text, self.style.size, false);
            cx += (run.width_em + run.clusters as f32 * track) * self.style.size;
        }
        surface.set_fill(None);
    }

    /// Draws the line centred on `cx`.
    pub fn draw_centered(&self, surface: &mut Surface, cx: f32, y: f32) {
        self.draw(surface, cx - self.width() / 2.0, y);
    }

    /// Draws the line ending at `right`.
    pub fn draw_right(&self, surface: &mut Surface, right: f32, y: f32) {
        self.draw(surface, right - self.width(), y);
    }
}

/// Adds `em` after each cluster that advances (marks stay on their base).
fn tracked(glyphs: &[KrillaGlyph], em: f32) -> Vec<KrillaGlyph> {
    let mut out: Vec<KrillaGlyph> = Vec::with_capacity(glyphs.len());
    for (i, g) in glyphs.iter().enumerate() {
        let last_of_cluster = glyphs.get(i + 1).is_none_or(|n| n.text_range.start != g.text_range.start);
        let extra = if last_of_cluster { em } else { 0.0 };
        out.push(KrillaGlyph::new(g.glyph_id, g.x_advance + extra, g.x_offset, g.y_offset, g.y_advance, g.text_range.clone(), None));
    }
    out
}

/// Characters that belong with the run before them if its face has them.
fn joins_previous(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
        | 0x200B..=0x200D | 0xFE00..=0xFE0F | 0x0020 | 0x00A0 | 0x3000)
}

fn pick(chain: &[Face], c: char) -> Option<&'static LoadedFace> {
    chain.iter().filter_map(|f| fonts::get(*f)).find(|f| f.covers(c))
}

type CacheKey = (Family, bool, String);

fn cache() -> &'static Mutex<HashMap<CacheKey, (Arc<Vec<Run>>, BTreeSet<char>)>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, (Arc<Vec<Run>>, BTreeSet<char>)>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Shapes `text` in `style` (cached: labels repeat on every page).
pub fn line(text: &str, style: Style) -> Line {
    let key = (style.family, style.bold, text.to_string());
    if let Some((runs, missing)) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Line { runs, style, missing };
    }
    let (runs, missing) = shape_runs(text, fonts::chain(style.family, style.bold));
    let runs = Arc::new(runs);
    if let Ok(mut c) = cache().lock() {
        if c.len() > 20_000 {
            c.clear();
        }
        c.insert(key, (runs.clone(), missing.clone()));
    }
    Line { runs, style, missing }
}

fn shape_runs(text: &str, chain: &[Face]) -> (Vec<Run>, BTreeSet<char>) {
    let mut missing = BTreeSet::new();
    let mut pieces: Vec<(&'static LoadedFace, usize, usize)> = Vec::new();
    let first = chain.iter().find_map(|f| fonts::get(*f));
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if let Some(last) = pieces.last_mut() {
            if joins_previous(c) && (last.0.covers(c) || c == ' ') {
                last.2 = end;
                continue;
            }
        }
        let face = match pick(chain, c) {
            Some(f) => f,
            None => {
                if !c.is_whitespace() && !c.is_control() {
                    missing.insert(c);
                }
                match pieces.last().map(|p| p.0).or(first) {
                    Some(f) => f,
                    None => continue,
                }
            }
        };
        match pieces.last_mut() {
            Some(last) if std::ptr::eq(last.0, face) => last.2 = end,
            _ => pieces.push((face, i, end)),
        }
    }
    let runs = pieces.into_iter().map(|(face, a, b)| shape(face, &text[a..b])).collect();
    (runs, missing)
}

fn shape(face: &LoadedFace, text: &str) -> Run {
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let output = rustybuzz::shape(&face.rb, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let upem = face.units_per_em;
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0.0;
    let mut clusters = 0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        // The cluster ends where the next different cluster starts (LTR).
        let end = infos[i + 1..].iter().map(|n| n.cluster as usize).find(|&c| c != start).unwrap_or(text.len());
        let end = if end < start { text.len() } else { end };
        if infos.get(i + 1).is_none_or(|n| n.cluster != info.cluster) {
            clusters += 1;
        }
        width += pos.x_advance as f32 / upem;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            pos.x_advance as f32 / upem,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end,
            None,
        ));
    }
    Run { face: face.face, text: text.to_string(), glyphs, width_em: width, clusters }
}

/// Breaks `text` into lines no wider than `max_width` points: between words
/// for spaced scripts, between any two Han characters otherwise.
pub fn wrap(text: &str, style: Style, max_width: f32) -> Vec<Line> {
    let whole = line(text, style);
    if whole.width() <= max_width {
        return vec![whole];
    }
    // Break opportunities: after a space, or between two CJK characters
    // (never before closing punctuation).
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut breaks = Vec::new();
    for w in chars.windows(2) {
        let (_, a) = w[0];
        let (j, b) = w[1];
        let cjk = |c: char| ('\u{2E80}'..='\u{9FFF}').contains(&c) || ('\u{FF00}'..='\u{FFEF}').contains(&c);
        let closing = "，。、；：！？）》」』”".contains(b);
        if a == ' ' || ((cjk(a) || cjk(b)) && !closing && b != ' ') {
            breaks.push(j);
        }
    }
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut best = None;
        for &b in breaks.iter().filter(|&&b| b > start) {
            if line(text[start..b].trim_end(), style).width() <= max_width {
                best = Some(b);
            } else {
                break;
            }
        }
        let rest = line(text[start..].trim(), style);
        if rest.width() <= max_width {
            lines.push(rest);
            break;
        }
        let end = best.unwrap_or_else(|| breaks.iter().copied().find(|&b| b > start).unwrap_or(text.len()));
        lines.push(line(text[start..end].trim(), style));
        start = end;
    }
    lines
}

/// Shapes `text` and notes its missing characters in `missing`.
pub fn noted(missing: &mut BTreeSet<char>, text: &str, style: Style) -> Line {
    let l = line(text, style);
    missing.extend(l.missing.iter().copied());
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_take_the_first_face_that_has_the_character() {
        let l = line("乡村电商（示例）Rural E-commerce Şəhla ň ž សុខ", Style::new(Family::Sans, true, 10.0, (0, 0, 0)));
        let faces: Vec<(Face, &str)> = l.runs.iter().map(|r| (r.face, r.text.as_str())).collect();
        eprintln!("{faces:?}");
        assert_eq!(faces[0], (Face::SansCjkBold, "乡村电商（示例）"));
        assert_eq!(faces[1], (Face::SansBold, "Rural E-commerce Şəhla ň ž "));
        assert_eq!(faces[2].0, Face::SansKhmerBold);
        assert!(l.missing.is_empty());
    }
}

/// Like [`wrap`], but with lines of even length: the narrowest width that
/// needs no more lines than `max_width` does (no one-word last line).
pub fn wrap_balanced(text: &str, style: Style, max_width: f32) -> Vec<Line> {
    let lines = wrap(text, style, max_width);
    if lines.len() < 2 {
        return lines;
    }
    let n = lines.len();
    let (mut lo, mut hi) = (max_width / n as f32 * 0.9, max_width);
    let mut best = lines;
    for _ in 0..8 {
        let mid = (lo + hi) / 2.0;
        let attempt = wrap(text, style, mid);
        if attempt.len() <= n {
            hi = mid;
            best = attempt;
        } else {
            lo = mid;
        }
    }
    best
}
