//! Users, roles and PINs on a shared laptop; the audit log; the end-of-day
//! backup reminder.

use muster_core::access::{allowed, Action, Actor, Role};
use muster_core::attendance::{MarkRequest, Who};
use muster_core::model::{NewEvent, NewSession};
use muster_core::store::audit::AuditFilter;
use muster_core::trainee::TraineePatch;
use muster_core::{ErrorCode, Muster};
use std::path::Path;

struct Laptop {
    m: Muster,
    event: String,
    session: String,
    dir: tempfile::TempDir,
}

fn laptop() -> Laptop {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "电商培训".into(), venue: "县城".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
    let s = m
        .add_session(&e.id, NewSession { title: "Day 1".into(), starts_at: "2026-12-01T09:00".into(), ends_at: "2026-12-01T17:00".into() })
        .unwrap();
    let csv = dir.path().join("roster.csv");
    std::fs::write(&csv, "姓名,手机,身份证号\n王素梅,13812345678,\n李娜,13900001111,\n王素梅,13812340000,\n").unwrap();
    m.import_roster(&e.id, &csv, &Default::default(), &mut |_, _| {}).unwrap();
    Laptop { m, event: e.id, session: s.id, dir }
}

/// The role table, as data: one line per action, the roles that may do it.
#[test]
fn the_role_table() {
    let mut out = String::new();
    for a in Action::ALL {
        let who: Vec<&str> = Role::ALL.iter().filter(|r| allowed(**r, a)).map(|r| r.as_str()).collect();
        out.push_str(&format!("{:<40} {}\n", a.describe(), who.join(" ")));
    }
    let expected = "\
see events                               admin coordinator keyer
create events or sessions                admin
import rosters                           admin
see the roster                           admin coordinator
edit trainees                            admin coordinator
check people in or out                   admin coordinator
register walk-ins                        admin coordinator
merge trainees                           admin coordinator
see attendance                           admin coordinator
correct attendance                       admin coordinator
handle certificates                      admin coordinator
import forms or register batches         admin
key questionnaires                       admin keyer
resolve double-entry differences         admin
see reports                              admin coordinator
export files                             admin coordinator
sync                                     admin coordinator
back up                                  admin coordinator
restore backups or change the passphrase admin
manage users                             admin
read the audit log                       admin
";
    assert_eq!(out, expected);
}

fn code_of<T: std::fmt::Debug>(r: muster_core::Result<T>) -> Option<ErrorCode> {
    r.err().map(|e| e.code())
}

/// Each facade operation, as each role: allowed, or refused with
/// `forbidden` and nothing written; with nobody signed in, `locked`.
#[test]
fn every_operation_checks_the_role() {
    let mut l = laptop();
    let admin = l.m.add_user("Ana", Role::Admin, "11112222").unwrap();
    l.m.add_user("Chen", Role::Coordinator, "33334444").unwrap();
    l.m.add_user("Kim", Role::Keyer, "55556666").unwrap();
    let trainee = l.m.roster(&l.event).unwrap()[0].id.clone();
    let (event, session) = (l.event.clone(), l.session.clone());
    let csv = l.dir.path().join("more.csv");
    std::fs::write(&csv, "姓名,手机\n赵六,13700000001\n").unwrap();
    let backup = l.dir.path().join("b.db");

    type Op = Box<dyn Fn(&mut Muster) -> Option<ErrorCode>>;
    let ops: Vec<(&str, Op, &[Role])> = {
        let (e, s, t) = (event.clone(), session.clone(), trainee.clone());
        let mark = move |t: &str| MarkRequest {
            event_id: e.clone(),
            session_id: s.clone(),
            who: Who::Id(t.to_string()),
            at: Some("2026-12-01T09:05".into()),
            force: false,
            source: muster_core::attendance::Source::Search,
        };
        let (e, t2) = (event.clone(), t.clone());
        let (e3, e4, e5, e6, e7, e8) = (event.clone(), event.clone(), event.clone(), event.clone(), event.clone(), event.clone());
        let csv = csv.clone();
        let backup = backup.clone();
        use Role::*;
        vec![
            ("list events", Box::new(|m: &mut Muster| code_of(m.list_events())), &[Admin, Coordinator, Keyer]),
            ("roster", Box::new(move |m: &mut Muster| code_of(m.roster(&e))), &[Admin, Coordinator]),
            ("search", Box::new(move |m: &mut Muster| code_of(m.search(&e3, "wsm", 5))), &[Admin, Coordinator]),
            ("check in", Box::new(move |m: &mut Muster| code_of(m.check_in(&mark(&t2)))), &[Admin, Coordinator]),
            ("walk in", Box::new(move |m: &mut Muster| code_of(m.walk_in(&e4, "新人", None, None))), &[Admin, Coordinator]),
            (
                "edit trainee",
                Box::new(move |m: &mut Muster| {
                    code_of(m.edit_trainee(&t, &TraineePatch { organization: Some(format!("合作社{}", m.actor().map(|a| a.name.clone()).unwrap_or_default())), ..Default::default() }))
                }),
                &[Admin, Coordinator],
            ),
            ("attendance report", Box::new(move |m: &mut Muster| code_of(m.attendance_report(&e5))), &[Admin, Coordinator]),
            ("certificates", Box::new(move |m: &mut Muster| code_of(m.certificate_eligibility(&e6, None))), &[Admin, Coordinator]),
            ("import roster", Box::new(move |m: &mut Muster| code_of(m.import_roster(&e7, &csv, &Default::default(), &mut |_, _| {}))), &[Admin]),
            (
                "create event",
                Box::new(|m: &mut Muster| code_of(m.create_event(NewEvent { name: "x".into(), venue: "y".into(), starts_on: "2026-12-05".into(), days: 1 }))),
                &[Admin],
            ),
            ("list forms", Box::new(move |m: &mut Muster| code_of(m.list_forms(&e8))), &[Admin, Coordinator, Keyer]),
            ("backup", Box::new(move |m: &mut Muster| code_of(m.backup(&backup))), &[Admin, Coordinator]),
            ("users", Box::new(|m: &mut Muster| code_of(m.users())), &[Admin]),
            ("audit", Box::new(|m: &mut Muster| code_of(m.audit(&AuditFilter::default()))), &[Admin]),
            ("add user", Box::new(|m: &mut Muster| code_of(m.add_user(&format!("u{}", m.actor().unwrap().name), Role::Keyer, "1234"))), &[Admin]),
        ]
    };
    for (who, pin, role) in [("Ana", "11112222", Role::Admin), ("Chen", "33334444", Role::Coordinator), ("Kim", "55556666", Role::Keyer)] {
        let actor = l.m.sign_in(who, pin).unwrap();
        assert_eq!(actor.role, role);
        for (name, op, roles) in &ops {
            let got = op(&mut l.m);
            let want = if roles.contains(&role) { None } else { Some(ErrorCode::Forbidden) };
            assert_eq!(got, want, "{name} as {}", role.as_str());
        }
    }
    // A refused operation wrote nothing: Kim's walk-in is not on the roster.
    assert!(l.m.sign_in(&admin.id, "11112222").is_ok());
    let names: Vec<String> = l.m.roster(&l.event).unwrap().into_iter().map(|t| t.fields.name).collect();
    assert_eq!(names.iter().filter(|n| *n == "新人").count(), 2, "{names:?}");
    // A refusal names the action by its stable key (the UI translates it).
    l.m.sign_in("Kim", "55556666").unwrap();
    let e = l.m.check_in(&MarkRequest {
        event_id: l.event.clone(),
        session_id: l.session.clone(),
        who: Who::Id(trainee.clone()),
        at: None,
        force: true,
        source: muster_core::attendance::Source::Scan,
    });
    let e = e.unwrap_err();
    assert_eq!((e.code(), e.location().field.as_deref()), (ErrorCode::Forbidden, Some("check_in")));
    assert_eq!(e.to_string(), "Kim (keyer) may not check people in or out");
    // Every action has its own key.
    let keys: std::collections::BTreeSet<&str> = Action::ALL.iter().map(|a| a.key()).collect();
    assert_eq!(keys.len(), Action::ALL.len());
    // Locked: nothing at all, not even the events.
    l.m.lock();
    assert_eq!(code_of(l.m.list_events()), Some(ErrorCode::Locked));
    // The PIN screen still lists who may sign in (names and roles only).
    assert_eq!(l.m.sign_in_choices().unwrap().len(), 4, "Ana, Chen, Kim and the user Ana added");
}

#[test]
fn pins_are_hashed_checked_and_locked_out_after_five_wrong() {
    let mut l = laptop();
    let e = l.m.add_user("Kim", Role::Keyer, "1234").unwrap_err();
    assert_eq!((e.code(), e.location().field.as_deref()), (ErrorCode::InvalidInput, Some("role")), "the first user is an admin");
    l.m.add_user("Ana", Role::Admin, "2468").unwrap();
    let kim = l.m.add_user("Kim", Role::Keyer, "７３５１９８６４").unwrap(); // full-width digits from an IME
    assert_eq!(l.m.add_user("kim", Role::Admin, "1234").map(|_| ()).unwrap_err().code(), ErrorCode::Conflict);
    for bad in ["123", "123456789", "12a4", ""] {
        let e = l.m.add_user("Lee", Role::Keyer, bad).unwrap_err();
        assert_eq!((e.code(), e.location().field.as_deref()), (ErrorCode::InvalidInput, Some("pin")), "{bad}");
    }
    assert_eq!(l.m.sign_in("Kim", "73519864").unwrap().name, "Kim");
    for i in 1..5 {
        let e = l.m.sign_in("Kim", "00000000").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.to_string().contains(&format!("{} tries left", 5 - i)), "{e}");
    }
    let e = l.m.sign_in("Kim", "00000000").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Locked, "{e}");
    // Even the right PIN waits out the minute.
    assert_eq!(l.m.sign_in(&kim.id, "73519864").unwrap_err().code(), ErrorCode::Locked);
    assert_eq!(l.m.sign_in("Nobody", "1234").unwrap_err().code(), ErrorCode::NotFound);
    // Only the argon2id hash is on disk.
    let bytes = std::fs::read(l.dir.path().join("m.db")).unwrap();
    let wal = std::fs::read(l.dir.path().join("m.db-wal")).unwrap_or_default();
    for b in [&bytes, &wal] {
        assert!(!contains(b, b"73519864"), "the PIN is on disk in plain text");
    }
    assert!(contains(&bytes, b"$argon2id$") || contains(&wal, b"$argon2id$"));
    // The failures are in the audit log, by the user who tried.
    l.m.set_actor(Some(Actor::admin("cli")));
    let failed = l.m.audit(&AuditFilter { action: Some("sign_in_failed".into()), ..Default::default() }).unwrap();
    assert_eq!(failed.len(), 5);
    assert!(failed.iter().all(|a| a.user == "Kim" && a.role == "keyer"));
    // Structured, so the app can word it in its language.
    let counts: Vec<(u64, u64)> = failed.iter().map(|a| (a.after["failed"].as_u64().unwrap(), a.after["of"].as_u64().unwrap())).collect();
    assert_eq!(counts, [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_user_changes_their_own_pin_and_the_last_admin_stays() {
    let mut l = laptop();
    let ana = l.m.add_user("Ana", Role::Admin, "1111").unwrap();
    l.m.add_user("Kim", Role::Keyer, "2222").unwrap();
    l.m.sign_in("Kim", "2222").unwrap();
    l.m.set_user_pin("Kim", "3333").unwrap();
    assert_eq!(l.m.set_user_pin("Ana", "4444").unwrap_err().code(), ErrorCode::Forbidden);
    assert!(l.m.sign_in("Kim", "3333").is_ok());
    l.m.sign_in("Ana", "1111").unwrap();
    assert_eq!(l.m.set_user_role(&ana.id, Role::Keyer).unwrap_err().code(), ErrorCode::Conflict);
    assert_eq!(l.m.disable_user("Ana").unwrap_err().code(), ErrorCode::Conflict);
    let kim = l.m.disable_user("Kim").unwrap();
    assert!(kim.disabled_at.is_some());
    assert_eq!(l.m.sign_in(&kim.id, "3333").unwrap_err().code(), ErrorCode::Locked);
    assert_eq!(l.m.sign_in_choices().unwrap().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Ana"]);
}

/// Every create, edit, merge, resolution, print and export, with the user,
/// device, time and before/after; an import is one line, not one per row.
#[test]
fn the_audit_log_names_who_did_what_before_and_after() {
    let mut l = laptop();
    l.m.add_user("Ana", Role::Admin, "1111").unwrap();
    l.m.add_user("Chen", Role::Coordinator, "3333").unwrap();
    l.m.sign_in("Chen", "3333").unwrap();
    let roster = l.m.roster(&l.event).unwrap();
    let (a, b) = (roster[0].id.clone(), roster[2].id.clone());
    l.m.edit_trainee(&a, &TraineePatch { organization: Some("农民合作社".into()), ..Default::default() }).unwrap();
    l.m.check_in(&MarkRequest {
        event_id: l.event.clone(),
        session_id: l.session.clone(),
        who: Who::Id(a.clone()),
        at: Some("2026-12-01T09:05".into()),
        force: false,
        source: muster_core::attendance::Source::Scan,
    })
    .unwrap();
    l.m.merge_trainees(&a, &b).unwrap();
    l.m.log_export(Some(&l.event), "attendance_xlsx", Path::new("/media/usb/a.xlsx"), true).unwrap();
    l.m.log_print(Some(&l.event), "badges", Path::new("/tmp/badges.pdf"), 2, 1).unwrap();
    l.m.set_actor(Some(Actor::admin("cli")));
    let log = l.m.audit(&AuditFilter { event_id: Some(l.event.clone()), ..Default::default() }).unwrap();
    let lines: Vec<String> = log
        .iter()
        .map(|e| format!("{} {} {}", e.user, e.action, e.entity.as_deref().unwrap_or("-")))
        .collect();
    assert_eq!(
        lines,
        [
            "admin create event",
            "admin create session",
            "admin import trainee",
            "Chen edit trainee",
            "Chen check_in attendance",
            "Chen merge trainee",
            "Chen export -",
            "Chen print -",
        ]
    );
    let edit = &log[3];
    assert_eq!(edit.before["organization"], serde_json::Value::Null);
    assert_eq!(edit.after["organization"], "农民合作社");
    assert_eq!(edit.device_id, l.m.store().device_id());
    assert!(edit.at.starts_with("20") && edit.at.ends_with('Z'), "{}", edit.at);
    assert_eq!(log[2].after["imported"], 3);
    assert_eq!((&log[5].entity_id, &log[5].before["merged_into"]), (&Some(b.clone()), &serde_json::Value::Null));
    assert_eq!(log[5].after["merged_into"], a.as_str());
    assert_eq!(log[6].after["encrypted"], true);
    assert_eq!((&log[7].after["kind"], &log[7].after["items"], &log[7].after["pages"]), (&"badges".into(), &2.into(), &1.into()));
    // Nothing of another event, and an unknown event is not found.
    assert_eq!(l.m.audit(&AuditFilter { event_id: Some("nope".into()), ..Default::default() }).unwrap_err().code(), ErrorCode::NotFound);
}

/// Audit lines are facts in the change log: they travel with sync.
#[test]
fn audit_lines_travel_with_the_changes() {
    let l = laptop();
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Muster::open(&other_dir.path().join("o.db")).unwrap();
    let mut changes = Vec::new();
    for d in l.m.store().devices_in_log().unwrap() {
        changes.extend(l.m.store().changes_since(&d, 0, 100_000).unwrap());
    }
    other.apply_changes(&muster_protocol::sync::PullResponse { changes, cursor: 0, more: false }).unwrap();
    let here = l.m.audit(&AuditFilter::default()).unwrap();
    let there = other.audit(&AuditFilter::default()).unwrap();
    assert_eq!(here, there);
    assert!(!here.is_empty());
}

#[test]
fn the_backup_reminder_comes_at_the_end_of_the_day_until_a_backup() {
    let mut l = laptop();
    let r = l.m.backup_reminder(Some("2026-12-01T12:00")).unwrap();
    assert!(!r.due);
    assert_eq!(r.from, "2026-12-01T16:30");
    assert!(l.m.backup_reminder(Some("2026-12-01T16:31")).unwrap().due);
    // A day without sessions: from 17:00.
    assert!(!l.m.backup_reminder(Some("2026-12-02T16:59")).unwrap().due);
    assert!(l.m.backup_reminder(Some("2026-12-02T17:00")).unwrap().due);
    let out = l.dir.path().join("usb.db");
    l.m.backup(&out).unwrap();
    // A backup made after a day's reminder started clears it.
    let r = l.m.backup_reminder(Some("2020-01-01T18:00")).unwrap();
    assert!(!r.due, "{r:?}");
    assert!(r.last_backup.is_some());
    assert_eq!(r.last_file.as_deref(), Some(out.display().to_string().as_str()));
    let log = l.m.audit(&AuditFilter { action: Some("backup".into()), ..Default::default() }).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].after["file"], out.display().to_string());
    assert!(log[0].after["bytes"].as_u64().is_some_and(|b| b > 4096));
}
