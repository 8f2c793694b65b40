//! From records to printable documents: the certificate design of an event
//! and the printable form of an issued certificate, shared by the CLI and
//! the desktop app so both print the same page. `muster-print` renders; it
//! knows nothing of the store.

use crate::certificates::{IssuedCertificate, Settings};
use crate::model::Event;
use crate::{clock, Error, Muster, Result};
use muster_print::certificate::{self, Certificate, Design};
use muster_print::Paper;

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// The event's dates in Chinese and English, e.g. `2025年3月10日至12日`,
/// `10–12 March 2025`.
pub fn event_dates(e: &Event) -> (String, String) {
    let parse = |d: &str| -> Option<(i64, u32, u32)> {
        let mut it = d.split('-');
        Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?))
    };
    let end = clock::add_days(&e.starts_on, e.days.saturating_sub(1) as i64);
    match (parse(&e.starts_on), parse(&end)) {
        (Some((y1, m1, d1)), Some((y2, m2, d2))) => {
            let mn = |m: u32| MONTHS[(m.clamp(1, 12) - 1) as usize];
            if e.days <= 1 {
                (format!("{y1}年{m1}月{d1}日"), format!("{d1} {} {y1}", mn(m1)))
            } else if y1 == y2 && m1 == m2 {
                (format!("{y1}年{m1}月{d1}日至{d2}日"), format!("{d1}–{d2} {} {y1}", mn(m1)))
            } else if y1 == y2 {
                (format!("{y1}年{m1}月{d1}日至{m2}月{d2}日"), format!("{d1} {} – {d2} {} {y1}", mn(m1), mn(m2)))
            } else {
                (format!("{y1}年{m1}月{d1}日至{y2}年{m2}月{d2}日"), format!("{d1} {} {y1} – {d2} {} {y2}", mn(m1), mn(m2)))
            }
        }
        _ => (e.starts_on.clone(), e.starts_on.clone()),
    }
}

fn read_image(path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// The shared part of an event's certificates; `paper` overrides the
/// event's setting.
pub fn certificate_design(m: &Muster, e: &Event, s: &Settings, paper: Option<&str>) -> Result<Design> {
    let (dates, dates_en) = event_dates(e);
    let paper = paper.unwrap_or(&s.paper);
    let paper = Paper::parse(paper).ok_or_else(|| Error::invalid_at(format!("paper is a4 or a5, not {paper}"), None, None, Some("paper")))?;
    let key = m.certificate_public_key()?;
    Ok(Design {
        paper,
        title: e.name.clone(),
        title_en: s.title_en.clone(),
        venue: e.venue.clone(),
        venue_en: s.venue_en.clone(),
        dates,
        dates_en,
        organisers: s.organisers.clone(),
        signatories: s
            .signatories
            .iter()
            .map(|g| Ok(certificate::Signatory { name: g.name.clone(), title: g.title.clone(), image: g.image.as_deref().map(read_image).transpose()? }))
            .collect::<Result<Vec<_>>>()?,
        logos: s.logos.iter().map(|p| read_image(p)).collect::<Result<Vec<_>>>()?,
        issued_on: clock::today(),
        verify_hint: verify_hint(&key),
    })
}

/// The line under the QR code that tells a reader how to check it.
pub fn verify_hint(public_key: &str) -> String {
    format!("核验 Verify: 扫描二维码 scan the QR code, or run  muster certificates verify CODE --public-key {public_key}")
}

/// An issued certificate as the renderer draws it.
pub fn printable(c: &IssuedCertificate, note: &str) -> Certificate {
    Certificate { id: c.id.clone(), name: c.name.clone(), name_latin: c.name_latin.clone(), hours: c.hours, code: c.code.clone(), note: note.to_string() }
}

/// The trainee portrait as the print renderer draws it: bilingual totals,
/// one bar per choice, the numeric summary of number questions.
pub fn portrait_report(p: &crate::forms::portrait::Portrait) -> muster_print::portrait::Report {
    use muster_print::portrait::{Bar, Question, Report};
    let num = |x: f64| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") };
    Report {
        title: if p.title.is_empty() { p.form.clone() } else { p.title.clone() },
        totals: format!(
            "已存 {} stored · 已拒 {} rejected · 纳入 {} in the portrait · 待定 {} pending",
            p.stored, p.rejected, p.included, p.pending
        ),
        questions: p
            .questions
            .iter()
            .map(|q| Question {
                title: if q.label == q.name { q.name.clone() } else { format!("{} ({})", q.label, q.name) },
                answered: format!("已答 answered {}", q.answered),
                bars: q.choices.iter().map(|c| Bar { label: c.label.clone(), count: c.count, percent: c.percent }).collect(),
                summary: q.numeric.as_ref().map(|n| {
                    format!("n {} · 最小 min {} · 最大 max {} · 平均 mean {} · 中位数 median {}", n.n, num(n.min), num(n.max), num(n.mean), num(n.median))
                }),
            })
            .collect(),
    }
}

/// Renders the portrait to PDF bytes.
pub fn portrait_pdf(p: &crate::forms::portrait::Portrait) -> Result<muster_print::Rendered> {
    muster_print::portrait::render(&portrait_report(p)).map_err(|e| match e {
        muster_print::Error::Empty(what) => Error::invalid_at(what, None, None, Some("form")),
        other => Error::io("portrait.pdf", std::io::Error::other(other.to_string())),
    })
}

/// Writes the portrait PDF to `path` (atomically, through a temporary
/// sibling); returns the pages. The caller checks the path first
/// (`Muster::portrait_pdf`: the output guard).
pub fn write_portrait_pdf(p: &crate::forms::portrait::Portrait, path: &std::path::Path) -> Result<usize> {
    let r = portrait_pdf(p)?;
    crate::seal::write_atomic(path, &r.pdf)?;
    Ok(r.pages)
}

#[cfg(test)]
mod portrait_tests {
    use crate::forms::portrait::{ChoiceShare, Numeric, Portrait, QuestionSummary};
    use crate::forms::Kind;

    #[test]
    fn the_portrait_maps_to_bars_and_a_numeric_line() {
        let p = Portrait {
            form: "f1".into(),
            title: "结业问卷".into(),
            stored: 5,
            rejected: 1,
            included: 4,
            pending: 1,
            questions: vec![
                QuestionSummary {
                    name: "valuable".into(),
                    label: "有用吗".into(),
                    kind: Kind::SelectOne,
                    answered: 4,
                    choices: vec![ChoiceShare { value: "yes".into(), label: "有用".into(), count: 3, percent: 75.0 }],
                    numeric: None,
                },
                QuestionSummary {
                    name: "age".into(),
                    label: "age".into(),
                    kind: Kind::Integer,
                    answered: 4,
                    choices: vec![],
                    numeric: Some(Numeric { n: 4, min: 22.0, max: 51.0, mean: 37.0, median: 37.5 }),
                },
            ],
        };
        let r = super::portrait_report(&p);
        assert_eq!(r.title, "结业问卷");
        assert!(r.totals.contains("已存 5 stored") && r.totals.contains("已拒 1 rejected") && r.totals.contains("待定 1 pending"), "{}", r.totals);
        assert_eq!(r.questions[0].title, "有用吗 (valuable)");
        assert_eq!((r.questions[0].bars[0].count, r.questions[0].bars[0].percent), (3, 75.0));
        assert_eq!(r.questions[1].title, "age");
        assert_eq!(r.questions[1].summary.as_deref(), Some("n 4 · 最小 min 22 · 最大 max 51 · 平均 mean 37 · 中位数 median 37.5"));
        assert!(r.questions[1].bars.is_empty());
    }
}
