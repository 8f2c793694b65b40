//! `muster event …`, `muster session …`, the JSON and exit-code contract.

use muster_tests::muster;

#[test]
fn event_and_session_round_trip_with_ids_as_strings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let created = muster(&db, &["event", "create", "--name", "县电商培训", "--venue", "文化中心", "--starts", "2026-12-01", "--days", "2"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let id = created.json()["id"].as_str().expect("id is a string").to_string();

    let session = muster(&db, &["session", "add", "--event", &id, "--title", "Day 1 WeChat Digital Operation", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T17:00"]);
    assert_eq!(session.code, 0, "{}", session.stdout);
    assert!(session.json()["id"].is_string());

    let list = muster(&db, &["event", "list"]).json();
    let events = list["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["name"], "县电商培训");
    assert_eq!(events[0]["session_count"], 1);
}

#[test]
fn bad_input_exits_3_with_a_json_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let bad_date = muster(&db, &["event", "create", "--name", "X", "--starts", "2026-02-30", "--days", "1"]);
    assert_eq!(bad_date.code, 3);
    let err = &bad_date.json()["error"];
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["field"], "starts");
    assert!(err["message"].as_str().unwrap().contains("2026-02-30"));

    let unknown = muster(&db, &["session", "add", "--event", "nope", "--title", "T", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T10:00"]);
    assert_eq!(unknown.code, 3);
    assert_eq!(unknown.json()["error"]["code"], "not_found");

    let backwards = muster(&db, &["event", "create", "--name", "E", "--starts", "2026-12-01"]);
    let id = backwards.json()["id"].as_str().unwrap().to_string();
    let r = muster(&db, &["session", "add", "--event", &id, "--title", "T", "--starts", "2026-12-01T17:00", "--ends", "2026-12-01T09:00"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.json()["error"]["field"], "ends");
    assert_eq!(muster(&db, &["session", "list", "--event", &id]).json()["sessions"].as_array().unwrap().len(), 0);
}

#[test]
fn usage_errors_exit_2_and_still_print_one_json_object() {
    let dir = tempfile::tempdir().unwrap();
    let r = muster(&dir.path().join("m.db"), &["event", "create", "--venue", "no name"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["error"]["code"], "usage");
    let r = muster(&dir.path().join("m.db"), &["frobnicate"]);
    assert_eq!(r.code, 2);
}

#[test]
fn a_file_that_is_not_a_store_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("not-a-db");
    let content = b"this is a shopping list, not a database, and it is long enough to have a header";
    std::fs::write(&db, content).unwrap();
    let r = muster(&db, &["event", "list"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("not a Muster store"));
    assert_eq!(std::fs::read(&db).unwrap(), content, "the file is left as it was");
}

#[test]
fn demo_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let demo = muster(&db, &["demo"]).json();
    assert_eq!(demo["trainee_count"], 26);
    assert_eq!(demo["session_count"], 2);
    let check = muster(&db, &["check"]);
    assert_eq!(check.code, 0);
    assert_eq!(check.json()["ok"], true);
}

/// A coordinator fixes what they typed: `session edit|delete`, `event
/// edit|delete`, the usual half-day sessions at creation; a removal that
/// would hide check-ins needs --force, and a removal travels to a second
/// laptop through a sync file like any other change.
#[test]
fn sessions_and_events_are_edited_and_removed_and_it_travels() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let e = muster(&db, &["event", "create", "--name", "县电商培训", "--starts", "2026-12-01", "--days", "2", "--half-days"]).json();
    let event = e["id"].as_str().unwrap().to_string();
    assert_eq!(e["session_count"], 4, "two half-days on each of two days: {e}");
    let sessions = muster(&db, &["session", "list", "--event", &event]).json()["sessions"].as_array().unwrap().clone();
    let times: Vec<_> = sessions.iter().map(|s| format!("{}–{}", s["starts_at"].as_str().unwrap(), &s["ends_at"].as_str().unwrap()[11..])).collect();
    assert_eq!(times, ["2026-12-01T09:00–12:00", "2026-12-01T14:00–17:00", "2026-12-02T09:00–12:00", "2026-12-02T14:00–17:00"]);
    let (first, last) = (sessions[0]["id"].as_str().unwrap().to_string(), sessions[3]["id"].as_str().unwrap().to_string());

    // Edit: the rules of adding (ends after it starts, within the days).
    let fixed = muster(&db, &["session", "edit", &first, "--title", "开班仪式", "--ends", "2026-12-01T12:30"]);
    assert_eq!(fixed.code, 0, "{}", fixed.stdout);
    assert_eq!((fixed.json()["title"].as_str(), fixed.json()["ends_at"].as_str(), fixed.json()["starts_at"].as_str()), (Some("开班仪式"), Some("2026-12-01T12:30"), Some("2026-12-01T09:00")));
    let bad = muster(&db, &["session", "edit", &first, "--ends", "2026-12-01T08:00"]);
    assert_eq!((bad.code, bad.json()["error"]["field"].as_str()), (3, Some("ends")));
    assert_eq!(muster(&db, &["session", "edit", "no-such-session", "--title", "x"]).code, 3);
    // The event cannot shrink under its sessions; it can be renamed.
    let shrink = muster(&db, &["event", "edit", &event, "--days", "1"]);
    assert_eq!((shrink.code, shrink.json()["error"]["field"].as_str()), (3, Some("days")));
    let renamed = muster(&db, &["event", "edit", &event, "--name", "县电商技能培训", "--venue", "县文化中心"]).json();
    assert_eq!((renamed["name"].as_str(), renamed["venue"].as_str(), renamed["days"].as_u64()), (Some("县电商技能培训"), Some("县文化中心"), Some(2)));

    // A session with a check-in is removed only with --force; its marks stay out of every count.
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, "姓名,手机\n王素梅,13812345678\n").unwrap();
    muster(&db, &["roster", "import", "--event", &event, roster.to_str().unwrap()]);
    let trainee = muster(&db, &["roster", "list", "--event", &event]).json()["trainees"][0]["id"].as_str().unwrap().to_string();
    let mark = muster(&db, &["checkin", "--event", &event, "--session", &last, "--trainee", &trainee, "--at", "2026-12-02T14:05"]);
    assert_eq!(mark.code, 0, "{}", mark.stdout);
    let refused = muster(&db, &["session", "delete", &last]);
    assert_eq!((refused.code, refused.json()["error"]["code"].as_str()), (3, Some("needs_confirmation")), "{}", refused.stdout);
    assert_eq!(muster(&db, &["session", "list", "--event", &event]).json()["sessions"].as_array().unwrap().len(), 4, "nothing removed");
    let removed = muster(&db, &["session", "delete", &last, "--force"]).json();
    assert_eq!((removed["removed"].as_bool(), removed["marks"].as_u64()), (Some(true), Some(1)));
    let report = muster(&db, &["attendance", "report", "--event", &event]).json();
    assert_eq!(report["sessions"].as_array().unwrap().len(), 3);
    assert_eq!(muster(&db, &["event", "list"]).json()["events"][0]["session_count"], 3);
    assert_eq!(muster(&db, &["session", "delete", &last, "--force"]).code, 3, "already removed: not found");

    // The removal and the edits travel to a second laptop.
    let file = dir.path().join("a.sync");
    assert_eq!(muster(&db, &["sync", "export", "--out", file.to_str().unwrap()]).code, 0);
    let other = dir.path().join("b.db");
    let imported = muster(&other, &["sync", "import", file.to_str().unwrap()]);
    assert_eq!(imported.code, 0, "{}", imported.stdout);
    let there = muster(&other, &["session", "list", "--event", &event]).json();
    let titles: Vec<_> = there["sessions"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(titles.len(), 3, "{there}");
    assert_eq!(titles[0], "开班仪式");

    // An event with trainees is removed only with --force; an empty one at once.
    let refused = muster(&db, &["event", "delete", &event]);
    assert_eq!((refused.code, refused.json()["error"]["code"].as_str()), (3, Some("needs_confirmation")));
    let gone = muster(&db, &["event", "delete", &event, "--force"]).json();
    assert_eq!((gone["removed"].as_bool(), gone["trainees"].as_u64()), (Some(true), Some(1)));
    assert_eq!(muster(&db, &["event", "list"]).json()["events"].as_array().unwrap().len(), 0);
    assert_eq!(muster(&db, &["roster", "list", "--event", &event]).code, 3, "a removed event is not found");
    let empty = muster(&db, &["event", "create", "--name", "打错了", "--starts", "2026-12-01"]).json()["id"].as_str().unwrap().to_string();
    assert_eq!(muster(&db, &["event", "delete", &empty]).code, 0);
}
