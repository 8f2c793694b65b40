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
