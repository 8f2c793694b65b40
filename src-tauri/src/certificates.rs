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

use muster_core::certificates::{EligibilityReport, IssuedCertificate, Override, PrintRecord, Verification};
use muster_core::{Error, ErrorCode, ErrorPayload};
use muster_print::certificate::{self, Certificate};
use muster_print::Rendered;
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

/// Who decided or printed: the signed-in user, else the system's user name.
fn who(m: &muster_core::Muster) -> String {
    if let Some(name) = crate::users::signed_in_name(m) {
        return name;
    }
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into())
}

fn check_pdf_path(path: &str) -> Result<(), ErrorPayload> {
    if path.trim().is_empty() {
        return Err(invalid("choose where to save the PDF", "path"));
    }
    Ok(())
}

fn warnings(r: &Rendered) -> Vec<String> {
    if r.missing_glyphs.is_empty() {
        Vec::new()
    } else {
        vec![format!("no font has these characters, they print as empty boxes: {}", r.missing_glyphs.iter().collect::<String>())]
    }
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
    state.with(|m| m.override_eligibility(&event_id, &trainee_id, eligible, &reason, &who(m)))
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
        let design = muster_core::documents::certificate_design(m, &e, &settings, None)?;
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
    let batch: Vec<Certificate> = outcome.certificates.iter().map(|c| muster_core::documents::printable(c, "")).collect();
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
    // Through the core's output guard: never onto the store or its -wal.
    state.with(|m| m.write_printout(Path::new(&path), &rendered.pdf))?;
    let ids: Vec<String> = outcome.certificates.iter().map(|c| c.id.clone()).collect();
    state.with(|m| m.record_certificate_prints(&event_id, &ids, &reason, &who(m), &path))?;
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
        let d = muster_core::documents::certificate_design(m, &e, &settings, None)?;
        Ok((c, event, d))
    })?;
    let note = format!("补发 REPRINT {}", muster_core::clock::today());
    let r = tauri::async_runtime::spawn_blocking(move || certificate::render(&design, &[muster_core::documents::printable(&c, &note)], &mut |_, _| {}))
        .await
        .map_err(|e| shell_error(ErrorCode::Io, format!("rendering failed: {e}")))?
        .map_err(print_error)?;
    state.with(|m| m.write_printout(Path::new(&path), &r.pdf))?;
    let log = state.with(|m| m.record_certificate_prints(&event, std::slice::from_ref(&certificate_id), &reason, &who(m), &path))?;
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
