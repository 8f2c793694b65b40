//! The door while a large roster import runs, through the real binary: a
//! `muster roster import` of 20,000 rows in one process and `muster
//! checkin` again and again in others (the importing event and another
//! one); and `kill -9` of the import at moments spread over its life.
//!
//! Not a speed test (the figures are printed; the 100,000-row release
//! measurement is `bench/door.sh`): the assertions are that no check-in
//! fails ("database is locked" was the old failure), none waits longer than
//! a bound generous for a debug build, and the store holds all of an import
//! or none of it, found by search or not at all, with its change log
//! numbered without a gap.

use muster_tests::{muster, muster_bin};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROWS: usize = 20_000;
/// The last row of the big file, unlike any other name in it.
const LAST: &str = "门口测试";

struct Venue {
    _dir: tempfile::TempDir,
    db: PathBuf,
    big: PathBuf,
    /// The importing event and another one: (event, session, trainee ids).
    events: [(String, String, Vec<String>); 2],
}

fn id(r: &muster_tests::Run) -> String {
    r.json()["id"].as_str().unwrap_or_else(|| panic!("{}{}", r.stdout, r.stderr)).to_string()
}

fn venue() -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut events = Vec::new();
    for (n, name) in ["县电商培训", "乡村旅游培训"].iter().enumerate() {
        let event = id(&muster(&db, &["event", "create", "--name", name, "--starts", "2026-12-01"]));
        let session = id(&muster(&db, &["session", "add", "--event", &event, "--title", "Day 1", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T17:00"]));
        let small = dir.path().join(format!("door{n}.csv"));
        let rows: String = (0..40).map(|i| format!("门口{i},139{n}{i:07}\n")).collect();
        std::fs::write(&small, format!("姓名,手机\n{rows}")).unwrap();
        assert_eq!(muster(&db, &["roster", "import", "--event", &event, small.to_str().unwrap()]).json()["imported"], 40);
        let people = muster(&db, &["roster", "list", "--event", &event]).json()["trainees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        events.push((event, session, people));
    }
    let big = dir.path().join("big.csv");
    std::fs::write(&big, big_roster()).unwrap();
    let events: [(String, String, Vec<String>); 2] = events.try_into().unwrap();
    Venue { _dir: dir, db, big, events }
}

/// ROWS distinct trainees (by mobile), Chinese names, the last one `LAST`.
fn big_roster() -> String {
    let surnames: Vec<char> = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗".chars().collect();
    let given: Vec<char> = "素梅建国丽华洋静波敏海涛小红刚丹志强晓燕".chars().collect();
    let mut text = String::from("姓名,性别,手机号码,所在村\n");
    for i in 0..ROWS - 1 {
        let name: String = [surnames[i % 20], given[(i / 20) % 20], given[(i / 400) % 20]].iter().collect();
        text.push_str(&format!("{name},{},136{i:08},第{}村\n", if i % 2 == 0 { "女" } else { "男" }, i % 30));
    }
    text.push_str(&format!("{LAST},女,13599999999,门口村\n"));
    text
}

fn spawn_import(v: &Venue) -> Child {
    Command::new(muster_bin())
        .arg("--db")
        .arg(&v.db)
        .args(["--json", "roster", "import", "--event", &v.events[0].0])
        .arg(&v.big)
        .env("XDG_DATA_HOME", v.db.parent().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn roster_len(v: &Venue) -> usize {
    muster(&v.db, &["roster", "list", "--event", &v.events[0].0]).json()["trainees"].as_array().unwrap().len()
}

fn found(v: &Venue, query: &str) -> usize {
    muster(&v.db, &["search", "--event", &v.events[0].0, query]).json()["results"].as_array().unwrap().len()
}

fn pending(v: &Venue) -> u64 {
    muster(&v.db, &["sync", "status"]).json()["pending"].as_u64().unwrap()
}

fn assert_sound(v: &Venue) {
    let check = muster(&v.db, &["check"]);
    assert_eq!((check.code, check.json()["ok"].as_bool()), (0, Some(true)), "{}", check.stdout);
    let s = muster_core::store::Store::open(&v.db).unwrap();
    let seqs: Vec<u64> = s.changes_since(s.device_id(), 0, usize::MAX).unwrap().iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "the change log is numbered without a gap");
}

#[test]
fn check_ins_during_a_large_import_never_fail_nor_wait() {
    let v = venue();
    // The door's bell is made by the first write that needs it (setting up
    // the venue's small imports made one): without it, its reappearance
    // says the big import has begun writing.
    let bell = PathBuf::from(format!("{}-door", v.db.display()));
    let _ = std::fs::remove_file(&bell);
    let started = Instant::now();
    let mut import = spawn_import(&v);
    while !bell.exists() && import.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let underway = started.elapsed();
    // A queue at the door: people one after another for a while, then a
    // pause long enough for the import to publish (it gives way to every
    // check-in, so a door never quiet would hold it back).
    let mut waits: Vec<Duration> = Vec::new();
    let mut during = 0;
    let mut n = 0usize;
    while import.try_wait().unwrap().is_none() {
        let queue = Instant::now();
        while queue.elapsed() < Duration::from_millis(800) {
            let (event, session, people) = &v.events[n % 2];
            let trainee = &people[(n / 2) % people.len()];
            let t0 = Instant::now();
            let r = muster(&v.db, &["checkin", "--event", event, "--session", session, "--trainee", trainee, "--at", "2026-12-01T09:05"]);
            waits.push(t0.elapsed());
            assert_eq!(r.code, 0, "a check-in during the import failed: {}{}", r.stdout, r.stderr);
            assert!(!r.stdout.contains("locked") && !r.stderr.contains("locked"), "{}", r.stdout);
            let status = r.json()["status"].as_str().unwrap().to_string();
            assert!(status == "checked_in" || status == "already_checked_in", "{status}");
            n += 1;
            if import.try_wait().unwrap().is_none() {
                during += 1;
            }
        }
        let pause = Instant::now();
        while pause.elapsed() < Duration::from_secs(3) && import.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let out = import.wait_with_output().unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"], ROWS as u64, "{report}");
    let worst = waits.iter().max().copied().unwrap_or_default();
    let mut sorted = waits.clone();
    sorted.sort();
    eprintln!(
        "door during a {ROWS}-row import: import {took:.2?} (writing after {underway:.2?}), {} check-ins ({during} while it wrote), worst {worst:.3?}, median {:.3?}",
        waits.len(),
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    );
    assert!(during >= 3, "check-ins ran while the import wrote ({during})");
    assert!(worst < Duration::from_secs(3), "a check-in waited {worst:?}");
    // All of it, found; the check-ins all recorded; one gap-free log.
    assert_eq!(roster_len(&v), 40 + ROWS);
    assert_eq!(found(&v, LAST), 1);
    assert_eq!(found(&v, "menkouce"), 1, "by pinyin");
    let arrived: u64 = v
        .events
        .iter()
        .map(|(event, _, _)| muster(&v.db, &["attendance", "report", "--event", event]).json()["sessions"][0]["arrived"].as_u64().unwrap())
        .sum();
    assert_eq!(arrived as usize, n.min(80), "every check-in recorded once");
    assert_sound(&v);
}

#[test]
fn kill_9_during_a_large_import_leaves_all_of_it_or_none() {
    // How long a whole import takes here, to spread the kills over its life
    // (reading, classifying, publishing, exiting): the faster
    // of two, as the runs below are warm.
    let mut whole = Duration::MAX;
    for _ in 0..2 {
        let probe = venue();
        let t0 = Instant::now();
        let r = spawn_import(&probe).wait_with_output().unwrap();
        assert!(r.status.success());
        whole = whole.min(t0.elapsed());
    }
    let mut outcomes = Vec::new();
    for fraction in [0.3, 0.6, 0.75, 0.85, 0.95] {
        let v = venue();
        let before = pending(&v);
        let mut import = spawn_import(&v);
        std::thread::sleep(whole.mul_f64(fraction));
        let killed = import.try_wait().unwrap().is_none();
        if killed {
            import.kill().unwrap();
        }
        let _ = import.wait();
        assert_sound(&v);
        let rows = roster_len(&v);
        let imported = match rows {
            40 => false,
            n if n == 40 + ROWS => true,
            n => panic!("killed at {fraction} of the import: {n} trainees, neither none nor all"),
        };
        assert_eq!(found(&v, LAST), imported as usize, "searchable exactly when imported");
        let expected = if imported { before + ROWS as u64 + 1 } else { before };
        assert_eq!(pending(&v), expected, "the change log holds all of the import (and its audit line) or none");
        let audited = muster(&v.db, &["audit", "--event", &v.events[0].0, "--action", "import"]).json()["count"].as_u64().unwrap();
        assert_eq!(audited, 1 + imported as u64);
        // The door works at once, and an import that died is simply run again.
        let (event, session, people) = &v.events[0];
        let r = muster(&v.db, &["checkin", "--event", event, "--session", session, "--trainee", &people[0], "--at", "2026-12-01T09:05"]);
        assert_eq!(r.code, 0, "{}", r.stdout);
        if !imported {
            let again = spawn_import(&v).wait_with_output().unwrap();
            assert!(again.status.success());
            assert_eq!(roster_len(&v), 40 + ROWS);
            assert_eq!(found(&v, LAST), 1);
            assert_sound(&v);
        }
        outcomes.push(match (killed, imported) {
            (false, _) => format!("{fraction}: finished"),
            (true, true) => format!("{fraction}: all"),
            (true, false) => format!("{fraction}: none"),
        });
    }
    eprintln!("kill -9 during a {ROWS}-row import (whole: {whole:.2?}): {}", outcomes.join(", "));
}
