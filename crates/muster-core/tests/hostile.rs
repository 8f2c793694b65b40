//! Trust boundaries in the domain (issue 11): what the CLI and the desktop
//! app both get from `Muster` — sessions within their event, real times,
//! a sign-out after its check-in, cells no longer than a spreadsheet's, CSV
//! that a spreadsheet will not run, and messages that quote little.

use muster_core::access::Role;
use muster_core::attendance::{MarkRequest, Who};
use muster_core::import::table::MAX_CELL_CHARS;
use muster_core::model::{NewEvent, NewSession};
use muster_core::{import, ErrorCode, Muster};

fn store() -> (tempfile::TempDir, Muster, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "培训".into(), venue: "县城".into(), starts_on: "2026-12-01".into(), days: 2 }).unwrap();
    (dir, m, e.id)
}

fn session(m: &mut Muster, event: &str, starts: &str, ends: &str) -> muster_core::Result<muster_core::model::Session> {
    m.add_session(event, NewSession { title: "课".into(), starts_at: starts.into(), ends_at: ends.into() })
}

#[test]
fn sessions_lie_within_their_events_days() {
    let (_dir, mut m, event) = store();
    for (starts, ends, field) in [
        ("2026-12-01T09:00", "2099-12-31T17:00", "ends"),
        ("2026-12-02T09:00", "2026-12-03T10:00", "ends"),
        ("2026-12-03T09:00", "2026-12-03T12:00", "starts"),
        ("2026-11-30T23:00", "2026-12-01T02:00", "starts"),
        ("2026-12-01T12:00", "2026-12-01T12:00", "ends"),
    ] {
        let e = session(&mut m, &event, starts, ends).expect_err(&format!("{starts} – {ends}"));
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
        assert_eq!(e.location().field.as_deref(), Some(field), "{starts} – {ends}: {e}");
    }
    session(&mut m, &event, "2026-12-02T20:00", "2026-12-03T02:00").expect("crossing midnight after the last day");
    assert_eq!(m.list_sessions(&event).unwrap().len(), 1, "nothing else was stored");
    let report = m.attendance_report(&event).unwrap();
    assert_eq!(report.sessions[0].hours, 6.0);
}

#[test]
fn times_are_real_and_a_sign_out_follows_its_check_in() {
    let (dir, mut m, event) = store();
    let s = session(&mut m, &event, "2026-12-01T09:00", "2026-12-01T12:00").unwrap();
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "姓名,手机\n王芳,13812345678\n").unwrap();
    m.import_roster(&event, &csv, &Default::default(), &mut |_, _| {}).unwrap();
    let t = m.roster(&event).unwrap().remove(0);
    let req = |at: &str| MarkRequest { event_id: event.clone(), session_id: s.id.clone(), who: Who::Id(t.id.clone()), at: Some(at.into()), force: true, source: muster_core::attendance::Source::Manual };
    for bad in ["2026-12-01T10:00:60", "2026-12-01T10:60", "2026-12-01T24:00", "2026-11-31T10:00", "2026-12-01T10:00:00Z"] {
        let e = m.check_in(&req(bad)).expect_err(bad);
        assert_eq!(e.location().field.as_deref(), Some("at"), "{bad}: {e}");
    }
    m.check_in(&req("2026-12-01T10:00:30")).unwrap();
    let e = m.check_out(&req("2026-12-01T10:00:29")).expect_err("a sign-out before the check-in");
    assert_eq!((e.code(), e.location().field.as_deref()), (ErrorCode::InvalidInput, Some("at")), "{e}");
    m.check_out(&req("2026-12-01T10:00:30")).expect("a sign-out at the same second");
}

#[test]
fn a_cell_may_hold_what_a_spreadsheet_cell_holds_and_no_more() {
    let ok = format!("姓名,备注\n王芳,{}\n", "备".repeat(MAX_CELL_CHARS));
    let r = import::read_roster_bytes("ok.csv", ok.as_bytes(), &mut |_, _| {}).unwrap();
    assert!(r.rows[0].outcome.is_ok());
    let over = format!("姓名,备注\n王芳,{}\n", "备".repeat(MAX_CELL_CHARS + 1));
    let e = import::read_roster_bytes("over.csv", over.as_bytes(), &mut |_, _| {}).unwrap_err();
    let p = e.to_payload();
    assert_eq!((p.line, p.field.as_deref()), (Some(2), Some("备注")), "{p:?}");
    assert!(p.message.len() < 600, "quoted briefly: {} bytes", p.message.len());
}

#[test]
fn the_audit_csv_keeps_a_formula_named_user_as_text() {
    let (_dir, mut m, _event) = store();
    m.add_user("=cmd|' /C calc'!A0", Role::Admin, "482916").unwrap();
    m.sign_in("=cmd|' /C calc'!A0", "482916").unwrap();
    m.set_actor(Some(muster_core::access::Actor::admin("admin")));
    let entries = m.audit(&Default::default()).unwrap();
    let csv = String::from_utf8(muster_core::audit::to_csv(&entries)).unwrap();
    assert!(csv.contains("'=cmd|' /C calc'!A0"), "{csv}");
    assert!(!csv.contains(",=cmd"), "{csv}");
}

#[test]
fn a_rejects_file_fixed_in_excel_imports_as_it_was() {
    let roster = "姓名,手机,身份证号\n=1+2,+86 138 1234 5678,123\n王芳,-5,\n";
    let r = import::read_roster_bytes("r.csv", roster.as_bytes(), &mut |_, _| {}).unwrap();
    let rejects = import::rejects::rejects_csv_bytes(&r);
    let text = String::from_utf8(rejects.clone()).unwrap();
    assert!(text.contains("'=1+2,'+86 138 1234 5678,123,"), "{text}");
    // Fixed in Excel: the ID column emptied, the phone kept.
    let fixed = text.replace(",123,", ",,").replace(",-5,", ",13912345678,");
    assert!(text.contains(",-5,"), "a negative number stays a number: {text}");
    let again = import::read_roster_bytes("rejects.csv", fixed.as_bytes(), &mut |_, _| {}).unwrap();
    let first = again.rows[0].outcome.as_ref().expect("the fixed row imports");
    assert_eq!((first.name.as_str(), first.phone.as_deref()), ("=1+2", Some("13812345678")));
    assert!(again.rows[1].outcome.is_ok(), "{:?}", again.rows[1].outcome);
}
