//! The trainee portrait as PDF: A4 portrait, per question a title, how many
//! answered, and one horizontal bar per choice (count and percent of those
//! who answered), or the numeric summary of a number question; the totals
//! (stored, rejected, in the portrait) head the first page. Plain data in:
//! the caller maps its summary to [`Report`].

use crate::draw::{self, mm, Rgb};
use crate::fonts::Family;
use crate::text::{self, Style};
use crate::{Doc, Rendered, Result};

/// One bar: a choice, how many chose it, and its share in percent.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub count: u64,
    pub percent: f64,
}

/// One question of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub title: String,
    /// e.g. "answered 41 · 已答 41".
    pub answered: String,
    pub bars: Vec<Bar>,
    /// Numeric summary lines (n, min, max, mean, median), drawn as text.
    pub summary: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub title: String,
    /// The totals line, e.g. "stored 52 · rejected 3 · in the portrait 50".
    pub totals: String,
    pub questions: Vec<Question>,
}

const NAVY: Rgb = (0x1F, 0x3A, 0x5F);
const INK: Rgb = (0x22, 0x22, 0x22);
const GREY: Rgb = (0x6B, 0x6B, 0x6B);
const BAR: Rgb = (0x2F, 0x6F, 0xB5);
const TRACK: Rgb = (0xEC, 0xF0, 0xF5);
const LEFT: f32 = 14.0;
const RIGHT: f32 = 196.0;
const LABEL_W: f32 = 58.0;
const BAR_H: f32 = 6.0;
const ROW_H: f32 = 8.5;
const BOTTOM: f32 = 280.0;

fn height(q: &Question) -> f32 {
    14.0 + q.bars.len() as f32 * ROW_H + if q.summary.is_some() { 7.0 } else { 0.0 } + 6.0
}

/// Lays the questions out in pages: each page's questions (by index).
fn paginate(r: &Report) -> Vec<Vec<usize>> {
    let mut pages = vec![Vec::new()];
    let mut y = 40.0;
    for (i, q) in r.questions.iter().enumerate() {
        let h = height(q);
        if y + h > BOTTOM && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            y = 20.0;
        }
        if let Some(page) = pages.last_mut() {
            page.push(i);
        }
        y += h;
    }
    pages
}

/// Renders the report; an empty question list is refused.
pub fn render(r: &Report) -> Result<Rendered> {
    if r.questions.is_empty() {
        return Err(crate::Error::Empty("the form has no questions to report"));
    }
    let pages = paginate(r);
    let total = pages.len();
    let mut doc = Doc::new(&format!("{} — 学员画像 trainee portrait", r.title));
    for (p, qs) in pages.iter().enumerate() {
        doc.page(210.0, 297.0, |s, missing| {
            let mut y = 20.0;
            if p == 0 {
                text::noted(missing, &r.title, Style::new(Family::Sans, true, 16.0, NAVY)).fit(mm(RIGHT - LEFT)).draw(s, mm(LEFT), mm(y));
                text::noted(missing, &format!("学员画像 Trainee portrait  ·  {}", r.totals), Style::new(Family::Sans, false, 9.5, GREY))
                    .fit(mm(RIGHT - LEFT))
                    .draw(s, mm(LEFT), mm(y + 8.0));
                draw::line(s, (LEFT, y + 12.0), (RIGHT, y + 12.0), NAVY, 0.8, None);
                y = 40.0;
            }
            text::noted(missing, &format!("{} / {}", p + 1, total), Style::new(Family::Sans, false, 8.0, GREY)).draw_right(s, mm(RIGHT), mm(290.0));
            for &i in qs {
                let q = &r.questions[i];
                text::noted(missing, &q.title, Style::new(Family::Sans, true, 11.5, INK)).fit(mm(RIGHT - LEFT - 40.0)).draw(s, mm(LEFT), mm(y + 5.0));
                text::noted(missing, &q.answered, Style::new(Family::Sans, false, 8.5, GREY)).draw_right(s, mm(RIGHT), mm(y + 5.0));
                y += 10.0;
                let bar_x = LEFT + LABEL_W;
                let bar_w = RIGHT - bar_x - 30.0;
                for b in &q.bars {
                    text::noted(missing, &b.label, Style::new(Family::Sans, false, 9.5, INK)).fit(mm(LABEL_W - 3.0)).draw(s, mm(LEFT + 2.0), mm(y + 4.6));
                    draw::fill_rect(s, bar_x, y, bar_w, BAR_H, TRACK);
                    let w = (b.percent.clamp(0.0, 100.0) as f32) / 100.0 * bar_w;
                    if w > 0.0 {
                        draw::fill_rect(s, bar_x, y, w, BAR_H, BAR);
                    }
                    text::noted(missing, &format!("{}  {:.1}%", b.count, b.percent), Style::new(Family::Sans, true, 9.5, INK))
                        .draw_right(s, mm(RIGHT), mm(y + 4.6));
                    y += ROW_H;
                }
                if let Some(sum) = &q.summary {
                    text::noted(missing, sum, Style::new(Family::Sans, false, 9.5, INK)).fit(mm(RIGHT - LEFT - 2.0)).draw(s, mm(LEFT + 2.0), mm(y + 4.6));
                    y += 7.0;
                }
                y += 6.0;
            }
            Ok(())
        })?;
    }
    doc.finish()
}
