//! Roster file reading tests (table-driven over tests/data/roster).
//!
//! The fixtures are made by tests/data/roster/make_fixtures.py and imitate
//! files organisers bring; every expectation here is written out by hand.

use muster_core::import::{self, rejects, RosterField as F, RosterFile};
use muster_core::model::{Gender, TraineeFields};
use muster_core::ErrorCode;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/roster")
        .join(name)
}

fn read(name: &str) -> RosterFile {
    import::read_roster(&fixture(name), &mut |_, _| {}).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn good(file: &RosterFile) -> Vec<&TraineeFields> {
    file.rows
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .collect()
}

/// What one fixture must read as.
struct Case {
    file: &'static str,
    format: &'static str,
    encoding: Option<&'static str>,
    delimiter: Option<char>,
    sheet: Option<&'static str>,
    /// Every kept column: header as written (trimmed) and its field.
    columns: &'static [(&'static str, Option<F>)],
    good: usize,
    /// Rejected rows: line and the fields at fault, in column order.
    rejected: &'static [(u64, &'static [&'static str])],
    warnings: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        file: "utf8.csv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("性别", Some(F::Gender)),
            ("手机号码", Some(F::Phone)),
            ("身份证号码", Some(F::IdNumber)),
            ("年龄", Some(F::Age)),
            ("出生日期", Some(F::BirthDate)),
            ("工作单位", Some(F::Organization)),
            ("职业", Some(F::Occupation)),
        ],
        good: 5,
        rejected: &[],
        warnings: &[],
    },
    Case {
        file: "utf8_bom.csv",
        format: "csv",
        encoding: Some("UTF-8 (BOM)"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("手机", Some(F::Phone)),
            ("性别", Some(F::Gender)),
        ],
        good: 2,
        rejected: &[(3, &["phone"])],
        warnings: &[],
    },
    Case {
        file: "gb18030.csv",
        format: "csv",
        encoding: Some("GB18030"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("序号", None),
            ("姓名", Some(F::Name)),
            ("性别", Some(F::Gender)),
            ("联系电话", Some(F::Phone)),
            ("身份证号", Some(F::IdNumber)),
            ("所在村", Some(F::Organization)),
        ],
        good: 4,
        rejected: &[(5, &["id_number"])],
        warnings: &["kept 1 unknown column as extra fields: '序号'"],
    },
    Case {
        file: "big5.csv",
        format: "csv",
        encoding: Some("Big5"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("性別", Some(F::Gender)),
            ("手機號碼", Some(F::Phone)),
            ("身分證字號", Some(F::IdNumber)),
        ],
        good: 3,
        rejected: &[],
        warnings: &[],
    },
    Case {
        file: "semicolon.csv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some(';'),
        sheet: None,
        columns: &[
            ("Name", Some(F::Name)),
            ("Gender", Some(F::Gender)),
            ("Mobile", Some(F::Phone)),
            ("Age", Some(F::Age)),
            ("Village", Some(F::Organization)),
        ],
        good: 2,
        rejected: &[(4, &["age"])],
        warnings: &[],
    },
    Case {
        file: "tab.tsv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some('\t'),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("性别", Some(F::Gender)),
            ("手机号", Some(F::Phone)),
            ("单位", Some(F::Organization)),
        ],
        good: 3,
        rejected: &[],
        warnings: &[],
    },
    Case {
        file: "unicode_text.txt",
        format: "csv",
        encoding: Some("UTF-16LE (BOM)"),
        delimiter: Some('\t'),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("手机号码", Some(F::Phone)),
            ("身份证号码", Some(F::IdNumber)),
        ],
        good: 2,
        rejected: &[],
        warnings: &[],
    },
    Case {
        file: "quoted_multiline.csv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("手机", Some(F::Phone)),
            ("单位", Some(F::Organization)),
            ("备注", None),
        ],
        good: 3,
        rejected: &[(5, &["name"]), (6, &["phone"]), (10, &["phone"])],
        // 备注 is the door's note: known, no warning.
        warnings: &[],
    },
    Case {
        file: "fullwidth.csv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("手机号码", Some(F::Phone)),
            ("身份证号码", Some(F::IdNumber)),
        ],
        good: 4,
        rejected: &[],
        warnings: &[],
    },
    Case {
        file: "shuffled_english.csv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("MOBILE Phone", Some(F::Phone)),
            ("Date of Birth", Some(F::BirthDate)),
            ("full  name", Some(F::Name)),
            ("Sex", Some(F::Gender)),
            ("ID No.", Some(F::IdNumber)),
            ("ORGANISATION", Some(F::Organization)),
            ("Occupation", Some(F::Occupation)),
        ],
        good: 3,
        rejected: &[(5, &["gender"])],
        warnings: &[],
    },
    Case {
        file: "trailing_empty.csv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("性别", Some(F::Gender)),
            ("手机", Some(F::Phone)),
        ],
        good: 2,
        rejected: &[],
        warnings: &[],
    },
    Case {
        file: "bad_rows.csv",
        format: "csv",
        encoding: Some("UTF-8"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("姓名", Some(F::Name)),
            ("性别", Some(F::Gender)),
            ("手机号码", Some(F::Phone)),
            ("身份证号码", Some(F::IdNumber)),
            ("出生日期", Some(F::BirthDate)),
            ("年龄", Some(F::Age)),
        ],
        good: 1,
        rejected: &[
            (3, &["phone"]),
            (4, &["id_number"]),
            (5, &["name"]),
            (6, &["id_number"]),
            (7, &["gender", "phone", "id_number", "birth_date", "age"]),
        ],
        warnings: &[],
    },
    Case {
        file: "unknown_columns.csv",
        format: "csv",
        encoding: Some("GB18030"),
        delimiter: Some(','),
        sheet: None,
        columns: &[
            ("序号", None),
            ("姓名", Some(F::Name)),
            ("手机号码", Some(F::Phone)),
            ("微信号", None),
            ("备注", None),
        ],
        good: 2,
        rejected: &[],
        warnings: &[
            "skipped 1 row(s) above the header row on line 2 (a title?)",
            "kept 2 unknown columns as extra fields: '序号', '微信号'",
        ],
    },
    Case {
        file: "excel.xlsx",
        format: "xlsx",
        encoding: None,
        delimiter: None,
        sheet: Some("学员名单"),
        columns: &[
            ("姓名", Some(F::Name)),
            ("性别", Some(F::Gender)),
            ("手机号码", Some(F::Phone)),
            ("身份证号码", Some(F::IdNumber)),
            ("出生日期", Some(F::BirthDate)),
            ("年龄", Some(F::Age)),
            ("工作单位", Some(F::Organization)),
        ],
        good: 2,
        rejected: &[(5, &["id_number"]), (7, &["phone"])],
        warnings: &["read sheet '学员名单'; not read: '说明'"],
    },
    LEGACY,
    // legacy.xls saved as OpenDocument by LibreOffice Calc 7.4
    // (`soffice --headless --convert-to ods`): read the same.
    Case { file: "libreoffice.ods", format: "ods", ..LEGACY },
];

const LEGACY: Case = Case {
    file: "legacy.xls",
    format: "xls",
    encoding: None,
    delimiter: None,
    sheet: Some("Sheet1"),
    columns: &[
        ("姓名", Some(F::Name)),
        ("性别", Some(F::Gender)),
        ("手机", Some(F::Phone)),
        ("身份证号", Some(F::IdNumber)),
        ("出生日期", Some(F::BirthDate)),
        ("村", Some(F::Organization)),
    ],
    good: 2,
    rejected: &[(4, &["id_number"])],
    warnings: &[],
};

#[test]
fn fixtures_read_as_expected() {
    let mut failures = Vec::new();
    for case in CASES {
        let f = match import::read_roster(&fixture(case.file), &mut |_, _| {}) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{}: {e}", case.file));
                continue;
            }
        };
        let columns: Vec<(&str, Option<F>)> = f
            .columns
            .iter()
            .map(|c| (c.header.as_str(), c.field))
            .collect();
        let rejected: Vec<(u64, Vec<&str>)> = f
            .rows
            .iter()
            .filter_map(|r| {
                r.outcome
                    .as_ref()
                    .err()
                    .map(|e| (r.line, e.iter().map(|e| e.field.as_str()).collect()))
            })
            .collect();
        let want_rejected: Vec<(u64, Vec<&str>)> = case
            .rejected
            .iter()
            .map(|(l, f)| (*l, f.to_vec()))
            .collect();
        let checks = [
            ("format", f.format.clone(), case.format.to_string()),
            (
                "encoding",
                format!("{:?}", f.encoding.as_deref()),
                format!("{:?}", case.encoding),
            ),
            (
                "delimiter",
                format!("{:?}", f.delimiter),
                format!("{:?}", case.delimiter),
            ),
            (
                "sheet",
                format!("{:?}", f.sheet.as_deref()),
                format!("{:?}", case.sheet),
            ),
            (
                "columns",
                format!("{columns:?}"),
                format!("{:?}", case.columns),
            ),
            (
                "headers",
                format!("{:?}", f.headers),
                format!("{:?}", case.columns.iter().map(|c| c.0).collect::<Vec<_>>()),
            ),
            (
                "good rows",
                good(&f).len().to_string(),
                case.good.to_string(),
            ),
            (
                "rejected",
                format!("{rejected:?}"),
                format!("{want_rejected:?}"),
            ),
            (
                "warnings",
                format!("{:?}", f.warnings),
                format!("{:?}", case.warnings),
            ),
        ];
        for (what, got, want) in checks {
            if got != want {
                failures.push(format!("{}: {what}: got {got}, want {want}", case.file));
            }
        }
        for row in &f.rows {
            if row.cells.len() != f.headers.len() {
                failures.push(format!(
                    "{} line {}: {} cells for {} headers",
                    case.file,
                    row.line,
                    row.cells.len(),
                    f.headers.len()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A file that is not a usable roster: file, code, message part, line, field.
type BadFile = (
    &'static str,
    ErrorCode,
    &'static str,
    Option<u64>,
    Option<&'static str>,
);

const BAD_FILES: &[BadFile] = &[
    ("empty.csv", ErrorCode::InvalidInput, "empty.csv is empty", None, None),
    ("blank_lines.csv", ErrorCode::InvalidInput, "blank_lines.csv is empty", None, None),
    ("header_only.csv", ErrorCode::InvalidInput, "header_only.csv: no data rows below the header on line 1", Some(1), None),
    (
        "no_name.csv",
        ErrorCode::InvalidInput,
        "no_name.csv: no name column (expected one of 姓名, 名字, name, full name); found headers: '序号', '手机', '单位'",
        Some(1),
        Some("name"),
    ),
    ("png_renamed.csv", ErrorCode::InvalidInput, "png_renamed.csv is not a CSV or spreadsheet file", None, None),
    ("zip_not_xlsx.xlsx", ErrorCode::InvalidInput, "a ZIP archive, but not an XLSX or ODS workbook", None, None),
    ("does_not_exist.csv", ErrorCode::Io, "does_not_exist.csv", None, None),
];

#[test]
fn unusable_files_are_errors_naming_the_file() {
    let mut failures = Vec::new();
    for &(name, code, part, line, field) in BAD_FILES {
        let path = fixture(name);
        let e = match import::read_roster(&path, &mut |_, _| {}) {
            Ok(f) => {
                failures.push(format!("{name}: read {} rows, want an error", f.rows.len()));
                continue;
            }
            Err(e) => e,
        };
        let p = e.to_payload();
        let want_file = path.display().to_string();
        if p.code != code
            || !p.message.contains(part)
            || p.line != line
            || p.field.as_deref() != field
        {
            failures.push(format!("{name}: got {p:?}, want {code:?} containing {part:?} at line {line:?} field {field:?}"));
        }
        if p.file.as_deref() != Some(want_file.as_str()) {
            failures.push(format!("{name}: error names file {:?}", p.file));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn utf8_values_are_normalised_and_non_chinese_names_pass() {
    let f = read("utf8.csv");
    let g = good(&f);
    assert_eq!(g[0].name, "王素梅");
    assert_eq!(g[0].gender, Some(Gender::Female));
    assert_eq!(g[0].id_number.as_deref(), Some("520102198506120023"));
    assert_eq!(
        (g[0].age, g[0].birth_date.as_deref()),
        (Some(39), Some("1985-06-12"))
    );
    assert_eq!(
        (g[0].organization.as_deref(), g[0].occupation.as_deref()),
        (Some("龙场村"), Some("种植户"))
    );
    assert_eq!(
        (g[1].age, g[1].birth_date.as_deref()),
        (Some(45), Some("1979-03-07"))
    );
    assert_eq!(g[2].name, "Aysel Məmmədova");
    assert_eq!(g[2].birth_date.as_deref(), Some("1994-05-20"));
    assert_eq!(g[2].id_number.as_deref(), Some("C01234567"));
    assert_eq!(g[3].name, "Şəhla Çələbiyeva");
    assert_eq!(g[3].phone.as_deref(), Some("13700002222"));
    assert_eq!(
        (g[3].id_number.as_ref(), g[3].age, g[3].occupation.as_ref()),
        (None, None, None)
    );
    assert_eq!(g[4].name, "សុខ ដារ៉ា");
    assert_eq!(g[4].gender, Some(Gender::Male));
    assert!(g.iter().all(|t| t.extra.is_empty()));
}

#[test]
fn legacy_encodings_decode_names() {
    let names = |f: &RosterFile| good(f).iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    let gb = read("gb18030.csv");
    assert_eq!(names(&gb), ["王素梅", "欧阳娜娜", "单雄信", "刘䶮"]);
    assert_eq!(
        good(&gb)[0].extra.get("序号").map(String::as_str),
        Some("1")
    );
    assert_eq!(gb.rows[3].cells[1], "曾小贤");
    let big5 = read("big5.csv");
    assert_eq!(names(&big5), ["陳美玲", "歐陽娜娜", "林志明"]);
    assert_eq!(good(&big5)[0].id_number.as_deref(), Some("A123456789"));
}

#[test]
fn quoted_fields_keep_commas_quotes_and_newlines() {
    let f = read("quoted_multiline.csv");
    let g = good(&f);
    assert_eq!(g[0].organization.as_deref(), Some("新寨村, 二组"));
    assert_eq!(
        g[0].extra.get("备注").map(String::as_str),
        Some("第一行\n第二行")
    );
    assert_eq!(g[1].name, "李四");
    assert_eq!(g[1].organization.as_deref(), Some("a \"quoted\" org"));
    assert!(g[1].extra.is_empty(), "empty extra values are not kept");
    assert_eq!(g[2].organization.as_deref(), Some("多\n行\n单位"));
    let lines: Vec<u64> = f.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 4, 5, 6, 7, 10]);
}

#[test]
fn full_width_and_prefixed_values_normalise() {
    let f = read("fullwidth.csv");
    let got: Vec<(&str, Option<&str>, Option<&str>)> = good(&f)
        .iter()
        .map(|t| (t.name.as_str(), t.phone.as_deref(), t.id_number.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("王芳", Some("13812345678"), Some("520102198506120023")),
            ("陈小明", Some("13812345679"), Some("11010519491231002X")),
            ("林一", Some("13900001111"), Some("530102197903071517")),
            ("黄大", Some("13900002222"), None),
        ]
    );
    // Cells stay as written; only the fields are normalised.
    assert_eq!(f.rows[0].cells[1], "１３８１２３４５６７８");
}

#[test]
fn rejection_messages_say_what_is_wrong() {
    let f = read("bad_rows.csv");
    let message = |line: u64, field: &str| -> String {
        let row = f.rows.iter().find(|r| r.line == line).expect("line");
        let errors = row.outcome.as_ref().expect_err("rejected");
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
            .expect("field")
    };
    assert_eq!(
        message(3, "phone"),
        "mobile '1380000000' must be 11 digits starting with 13–19 or carry its country code (+855/+856/+994/+993)"
    );
    assert!(
        message(4, "id_number").contains("check digit"),
        "{}",
        message(4, "id_number")
    );
    assert_eq!(message(5, "name"), "name is required");
    let mangled = message(6, "id_number");
    assert!(
        mangled.contains("scientific notation") && mangled.contains("format the column as text"),
        "{mangled}"
    );
    assert_eq!(message(7, "gender"), "gender 'x' is not 男/女/male/female");
    assert!(message(7, "birth_date").contains("not a real calendar date"));
    assert_eq!(message(7, "age"), "age 200 is outside 1–120");
}

#[test]
fn xlsx_numbers_dates_and_mangled_ids() {
    let f = read("excel.xlsx");
    let g = good(&f);
    assert_eq!(g[0].name, "王素梅");
    assert_eq!(g[0].phone.as_deref(), Some("13812345678"));
    assert_eq!(g[0].birth_date.as_deref(), Some("1985-06-12"));
    assert_eq!(g[0].age, Some(39));
    assert_eq!(g[1].age, Some(34));
    assert_eq!(g[1].birth_date.as_deref(), Some("1990-03-07"));
    let mangled = f.rows.iter().find(|r| r.line == 5).expect("line 5");
    assert_eq!(mangled.cells[3], "1.10105198808083E+17");
    assert_eq!(mangled.cells[4], "1988-08-08");
    let msg = &mangled.outcome.as_ref().expect_err("rejected")[0].message;
    assert!(msg.contains("scientific notation"), "{msg}");
}

#[test]
fn xls_numbers_and_dates() {
    // The same sheet as Excel 97-2003 and as LibreOffice's OpenDocument.
    for file in ["legacy.xls", "libreoffice.ods"] {
        let f = read(file);
        let g = good(&f);
        assert_eq!(g[0].phone.as_deref(), Some("13812345678"), "{file}");
        assert_eq!(g[0].birth_date.as_deref(), Some("1985-06-12"), "{file}");
        assert_eq!(g[1].id_number.as_deref(), Some("110105198808083312"), "{file}");
    }
}

#[test]
fn unknown_columns_become_extra_fields() {
    let f = read("unknown_columns.csv");
    let g = good(&f);
    let extra = |i: usize| {
        g[i].extra
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(extra(0), ["备注=班长", "序号=1", "微信号=wsm88"]);
    assert_eq!(extra(1), ["序号=2"]);
    assert_eq!(f.rows[0].line, 3);
}

#[test]
fn format_comes_from_content_not_name() {
    let bytes = std::fs::read(fixture("excel.xlsx")).expect("fixture");
    let f = import::read_roster_bytes("upload.csv", &bytes, &mut |_, _| {}).expect("reads");
    assert_eq!((f.format.as_str(), f.file.as_str()), ("xlsx", "upload.csv"));
    let bytes = std::fs::read(fixture("gb18030.csv")).expect("fixture");
    let f = import::read_roster_bytes("名单.xlsx", &bytes, &mut |_, _| {}).expect("reads");
    assert_eq!(
        (f.format.as_str(), f.encoding.as_deref()),
        ("csv", Some("GB18030"))
    );
}

#[test]
fn rejects_file_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("rejects.csv");
    let f = read("bad_rows.csv");
    assert_eq!(f.rows.iter().filter(|r| r.outcome.is_err()).count(), 5);
    muster_core::seal::write_atomic(&out, &rejects::rejects_csv_bytes(&f)).expect("writes");
    let bytes = std::fs::read(&out).expect("written");
    assert_eq!(bytes, rejects::rejects_csv_bytes(&f));
    let text = std::str::from_utf8(&bytes).expect("utf-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{FEFF}姓名,性别,手机号码,身份证号码,出生日期,年龄,错误原因 / reason"
    );
    assert!(
        lines[1].starts_with(
            "坏手机,男,1380000000,530102197903071517,,,line 3: phone: mobile '1380000000'"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[4].starts_with("科学计数,男,13800000005,1.10105E+17,,,line 6: id_number: "),
        "{}",
        lines[4]
    );
    assert_eq!(lines.len(), 7, "header, 5 rows, final empty");
    // No temp file is left next to it.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);

    // The organiser can import the rejects file again: same rows, same faults.
    let again = import::read_roster(&out, &mut |_, _| {}).expect("re-reads");
    assert_eq!(again.encoding.as_deref(), Some("UTF-8 (BOM)"));
    assert_eq!(
        again.warnings,
        ["kept 1 unknown column as extra fields: '错误原因 / reason'"]
    );
    let faults = |f: &RosterFile| -> Vec<Vec<String>> {
        f.rows
            .iter()
            .filter_map(|r| r.outcome.as_ref().err())
            .map(|e| e.iter().map(|e| e.field.clone()).collect())
            .collect()
    };
    assert_eq!(faults(&again), faults(&f));
}

fn big_csv(rows: usize) -> Vec<u8> {
    let mut s = String::from("姓名,性别,手机号码,身份证号码,年龄,工作单位,备注\n");
    for i in 0..rows {
        let first17 = format!("52010219850612{:03}", i % 1000);
        let id = format!(
            "{first17}{}",
            muster_core::normalize::id_check_char(&first17).expect("17 digits")
        );
        let phone = if i % 100 == 99 {
            "123".to_string()
        } else {
            format!("138{:08}", i)
        };
        s.push_str(&format!(
            "学员{i},{},{phone},{id},{},第{}村,note {i}\n",
            if i % 2 == 0 { "男" } else { "女" },
            20 + i % 50,
            i % 30
        ));
    }
    s.into_bytes()
}

#[test]
fn progress_is_reported_every_thousand_rows_and_at_the_end() {
    let bytes = big_csv(2500);
    let mut calls = Vec::new();
    let f = import::read_roster_bytes("big.csv", &bytes, &mut |done, total| {
        calls.push((done, total))
    })
    .expect("reads");
    assert_eq!(calls, [(1000, 2500), (2000, 2500), (2500, 2500)]);
    assert_eq!(f.rows.len(), 2500);
    assert_eq!(good(&f).len(), 2475);
}

#[test]
fn hundred_thousand_rows_read_quickly() {
    let bytes = big_csv(100_000);
    let start = std::time::Instant::now();
    let f = import::read_roster_bytes("big.csv", &bytes, &mut |_, _| {}).expect("reads");
    let elapsed = start.elapsed();
    assert_eq!(f.rows.len(), 100_000);
    assert_eq!(good(&f).len(), 99_000);
    assert_eq!(f.rows[99_999].line, 100_001);
    if !cfg!(debug_assertions) {
        assert!(elapsed.as_secs_f64() < 1.5, "100k rows took {elapsed:?}");
    }
}
