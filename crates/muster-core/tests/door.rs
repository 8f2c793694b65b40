//! The door while an import runs: other writes between the import's two
//! steps (reading the file, the transaction that classifies and writes its
//! rows), an import that never writes, and the import's transaction giving
//! way to a waiting write.

use muster_core::model::NewEvent;
use muster_core::roster::{self, ImportReport};
use muster_core::store::{self, Store};
use muster_core::trainee::TraineePatch;
use muster_core::Muster;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Venue {
    dir: tempfile::TempDir,
    db: PathBuf,
    door: Muster,
    event: String,
}

fn venue() -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut door = Muster::open(&db).unwrap();
    let event = door.create_event(NewEvent { name: "培训".into(), venue: "县城".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    Venue { dir, db, door, event }
}

fn csv(dir: &Path, name: &str, rows: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("姓名,手机\n");
    for (n, p) in rows {
        text.push_str(&format!("{n},{p}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Reads an import's file on a connection of its own, as the CLI beside the
/// app would.
fn read(v: &Venue, file: &Path) -> (Store, roster::ReadRoster) {
    let s = Store::open(&v.db).unwrap();
    let read = roster::read(&s, &v.event, file, false, &Default::default(), &mut |_, _| {}).unwrap();
    (s, read)
}

fn publish(v: &Venue, mut s: Store, read: roster::ReadRoster) -> ImportReport {
    roster::publish(&mut s, &v.event, read, &mut |_, _| {}).unwrap()
}

fn names(m: &Muster, event: &str, query: &str) -> Vec<String> {
    m.search(event, query, 20).unwrap().into_iter().map(|t| t.fields.name).collect()
}

/// How many different codes the trainees hold.
fn distinct_codes(roster: &[muster_core::model::Trainee]) -> usize {
    roster.iter().filter_map(|t| t.code.as_deref()).collect::<std::collections::HashSet<_>>().len()
}

/// The store's own change log is numbered 1, 2, 3, … without a gap.
fn assert_gap_free(m: &Muster) {
    let s = m.store();
    let seqs: Vec<u64> = s.changes_since(s.device_id(), 0, usize::MAX).unwrap().iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
}

#[test]
fn rows_that_became_duplicates_meanwhile_are_duplicates() {
    let mut v = venue();
    let file = csv(v.dir.path(), "a.csv", &[("王素梅", "13812345678"), ("李建国", "13900001111"), ("张三", "13600000000")]);
    let (s, file_read) = read(&v, &file);
    // A walk-in registered at the door while the file was being read.
    v.door.walk_in(&v.event, "李建国", Some("13900001111"), None).unwrap();
    let r = publish(&v, s, file_read);
    assert_eq!((r.imported, r.duplicates), (2, 1), "{r:?}");
    assert_eq!(r.duplicate_rows.iter().map(|d| d.line).collect::<Vec<_>>(), vec![3]);
    assert_eq!(v.door.roster(&v.event).unwrap().len(), 3);
    assert_eq!(names(&v.door, &v.event, "lijianguo"), vec!["李建国"], "the walk-in only");
    assert_eq!(names(&v.door, &v.event, "wangsumei"), vec!["王素梅"]);
    assert_gap_free(&v.door);
}

/// A write on the import's own connection between its two steps is seen
/// too.
#[test]
fn a_duplicate_written_on_the_imports_own_connection_is_found() {
    let mut v = venue();
    let file = csv(v.dir.path(), "a.csv", &[("王素梅", "13812345678"), ("李建国", "13900001111"), ("张三", "13600000000")]);
    let read = roster::read(v.door.store(), &v.event, &file, false, &Default::default(), &mut |_, _| {}).unwrap();
    v.door.walk_in(&v.event, "李建国", Some("13900001111"), None).unwrap();
    let r = roster::publish(v.door.store_mut(), &v.event, read, &mut |_, _| {}).unwrap();
    assert_eq!((r.imported, r.duplicates), (2, 1), "{r:?}");
    assert_eq!(r.duplicate_rows.iter().map(|d| d.line).collect::<Vec<_>>(), vec![3]);
    assert_eq!(v.door.roster(&v.event).unwrap().len(), 3);
    assert_eq!(names(&v.door, &v.event, "lijianguo"), vec!["李建国"], "the walk-in only");
    assert_gap_free(&v.door);
}

/// The file's own repeats are duplicates, every other row is imported once,
/// each with a code of its own.
#[test]
fn the_files_own_repeats_are_duplicates() {
    let mut v = venue();
    let first = csv(v.dir.path(), "a.csv", &[("王素梅", "13812345678")]);
    v.door.import_roster(&v.event, &first, &Default::default(), &mut |_, _| {}).unwrap();
    let file = csv(v.dir.path(), "b.csv", &[("王素梅", "13812345678"), ("李建国", "13900001111"), ("李建国", "13900001111"), ("张三", "13600000000")]);
    let r = v.door.import_roster(&v.event, &file, &Default::default(), &mut |_, _| {}).unwrap();
    assert_eq!((r.imported, r.duplicates), (2, 2), "{r:?}");
    assert_eq!(r.duplicate_rows.iter().map(|d| d.line).collect::<Vec<_>>(), vec![2, 4]);
    let roster = v.door.roster(&v.event).unwrap();
    assert_eq!(roster.len(), 3);
    assert_eq!(distinct_codes(&roster), 3, "every code once");
    assert_eq!(names(&v.door, &v.event, "lijianguo"), vec!["李建国"]);
    assert_gap_free(&v.door);
}

#[test]
fn a_row_that_stopped_being_a_duplicate_is_imported_and_searchable() {
    let mut v = venue();
    let first = csv(v.dir.path(), "a.csv", &[("王素梅", "13812345678")]);
    v.door.import_roster(&v.event, &first, &Default::default(), &mut |_, _| {}).unwrap();
    let second = csv(v.dir.path(), "b.csv", &[("王素梅", "13812345678"), ("赵六", "13700001111")]);
    let (s, second_read) = read(&v, &second);
    // Meanwhile the first 王素梅's mobile is corrected: the file's row is
    // someone else after all.
    let wang = v.door.roster(&v.event).unwrap().remove(0);
    v.door.edit_trainee(&wang.id, &TraineePatch { phone: Some("13500000000".into()), ..Default::default() }).unwrap();
    let r = publish(&v, s, second_read);
    assert_eq!((r.imported, r.duplicates), (2, 0), "{r:?}");
    assert_eq!(names(&v.door, &v.event, "wangsumei").len(), 2);
    assert_eq!(names(&v.door, &v.event, "zhaoliu"), vec!["赵六"]);
    assert_gap_free(&v.door);
}

/// An import that dies after reading its file (the process killed, the
/// laptop's battery out) leaves nothing: no trainee, nothing found, nothing
/// to sync; the same file imports whole afterwards, first row to last.
#[test]
fn an_import_that_never_publishes_leaves_nothing() {
    let mut v = venue();
    let changes = |m: &Muster| m.store().changes_since(m.store().device_id(), 0, usize::MAX).unwrap().len();
    let before = changes(&v.door);
    let mut rows: Vec<(String, String)> = (0..3000).map(|i| (format!("学员{i}"), format!("137{i:08}"))).collect();
    rows.push(("王素梅".into(), "13812345678".into()));
    let pairs: Vec<(&str, &str)> = rows.iter().map(|(n, p)| (n.as_str(), p.as_str())).collect();
    let file = csv(v.dir.path(), "big.csv", &pairs);
    let (s, file_read) = read(&v, &file);
    drop(file_read);
    drop(s);
    assert!(v.door.roster(&v.event).unwrap().is_empty());
    assert!(names(&v.door, &v.event, "wangsumei").is_empty());
    assert!(names(&v.door, &v.event, "学员").is_empty());
    assert_eq!(changes(&v.door), before, "nothing to sync");
    let r = v.door.import_roster(&v.event, &file, &Default::default(), &mut |_, _| {}).unwrap();
    assert_eq!(r.imported, 3001);
    assert_eq!(names(&v.door, &v.event, "wangsumei"), vec!["王素梅"]);
    assert_eq!(names(&v.door, &v.event, "学员2999"), vec!["学员2999"]);
    assert_eq!(names(&v.door, &v.event, "学员0"), vec!["学员0"]);
    assert_eq!(v.door.store().check().unwrap(), Vec::<String>::new());
    assert_gap_free(&v.door);
}

#[test]
fn an_import_gives_way_to_a_waiting_write_and_starts_again() {
    let v = venue();
    let mut importer = Store::open(&v.db).unwrap();
    let db = v.db.clone();
    let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
    let door = std::thread::spawn(move || {
        let mut s = Store::open(&db).unwrap();
        wait_for_go.recv().unwrap();
        let t0 = Instant::now();
        s.write(|w| store::events::insert(w, &NewEvent { name: "door".into(), venue: String::new(), starts_on: "2026-12-01".into(), days: 1 }, None))
            .unwrap();
        t0.elapsed()
    });
    let mut runs = 0;
    let (_, yielded) = importer
        .write_yielding(roster::PATIENCE, |w, ear| {
            runs += 1;
            store::events::insert(w, &NewEvent { name: format!("import {runs}"), venue: String::new(), starts_on: "2026-12-01".into(), days: 1 }, None)?;
            if runs == 1 {
                // Hold the lock until the door's write rings.
                go.send(()).unwrap();
                let t0 = Instant::now();
                while !ear.door_waiting() {
                    assert!(t0.elapsed() < Duration::from_secs(20), "the waiting write rings");
                    std::thread::sleep(Duration::from_millis(1));
                }
                return Ok(None);
            }
            Ok(Some(()))
        })
        .unwrap();
    let waited = door.join().unwrap();
    assert_eq!((runs, yielded), (2, 1));
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    let events: Vec<String> = v.door.list_events().unwrap().into_iter().map(|e| e.name).collect();
    assert!(events.contains(&"door".to_string()) && events.contains(&"import 2".to_string()), "{events:?}");
    assert!(!events.contains(&"import 1".to_string()), "the first attempt was rolled back: {events:?}");
    // The door's event went in first, numbered before the import's.
    let s = v.door.store();
    let log = s.changes_since(s.device_id(), 0, usize::MAX).unwrap();
    let pos = |name: &str| log.iter().position(|c| c.entity == "event" && c.fields.get("name").and_then(|n| n.as_str()) == Some(name)).unwrap();
    assert!(pos("door") < pos("import 2"));
    assert_gap_free(&v.door);
}

/// The trainees' indexes as `sqlite_master` holds them.
fn trainee_indexes(db: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trainees' AND sql IS NOT NULL ORDER BY name").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
}

/// A big import into an empty event builds the trainees' indexes after its
/// rows (`store::roster::defer_indexes`): a failure on one of its last rows
/// leaves nothing (no trainee, no change) and every index as it was; the
/// same file then imports whole, its duplicates found, and the indexes
/// answer as before.
#[test]
fn a_big_import_that_fails_late_leaves_nothing_and_its_indexes_as_they_were() {
    let v = venue();
    let changes = |m: &Muster| m.store().changes_since(m.store().device_id(), 0, usize::MAX).unwrap().len();
    let before = changes(&v.door);
    let indexes = trainee_indexes(&v.db);
    assert_eq!(indexes.len(), 4, "{indexes:?}");
    // 10,200 rows; the last rows repeat the first ones.
    let mut rows: Vec<(String, String)> = (0..10_200).map(|i| (format!("学员{i}"), format!("137{i:08}"))).collect();
    for i in 0..5 {
        rows.push((format!("学员{i}"), format!("137{i:08}")));
    }
    rows.push(("王素梅".into(), "13812345678".into()));
    let pairs: Vec<(&str, &str)> = rows.iter().map(|(n, p)| (n.as_str(), p.as_str())).collect();
    let file = csv(v.dir.path(), "big.csv", &pairs);
    // The store refuses the very last row, after ten thousand went in.
    let conn = rusqlite::Connection::open(&v.db).unwrap();
    conn.execute_batch("CREATE TRIGGER refuse_late BEFORE INSERT ON trainees WHEN NEW.name = '王素梅' BEGIN SELECT RAISE(ABORT, 'refused late'); END;").unwrap();
    let (mut s, first) = read(&v, &file);
    let err = roster::publish(&mut s, &v.event, first, &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("refused late"), "{err}");
    assert!(v.door.roster(&v.event).unwrap().is_empty());
    assert_eq!(changes(&v.door), before, "nothing to sync");
    assert!(names(&v.door, &v.event, "学员1").is_empty());
    assert_eq!(trainee_indexes(&v.db), indexes);
    assert_eq!(v.door.store().check().unwrap(), Vec::<String>::new());
    // The same file again, the store taking every row.
    conn.execute_batch("DROP TRIGGER refuse_late").unwrap();
    let (s, second) = read(&v, &file);
    let r = publish(&v, s, second);
    assert_eq!((r.imported, r.duplicates), (10_201, 5), "{r:?}");
    assert_eq!(r.duplicate_rows.iter().map(|d| d.line).collect::<Vec<_>>(), (10_202..10_207).collect::<Vec<u64>>());
    assert_eq!(trainee_indexes(&v.db), indexes);
    assert_eq!(v.door.store().check().unwrap(), Vec::<String>::new());
    assert_eq!(changes(&v.door), before + 10_201 + 1, "a change per trainee and the import's audit line");
    assert_eq!(names(&v.door, &v.event, "wangsumei"), vec!["王素梅"]);
    assert_eq!(names(&v.door, &v.event, "学员10199"), vec!["学员10199"]);
    // The roster keeps the file's order, and the indexes find by mobile
    // and code (a second import of the file: all duplicates).
    let roster = v.door.roster(&v.event).unwrap();
    assert_eq!(roster.first().map(|t| t.fields.name.as_str()), Some("学员0"));
    assert_eq!(roster.last().map(|t| t.fields.name.as_str()), Some("王素梅"));
    let code = roster[7].code.clone().unwrap();
    assert_eq!(names(&v.door, &v.event, &code), vec!["学员7"]);
    let (s, third) = read(&v, &file);
    let again = publish(&v, s, third);
    assert_eq!((again.imported, again.duplicates), (0, 10_206));
    assert_gap_free(&v.door);
}
