//! Certificates over IPC: eligibility with reasons, recorded overrides,
//! issuing to one PDF with progress, reprints with a reason, the print log
//! and offline verification of a code.
//!
//! The work is core's print job (`muster_core::documents`): prepared under
//! the store lock, rendered *without* it on a blocking thread (so check-in
//! never waits for the PDF), then committed.

use std::path::Path;

use muster_core::certificates::{EligibilityReport, LatinConfirm, LatinName, Override, PrintRecord, Verification};
use muster_core::documents::{IssueRequest, PrintTarget, PrintedCertificates};
use muster_core::{ErrorCode, ErrorPayload};
use tauri::{AppHandle, State};

use crate::{shell_error, AppState, Progress};

crate::events! {
    /// Certificates rendered of a printing.
    pub const CERTIFICATE_PROGRESS: Progress = "certificate-progress";
}

/// Renders a prepared job on a blocking thread (the store lock is not
/// held), emitting [`CERTIFICATE_PROGRESS`] at most ~20 times a second.
async fn render<R: tauri::Runtime>(app: &AppHandle<R>, job: muster_core::documents::CertificateJob) -> Result<muster_core::documents::RenderedJob, ErrorPayload> {
    let mut emit = crate::event::progress_emitter(app.clone(), CERTIFICATE_PROGRESS);
    tauri::async_runtime::spawn_blocking(move || {
        job.render(&mut |done, total| emit(done as u64, total as u64)).map_err(|e| e.to_payload())
    })
    .await
    .map_err(|e| shell_error(ErrorCode::Io, format!("rendering failed: {e}")))?
}

crate::commands! {
    /// Who is eligible for a certificate and why.
    pub async fn certificate_eligibility(state: State<'_, AppState>; event_id: String) -> EligibilityReport {
        state.with(|m| m.certificate_eligibility(&event_id, None))
    }

    /// Records a coordinator's decision (a reason is required; it is logged
    /// with who decided and when).
    pub async fn override_eligibility(state: State<'_, AppState>; event_id: String, trainee_id: String, eligible: bool, reason: String) -> Override {
        state.with(|m| m.override_eligibility(&event_id, &trainee_id, eligible, &reason, &m.who(None)))
    }

    /// Issues certificates to every eligible trainee who has none yet and
    /// prints all eligible trainees' certificates into one PDF at `path`,
    /// emitting `certificate-progress`. Certificates printed before need a
    /// `reason` (kind `reason_required` without one).
    pub async fn issue_certificates<R>(app: AppHandle<R>, state: State<'_, AppState>; event_id: String, path: String, reason: Option<String>) -> PrintedCertificates {
        let reason = reason.unwrap_or_default();
        let req = IssueRequest { event_id: &event_id, min_attendance: None, paper: None, reason: &reason, by: None, target: PrintTarget::File(path.into()) };
        let job = state.with(|m| m.prepare_certificates(&req))?;
        let rendered = render(&app, job).await?;
        state.with(|m| m.commit_certificates(rendered))
    }

    /// Prints one certificate again (same id and code, marked as a
    /// reprint); the reason is required and logged.
    pub async fn reprint_certificate<R>(app: AppHandle<R>, state: State<'_, AppState>; certificate_id: String, reason: String, path: String) -> PrintedCertificates {
        let job = state.with(|m| m.prepare_reprint(&certificate_id, &reason, None, None, Path::new(&path)))?;
        let rendered = render(&app, job).await?;
        state.with(|m| m.commit_certificates(rendered))
    }

    /// The Latin forms of the names the next issue prints, and where each
    /// comes from (a transliteration is confirmed before printing).
    pub async fn latin_names(state: State<'_, AppState>; event_id: String) -> Vec<LatinName> {
        state.with(|m| m.latin_names(&event_id))
    }

    /// Records the coordinator's Latin forms, all or nothing; how many trainees changed.
    pub async fn confirm_latin_names(state: State<'_, AppState>; event_id: String, names: Vec<LatinConfirm>) -> usize {
        let names: Vec<(String, String)> = names.into_iter().map(|n| (n.trainee_id, n.latin)).collect();
        state.with(|m| m.confirm_latin_names(&event_id, &names))
    }

    /// The print log of an event.
    pub async fn certificate_prints(state: State<'_, AppState>; event_id: String) -> Vec<PrintRecord> {
        state.with(|m| m.certificate_prints(&event_id, None))
    }

    /// Checks a code (typed, or from a QR scanner) with this installation's
    /// public key: the signed details, or `valid: false` and why.
    pub async fn verify_certificate(state: State<'_, AppState>; code: String) -> Verification {
        state.with(|m| m.verify_certificate(code.trim(), None))
    }
}
