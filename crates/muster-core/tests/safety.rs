//! At-rest encryption, backup and restore: tests that look at the bytes on
//! disk, wrong passphrases, re-keying and restore round trips.

use muster_core::model::NewEvent;
use muster_core::{ErrorCode, Muster};
use std::path::{Path, PathBuf};

const NAME: &str = "王素梅";
const ID_NUMBER: &str = "11010519491231002X";
const MOBILE: &str = "13812345678";

fn fill(m: &mut Muster) -> String {
    let e = m
        .create_event(NewEvent { name: "养殖培训".into(), venue: "王家村".into(), starts_on: "2026-12-01".into(), days: 1 })
        .unwrap();
    m.walk_in(&e.id, NAME, Some(MOBILE), Some(ID_NUMBER)).unwrap();
    e.id
}

fn with_suffix(p: &Path, s: &str) -> PathBuf {
    let mut n = p.file_name().unwrap().to_os_string();
    n.push(s);
    p.with_file_name(n)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Which of the personal values appear in plain text in `file`.
fn leaks(file: &Path) -> Vec<&'static str> {
    let bytes = std::fs::read(file).unwrap_or_default();
    [NAME, ID_NUMBER, MOBILE].into_iter().filter(|v| contains(&bytes, v)).collect()
}

#[test]
fn without_a_passphrase_names_and_ids_are_on_disk_in_plain_text() {
    // The control: proves the byte search below can fail.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plain.db");
    let mut m = Muster::open(&db).unwrap();
    fill(&mut m);
    let wal = with_suffix(&db, "-wal");
    assert!(wal.exists(), "WAL mode: the write sits in the -wal");
    assert_eq!(leaks(&wal), vec![NAME, ID_NUMBER, MOBILE]);
    let backup = dir.path().join("plain-backup.db");
    m.backup(&backup).unwrap();
    assert_eq!(leaks(&backup), vec![NAME, ID_NUMBER, MOBILE]);
    drop(m); // checkpoint: now in the main file
    assert_eq!(leaks(&db), vec![NAME, ID_NUMBER, MOBILE]);
}

#[test]
fn with_a_passphrase_no_name_or_id_is_in_the_store_its_wal_or_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("enc.db");
    let mut m = Muster::open_with(&db, Some("correct horse")).unwrap();
    assert!(m.store().encrypted());
    let event = fill(&mut m);
    let wal = with_suffix(&db, "-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0, "the write sits in the -wal");
    assert!(leaks(&wal).is_empty(), "{:?} in the -wal", leaks(&wal));
    assert!(leaks(&db).is_empty(), "{:?} in the store", leaks(&db));
    let backup = dir.path().join("enc-backup.db");
    let bytes = m.backup(&backup).unwrap();
    assert_eq!(bytes, std::fs::metadata(&backup).unwrap().len());
    assert!(leaks(&backup).is_empty(), "{:?} in the backup", leaks(&backup));
    drop(m);
    assert!(leaks(&db).is_empty(), "{:?} in the store after checkpoint", leaks(&db));
    // And the data is all there with the passphrase.
    let m = Muster::open_with(&db, Some("correct horse")).unwrap();
    assert_eq!(m.roster(&event).unwrap()[0].fields.name, NAME);
}

#[test]
fn a_wrong_or_missing_passphrase_is_refused_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("enc.db");
    let mut m = Muster::open_with(&db, Some("right")).unwrap();
    fill(&mut m);
    drop(m);
    let before = std::fs::read(&db).unwrap();
    let listing = || {
        let mut v: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    let files = listing();
    for pass in [Some("wrong"), None] {
        let err = Muster::open_with(&db, pass).err().expect("refused");
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        assert!(err.is_wrong_passphrase());
        assert_eq!(err.to_string(), "the passphrase does not open this store");
        assert_eq!(err.to_payload().field.as_deref(), Some("passphrase"));
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the store is untouched");
    assert_eq!(listing(), files, "no -wal or -shm left behind");
    // A plain store opened with a passphrase is refused too (not encrypted by accident).
    let plain = dir.path().join("plain.db");
    Muster::open(&plain).unwrap();
    assert!(Muster::open_with(&plain, Some("x")).err().unwrap().is_wrong_passphrase());
}

#[test]
fn changing_the_passphrase_rekeys_and_encrypts_a_plain_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut m = Muster::open(&db).unwrap();
    let event = fill(&mut m);
    // plain → encrypted
    let mut m = m.change_passphrase("one").unwrap();
    assert!(m.store().encrypted());
    m.walk_in(&event, "李建国", Some("13900001111"), None).unwrap();
    drop(m);
    assert!(leaks(&db).is_empty(), "{:?}", leaks(&db));
    assert!(Muster::open(&db).err().unwrap().is_wrong_passphrase());
    // encrypted → another key
    let m = Muster::open_with(&db, Some("one")).unwrap();
    assert_eq!(m.roster(&event).unwrap().len(), 2);
    let m = m.change_passphrase("two").unwrap();
    assert_eq!(m.roster(&event).unwrap().len(), 2);
    drop(m);
    assert!(Muster::open_with(&db, Some("one")).err().unwrap().is_wrong_passphrase());
    let m = Muster::open_with(&db, Some("two")).unwrap();
    assert_eq!(m.roster(&event).unwrap().len(), 2);
    assert!(m.store().check().unwrap().is_empty());
    assert!(leaks(&db).is_empty());
    assert!(leaks(&with_suffix(&db, "-wal")).is_empty());
}

#[test]
fn restore_round_trip_refuses_to_overwrite_and_checks_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut m = Muster::open_with(&db, Some("pw")).unwrap();
    let event = fill(&mut m);
    let backup = dir.path().join("usb").join("backup.muster");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    m.backup(&backup).unwrap();
    let device = m.store().device_id().to_string();
    m.walk_in(&event, "after the backup", Some("13700000011"), None).unwrap();
    drop(m);

    // Into a new path.
    let fresh = dir.path().join("new").join("m.db");
    Muster::restore(&backup, &fresh, Some("pw"), false, false).unwrap();
    let r = Muster::open_with(&fresh, Some("pw")).unwrap();
    assert_eq!(r.roster(&event).unwrap().len(), 1);
    assert_eq!(r.store().device_id(), device);
    drop(r);

    // An empty store may be replaced without --force.
    let empty = dir.path().join("empty.db");
    drop(Muster::open_with(&empty, Some("pw")).unwrap());
    Muster::restore(&backup, &empty, Some("pw"), false, false).unwrap();

    // A store with data is not replaced without force, and stays as it was.
    let before = std::fs::read(&db).unwrap();
    let err = Muster::restore(&backup, &db, Some("pw"), false, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // A wrong passphrase for the backup: refused, nothing replaced.
    let err = Muster::restore(&backup, &db, Some("nope"), true, false).unwrap_err();
    assert!(err.is_wrong_passphrase(), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // A damaged backup: refused.
    let broken = dir.path().join("broken.muster");
    let mut bytes = std::fs::read(&backup).unwrap();
    let n = bytes.len();
    bytes[n / 2..n / 2 + 64].fill(0xA5);
    std::fs::write(&broken, bytes).unwrap();
    assert!(Muster::restore(&broken, &db, Some("pw"), true, false).is_err());
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // With force: back to the backup's state.
    Muster::restore(&backup, &db, Some("pw"), true, false).unwrap();
    let r = Muster::open_with(&db, Some("pw")).unwrap();
    assert_eq!(r.roster(&event).unwrap().len(), 1);
    assert!(r.store().check().unwrap().is_empty());
    assert!(!with_suffix(&db, ".restore-tmp").exists());
}

#[test]
fn rekey_and_restore_refuse_while_a_second_connection_has_the_store_open() {
    // The desktop app keeps two connections (its window and its sync
    // thread): both may be open at once, but neither may have the file
    // replaced under the other.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut m = Muster::open(&db).unwrap();
    let event = fill(&mut m);
    let backup = dir.path().join("b.muster");
    m.backup(&backup).unwrap();
    let mut second = Muster::open(&db).unwrap();
    second.walk_in(&event, "李建国", Some("13900001111"), None).unwrap();

    let err = m.change_passphrase("one").err().expect("refused beside a second connection");
    assert!(err.is_busy(), "{err}");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(err.to_payload().file.as_deref(), db.to_str());
    let err = Muster::restore(&backup, &db, None, true, false).unwrap_err();
    assert!(err.is_busy(), "{err}");
    // The second connection writes on, and nothing was replaced.
    second.walk_in(&event, "张三", Some("13900002222"), None).unwrap();
    assert_eq!(second.roster(&event).unwrap().len(), 3);
    assert!(!second.store().encrypted());
    drop(second);

    // Alone, both work.
    let m = Muster::open(&db).unwrap();
    let m = m.change_passphrase("one").unwrap();
    assert_eq!(m.roster(&event).unwrap().len(), 3);
    assert!(!m.store().is_exclusive(), "back to a shared lock after the re-key");
    drop(m);
    let done = Muster::restore_from(&backup, &db, Some("one"), true, false).unwrap_err();
    assert!(done.is_wrong_passphrase(), "the backup is plain: {done}");
    let done = Muster::restore_from(&backup, &db, None, true, false).unwrap();
    let previous = done.previous.expect("the replaced store is kept");
    assert!(Muster::open(&previous).err().unwrap().is_wrong_passphrase(), "kept as it was: encrypted");
    assert_eq!(Muster::open_with(&previous, Some("one")).unwrap().roster(&event).unwrap().len(), 3);
    assert_eq!(Muster::open(&db).unwrap().roster(&event).unwrap().len(), 1);
}
