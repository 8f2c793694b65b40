//! `muster user` and `muster audit` through the real binary, and kill -9
//! during check-ins: every recorded check-in has its audit line, none has
//! one without the other.

use muster_tests::{muster, muster_bin};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn with_env(db: &Path, env: &[(&str, &str)], args: &[&str]) -> muster_tests::Run {
    let out = Command::new(muster_bin())
        .arg("--db")
        .arg(db)
        .arg("--json")
        .args(args)
        .env("XDG_DATA_HOME", db.parent().unwrap())
        .env_remove("MUSTER_PASSPHRASE")
        .env_remove("MUSTER_PIN")
        .envs(env.iter().copied())
        .output()
        .expect("muster runs");
    muster_tests::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

struct Venue {
    _dir: tempfile::TempDir,
    db: PathBuf,
    event: String,
    session: String,
}

fn venue(roster_rows: usize) -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = muster(&db, &["event", "create", "--name", "县电商培训", "--starts", "2026-12-01", "--days", "1"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let session = muster(&db, &["session", "add", "--event", &event, "--title", "Day 1", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T17:00"])
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let roster = dir.path().join("roster.csv");
    let mut text = String::from("姓名,手机\n王素梅,13812345678\n李建国,13900001111\n");
    for i in 0..roster_rows {
        text.push_str(&format!("学员{i},137{i:08}\n"));
    }
    std::fs::write(&roster, text).unwrap();
    assert_eq!(muster(&db, &["roster", "import", "--event", &event, roster.to_str().unwrap()]).code, 0);
    Venue { _dir: dir, db, event, session }
}

fn ids(v: &Venue) -> Vec<(String, String)> {
    muster(&v.db, &["roster", "list", "--event", &v.event]).json()["trainees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_string(), t["name"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn users_are_added_with_a_pin_from_the_environment() {
    let v = venue(0);
    let r = with_env(&v.db, &[("MUSTER_PIN", "2580")], &["user", "add", "--name", "Ana", "--role", "admin"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((r.json()["name"].as_str(), r.json()["role"].as_str()), (Some("Ana"), Some("admin")));
    assert!(r.json().get("pin_hash").is_none());
    let no_pin = with_env(&v.db, &[], &["user", "add", "--name", "Kim", "--role", "keyer"]);
    assert_eq!((no_pin.code, no_pin.json()["error"]["field"].as_str()), (3, Some("pin")));
    let bad_role = with_env(&v.db, &[("MUSTER_PIN", "2580")], &["user", "add", "--name", "Kim", "--role", "boss"]);
    assert_eq!((bad_role.code, bad_role.json()["error"]["field"].as_str()), (3, Some("role")));
    assert_eq!(with_env(&v.db, &[("MUSTER_PIN", "1357")], &["user", "add", "--name", "Kim", "--role", "keyer"]).code, 0);
    let list = muster(&v.db, &["user", "list"]).json();
    let names: Vec<&str> = list["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ana", "Kim"]);
    assert_eq!(muster(&v.db, &["user", "role", "Kim", "--role", "coordinator"]).json()["role"], "coordinator");
    assert_eq!(muster(&v.db, &["user", "idle-lock", "3"]).json()["idle_lock_minutes"], 3);
    // The last admin stays an admin.
    let r = muster(&v.db, &["user", "disable", "Ana"]);
    assert_eq!((r.code, r.json()["error"]["code"].as_str()), (3, Some("conflict")));
    assert_eq!(muster(&v.db, &["user", "disable", "Kim"]).code, 0);
    // The audit log has the user changes, never a PIN.
    let log = muster(&v.db, &["audit", "--action", "user_add"]).json();
    assert_eq!(log["count"], 2);
    assert!(!log.to_string().contains("2580") && !log.to_string().contains("argon2"));
}

#[test]
fn audit_prints_who_did_what_with_before_and_after() {
    let v = venue(0);
    let people = ids(&v);
    let (wang, li) = (&people.iter().find(|p| p.1 == "王素梅").unwrap().0, &people.iter().find(|p| p.1 == "李建国").unwrap().0);
    assert_eq!(muster(&v.db, &["trainee", "edit", wang, "--organization", "农民合作社"]).code, 0);
    assert_eq!(muster(&v.db, &["checkin", "--event", &v.event, "--session", &v.session, "--trainee", li, "--at", "2026-12-01T09:02"]).code, 0);
    let dir = v.db.parent().unwrap();
    let xlsx = dir.join("a.xlsx");
    assert_eq!(muster(&v.db, &["attendance", "report", "--event", &v.event, "--xlsx", xlsx.to_str().unwrap()]).code, 0);
    // Printouts with names on them are lines too.
    let badges = dir.join("badges.pdf");
    assert_eq!(muster(&v.db, &["badges", "--event", &v.event, "--out", badges.to_str().unwrap()]).code, 0);
    let sheet = dir.join("sheet.pdf");
    assert_eq!(muster(&v.db, &["sheet", "--event", &v.event, "--out", sheet.to_str().unwrap()]).code, 0);

    let r = muster(&v.db, &["audit", "--event", &v.event]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let entries = r.json()["entries"].as_array().unwrap().clone();
    let actions: Vec<String> = entries.iter().map(|e| format!("{} {}", e["action"].as_str().unwrap(), e["entity"].as_str().unwrap_or("-"))).collect();
    assert_eq!(actions, ["create event", "create session", "import trainee", "edit trainee", "check_in attendance", "export -", "print -", "print -"]);
    for e in &entries {
        assert_eq!(e["user"], "cli");
        assert_eq!(e["role"], "admin");
        assert!(e["device_id"].as_str().is_some_and(|d| d.len() == 36));
        assert!(e["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
    let edit = &entries[3];
    assert_eq!((edit["before"]["organization"].clone(), edit["after"]["organization"].clone()), (Value::Null, Value::from("农民合作社")));
    assert_eq!(entries[5]["after"]["kind"], "attendance_xlsx");
    let printed: Vec<(String, u64)> = entries[6..].iter().map(|e| (e["after"]["kind"].as_str().unwrap().to_string(), e["after"]["items"].as_u64().unwrap())).collect();
    let trainees = people.len() as u64;
    assert_eq!(printed, [("badges".to_string(), trainees), ("signature_sheet".to_string(), trainees)]);
    assert_eq!(entries[6]["after"]["file"], badges.display().to_string());

    // Without --json: one readable line each, before → after.
    let text = Command::new(muster_bin()).arg("--db").arg(&v.db).args(["audit", "--event", &v.event]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("cli (admin)  edit trainee  organization: ∅ → 农民合作社"), "{text}");

    // Exported as CSV (a plain store: a plain file), with a BOM for Excel.
    let csv = dir.join("audit.csv");
    let r = muster(&v.db, &["audit", "--event", &v.event, "--csv", csv.to_str().unwrap()]);
    assert_eq!((r.code, r.json()["encrypted"].as_bool()), (0, Some(false)));
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFat,user,role,device_id"));
    assert_eq!(String::from_utf8_lossy(&bytes).lines().count(), 9, "header + 8 lines");

    let r = muster(&v.db, &["audit", "--event", "no-such-event"]);
    assert_eq!((r.code, r.json()["error"]["code"].as_str()), (3, Some("not_found")));
}

#[test]
fn an_encrypted_stores_audit_export_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let pw = [("MUSTER_PASSPHRASE", "county hall 7")];
    let event = with_env(&db, &pw, &["event", "create", "--name", "县电商培训", "--starts", "2026-12-01", "--days", "1"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, "姓名,手机\n王素梅,13812345678\n").unwrap();
    assert_eq!(with_env(&db, &pw, &["roster", "import", "--event", &event, roster.to_str().unwrap()]).code, 0);
    let wang = with_env(&db, &pw, &["roster", "list", "--event", &event]).json()["trainees"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(with_env(&db, &pw, &["trainee", "edit", &wang, "--organization", "秘密合作社"]).code, 0);
    let csv = dir.path().join("audit.csv");
    let r = with_env(&db, &pw, &["audit", "--event", &event, "--csv", csv.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sealed = PathBuf::from(r.json()["csv"].as_str().unwrap());
    assert_eq!(sealed, dir.path().join("audit.csv.zip"));
    assert!(r.json()["encrypted"].as_bool().unwrap());
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(!bytes.windows("秘密合作社".len()).any(|w| w == "秘密合作社".as_bytes()));
    assert!(!csv.exists());
}

/// Kill -9 at random moments while check-ins are written: the store stays
/// sound, and check-ins and their audit lines are all-or-nothing together.
#[test]
fn kill_9_during_check_ins_keeps_each_with_its_audit_line() {
    let v = venue(40);
    let people = ids(&v);
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut killed = 0;
    for (i, (id, _)) in people.iter().enumerate().take(40) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(muster_bin())
            .arg("--db")
            .arg(&v.db)
            .args(["--json", "checkin", "--event", &v.event, "--session", &v.session, "--trainee", id, "--at", "2026-12-01T09:10"])
            .env("XDG_DATA_HOME", v.db.parent().unwrap())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the life of the process (opening, writing, exiting).
        std::thread::sleep(Duration::from_micros(rng % 40_000));
        if i % 4 != 3 && child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        let _ = child.wait();
    }
    let check = muster(&v.db, &["check"]);
    assert_eq!((check.code, check.json()["ok"].as_bool()), (0, Some(true)), "{}", check.stdout);
    let report = muster(&v.db, &["attendance", "report", "--event", &v.event]).json();
    let arrived = report["sessions"][0]["arrived"].as_u64().unwrap();
    let audited = muster(&v.db, &["audit", "--event", &v.event, "--action", "check_in"]).json()["count"].as_u64().unwrap();
    eprintln!("kill -9 during check-ins: {killed} killed, {arrived} recorded");
    assert_eq!(arrived, audited, "every recorded check-in has its audit line and no other");
    assert!(arrived >= 10, "the unkilled quarter at least");
}
