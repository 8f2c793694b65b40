//! Check-in: door search as data, idempotent marks, statuses and hours,
//! corrections, walk-ins and merges, scanner garbage.

use muster_core::attendance::{MarkRequest, MarkStatus, Status, Who};
use muster_core::model::{NewEvent, NewSession, TraineeFields};
use muster_core::store::{self};
use muster_core::{ErrorCode, Muster};

struct Venue {
    m: Muster,
    event: String,
    day1: String,
    _dir: tempfile::TempDir,
}

const NAMES: &[(&str, &str)] = &[
    ("王素梅", "13812345678"),
    ("王淑敏", "13812340001"),
    ("汪思明", "13900005678"),
    ("单雄信", "13700000001"),
    ("曾丽", "13700000002"),
    ("区志强", "13700000003"),
    ("仇小红", "13700000004"),
    ("解放", "13700000005"),
    ("朴槿惠", "13700000006"),
    ("查良镛", "13700000007"),
    ("乐嘉", "13700000008"),
    ("尉迟恭", "13700000009"),
    ("欧阳娜娜", "13700000010"),
    ("Sok Dara", "13700000011"),
    ("សុខ ដារ៉ា", "13700000012"),
    ("Aysel Məmmədova", "13700000013"),
    ("Döwlet Ýazmyradow", "13700000014"),
];

fn venue() -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "培训".into(), venue: "县城".into(), starts_on: "2026-12-01".into(), days: 2 }).unwrap();
    let s = m
        .add_session(&e.id, NewSession { title: "Day 1 WeChat Digital Operation".into(), starts_at: "2026-12-01T09:00".into(), ends_at: "2026-12-01T17:00".into() })
        .unwrap();
    m.add_session(&e.id, NewSession { title: "Day 2 Employment Skills".into(), starts_at: "2026-12-02T09:00".into(), ends_at: "2026-12-02T13:00".into() })
        .unwrap();
    let csv = dir.path().join("roster.csv");
    let mut text = String::from("姓名,手机\n");
    for (n, p) in NAMES {
        text.push_str(&format!("{n},{p}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let r = m.import_roster(&e.id, &csv, &Default::default(), &mut |_, _| {}).unwrap();
    assert_eq!(r.imported as usize, NAMES.len(), "{r:?}");
    Venue { m, event: e.id, day1: s.id, _dir: dir }
}

/// (query, the name that must come first)
const SEARCHES: &[(&str, &str)] = &[
    ("王素梅", "王素梅"),
    ("wsm", "王素梅"),
    ("WSM", "王素梅"),
    ("wang su", "王素梅"),
    ("wangsumei", "王素梅"),
    ("sumei", "王素梅"),
    ("素梅", "王素梅"),
    ("5678", "王素梅"),
    ("wangshumin", "王淑敏"),
    ("wangsh", "王淑敏"),
    ("wangsi", "汪思明"),
    ("shanxiongxin", "单雄信"),
    ("sxx", "单雄信"),
    ("zengli", "曾丽"),
    ("ouzhiqiang", "区志强"),
    ("qiuxiaohong", "仇小红"),
    ("xiefang", "解放"),
    ("piaojinhui", "朴槿惠"),
    ("zhaliangyong", "查良镛"),
    ("yuejia", "乐嘉"),
    ("yuchigong", "尉迟恭"),
    ("ouyang", "欧阳娜娜"),
    ("oynn", "欧阳娜娜"),
    ("sok dara", "Sok Dara"),
    ("dara", "Sok Dara"),
    ("sd", "Sok Dara"),
    ("សុខ", "សុខ ដារ៉ា"),
    ("ដារ៉ា", "សុខ ដារ៉ា"),
    ("məmmədova", "Aysel Məmmədova"),
    ("mammadova", "Aysel Məmmədova"),
    ("aysel", "Aysel Məmmədova"),
    ("yazmyradow", "Döwlet Ýazmyradow"),
    ("0014", "Döwlet Ýazmyradow"),
];

#[test]
fn door_search_finds_the_right_person_first() {
    let v = venue();
    let mut failures = Vec::new();
    for (q, want) in SEARCHES {
        let hits = v.m.search(&v.event, q, 5).unwrap();
        let first = hits.first().map(|t| t.fields.name.as_str()).unwrap_or("(nothing)");
        if first != *want {
            failures.push(format!("{q:?}: wanted {want}, got {first} ({:?})", hits.iter().map(|t| &t.fields.name).collect::<Vec<_>>()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // "wang" finds both Wangs (and not Wang Siming's 汪 before them).
    let wang: Vec<_> = v.m.search(&v.event, "wang", 10).unwrap().into_iter().map(|t| t.fields.name).collect();
    assert!(wang.contains(&"王素梅".to_string()) && wang.contains(&"王淑敏".to_string()) && wang.contains(&"汪思明".to_string()));
    assert!(v.m.search(&v.event, "zzzz", 5).unwrap().is_empty());
    assert!(v.m.search(&v.event, "%", 5).unwrap().is_empty(), "LIKE wildcards are not special");
}

#[test]
fn search_by_code_and_a_partial_code() {
    let v = venue();
    let t = v.m.roster(&v.event).unwrap().into_iter().find(|t| t.fields.name == "曾丽").unwrap();
    let code = t.code.clone().unwrap();
    assert_eq!(v.m.search(&v.event, &code, 5).unwrap()[0].id, t.id);
    assert_eq!(v.m.search(&v.event, &code.to_lowercase(), 5).unwrap()[0].id, t.id);
    assert!(v.m.search(&v.event, &code[..4], 5).unwrap().iter().any(|x| x.id == t.id));
}

fn req(v: &Venue, who: Who, at: &str) -> MarkRequest {
    MarkRequest { event_id: v.event.clone(), session_id: v.day1.clone(), who, at: Some(at.into()), force: false, source: muster_core::attendance::Source::Scan }
}

#[test]
fn a_second_check_in_is_reported_not_recorded() {
    let mut v = venue();
    let t = v.m.roster(&v.event).unwrap().remove(0);
    let code = t.code.clone().unwrap();
    let first = v.m.check_in(&req(&v, Who::Code(code.clone()), "2026-12-01T08:41")).unwrap();
    assert_eq!(first.status, MarkStatus::CheckedIn);
    assert!(!first.late);
    let again = v.m.check_in(&req(&v, Who::Id(t.id.clone()), "2026-12-01T08:55")).unwrap();
    assert_eq!(again.status, MarkStatus::AlreadyCheckedIn);
    assert_eq!(again.at, "2026-12-01T08:41:00", "the first check-in's time");
    assert!(again.this_device);
    let device = v.m.store().device_id().to_string();
    let facts = v.m.store().changes_since(&device, 0, 10_000).unwrap().into_iter().filter(|c| c.entity == "attendance").count();
    assert_eq!(facts, 1);
}

#[test]
fn statuses_hours_and_corrections() {
    let mut v = venue();
    let roster = v.m.roster(&v.event).unwrap();
    let (a, b, c) = (&roster[0], &roster[1], &roster[2]);
    v.m.check_in(&req(&v, Who::Id(a.id.clone()), "2026-12-01T08:50")).unwrap(); // present
    let late = v.m.check_in(&req(&v, Who::Id(b.id.clone()), "2026-12-01T09:25")).unwrap(); // late
    assert!(late.late);
    v.m.check_in(&req(&v, Who::Id(c.id.clone()), "2026-12-01T09:05")).unwrap(); // within grace
    let out = v.m.check_out(&req(&v, Who::Id(c.id.clone()), "2026-12-01T15:00")).unwrap(); // left early
    assert_eq!(out.status, MarkStatus::CheckedOut);
    assert_eq!(v.m.check_out(&req(&v, Who::Id(c.id.clone()), "2026-12-01T16:00")).unwrap().status, MarkStatus::AlreadyCheckedOut);
    let never = v.m.check_out(&req(&v, Who::Id(roster[3].id.clone()), "2026-12-01T16:00")).unwrap_err();
    assert_eq!(never.code(), ErrorCode::Conflict);

    let r = v.m.attendance_report(&v.event).unwrap();
    let s = &r.sessions[0];
    assert_eq!((s.present, s.late, s.left_early, s.absent), (1, 1, 1, NAMES.len() as u32 - 3));
    let line = |id: &str| r.trainees.iter().find(|t| t.id == id).unwrap().clone();
    assert_eq!(line(&a.id).sessions[&v.day1].hours, 8.0);
    assert_eq!(line(&b.id).sessions[&v.day1].hours, 7.58); // 09:25–17:00
    assert_eq!(line(&c.id).sessions[&v.day1].hours, 5.92); // 09:05–15:00
    assert_eq!(line(&a.id).scheduled_hours, 12.0);

    // A correction wins, and the old facts stay.
    v.m.correct_attendance(&v.event, &v.day1, &b.id, "present", None, "bus from the village was late").unwrap();
    let r = v.m.attendance_report(&v.event).unwrap();
    let fixed = &r.trainees.iter().find(|t| t.id == b.id).unwrap().sessions[&v.day1];
    assert_eq!(fixed.status, Status::Present);
    assert_eq!(fixed.corrected.as_deref(), Some("bus from the village was late"));
    assert_eq!(fixed.checked_in.as_deref(), Some("2026-12-01T09:25:00"));
    let bad = v.m.correct_attendance(&v.event, &v.day1, &b.id, "sleeping", None, "x").unwrap_err();
    assert_eq!(bad.location().field.as_deref(), Some("status"));
    let no_reason = v.m.correct_attendance(&v.event, &v.day1, &b.id, "absent", None, " ").unwrap_err();
    assert_eq!(no_reason.location().field.as_deref(), Some("reason"));
}

#[test]
fn outside_the_session_needs_confirmation() {
    let mut v = venue();
    let t = v.m.roster(&v.event).unwrap().remove(0);
    for at in ["2026-11-30T09:00", "2026-12-01T07:30", "2026-12-01T17:30"] {
        let e = v.m.check_in(&req(&v, Who::Id(t.id.clone()), at)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NeedsConfirmation, "{at}");
    }
    assert!(v.m.attendance_report(&v.event).unwrap().sessions[0].present == 0, "nothing recorded");
    let mut forced = req(&v, Who::Id(t.id.clone()), "2026-12-01T17:30");
    forced.force = true;
    assert_eq!(v.m.check_in(&forced).unwrap().status, MarkStatus::CheckedIn);
}

#[test]
fn scanner_garbage_half_codes_and_foreign_codes_record_nothing() {
    let mut v = venue();
    let t = v.m.roster(&v.event).unwrap().remove(0);
    let code = t.code.clone().unwrap();
    let other_event = v.m.create_demo_event().unwrap();
    let foreign = v.m.roster(&other_event.id).unwrap().remove(0).code.unwrap();
    let mut wrong_check = code.clone().into_bytes();
    wrong_check[5] = if wrong_check[5] == b'0' { b'1' } else { b'0' };
    let cases: Vec<(String, ErrorCode, &str)> = vec![
        (code[..3].to_string(), ErrorCode::InvalidInput, "6 characters"),
        ("#@!?x%".into(), ErrorCode::InvalidInput, "cannot be part"),
        (String::from_utf8(wrong_check).unwrap(), ErrorCode::InvalidInput, "check character"),
        (foreign, ErrorCode::InvalidInput, "another event"),
    ];
    for (input, code_, words) in cases {
        let e = v.m.check_in(&req(&v, Who::Code(input.clone()), "2026-12-01T08:50")).unwrap_err();
        assert_eq!(e.code(), code_, "{input}");
        assert!(e.to_string().contains(words), "{input}: {e}");
    }
    assert_eq!(v.m.attendance_report(&v.event).unwrap().sessions[0].arrived, 0);
}

#[test]
fn walk_ins_show_up_as_possible_duplicates_and_merge_on_request() {
    let mut v = venue();
    // The same person registered on the door laptop and already on the roster.
    let (walk, dups) = v.m.walk_in(&v.event, "王素梅", Some("138 1234 5678"), None).unwrap();
    assert!(walk.walk_in);
    assert!(walk.code.is_some());
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].fields.name, "王素梅");
    let groups = v.m.possible_duplicates(&v.event).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].by, "phone");
    let keep = dups[0].id.clone();
    assert_eq!(v.m.roster(&v.event).unwrap().len(), NAMES.len() + 1, "never merged silently");

    // The walk-in record was checked in at the door; after the merge it
    // counts for the roster record.
    v.m.check_in(&req(&v, Who::Id(walk.id.clone()), "2026-12-01T08:45")).unwrap();
    v.m.merge_trainees(&keep, &walk.id).unwrap();
    assert_eq!(v.m.roster(&v.event).unwrap().len(), NAMES.len());
    assert!(v.m.possible_duplicates(&v.event).unwrap().is_empty());
    let again = v.m.check_in(&req(&v, Who::Id(keep.clone()), "2026-12-01T08:50")).unwrap();
    assert_eq!(again.status, MarkStatus::AlreadyCheckedIn);
    let r = v.m.attendance_report(&v.event).unwrap();
    assert_eq!(r.sessions[0].arrived, 1);
    assert_eq!(v.m.search(&v.event, "wangsumei", 5).unwrap().len(), 1, "the merged record left search");

    let bad = v.m.walk_in(&v.event, "", Some("13800000000"), None).unwrap_err();
    assert_eq!(bad.location().field.as_deref(), Some("name"));
    let bad = v.m.walk_in(&v.event, "新人", Some("123"), None).unwrap_err();
    assert_eq!(bad.location().field.as_deref(), Some("phone"));
}

#[test]
fn dashboard_buckets_arrivals_by_five_minutes() {
    let mut v = venue();
    let roster = v.m.roster(&v.event).unwrap();
    for (t, at) in roster.iter().zip(["2026-12-01T08:31:10", "2026-12-01T08:34:59", "2026-12-01T08:35:00", "2026-12-01T09:12:00"]) {
        v.m.check_in(&req(&v, Who::Id(t.id.clone()), at)).unwrap();
    }
    let d = v.m.dashboard(&v.event).unwrap();
    let day1 = &d[0];
    assert_eq!(day1.session.arrived, 4);
    assert_eq!(day1.session.expected, NAMES.len() as u32);
    let buckets: Vec<(String, u32)> = day1.arrivals.iter().map(|b| (b.from.clone(), b.count)).collect();
    assert_eq!(buckets, vec![("2026-12-01T08:30".into(), 2), ("2026-12-01T08:35".into(), 1), ("2026-12-01T09:10".into(), 1)]);
    assert_eq!(day1.late.len(), 1);
    assert_eq!(day1.late[0].minutes_late, 12);
}

#[test]
fn codes_are_backfilled_for_trainees_written_before_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let event = {
        let mut m = Muster::open(&path).unwrap();
        let e = m.create_event(NewEvent { name: "E".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
        let mut s = store::Store::open(&path).unwrap();
        s.write(|w| store::trainees::insert(w, &e.id, &TraineeFields { name: "王素梅".into(), ..Default::default() })).unwrap();
        e.id
    };
    // Make it look like a store from before migration 0002: no code.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("UPDATE trainees SET code = NULL;").unwrap();
    drop(conn);
    let m = Muster::open(&path).unwrap();
    let t = m.roster(&event).unwrap().remove(0);
    let code = t.code.clone().expect("backfilled");
    assert_eq!(m.search(&event, &code, 1).unwrap()[0].id, t.id);
    assert_eq!(m.search(&event, "wsm", 1).unwrap()[0].id, t.id, "re-indexed");
    let device = m.store().device_id().to_string();
    let last = m.store().changes_since(&device, 0, 100).unwrap().pop().unwrap();
    assert_eq!(last.fields.keys().collect::<Vec<_>>(), vec!["code"], "the backfill is a logged change");
}

/// Enter at the door checks in at once only the one trainee a query names
/// exactly; a rarer reading of a given name ranks below a surname.
#[test]
fn enter_is_sure_only_of_one_exact_match() {
    let mut v = venue();
    for name in ["张丽华", "萧长青"] {
        v.m.walk_in(&v.event, name, None, None).unwrap();
    }
    let names = |q: &str| v.m.door_search(&v.event, q, 5).unwrap().hits.into_iter().map(|h| h.trainee.fields.name).collect::<Vec<_>>();
    let zh = names("zh");
    let pos = |n: &str| zh.iter().position(|x| x == n);
    assert!(pos("张丽华").is_some() && pos("张丽华") < pos("萧长青").or(Some(usize::MAX)), "{zh:?}");
    // (query, whom Enter checks in at once; None = it asks)
    let cases: &[(&str, Option<&str>)] = &[
        ("zh", None),            // a start, not a name
        ("zlh", Some("张丽华")),  // initials, one person
        ("zhanglihua", Some("张丽华")),
        ("wsm", None),           // 王素梅 and 王淑敏
        ("wangsumei", Some("王素梅")),
        ("王素梅", Some("王素梅")),
        ("素梅", None),          // part of a name
        ("sumei", None),         // the given name alone
        ("5678", None),          // 王素梅 and 汪思明 share the last four
        ("0014", Some("Döwlet Ýazmyradow")),
        ("dara", None),          // part of a name
        ("zzzz", None),
    ];
    let mut failures = Vec::new();
    for (q, want) in cases {
        let found = v.m.door_search(&v.event, q, 5).unwrap();
        let sure = found.sure.as_ref().map(|id| found.hits.iter().find(|h| &h.trainee.id == id).expect("sure is a hit").trainee.fields.name.clone());
        if sure.as_deref() != *want {
            failures.push(format!("{q:?}: wanted {want:?}, got {sure:?} ({:?})", found.hits.iter().map(|h| (&h.trainee.fields.name, h.exact)).collect::<Vec<_>>()));
        }
        if let Some(id) = &found.sure {
            assert_eq!(&found.hits[0].trainee.id, id, "{q}: the sure hit comes first");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A code is always sure.
    let t = v.m.roster(&v.event).unwrap().remove(0);
    assert_eq!(v.m.door_search(&v.event, t.code.as_deref().unwrap(), 5).unwrap().sure.as_deref(), Some(t.id.as_str()));
}

/// One truth of "in this session": a correction to absent, or an undone
/// scan, takes the person out for the door, the dashboard and the report
/// alike, and the next real scan records them again.
#[test]
fn absent_and_undo_are_one_truth_for_door_dashboard_and_report() {
    let mut v = venue();
    let roster = v.m.roster(&v.event).unwrap();
    let (a, b, c) = (&roster[0], &roster[1], &roster[2]);
    let expected = roster.len() as u32;
    for t in [a, b] {
        assert_eq!(v.m.check_in(&req(&v, Who::Id(t.id.clone()), "2026-12-01T08:50")).unwrap().status, MarkStatus::CheckedIn);
    }
    let counts = |m: &Muster| {
        let r = m.attendance_report(&v.event).unwrap();
        let s = &r.sessions[0];
        let d = m.dashboard(&v.event).unwrap();
        assert_eq!(d[0].session.arrived, s.arrived, "the dashboard and the report agree");
        assert_eq!(s.arrived + s.absent, expected, "arrived + absent = expected: {s:?}");
        s.arrived
    };
    assert_eq!(counts(&v.m), 2);

    // A correction to absent: out everywhere; the next scan records anew.
    v.m.correct_attendance(&v.event, &v.day1, &a.id, "absent", None, "left before the start").unwrap();
    assert_eq!(counts(&v.m), 1);
    let again = v.m.check_in(&req(&v, Who::Id(a.id.clone()), "2026-12-01T10:00")).unwrap();
    assert_eq!(again.status, MarkStatus::CheckedIn, "not 'already checked in'");
    assert!(again.late);
    assert_eq!(counts(&v.m), 2);
    let r = v.m.attendance_report(&v.event).unwrap();
    let line = &r.trainees.iter().find(|t| t.id == a.id).unwrap().sessions[&v.day1];
    assert_eq!((line.status, line.checked_in.as_deref(), line.corrected.as_deref()), (Status::Late, Some("2026-12-01T10:00:00"), None));

    // Undo a mistaken scan: a reason is required; it no longer counts; a
    // second undo has nothing to undo; the history keeps every fact.
    let none = v.m.undo_check_in(&v.event, &v.day1, &Who::Id(b.id.clone()), " ").unwrap_err();
    assert_eq!(none.location().field.as_deref(), Some("reason"));
    let undone = v.m.undo_check_in(&v.event, &v.day1, &Who::Code(b.code.clone().unwrap()), "scanned the wrong badge").unwrap();
    assert_eq!((undone.trainee.id.as_str(), undone.checked_in_at.as_str()), (b.id.as_str(), "2026-12-01T08:50:00"));
    assert_eq!(counts(&v.m), 1);
    let twice = v.m.undo_check_in(&v.event, &v.day1, &Who::Id(b.id.clone()), "again").unwrap_err();
    assert_eq!(twice.code(), ErrorCode::Conflict);
    let never = v.m.undo_check_in(&v.event, &v.day1, &Who::Id(c.id.clone()), "never came").unwrap_err();
    assert_eq!(never.code(), ErrorCode::Conflict);
    let device = v.m.store().device_id().to_string();
    let facts = v.m.store().changes_since(&device, 0, 10_000).unwrap();
    assert_eq!(facts.iter().filter(|c| c.entity == "attendance").count(), 3, "no mark is deleted");
    // A sign-out needs a check-in that counts.
    let out = v.m.check_out(&req(&v, Who::Id(b.id.clone()), "2026-12-01T16:00")).unwrap_err();
    assert_eq!(out.code(), ErrorCode::Conflict);

    // A correction to present without any scan counts as arrived.
    v.m.correct_attendance(&v.event, &v.day1, &c.id, "present", None, "signed the paper sheet").unwrap();
    assert_eq!(counts(&v.m), 2);
}

/// The roster's search (and the door's) finds people by their village or
/// work unit too, after an edit as after an import; a village never makes
/// Enter sure of one person.
#[test]
fn a_village_or_work_unit_finds_its_people() {
    let mut v = venue();
    let roster = v.m.roster(&v.event).unwrap();
    for t in &roster[..2] {
        let patch = muster_core::trainee::TraineePatch { organization: Some("王家村".into()), ..Default::default() };
        v.m.edit_trainee(&t.id, &patch).unwrap();
    }
    let found: Vec<String> = v.m.search_roster(&v.event, "王家", 50).unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.contains(&roster[0].id) && found.contains(&roster[1].id));
    let door = v.m.door_search(&v.event, "王家村", 5).unwrap();
    assert_eq!((door.hits.len(), door.sure), (2, None));
    // Moved to another village: found there, no longer here.
    let patch = muster_core::trainee::TraineePatch { organization: Some("李家湾".into()), ..Default::default() };
    v.m.edit_trainee(&roster[0].id, &patch).unwrap();
    assert_eq!(v.m.search_roster(&v.event, "王家村", 50).unwrap().len(), 1);
    assert_eq!(v.m.search_roster(&v.event, "李家湾", 50).unwrap()[0].id, roster[0].id);
}

/// The dashboard is kept between calls while the store is unchanged (the
/// app asks every few seconds); a write here, or another process's write
/// to the same file (the CLI, a second window), shows at the next call.
#[test]
fn the_kept_dashboard_follows_writes_from_this_and_other_connections() {
    let mut v = venue();
    let roster = v.m.roster(&v.event).unwrap();
    assert_eq!(v.m.dashboard(&v.event).unwrap()[0].session.arrived, 0);
    assert_eq!(v.m.dashboard(&v.event).unwrap()[0].session.arrived, 0, "asked again, unchanged");
    v.m.check_in(&req(&v, Who::Id(roster[0].id.clone()), "2026-12-01T08:50")).unwrap();
    assert_eq!(v.m.dashboard(&v.event).unwrap()[0].session.arrived, 1, "this connection's write");
    let mut other = Muster::open(&v._dir.path().join("m.db")).unwrap();
    other.check_in(&req(&v, Who::Id(roster[1].id.clone()), "2026-12-01T08:55")).unwrap();
    drop(other);
    assert_eq!(v.m.dashboard(&v.event).unwrap()[0].session.arrived, 2, "another process's write");
}

/// The walk-in check finds the roster's trainee by mobile or by ID number,
/// and the same-person search of a programme likewise, each through two
/// indexed look-ups (migration 0015) — never by reading the event's rows,
/// or every trainee's, as they did before (100,000 trainees: 0.3 s).
#[test]
fn the_walk_in_check_and_the_same_person_search_look_up_by_index() {
    let mut v = venue();
    let t = v.m.roster(&v.event).unwrap().into_iter().find(|t| t.fields.name == "单雄信").unwrap();
    v.m.edit_trainee(&t.id, &muster_core::trainee::TraineePatch { id_number: Some("11010519491231002X".into()), ..Default::default() }).unwrap();
    let (_, by_id) = v.m.walk_in(&v.event, "单雄信", None, Some("11010519491231002x")).unwrap();
    assert_eq!(by_id.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [t.id.as_str()]);
    let (_, by_phone) = v.m.walk_in(&v.event, "王素梅", Some("13812345678"), None).unwrap();
    assert_eq!(by_phone.iter().map(|d| d.fields.name.as_str()).collect::<Vec<_>>(), ["王素梅"]);
    let (_, none) = v.m.walk_in(&v.event, "新人", Some("13600000000"), None).unwrap();
    assert!(none.is_empty());

    let conn = rusqlite::Connection::open(v._dir.path().join("m.db")).unwrap();
    let plan = |sql: &str| -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let unbound = vec![rusqlite::types::Value::Null; stmt.parameter_count()];
        let rows = stmt.query_map(rusqlite::params_from_iter(unbound), |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    };
    for (what, sql) in [
        ("walk-in check", muster_core::store::trainees::sharing_phone_or_id_sql()),
        ("same person", muster_core::store::programmes::SAME_PERSON.to_string()),
    ] {
        let p = plan(&sql);
        assert!(p.contains("trainees_by_phone") && p.contains("trainees_by_id_number"), "{what}: {p}");
        assert!(!p.contains("SCAN") && !p.contains("trainees_by_event"), "{what} reads no event's rows: {p}");
    }
    // A code looked up in any event (a slip of another event) and in one
    // (migration 0017): each one look-up in the code index.
    for (what, sql) in [("any event", muster_core::store::trainees::BY_CODE_SQL), ("this event", muster_core::store::trainees::BY_CODE_IN_SQL)] {
        let p = plan(sql);
        assert!(p.contains("trainees_by_code") && !p.contains("SCAN"), "{what}: {p}");
    }
}
