//! The door's index in memory (`store::search`): a connection's copy hears
//! of what other connections write (walk-ins, edits, merges, imports), and a
//! store from before migration 0007 gets its keys rebuilt at open.

use muster_core::model::NewEvent;
use muster_core::trainee::TraineePatch;
use muster_core::Muster;
use std::path::Path;

fn names(m: &Muster, event: &str, query: &str) -> Vec<String> {
    m.search(event, query, 20).unwrap().into_iter().map(|t| t.fields.name).collect()
}

fn import(m: &mut Muster, event: &str, dir: &Path, file: &str, rows: &[(String, String)]) {
    let mut text = String::from("姓名,手机\n");
    for (n, p) in rows {
        text.push_str(&format!("{n},{p}\n"));
    }
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    let r = m.import_roster(event, &path, &Default::default(), &mut |_, _| {}).unwrap();
    assert_eq!(r.imported as usize, rows.len(), "{r:?}");
}

fn rows(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, p)| (n.to_string(), p.to_string())).collect()
}

#[test]
fn a_copy_in_memory_hears_of_every_write_of_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut office = Muster::open(&db).unwrap();
    let event = office.create_event(NewEvent { name: "培训".into(), venue: "县城".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    import(&mut office, &event, dir.path(), "a.csv", &rows(&[("王素梅", "13812345678"), ("李建国", "13900001111")]));
    // The door's connection builds its copy with its first query.
    let door = Muster::open(&db).unwrap();
    assert_eq!(names(&door, &event, "wsm"), ["王素梅"]);
    assert!(names(&door, &event, "zhaoliu").is_empty());

    // A walk-in, an edited name, a merge, all on the other connection.
    let (walk_in, _) = office.walk_in(&event, "赵六", Some("13700002222"), None).unwrap();
    let wang = office.roster(&event).unwrap().into_iter().find(|t| t.fields.name == "王素梅").unwrap();
    office.edit_trainee(&wang.id, &TraineePatch { name: Some("王淑梅".into()), ..Default::default() }).unwrap();
    let (twice, _) = office.walk_in(&event, "李建国", Some("13900001111"), None).unwrap();
    let li = office.roster(&event).unwrap().into_iter().find(|t| t.fields.name == "李建国" && t.id != twice.id).unwrap();
    office.merge_trainees(&li.id, &twice.id).unwrap();

    assert_eq!(names(&door, &event, "zhaoliu"), ["赵六"]);
    assert_eq!(names(&door, &event, walk_in.code.as_deref().unwrap()), ["赵六"]);
    assert_eq!(names(&door, &event, "2222"), ["赵六"]);
    assert!(names(&door, &event, "wangsumei").is_empty(), "the old name is gone");
    assert_eq!(names(&door, &event, "wangshumei"), ["王淑梅"]);
    assert_eq!(names(&door, &event, "5678"), ["王淑梅"], "its other keys stay");
    let found: Vec<String> = door.search(&event, "ljg", 20).unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(found, [li.id.clone()], "the merged record left search");

    // More than the overlay holds: the copy is built again, and still right.
    let many: Vec<(String, String)> = (0..1500).map(|i| (format!("学员{i}"), format!("137{i:08}"))).collect();
    import(&mut office, &event, dir.path(), "b.csv", &many);
    assert_eq!(names(&door, &event, "学员1499"), ["学员1499"]);
    assert_eq!(names(&door, &event, "学员0"), ["学员0"]);
    assert_eq!(names(&door, &event, "zhaoliu"), ["赵六"]);
    assert!(names(&door, &event, "wangsumei").is_empty());
    assert_eq!(door.search(&event, "ljg", 20).unwrap().into_iter().map(|t| t.id).collect::<Vec<_>>(), [li.id]);
    // The index is per event: another event's query finds none of these.
    let other = office.create_event(NewEvent { name: "另一个".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    assert!(names(&door, &other, "zhaoliu").is_empty());
}

#[test]
fn a_store_from_before_0007_gets_its_keys_rebuilt_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = {
        let mut m = Muster::open(&db).unwrap();
        let event = m.create_event(NewEvent { name: "培训".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
        import(&mut m, &event, dir.path(), "a.csv", &rows(&[("王素梅", "13812345678"), ("单雄信", "13900001111")]));
        event
    };
    // Back to schema 6: 0002's table of one row per key (empty here), no
    // counter, no rebuild mark, nor 0008's columns, nor 0009's table, nor 0010's column, nor 0011's, nor 0012's table, nor 0013's,
    // nor 0014's view and triggers (the inserts written out whole first), nor 0015's indexes.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "UPDATE changes SET fields = (SELECT v.fields FROM change_log v WHERE v.device_id = changes.device_id AND v.seq = changes.seq) WHERE fields = 'null';
         DROP TRIGGER trainee_insert_kept_before_update;
         DROP TRIGGER trainee_insert_kept_before_delete;
         DROP VIEW change_log;
         DROP INDEX trainees_by_id_number;
         DROP INDEX trainees_by_phone;
         CREATE INDEX trainees_by_id_number ON trainees (event_id, id_number) WHERE id_number IS NOT NULL;
         CREATE INDEX trainees_by_phone ON trainees (event_id, phone) WHERE phone IS NOT NULL;
         DROP TABLE search_keys;
         CREATE TABLE search_keys (key TEXT NOT NULL, trainee_rowid INTEGER NOT NULL);
         CREATE INDEX search_keys_by_key ON search_keys (key);
         CREATE INDEX search_keys_by_trainee ON search_keys (trainee_rowid);
         DELETE FROM meta WHERE key LIKE 'search.%';
         ALTER TABLE events DROP COLUMN deleted_at;
         ALTER TABLE sessions DROP COLUMN deleted_at;
         DROP TABLE certificate_revocations;
         ALTER TABLE certificate_settings DROP COLUMN excused_counts;
         ALTER TABLE certificate_settings DROP COLUMN late_registration;
         ALTER TABLE certificate_settings DROP COLUMN languages;
         ALTER TABLE certificate_settings DROP COLUMN seal;
         DROP TABLE response_corrections;
         DROP INDEX events_by_programme;
         ALTER TABLE events DROP COLUMN programme_id;
         ALTER TABLE events DROP COLUMN closed_at;
         DROP TABLE programmes;
         DROP TABLE event_purges;
         PRAGMA user_version = 6;",
    )
    .unwrap();
    drop(conn);
    let m = Muster::open(&db).unwrap();
    assert_eq!(names(&m, &event, "wsm"), ["王素梅"]);
    assert_eq!(names(&m, &event, "shanxiongxin"), ["单雄信"]);
    assert_eq!(names(&m, &event, "1111"), ["单雄信"]);
    assert_eq!(m.store().setting("search.rebuild").unwrap(), None, "rebuilt once");
    assert!(m.store().check().unwrap().is_empty());
}

/// An import makes its rows' keys beside its classification (without the
/// code, drawn later) and adds the code's key when it stages them: what it
/// stores must be, key for key, what a rebuild from the trainees makes.
#[test]
fn an_imports_staged_keys_are_the_keys_a_rebuild_makes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut m = Muster::open(&db).unwrap();
    let event = m.create_event(NewEvent { name: "培训".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    // Enough rows for the keys to be made on two threads, in chunks; names
    // of every kind (Han, spaced Latin, Khmer, one with a polyphone), rows
    // without a phone, and repeats (duplicates get keys made, never stored).
    let names = ["王素梅", "Sok Dara", "单雄信", "សុខ ដារា", "Məmməd Əliyev", "曾乐乐", "Ana"];
    let mut list = Vec::new();
    for i in 0..5_000 {
        let phone = if i % 5 == 0 { String::new() } else { format!("138{:08}", i % 4_900) };
        list.push((format!("{}{}", names[i % names.len()], i % 4_900), phone));
    }
    let mut text = String::from("姓名,手机\n");
    for (n, p) in &list {
        text.push_str(&format!("{n},{p}\n"));
    }
    let path = dir.path().join("big.csv");
    std::fs::write(&path, text).unwrap();
    let r = m.import_roster(&event, &path, &Default::default(), &mut |_, _| {}).unwrap();
    assert!(r.duplicates > 0 && r.imported > 4_000, "{r:?}");
    drop(m);
    let keys = |db: &Path| -> Vec<(i64, String)> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn.prepare("SELECT trainee_rowid, keys FROM search_keys ORDER BY trainee_rowid").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    };
    let staged = keys(&db);
    assert_eq!(staged.len() as u64, r.imported);
    assert!(staged.iter().all(|(_, k)| k.starts_with('0') && k.contains('\n')), "every row starts with its code's key");
    // The next open rebuilds every trainee's keys from its row.
    rusqlite::Connection::open(&db).unwrap().execute("UPDATE meta SET value = '1' WHERE key = 'search.rebuild'", []).unwrap();
    let m = Muster::open(&db).unwrap();
    assert_eq!(m.store().setting("search.rebuild").unwrap(), None, "rebuilt");
    drop(m);
    assert_eq!(keys(&db), staged);
}
