//! Roster import into the store: duplicates, all-or-nothing, trainee edits.

use muster_core::model::NewEvent;
use muster_core::roster::ImportOptions;
use muster_core::trainee::TraineePatch;
use muster_core::{ErrorCode, Muster};
use std::path::Path;

fn setup(dir: &Path) -> (Muster, String) {
    let mut m = Muster::open(&dir.join("m.db")).unwrap();
    let e = m
        .create_event(NewEvent { name: "培训".into(), venue: "县城".into(), starts_on: "2026-12-01".into(), days: 2 })
        .unwrap();
    (m, e.id)
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn duplicates_by_id_number_or_name_and_mobile_within_the_file_and_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, event) = setup(dir.path());
    let first = write(dir.path(), "a.csv", "姓名,手机,身份证号\n王素梅,13812345678,11010519491231002X\n李建国,13900001111,\n");
    let r = m.import_roster(&event, &first, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    assert_eq!((r.imported, r.duplicates, r.rejected), (2, 0, 0));

    let second = write(
        dir.path(),
        "b.csv",
        "name,mobile,id number\n\
         Wang (same ID),13700000000,11010519491231002x\n\
         李建国,139-0000-1111,\n\
         张三,13600000000,\n\
         张三,13600000000,\n\
         张三,13500000000,\n",
    );
    let r = m.import_roster(&event, &second, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    assert_eq!((r.imported, r.duplicates, r.rejected), (2, 3, 0), "{r:?}");
    assert_eq!(r.duplicate_rows.iter().map(|d| d.line).collect::<Vec<_>>(), vec![2, 3, 5]);
    assert_eq!(m.roster(&event).unwrap().len(), 4);
}

#[test]
fn unknown_event_is_not_found_and_nothing_is_read_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _) = setup(dir.path());
    let f = write(dir.path(), "a.csv", "姓名\n王素梅\n");
    let err = m.import_roster("nope", &f, &ImportOptions::default(), &mut |_, _| {}).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[test]
fn progress_reaches_the_end_and_never_goes_backwards() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, event) = setup(dir.path());
    let mut text = String::from("姓名,手机\n");
    for i in 0..5000 {
        text.push_str(&format!("学员{i},1{:010}\n", 3_000_000_000u64 + i));
    }
    let f = write(dir.path(), "big.csv", &text);
    let mut seen: Vec<(u64, u64)> = Vec::new();
    let r = m.import_roster(&event, &f, &ImportOptions::default(), &mut |d, t| seen.push((d, t))).unwrap();
    assert_eq!(r.imported, 5000);
    let last = *seen.last().unwrap();
    assert_eq!(last.0, last.1);
    assert!(seen.windows(2).all(|w| w[1].0 * w[0].1 >= w[0].0 * w[1].1), "monotone: {seen:?}");
}

#[test]
fn edit_applies_the_importers_rules_and_logs_only_changed_fields() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, event) = setup(dir.path());
    let f = write(dir.path(), "a.csv", "姓名,手机\n王素梅,13812345678\n");
    m.import_roster(&event, &f, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    let t = m.roster(&event).unwrap().remove(0);

    let err = m.edit_trainee(&t.id, &TraineePatch { id_number: Some("110105194912310021".into()), ..Default::default() }).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(err.location().field.as_deref(), Some("id_number"));

    let edited = m
        .edit_trainee(&t.id, &TraineePatch { id_number: Some("11010519491231002x".into()), phone: Some("".into()), ..Default::default() })
        .unwrap();
    assert_eq!(edited.fields.id_number.as_deref(), Some("11010519491231002X"));
    assert_eq!(edited.fields.phone, None);

    let device = m.store().device_id().to_string();
    // The last change of a row (each is followed by its audit line).
    let last = m.store().changes_since(&device, 0, 100).unwrap().into_iter().filter(|c| c.entity != "audit").next_back().unwrap();
    assert_eq!(last.entity_id, t.id);
    assert_eq!(last.fields.keys().cloned().collect::<Vec<_>>(), vec!["id_number", "phone"]);
}

/// An import logs each new trainee's insert by reference to its row
/// (migration 0014): the entry holds `null`, and what leaves the laptop is
/// the whole insert, made from the row, every field of the sync rules of
/// its kind. It stays the insert's own after the row changes: an edit and a
/// merge copy the row into the entry first, whatever path they take.
#[test]
fn an_imported_trainees_insert_leaves_whole_and_keeps_its_values_after_the_row_changes() {
    use muster_protocol::{Change, ChangeOp};
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let (mut m, event) = setup(dir.path());
    let f = write(dir.path(), "a.csv", "姓名,性别,手机,年龄,所在村,备注\n王素梅,女,13812345678,42,王家村,第1组\n李建国,男,13900001111,,,\n");
    m.import_roster(&event, &f, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    let roster = m.roster(&event).unwrap();
    let (wang, li) = (roster.iter().find(|t| t.fields.name == "王素梅").unwrap().clone(), roster.iter().find(|t| t.fields.name == "李建国").unwrap().clone());
    let device = m.store().device_id().to_string();
    let inserts = |m: &Muster| -> Vec<Change> {
        m.store().changes_since(&device, 0, 1000).unwrap().into_iter().filter(|c| c.entity == "trainee" && c.op == ChangeOp::Insert).collect()
    };
    let stored = || -> Vec<String> {
        let conn = rusqlite::Connection::open(dir.path().join("m.db")).unwrap();
        let mut stmt = conn.prepare("SELECT fields FROM changes WHERE entity = 'trainee' AND op = 'insert' ORDER BY seq").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(stored(), ["null", "null"], "logged by reference");

    let before = inserts(&m);
    assert_eq!(before.len(), 2);
    let rules = muster_protocol::rules::entity("trainee").unwrap();
    for c in &before {
        let keys: Vec<&str> = c.fields.keys().map(String::as_str).collect();
        let mut want: Vec<&str> = rules.fields.iter().map(|f| f.name).collect();
        want.sort_unstable();
        assert_eq!(keys, want, "every field of the rules, and no other");
        muster_protocol::rules::check(c, muster_core::clock::now_ms()).unwrap();
    }
    let w = before.iter().find(|c| c.entity_id == wang.id).unwrap();
    let expect = json!({
        "event_id": event, "name": "王素梅", "gender": "female", "phone": "13812345678", "id_number": null,
        "age": 42, "birth_date": null, "organization": "王家村", "occupation": null, "extra": {"备注": "第1组"},
        "created_at": w.fields["created_at"], "code": wang.code, "walk_in": false, "merged_into": null,
    });
    assert_eq!(serde_json::to_value(&w.fields).unwrap(), expect);
    assert!(w.fields["created_at"].as_str().is_some_and(|s| s.ends_with('Z')));

    // An edit: the insert keeps the name it had; the edit carries the new one.
    m.edit_trainee(&wang.id, &TraineePatch { name: Some("王素梅二".into()), ..Default::default() }).unwrap();
    assert_eq!(inserts(&m), before);
    let s = stored();
    assert!(s[0] != "null" && s[0].contains("王素梅\"") && s[1] == "null", "the edited row's insert was copied in first: {s:?}");
    // A merge (an update of the other row's merged_into).
    m.merge_trainees(&wang.id, &li.id).unwrap();
    assert_eq!(inserts(&m), before);
    assert!(stored().iter().all(|s| s != "null"));

    // The path a change from another laptop takes (`Writer::materialize`:
    // an upsert's DO UPDATE), on a fresh import's row.
    let g = write(dir.path(), "b.csv", "姓名,手机
张三,13600000000
");
    m.import_roster(&event, &g, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    let zhang = m.roster(&event).unwrap().into_iter().find(|t| t.fields.name == "张三").unwrap();
    let insert = inserts(&m).into_iter().find(|c| c.entity_id == zhang.id).unwrap();
    assert_eq!(stored().last().map(String::as_str), Some("null"));
    let conn = rusqlite::Connection::open(dir.path().join("m.db")).unwrap();
    conn.execute(
        "INSERT INTO trainees (id, event_id, name, created_at) VALUES (?1, ?2, '张三丰', '2026-12-01T00:00:00.000Z')
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        [&zhang.id, &event],
    )
    .unwrap();
    drop(conn);
    assert_eq!(inserts(&m).into_iter().find(|c| c.entity_id == zhang.id).unwrap(), insert, "the upsert copied the row in first");
}
