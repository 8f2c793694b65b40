//! `muster form`, `muster responses` and `muster batch` on real XLSForm
//! samples and a responses CSV.

use muster_tests::{muster, workspace};
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    workspace().join("crates/muster-core/tests/data/xlsform").join(name)
}

fn new_event(db: &Path) -> String {
    let r = muster(db, &["event", "create", "--name", "培训", "--starts", "2026-12-01"]);
    r.json()["id"].as_str().unwrap().to_string()
}

/// A store with an event and the one-question yes/no form: (dir, db, event, form).
fn yes_or_no_form() -> (tempfile::TempDir, PathBuf, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = new_event(&db);
    let r = muster(&db, &["form", "import", "--event", &event, sample("yes_or_no_question.xlsx").to_str().unwrap()]);
    let form = r.json()["id"].as_str().unwrap().to_string();
    (dir, db, event, form)
}

#[test]
fn imports_forms_and_refuses_broken_ones_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = new_event(&db);
    let r = muster(&db, &["form", "import", "--event", &event, sample("widgets.xls").to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["title"], "widgets");
    assert_eq!(j["questions"], 25);
    let skipped: Vec<&str> = j["skipped"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(skipped.contains(&"my_geopoint") && skipped.contains(&"my_image"), "{skipped:?}");
    assert!(j["skipped"][0]["type"].is_string() && j["skipped"][0]["reason"].is_string());
    assert!(j["warnings"].is_array());
    // Warnings stay strings (the contract); beside them, one sentence each for the app.
    let r = muster(&db, &["form", "import", "--event", &event, sample("survey_no_name.xlsx").to_str().unwrap()]);
    let w = r.json();
    let (english, worded) = (w["warnings"].as_array().unwrap(), w["warnings_worded"].as_array().unwrap());
    assert!(!english.is_empty() && english.iter().all(|s| s.is_string()), "{w}");
    assert_eq!(english.len(), worded.len(), "{w}");
    assert_eq!(worded[0]["key"], "form.warn.only_sheet", "{w}");
    assert!(worded[0]["params"]["sheet"].is_string(), "{w}");

    let show = muster(&db, &["form", "show", j["id"].as_str().unwrap()]).json();
    let q = show["questions"].as_array().unwrap().iter().find(|q| q["name"] == "my_int").unwrap().clone();
    assert_eq!(q["type"], "int");
    assert_eq!(q["kind"], "integer");
    assert_eq!(q["constraint"], ". < 10");
    let sel = show["questions"].as_array().unwrap().iter().find(|q| q["name"] == "my_select").unwrap().clone();
    assert_eq!(sel["choices"][2]["key"], "3");
    assert_eq!(sel["choices"][2]["value"], "c");

    for (file, header) in [("duplicate_columns.xlsx", "label"), ("no_survey_sheet.xlsx", "type")] {
        let r = muster(&db, &["form", "import", "--event", &event, sample(file).to_str().unwrap()]);
        assert_eq!(r.code, 3, "{file}: {}", r.stdout);
        let e = &r.json()["error"];
        assert_eq!(e["code"], "invalid_input");
        assert_eq!(e["file"], file);
        assert_eq!(e["line"], 1);
        assert_eq!(e["field"], header);
        assert!(e["message"].as_str().unwrap().contains("sheet survey, row 1, column"), "{e}");
    }
    let forms = muster(&db, &["form", "list", "--event", &event]).json();
    assert_eq!(forms["forms"].as_array().unwrap().len(), 2, "refused forms leave nothing behind");
}

#[test]
fn responses_batches_double_entry_and_the_portrait() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = new_event(&db);
    let f = muster(&db, &["form", "import", "--event", &event, sample("tutorial.xls").to_str().unwrap()]).json();
    assert_eq!(f["questions"], 10, "tutorial.xls is all inside one repeat: keyed once per repetition");
    // Its responses CSV has a column per repetition, name[1], name[2], …: an
    // index past 50, or the bare name, is refused (exit 3) at its column.
    let tutorial = f["id"].as_str().unwrap().to_string();
    let csv = dir.path().join("tutorial.csv");
    for header in ["name[51]", "name", "name[x]"] {
        std::fs::write(&csv, format!("paper_id,{header}\nP1,Li\n")).unwrap();
        let r = muster(&db, &["responses", "import", "--form", &tutorial, csv.to_str().unwrap()]);
        assert_eq!(r.code, 3, "{header}: {}", r.stdout);
        let e = &r.json()["error"];
        assert_eq!((e["code"].as_str(), e["line"].as_u64(), e["field"].as_str()), (Some("invalid_input"), Some(1), Some(header)), "{e}");
    }
    let f = muster(&db, &["form", "import", "--event", &event, sample("yes_or_no_question.xlsx").to_str().unwrap()]).json();
    let form = f["id"].as_str().unwrap().to_string();

    let b = muster(&db, &["batch", "add", "--form", &form, "--name", "Day 2 room A", "--count", "5", "--first", "A01"]);
    assert_eq!(b.code, 0, "{}", b.stdout);
    let csv = dir.path().join("first.csv");
    std::fs::write(&csv, "paper_id,good_day,batch\nA01,yes,Day 2 room A\nA02,no,Day 2 room A\nA04,maybe,Day 2 room A\n,yes,\nA05,1,Day 2 room A\n").unwrap();
    let rejects = dir.path().join("rejects.csv");
    let r = muster(&db, &["responses", "import", "--form", &form, csv.to_str().unwrap(), "--rejects", rejects.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let j = r.json();
    assert_eq!((j["imported"].as_u64(), j["rejected"].as_u64(), j["duplicates"].as_u64()), (Some(3), Some(2), Some(0)));
    assert_eq!(j["errors"][0]["line"], 4);
    assert_eq!(j["errors"][0]["field"], "good_day");
    assert_eq!(j["errors"][1]["field"], "paper_id");
    let text = std::fs::read(&rejects).unwrap();
    assert!(text.starts_with(b"\xEF\xBB\xBFpaper_id,good_day,batch,"));
    let again = muster(&db, &["responses", "import", "--form", &form, csv.to_str().unwrap()]).json();
    assert_eq!((again["imported"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(3)));

    let s = muster(&db, &["batch", "status", "--form", &form, "--batch", "Day 2 room A"]).json();
    assert_eq!((s["expected"].as_u64(), s["keyed"].as_u64()), (Some(5), Some(3)));
    assert_eq!(s["missing"], serde_json::json!(["A03", "A04"]));

    let second = dir.path().join("second.csv");
    std::fs::write(&second, "paper_id,good_day\nA01,no\nA02,no\n").unwrap();
    let r = muster(&db, &["responses", "import", "--form", &form, second.to_str().unwrap(), "--entry", "second"]).json();
    assert_eq!(r["imported"], 2);
    let d = muster(&db, &["responses", "diff", "--form", &form]).json();
    assert_eq!(d["differences"].as_array().unwrap().len(), 1);
    assert_eq!(d["differences"][0]["paper_id"], "A01");
    assert_eq!(d["differences"][0]["field"], "good_day");
    assert_eq!((d["differences"][0]["first"].as_str(), d["differences"][0]["second"].as_str()), (Some("yes"), Some("no")));
    assert_eq!(d["differences"][0]["question"], "good_day", "the contract's name for the field");
    let bad = muster(&db, &["responses", "resolve", "--form", &form, "--paper", "A02", "--field", "good_day", "--value", "no", "--by", "zhao"]);
    assert_eq!(bad.code, 3, "A02 agrees: nothing to resolve");
    let ok = muster(&db, &["responses", "resolve", "--form", &form, "--paper", "A01", "--question", "good_day", "--value", "yes", "--by", "zhao"]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert_eq!(ok.json()["by"], "zhao");
    let d = muster(&db, &["responses", "diff", "--form", &form]).json();
    assert_eq!(d["unresolved"], 0);
    assert_eq!(d["differences"][0]["resolution"]["value"], "yes");

    let xlsx = dir.path().join("portrait.xlsx");
    let p = muster(&db, &["responses", "report", "--form", &form, "--xlsx", xlsx.to_str().unwrap()]);
    assert_eq!(p.code, 0, "{}", p.stdout);
    let p = p.json();
    assert_eq!((p["stored"].as_u64(), p["rejected"].as_u64()), (Some(3), Some(2)), "A04 and the row without paper_id, once each although imported twice");
    let q = &p["questions"][0];
    assert_eq!(q["name"], "good_day");
    assert_eq!(q["answered"], 3);
    let yes = q["choices"].as_array().unwrap().iter().find(|c| c["value"] == "yes").unwrap();
    assert_eq!((yes["count"].as_u64(), yes["percent"].as_f64()), (Some(2), Some(66.7)));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    // The same report in the contract's shape, with a PDF of its charts.
    let pdf = dir.path().join("portrait.pdf");
    let r = muster(&db, &["report", "questions", "--form", &form, "--pdf", pdf.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = r.json();
    assert_eq!(r["responses"], 3);
    let q = &r["questions"][0];
    assert_eq!((q["name"].as_str(), q["type"].as_str(), q["n"].as_u64()), (Some("good_day"), Some("select_one"), Some(3)));
    assert_eq!((q["counts"]["yes"].as_u64(), q["counts"]["no"].as_u64()), (Some(2), Some(1)));
    assert_eq!((q["percent"]["yes"].as_f64(), q["percent"]["no"].as_f64()), (Some(66.7), Some(33.3)));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let printed = muster(&db, &["audit", "--action", "print"]).json();
    assert_eq!((printed["count"].as_u64(), printed["entries"][0]["after"]["kind"].as_str()), (Some(1), Some("portrait_pdf")));
    assert_eq!(printed["entries"][0]["after"]["file"], pdf.display().to_string());
    let stats = muster(&db, &["responses", "stats", "--form", &form]).json();
    assert!(stats["keyers"].as_array().unwrap().len() == 2);
}

/// Kill -9 at moments spread over an import of keyed questionnaires: all
/// the papers or none, with its audit line or without, and a sound store.
#[test]
fn kill_9_during_a_responses_import_leaves_all_or_none() {
    let (dir, db, event, form) = yes_or_no_form();
    let n = 20_000;
    let csv = dir.path().join("keyed.csv");
    let rows: String = (0..n).map(|i| format!("P{i:06},{}\n", if i % 3 == 0 { "no" } else { "yes" })).collect();
    std::fs::write(&csv, format!("paper_id,good_day\n{rows}")).unwrap();
    let count = || -> (u64, u64) {
        let r = muster(&db, &["report", "questions", "--form", &form]).json();
        let imports = muster(&db, &["audit", "--event", &event, "--action", "import"]).json()["count"].as_u64().unwrap();
        (r["responses"].as_u64().unwrap_or(0), imports)
    };
    let spawn = |form: &str| {
        std::process::Command::new(muster_tests::muster_bin())
            .arg("--db")
            .arg(&db)
            .args(["--json", "responses", "import", "--form", form, csv.to_str().unwrap()])
            .env("XDG_DATA_HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long a whole import takes here, on a copy, to spread the kills.
    let t = std::time::Instant::now();
    let full = {
        let mut probe = spawn(&form);
        probe.wait().unwrap();
        t.elapsed()
    };
    assert_eq!(count(), (n, 1));
    // Start again from an empty form for the kill rounds.
    let form2 = muster(&db, &["form", "import", "--event", &event, sample("yes_or_no_question.xlsx").to_str().unwrap()]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = form2;
    let count = || -> u64 { muster(&db, &["report", "questions", "--form", &form]).json()["responses"].as_u64().unwrap_or(0) };
    let mut seen = Vec::new();
    for round in 0..8u32 {
        let at = full.mul_f64(f64::from(round) / 8.0);
        let mut child = spawn(&form);
        std::thread::sleep(at);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let got = count();
        assert!(got == 0 || got == n, "round {round}: {got} papers after a kill at {at:?}");
        seen.push((at, status.code(), got));
        if got == n {
            break;
        }
    }
    let check = muster(&db, &["check"]).json();
    assert_eq!(check["ok"], true, "{check}");
    let imports = muster(&db, &["audit", "--event", &event, "--action", "import"]).json()["count"].as_u64().unwrap();
    let landed = u64::from(count() == n);
    assert_eq!(imports, 1 + landed, "one audit line per import that landed");
    eprintln!("kill -9 during responses import (at, exit, papers), full {full:?}: {seen:?}");
}

/// The keyer's side of [`kill_9_while_keying_loses_at_most_the_paper_in_flight`]:
/// run as a child process of that test (it does nothing on its own). Keys
/// the batch's papers one after another through the same keying session
/// and `save_keyed` the desktop app's keying commands call, until the batch
/// is done or the process is killed.
#[test]
#[ignore = "the child process of kill_9_while_keying_loses_at_most_the_paper_in_flight"]
fn keying_child() {
    use muster_core::forms::keying::{Key, Stage, Step};
    let (Ok(db), Ok(form)) = (std::env::var("MUSTER_KEYING_CHILD_DB"), std::env::var("MUSTER_KEYING_CHILD_FORM")) else { return };
    let mut m = muster_core::Muster::open(Path::new(&db)).unwrap();
    let mut s = m.keying_session(&form, muster_core::forms::Entry::First, "keyer-kill", Some("stack"), None).unwrap();
    while s.next_paper().is_some() {
        assert_eq!(s.press(Key::Enter), Step::Advanced, "Enter takes the batch's next paper");
        while s.stage() == Stage::Question {
            let key = s.question().unwrap().choices[0].key.clone();
            s.type_str(&key);
        }
        let done = s.finish().unwrap();
        m.save_keyed(&form, &done).unwrap();
        s.next_paper_form();
    }
}

/// Kill -9 at moments spread over a keyer's work: every paper saved before
/// the kill is there whole, with its audit line; the papers stored are the
/// stack's first ones without a gap (at most the paper in flight is lost),
/// the next keying session goes on from the next paper, and the store
/// passes `muster check`.
#[test]
fn kill_9_while_keying_loses_at_most_the_paper_in_flight() {
    let (dir, db, event, form) = yes_or_no_form();
    let stack = 20_000u64;
    let r = muster(&db, &["batch", "add", "--form", &form, "--name", "stack", "--count", &stack.to_string(), "--first", "K000001"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let state = || -> (u64, u64, u64, Vec<String>) {
        let stored = muster(&db, &["report", "questions", "--form", &form]).json()["responses"].as_u64().unwrap_or(0);
        let created = muster(&db, &["audit", "--event", &event, "--action", "create"]).json()["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity"] == "response")
            .count() as u64;
        let status = muster(&db, &["batch", "status", "--form", &form, "--batch", "stack"]).json();
        let missing: Vec<String> = status["missing"].as_array().unwrap().iter().take(2).map(|p| p.as_str().unwrap().to_string()).collect();
        (stored, created, status["keyed"].as_u64().unwrap(), missing)
    };
    let mut seen = Vec::new();
    let mut before = 0;
    for round in 1..=8u64 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "forms::keying_child", "--ignored", "--nocapture"])
            .env("MUSTER_KEYING_CHILD_DB", &db)
            .env("MUSTER_KEYING_CHILD_FORM", &form)
            .env("XDG_DATA_HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let at = std::time::Duration::from_millis(150 + 137 * round);
        std::thread::sleep(at);
        let _ = child.kill();
        let exit = child.wait().unwrap();
        assert!(exit.code().is_none(), "round {round}: the keyer was killed, not finished ({exit:?})");
        let (stored, created, keyed, missing) = state();
        assert_eq!(stored, created, "round {round}: each stored paper has its audit line");
        assert_eq!(stored, keyed, "round {round}: the batch counts what is stored");
        assert!(stored >= before, "round {round}: {stored} papers after {before}");
        // No gap: the first missing paper is the one after the last stored.
        assert_eq!(missing.first().map(String::as_str), Some(format!("K{:06}", stored + 1).as_str()), "round {round}");
        let check = muster(&db, &["check"]).json();
        assert_eq!(check["ok"], true, "round {round}: {check}");
        seen.push((at, stored));
        before = stored;
    }
    assert!(before > 0, "the keyer saved papers between kills: {seen:?}");
    // Every stored paper is whole: its one (required) answer is there.
    let q = muster(&db, &["report", "questions", "--form", &form]).json();
    assert_eq!(q["questions"][0]["n"].as_u64(), Some(before), "{q}");
    eprintln!("kill -9 while keying (at, papers stored): {seen:?}");
}
