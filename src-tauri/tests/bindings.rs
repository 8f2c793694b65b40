//! The TypeScript types of ui/src/bindings/ are generated from muster-core
//! by ts-rs, never written by hand. This test generates them afresh and
//! fails when the committed files differ (so CI catches drift between the
//! Rust types and the UI). To rewrite them:
//!
//!     UPDATE_BINDINGS=1 cargo test -p muster-app --test bindings

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use muster_core::attendance::{AttendanceReport, MarkOutcome, SessionDashboard};
use muster_core::model::{Event, NewEvent, NewSession, Session, Trainee};
use muster_core::trainee::DuplicateGroup;
use muster_core::roster::{ImportReport, RosterPreview};
use muster_core::sync::SyncReport;
use muster_core::store::sync::Quarantined;
use muster_core::forms::keying::{KeyedForm, Screen, Step};
use muster_core::forms::portrait::Portrait;
use muster_core::forms::responses::{BatchStatus, DiffReport, KeyerStats};
use muster_core::forms::{Batch, StoredForm};
use muster_core::certificates::{EligibilityReport, IssuedCertificate, Override, PrintRecord, Verification};
use muster_core::access::{Actor, Role};
use muster_core::backup::Reminder;
use muster_core::export::ExportedFile;
use muster_core::store::audit::AuditEntry;
use muster_core::store::users::User;
use muster_core::{ErrorCode, ErrorPayload};
use ts_rs::{Config, TS};

fn bindings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

/// Every type that crosses IPC, with everything it depends on.
fn generate(out: &Path) {
    // u64 counts and line numbers arrive as JSON numbers, not bigints.
    let cfg = Config::new().with_out_dir(out).with_large_int("number");
    Event::export_all(&cfg).unwrap();
    NewEvent::export_all(&cfg).unwrap();
    Session::export_all(&cfg).unwrap();
    NewSession::export_all(&cfg).unwrap();
    Trainee::export_all(&cfg).unwrap();
    RosterPreview::export_all(&cfg).unwrap();
    ImportReport::export_all(&cfg).unwrap();
    ErrorPayload::export_all(&cfg).unwrap();
    ErrorCode::export_all(&cfg).unwrap();
    MarkOutcome::export_all(&cfg).unwrap();
    AttendanceReport::export_all(&cfg).unwrap();
    SessionDashboard::export_all(&cfg).unwrap();
    DuplicateGroup::export_all(&cfg).unwrap();
    SyncReport::export_all(&cfg).unwrap();
    Quarantined::export_all(&cfg).unwrap();
    EligibilityReport::export_all(&cfg).unwrap();
    IssuedCertificate::export_all(&cfg).unwrap();
    Override::export_all(&cfg).unwrap();
    PrintRecord::export_all(&cfg).unwrap();
    Verification::export_all(&cfg).unwrap();
    StoredForm::export_all(&cfg).unwrap();
    Screen::export_all(&cfg).unwrap();
    Step::export_all(&cfg).unwrap();
    KeyedForm::export_all(&cfg).unwrap();
    Batch::export_all(&cfg).unwrap();
    BatchStatus::export_all(&cfg).unwrap();
    DiffReport::export_all(&cfg).unwrap();
    KeyerStats::export_all(&cfg).unwrap();
    Portrait::export_all(&cfg).unwrap();
    Role::export_all(&cfg).unwrap();
    Actor::export_all(&cfg).unwrap();
    User::export_all(&cfg).unwrap();
    AuditEntry::export_all(&cfg).unwrap();
    Reminder::export_all(&cfg).unwrap();
    ExportedFile::export_all(&cfg).unwrap();
}

fn ts_files(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return files };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ts") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    files
}

#[test]
fn ui_bindings_are_up_to_date() {
    let fresh_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("muster-app-bindings");
    let _ = std::fs::remove_dir_all(&fresh_dir);
    generate(&fresh_dir);
    let fresh = ts_files(&fresh_dir);
    assert!(fresh.contains_key("Event.ts"), "ts-rs wrote {:?}", fresh.keys());

    let dir = bindings_dir();
    if std::env::var_os("UPDATE_BINDINGS").is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::create_dir_all(&dir).unwrap();
        for stale in ts_files(&dir).keys().filter(|k| !fresh.contains_key(*k)) {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
        for (name, text) in &fresh {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }

    let committed = ts_files(&dir);
    let mut problems = Vec::new();
    for (name, text) in &fresh {
        match committed.get(name) {
            None => problems.push(format!("missing: ui/src/bindings/{name}")),
            Some(old) if old != text => problems.push(format!("out of date: ui/src/bindings/{name}")),
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|k| !fresh.contains_key(*k)) {
        problems.push(format!("no longer generated: ui/src/bindings/{name}"));
    }
    assert!(
        problems.is_empty(),
        "TypeScript bindings differ from the Rust types:\n  {}\n\
         Regenerate with: UPDATE_BINDINGS=1 cargo test -p muster-app --test bindings",
        problems.join("\n  ")
    );
}
