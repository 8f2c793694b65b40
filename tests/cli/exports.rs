//! Exports through the real `muster` binary: an encrypted store seals them
//! (`<path>.zip`, `"encrypted": true`) unless `--plain`; `muster decrypt`,
//! 7-Zip and bsdtar open them with the passphrase; a sealed sync file
//! travels to another laptop; a plain store's exports are as before.

use muster_tests::{muster_bin, workspace, Run};
use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "王素梅";
const MOBILE: &str = "13812345678";
const ID_NUMBER: &str = "11010519491231002X";
const PW: &str = "steppe wind 7";

/// Runs `muster --db DB --json ARGS...` with exactly the passphrase
/// variables in `env` (none inherited).
fn run(db: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(muster_bin());
    cmd.arg("--db").arg(db).arg("--json").args(args);
    cmd.env("XDG_DATA_HOME", db.parent().unwrap());
    for k in ["MUSTER_PASSPHRASE", "MUSTER_NEW_PASSPHRASE", "MUSTER_EXPORT_PASSPHRASE"] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("muster runs");
    Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

fn ok(r: Run) -> serde_json::Value {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.json()
}

fn leaks(file: &Path) -> Vec<&'static str> {
    let hay = std::fs::read(file).unwrap();
    [NAME, MOBILE, ID_NUMBER].into_iter().filter(|v| hay.windows(v.len()).any(|w| w == v.as_bytes())).collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn zip_of(p: &Path) -> PathBuf {
    PathBuf::from(format!("{}.zip", p.display()))
}

/// A store with an event, one trainee (name, mobile, ID) and a rejected
/// roster row, and a form with a text answer naming her.
struct Venue {
    dir: tempfile::TempDir,
    db: PathBuf,
    env: Vec<(&'static str, &'static str)>,
    event: String,
    roster: PathBuf,
    form: String,
    responses: PathBuf,
}

fn venue(env: &[(&'static str, &'static str)]) -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = ok(run(&db, env, &["event", "create", "--name", "养殖培训", "--starts", "2026-12-01"]))["id"].as_str().unwrap().to_string();
    let roster = dir.path().join("名单.csv");
    std::fs::write(&roster, format!("姓名,手机号码,身份证号\n{NAME},{MOBILE},{ID_NUMBER}\n{NAME}2,1380000,{ID_NUMBER}\n")).unwrap();
    let xlsform = workspace().join("crates/muster-core/tests/data/xlsform/text_and_integer.xlsx");
    let form = ok(run(&db, env, &["form", "import", "--event", &event, s(&xlsform)]))["id"].as_str().unwrap().to_string();
    let responses = dir.path().join("responses.csv");
    std::fs::write(&responses, format!("paper_id,your_name,your_age\n1,{NAME},45\n2,{NAME} {MOBILE} {ID_NUMBER},old\n")).unwrap();
    Venue { dir, db, env: env.to_vec(), event, roster, form, responses }
}

impl Venue {
    fn run(&self, args: &[&str]) -> serde_json::Value {
        ok(run(&self.db, &self.env, args))
    }

    /// Every export command, into folder `sub`, with `extra` flags (e.g.
    /// `--plain`); returns (what, path asked for, the command's JSON).
    fn export_all(&self, sub: &str, extra: &[&str]) -> Vec<(&'static str, PathBuf, serde_json::Value)> {
        let d = self.dir.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        let (rejects, xlsx, csv, rrejects, portrait, sync) =
            (d.join("rejects.csv"), d.join("考勤.xlsx"), d.join("考勤.csv"), d.join("responses-rejects.csv"), d.join("portrait.xlsx"), d.join("venue.muster"));
        fn with<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
            [args, extra].concat()
        }
        let import = self.run(&with(&["roster", "import", "--event", &self.event, s(&self.roster), "--rejects", s(&rejects)], extra));
        let report = self.run(&with(&["attendance", "report", "--event", &self.event, "--xlsx", s(&xlsx), "--csv", s(&csv)], extra));
        let responses = self.run(&with(&["responses", "import", "--form", &self.form, s(&self.responses), "--rejects", s(&rrejects)], extra));
        let questions = self.run(&with(&["report", "questions", "--form", &self.form, "--xlsx", s(&portrait)], extra));
        let sync_out = self.run(&with(&["sync", "export", "--out", s(&sync)], extra));
        vec![
            ("roster rejects", rejects, import["rejects_file"].clone(), import["encrypted"].clone()),
            ("attendance xlsx", xlsx, report["xlsx"].clone(), report["encrypted"].clone()),
            ("attendance csv", csv, report["csv"].clone(), report["encrypted"].clone()),
            ("responses rejects", rrejects, responses["rejects_file"].clone(), responses["encrypted"].clone()),
            ("portrait xlsx", portrait, questions["xlsx"].clone(), questions["encrypted"].clone()),
            ("sync file", sync, sync_out["file"].clone(), sync_out["encrypted"].clone()),
        ]
        .into_iter()
        .map(|(what, asked, file, encrypted)| (what, asked, serde_json::json!({"file": file, "encrypted": encrypted})))
        .collect()
    }
}

#[test]
fn an_encrypted_store_seals_every_export_unless_plain_and_decrypt_round_trips() {
    let v = venue(&[("MUSTER_PASSPHRASE", PW)]);
    let sealed = v.export_all("sealed", &[]);
    let plain = v.export_all("plain", &["--plain"]);
    for ((what, asked, j), (_, plain_asked, pj)) in sealed.iter().zip(&plain) {
        // Default: <path>.zip, "encrypted": true, no plain file, no leak.
        assert_eq!(j["encrypted"], true, "{what}: {j}");
        let file = zip_of(asked);
        assert_eq!(j["file"], s(&file), "{what}: {j}");
        assert!(!asked.exists(), "{what}");
        assert_eq!(leaks(&file), Vec::<&str>::new(), "{what} leaks");
        // --plain: the plain file at the path, "encrypted": false.
        assert_eq!((pj["file"].as_str(), pj["encrypted"].as_bool()), (Some(s(plain_asked)), Some(false)), "{what}: {pj}");

        // muster decrypt with the store's passphrase gives the file back.
        let out = v.dir.path().join("decrypted").join(asked.file_name().unwrap());
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        let d = ok(run(&v.db, &[("MUSTER_PASSPHRASE", PW)], &["decrypt", s(&file), "--out", s(&out)]));
        assert_eq!(d["file"], s(&out));
        assert_eq!(d["bytes"].as_u64(), Some(std::fs::metadata(&out).unwrap().len()));
        match asked.extension().unwrap().to_str().unwrap() {
            "csv" => assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(plain_asked).unwrap(), "{what}: same content as --plain"),
            "xlsx" => assert!(std::fs::read(&out).unwrap().starts_with(b"PK\x03\x04"), "{what}"),
            _ => assert!(!std::fs::read(&out).unwrap().is_empty(), "{what}"),
        }
    }
    // The control: the plain rejects hold what the sealed ones hide.
    assert_eq!(leaks(&plain[3].1), vec![NAME, MOBILE, ID_NUMBER]);

    // A wrong or missing passphrase: exit 3, field passphrase, the file named.
    let file = zip_of(&sealed[2].1);
    for env in [&[("MUSTER_PASSPHRASE", "wrong")][..], &[][..]] {
        let r = run(&v.db, env, &["decrypt", s(&file), "--out", s(&v.dir.path().join("x.csv"))]);
        assert_eq!(r.code, 3, "{}", r.stdout);
        let e = &r.json()["error"];
        assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("passphrase")), "{e}");
        assert!(e["message"].as_str().unwrap().contains("passphrase"), "{e}");
        assert!(!v.dir.path().join("x.csv").exists());
    }
    assert_eq!(run(&v.db, &[("MUSTER_PASSPHRASE", "wrong")], &["decrypt", s(&file)]).json()["error"]["file"], s(&file));
    // Without --out: the name inside, beside the sealed file; no store needed.
    let nowhere = v.dir.path().join("no-store-here.db");
    let d = ok(run(&nowhere, &[("MUSTER_EXPORT_PASSPHRASE", PW)], &["decrypt", s(&file)]));
    assert_eq!(d["file"], s(&sealed[2].1));
    assert!(!nowhere.exists(), "decrypt does not create a store");
    // Not a sealed export: exit 3.
    assert_eq!(run(&v.db, &[("MUSTER_PASSPHRASE", PW)], &["decrypt", s(&v.roster)]).code, 3);
}

#[test]
fn seven_zip_and_bsdtar_open_a_sealed_export_with_the_passphrase() {
    let v = venue(&[("MUSTER_PASSPHRASE", PW)]);
    let csv = v.dir.path().join("考勤.csv");
    let plain = v.dir.path().join("plain.csv");
    v.run(&["roster", "import", "--event", &v.event, s(&v.roster)]);
    assert_eq!(v.run(&["attendance", "report", "--event", &v.event, "--csv", s(&csv)])["encrypted"], true);
    v.run(&["attendance", "report", "--event", &v.event, "--csv", s(&plain), "--plain"]);
    let want = std::fs::read(&plain).unwrap();
    let zip = zip_of(&csv);

    let out = v.dir.path().join("7z");
    let r = Command::new("7z").arg("x").arg(format!("-p{PW}")).arg(format!("-o{}", out.display())).arg(&zip).output().expect("7z (p7zip-full) is installed");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stdout));
    assert_eq!(std::fs::read(out.join("考勤.csv")).unwrap(), want);
    let r = Command::new("7z").arg("x").arg("-pwrong").arg(format!("-o{}", v.dir.path().join("7z-wrong").display())).arg(&zip).output().unwrap();
    assert!(!r.status.success(), "7z refuses a wrong password");
    let r = Command::new("7z").arg("l").arg("-slt").arg(&zip).output().unwrap();
    let listing = String::from_utf8_lossy(&r.stdout);
    assert!(listing.contains("AES-256"), "{listing}");

    let out = v.dir.path().join("bsdtar");
    std::fs::create_dir_all(&out).unwrap();
    let r = Command::new("bsdtar").arg("-xf").arg(&zip).arg("--passphrase").arg(PW).arg("-C").arg(&out).output().expect("bsdtar (libarchive-tools) is installed");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(std::fs::read(out.join("考勤.csv")).unwrap(), want);
}

#[test]
fn a_sealed_sync_file_travels_with_the_export_passphrase_and_old_plain_files_still_import() {
    let a = venue(&[("MUSTER_PASSPHRASE", PW), ("MUSTER_EXPORT_PASSPHRASE", "for the hub")]);
    a.run(&["roster", "import", "--event", &a.event, s(&a.roster)]);
    let out = a.dir.path().join("usb.muster");
    let j = a.run(&["sync", "export", "--out", s(&out)]);
    assert_eq!((j["file"].as_str(), j["encrypted"].as_bool()), (Some(s(&zip_of(&out))), Some(true)), "{j}");
    let changes = j["changes"].as_u64().unwrap();
    assert!(changes > 3);

    // Another laptop, another store passphrase.
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.db");
    let b_pw = ("MUSTER_PASSPHRASE", "other laptop");
    let r = run(&b, &[b_pw], &["sync", "import", s(&zip_of(&out))]);
    assert_eq!(r.code, 3, "its own passphrase does not open it: {}", r.stdout);
    assert_eq!(r.json()["error"]["field"], "passphrase");
    let j = ok(run(&b, &[b_pw, ("MUSTER_EXPORT_PASSPHRASE", "for the hub")], &["sync", "import", s(&zip_of(&out))]));
    assert_eq!(j["new"].as_u64(), Some(changes));
    let roster = ok(run(&b, &[b_pw], &["roster", "list", "--event", &a.event]));
    assert_eq!(roster["trainees"][0]["name"], NAME);

    // A plain file (an older Muster, or --plain) still imports.
    let plain = a.dir.path().join("plain.muster");
    let j = a.run(&["sync", "export", "--out", s(&plain), "--plain"]);
    assert_eq!(j["encrypted"], false);
    let c = dir.path().join("c.db");
    assert_eq!(ok(run(&c, &[("MUSTER_PASSPHRASE", "third")], &["sync", "import", s(&plain)]))["new"], j["changes"]);
}

#[test]
fn a_plain_stores_exports_stay_plain_at_the_paths_asked_for() {
    let v = venue(&[]);
    for (what, asked, j) in v.export_all("out", &[]) {
        assert_eq!((j["file"].as_str(), j["encrypted"].as_bool()), (Some(s(&asked)), Some(false)), "{what}: {j}");
        assert!(!zip_of(&asked).exists(), "{what}");
    }
    // The attendance report without files says nothing of encryption.
    assert!(v.run(&["attendance", "report", "--event", &v.event]).get("encrypted").is_none());
}
