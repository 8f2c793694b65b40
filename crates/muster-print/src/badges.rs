//! Badge slips: an A4 sheet of ten cut-out slips (2 × 5, 105 × 59.4 mm
//! each), one per trainee, printed before the event. A slip carries the
//! event, the name (Chinese, Latin, Khmer, Lao as written, with a Latin
//! spelling under it when there is one), the trainee code in large monospace
//! and a QR code of the code for the door scanner. Dashed cut lines separate
//! the slips.

use crate::draw::{self, mm};
use crate::fonts::Family;
use crate::qr::Qr;
use crate::text::{self, Style};
use crate::{Doc, Rendered, Result};

/// One trainee's slip.
#[derive(Debug, Clone, PartialEq)]
pub struct Slip {
    /// The name as written in the trainee's own script.
    pub name: String,
    /// A Latin spelling (pinyin, a passport name), shown under the name.
    pub name_latin: Option<String>,
    /// The trainee code (what the QR holds).
    pub code: String,
    /// Employer or village, a small line (optional).
    pub organization: Option<String>,
}

/// A batch of slips for one event.
#[derive(Debug, Clone, PartialEq)]
pub struct BadgeSheet {
    pub event: String,
    /// Dates and venue as the caller wants them shown, e.g. "2025-03-10 · 信阳".
    pub subtitle: String,
    pub slips: Vec<Slip>,
}

const COLS: usize = 2;
const ROWS: usize = 5;
const SLIP_W: f32 = 105.0;
const SLIP_H: f32 = 297.0 / ROWS as f32;
const NAVY: draw::Rgb = (0x1F, 0x3A, 0x5F);
const INK: draw::Rgb = (0x1A, 0x1A, 0x1A);
const GREY: draw::Rgb = (0x66, 0x66, 0x66);
const CUT: draw::Rgb = (0xA0, 0xA0, 0xA0);

/// Renders the slips, ten to a page.
pub fn render(sheet: &BadgeSheet) -> Result<Rendered> {
    if sheet.slips.is_empty() {
        return Err(crate::Error::Empty("the roster has no trainees"));
    }
    let mut doc = Doc::new(&format!("{} — badges", sheet.event));
    for chunk in sheet.slips.chunks(COLS * ROWS) {
        doc.page(210.0, 297.0, |s, missing| {
            for (i, slip) in chunk.iter().enumerate() {
                let (col, row) = (i % COLS, i / COLS);
                slip_at(s, missing, sheet, slip, col as f32 * SLIP_W, row as f32 * SLIP_H)?;
            }
            cut_lines(s);
            Ok(())
        })?;
    }
    doc.finish()
}

fn cut_lines(s: &mut krilla::surface::Surface) {
    let dash = Some(vec![4.0, 3.0]);
    for r in 1..ROWS {
        let y = r as f32 * SLIP_H;
        draw::line(s, (0.0, y), (210.0, y), CUT, 0.5, dash.clone());
    }
    draw::line(s, (SLIP_W, 0.0), (SLIP_W, 297.0), CUT, 0.5, dash);
    // Scissors marks at the ends of each horizontal cut.
    for r in 1..ROWS {
        let y = r as f32 * SLIP_H;
        draw::line(s, (2.0, y - 1.2), (5.0, y), CUT, 0.6, None);
        draw::line(s, (2.0, y + 1.2), (5.0, y), CUT, 0.6, None);
    }
}

fn slip_at(
    s: &mut krilla::surface::Surface,
    missing: &mut std::collections::BTreeSet<char>,
    sheet: &BadgeSheet,
    slip: &Slip,
    x: f32,
    y: f32,
) -> Result<()> {
    // Colour band on the left edge with the QR beside it.
    draw::fill_rect(s, x + 6.0, y + 7.0, 1.2, SLIP_H - 14.0, NAVY);
    let qr = Qr::new(&slip.code)?;
    let q = 34.0;
    qr.draw(s, mm(x + 9.0), mm(y + (SLIP_H - q) / 2.0), mm(q))?;

    let left = x + 9.0 + q + 3.0;
    let width = x + SLIP_W - 6.0 - left;
    let cx = left + width / 2.0;

    let event = text::noted(missing, &sheet.event, Style::new(Family::Sans, true, 8.0, NAVY)).fit(mm(width));
    event.draw_centered(s, mm(cx), mm(y + 11.0));
    if !sheet.subtitle.is_empty() {
        let sub = text::noted(missing, &sheet.subtitle, Style::new(Family::Sans, false, 6.5, GREY)).fit(mm(width));
        sub.draw_centered(s, mm(cx), mm(y + 15.0));
    }

    let name = text::noted(missing, &slip.name, Style::new(Family::Sans, true, 22.0, INK)).fit(mm(width));
    name.draw_centered(s, mm(cx), mm(y + 27.5));
    if let Some(latin) = slip.name_latin.as_deref().filter(|l| !l.is_empty() && *l != slip.name) {
        let l = text::noted(missing, latin, Style::new(Family::Sans, false, 9.0, GREY)).fit(mm(width));
        l.draw_centered(s, mm(cx), mm(y + 33.0));
    }
    if let Some(org) = slip.organization.as_deref().filter(|o| !o.is_empty()) {
        let o = text::noted(missing, org, Style::new(Family::Sans, false, 6.5, GREY)).fit(mm(width));
        o.draw_centered(s, mm(cx), mm(y + 37.5));
    }

    // The code, spaced for reading aloud, in a light box.
    let code = text::noted(missing, &slip.code, Style::new(Family::Mono, true, 20.0, INK).tracked(0.12)).fit(mm(width - 4.0));
    let box_w = code.width() / draw::PT + 6.0;
    draw::rect(s, cx - box_w / 2.0, y + 41.0, box_w, 10.5, NAVY, 0.8);
    code.draw_centered(s, mm(cx), mm(y + 48.7));
    Ok(())
}
