//! `muster roster import|list` and `muster trainee edit` on real files.

use muster_tests::{muster, workspace};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    workspace().join("crates/muster-core/tests/data/roster").join(name)
}

fn new_event(db: &Path) -> String {
    let r = muster(db, &["event", "create", "--name", "培训", "--starts", "2026-12-01", "--days", "2"]);
    r.json()["id"].as_str().unwrap().to_string()
}

/// A GB18030 roster with one bad row, written as Chinese Excel would.
fn write_gb18030(dir: &Path) -> PathBuf {
    let text = "姓名,性别,手机号码,身份证号,年龄,所在村,职业,备注\r\n\
                王素梅,女,138 1234 5678,11010519491231002X,45,王家村,农民,班长\r\n\
                李建国,男,+86 139-0000-1111,,52,李家湾,个体户,\r\n\
                欧阳娜娜,女,12345,,30,新华村,电商,手机号写错\r\n\
                ,,13800000000,,,,,\r\n";
    let bytes: Vec<u8> = gb18030(text);
    let path = dir.join("名单.csv");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gb18030(s: &str) -> Vec<u8> {
    // Encode through the fixture generator's committed output would tie this
    // test to it; iconv is on every Debian machine.
    let mut child = std::process::Command::new("iconv")
        .args(["-f", "UTF-8", "-t", "GB18030"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("iconv");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_ne!(out.stdout, s.as_bytes(), "really re-encoded");
    out.stdout
}

#[test]
fn imports_a_gb18030_roster_rejects_bad_rows_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = new_event(&db);
    let file = write_gb18030(dir.path());
    let rejects = dir.path().join("rejects.csv");

    let dry = muster(&db, &["roster", "import", "--event", &event, file.to_str().unwrap(), "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stdout);
    assert_eq!(dry.json()["imported"], 2);
    assert_eq!(muster(&db, &["roster", "list", "--event", &event]).json()["trainees"].as_array().unwrap().len(), 0, "dry run writes nothing");

    let r = muster(&db, &["roster", "import", "--event", &event, file.to_str().unwrap(), "--rejects", rejects.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let j = r.json();
    assert_eq!((j["imported"].as_u64(), j["rejected"].as_u64(), j["duplicates"].as_u64()), (Some(2), Some(2), Some(0)), "{j}");
    let errors = j["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["line"] == 4 && e["field"] == "phone"), "{j}");
    assert!(errors.iter().any(|e| e["line"] == 5 && e["field"] == "name"), "{j}");
    // 备注 is the door's note: known, not reported as an unknown column.
    assert!(!j["warnings"].to_string().contains("备注"), "the note column is known: {j}");

    let rejected = std::fs::read(&rejects).unwrap();
    assert!(rejected.starts_with(b"\xEF\xBB\xBF"), "rejects file has a BOM for Excel");
    let text = String::from_utf8(rejected).unwrap();
    assert!(text.contains("欧阳娜娜") && text.contains("手机号写错"), "{text}");

    let list = muster(&db, &["roster", "list", "--event", &event]).json();
    let trainees = list["trainees"].as_array().unwrap();
    let wang = trainees.iter().find(|t| t["name"] == "王素梅").expect("王素梅 imported");
    assert_eq!(wang["phone"], "13812345678");
    assert_eq!(wang["id_number"], "11010519491231002X");
    assert_eq!(wang["organization"], "王家村");
    assert_eq!(wang["gender"], "female");
    assert_eq!(wang["extra"]["备注"], "班长");
    let li = trainees.iter().find(|t| t["name"] == "李建国").unwrap();
    assert_eq!(li["phone"], "13900001111");

    let again = muster(&db, &["roster", "import", "--event", &event, file.to_str().unwrap()]).json();
    assert_eq!(again["imported"], 0);
    assert_eq!(again["duplicates"], 2);
}

#[test]
fn a_file_that_cannot_be_a_roster_exits_3_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = new_event(&db);
    let no_name = dir.path().join("no-name.csv");
    std::fs::write(&no_name, "phone,village\n13812345678,王家村\n").unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let png = dir.path().join("photo.csv");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89").unwrap();
    for (file, field) in [(&no_name, Some("name")), (&empty, None), (&png, None)] {
        let r = muster(&db, &["roster", "import", "--event", &event, file.to_str().unwrap()]);
        assert_eq!(r.code, 3, "{}: {}", file.display(), r.stdout);
        let err = &r.json()["error"];
        assert_eq!(err["code"], "invalid_input");
        assert!(err["file"].as_str().unwrap().ends_with(file.file_name().unwrap().to_str().unwrap()), "{err}");
        if let Some(field) = field {
            assert_eq!(err["field"], field);
        }
    }
    let missing = muster(&db, &["roster", "import", "--event", &event, "/nonexistent/roster.csv"]);
    assert_eq!(missing.code, 1);
    assert_eq!(missing.json()["error"]["code"], "io");
    assert_eq!(muster(&db, &["roster", "list", "--event", &event]).json()["trainees"].as_array().unwrap().len(), 0);
}

#[test]
fn imports_real_spreadsheet_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    for name in ["excel.xlsx", "legacy.xls"] {
        let path = fixture(name);
        if !path.exists() {
            panic!("fixture {} missing", path.display());
        }
        let event = new_event(&db);
        let r = muster(&db, &["roster", "import", "--event", &event, path.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{name}: {}", r.stdout);
        assert!(r.json()["imported"].as_u64().unwrap() >= 1, "{name}: {}", r.stdout);
    }
}

#[test]
fn trainee_edit_validates_like_import_and_keeps_the_change_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let demo = muster(&db, &["demo"]).json();
    let event = demo["id"].as_str().unwrap();
    let list = muster(&db, &["roster", "list", "--event", event]).json();
    let id = list["trainees"][0]["id"].as_str().unwrap().to_string();

    let bad = muster(&db, &["trainee", "edit", &id, "--phone", "12345"]);
    assert_eq!(bad.code, 3);
    assert_eq!(bad.json()["error"]["field"], "phone");

    let ok = muster(&db, &["trainee", "edit", &id, "--phone", "＋86 １３９ ００００ ２２２２", "--organization", "新村"]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert_eq!(ok.json()["phone"], "13900002222");
    assert_eq!(ok.json()["organization"], "新村");

    let missing = muster(&db, &["trainee", "edit", "0190-nope", "--name", "x"]);
    assert_eq!(missing.code, 3);
    assert_eq!(missing.json()["error"]["code"], "not_found");
}

/// Registrations collected online arrive as a survey platform's export:
/// questions for headers, the platform's own columns beside them. They are
/// read (and said apart); an XLSForm given as a roster is refused as the
/// questionnaire it is, nothing written.
#[test]
fn survey_platform_exports_import_and_a_questionnaire_is_not_a_roster() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = new_event(&db);
    let wjx = dir.path().join("问卷星导出.csv");
    std::fs::write(
        &wjx,
        gb18030("序号,提交答卷时间,所用时间,来源,来自IP,1、您的姓名：,2、您的性别：,3、您的手机号码：,4、您所在的村？,5、您的身份证号\r\n\
                 1,2026/11/20 10:02:11,95秒,微信,183.1.2.3(河南-信阳),王素梅,女,13812345678,王家村,11010519491231002X\r\n\
                 2,2026/11/20 10:05:40,120秒,手机提交,183.1.2.4(河南-信阳),李建国,男,13900001111,李家湾,\r\n"),
    )
    .unwrap();
    let r = muster(&db, &["roster", "import", "--event", &event, wjx.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["imported"], 2, "{j}");
    let warnings = j["warnings"].to_string();
    assert!(warnings.contains("survey platform's own columns") && warnings.contains("提交答卷时间"), "{warnings}");
    let list = muster(&db, &["roster", "list", "--event", &event]).json();
    let wang = list["trainees"].as_array().unwrap().iter().find(|t| t["name"] == "王素梅").expect("王素梅 imported").clone();
    assert_eq!((wang["phone"].as_str(), wang["organization"].as_str(), wang["gender"].as_str()), (Some("13812345678"), Some("王家村"), Some("female")));
    // No age column: the birth date comes from the ID number, the age from it.
    assert_eq!(wang["birth_date"], "1949-12-31");
    let today = chrono::Local::now().date_naive();
    let want = today.years_since(chrono::NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()).unwrap();
    assert_eq!(wang["age"].as_u64(), Some(u64::from(want)));

    let form = workspace().join("tests/e2e/fixtures/form-portrait.xlsx");
    let refused = muster(&db, &["roster", "import", "--event", &event, form.to_str().unwrap()]);
    assert_eq!(refused.code, 3, "{}", refused.stdout);
    let err = &refused.json()["error"];
    assert!(err["message"].as_str().unwrap().contains("is a questionnaire"), "{err}");
    assert_eq!(err["field"], "file");
    assert_eq!(muster(&db, &["roster", "list", "--event", &event]).json()["trainees"].as_array().unwrap().len(), 2, "nothing written");
}

#[test]
fn a_coordinator_maps_a_column_the_import_misread_and_unmaps_another() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = muster(&db, &["event", "create", "--name", "培训", "--venue", "县城", "--starts", "2026-11-20", "--days", "1"]).json()["id"].as_str().unwrap().to_string();
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "姓名,单位,所在村\n王素梅,县妇联,东关村\n李建国,,西街村\n").unwrap();
    let path = csv.to_str().unwrap();
    // Refused, nothing written: a header the file does not have, a field Muster does not know, no `=`.
    for (map, says) in [("村=organization", "no column"), ("所在村=village", "not a roster field"), ("所在村", "HEADER=FIELD")] {
        let r = muster(&db, &["roster", "import", "--event", &event, path, "--map", map]);
        assert_eq!(r.code, 3, "{map}: {}", r.stdout);
        assert!(r.stdout.contains(says) || r.stderr.contains(says), "{map}: {}{}", r.stdout, r.stderr);
    }
    assert_eq!(muster(&db, &["roster", "list", "--event", &event]).json()["trainees"].as_array().unwrap().len(), 0);
    // 所在村 is the organisation; 单位 becomes an extra field.
    let r = muster(&db, &["roster", "import", "--event", &event, path, "--map", "所在村=organization"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.json()["warnings"].to_string().contains("单位"), "{}", r.stdout);
    let list = muster(&db, &["roster", "list", "--event", &event]).json();
    let wang = list["trainees"].as_array().unwrap().iter().find(|t| t["name"] == "王素梅").unwrap().clone();
    assert_eq!(wang["organization"], "东关村", "{wang}");
    assert_eq!(wang["extra"]["单位"], "县妇联", "{wang}");
}

#[test]
fn a_workbook_that_would_exhaust_memory_is_refused_and_the_cli_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let event = muster(&db, &["event", "create", "--name", "培训", "--venue", "县城", "--starts", "2026-11-20", "--days", "1"]).json()["id"].as_str().unwrap().to_string();
    let file = workspace().join("crates/muster-core/tests/data/fuzz/calamine_xls_range_oom.xls");
    let r = muster(&db, &["roster", "import", "--event", &event, file.to_str().unwrap()]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("could not be read safely"), "{}", r.stdout);
    // And the same binary goes on: the next import works.
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "姓名\n王素梅\n").unwrap();
    assert_eq!(muster(&db, &["roster", "import", "--event", &event, csv.to_str().unwrap()]).code, 0);
}
