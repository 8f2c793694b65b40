//! `muster search|checkin|checkout|walkin|attendance` — the check-in
//! contract, and two processes checking in at once.

use muster_tests::{muster, muster_bin};
use serde_json::Value;
use std::process::Command;

struct Venue {
    dir: tempfile::TempDir,
    event: String,
    session: String,
}

impl Venue {
    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("m.db")
    }
}

fn venue() -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = muster(&db, &["event", "create", "--name", "县电商培训", "--starts", "2026-12-01", "--days", "2"]).json()["id"].as_str().unwrap().to_string();
    let session = muster(&db, &["session", "add", "--event", &event, "--title", "Day 1 WeChat Digital Operation", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T17:00"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, "姓名,手机号码\n王素梅,13812345678\n李建国,13900001111\nSok Dara,13700000011\n").unwrap();
    assert_eq!(muster(&db, &["roster", "import", "--event", &event, roster.to_str().unwrap()]).json()["imported"], 3);
    Venue { dir, event, session }
}

fn first(v: &Value) -> &Value {
    &v["results"][0]
}

#[test]
fn search_then_check_in_by_code_is_idempotent() {
    let v = venue();
    let db = v.db();
    let hit = muster(&db, &["search", "--event", &v.event, "wsm"]).json();
    assert_eq!(first(&hit)["name"], "王素梅");
    assert_eq!(first(&hit)["phone"], "13812345678");
    let code = first(&hit)["code"].as_str().unwrap().to_string();
    assert_eq!(first(&muster(&db, &["search", "--event", &v.event, "5678"]).json())["name"], "王素梅");
    assert_eq!(first(&muster(&db, &["search", "--event", &v.event, "dara"]).json())["name"], "Sok Dara");

    let args = ["checkin", "--event", &v.event, "--session", &v.session, "--code", &code, "--at", "2026-12-01T08:45"];
    let r = muster(&db, &args);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["status"], "checked_in");
    assert_eq!(j["trainee"]["name"], "王素梅");
    assert_eq!(j["at"], "2026-12-01T08:45:00");
    let again = muster(&db, &args).json();
    assert_eq!(again["status"], "already_checked_in");
    assert_eq!(again["at"], "2026-12-01T08:45:00");
    assert!(again["device_id"].is_string());

    let out = muster(&db, &["checkout", "--event", &v.event, "--session", &v.session, "--code", &code.to_lowercase(), "--at", "2026-12-01T16:00"]).json();
    assert_eq!(out["status"], "checked_out");

    let report = muster(&db, &["attendance", "report", "--event", &v.event]).json();
    let s = &report["sessions"][0];
    assert_eq!((s["present"].as_u64(), s["late"].as_u64(), s["absent"].as_u64(), s["left_early"].as_u64()), (Some(0), Some(0), Some(2), Some(1)), "{report}");
    assert_eq!(s["title"], "Day 1 WeChat Digital Operation");
    let wang = report["trainees"].as_array().unwrap().iter().find(|t| t["name"] == "王素梅").unwrap();
    assert_eq!(wang["hours"], 7.0);
    assert_eq!(wang["sessions"][&v.session]["status"], "left_early");
}

#[test]
fn bad_codes_and_closed_sessions_exit_3_and_record_nothing() {
    let v = venue();
    let db = v.db();
    for code in ["7K", "@@@@@@", "王素梅"] {
        let r = muster(&db, &["checkin", "--event", &v.event, "--session", &v.session, "--code", code, "--at", "2026-12-01T09:00"]);
        assert_eq!(r.code, 3, "{code}: {}", r.stdout);
        assert_eq!(r.json()["error"]["field"], "code");
    }
    let id = muster(&db, &["search", "--event", &v.event, "李建国"]).json()["results"][0]["id"].as_str().unwrap().to_string();
    let late_night = ["checkin", "--event", &v.event, "--session", &v.session, "--trainee", &id, "--at", "2026-12-01T22:00"];
    let r = muster(&db, &late_night);
    assert_eq!(r.code, 3);
    assert_eq!(r.json()["error"]["code"], "needs_confirmation");
    assert_eq!(muster(&db, &["attendance", "report", "--event", &v.event]).json()["sessions"][0]["absent"], 3);
    let mut forced = late_night.to_vec();
    forced.push("--force");
    assert_eq!(muster(&db, &forced).json()["status"], "checked_in");
    let neither = muster(&db, &["checkin", "--event", &v.event, "--session", &v.session]);
    assert_eq!(neither.code, 2, "--trainee or --code is required");
}

#[test]
fn walkin_then_duplicates_then_merge() {
    let v = venue();
    let db = v.db();
    let w = muster(&db, &["walkin", "--event", &v.event, "--name", "王素梅", "--phone", "+86 138-1234-5678"]).json();
    assert_eq!(w["walk_in"], true);
    assert!(w["id"].is_string());
    assert_eq!(w["possible_duplicates"][0]["name"], "王素梅");
    let groups = muster(&db, &["trainee", "duplicates", "--event", &v.event]).json();
    assert_eq!(groups["groups"][0]["by"], "phone");
    let keep = w["possible_duplicates"][0]["id"].as_str().unwrap();
    let merged = muster(&db, &["trainee", "merge", keep, w["id"].as_str().unwrap()]);
    assert_eq!(merged.code, 0, "{}", merged.stdout);
    assert_eq!(muster(&db, &["roster", "list", "--event", &v.event]).json()["trainees"].as_array().unwrap().len(), 3);
}

#[test]
fn report_exports_xlsx_and_csv() {
    let v = venue();
    let db = v.db();
    let xlsx = v.dir.path().join("attendance.xlsx");
    let csv = v.dir.path().join("attendance.csv");
    let r = muster(&db, &["attendance", "report", "--event", &v.event, "--xlsx", xlsx.to_str().unwrap(), "--csv", csv.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK\x03\x04"));
    let text = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
    assert!(text.starts_with('\u{feff}') && text.contains("王素梅") && text.contains("absent"), "{text}");
}

/// Two laptops' worth of processes checking the same trainees in at once:
/// every trainee ends up checked in exactly once.
#[test]
fn two_processes_checking_in_at_once_record_each_trainee_once() {
    let v = venue();
    let db = v.db();
    let ids: Vec<String> = muster(&db, &["roster", "list", "--event", &v.event]).json()["trainees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let spawn = |id: &str| {
        Command::new(muster_bin())
            .args(["--db", db.to_str().unwrap(), "--json", "checkin", "--event", &v.event, "--session", &v.session, "--trainee", id, "--at", "2026-12-01T08:50"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut children = Vec::new();
    for id in &ids {
        for _ in 0..3 {
            children.push(spawn(id));
        }
    }
    let mut statuses = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        statuses.push(j["status"].as_str().unwrap().to_string());
    }
    assert_eq!(statuses.iter().filter(|s| *s == "checked_in").count(), ids.len(), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| *s == "already_checked_in").count(), ids.len() * 2);
    assert_eq!(muster(&db, &["attendance", "report", "--event", &v.event]).json()["sessions"][0]["arrived"], ids.len());
    let check = muster(&db, &["check"]);
    assert_eq!(check.json()["ok"], true);
}

#[test]
fn bench_search_reports_percentiles() {
    let v = venue();
    let r = muster(&v.db(), &["bench", "search", "--event", &v.event, "--queries", "200"]).json();
    assert_eq!(r["trainees"], 3);
    assert_eq!(r["queries"], 200);
    assert_eq!(r["found"], 200, "every query drawn from the roster finds someone: {r}");
    assert!(r["p99_us"].as_u64().unwrap() >= r["p50_us"].as_u64().unwrap());
}

/// `muster search` says whom Enter may check in at once (`sure`, and
/// `exact` per hit); `muster checkin undo` takes back a mistaken scan with a
/// reason: exit 3 without one or with nothing to undo; the next scan counts.
#[test]
fn search_says_sure_and_checkin_undo_takes_a_scan_back() {
    let v = venue();
    let db = v.db();
    let wsm = muster(&db, &["search", "--event", &v.event, "wsm"]).json();
    assert_eq!((first(&wsm)["exact"].as_bool(), wsm["sure"].as_str()), (Some(true), first(&wsm)["id"].as_str()));
    let part = muster(&db, &["search", "--event", &v.event, "wang"]).json();
    assert!(part["sure"].is_null(), "a start of a name is not sure: {part}");
    assert_eq!(first(&part)["exact"], false);
    let code = first(&wsm)["code"].as_str().unwrap().to_string();
    let mark = ["checkin", "--event", &v.event, "--session", &v.session, "--code", &code, "--at", "2026-12-01T08:45"];
    assert_eq!(muster(&db, &mark).json()["status"], "checked_in");

    let undo = |reason: &str| muster(&db, &["checkin", "undo", "--event", &v.event, "--session", &v.session, "--code", &code, "--reason", reason]);
    let blank = undo(" ");
    assert_eq!(blank.code, 3, "{}", blank.stdout);
    assert_eq!(blank.json()["error"]["field"], "reason");
    let r = undo("scanned the wrong badge");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let j = r.json();
    assert_eq!((j["undone"].as_bool(), j["checked_in_at"].as_str(), j["trainee"]["name"].as_str()), (Some(true), Some("2026-12-01T08:45:00"), Some("王素梅")));
    let report = muster(&db, &["attendance", "report", "--event", &v.event]).json();
    assert_eq!((report["sessions"][0]["arrived"].as_u64(), report["sessions"][0]["absent"].as_u64()), (Some(0), Some(3)));
    let twice = undo("again");
    assert_eq!((twice.code, twice.json()["error"]["code"].as_str()), (3, Some("conflict")), "nothing left to undo");
    let again = muster(&db, &["checkin", "--event", &v.event, "--session", &v.session, "--code", &code, "--at", "2026-12-01T09:02"]).json();
    assert_eq!((again["status"].as_str(), again["at"].as_str()), (Some("checked_in"), Some("2026-12-01T09:02:00")));
    // `checkin` without its flags is still a usage error.
    assert_eq!(muster(&db, &["checkin", "--event", &v.event]).code, 2);
}
