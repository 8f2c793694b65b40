//! The attendance sheet for signatures: A4 portrait, one row per trainee
//! (number, name, code with its QR) and one signature column per session, for the venue
//! that wants paper beside the scanner.

use crate::draw::{self, mm, Rgb};
use crate::fonts::Family;
use crate::text::{self, Style};
use crate::{Doc, Rendered, Result};

/// One row of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub name_latin: Option<String>,
    pub code: String,
}

/// A sheet: the event, its sessions (column heads) and the trainees.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub event: String,
    pub subtitle: String,
    /// Column heads, e.g. "3/10 上午 Day 1 AM".
    pub sessions: Vec<String>,
    pub rows: Vec<Row>,
}

const NAVY: Rgb = (0x1F, 0x3A, 0x5F);
const INK: Rgb = (0x22, 0x22, 0x22);
const GREY: Rgb = (0x6B, 0x6B, 0x6B);
const RULE: Rgb = (0xB8, 0xB8, 0xB8);
const ROW_H: f32 = 10.0;
const TOP: f32 = 42.0;
const ROWS_PER_PAGE: usize = 24;

/// Renders the sheet, 24 trainees to a page, at most 6 session columns.
pub fn render(sheet: &Sheet) -> Result<Rendered> {
    if sheet.rows.is_empty() {
        return Err(crate::Error::Empty("the roster has no trainees"));
    }
    let sessions: Vec<&String> = sheet.sessions.iter().take(6).collect();
    let pages = sheet.rows.len().div_ceil(ROWS_PER_PAGE);
    let mut doc = Doc::new(&format!("{} — 签到表 attendance sheet", sheet.event));
    for (p, chunk) in sheet.rows.chunks(ROWS_PER_PAGE).enumerate() {
        doc.page(210.0, 297.0, |s, missing| {
            let (left, right) = (12.0, 198.0);
            text::noted(missing, &sheet.event, Style::new(Family::Sans, true, 15.0, NAVY)).fit(mm(right - left)).draw(s, mm(left), mm(20.0));
            text::noted(missing, &format!("签到表 Attendance sheet  ·  {}", sheet.subtitle), Style::new(Family::Sans, false, 9.0, GREY))
                .fit(mm(right - left))
                .draw(s, mm(left), mm(27.0));
            text::noted(missing, &format!("{} / {}", p + 1, pages), Style::new(Family::Sans, false, 8.0, GREY)).draw_right(s, mm(right), mm(27.0));

            // Columns: #, name, code, then the sessions share the rest.
            let (num_w, name_w, code_w) = (9.0, 47.0, 32.0);
            let sess_x = left + num_w + name_w + code_w;
            let sess_w = if sessions.is_empty() { right - sess_x } else { (right - sess_x) / sessions.len() as f32 };
            draw::fill_rect(s, left, TOP - 7.0, right - left, 7.0, (0xEC, 0xF0, 0xF5));
            let head = Style::new(Family::Sans, true, 7.5, NAVY);
            text::noted(missing, "#", head).draw(s, mm(left + 2.0), mm(TOP - 2.3));
            text::noted(missing, "姓名 Name", head).draw(s, mm(left + num_w + 1.5), mm(TOP - 2.3));
            text::noted(missing, "编号 Code", head).draw(s, mm(left + num_w + name_w + 1.5), mm(TOP - 2.3));
            for (i, title) in sessions.iter().enumerate() {
                text::noted(missing, title, head).fit(mm(sess_w - 2.0)).draw_centered(s, mm(sess_x + sess_w * (i as f32 + 0.5)), mm(TOP - 2.3));
            }
            for (i, row) in chunk.iter().enumerate() {
                let y = TOP + i as f32 * ROW_H;
                let n = p * ROWS_PER_PAGE + i + 1;
                text::noted(missing, &n.to_string(), Style::new(Family::Sans, false, 8.0, GREY)).draw(s, mm(left + 2.0), mm(y + 6.3));
                let name = text::noted(missing, &row.name, Style::new(Family::Sans, true, 10.5, INK)).fit(mm(name_w - 3.0));
                match row.name_latin.as_deref().filter(|l| !l.is_empty() && *l != row.name) {
                    Some(l) => {
                        name.draw(s, mm(left + num_w + 1.5), mm(y + 5.0));
                        text::noted(missing, l, Style::new(Family::Sans, false, 6.5, GREY)).fit(mm(name_w - 3.0)).draw(s, mm(left + num_w + 1.5), mm(y + 8.6));
                    }
                    None => name.draw(s, mm(left + num_w + 1.5), mm(y + 6.6)),
                }
                // The code as a QR too: when the power or a laptop failed,
                // the signed rows are scanned back in (source `paper`).
                if !row.code.is_empty() {
                    crate::qr::Qr::new(&row.code)?.draw(s, mm(left + num_w + name_w + 0.7), mm(y + 0.6), mm(ROW_H - 1.2))?;
                }
                text::noted(missing, &row.code, Style::new(Family::Mono, true, 9.0, INK)).draw(s, mm(left + num_w + name_w + ROW_H + 0.5), mm(y + 6.5));
                draw::line(s, (left, y + ROW_H), (right, y + ROW_H), RULE, 0.4, None);
            }
            let bottom = TOP + chunk.len() as f32 * ROW_H;
            for x in std::iter::once(sess_x).chain((1..sessions.len()).map(|i| sess_x + sess_w * i as f32)) {
                draw::line(s, (x, TOP - 7.0), (x, bottom), RULE, 0.4, None);
            }
            draw::rect(s, left, TOP - 7.0, right - left, bottom - TOP + 7.0, NAVY, 0.8);
            Ok(())
        })?;
    }
    doc.finish()
}
