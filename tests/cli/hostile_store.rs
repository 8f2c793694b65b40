//! The commands that can destroy a store (issue 11, "Trust boundaries"),
//! fed hostile input through the real `muster` binary on real store files:
//!
//! - `restore` of anything that is not a Muster store of a known schema is
//!   refused (exit 3, naming what it is), with or without `--force`, and a
//!   forced restore keeps the replaced store beside it (`"previous"`),
//!   restorable in turn;
//! - no output flag writes onto the store, its -wal/-shm/lock, or the
//!   command's input (exit 3, "would overwrite …"), `--force` or not; an
//!   existing file of another kind is replaced only with `--force`;
//! - `passphrase change` and `restore` refuse while another process (a sync
//!   waiting on a slow server) holds the store, and no write of that
//!   process is lost; a holder killed with SIGKILL leaves nothing behind.
//!
//! Every case ends by checking the store: `muster check`, its 800 trainees.

use crate::sync::{add_device, create_event, start_server, Laptop};
use muster_tests::{muster_bin, workspace, Run};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TRAINEES: u64 = 800;
/// A name only the walk-in has (the byte greps look for it).
const WALK_IN: &str = "晚到的学员";

fn command(db: &Path, pw: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(muster_bin());
    cmd.arg("--db").arg(db).arg("--json").args(args);
    cmd.env("XDG_DATA_HOME", db.parent().unwrap())
        .env_remove("MUSTER_PASSPHRASE")
        .env_remove("MUSTER_NEW_PASSPHRASE")
        .env_remove("MUSTER_EXPORT_PASSPHRASE");
    if let Some(p) = pw {
        cmd.env("MUSTER_PASSPHRASE", p);
    }
    cmd
}

fn run_env(db: &Path, pw: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = command(db, pw, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("muster runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(db: &Path, pw: Option<&str>, args: &[&str]) -> Run {
    run_env(db, pw, &[], args)
}

fn ok(r: Run) -> Value {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.json()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", p.display()))
}

fn contains(file: &Path, needle: &str) -> bool {
    let hay = std::fs::read(file).unwrap_or_default();
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Bytes that look like nothing (xorshift from `seed`).
fn noise(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// A store with an event, a session and 800 trainees from a roster file.
struct Venue {
    dir: tempfile::TempDir,
    db: PathBuf,
    pw: Option<&'static str>,
    event: String,
    roster: PathBuf,
}

impl Venue {
    fn new(pw: Option<&'static str>) -> Venue {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("muster.db");
        let event = ok(run(&db, pw, &["event", "create", "--name", "县电商培训", "--starts", "2026-12-01"]))["id"].as_str().unwrap().to_string();
        ok(run(&db, pw, &["session", "add", "--event", &event, "--title", "Day 1", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T17:00"]));
        let roster = dir.path().join("roster.csv");
        let mut text = String::from("姓名,手机号码\n");
        for i in 0..TRAINEES {
            text.push_str(&format!("学员{i},139{i:08}\n"));
        }
        std::fs::write(&roster, text).unwrap();
        assert_eq!(ok(run(&db, pw, &["roster", "import", "--event", &event, s(&roster)]))["imported"], TRAINEES);
        Venue { dir, db, pw, event, roster }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Run {
        run(&self.db, self.pw, args)
    }

    fn trainees(&self) -> u64 {
        let events = ok(self.run(&["event", "list"]));
        events["events"].as_array().unwrap().iter().find(|e| e["id"] == self.event).unwrap()["trainee_count"].as_u64().unwrap()
    }

    /// `muster check` passes and the trainees are all there.
    fn assert_intact(&self, case: &str, trainees: u64) {
        let r = self.run(&["check"]);
        assert_eq!((r.code, r.json()["ok"].clone()), (0, Value::Bool(true)), "{case}: {}{}", r.stdout, r.stderr);
        assert_eq!(self.trainees(), trainees, "{case}: the trainees are all there");
    }

    /// The files beside the store whose names start with `prefix`.
    fn kept(&self, prefix: &str) -> Vec<String> {
        let name = format!("{}{prefix}", self.db.file_name().unwrap().to_string_lossy());
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&name))
            .collect();
        v.sort();
        v
    }
}

fn write(v: &Venue, name: &str, bytes: &[u8]) -> PathBuf {
    let p = v.path(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// An SQLite database that is not a Muster store: a sync server's store.
fn foreign_sqlite(v: &Venue) -> PathBuf {
    let p = v.path("server.db");
    let r = Command::new(muster_bin())
        .args(["--json", "server", "device", "add", "--store", &format!("sqlite:{}", p.display()), "--name", "x"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stdout));
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&p, suffix));
    }
    assert!(std::fs::read(&p).unwrap().starts_with(b"SQLite format 3\0"));
    p
}

/// A backup of this store as a newer Muster would write it (its schema
/// version, `PRAGMA user_version` at byte 60 of the header, set to 99).
fn newer_schema(v: &Venue) -> PathBuf {
    let p = v.path("newer.muster");
    ok(v.run(&["backup", "--out", s(&p)]));
    let mut bytes = std::fs::read(&p).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&p, bytes).unwrap();
    p
}

type Setup = fn(&Venue) -> PathBuf;

#[test]
fn restore_refuses_anything_that_is_not_a_muster_store_of_a_known_schema() {
    let v = Venue::new(None);
    let cases: Vec<(&str, Setup, &str)> = vec![
        ("an empty file", |v| write(v, "empty.muster", b""), "is an empty file, not a Muster backup"),
        ("random bytes", |v| write(v, "random.muster", &noise(10_000, 7)), "not an SQLite database"),
        ("random whole pages, no passphrase", |v| write(v, "pages.muster", &noise(8192, 9)), "is encrypted (or not a database at all)"),
        ("a text file", |v| write(v, "notes.txt", "备份在U盘里\nbackup is on the stick\n".as_bytes()), "it is a text file"),
        ("a workbook", |_| workspace().join("crates/muster-core/tests/data/roster/excel.xlsx"), "it is a ZIP archive"),
        ("a foreign SQLite database", foreign_sqlite, "is an SQLite database that is not a Muster store"),
        ("a Muster store from a newer version", newer_schema, "is a Muster store from a newer version of Muster (schema 99"),
        ("the store itself", |v| v.db.clone(), "is the store itself"),
        ("the store through ./", |v| v.dir.path().join(".").join("muster.db"), "is the store itself"),
        ("a folder", |v| {
            let d = v.path("a-folder");
            std::fs::create_dir_all(&d).unwrap();
            d
        }, "is a folder"),
    ];
    for (name, setup, fragment) in cases {
        let file = setup(&v);
        for force in [false, true] {
            let mut args = vec!["restore", s(&file)];
            if force {
                args.push("--force");
            }
            let r = v.run(&args);
            let case = format!("{name}{}", if force { " --force" } else { "" });
            assert_eq!(r.code, 3, "{case}: {}{}", r.stdout, r.stderr);
            let e = &r.json()["error"];
            assert_eq!(e["code"], "invalid_input", "{case}: {e}");
            assert!(e["message"].as_str().unwrap().contains(fragment), "{case}: {e}");
            v.assert_intact(&case, TRAINEES);
            assert!(v.kept(".before-restore").is_empty() && v.kept(".restore-tmp").is_empty(), "{case}: {:?}", v.kept("."));
        }
    }
}

#[test]
fn restore_into_an_encrypted_store_names_the_passphrase_problem() {
    let v = Venue::new(Some("steppe wind 7"));
    // A backup of another laptop's store, under its own passphrase, and a
    // plain one.
    let backup_of = |name: &str, pw: Option<&str>| {
        let db = v.path(name).join("m.db");
        ok(run(&db, pw, &["event", "create", "--name", name, "--starts", "2026-12-01"]));
        let out = v.path(&format!("{name}.muster"));
        ok(run(&db, pw, &["backup", "--out", s(&out)]));
        out
    };
    let foreign_key = backup_of("other", Some("another laptop"));
    let plain_backup = backup_of("plain", None);
    let cases: Vec<(&str, &Path, &str)> = vec![
        ("an encrypted store the passphrase does not open", &foreign_key, "is an encrypted store that the passphrase does not open"),
        ("a plain store while a passphrase is set", &plain_backup, "is a plain (unencrypted) store"),
    ];
    for (name, file, fragment) in cases {
        for force in [false, true] {
            let mut args = vec!["restore", s(file)];
            if force {
                args.push("--force");
            }
            let r = v.run(&args);
            assert_eq!(r.code, 3, "{name}: {}", r.stdout);
            let e = &r.json()["error"];
            assert_eq!(e["field"], "passphrase", "{name}: {e}");
            assert!(e["message"].as_str().unwrap().contains(fragment), "{name}: {e}");
            v.assert_intact(name, TRAINEES);
            assert!(v.kept(".before-restore").is_empty(), "{name}");
        }
    }
}

/// A forced restore keeps the store it replaced (`previous`), which restores
/// back; an encrypted store stays encrypted in its kept copy.
fn forced_restore_keeps_the_previous_store(pw: Option<&'static str>) {
    let v = Venue::new(pw);
    let backup = v.path("usb.muster");
    ok(v.run(&["backup", "--out", s(&backup)]));
    ok(v.run(&["walkin", "--event", &v.event, "--name", WALK_IN, "--phone", "13700000001"]));
    assert_eq!(v.trainees(), TRAINEES + 1);

    let r = ok(v.run(&["restore", s(&backup), "--force"]));
    let previous = PathBuf::from(r["previous"].as_str().unwrap_or_else(|| panic!("no previous in {r}")));
    let name = previous.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("muster.db.before-restore-"), "{name}");
    assert_eq!(previous.parent(), Some(v.dir.path()));
    assert!(previous.is_file());
    v.assert_intact("after the restore", TRAINEES);
    let audit = ok(v.run(&["audit", "--action", "restore"]));
    assert_eq!(audit["entries"][0]["after"]["previous"], r["previous"], "{audit}");

    // The walk-in is in the kept store — in plain text only for a plain one.
    let kept: Vec<PathBuf> = [previous.clone(), with_suffix(&previous, "-wal")].into_iter().filter(|p| p.exists()).collect();
    let leaks = kept.iter().any(|p| contains(p, WALK_IN));
    assert_eq!(leaks, pw.is_none(), "the kept store is encrypted exactly when the store was ({kept:?})");

    // Undo: the kept store restores back, walk-in and all, and the store it
    // replaces is kept in turn.
    let r = ok(v.run(&["restore", s(&previous), "--force"]));
    let second = r["previous"].as_str().unwrap().to_string();
    assert_ne!(second, previous.display().to_string());
    v.assert_intact("after undoing the restore", TRAINEES + 1);
    assert!(previous.exists(), "the first kept store stays");
}

#[test]
fn a_forced_restore_keeps_the_store_it_replaces_and_that_restores_back() {
    forced_restore_keeps_the_previous_store(None);
}

#[test]
fn a_forced_restore_of_an_encrypted_store_keeps_it_encrypted() {
    forced_restore_keeps_the_previous_store(Some("steppe wind 7"));
}

/// What an output path is pointed at.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Store,
    DotStore,
    Wal,
    Shm,
    Lock,
    Symlink,
    HardLink,
    Input,
}

/// A store ready for every command that writes a file: a certificate, a
/// form with responses, a sealed export to decrypt.
struct Ready {
    v: Venue,
    trainee: String,
    form: String,
    responses: PathBuf,
    sealed: PathBuf,
}

fn ready() -> Ready {
    let v = Venue::new(None);
    let roster = ok(v.run(&["roster", "list", "--event", &v.event]));
    let trainee = roster["trainees"][0]["id"].as_str().unwrap().to_string();
    ok(v.run(&["certificates", "override", "--event", &v.event, "--trainee", &trainee, "--eligible", "true", "--reason", "test", "--by", "zhao"]));
    ok(v.run(&["certificates", "issue", "--event", &v.event, "--out", s(&v.path("first.pdf"))]));
    let xlsform = workspace().join("crates/muster-core/tests/data/xlsform/yes_or_no_question.xlsx");
    let form = ok(v.run(&["form", "import", "--event", &v.event, s(&xlsform)]))["id"].as_str().unwrap().to_string();
    let responses = write(&v, "responses.csv", b"paper_id,good_day\nA01,yes\nA02,maybe\n");
    let sealed = v.path("sealed.csv.zip");
    muster_core::seal::write(&sealed, "report.csv", b"\xEF\xBB\xBFa,b\r\n", "office").unwrap();
    Ready { v, trainee, form, responses, sealed }
}

#[test]
fn no_output_lands_on_the_store_its_wal_or_an_input() {
    let r = ready();
    let v = &r.v;
    let (e, f, t) = (v.event.as_str(), r.form.as_str(), r.trainee.as_str());
    let (roster, responses, sealed) = (s(&v.roster).to_string(), s(&r.responses).to_string(), s(&r.sealed).to_string());
    // (command, args with OUT, its input file)
    let commands: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("backup --out", vec!["backup", "--out", "OUT"], None),
        ("badges --out", vec!["badges", "--event", e, "--out", "OUT"], None),
        ("sheet --out", vec!["sheet", "--event", e, "--out", "OUT"], None),
        ("attendance report --xlsx", vec!["attendance", "report", "--event", e, "--xlsx", "OUT"], None),
        ("attendance report --csv", vec!["attendance", "report", "--event", e, "--csv", "OUT"], None),
        ("roster import --rejects", vec!["roster", "import", "--event", e, &roster, "--rejects", "OUT"], Some(&roster)),
        ("audit --csv", vec!["audit", "--csv", "OUT"], None),
        ("sync export --out", vec!["sync", "export", "--out", "OUT"], None),
        ("certificates issue --out", vec!["certificates", "issue", "--event", e, "--out", "OUT", "--reason", "again"], None),
        ("certificates reprint --out", vec!["certificates", "reprint", t, "--reason", "lost", "--out", "OUT"], None),
        ("responses import --rejects", vec!["responses", "import", "--form", f, &responses, "--rejects", "OUT"], Some(&responses)),
        ("responses report --xlsx", vec!["responses", "report", "--form", f, "--xlsx", "OUT"], None),
        ("responses report --pdf", vec!["responses", "report", "--form", f, "--pdf", "OUT"], None),
        ("report questions --pdf", vec!["report", "questions", "--form", f, "--pdf", "OUT"], None),
        ("decrypt --out", vec!["decrypt", &sealed, "--out", "OUT"], Some(&sealed)),
    ];
    let link = v.path("link.db");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&v.db, &link).unwrap();
    let hard = v.path("hard.db");
    std::fs::hard_link(&v.db, &hard).unwrap();
    let before = |p: &Path| std::fs::read(p).unwrap_or_default();
    let (store_bytes, roster_bytes, responses_bytes, sealed_bytes) = (before(&v.db), before(&v.roster), before(&r.responses), before(&r.sealed));
    let mut refused = 0;
    for (name, args, input) in &commands {
        let mut targets = vec![Target::Store, Target::DotStore, Target::Wal, Target::Shm, Target::Lock, Target::HardLink];
        if cfg!(unix) {
            targets.push(Target::Symlink);
        }
        if input.is_some() {
            targets.push(Target::Input);
        }
        for target in targets {
            let out = match target {
                Target::Store => v.db.clone(),
                Target::DotStore => v.dir.path().join(".").join("muster.db"),
                Target::Wal => with_suffix(&v.db, "-wal"),
                Target::Shm => with_suffix(&v.db, "-shm"),
                Target::Lock => with_suffix(&v.db, ".lock"),
                Target::Symlink => link.clone(),
                Target::HardLink => hard.clone(),
                Target::Input => PathBuf::from(input.unwrap()),
            };
            // --force changes nothing here: tried on the store and the input.
            let forces: &[bool] = if matches!(target, Target::Store | Target::Input) { &[false, true] } else { &[false] };
            for &force in forces {
                let mut a: Vec<&str> = args.iter().map(|x| if *x == "OUT" { s(&out) } else { *x }).collect();
                if force {
                    a.push("--force");
                }
                let env: &[(&str, &str)] = if name.starts_with("decrypt") { &[("MUSTER_EXPORT_PASSPHRASE", "office")] } else { &[] };
                let res = run_env(&v.db, None, env, &a);
                let case = format!("{name} at {target:?}{}", if force { " --force" } else { "" });
                assert_eq!(res.code, 3, "{case}: {}{}", res.stdout, res.stderr);
                let err = &res.json()["error"];
                assert_eq!(err["code"], "invalid_input", "{case}: {err}");
                let message = err["message"].as_str().unwrap();
                assert!(message.contains("would overwrite"), "{case}: {err}");
                let what = if target == Target::Input { "the input file" } else { "the store" };
                assert!(message.contains(what), "{case}: {err}");
                assert_eq!(before(&v.db), store_bytes, "{case}: the store is untouched");
                assert!(!with_suffix(&out, ".zip").exists() || target == Target::Input, "{case}");
                refused += 1;
            }
        }
    }
    assert!(refused >= 120, "{refused}");
    assert_eq!((before(&v.roster), before(&r.responses), before(&r.sealed)), (roster_bytes, responses_bytes, sealed_bytes), "the inputs are untouched");
    assert_eq!(before(&hard), store_bytes);
    v.assert_intact("after every refused output", TRAINEES);
    // The -wal and -shm names were refused, not written.
    for suffix in ["-wal", "-shm"] {
        let p = with_suffix(&v.db, suffix);
        assert!(!p.exists() || !contains(&p, "PDF"), "{}", p.display());
    }
}

#[test]
fn an_encrypted_stores_sealed_outputs_are_guarded_too() {
    // The sealed file is FILE.zip: naming the store's own .zip-less name is
    // fine (the store is not touched), but pointing at the store's files
    // through a .zip name that resolves to them is refused.
    let v = Venue::new(Some("pw"));
    let wal_zip = with_suffix(&v.db, "-wal");
    // `--csv muster.db-wal.zip` would seal to muster.db-wal.zip (not the -wal): allowed.
    let r = ok(v.run(&["attendance", "report", "--event", &v.event, "--csv", &format!("{}.zip", wal_zip.display())]));
    assert_eq!(r["encrypted"], true);
    // A symlink named x.zip to the store is the store.
    #[cfg(unix)]
    {
        let link = v.path("report.csv.zip");
        std::os::unix::fs::symlink(&v.db, &link).unwrap();
        let res = v.run(&["attendance", "report", "--event", &v.event, "--csv", s(&v.path("report.csv"))]);
        assert_eq!(res.code, 3, "{}", res.stdout);
        assert!(res.json()["error"]["message"].as_str().unwrap().contains("would overwrite the store"), "{}", res.stdout);
    }
    v.assert_intact("encrypted", TRAINEES);
}

#[test]
fn an_existing_file_of_another_kind_is_replaced_only_with_force() {
    let v = Venue::new(None);
    let e = v.event.as_str();
    let organisers = v.path("organisers-roster.xlsx");
    std::fs::copy(workspace().join("crates/muster-core/tests/data/roster/excel.xlsx"), &organisers).unwrap();
    let original = std::fs::read(&organisers).unwrap();
    let notes = write(&v, "notes.txt", "会议记录\n".as_bytes());
    let other_roster = write(&v, "other-roster.csv", "\u{FEFF}姓名,手机号码\n王素梅,13812345678\n".as_bytes());

    // (case, args, file it must leave alone without --force)
    let refused: Vec<(&str, Vec<&str>, &Path)> = vec![
        ("an XLSX over the organiser's workbook", vec!["attendance", "report", "--event", e, "--xlsx", s(&organisers)], &organisers),
        ("a CSV over a workbook", vec!["attendance", "report", "--event", e, "--csv", s(&organisers)], &organisers),
        ("a PDF over a text file", vec!["badges", "--event", e, "--out", s(&notes)], &notes),
        ("a backup over a text file", vec!["backup", "--out", s(&notes)], &notes),
        ("a sync file over a text file", vec!["sync", "export", "--out", s(&notes)], &notes),
        ("rejects over another roster", vec!["roster", "import", "--event", e, s(&v.roster), "--dry-run", "--rejects", s(&other_roster)], &other_roster),
        ("an audit CSV over a roster", vec!["audit", "--csv", s(&other_roster)], &other_roster),
    ];
    for (case, args, keep) in &refused {
        let before = std::fs::read(keep).unwrap();
        let r = v.run(args);
        assert_eq!(r.code, 3, "{case}: {}{}", r.stdout, r.stderr);
        let err = &r.json()["error"];
        assert_eq!(err["code"], "needs_confirmation", "{case}: {err}");
        assert!(err["message"].as_str().unwrap().contains("--force"), "{case}: {err}");
        assert_eq!(&std::fs::read(keep).unwrap(), &before, "{case}: left alone");
    }
    assert_eq!(std::fs::read(&organisers).unwrap(), original);
    v.assert_intact("after the refusals", TRAINEES);

    // With --force it is replaced; Muster's own file is replaced again
    // without asking (the daily export to the same name).
    ok(v.run(&["attendance", "report", "--event", e, "--xlsx", s(&organisers), "--force"]));
    assert_ne!(std::fs::read(&organisers).unwrap(), original);
    ok(v.run(&["attendance", "report", "--event", e, "--xlsx", s(&organisers)]));
    ok(v.run(&["badges", "--event", e, "--out", s(&notes), "--force"]));
    ok(v.run(&["badges", "--event", e, "--out", s(&notes)]));
    assert!(std::fs::read(&notes).unwrap().starts_with(b"%PDF-"));
    let csv = v.path("attendance.csv");
    ok(v.run(&["attendance", "report", "--event", e, "--csv", s(&csv)]));
    ok(v.run(&["attendance", "report", "--event", e, "--csv", s(&csv)]));
    let backup = v.path("nightly.muster");
    ok(v.run(&["backup", "--out", s(&backup)]));
    ok(v.run(&["backup", "--out", s(&backup)]));
    let sync = v.path("stick.muster");
    ok(v.run(&["sync", "export", "--out", s(&sync)]));
    ok(v.run(&["sync", "export", "--out", s(&sync)]));
    let audit = v.path("audit.csv");
    ok(v.run(&["audit", "--csv", s(&audit)]));
    ok(v.run(&["audit", "--csv", s(&audit)]));
    ok(v.run(&["roster", "import", "--event", e, s(&v.roster), "--dry-run", "--rejects", s(&other_roster), "--force"]));
    ok(v.run(&["roster", "import", "--event", e, s(&v.roster), "--dry-run", "--rejects", s(&other_roster)]));
    v.assert_intact("after the forced and repeated writes", TRAINEES);
}

/// A loopback TCP proxy that holds every connection until opened: a slow
/// server, so a `muster sync` keeps its store open as long as the test
/// wants.
struct Gate {
    addr: std::net::SocketAddr,
    open: Arc<AtomicBool>,
    arrived: Arc<AtomicUsize>,
}

impl Gate {
    fn start(upstream: std::net::SocketAddr) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let gate = Gate { addr: listener.local_addr().unwrap(), open: Arc::new(AtomicBool::new(false)), arrived: Arc::new(AtomicUsize::new(0)) };
        let (open, arrived) = (gate.open.clone(), gate.arrived.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                let (open, arrived) = (open.clone(), arrived.clone());
                std::thread::spawn(move || {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    while !open.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    let Ok(server) = TcpStream::connect(upstream) else { return };
                    let pipe = |mut from: TcpStream, mut to: TcpStream| {
                        std::thread::spawn(move || {
                            let mut buf = [0u8; 16384];
                            while let Ok(n) = from.read(&mut buf) {
                                if n == 0 || to.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                            let _ = to.shutdown(std::net::Shutdown::Write);
                        })
                    };
                    let a = pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                    let b = pipe(server, client);
                    let _ = (a.join(), b.join());
                });
            }
        });
        gate
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until a client is held at the gate.
    fn wait_for_client(&self, child: &mut Child) {
        let start = Instant::now();
        while self.arrived.load(Ordering::SeqCst) == 0 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the sync ended before it reached the server: {status}");
            }
            assert!(start.elapsed() < Duration::from_secs(60), "the sync never reached the server");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

const PULLED: usize = 806;

/// A server holding an event with 806 trainees from laptop A, a token for
/// laptop B, and B's store (a CLI store file) with a venue of its own.
fn server_with_a_venue(dir: &Path) -> (std::net::SocketAddr, String) {
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.join("server.db").display()));
    let (token_a, token_b) = (add_device(&rt, &backend, "A"), add_device(&rt, &backend, "B"));
    let mut a = Laptop::new(dir, "a", token_a);
    create_event(&mut a, PULLED);
    a.sync(&format!("http://{addr}")).unwrap();
    (addr, token_b)
}

fn spawn_sync(db: &Path, url: &str, token: &str) -> Child {
    command(db, None, &["sync", "--server", url, "--token", token]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

#[test]
fn passphrase_change_and_restore_refuse_while_a_sync_holds_the_store_and_no_write_is_lost() {
    let v = Venue::new(None);
    let (addr, token_b) = server_with_a_venue(v.dir.path());
    let backup = v.path("usb.muster");
    ok(v.run(&["backup", "--out", s(&backup)]));
    let gate = Gate::start(addr);
    let mut sync = spawn_sync(&v.db, &gate.url(), &token_b);
    gate.wait_for_client(&mut sync);

    // The sync holds the store open, waiting on the server.
    let r = run_env(&v.db, None, &[("MUSTER_NEW_PASSPHRASE", "new one")], &["passphrase", "change"]);
    assert_eq!(r.code, 3, "passphrase change beside a sync: {}{}", r.stdout, r.stderr);
    let err = &r.json()["error"];
    assert_eq!(err["code"], "conflict", "{err}");
    assert!(err["message"].as_str().unwrap().contains("open in another program"), "{err}");
    let r = v.run(&["restore", s(&backup), "--force"]);
    assert_eq!(r.code, 3, "restore beside a sync: {}", r.stdout);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("open in another program"), "{}", r.stdout);
    assert!(v.kept(".before-restore").is_empty());

    // Two holders at once are fine: the CLI beside the app (or a sync) reads
    // and writes as before.
    assert_eq!(v.trainees(), TRAINEES);
    ok(v.run(&["walkin", "--event", &v.event, "--name", WALK_IN, "--phone", "13700000001"]));

    gate.open();
    let out = sync.wait_with_output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["pulled"].as_u64().unwrap() >= PULLED as u64, "{report}");

    // Nothing the sync or the walk-in wrote is lost; the store is plain still.
    let events = ok(v.run(&["event", "list"]));
    let counts: Vec<u64> = events["events"].as_array().unwrap().iter().map(|e| e["trainee_count"].as_u64().unwrap()).collect();
    assert!(counts.contains(&(PULLED as u64)) && counts.contains(&(TRAINEES + 1)), "{counts:?}");
    assert!(contains(&v.db, WALK_IN) || contains(&with_suffix(&v.db, "-wal"), WALK_IN), "the store is still plain");

    // Alone again: the passphrase changes, and everything is there under it.
    ok(run_env(&v.db, None, &[("MUSTER_NEW_PASSPHRASE", "new one")], &["passphrase", "change"]));
    let events = ok(run(&v.db, Some("new one"), &["event", "list"]));
    let counts: Vec<u64> = events["events"].as_array().unwrap().iter().map(|e| e["trainee_count"].as_u64().unwrap()).collect();
    assert!(counts.contains(&(PULLED as u64)) && counts.contains(&(TRAINEES + 1)), "{counts:?}");
    assert!(!contains(&v.db, WALK_IN));
}

#[test]
fn a_holder_killed_with_sigkill_leaves_no_lock_behind() {
    let v = Venue::new(None);
    let (addr, token_b) = server_with_a_venue(v.dir.path());
    let gate = Gate::start(addr);
    let mut sync = spawn_sync(&v.db, &gate.url(), &token_b);
    gate.wait_for_client(&mut sync);
    let r = run_env(&v.db, None, &[("MUSTER_NEW_PASSPHRASE", "new one")], &["passphrase", "change"]);
    assert_eq!(r.code, 3, "held: {}", r.stdout);
    sync.kill().unwrap(); // SIGKILL
    sync.wait().unwrap();
    let start = Instant::now();
    ok(run_env(&v.db, None, &[("MUSTER_NEW_PASSPHRASE", "new one")], &["passphrase", "change"]));
    assert!(start.elapsed() < Duration::from_secs(10), "refused at once or done at once, never waiting on a dead holder");
    let r = run(&v.db, Some("new one"), &["check"]);
    assert_eq!(r.json()["ok"], true, "{}", r.stdout);
    assert_eq!(run(&v.db, Some("new one"), &["event", "list"]).json()["events"][0]["trainee_count"], TRAINEES);
    gate.open();
}
