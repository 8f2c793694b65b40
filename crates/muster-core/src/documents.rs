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
