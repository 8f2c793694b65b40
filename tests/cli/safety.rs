//! `MUSTER_PASSPHRASE`, `muster backup`, `muster restore`, `muster passphrase
//! change` on real files, and kill -9 during an import.

use muster_tests::muster_bin;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `muster --db DB --json ARGS...` with `env` set (and no inherited
/// passphrase variables).
fn muster_env(db: &Path, env: &[(&str, &str)], args: &[&str]) -> muster_tests::Run {
    let mut cmd = command(db, env, args);
    let out = cmd.output().expect("muster runs");
    muster_tests::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn command(db: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(muster_bin());
    cmd.arg("--db").arg(db).arg("--json").args(args);
    cmd.env("XDG_DATA_HOME", db.parent().unwrap()).env_remove("MUSTER_PASSPHRASE").env_remove("MUSTER_NEW_PASSPHRASE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn contains(file: &Path, needle: &str) -> bool {
    let hay = std::fs::read(file).unwrap_or_default();
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn wal(db: &Path) -> std::path::PathBuf {
    db.with_file_name(format!("{}-wal", db.file_name().unwrap().to_string_lossy()))
}

const ROSTER: &str = "姓名,性别,手机号码,身份证号\n王素梅,女,13812345678,11010519491231002X\n李建国,男,13900001111,\n";

fn new_event(db: &Path, env: &[(&str, &str)]) -> String {
    let r = muster_env(db, env, &["event", "create", "--name", "培训", "--starts", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.json()["id"].as_str().unwrap().to_string()
}

#[test]
fn passphrase_backup_rekey_and_restore_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let pw = [("MUSTER_PASSPHRASE", "steppe wind 7")];
    let event = new_event(&db, &pw);
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, ROSTER).unwrap();
    let r = muster_env(&db, &pw, &["roster", "import", "--event", &event, roster.to_str().unwrap()]);
    assert_eq!(r.json()["imported"], 2, "{}", r.stdout);

    // Nothing personal in plain text: store, WAL, backup.
    for f in [&db, &wal(&db)] {
        assert!(!contains(f, "王素梅") && !contains(f, "11010519491231002X"), "{} leaks", f.display());
    }
    let backup = dir.path().join("backup.muster");
    let r = muster_env(&db, &pw, &["backup", "--out", backup.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["bytes"].as_u64().unwrap(), std::fs::metadata(&backup).unwrap().len());
    assert_eq!(r.json()["file"], backup.to_str().unwrap());
    assert!(!contains(&backup, "王素梅") && !contains(&backup, "11010519491231002X"));

    // No or a wrong passphrase: exit 3, a clear message, no hmac noise.
    for env in [&[][..], &[("MUSTER_PASSPHRASE", "wrong")][..]] {
        let r = muster_env(&db, env, &["event", "list"]);
        assert_eq!(r.code, 3, "{}", r.stdout);
        assert_eq!(r.json()["error"]["message"], "the passphrase does not open this store");
        assert_eq!(r.json()["error"]["code"], "invalid_input");
        assert!(!r.stderr.contains("hmac"), "{}", r.stderr);
    }

    // Re-key.
    let r = muster_env(&db, &[pw[0], ("MUSTER_NEW_PASSPHRASE", "new one")], &["passphrase", "change"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(muster_env(&db, &pw, &["event", "list"]).code, 3);
    let new = [("MUSTER_PASSPHRASE", "new one")];
    assert_eq!(muster_env(&db, &new, &["roster", "list", "--event", &event]).json()["trainees"].as_array().unwrap().len(), 2);
    let r = muster_env(&db, &new, &["passphrase", "change"]);
    assert_eq!(r.code, 3, "no MUSTER_NEW_PASSPHRASE: {}", r.stdout);

    // Restore: refused over a store with data, forced, and into a new path.
    let r = muster_env(&db, &pw, &["restore", backup.to_str().unwrap()]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("--force"));
    let r = muster_env(&db, &new, &["restore", backup.to_str().unwrap(), "--force"]);
    assert_eq!(r.code, 3, "the backup has the old passphrase: {}", r.stdout);
    let r = muster_env(&db, &pw, &["restore", backup.to_str().unwrap(), "--force"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["restored"], db.to_str().unwrap());
    let same_laptop = r.json()["device_id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["new_device"], false);
    let other = dir.path().join("elsewhere").join("m.db");
    let r = muster_env(&other, &pw, &["restore", backup.to_str().unwrap(), "--new-device"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["new_device"], true);
    let second = r.json()["device_id"].as_str().unwrap().to_string();
    assert!(second.len() == 36 && second != same_laptop, "a second laptop gets its own id: {second} vs {same_laptop}");
    for d in [&db, &other] {
        let r = muster_env(d, &pw, &["roster", "list", "--event", &event]);
        assert_eq!(r.json()["trainees"].as_array().unwrap().len(), 2);
        let r = muster_env(d, &pw, &["check"]);
        assert_eq!(r.json()["ok"], true, "{}", r.stdout);
    }
}

#[test]
fn a_plain_store_is_plain_on_disk_and_its_backup_too() {
    // The control for the byte checks above.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = new_event(&db, &[]);
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, ROSTER).unwrap();
    muster_env(&db, &[], &["roster", "import", "--event", &event, roster.to_str().unwrap()]);
    assert!(contains(&db, "王素梅") || contains(&wal(&db), "王素梅"));
    let backup = dir.path().join("b.db");
    let r = muster_env(&db, &[], &["backup", "--out", backup.to_str().unwrap()]);
    assert_eq!(r.json()["encrypted"], false);
    assert!(contains(&backup, "王素梅") && contains(&backup, "11010519491231002X"));
}

/// A roster of `n` valid rows (unique mobiles, IDs with check digits).
fn big_roster(path: &Path, n: usize) {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let surnames: Vec<char> = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗".chars().collect();
    let given: Vec<char> = "素梅建国丽华洋静波敏海涛小红刚丹志强晓燕".chars().collect();
    let mut out = String::from("姓名,性别,手机号码,身份证号,所在村,职业\n");
    for i in 0..n {
        let body = format!("431021{}{:02}{:02}{:03}", 1950 + i % 50, 1 + i % 12, 1 + i % 28, i % 1000);
        let sum: u32 = body.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
        let check = "10X98765432".as_bytes()[(sum % 11) as usize] as char;
        let name: String = [surnames[i % surnames.len()], given[(i / 20) % given.len()], given[(i / 7) % given.len()]].iter().collect();
        out.push_str(&format!("{name},{},139{:08},{body}{check},王家村,农民\n", if i % 2 == 0 { "女" } else { "男" }, i));
    }
    std::fs::write(path, out).unwrap();
}

fn trainee_count(db: &Path, env: &[(&str, &str)], event: &str) -> u64 {
    let r = muster_env(db, env, &["event", "list"]);
    let events = r.json()["events"].as_array().unwrap().clone();
    events.iter().find(|e| e["id"] == event).unwrap()["trainee_count"].as_u64().unwrap()
}

#[test]
fn kill_9_during_an_import_leaves_all_or_none_and_a_sound_store() {
    let dir = tempfile::tempdir().unwrap();
    let n = 10_000;
    let roster = dir.path().join("big.csv");
    big_roster(&roster, n);
    let pw = [("MUSTER_PASSPHRASE", "kill test")];

    // How long a whole import takes here, to kill at moments spread over it.
    let probe = dir.path().join("probe.db");
    let probe_event = new_event(&probe, &pw);
    let t0 = Instant::now();
    let r = muster_env(&probe, &pw, &["roster", "import", "--event", &probe_event, roster.to_str().unwrap()]);
    let full = t0.elapsed();
    assert_eq!(r.json()["imported"], n as u64, "{}", r.stdout);

    let db = dir.path().join("m.db");
    let mut seed = (std::process::id() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut seen = Vec::new();
    for round in 0..5 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Anywhere from the start to a little past the usual end.
        let at = Duration::from_millis(seed % (full.as_millis() as u64 * 11 / 10 + 1));
        // A fresh event each round: every import starts from nothing.
        let event = new_event(&db, &pw);
        let mut child = command(&db, &pw, &["roster", "import", "--event", &event, roster.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let r = muster_env(&db, &pw, &["check"]);
        assert_eq!(r.json()["ok"], true, "round {round}: {}", r.stdout);
        let count = trainee_count(&db, &pw, &event);
        assert!(count == 0 || count == n as u64, "round {round}: {count} rows after kill at {at:?}");
        seen.push((at, status.code(), count));
    }
    eprintln!("kill -9 rounds (at, exit, rows), full import {full:?}: {seen:?}");
}
