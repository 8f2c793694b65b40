//! `muster badges|sheet|certificates` — printing contracts: badge slips,
//! eligibility with overrides, issuing, reprints with the same id and a log,
//! and offline verification of the signed code (tampering exits 3).

use muster_tests::muster;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Event {
    dir: tempfile::TempDir,
    id: String,
    sessions: Vec<String>,
}

impl Event {
    fn db(&self) -> PathBuf {
        self.dir.path().join("m.db")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// An event with two 4-hour sessions and four trainees.
fn event() -> Event {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let id = muster(&db, &["event", "create", "--name", "农村电商运营实务", "--venue", "光山县", "--starts", "2026-03-10", "--days", "2"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut sessions = Vec::new();
    for (day, title) in [("10", "Day 1"), ("11", "Day 2")] {
        let r = muster(&db, &["session", "add", "--event", &id, "--title", title, "--starts", &format!("2026-03-{day}T09:00"), "--ends", &format!("2026-03-{day}T13:00")]);
        sessions.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, "姓名,手机号码,英文名\n王素梅,13812345678,\n李建国,13900001111,\nAynur Məmmədova,13700000011,\n张伟,13700000022,ZHANG Wei\n").unwrap();
    assert_eq!(muster(&db, &["roster", "import", "--event", &id, roster.to_str().unwrap()]).json()["imported"], 4);
    Event { dir, id, sessions }
}

fn trainee(e: &Event, name: &str) -> Value {
    let list = muster(&e.db(), &["roster", "list", "--event", &e.id]).json();
    list["trainees"].as_array().unwrap().iter().find(|t| t["name"] == name).cloned().unwrap_or_else(|| panic!("{name} not on the roster"))
}

fn check_in(e: &Event, name: &str, session: usize, at: &str) {
    let t = trainee(e, name);
    let r = muster(&e.db(), &["checkin", "--event", &e.id, "--session", &e.sessions[session], "--trainee", t["id"].as_str().unwrap(), "--at", at, "--force"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils) is installed");
    String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn badges_print_every_trainee_with_code() {
    let e = event();
    let out = e.path("badges.pdf");
    let r = muster(&e.db(), &["badges", "--event", &e.id, "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["badges"], 4);
    assert_eq!(j["pages"], 1);
    assert_eq!(j["file"], out.to_str().unwrap());
    let text = pdftotext(&out);
    for name in ["王素梅", "WANGSumei", "AynurMəmmədova", "张伟", "ZHANGWei"] {
        assert!(text.contains(name), "{name} not on the badges");
    }
    let code = trainee(&e, "李建国")["code"].as_str().unwrap().to_string();
    assert!(text.contains(&code), "code {code} not printed");

    let sheet = e.path("sheet.pdf");
    let r = muster(&e.db(), &["sheet", "--event", &e.id, "--out", sheet.to_str().unwrap()]);
    assert_eq!(r.json()["rows"], 4, "{}", r.stdout);
    assert!(pdftotext(&sheet).contains(&code));
}

#[test]
fn eligibility_issue_verify_reprint() {
    let e = event();
    let db = e.db();
    // 王素梅 and Aynur attend both sessions; 李建国 one (50%); 张伟 none.
    for name in ["王素梅", "Aynur Məmmədova"] {
        check_in(&e, name, 0, "2026-03-10T08:55");
        check_in(&e, name, 1, "2026-03-11T08:55");
    }
    check_in(&e, "李建国", 0, "2026-03-10T08:50");

    let el = muster(&db, &["certificates", "eligibility", "--event", &e.id]).json();
    assert_eq!(el["min_attendance"], 0.8);
    assert_eq!(el["scheduled_hours"], 8.0);
    assert_eq!(el["eligible"], 2);
    let li = el["trainees"].as_array().unwrap().iter().find(|t| t["name"] == "李建国").unwrap();
    assert_eq!(li["eligible"], false);
    assert!(li["reason"].as_str().unwrap().contains("4 of 8 h (50%) < 80%"), "{}", li["reason"]);
    // A lower rule for this question only.
    assert_eq!(muster(&db, &["certificates", "eligibility", "--event", &e.id, "--min-attendance", "0.5"]).json()["eligible"], 3);

    // A recorded override: 李建国 made up the session elsewhere.
    let li_id = li["trainee_id"].as_str().unwrap().to_string();
    let o = muster(&db, &["certificates", "override", "--event", &e.id, "--trainee", &li_id, "--eligible", "true", "--reason", "attended the makeup class", "--by", "coordinator Liu"]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    let el = muster(&db, &["certificates", "eligibility", "--event", &e.id]).json();
    let li = el["trainees"].as_array().unwrap().iter().find(|t| t["name"] == "李建国").unwrap();
    assert_eq!(li["eligible"], true);
    assert_eq!(li["override"]["decided_by"], "coordinator Liu");
    assert!(li["reason"].as_str().unwrap().contains("attended the makeup class"));

    let configured = muster(&db, &["certificates", "configure", "--event", &e.id, "--title-en", "Rural E-commerce Operations", "--organiser", "光山县人社局", "--signatory", "陈立华|主任 Director"]);
    assert_eq!(configured.code, 0, "{}", configured.stdout);

    let pdf = e.path("certs.pdf");
    let r = muster(&db, &["certificates", "issue", "--event", &e.id, "--out", pdf.to_str().unwrap(), "--by", "tester"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["issued"], 3);
    assert_eq!(j["ineligible"], 1);
    assert_eq!(j["file"], pdf.to_str().unwrap());
    assert_eq!(j["not_eligible"][0]["name"], "张伟");
    let certs = j["certificates"].as_array().unwrap();
    let wang = certs.iter().find(|c| c["name"] == "王素梅").unwrap();
    for key in ["id", "trainee_id", "name", "code"] {
        assert!(wang[key].is_string(), "{key} missing");
    }
    let text = pdftotext(&pdf);
    for s in ["王素梅", "WANGSumei", "AynurMəmmədova", "李建国", "RuralE-commerceOperations", "陈立华"] {
        assert!(text.contains(s), "{s} not on the certificates");
    }
    // The short number is printed (the long code is only in the QR), and
    // the number verifies where the certificate is known.
    let number = wang["number"].as_str().expect("each certificate lists its number").to_string();
    assert_eq!(number.len(), 11, "{number}");
    assert!(text.contains(&number), "{number} is printed");
    assert!(!text.contains("--public-key") && !text.contains("muster certificates verify"), "no developer command on a certificate");
    let by_number = muster(&db, &["certificates", "verify", &number.to_lowercase()]);
    assert_eq!(by_number.code, 0, "{}", by_number.stdout);
    assert_eq!((by_number.json()["valid"].as_bool(), by_number.json()["name"].as_str()), (Some(true), Some("王素梅")));
    let unknown = muster(&e.path("nowhere.db"), &["certificates", "verify", &number]);
    assert_eq!((unknown.code, unknown.json()["valid"].as_bool()), (3, Some(false)), "not known there: {}", unknown.stdout);

    // Offline verification with this installation's key and with the key given.
    let code = wang["code"].as_str().unwrap().to_string();
    let v = muster(&db, &["certificates", "verify", &code]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    let vj = v.json();
    assert_eq!(vj["valid"], true);
    assert_eq!(vj["name"], "王素梅");
    assert_eq!(vj["event"], "农村电商运营实务");
    assert_eq!(vj["hours"], 8.0);
    assert_eq!(vj["id"], wang["id"]);
    let key = muster(&db, &["certificates", "public-key"]).json()["public_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 64);
    // Another installation that only has the public key.
    let elsewhere = e.path("other.db");
    let v = muster(&elsewhere, &["certificates", "verify", &code, "--public-key", &key]).json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["name"], "王素梅");
    // …and with its own (different) key the code is not valid.
    let v = muster(&elsewhere, &["certificates", "verify", &code]);
    assert_eq!(v.code, 3);
    assert_eq!(v.json()["valid"], false);

    // One changed character: invalid, exit 3, a reason.
    let mut tampered: Vec<char> = code.chars().collect();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let t = muster(&db, &["certificates", "verify", &tampered]);
    assert_eq!(t.code, 3);
    assert_eq!(t.json()["valid"], false);
    assert!(t.json()["reason"].as_str().unwrap().contains("signature"));
    assert_eq!(muster(&db, &["certificates", "verify", "NOT-A-CODE!"]).code, 3);

    // Issuing again keeps ids and codes; a reprint needs a reason and is logged.
    let again = muster(&db, &["certificates", "issue", "--event", &e.id, "--out", e.path("again.pdf").to_str().unwrap()]);
    assert_eq!(again.code, 3, "printing again without a reason: {}", again.stdout);
    let again = muster(&db, &["certificates", "issue", "--event", &e.id, "--out", e.path("again.pdf").to_str().unwrap(), "--reason", "printer jam"]).json();
    let wang2 = again["certificates"].as_array().unwrap().iter().find(|c| c["name"] == "王素梅").unwrap().clone();
    assert_eq!((wang2["id"].clone(), wang2["code"].clone(), wang2["new"].clone()), (wang["id"].clone(), wang["code"].clone(), Value::Bool(false)));
    let one = e.path("reprint.pdf");
    let rp = muster(&db, &["certificates", "reprint", wang["id"].as_str().unwrap(), "--reason", "lost on the bus", "--by", "coordinator Liu", "--out", one.to_str().unwrap()]);
    assert_eq!(rp.code, 0, "{}", rp.stdout);
    assert_eq!(rp.json()["certificate"]["id"], wang["id"]);
    assert!(pdftotext(&one).contains(&number), "the reprint carries the same certificate's number");
    let log = muster(&db, &["certificates", "log", "--event", &e.id]).json();
    let mine: Vec<&Value> = log["prints"].as_array().unwrap().iter().filter(|p| p["certificate_id"] == wang["id"]).collect();
    assert_eq!(mine.len(), 3);
    assert_eq!(mine[0]["kind"], "issue");
    assert_eq!(mine[0]["printed_by"], "tester");
    assert_eq!(mine[2]["kind"], "reprint");
    assert_eq!(mine[2]["reason"], "lost on the bus");
    assert_eq!(mine[2]["printed_by"], "coordinator Liu");
    assert_eq!(muster(&db, &["check"]).json()["ok"], true);
}

#[test]
fn bench_certificates_reports_count_time_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench.pdf");
    let r = muster(&dir.path().join("m.db"), &["bench", "certificates", "--count", "20", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["count"], 20);
    assert!(j["seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(j["bytes"].as_u64().unwrap(), std::fs::metadata(&out).unwrap().len());
    assert!(j["qr_version"].as_u64().unwrap() <= 8, "{j}");
}

/// `certificates latin-names`: what the next issue prints beside each
/// name, and where it comes from; a correction with `--set`, the rest
/// confirmed with `--confirm`; a form in Chinese characters refused with
/// exit 3 and nothing written.
#[test]
fn latin_names_are_listed_corrected_and_confirmed() {
    let e = event();
    let db = e.db();
    for name in ["王素梅", "李建国", "Aynur Məmmədova", "张伟"] {
        check_in(&e, name, 0, "2026-03-10T08:55");
        check_in(&e, name, 1, "2026-03-11T08:55");
    }
    let list = muster(&db, &["certificates", "latin-names", "--event", &e.id]).json();
    let of = |j: &Value, n: &str| j["names"].as_array().unwrap().iter().find(|x| x["name"] == n).cloned().unwrap();
    assert_eq!(of(&list, "王素梅")["source"], "transliterated");
    assert_eq!(of(&list, "王素梅")["latin"], "WANG Sumei");
    assert_eq!(of(&list, "张伟")["source"], "roster");
    assert_eq!(of(&list, "Aynur Məmmədova")["source"], "roster");
    let li = of(&list, "李建国")["trainee_id"].as_str().unwrap().to_string();

    let bad = muster(&db, &["certificates", "latin-names", "--event", &e.id, "--set", &format!("{li}=李 Jianguo"), "--confirm"]);
    assert_eq!(bad.code, 3, "{}{}", bad.stdout, bad.stderr);
    assert_eq!(of(&muster(&db, &["certificates", "latin-names", "--event", &e.id]).json(), "王素梅")["source"], "transliterated", "nothing written");
    let bad = muster(&db, &["certificates", "latin-names", "--event", &e.id, "--set", "no-equals-sign"]);
    assert_eq!(bad.code, 3);

    let done = muster(&db, &["certificates", "latin-names", "--event", &e.id, "--set", &format!("{li}=LI Jianguo (Jim)"), "--confirm"]).json();
    assert_eq!(done["changed"], 2, "李建国 corrected, 王素梅 confirmed: {done}");
    assert!(done["names"].as_array().unwrap().iter().all(|n| n["source"] == "roster"), "{done}");
    let pdf = e.path("latin.pdf");
    let issued = muster(&db, &["certificates", "issue", "--event", &e.id, "--out", pdf.to_str().unwrap(), "--by", "tester"]);
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    assert!(pdftotext(&pdf).contains("LIJianguo(Jim)"), "the corrected form is printed");
}
