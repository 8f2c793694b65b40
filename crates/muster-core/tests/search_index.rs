//! The door's index in memory (`store::search`): a connection's copy hears
//! of what other connections write (walk-ins, edits, merges, imports, a
//! deleted row whose rowid is given again, writes by plain SQL), a copy kept
//! up to date piece by piece answers as one made at once, and a store from
//! before migration 0007 is searched by its rows after the upgrade.

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
fn a_store_from_before_0007_is_searched_by_its_rows_after_the_upgrade() {
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
    // nor 0014's view and triggers (the inserts written out whole first), nor 0015's indexes,
    // nor 0016's table and triggers.
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
         DROP TRIGGER search_touched_by_update;
         DROP TRIGGER search_touched_by_delete;
         DROP TABLE search_touched;
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
    assert_eq!(m.store().setting("search.rebuild").unwrap(), None, "0007's mark gone with 0016");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let kept: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'search_keys'", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, 0, "the stored keys are gone");
    assert!(m.store().check().unwrap().is_empty());
}

/// Writes the door's copy must hear of, whatever path they take: plain SQL
/// on another connection (an update of a key column, a trainee moved to
/// another event, a delete), and a deleted largest rowid given again to a
/// new trainee (not above the copy's mark, but left in `search_touched`).
#[test]
fn a_copy_hears_of_plain_sql_and_of_a_rowid_given_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut office = Muster::open(&db).unwrap();
    let event = office.create_event(NewEvent { name: "培训".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    let other = office.create_event(NewEvent { name: "另一个".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    import(&mut office, &event, dir.path(), "a.csv", &rows(&[("王素梅", "13812345678"), ("李建国", "13900001111"), ("张三", "13600000000")]));
    let door = Muster::open(&db).unwrap();
    assert_eq!(names(&door, &event, "zhangsan"), ["张三"]);
    assert!(names(&door, &other, "lijianguo").is_empty());
    let sql = rusqlite::Connection::open(&db).unwrap();
    sql.execute("UPDATE trainees SET name = '张珊' WHERE name = '张三'", []).unwrap();
    sql.execute("UPDATE trainees SET event_id = ?1 WHERE name = '李建国'", [&other]).unwrap();
    assert!(names(&door, &event, "zhangsan").is_empty(), "the old name is gone (张珊 reads zhangshan)");
    assert_eq!(names(&door, &event, "zhangshan"), ["张珊"]);
    assert!(names(&door, &event, "lijianguo").is_empty(), "moved away");
    assert_eq!(names(&door, &other, "lijianguo"), ["李建国"], "moved here");
    // The largest rowid deleted, and given again to the next trainee.
    let (top, top_name): (i64, String) = sql.query_row("SELECT rowid, name FROM trainees ORDER BY rowid DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(top_name, "张珊");
    // (No query between the two: the copy's mark of the largest rowid is
    // the same before and after.)
    sql.execute("DELETE FROM trainees WHERE rowid = ?1", [top]).unwrap();
    let mut walk_ins = Muster::open(&db).unwrap();
    let (zhao, _) = walk_ins.walk_in(&event, "赵六", Some("13700002222"), None).unwrap();
    let again: i64 = sql.query_row("SELECT rowid FROM trainees WHERE id = ?1", [&zhao.id], |r| r.get(0)).unwrap();
    assert_eq!(again, top, "SQLite gives the rowid again");
    assert_eq!(names(&door, &event, "zhaoliu"), ["赵六"]);
    assert_eq!(names(&door, &event, "2222"), ["赵六"]);
    assert!(names(&door, &event, "zhangshan").is_empty());
    assert_eq!(names(&door, &event, "wsm"), ["王素梅"]);
}

/// A copy kept up to date piece by piece (a walk-in, an edit, a merge, a
/// small import at a time) answers every query as a copy made at once from
/// the same store does.
#[test]
fn a_copy_kept_up_to_date_answers_as_one_made_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut office = Muster::open(&db).unwrap();
    let event = office.create_event(NewEvent { name: "培训".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    let given = ["王素梅", "Sok Dara", "单雄信", "សុខ ដារា", "Məmməd Əliyev", "曾乐乐", "Ana", "王淑敏", "汪思明"];
    let queries = ["wsm", "wang", "sok", "dara", "shan", "dan", "zeng", "ceng", "mem", "ana", "5678", "0001", "137", "王", "ws", "s"];
    let door = Muster::open(&db).unwrap();
    let ask = |m: &Muster| -> Vec<Vec<String>> { queries.iter().map(|q| m.search(&event, q, 50).unwrap().into_iter().map(|t| t.id).collect()).collect() };
    assert!(ask(&door).iter().all(Vec::is_empty));
    for round in 0..6 {
        let batch: Vec<(String, String)> = (0..40).map(|i| (format!("{}{}", given[(round * 40 + i) % given.len()], round), format!("137{:04}{:04}", round, i))).collect();
        import(&mut office, &event, dir.path(), &format!("r{round}.csv"), &batch);
        let (w, _) = office.walk_in(&event, given[round % given.len()], Some(&format!("1380000567{round}")), None).unwrap();
        let roster = office.roster(&event).unwrap();
        let edit = &roster[round * 7 % roster.len()];
        office.edit_trainee(&edit.id, &TraineePatch { name: Some(format!("{}改", given[(round + 3) % given.len()])), ..Default::default() }).unwrap();
        if round % 2 == 1 {
            let keep = roster.iter().find(|t| t.id != w.id && t.id != edit.id).unwrap();
            office.merge_trainees(&keep.id, &w.id).unwrap();
        }
        let fresh = Muster::open(&db).unwrap();
        assert_eq!(ask(&door), ask(&fresh), "round {round}");
    }
}
