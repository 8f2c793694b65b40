//! Certificates over IPC: eligibility with reasons, recorded overrides,
//! issuing to one PDF with progress, reprints with a reason, the print log
//! and offline verification of a code.
//!
//! The mapping from records to `muster-print`'s structs mirrors the CLI's
//! (`crates/muster-cli/src/cmd_print.rs`): it lives at the edge, since the
//! renderer knows no store and the core no renderer. The PDF is rendered
//! *without* the store lock, so check-in never waits for it.

use std::path::Path;
use std::time::{Duration, Instant};

use muster_core::certificates::{EligibilityReport, IssuedCertificate, Override, PrintRecord, Settings, Verification};
use muster_core::model::Event;
use muster_core::{Error, ErrorCode, ErrorPayload, Muster};
use muster_print::certificate::{self, Certificate, Design};
use muster_print::{Paper, Rendered};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::{shell_error, AppState, Progress};

/// The event the UI listens to while certificates render.
pub const CERTIFICATE_PROGRESS: &str = "certificate-progress";

/// What "Issue certificates" did.
#[derive(Debug, Clone, Serialize)]
pub struct IssueResult {
    pub file: String,
    /// Certificates in the file (all eligible trainees).
    pub issued: usize,
    /// Of them, issued by this call.
    pub new: usize,
    pub ineligible: usize,
    pub pages: usize,
    pub certificates: Vec<IssuedCertificate>,
    /// E.g. characters no font could draw.
    pub warnings: Vec<String>,
}

fn invalid(message: &str, field: &str) -> ErrorPayload {
    Error::invalid_at(message, None, None, Some(field)).to_payload()
}

fn print_error(e: muster_print::Error) -> ErrorPayload {
    let code = match e {
        muster_print::Error::Empty(_) => ErrorCode::InvalidInput,
        _ => ErrorCode::Io,
    };
    shell_error(code, e.to_string())
}

fn who() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into())
}

fn check_pdf_path(path: &str) -> Result<(), ErrorPayload> {
    if path.trim().is_empty() {
        return Err(invalid("choose where to save the PDF", "path"));
    }
    Ok(())
}

fn write_pdf(path: &Path, r: &Rendered) -> Result<(), ErrorPayload> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e).to_payload())?;
    }
    std::fs::write(path, &r.pdf).map_err(|e| Error::io(path.display(), e).to_payload())
}

fn warnings(r: &Rendered) -> Vec<String> {
    if r.missing_glyphs.is_empty() {
        Vec::new()
    } else {
        vec![format!("no font has these characters, they print as empty boxes: {}", r.missing_glyphs.iter().collect::<String>())]
    }
}

fn zh_dates(e: &Event) -> (String, String) {
    let parse = |d: &str| -> Option<(i64, u32, u32)> {
        let mut it = d.split('-');
        Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?))
    };
    let end = muster_core::clock::add_days(&e.starts_on, e.days.saturating_sub(1) as i64);
    const MONTHS: [&str; 12] =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
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

fn read_image(path: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// The shared part of an event's certificates (as the CLI draws them).
fn design(m: &Muster, e: &Event, s: &Settings) -> Result<Design, Error> {
    let (dates, dates_en) = zh_dates(e);
    let paper = Paper::parse(&s.paper)
        .ok_or_else(|| Error::invalid_at(format!("paper is a4 or a5, not {}", s.paper), None, None, Some("paper")))?;
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
            .map(|g| {
                Ok(certificate::Signatory { name: g.name.clone(), title: g.title.clone(), image: g.image.as_deref().map(read_image).transpose()? })
            })
            .collect::<Result<Vec<_>, Error>>()?,
        logos: s.logos.iter().map(|p| read_image(p)).collect::<Result<Vec<_>, Error>>()?,
        issued_on: muster_core::clock::today(),
        verify_hint: format!("核验 Verify: 扫描二维码 scan the QR code, or run  muster certificates verify CODE --public-key {key}"),
    })
}

fn to_print(c: &IssuedCertificate, note: &str) -> Certificate {
    Certificate { id: c.id.clone(), name: c.name.clone(), name_latin: c.name_latin.clone(), hours: c.hours, code: c.code.clone(), note: note.to_string() }
}

#[tauri::command]
pub async fn certificate_eligibility(state: State<'_, AppState>, event_id: String) -> Result<EligibilityReport, ErrorPayload> {
    state.with(|m| m.certificate_eligibility(&event_id, None))
}

/// Records a coordinator's decision (a reason is required; it is logged
/// with who decided and when).
#[tauri::command]
pub async fn override_eligibility(
    state: State<'_, AppState>,
    event_id: String,
    trainee_id: String,
    eligible: bool,
    reason: String,
) -> Result<Override, ErrorPayload> {
    state.with(|m| m.override_eligibility(&event_id, &trainee_id, eligible, &reason, &who()))
}

/// Issues certificates to every eligible trainee who has none yet and
/// prints all eligible trainees' certificates into one PDF at `path`,
/// emitting [`CERTIFICATE_PROGRESS`]. Certificates printed before need a
/// `reason` (a reprint).
#[tauri::command]
pub async fn issue_certificates<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    event_id: String,
    path: String,
    reason: Option<String>,
) -> Result<IssueResult, ErrorPayload> {
    check_pdf_path(&path)?;
    let reason = reason.unwrap_or_default();
    // Under the lock: the checks, the issue and the design (quick).
    let (outcome, design) = state.with(|m| {
        let e = m.event(&event_id)?;
        let settings = m.certificate_settings(&event_id)?;
        let design = design(m, &e, &settings)?;
        if reason.trim().is_empty() {
            let printed = m.certificate_prints(&event_id, None)?;
            let report = m.certificate_eligibility(&event_id, None)?;
            if report.trainees.iter().any(|t| t.eligible && printed.iter().any(|p| Some(&p.certificate_id) == t.certificate_id.as_ref())) {
                return Err(Error::invalid_at("some of these certificates were printed before: give a reason for printing them again", None, None, Some("reason")));
            }
        }
        Ok((m.issue_certificates(&event_id, None)?, design))
    })?;
    if outcome.certificates.is_empty() {
        return Err(invalid("nobody is eligible for a certificate yet", "eligible"));
    }
    // Rendering takes a while: without the lock, on a blocking thread.
    let batch: Vec<Certificate> = outcome.certificates.iter().map(|c| to_print(c, "")).collect();
    let emitter = app.clone();
    let rendered = tauri::async_runtime::spawn_blocking(move || {
        let mut last = Instant::now() - Duration::from_secs(1);
        let mut progress = |done: usize, total: usize| {
            if done >= total || last.elapsed() >= Duration::from_millis(50) {
                last = Instant::now();
                let _ = emitter.emit(CERTIFICATE_PROGRESS, Progress { done: done as u64, total: total as u64 });
            }
        };
        certificate::render(&design, &batch, &mut progress)
    })
    .await
    .map_err(|e| shell_error(ErrorCode::Io, format!("rendering failed: {e}")))?
    .map_err(print_error)?;
    write_pdf(Path::new(&path), &rendered)?;
    let ids: Vec<String> = outcome.certificates.iter().map(|c| c.id.clone()).collect();
    state.with(|m| m.record_certificate_prints(&event_id, &ids, &reason, &who(), &path))?;
    Ok(IssueResult {
        file: path,
        issued: outcome.certificates.len(),
        new: outcome.certificates.iter().filter(|c| c.new).count(),
        ineligible: outcome.ineligible.len(),
        pages: rendered.pages,
        warnings: warnings(&rendered),
        certificates: outcome.certificates,
    })
}

/// Prints one certificate again (same id and code, marked as a reprint);
/// the reason is required and logged.
#[tauri::command]
pub async fn reprint_certificate(
    state: State<'_, AppState>,
    certificate_id: String,
    reason: String,
    path: String,
) -> Result<PrintRecord, ErrorPayload> {
    if reason.trim().is_empty() {
        return Err(invalid("a reprint needs a reason", "reason"));
    }
    check_pdf_path(&path)?;
    let (c, event, design) = state.with(|m| {
        let (c, event) = m.certificate(&certificate_id)?;
        let e = m.event(&event)?;
        let settings = m.certificate_settings(&event)?;
        let d = design(m, &e, &settings)?;
        Ok((c, event, d))
    })?;
    let note = format!("补发 REPRINT {}", muster_core::clock::today());
    let r = tauri::async_runtime::spawn_blocking(move || certificate::render(&design, &[to_print(&c, &note)], &mut |_, _| {}))
        .await
        .map_err(|e| shell_error(ErrorCode::Io, format!("rendering failed: {e}")))?
        .map_err(print_error)?;
    write_pdf(Path::new(&path), &r)?;
    let log = state.with(|m| m.record_certificate_prints(&event, std::slice::from_ref(&certificate_id), &reason, &who(), &path))?;
    log.into_iter().next().ok_or_else(|| shell_error(ErrorCode::Storage, "the print was not logged"))
}

#[tauri::command]
pub async fn certificate_prints(state: State<'_, AppState>, event_id: String) -> Result<Vec<PrintRecord>, ErrorPayload> {
    state.with(|m| m.certificate_prints(&event_id, None))
}

/// Checks a code (typed, or from a QR scanner) with this installation's
/// public key: the signed details, or `valid: false` and why.
#[tauri::command]
pub async fn verify_certificate(state: State<'_, AppState>, code: String) -> Result<Verification, ErrorPayload> {
    state.with(|m| m.verify_certificate(code.trim(), None))
}
