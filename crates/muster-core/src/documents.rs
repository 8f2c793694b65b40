//! From records to printed documents, once for the CLI and the desktop app:
//! certificates (issue and reprint as a print job), badge slips, the
//! signature sheet and the trainee portrait. This is the one module that
//! knows `muster-print`; the renderer knows nothing of the store.
//!
//! A certificate printing is three steps, so that the door never waits
//! for a renderer: [`Muster::prepare_certificates`] /
//! [`Muster::prepare_reprint`] check every rule (the output path, the
//! paper, "printed before → a reason is required") and issue under the
//! store; [`CertificateJob::render`] draws the PDFs without it (on another
//! thread in the app); [`Muster::commit_certificates`] writes them through
//! the output guard and logs each print.

use crate::access::Action;
use crate::certificates::{self as certs, Eligibility, IssuedCertificate, PrintRecord, Settings};
use crate::model::{Event, Trainee};
use crate::output::OutputKind;
use crate::{clock, Error, ErrorKind, Muster, Result};
use muster_print::certificate::{self, Certificate, Design};
use muster_print::{badges, sheet, Paper, Rendered};
use serde::Serialize;
use std::path::{Path, PathBuf};

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
    // The organisation's key when this laptop joined one (what a checker
    // compares), else this laptop's own.
    let key = match certs::trust(&m.store)?.and_then(|t| t.current_key().map(|k| k.key_id.clone())) {
        Some(org_key) => org_key,
        None => m.certificate_public_key()?,
    };
    let lang = certificate::Lang::parse(&s.languages).unwrap_or_default();
    // No organisers set: the organisation this laptop joined.
    let organisers = if s.organisers.is_empty() {
        certs::trust(&m.store)?.map(|t| t.org).filter(|o| !o.is_empty()).into_iter().collect()
    } else {
        s.organisers.clone()
    };
    Ok(Design {
        lang,
        dates_local: numeric_dates(e),
        seal: s.seal.as_deref().map(read_image).transpose()?,
        paper,
        title: e.name.clone(),
        title_en: s.title_en.clone(),
        venue: e.venue.clone(),
        venue_en: s.venue_en.clone(),
        dates,
        dates_en,
        organisers,
        signatories: s
            .signatories
            .iter()
            .map(|g| Ok(certificate::Signatory { name: g.name.clone(), title: g.title.clone(), image: g.image.as_deref().map(read_image).transpose()? }))
            .collect::<Result<Vec<_>>>()?,
        logos: s.logos.iter().map(|p| read_image(p)).collect::<Result<Vec<_>>>()?,
        issued_on: clock::today(),
        verify_hint: verify_hint(lang, &key),
    })
}

/// The event's dates as figures, for languages other than Chinese:
/// `10.03.2025`, `10–12.03.2025`, `30.03–01.04.2025`.
pub fn numeric_dates(e: &Event) -> String {
    let end = clock::add_days(&e.starts_on, e.days.saturating_sub(1) as i64);
    let dmy = |d: &str| -> Option<(String, String, String)> {
        let mut it = d.split('-');
        Some((it.next()?.to_string(), it.next()?.to_string(), it.next()?.to_string()))
    };
    match (dmy(&e.starts_on), dmy(&end)) {
        (Some((y1, m1, d1)), Some((y2, m2, d2))) => {
            if e.days <= 1 {
                format!("{d1}.{m1}.{y1}")
            } else if y1 == y2 && m1 == m2 {
                format!("{d1}–{d2}.{m1}.{y1}")
            } else if y1 == y2 {
                format!("{d1}.{m1}–{d2}.{m2}.{y1}")
            } else {
                format!("{d1}.{m1}.{y1}–{d2}.{m2}.{y2}")
            }
        }
        _ => e.starts_on.clone(),
    }
}

/// The line under the QR code that tells a reader how to check it.
pub fn verify_hint(lang: certificate::Lang, public_key: &str) -> String {
    // The key's fingerprint lets a checker tell which laptop's key to use.
    let fingerprint: String = public_key.chars().take(8).collect();
    format!("{}  ·  Verify: scan the QR code, or enter the certificate number in Muster  ·  key {fingerprint}", lang.verify_hint())
}

/// An issued certificate as the renderer draws it: the QR holds the
/// organisation's verification URL around the code (`<public-url>/V/<CODE>`)
/// when `qr_base` is given and the code is an organisation's, else the code.
pub fn printable(c: &IssuedCertificate, note: &str, qr_base: Option<&str>, by_decision: bool) -> Certificate {
    let code = match qr_base {
        Some(base) if muster_protocol::trust::Code::parse(&c.code).is_ok_and(|p| p.version == muster_protocol::trust::CODE_V2) => {
            muster_protocol::trust::verify_url(base, &c.code)
        }
        _ => c.code.clone(),
    };
    Certificate { id: c.number.clone(), name: c.name.clone(), name_latin: c.name_latin.clone(), hours: c.hours, code, note: note.to_string(), by_decision }
}

/// The trainees of an eligibility report admitted by the organisers'
/// decision rather than by the attendance rule.
fn decided(r: &certs::EligibilityReport) -> std::collections::HashSet<String> {
    r.trainees.iter().filter(|t| t.eligible && !t.by_rule).map(|t| t.trainee_id.clone()).collect()
}

/// Where a certificate job's PDFs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintTarget {
    /// One PDF for the whole batch.
    File(PathBuf),
    /// One PDF per trainee in this folder (named after the trainee).
    Folder(PathBuf),
}

/// What to issue and print: an event's eligible trainees.
#[derive(Debug, Clone)]
pub struct IssueRequest<'a> {
    pub event_id: &'a str,
    /// Share of scheduled hours required (default: the event's rule).
    pub min_attendance: Option<f64>,
    /// `a4` or `a5` (default: the event's setting).
    pub paper: Option<&'a str>,
    /// Why certificates printed before are printed again (empty: none was).
    pub reason: &'a str,
    /// Who prints (default: the signed-in user, else the system's user).
    pub by: Option<&'a str>,
    pub target: PrintTarget,
}

/// Certificates chosen, signed and designed under the store, to be
/// rendered without it ([`CertificateJob::render`]) and then committed
/// ([`Muster::commit_certificates`]).
#[derive(Debug)]
pub struct CertificateJob {
    event_id: String,
    design: Design,
    /// The certificates to print, in order.
    pub certificates: Vec<IssuedCertificate>,
    /// The event's trainees not eligible, with why (an issue job).
    pub ineligible: Vec<Eligibility>,
    note: String,
    reason: String,
    by: String,
    target: PrintTarget,
    kind: JobKind,
    /// The organisation's public URL: the QR then opens its verification page.
    qr_base: Option<String>,
    /// Trainees admitted by the organisers' decision (worded so).
    decided: std::collections::HashSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobKind {
    Issue,
    Reprint,
}

/// A [`CertificateJob`] drawn: its PDFs, not yet written.
#[derive(Debug)]
pub struct RenderedJob {
    job: CertificateJob,
    /// Each file with the certificates it holds.
    files: Vec<(PathBuf, Rendered, Vec<String>)>,
}

/// What a certificate printing did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrintedCertificates {
    /// The PDF (or folder) asked for; written only when `files` says so.
    pub file: Option<String>,
    /// Every PDF written.
    pub files: Vec<String>,
    /// Certificates printed (all eligible trainees of an issue).
    pub issued: usize,
    /// Of them, issued by this printing.
    pub new: usize,
    /// Trainees not eligible (an issue).
    pub ineligible: usize,
    pub pages: usize,
    pub bytes: usize,
    pub certificates: Vec<IssuedCertificate>,
    pub not_eligible: Vec<Eligibility>,
    /// E.g. characters no font could draw.
    pub warnings: Vec<String>,
    /// The same warnings as sentences for the app to word (one per line of `warnings`).
    pub worded_warnings: Vec<crate::Msg>,
    /// The print log's new lines, one per certificate.
    pub prints: Vec<PrintRecord>,
}

/// A printout that is not a certificate (badge slips, the signature sheet).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Printout {
    pub file: String,
    /// Slips or rows printed.
    pub items: usize,
    pub pages: usize,
    pub bytes: usize,
    pub warnings: Vec<String>,
    /// The same warnings as sentences for the app to word (one per line of `warnings`).
    pub worded_warnings: Vec<crate::Msg>,
}

fn print_error(e: muster_print::Error, file: &Path) -> Error {
    match e {
        muster_print::Error::Empty(what) => Error::invalid_at(format!("nothing to print: {what}"), Some(&file.display().to_string()), None, None),
        other => Error::io(file.display(), std::io::Error::other(other.to_string())),
    }
}

/// The warning for characters no font could draw.
fn missing_warning(r: &Rendered) -> Vec<crate::Said> {
    if r.missing_glyphs.is_empty() {
        Vec::new()
    } else {
        let chars: String = r.missing_glyphs.iter().collect();
        vec![crate::Said::new(format!("no font has these characters, they print as empty boxes: {chars}"), "print.missing_glyphs", &[("chars", &chars)])]
    }
}

/// A printout and its warnings, in English and worded.
fn printout(file: &Path, items: usize, r: &Rendered) -> Printout {
    let said = missing_warning(r);
    Printout {
        file: file.display().to_string(),
        items,
        pages: r.pages,
        bytes: r.pdf.len(),
        warnings: said.iter().map(|w| w.english.clone()).collect(),
        worded_warnings: said.into_iter().map(|w| w.msg).collect(),
    }
}

/// A certificate's own PDF name in a folder: the trainee's name and the
/// end of the certificate id.
fn file_name(c: &IssuedCertificate) -> String {
    let safe: String = c.name.chars().filter(|ch| ch.is_alphanumeric() || *ch == ' ').collect::<String>().trim().replace(' ', "_");
    format!("{}-{}.pdf", safe, &c.id[c.id.len().saturating_sub(8)..])
}

/// The rule for printing certificates again, said once: a certificate
/// printed before is printed again only with a reason (lost, misspelt,
/// damaged …), which the print log keeps.
pub fn check_reprint_reason(reason: &str, printed_before: bool) -> Result<()> {
    if printed_before && crate::normalize::text(reason).is_empty() {
        return Err(Error::invalid_at(
            "some of these certificates were printed before: printing them again needs a reason (lost, misspelt, damaged …)",
            None,
            None,
            Some("reason"),
        )
        .kind(ErrorKind::ReasonRequired));
    }
    Ok(())
}

impl Muster {
    /// Who prints or decides: `by` when given, else the signed-in user,
    /// else the system's user name, else `unknown`.
    pub fn who(&self, by: Option<&str>) -> String {
        by.map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_string)
            .or_else(|| self.actor().filter(|a| a.user_id.is_some()).map(|a| a.name.clone()))
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .or_else(|| std::env::var("USERNAME").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "unknown".into())
    }

    /// Issues certificates to the eligible trainees of an event who have
    /// none yet and prepares all eligible trainees' certificates for
    /// printing. Checks first, writing nothing when refused: the output
    /// path (the output guard; a folder target must not be a file), the
    /// paper, and the reprint rule ([`check_reprint_reason`]).
    pub fn prepare_certificates(&mut self, req: &IssueRequest<'_>) -> Result<CertificateJob> {
        self.allow(Action::Certificates)?;
        match &req.target {
            PrintTarget::File(path) => self.check_output(path, OutputKind::Pdf, &[])?,
            PrintTarget::Folder(dir) if dir.exists() && !dir.is_dir() => {
                let shown = dir.display().to_string();
                return Err(Error::invalid_at(format!("{shown} is a file, not a folder"), Some(&shown), None, Some("out_dir")));
            }
            PrintTarget::Folder(_) => {}
        }
        let e = self.event(req.event_id)?;
        let settings = self.certificate_settings(req.event_id)?;
        let design = certificate_design(self, &e, &settings, req.paper)?;
        let printed = self.certificate_prints(req.event_id, None)?;
        let eligible = self.certificate_eligibility(req.event_id, req.min_attendance)?;
        let printed_before =
            eligible.trainees.iter().any(|t| t.eligible && printed.iter().any(|p| Some(&p.certificate_id) == t.certificate_id.as_ref()));
        check_reprint_reason(req.reason, printed_before)?;
        let outcome = self.issue_certificates(req.event_id, req.min_attendance)?;
        Ok(CertificateJob {
            decided: decided(&eligible),
            qr_base: certs::trust(&self.store)?.and_then(|t| t.public_url),
            event_id: req.event_id.to_string(),
            design,
            certificates: outcome.certificates,
            ineligible: outcome.ineligible,
            note: String::new(),
            reason: req.reason.to_string(),
            by: self.who(req.by),
            target: req.target.clone(),
            kind: JobKind::Issue,
        })
    }

    /// Prepares one certificate (by its id or its trainee's) to be printed
    /// again: same id and code, marked as a reprint of today. The reason
    /// is required ([`check_reprint_reason`]).
    pub fn prepare_reprint(&mut self, id: &str, reason: &str, paper: Option<&str>, by: Option<&str>, out: &Path) -> Result<CertificateJob> {
        self.allow(Action::Certificates)?;
        check_reprint_reason(reason, true)?;
        self.check_output(out, OutputKind::Pdf, &[])?;
        let (c, event_id) = self.certificate(id)?;
        let e = self.event(&event_id)?;
        let settings = self.certificate_settings(&event_id)?;
        let design = certificate_design(self, &e, &settings, paper)?;
        let decided = decided(&self.certificate_eligibility(&event_id, None)?);
        Ok(CertificateJob {
            decided,
            qr_base: certs::trust(&self.store)?.and_then(|t| t.public_url),
            event_id,
            design,
            certificates: vec![c],
            ineligible: Vec::new(),
            note: format!("补发 REPRINT {}", clock::today()),
            reason: reason.to_string(),
            by: self.who(by),
            target: PrintTarget::File(out.to_path_buf()),
            kind: JobKind::Reprint,
        })
    }

    /// Writes a rendered job's PDFs (through the output guard: never onto
    /// the store, its -wal or an input) and logs each certificate's print:
    /// the first an `issue`, any later one a `reprint` with its reason.
    pub fn commit_certificates(&mut self, r: RenderedJob) -> Result<PrintedCertificates> {
        let RenderedJob { job, files } = r;
        let mut out = PrintedCertificates {
            file: match &job.target {
                PrintTarget::File(p) | PrintTarget::Folder(p) => Some(p.display().to_string()),
            },
            files: Vec::new(),
            issued: job.certificates.len(),
            new: job.certificates.iter().filter(|c| c.new).count(),
            ineligible: job.ineligible.len(),
            pages: 0,
            bytes: 0,
            certificates: Vec::new(),
            not_eligible: job.ineligible,
            warnings: Vec::new(),
            worded_warnings: Vec::new(),
            prints: Vec::new(),
        };
        if let PrintTarget::Folder(dir) = &job.target {
            if !files.is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
            }
        }
        for (path, rendered, ids) in files {
            self.write_printout(&path, &rendered.pdf)?;
            let file = path.display().to_string();
            out.prints.extend(certs::record_prints(&mut self.store, &job.event_id, &ids, &job.reason, &job.by, &file)?);
            out.pages += rendered.pages;
            out.bytes += rendered.pdf.len();
            for w in missing_warning(&rendered) {
                if !out.warnings.contains(&w.english) {
                    out.warnings.push(w.english);
                    out.worded_warnings.push(w.msg);
                }
            }
            out.files.push(file);
        }
        out.certificates = job.certificates;
        Ok(out)
    }

    /// Badge slips (name, Latin name, QR of the code) for an event's
    /// roster, written to `out` and logged.
    pub fn print_badges(&mut self, event_id: &str, out: &Path) -> Result<Printout> {
        self.check_output(out, OutputKind::Pdf, &[])?;
        let e = self.event(event_id)?;
        let roster = self.roster(event_id)?;
        let slips: Vec<badges::Slip> = roster
            .iter()
            .filter(|t| t.merged_into.is_none())
            .map(|t| badges::Slip {
                name: t.fields.name.clone(),
                name_latin: certs::latin_name(t),
                code: t.code.clone().unwrap_or_default(),
                organization: t.fields.organization.clone(),
            })
            .collect();
        let r = badges::render(&badges::BadgeSheet { event: e.name.clone(), subtitle: event_subtitle(&e), slips }).map_err(|x| print_error(x, out))?;
        self.write_printout(out, &r.pdf)?;
        let items = roster.iter().filter(|t| t.merged_into.is_none()).count();
        self.log_print(Some(&e.id), "badges", out, items, r.pages)?;
        Ok(printout(out, items, &r))
    }

    /// The attendance sheet for signatures (a column per session), written
    /// to `out` and logged.
    pub fn print_signature_sheet(&mut self, event_id: &str, out: &Path) -> Result<Printout> {
        self.check_output(out, OutputKind::Pdf, &[])?;
        let e = self.event(event_id)?;
        let sessions = self.list_sessions(event_id)?;
        let roster = self.roster(event_id)?;
        let rows: Vec<sheet::Row> = roster
            .iter()
            .filter(|t| t.merged_into.is_none())
            .map(|t: &Trainee| sheet::Row { name: t.fields.name.clone(), name_latin: certs::latin_name(t), code: t.code.clone().unwrap_or_default() })
            .collect();
        let items = rows.len();
        let heads = sessions
            .iter()
            .map(|s| format!("{} {}", s.starts_at.get(5..10).unwrap_or("").replace('-', "/"), s.starts_at.get(11..16).unwrap_or("")))
            .collect();
        let r = sheet::render(&sheet::Sheet { event: e.name.clone(), subtitle: event_subtitle(&e), sessions: heads, rows }).map_err(|x| print_error(x, out))?;
        self.write_printout(out, &r.pdf)?;
        self.log_print(Some(&e.id), "signature_sheet", out, items, r.pages)?;
        Ok(printout(out, items, &r))
    }
}

impl CertificateJob {
    /// Draws the job's PDFs; touches no store, so it runs while the door
    /// goes on. `progress(done, total)` follows the certificates.
    pub fn render(self, progress: &mut dyn FnMut(usize, usize)) -> Result<RenderedJob> {
        let printable: Vec<Certificate> = self.certificates.iter().map(|c| printable(c, &self.note, self.qr_base.as_deref(), self.decided.contains(&c.trainee_id))).collect();
        let mut files = Vec::new();
        if !printable.is_empty() {
            match &self.target {
                PrintTarget::File(path) => {
                    let r = certificate::render(&self.design, &printable, progress).map_err(|e| print_error(e, path))?;
                    files.push((path.clone(), r, self.certificates.iter().map(|c| c.id.clone()).collect()));
                }
                PrintTarget::Folder(dir) => {
                    let total = printable.len();
                    for (i, (c, p)) in self.certificates.iter().zip(printable).enumerate() {
                        let path = dir.join(file_name(c));
                        let r = certificate::render(&self.design, &[p], &mut |_, _| {}).map_err(|e| print_error(e, &path))?;
                        files.push((path, r, vec![c.id.clone()]));
                        progress(i + 1, total);
                    }
                }
            }
        }
        Ok(RenderedJob { job: self, files })
    }

    /// Whether this job prints a certificate again (a reprint) rather than
    /// an event's batch.
    pub fn is_reprint(&self) -> bool {
        self.kind == JobKind::Reprint
    }
}

/// The dates and venue under an event's name on slips and sheets.
fn event_subtitle(e: &Event) -> String {
    let end = clock::add_days(&e.starts_on, e.days.saturating_sub(1) as i64);
    let dates = if e.days <= 1 { e.starts_on.clone() } else { format!("{} – {}", e.starts_on, end) };
    if e.venue.is_empty() {
        dates
    } else {
        format!("{dates} · {}", e.venue)
    }
}

/// What `muster bench certificates` measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateBench {
    pub count: usize,
    pub seconds: f64,
    pub bytes: usize,
    pub pages: usize,
    pub file: String,
    pub qr_version: i16,
    pub qr_modules: usize,
    pub qr_module_mm: f32,
}

/// `count` certificates with generated bilingual names and codes signed
/// with this laptop's key, rendered into one PDF at `out` (a benchmark:
/// nothing is issued or logged).
pub fn certificate_benchmark(m: &Muster, count: usize, out: &Path) -> Result<CertificateBench> {
    const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
    const GIVEN: &[&str] = &["素梅", "建国", "秀英", "志强", "桂兰", "海燕", "俊杰", "丽娟", "文华", "春生", "玉珍", "德明", "晓东", "红霞", "振华", "美玲"];
    let start = std::time::Instant::now();
    m.check_output(out, OutputKind::Pdf, &[])?;
    let key = certs::signing_key(&m.store)?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let eref = [0x5A, 0x17, 0xC0, 0xDE];
    let batch: Vec<Certificate> = (0..count)
        .map(|_| {
            let name = format!("{}{}", SURNAMES[next() % SURNAMES.len()], GIVEN[next() % GIVEN.len()]);
            let hours_tenths = 200 + (next() % 41) as u16;
            let id = uuid::Uuid::now_v7();
            let code = certs::sign(&key, &certs::Payload { id, hours_tenths, event_ref: eref, name: name.clone() });
            Certificate { id: certs::number(&id.to_string()), name_latin: certs::pinyin_name(&name), name, hours: hours_tenths as f64 / 10.0, code, note: String::new(), by_decision: false }
        })
        .collect();
    let d = Design {
        paper: Paper::A4,
        title: "农村电商运营实务".into(),
        title_en: "Rural E-commerce Operations".into(),
        venue: "河南省信阳市光山县".into(),
        venue_en: "Guangshan County, Xinyang, Henan".into(),
        dates: "2025年3月10日至12日".into(),
        dates_en: "10–12 March 2025".into(),
        organisers: vec!["光山县人力资源和社会保障局".into(), "Muster Training Partners".into()],
        signatories: vec![
            certificate::Signatory { name: "陈立华".into(), title: "培训中心主任 Director, Training Centre".into(), image: None },
            certificate::Signatory { name: "Sophie Martin".into(), title: "项目负责人 Programme Lead".into(), image: None },
        ],
        logos: Vec::new(),
        issued_on: "2025-03-12".into(),
        lang: certificate::Lang::Zh,
        dates_local: String::new(),
        seal: None,
        verify_hint: verify_hint(certificate::Lang::Zh, &certs::to_hex(key.verifying_key().as_bytes())),
    };
    let r = certificate::render(&d, &batch, &mut |_, _| {}).map_err(|e| print_error(e, out))?;
    m.write_printout(out, &r.pdf)?;
    let seconds = start.elapsed().as_secs_f64();
    let qr = muster_print::qr::Qr::new(&batch.first().map(|c| c.code.clone()).unwrap_or_default()).map_err(|e| print_error(e, out))?;
    Ok(CertificateBench {
        count,
        seconds: (seconds * 1000.0).round() / 1000.0,
        bytes: r.pdf.len(),
        pages: r.pages,
        file: out.display().to_string(),
        qr_version: qr.version as i16,
        qr_modules: qr.modules as usize,
        qr_module_mm: (qr.module_mm(certificate::QR_MM) * 1000.0).round() / 1000.0,
    })
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

/// The join sheet of a newly paired laptop (no store needed: the server
/// prints it) written to `out` through the output guard.
pub fn write_join_sheet(out: &Path, org: &str, device: &str, server: &str, key_id: &str, code: &str) -> Result<Printout> {
    let r = muster_print::join::render(&muster_print::join::JoinSheet {
        org: org.to_string(),
        device: device.to_string(),
        server: server.to_string(),
        fingerprint: muster_protocol::trust::fingerprint(key_id),
        code: code.to_string(),
    })
    .map_err(|e| print_error(e, out))?;
    crate::output::write(out, &r.pdf, OutputKind::Pdf, &crate::output::Guard::default())?;
    Ok(printout(out, 1, &r))
}
