//! The day as it really goes: closing a session, and the paper sheet's
//! round trip when the power or a laptop fails (its rows carry each
//! trainee's code as a QR; the signed rows are scanned back with source
//! `paper`, recorded at the session's start).

use muster_tests::muster;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

struct Day {
    dir: tempfile::TempDir,
    event: String,
    session: String,
}

impl Day {
    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("m.db")
    }
}

/// One 09:00–12:00 session, `n` trainees.
fn day(n: usize) -> Day {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = muster(&db, &["event", "create", "--name", "灵寿县电商培训", "--venue", "灵寿县", "--starts", "2026-11-20", "--days", "1"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let session = muster(&db, &["session", "add", "--event", &event, "--title", "上午", "--starts", "2026-11-20T09:00", "--ends", "2026-11-20T12:00"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    const NAMES: &[&str] = &["王素梅", "李建国", "张丽华", "刘洋", "赵敏", "陈静", "杨帆", "黄磊", "周婷", "吴强", "徐敏", "孙浩"];
    let mut csv = String::from("姓名,手机号码\n");
    for (i, name) in NAMES.iter().cycle().take(n).enumerate() {
        csv.push_str(&format!("{name}{},139{:08}\n", if i >= NAMES.len() { (i / NAMES.len()).to_string() } else { String::new() }, i));
    }
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, csv).unwrap();
    assert_eq!(muster(&db, &["roster", "import", "--event", &event, roster.to_str().unwrap()]).json()["imported"], n);
    Day { dir, event, session }
}

fn trainees(d: &Day) -> Vec<Value> {
    muster(&d.db(), &["roster", "list", "--event", &d.event]).json()["trainees"].as_array().unwrap().clone()
}

fn mark(d: &Day, what: &str, trainee: &Value, at: &str) {
    let r = muster(&d.db(), &[what, "--event", &d.event, "--session", &d.session, "--trainee", trainee["id"].as_str().unwrap(), "--at", at]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

fn session_report(d: &Day) -> (Value, Value) {
    let r = muster(&d.db(), &["attendance", "report", "--event", &d.event]).json();
    (r["sessions"][0].clone(), r)
}

#[test]
fn closing_a_session_signs_out_who_is_in_marks_absent_who_never_came_and_only_once() {
    let d = day(4);
    let t = trainees(&d);
    mark(&d, "checkin", &t[0], "2026-11-20T08:55");
    mark(&d, "checkin", &t[1], "2026-11-20T09:02");
    mark(&d, "checkout", &t[1], "2026-11-20T11:00");
    let closed = muster(&d.db(), &["session", "close", "--event", &d.event, "--session", &d.session]);
    assert_eq!(closed.code, 0, "{}{}", closed.stdout, closed.stderr);
    let c = closed.json();
    assert_eq!((c["signed_out"].as_u64(), c["absent"].as_u64()), (Some(1), Some(2)), "{c}");
    assert_eq!(c["session_id"], d.session.as_str());
    // Again: nothing new.
    let again = muster(&d.db(), &["session", "close", "--event", &d.event, "--session", &d.session]).json();
    assert_eq!((again["signed_out"].as_u64(), again["absent"].as_u64()), (Some(0), Some(0)), "{again}");
    let (s, report) = session_report(&d);
    assert_eq!((s["arrived"].as_u64(), s["absent"].as_u64(), s["left_early"].as_u64()), (Some(2), Some(2), Some(1)), "{report}");
    let first = report["trainees"].as_array().unwrap().iter().find(|x| x["id"] == t[0]["id"]).unwrap();
    assert!(first["sessions"][&d.session]["checked_out"].as_str().unwrap().starts_with("2026-11-20T12:00"), "signed out at the session's end: {first}");
    assert_eq!(first["sessions"][&d.session]["hours"], 3.0, "{first}");
    // Someone marked absent who really comes late still counts.
    let r = muster(&d.db(), &["checkin", "--event", &d.event, "--session", &d.session, "--trainee", t[3]["id"].as_str().unwrap(), "--at", "2026-11-20T11:30"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(session_report(&d).0["absent"], 1);
    // An unknown session: exit 3, nothing written.
    let bad = muster(&d.db(), &["session", "close", "--event", &d.event, "--session", "0190a000-0000-7000-8000-000000000000"]);
    assert_ne!(bad.code, 0);
}

/// The QR codes zbarimg reads off every page of a PDF.
fn qr_codes(pdf: &Path, dir: &Path) -> Vec<String> {
    let prefix = dir.join("sheet");
    let st = Command::new("pdftoppm").args(["-r", "400", "-gray", "-png"]).arg(pdf).arg(&prefix).status().expect("pdftoppm (poppler-utils) runs");
    assert!(st.success());
    let mut codes = Vec::new();
    for png in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("sheet") && p.extension().is_some_and(|x| x == "png")) {
        let out = Command::new("zbarimg").args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"]).arg(&png).output().expect("zbarimg (zbar-tools) runs");
        codes.extend(String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).filter(|l| !l.is_empty()));
    }
    codes.sort();
    codes
}

#[test]
fn the_paper_sheet_round_trip_scans_every_row_back_at_the_sessions_start() {
    let d = day(30);
    let pdf = d.dir.path().join("sheet.pdf");
    let r = muster(&d.db(), &["sheet", "--event", &d.event, "--out", pdf.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["pages"], 2);
    let t = trainees(&d);
    let mut codes: Vec<String> = t.iter().map(|x| x["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    assert_eq!(qr_codes(&pdf, d.dir.path()), codes, "every row's QR reads back as its trainee's code");

    // The 28 signed rows keyed back as a scanner types them.
    let start = std::time::Instant::now();
    for code in &codes[..28] {
        let r = muster(&d.db(), &["checkin", "--event", &d.event, "--session", &d.session, "--code", code, "--source", "paper"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let j = r.json();
        assert_eq!((j["status"].as_str(), j["at"].as_str()), (Some("checked_in"), Some("2026-11-20T09:00:00")), "{j}");
    }
    println!("28 paper rows keyed back through the CLI in {:?}", start.elapsed());
    // Again (a row scanned twice): already in, nothing new.
    let twice = muster(&d.db(), &["checkin", "--event", &d.event, "--session", &d.session, "--code", &codes[0], "--source", "paper"]).json();
    assert_eq!(twice["status"], "already_checked_in");
    let (s, _) = session_report(&d);
    assert_eq!((s["arrived"].as_u64(), s["present"].as_u64()), (Some(28), Some(28)), "{s}");
    // A junk source is refused, naming the field; nothing written.
    let bad = muster(&d.db(), &["checkin", "--event", &d.event, "--session", &d.session, "--code", &codes[29], "--source", "fax"]);
    assert_eq!(bad.code, 3, "{}", bad.stdout);
    assert_eq!(bad.json()["error"]["field"], "source");
    assert_eq!(session_report(&d).0["arrived"], 28);
    // The audit log says where the marks came from.
    let audit = muster(&d.db(), &["audit", "--action", "check_in", "--limit", "5"]);
    assert!(audit.stdout.contains("paper"), "{}", audit.stdout);
}

#[test]
fn excused_is_neither_arrived_nor_absent_and_counts_for_a_certificate_only_by_the_events_rule() {
    let d = day(3);
    let t = trainees(&d);
    mark(&d, "checkin", &t[0], "2026-11-20T08:55");
    // Arranged leave, recorded before the session.
    let r = muster(&d.db(), &["attendance", "correct", "--event", &d.event, "--session", &d.session, "--trainee", t[1]["id"].as_str().unwrap(), "--status", "excused", "--reason", "家中有事，提前请假"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let (s, report) = session_report(&d);
    assert_eq!((s["arrived"].as_u64(), s["excused"].as_u64(), s["absent"].as_u64()), (Some(1), Some(1), Some(1)), "{s}");
    let excused = report["trainees"].as_array().unwrap().iter().find(|x| x["id"] == t[1]["id"]).unwrap();
    assert_eq!(excused["sessions"][&d.session]["status"], "excused");
    assert_eq!((excused["hours"].as_f64(), excused["excused_hours"].as_f64()), (Some(0.0), Some(3.0)), "{excused}");
    // Closing the session leaves the excused alone.
    assert_eq!(muster(&d.db(), &["session", "close", "--event", &d.event, "--session", &d.session]).json()["absent"], 1);
    let eligible = |d: &Day| -> Vec<String> {
        muster(&d.db(), &["certificates", "eligibility", "--event", &d.event]).json()["trainees"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["eligible"] == true)
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Default: excused hours do not count.
    assert_eq!(eligible(&d), vec![t[0]["name"].as_str().unwrap().to_string()]);
    let r = muster(&d.db(), &["certificates", "configure", "--event", &d.event, "--excused-counts", "true"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["excused_counts"], true);
    let mut names = eligible(&d);
    names.sort();
    let mut want = vec![t[0]["name"].as_str().unwrap().to_string(), t[1]["name"].as_str().unwrap().to_string()];
    want.sort();
    assert_eq!(names, want);
    let why = muster(&d.db(), &["certificates", "eligibility", "--event", &d.event]).json();
    let line = why["trainees"].as_array().unwrap().iter().find(|x| x["trainee_id"] == t[1]["id"]).unwrap().clone();
    assert!(line["reason"].as_str().unwrap().contains("excused"), "{line}");
    // A status nobody knows: exit 3, naming the field.
    let bad = muster(&d.db(), &["attendance", "correct", "--event", &d.event, "--session", &d.session, "--trainee", t[2]["id"].as_str().unwrap(), "--status", "holiday", "--reason", "x"]);
    assert_eq!((bad.code, bad.json()["error"]["field"].clone()), (3, Value::from("status")), "{}", bad.stdout);
}

#[test]
fn a_note_from_the_roster_or_the_desk_comes_back_at_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = muster(&db, &["event", "create", "--name", "培训", "--venue", "礼堂", "--starts", "2026-11-20", "--days", "1"]).json()["id"].as_str().unwrap().to_string();
    let session = muster(&db, &["session", "add", "--event", &event, "--title", "上午", "--starts", "2026-11-20T09:00", "--ends", "2026-11-20T12:00"]).json()["id"].as_str().unwrap().to_string();
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, "姓名,手机号码,备注\n王素梅,13812345678,需要轮椅通道\n李建国,13900001111,\n").unwrap();
    assert_eq!(muster(&db, &["roster", "import", "--event", &event, roster.to_str().unwrap()]).json()["imported"], 2);
    let list = muster(&db, &["roster", "list", "--event", &event]).json();
    let by = |name: &str| list["trainees"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap().clone();
    let (wang, li) = (by("王素梅"), by("李建国"));
    let scan = |t: &Value| muster(&db, &["checkin", "--event", &event, "--session", &session, "--code", t["code"].as_str().unwrap(), "--at", "2026-11-20T08:58"]).json();
    assert_eq!(scan(&wang)["note"], "需要轮椅通道");
    assert_eq!(scan(&li)["note"], Value::Null);
    // Set at the desk, changed, cleared.
    let li_id = li["id"].as_str().unwrap();
    let r = muster(&db, &["trainee", "edit", li_id, "--note", "证书到服务台领取"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(scan(&li)["note"], "证书到服务台领取");
    let r = muster(&db, &["trainee", "edit", wang["id"].as_str().unwrap(), "--note", ""]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(scan(&wang)["note"], Value::Null);
    let long = "很".repeat(501);
    let r = muster(&db, &["trainee", "edit", li_id, "--note", &long]);
    assert_eq!((r.code, r.json()["error"]["field"].clone()), (3, Value::from("note")), "{}", r.stdout);
}

#[test]
fn the_second_entry_of_a_paper_comes_from_another_keyer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = muster(&db, &["event", "create", "--name", "培训", "--venue", "礼堂", "--starts", "2026-11-20", "--days", "1"]).json()["id"].as_str().unwrap().to_string();
    let sample = muster_tests::workspace().join("crates/muster-core/tests/data/xlsform/yes_or_no_question.xlsx");
    let f = muster(&db, &["form", "import", "--event", &event, sample.to_str().unwrap()]);
    assert_eq!(f.code, 0, "{}{}", f.stdout, f.stderr);
    let form = f.json()["id"].as_str().unwrap().to_string();
    let first = dir.path().join("first.csv");
    std::fs::write(&first, "paper_id,good_day\nA01,yes\nA02,no\n").unwrap();
    let r = muster(&db, &["responses", "import", "--form", &form, first.to_str().unwrap(), "--keyer", "李娜"]).json();
    assert_eq!(r["imported"], 2, "{r}");
    let second = dir.path().join("second.csv");
    std::fs::write(&second, "paper_id,good_day\nA01,yes\nA02,yes\n").unwrap();
    // The same person again: every row refused, naming the keyer.
    let same = muster(&db, &["responses", "import", "--form", &form, second.to_str().unwrap(), "--entry", "second", "--keyer", "李娜"]).json();
    assert_eq!((same["imported"].as_u64(), same["rejected"].as_u64()), (Some(0), Some(2)), "{same}");
    assert_eq!(same["errors"][0]["field"], "keyer");
    assert!(same["errors"][0]["message"].as_str().unwrap().contains("李娜"), "{same}");
    // Someone else: taken, and the difference is there to resolve.
    let other = muster(&db, &["responses", "import", "--form", &form, second.to_str().unwrap(), "--entry", "second", "--keyer", "王强"]).json();
    assert_eq!(other["imported"], 2, "{other}");
    assert_eq!(muster(&db, &["responses", "diff", "--form", &form]).json()["differences"].as_array().unwrap().len(), 1);
    let stats = muster(&db, &["responses", "stats", "--form", &form]).json();
    let keyers: Vec<&str> = stats["keyers"].as_array().unwrap().iter().map(|k| k["keyer"].as_str().unwrap()).collect();
    assert!(keyers.contains(&"李娜") && keyers.contains(&"王强"), "{stats}");
}

#[test]
fn a_walk_in_registered_after_a_session_is_not_registered_yet_for_it_not_absent() {
    let d = day(2);
    // Today, long after the 2026-11-20 session: a walk-in at the door.
    let w = muster(&d.db(), &["walkin", "--event", &d.event, "--name", "马晓东", "--phone", "13600000001"]);
    assert_eq!(w.code, 0, "{}{}", w.stdout, w.stderr);
    let walk_in = w.json()["id"].as_str().unwrap().to_string();
    let (s, report) = session_report(&d);
    assert_eq!((s["expected"].as_u64(), s["absent"].as_u64(), s["not_registered"].as_u64()), (Some(2), Some(2), Some(1)), "{s}");
    let line = report["trainees"].as_array().unwrap().iter().find(|t| t["id"] == walk_in).unwrap().clone();
    assert_eq!(line["sessions"][&d.session]["status"], "not_registered", "{line}");
    // Closing the session does not mark them absent either.
    let closed = muster(&d.db(), &["session", "close", "--event", &d.event, "--session", &d.session]).json();
    assert_eq!(closed["absent"], 2, "{closed}");
    // If they did come (a check-in recorded for that session), it counts.
    let r = muster(&d.db(), &["checkin", "--event", &d.event, "--session", &d.session, "--trainee", &walk_in, "--at", "2026-11-20T09:30", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let (s, _) = session_report(&d);
    assert_eq!((s["expected"].as_u64(), s["arrived"].as_u64(), s["not_registered"].as_u64()), (Some(3), Some(1), Some(0)), "{s}");
}

#[test]
fn eligibility_says_what_a_trainee_still_needs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    // Far ahead: every session is still to come.
    let event = muster(&db, &["event", "create", "--name", "培训", "--venue", "礼堂", "--starts", "2099-01-10", "--days", "1"]).json()["id"].as_str().unwrap().to_string();
    for (title, from, to) in [("上午", "09:00", "12:00"), ("下午", "13:30", "16:30"), ("晚上", "18:00", "20:00")] {
        let r = muster(&db, &["session", "add", "--event", &event, "--title", title, "--starts", &format!("2099-01-10T{from}"), "--ends", &format!("2099-01-10T{to}")]);
        assert_eq!(r.code, 0, "{}", r.stdout);
    }
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, "姓名,手机号码\n王素梅,13812345678\n").unwrap();
    muster(&db, &["roster", "import", "--event", &event, roster.to_str().unwrap()]);
    let el = muster(&db, &["certificates", "eligibility", "--event", &event]).json();
    let n = &el["trainees"][0]["needs"];
    // 8 h scheduled, 80% = 6.4 h: both three-hour sessions and the evening.
    assert_eq!((n["hours"].as_f64(), n["sessions"].as_u64(), n["remaining"].as_u64(), n["reachable"].as_bool()), (Some(6.4), Some(3), Some(3), Some(true)), "{el}");
    // At 50%: the two three-hour sessions are enough.
    let el = muster(&db, &["certificates", "eligibility", "--event", &event, "--min-attendance", "0.5"]).json();
    assert_eq!(el["trainees"][0]["needs"]["sessions"], 2, "{el}");
    // A day already past: out of reach, said so.
    let d = day(1);
    let el = muster(&d.db(), &["certificates", "eligibility", "--event", &d.event]).json();
    assert_eq!(el["trainees"][0]["needs"]["reachable"], false, "{el}");
}

#[test]
fn someone_registered_late_is_measured_against_the_sessions_after_registering_where_the_event_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    // A session long past and one to come; a walk-in registers today, between them.
    let event = muster(&db, &["event", "create", "--name", "培训", "--venue", "礼堂", "--starts", "2026-11-20", "--days", "300"]).json()["id"].as_str().unwrap().to_string();
    for (from, to) in [("2026-11-20T09:00", "2026-11-20T12:00"), ("2027-09-10T09:00", "2027-09-10T12:00")] {
        assert_eq!(muster(&db, &["session", "add", "--event", &event, "--title", "课", "--starts", from, "--ends", to]).code, 0);
    }
    let w = muster(&db, &["walkin", "--event", &event, "--name", "马晓东", "--phone", "13600000001"]);
    let walk_in = w.json()["id"].as_str().unwrap().to_string();
    let of = |el: &Value| el["trainees"].as_array().unwrap().iter().find(|t| t["trainee_id"] == walk_in).unwrap().clone();
    // The default: all hours (6 h; 80% = 4.8 h, more than the one session left can give).
    let all = of(&muster(&db, &["certificates", "eligibility", "--event", &event]).json());
    assert_eq!(all["scheduled_hours"], 6.0, "{all}");
    assert_eq!(all["needs"]["reachable"], false, "{all}");
    // The event's rule: the sessions after they registered (3 h; the session to come is enough).
    let bad = muster(&db, &["certificates", "configure", "--event", &event, "--late-registration", "whenever"]);
    assert_eq!(bad.code, 3, "{}", bad.stdout);
    let s = muster(&db, &["certificates", "configure", "--event", &event, "--late-registration", "after-registration"]).json();
    assert_eq!(s["late_registration"], "after_registration", "{s}");
    let after = of(&muster(&db, &["certificates", "eligibility", "--event", &event]).json());
    assert_eq!(after["scheduled_hours"], 3.0, "{after}");
    assert_eq!((after["needs"]["sessions"].as_u64(), after["needs"]["reachable"].as_bool()), (Some(1), Some(true)), "{after}");
    assert!(after["reason"].as_str().unwrap().contains("registered late"), "{after}");
}

#[test]
fn a_phnom_penh_certificate_reads_khmer_and_english_and_an_override_is_worded_as_the_organisers_decision() {
    let d = day(1);
    let t = trainees(&d)[0]["id"].as_str().unwrap().to_string();
    let seal = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/certificate/logo-county.png");
    let bad = muster(&d.db(), &["certificates", "configure", "--event", &d.event, "--languages", "fr+en"]);
    assert_eq!(bad.code, 3, "{}", bad.stdout);
    let s = muster(&d.db(), &["certificates", "configure", "--event", &d.event, "--languages", "km+en", "--seal", seal.to_str().unwrap(), "--organiser", "Muster Training Partners"]).json();
    assert_eq!((s["languages"].as_str(), s["seal"].is_string()), (Some("km+en"), true), "{s}");
    // 1 hour of 3: admitted by the organisers' decision.
    mark(&d, "checkin", &trainees(&d)[0], "2026-11-20T09:00");
    mark(&d, "checkout", &trainees(&d)[0], "2026-11-20T10:00");
    let o = muster(&d.db(), &["certificates", "override", "--event", &d.event, "--trainee", &t, "--eligible", "true", "--reason", "病假，已补课"]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    let el = muster(&d.db(), &["certificates", "eligibility", "--event", &d.event]).json();
    assert_eq!((el["trainees"][0]["eligible"].as_bool(), el["trainees"][0]["by_rule"].as_bool()), (Some(true), Some(false)), "{el}");
    let pdf = d.dir.path().join("c.pdf");
    let r = muster(&d.db(), &["certificates", "issue", "--event", &d.event, "--out", pdf.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let out = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    let text: String = String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect();
    for s in ["វិញ្ញាបនបត្រ", "CERTIFICATEOFCOMPLETION", "for1hour", "bydecisionoftheorganisers", "MusterTrainingPartners", "20.11.2026"] {
        assert!(text.contains(s), "{s} not on the certificate: {text}");
    }
    assert!(!text.contains("成绩合格") && !text.contains("结业证书"), "{text}");
}

#[test]
fn the_portrait_questionnaire_template_downloads_and_starts_a_form() {
    let d = day(1);
    let out = d.dir.path().join("portrait.xlsx");
    let r = muster(&d.db(), &["form", "template", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["questions"], 6);
    // The file it wrote is an XLSForm this laptop reads (as an organiser edits and imports it).
    let imported = muster(&d.db(), &["form", "import", "--event", &d.event, out.to_str().unwrap()]).json();
    assert_eq!(imported["questions"], 6, "{imported}");
    // Or started from as it is, no file at all.
    let started = muster(&d.db(), &["form", "import", "--event", &d.event, "--template", "--double-entry"]).json();
    assert_eq!((started["questions"].as_u64(), started["title"].as_str()), (Some(6), Some("学员画像问卷 Trainee portrait")), "{started}");
    // Double entry switched off and on again after the import.
    let form = started["id"].as_str().unwrap();
    assert_eq!(muster(&d.db(), &["form", "double-entry", "--form", form, "off"]).json()["double_entry"], false);
    assert_eq!(muster(&d.db(), &["form", "double-entry", "--form", form, "on"]).json()["double_entry"], true);
    assert_eq!(muster(&d.db(), &["form", "double-entry", "--form", form, "maybe"]).code, 3);
    // Neither a file nor --template: a usage error.
    assert_eq!(muster(&d.db(), &["form", "import", "--event", &d.event]).code, 2);
    // Written again onto the same path: the guard knows its own workbook.
    assert_eq!(muster(&d.db(), &["form", "template", "--out", out.to_str().unwrap()]).code, 0);
}

#[test]
fn a_saved_paper_is_corrected_from_the_cli_with_a_reason() {
    let d = day(1);
    let form = muster(&d.db(), &["form", "import", "--event", &d.event, "--template"]).json()["id"].as_str().unwrap().to_string();
    let csv = d.dir.path().join("keyed.csv");
    std::fs::write(&csv, "paper_id,age_bracket,gender,occupation,valuable,opened_shop,comments\n1,31_40,female,farmer,very,yes,\n").unwrap();
    let r = muster(&d.db(), &["responses", "import", "--form", &form, csv.to_str().unwrap()]);
    assert_eq!(r.json()["imported"], 1, "{}", r.stdout);
    let fixed = muster(&d.db(), &["responses", "correct", "--form", &form, "--paper", "1", "--set", "gender=male", "--reason", "性别录错了"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert_eq!(fixed.json()["answers"]["gender"], "male", "{}", fixed.stdout);
    // Refused, nothing written: an empty reason, a value the form does not have, a paper never keyed.
    for args in [vec!["--set", "gender=female", "--reason", " "], vec!["--set", "gender=x", "--reason", "r"], vec!["--set", "gender=female", "--reason", "r", "--paper", "9"]] {
        let mut a = vec!["responses", "correct", "--form", form.as_str()];
        if !args.contains(&"--paper") {
            a.extend(["--paper", "1"]);
        }
        a.extend(args.iter().copied());
        let r = muster(&d.db(), &a);
        assert_eq!(r.code, 3, "{a:?}: {}", r.stdout);
    }
    // The portrait counts the corrected answer.
    let p = muster(&d.db(), &["responses", "report", "--form", &form]).json();
    let gender = p["questions"].as_array().unwrap().iter().find(|q| q["name"] == "gender").unwrap().clone();
    let male = gender["choices"].as_array().unwrap().iter().find(|c| c["value"] == "male").unwrap().clone();
    assert_eq!(male["count"], 1, "{gender}");
}
