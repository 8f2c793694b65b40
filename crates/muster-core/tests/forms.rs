//! Paper questionnaires: every XLSForm sample (copied from pyxform's test
//! suite into tests/data/xlsform, BSD-2, see LICENSE-pyxform) imported or
//! refused as data; the expression evaluator as a table; the keying state
//! machine on a typical select-heavy form (keystrokes per answer); CSV
//! responses, batches, double entry and the portrait.

use muster_core::forms::expr::{Context, Expr};
use muster_core::forms::keying::{Key, KeyingSession, SessionSetup, Stage, Step};
use muster_core::forms::{xlsform, Entry, Kind};
use muster_core::model::NewEvent;
use muster_core::{ErrorCode, Muster};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xlsform").join(name)
}

/// (file, title, keyed questions, some skipped names, a warning fragment).
const SAMPLES: &[(&str, &str, usize, &[&str], &str)] = &[
    ("case_insensitivity.xlsx", "Yes or no", 1, &["q2", "q3"], ""),
    ("choice_filter_test.xlsx", "cascading selects", 3, &[], "more than once"),
    ("extra_columns.xlsx", "extra_columns", 1, &[], ""),
    ("field-list.xlsx", "field-list", 1, &[], ""),
    ("group.xlsx", "group", 3, &[], ""),
    ("or_other.xlsx", "or_other", 3, &[], "needs quotes"),
    ("specify_other.xlsx", "specify_other", 2, &[], ""),
    ("survey_no_name.xlsx", "survey_no_name", 1, &[], "only sheet"),
    ("text_and_integer.xlsx", "text_and_integer", 2, &[], ""),
    ("tutorial.xls", "tutorial", 10, &[], "tutorial notes"),
    ("widgets.xls", "widgets", 25, &["my_trigger", "my_geopoint", "my_barcode", "my_image", "my_audio", "my_video", "locationMap"], ""),
    (
        "xlsform_spec_test.xlsx",
        "Spec test",
        21,
        &["geopoint_test", "barcode_test", "image_test", "audio_test", "video_test", "calculate_test", "start", "end", "today", "deviceid", "phonenumber"],
        "",
    ),
    ("yes_or_no_question.xlsx", "yes_or_no_question", 1, &[], ""),
];

/// (file, sheet, row, column letter, header, message fragment).
const REFUSED: &[(&str, &str, u64, &str, &str, &str)] = &[
    ("no_survey_sheet.xlsx", "survey", 1, "A", "type", "no survey sheet"),
    ("duplicate_columns.xlsx", "survey", 1, "E", "label", "column D (label) and column E (label)"),
];

#[test]
fn every_sample_form_is_imported_or_refused() {
    let mut seen: Vec<String> = std::fs::read_dir(sample(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx") || n.ends_with(".xls"))
        .collect();
    seen.sort();
    let mut covered: Vec<String> = SAMPLES.iter().map(|s| s.0.to_string()).chain(REFUSED.iter().map(|r| r.0.to_string())).collect();
    covered.sort();
    assert_eq!(seen, covered, "every sample file has a row in the table");

    for (file, title, keyed, skipped, warning) in SAMPLES {
        let form = xlsform::read(&sample(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(form.title, *title, "{file}");
        assert_eq!(form.keyed().count(), *keyed, "{file}: keyed questions");
        for s in *skipped {
            let entry = form.skipped.iter().find(|x| x.name == *s).unwrap_or_else(|| panic!("{file}: {s} reported as skipped"));
            assert!(!entry.reason.is_empty() && !entry.type_name.is_empty());
            assert!(form.question(s).is_some(), "{file}: skipped {s} is kept in the form");
        }
        if !warning.is_empty() {
            assert!(form.warnings.iter().any(|w| w.contains(warning)), "{file}: warnings {:?}", form.warnings);
        }
        // A stored definition round-trips through JSON unchanged.
        let json = serde_json::to_string(&form).unwrap();
        assert_eq!(serde_json::from_str::<muster_core::forms::Form>(&json).unwrap(), form, "{file}");
    }
    for (file, sheet, row, col, header, fragment) in REFUSED {
        let e = xlsform::read(&sample(file)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{file}");
        let msg = e.to_string();
        let place = format!("{file}: sheet {sheet}, row {row}, column {col} ({header})");
        assert!(msg.starts_with(&place), "{file}: {msg}");
        assert!(msg.contains(fragment), "{file}: {msg}");
        let loc = e.location();
        assert_eq!((loc.file.as_deref(), loc.line, loc.field.as_deref()), (Some(*file), Some(*row), Some(*header)));
    }
}

#[test]
fn import_warnings_and_expression_errors_are_worded_with_keys_and_params() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("warned.xlsx");
    let survey: &[&[&str]] = &[
        &["type", "name", "label", "relevant", "constraint", "choice_filter", "colour"],
        &["select_one l", "a", "A", "area('x', 'y', 'z', 'w') = 1", "", "", ""],
        &["integer", "b", "B", "", "area(.) > 1", "", ""],
        &["select_one l", "c", "C", "", "", "region = north", ""],
    ];
    let choices: &[&[&str]] = &[&["list_name", "name", "label"], &["l", "1", "One"], &["l", "1", "Again"]];
    let settings: &[&[&str]] = &[&["allow_choice_duplicates"], &["yes"]];
    write_xlsx(&path, &[("survey", survey), ("choices", choices), ("settings", settings)]);
    let form = xlsform::read(&path).unwrap();
    assert_eq!(form.warnings.len(), form.warnings_worded.len(), "one sentence per warning: {:?}", form.warnings);
    let keys: Vec<&str> = form.warnings_worded.iter().map(|m| m.key.as_str()).collect();
    for want in ["form.warn.choice_repeated", "form.warn.columns_unused", "form.warn.unsupported_true", "form.warn.unsupported_unchecked", "form.warn.filter_name"] {
        assert!(keys.contains(&want), "{want} in {keys:?} ({:?})", form.warnings);
    }
    let param = |key: &str, p: &str| form.warnings_worded.iter().find(|m| m.key == key).and_then(|m| m.params.get(p).cloned()).unwrap_or_default();
    assert_eq!(param("form.warn.columns_unused", "columns"), "colour");
    assert_eq!(param("form.warn.unsupported_true", "functions"), "area()");
    assert_eq!(param("form.warn.choice_repeated", "value"), "'1'");
    // The English stays what the CLI printed.
    assert!(form.warnings.iter().any(|w| w == "survey columns not used for keying: colour"), "{:?}", form.warnings);
    // A stored form from before the sentences were kept still reads.
    let mut json = serde_json::to_value(&form).unwrap();
    json.as_object_mut().unwrap().remove("warnings_worded");
    assert!(serde_json::from_value::<muster_core::forms::Form>(json).unwrap().warnings_worded.is_empty());

    // Why an expression does not parse is a sentence too, inside the refusal.
    let only = dir.path().join("only.xlsx");
    write_xlsx(&only, &[("Sheet1", &[&["type", "name", "label"], &["text", "a", "A"]])]);
    let form = xlsform::read(&only).unwrap();
    assert_eq!(form.warnings_worded[0].key, "form.warn.only_sheet");
    for (src, key) in [("${a} = ", "expr.ends_early"), ("'abc", "expr.unterminated_string"), ("(1 + 2", "expr.paren_open"), ("1 # 2", "expr.unexpected_char"), ("not(1, 2)", "expr.arity"), ("1 2", "expr.unexpected")] {
        let path = dir.path().join("bad.xlsx");
        write_xlsx(&path, &[("survey", &[&["type", "name", "label", "relevant"], &["text", "a", "A", ""], &["text", "b", "B", src]])]);
        let e = xlsform::read(&path).unwrap_err();
        let msg = e.msg().unwrap();
        assert_eq!(msg.key, "form.expr_parse", "{src}");
        assert_eq!(msg.params.get("detail.key").map(String::as_str), Some(key), "{src}: {msg:?}");
        let detail = msg.params.get("detail").unwrap();
        assert!(e.to_string().contains(detail.as_str()), "{src}: the English detail is the message's: {e}");
    }
    let e = Expr::parse("(1 + 2").unwrap_err();
    assert_eq!((e.msg.key.as_str(), e.msg.params.get("at").map(String::as_str)), ("expr.paren_open", Some("1")));
}

#[test]
fn labels_in_every_spelling_and_language_are_kept() {
    let f = xlsform::read(&sample("xlsform_spec_test.xlsx")).unwrap();
    let address = f.question("address").unwrap();
    assert_eq!(address.labels.get("english").map(String::as_str), Some("Enter an address"));
    assert_eq!(address.labels.get("chinese").map(String::as_str), Some("您好"));
    assert!(f.languages.contains(&"english".to_string()) && f.languages.contains(&"chinese".to_string()));
    let yes_no = &f.question("skip_to_end").unwrap().choices;
    assert_eq!(yes_no[0].labels.get("chinese").map(String::as_str), Some("是"));
    assert_eq!((yes_no[0].key.as_str(), yes_no[1].key.as_str()), ("1", "2"));
    // The group's relevant applies to the questions inside it.
    assert_eq!(f.question("my_name").unwrap().groups, ["everything"]);
    assert!(f.group("everything").unwrap().relevant.is_some());
    let group = xlsform::read(&sample("group.xlsx")).unwrap();
    assert_eq!(group.languages, ["English (en)"]);
    let specify = xlsform::read(&sample("specify_other.xlsx")).unwrap();
    assert_eq!(specify.languages, ["English"]);
    let sex = specify.question("sex").unwrap();
    assert!(sex.or_other);
    assert_eq!(sex.choices.last().unwrap().value, "other");
    assert_eq!(specify.question("sex_other").unwrap().relevant.as_deref(), Some("selected(${sex}, 'other')"));
    // Numeric codes are their own keys; a widgets.xls list codes 1..8.
    let widgets = xlsform::read(&sample("widgets.xls")).unwrap();
    let list2 = &widgets.question("my_select1").unwrap().choices;
    assert_eq!(list2.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["1", "2", "3", "4", "5", "6", "7", "8"]);
    assert_eq!(widgets.question("my_int").unwrap().constraint_message.get("").map(String::as_str), Some("number must be less than 10"));
    assert_eq!(widgets.question("dateTime").unwrap().kind, Kind::DateTime);
    let case = xlsform::read(&sample("case_insensitivity.xlsx")).unwrap();
    assert_eq!(case.form_id, "YesNo");
    assert_eq!(case.question("q1").unwrap().labels.get("EN").map(String::as_str), Some("Are you good?"));
}

#[test]
fn broken_forms_are_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    // The English, and the key the app words in the person's language (with the row).
    let cases: &[(&[&[&str]], &str, Option<&str>)] = &[
        (&[&["type", "name", "label", "relevant", "relevance"], &["text", "a", "A", "", ""]], "column D (relevant) and column E (relevance)", Some("form.same_column")),
        (&[&["type", "name", "label"], &["selfie", "a", "A"]], "row 2, column A (type): unknown question type 'selfie'", Some("form.unknown_type")),
        (&[&["type", "name", "label", "relevant"], &["text", "a", "A", ""], &["text", "b", "B", "${a} = "]], "row 3, column D (relevant): relevant '${a} =' does not parse: the expression ends too early (at character 7)", Some("form.expr_parse")),
        (&[&["type", "name", "label", "constraint"], &["integer", "a", "A", ". > ${zz}"]], "refers to ${zz}", Some("form.expr_unknown_ref")),
        (&[&["type", "name", "label"], &["begin group", "g", "G"], &["text", "a", "A"]], "group g is never closed", Some("form.never_closed")),
        (&[&["type", "name", "label"], &["text", "a", "A"], &["integer", "a", "B"]], "row 3, column B (name): the name 'a' is already used on row 2", Some("form.name_taken")),
        (&[&["type", "name", "label"], &["select_one nolist", "a", "A"]], "the choice list 'nolist' is not on the choices sheet", Some("form.list_missing")),
        (&[&["type", "name", "label"], &["text", "two words", "A"]], "is not a valid name", Some("form.bad_name")),
    ];
    for (i, (rows, fragment, key)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("broken{i}.xlsx"));
        write_xlsx(&path, &[("survey", rows)]);
        let e = xlsform::read(&path).unwrap_err();
        assert!(e.to_string().contains(fragment), "case {i}: {e}");
        assert!(e.to_string().starts_with(&format!("broken{i}.xlsx: sheet survey, row ")), "case {i}: {e}");
        if let Some(key) = key {
            let msg = e.msg().unwrap_or_else(|| panic!("case {i} is not worded: {e}"));
            assert_eq!(msg.key, *key, "case {i}");
            assert_eq!(msg.params.get("file").map(String::as_str), Some(format!("broken{i}.xlsx").as_str()), "case {i}");
            assert!(msg.params.get("row").is_some_and(|r| r.parse::<u32>().is_ok()), "case {i}: {msg:?}");
        }
    }
    let not_a_workbook = dir.path().join("form.xlsx");
    std::fs::write(&not_a_workbook, "type,name,label\n").unwrap();
    assert!(xlsform::read(&not_a_workbook).unwrap_err().to_string().contains("not an XLSForm workbook"));
}

struct Answers(BTreeMap<&'static str, &'static str>, Option<&'static str>);

impl Context for Answers {
    fn field(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.to_string())
    }
    fn current(&self) -> Option<String> {
        self.1.map(str::to_string)
    }
    fn name(&self, name: &str) -> Option<String> {
        (name == "cf").then(|| "washington".to_string())
    }
    fn today(&self) -> String {
        "2026-03-15".into()
    }
}

/// (expression, `.`, expected truth). Answers: q1=yes, age=20, empty="",
/// multi="a c", state=washington, d=2026-03-20, n=7.5.
const TRUTH: &[(&str, Option<&str>, bool)] = &[
    ("${q1} = 'yes'", None, true),
    ("${q1}='no'", None, false),
    ("${q1} != 'no'", None, true),
    (". >= 1 and . <= 10", Some("7"), true),
    (". >= 1 and . <= 10", Some("11"), false),
    (". >= 1 and . <= 10", Some(""), false),
    (". >= 5", Some("5"), true),
    (". < 10", Some("9.99"), true),
    (". > 10.51 and . < 18.39", Some("18.31"), true),
    ("selected(${multi}, 'c')", None, true),
    ("selected(${multi}, 'b')", None, false),
    ("selected (${multi}, 'a')", None, true),
    ("not(selected(., 'yes') and selected (., 'no'))", Some("yes no"), false),
    ("not(selected(., 'yes') and selected (., 'no'))", Some("yes"), true),
    ("count-selected(${multi}) = 2", None, true),
    ("count-selected(${empty}) = 0", None, true),
    ("${empty} = ''", None, true),
    ("${empty} != ''", None, false),
    ("${age} > 18 and ${age} <= 20", None, true),
    ("${age} > 3", None, true),
    ("${age} = 20.0", None, true),
    ("${age} = '20.0'", None, false),
    ("${q1} = 'yes' or ${age} > 100", None, true),
    ("${q1} = 'no' or ${age} > 100", None, false),
    ("${q1} = 'no' and ${age} > 100 or ${age} = 20", None, true),
    ("(${q1} = 'no' or ${age} = 20) and ${empty} = ''", None, true),
    ("${age} + 5 * 2 = 30", None, true),
    ("${age} div 4 = 5 and ${age} mod 6 = 2", None, true),
    ("-${age} < 0", None, true),
    ("${d} > today()", None, true),
    (". >= today()", Some("2026-03-14"), false),
    (". >= today()", Some("2026-03-15"), true),
    ("${d} = '2026-03-20'", None, true),
    ("string-length(${q1}) = 3", None, true),
    ("regex(., '^1[3-9][0-9]{9}$')", Some("13812345678"), true),
    ("regex(., '^1[3-9][0-9]{9}$')", Some("1381234567"), false),
    ("contains(${state}, 'ash') and starts-with(${state}, 'wa')", None, true),
    ("${state}=cf", None, true),
    ("if(${age} > 18, 'adult', 'minor') = 'adult'", None, true),
    ("int(${n}) = 7 and round(${n}) = 8", None, true),
    ("true() and not(false())", None, true),
    ("${nope} = ''", None, false),
    ("concat(${q1}, '-', ${age}) = 'yes-20'", None, true),
    ("boolean(${empty})", None, false),
    ("number('abc') = number('abc')", None, false),
    ("\"double\" = 'double'", None, true),
];

#[test]
fn the_evaluator_follows_xpath_for_the_xlsform_subset() {
    let answers: BTreeMap<&str, &str> =
        [("q1", "yes"), ("age", "20"), ("empty", ""), ("multi", "a c"), ("state", "washington"), ("d", "2026-03-20"), ("n", "7.5")].into_iter().collect();
    for (src, current, want) in TRUTH {
        let ctx = Answers(answers.clone(), *current);
        let e = Expr::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(e.truth(&ctx).unwrap(), *want, "{src} with . = {current:?}");
    }
    let e = Expr::parse("area('x', 'y', 'z', 'w') = 1").unwrap();
    assert_eq!(e.unsupported_functions(), ["area"]);
    assert!(e.truth(&Answers(BTreeMap::new(), None)).is_err());
    assert_eq!(Expr::parse("${a} = 1 and selected(${b}, 'x')").unwrap().references(), ["a", "b"]);
}

/// The form the XPath table (tests/data/xpath/functions.tsv) is evaluated
/// against, written with fruits.csv beside it (pulldata reads it).
fn xpath_form(dir: &Path) -> muster_core::forms::Form {
    let survey: &[&[&str]] = &[
        &["type", "name", "label", "relevant"],
        &["select_one fruits", "fruit", "Fruit", ""],
        &["select_multiple tags", "tags", "Tags", ""],
        &["text", "name", "Name", ""],
        &["integer", "age", "Age", ""],
        &["date", "dob", "Born", ""],
        &["note", "price", "The price", "pulldata('fruits', 'price', 'code', ${fruit}) != ''"],
    ];
    let choices: &[&[&str]] = &[
        &["list_name", "name", "label"],
        &["fruits", "1", "Apple"],
        &["fruits", "2", "Banana"],
        &["fruits", "3", "Cherry"],
        &["tags", "a", "A"],
        &["tags", "b", "B"],
        &["tags", "c", "C"],
    ];
    let path = dir.join("xpath.xlsx");
    write_xlsx(&path, &[("survey", survey), ("choices", choices)]);
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xpath/fruits.csv"), dir.join("fruits.csv")).unwrap();
    xlsform::read(&path).unwrap()
}

#[test]
fn xpath_functions_evaluate_as_the_table_says() {
    let dir = tempfile::tempdir().unwrap();
    let form = xpath_form(dir.path());
    assert!(form.attachments.contains_key("fruits"), "pulldata's CSV is attached at import: {:?}", form.warnings);
    let table = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xpath/functions.tsv")).unwrap();
    let mut failed = Vec::new();
    let mut rows = 0;
    for (n, line) in table.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "functions.tsv line {}: expression, answers, expected", n + 1);
        let (src, inputs, want) = (cols[0], cols[1], cols[2]);
        let mut answers = BTreeMap::new();
        let mut current = None;
        for pair in inputs.split(';').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("functions.tsv line {}: {pair} is not name=value", n + 1));
            if k == "." {
                current = Some(v.to_string());
            } else {
                answers.insert(k.to_string(), v.to_string());
            }
        }
        let eval = muster_core::forms::responses::Eval { form: &form, answers: &answers, today: "2026-03-15" };
        let got = match eval.value(src, current.as_deref()) {
            Ok(v) => v,
            Err(_) => "error".to_string(),
        };
        if got != want {
            failed.push(format!("line {}: {src} with {inputs:?} gave {got:?}, not {want:?}", n + 1));
        }
        rows += 1;
    }
    assert!(rows >= 40, "the table has {rows} rows");
    assert!(failed.is_empty(), "{} of {rows} rows failed:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn a_pulldata_file_that_is_missing_or_not_a_csv_is_said_and_looks_up_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lookup.xlsx");
    let survey: &[&[&str]] = &[
        &["type", "name", "label", "relevant", "constraint"],
        &["integer", "code", "Code", "", "pulldata('prices', 'p', 'code', .) != ''"],
        &["note", "n", "N", "pulldata('towns', 'name', 'id', ${code}) != ''", ""],
    ];
    write_xlsx(&path, &[("survey", survey)]);
    std::fs::write(dir.path().join("towns.csv"), b"").unwrap();
    let form = xlsform::read(&path).unwrap();
    let keys: Vec<&str> = form.warnings_worded.iter().map(|m| m.key.as_str()).collect();
    assert!(keys.contains(&"form.warn.pulldata_missing") && keys.contains(&"form.warn.pulldata_unreadable"), "{keys:?} {:?}", form.warnings);
    assert!(form.warnings.iter().any(|w| w.contains("'prices.csv'")), "{:?}", form.warnings);
    assert!(form.attachments.is_empty());
    // A stored form round-trips with its attachments.
    let attached = xpath_form(dir.path());
    let json = serde_json::to_string(&attached).unwrap();
    assert_eq!(serde_json::from_str::<muster_core::forms::Form>(&json).unwrap(), attached);
}

// ---------------------------------------------------------------- keying

/// Writes sheets of text cells.
fn write_xlsx(path: &Path, sheets: &[(&str, &[&[&str]])]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let s = wb.add_worksheet();
        s.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    s.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
    }
    wb.save(path).unwrap();
}

/// A typical end-of-training questionnaire: mostly single choices, one
/// multiple choice, a bounded number, follow-ups behind `relevant`, an
/// optional comment.
fn portrait_form(dir: &Path) -> PathBuf {
    let survey: &[&[&str]] = &[
        &["type", "name", "label::Chinese (zh)", "label::English (en)", "required", "relevant", "constraint", "constraint_message::English (en)"],
        &["note", "intro", "请如实填写", "Please answer honestly", "", "", "", ""],
        &["select_one gender", "gender", "性别", "Gender", "yes", "", "", ""],
        &["select_one age", "age_bracket", "年龄段", "Age bracket", "yes", "", "", ""],
        &["select_one edu", "education", "文化程度", "Education", "", "", "", ""],
        &["select_one occ or_other", "occupation", "职业", "Occupation", "yes", "", "", ""],
        &["integer", "days", "参加天数", "Days attended", "yes", "", ". >= 1 and . <= 5", "1 to 5 days"],
        &["select_one how", "heard", "从何得知", "How did you hear", "", "", "", ""],
        &["select_one scale", "valuable", "培训有价值", "Training was valuable", "yes", "", "", ""],
        &["select_multiple topics", "topics", "最有用的内容", "Most useful topics", "", "", "", ""],
        &["select_one scale", "trainer", "讲师", "Trainer", "", "", "", ""],
        &["select_one pace", "pace", "进度", "Pace", "", "", "", ""],
        &["select_one scale", "venue", "场地满意", "Satisfied with the venue", "", "", "", ""],
        &["select_one scale", "materials", "教材满意", "Satisfied with the materials", "", "", "", ""],
        &["select_one yn", "opened_shop", "开通微信小店", "Opened a WeChat mini shop", "yes", "", "", ""],
        &["select_one platform", "shop_kind", "小店类型", "Shop kind", "yes", "${opened_shop} = 'yes'", "", ""],
        &["select_one yn", "opened_channel", "开通视频号", "Opened a Video Channel", "yes", "", "", ""],
        &["select_one followers", "followers", "粉丝数", "Followers", "", "${opened_channel} = 'yes'", "", ""],
        &["select_one change", "sales", "销售变化", "Sales change", "", "${opened_shop} = 'yes' or ${opened_channel} = 'yes'", "", ""],
        &["select_one yn", "recommend", "推荐", "Would recommend", "", "", "", ""],
        &["select_one yn", "more", "还想参加", "Wants more", "", "", "", ""],
        &["text", "comments", "意见", "Comments", "", "", "", ""],
    ];
    let mut choices: Vec<Vec<String>> = vec![vec!["list_name".into(), "name".into(), "label::Chinese (zh)".into(), "label::English (en)".into()]];
    type List<'a> = (&'a str, &'a [(&'a str, &'a str, &'a str)]);
    let lists: &[List<'_>] = &[
        ("gender", &[("f", "女", "Female"), ("m", "男", "Male")]),
        ("age", &[("u25", "25岁以下", "Under 25"), ("25_34", "25-34", "25-34"), ("35_44", "35-44", "35-44"), ("45_54", "45-54", "45-54"), ("55_64", "55-64", "55-64"), ("65p", "65岁以上", "65+")]),
        ("edu", &[("primary", "小学", "Primary"), ("junior", "初中", "Junior"), ("senior", "高中", "Senior"), ("college", "大专", "College"), ("uni", "本科及以上", "University")]),
        ("occ", &[("farmer", "农民", "Farmer"), ("herder", "牧民", "Herder"), ("shop", "个体户", "Shopkeeper"), ("worker", "务工", "Worker"), ("student", "学生", "Student"), ("official", "村干部", "Village official"), ("ecom", "电商", "E-commerce")]),
        ("how", &[("village", "村委", "Village"), ("friend", "朋友", "Friend"), ("wechat", "微信", "WeChat"), ("poster", "海报", "Poster"), ("other", "其他", "Other")]),
        ("scale", &[("1", "很不同意", "Strongly disagree"), ("2", "不同意", "Disagree"), ("3", "一般", "Neutral"), ("4", "同意", "Agree"), ("5", "很同意", "Strongly agree")]),
        ("topics", &[("shop", "开店", "Opening a shop"), ("video", "拍视频", "Filming"), ("live", "直播", "Live streaming"), ("ads", "推广", "Promotion"), ("logistics", "物流", "Logistics"), ("service", "客服", "Service")]),
        ("pace", &[("slow", "太慢", "Too slow"), ("ok", "合适", "Right"), ("fast", "太快", "Too fast")]),
        ("yn", &[("yes", "是", "Yes"), ("no", "否", "No")]),
        ("platform", &[("mini", "小程序", "Mini program"), ("store", "微信小店", "WeChat store"), ("other", "其他", "Other")]),
        ("followers", &[("lt100", "<100", "<100"), ("lt1k", "100-999", "100-999"), ("lt10k", "1000-9999", "1k-10k"), ("more", "1万以上", "10k+")]),
        ("change", &[("down", "下降", "Down"), ("same", "不变", "Same"), ("up", "上升", "Up"), ("na", "不清楚", "Don't know")]),
    ];
    for (list, items) in lists {
        for (name, zh, en) in *items {
            choices.push(vec![list.to_string(), name.to_string(), zh.to_string(), en.to_string()]);
        }
    }
    let choice_rows: Vec<Vec<&str>> = choices.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let choice_refs: Vec<&[&str]> = choice_rows.iter().map(Vec::as_slice).collect();
    let settings: &[&[&str]] = &[&["form_title", "form_id", "default_language"], &["培训学员画像 Trainee portrait", "portrait_2026", "English (en)"]];
    let path = dir.join("portrait.xlsx");
    write_xlsx(&path, &[("survey", survey), ("choices", &choice_refs), ("settings", settings)]);
    path
}

fn setup() -> (tempfile::TempDir, Muster, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "电商培训".into(), venue: "县城".into(), starts_on: "2026-03-10".into(), days: 3 }).unwrap();
    let form = portrait_form(dir.path());
    (dir, m, e.id, form)
}

/// A small deterministic generator for simulated papers.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Keys one simulated paper the way a keyer reads it: one key per choice,
/// picks then Enter for the multiple choice, Enter for a blank comment.
fn key_paper(s: &mut KeyingSession, rng: &mut Lcg) {
    assert_eq!(s.press(Key::Enter), Step::Advanced, "Enter takes the batch's next paper: {:?}", s.screen().message);
    while s.stage() == Stage::Question {
        let q = s.question().unwrap().clone();
        let step = match q.kind {
            Kind::SelectOne => {
                let c = &q.choices[rng.next(q.choices.len() as u64) as usize];
                s.type_str(&c.key)
            }
            Kind::SelectMultiple => {
                let picks = 1 + rng.next(2);
                let mut last = Step::Typing;
                let mut keys: Vec<&str> = Vec::new();
                while (keys.len() as u64) < picks {
                    let k = q.choices[rng.next(q.choices.len() as u64) as usize].key.as_str();
                    if !keys.contains(&k) {
                        keys.push(k);
                        last = s.type_str(k);
                    }
                }
                assert_eq!(last, Step::Typing, "picks wait for Enter");
                s.press(Key::Enter)
            }
            Kind::Integer => s.type_str(&(1 + rng.next(5)).to_string()),
            // One trainee in twenty writes a comment or names another occupation.
            Kind::Text if rng.next(20) == 0 => {
                s.type_str("good");
                s.press(Key::Enter)
            }
            Kind::Text => s.press(Key::Enter),
            other => panic!("unexpected {other:?}"),
        };
        assert!(matches!(step, Step::Advanced | Step::Complete), "{}: {step:?}", q.name);
    }
    assert_eq!(s.stage(), Stage::Complete);
}

#[test]
fn keying_a_select_heavy_form_takes_at_most_1_1_keystrokes_per_answer() {
    let (_dir, mut m, event, path) = setup();
    let f = m.import_form(&event, &path, false).unwrap();
    assert_eq!(f.form.keyed().count(), 21, "20 questions plus occupation_other");
    m.add_batch(&f.id, "Day 3 room A", 50, Some("A001")).unwrap();
    let mut s = m.keying_session(&f.id, Entry::First, "keyer-li", Some("Day 3 room A"), None).unwrap();
    let mut rng = Lcg(42);
    let (mut keys, mut answer_keys, mut answers) = (0u32, 0u32, 0u32);
    for n in 0..50 {
        key_paper(&mut s, &mut rng);
        let mut done = s.finish().unwrap();
        assert_eq!(done.paper_id, format!("A{:03}", n + 1));
        done.duration_ms = Some(40_000);
        keys += done.keystrokes;
        answer_keys += done.answer_keystrokes;
        answers += done.questions_asked;
        m.save_keyed(&f.id, &done).unwrap();
        s.next_paper_form();
    }
    let per_answer = f64::from(answer_keys) / f64::from(answers);
    let with_paper_id = f64::from(keys) / f64::from(answers);
    println!("keyed 50 papers: {answers} answers, {answer_keys} answer keystrokes ({per_answer:.3}/answer), {keys} with paper IDs ({with_paper_id:.3}/answer)");
    assert!(per_answer <= 1.1, "{per_answer:.3} keystrokes per answer");
    assert!(with_paper_id <= 1.2, "{with_paper_id:.3} keystrokes per answer with paper IDs");

    let status = m.batch_status(&f.id, "Day 3 room A", Entry::First).unwrap();
    assert_eq!((status.expected, status.keyed, status.missing.len()), (50, 50, 0));
    let p = m.portrait(&f.id, None).unwrap();
    assert_eq!((p.stored, p.rejected, p.included), (50, 0, 50));
    let gender = p.questions.iter().find(|q| q.name == "gender").unwrap();
    assert_eq!(gender.answered, 50);
    assert_eq!(gender.choices.iter().map(|c| c.count).sum::<u64>(), 50);
    let pct: f64 = gender.choices.iter().map(|c| c.percent).sum();
    assert!((pct - 100.0).abs() < 0.11, "{pct}");
    let days = p.questions.iter().find(|q| q.name == "days").unwrap().numeric.clone().unwrap();
    assert_eq!(days.n, 50);
    assert!(days.min >= 1.0 && days.max <= 5.0 && days.mean >= days.min && days.mean <= days.max);
    let shop_kind = p.questions.iter().find(|q| q.name == "shop_kind").unwrap();
    let opened = p.questions.iter().find(|q| q.name == "opened_shop").unwrap();
    assert_eq!(shop_kind.answered, opened.choices.iter().find(|c| c.value == "yes").unwrap().count, "asked only when a shop was opened");
    let stats = m.keyer_stats(&f.id).unwrap();
    assert_eq!(stats[0].forms, 50);
    assert!((stats[0].forms_per_hour.unwrap() - 90.0).abs() < 1e-9, "50 forms of 40 s each");
}

#[test]
fn keying_checks_as_it_goes_and_numbers_choices_past_nine() {
    let dir = tempfile::tempdir().unwrap();
    let survey: &[&[&str]] = &[
        &["type", "name", "label", "required", "constraint", "constraint_message", "relevant", "choice_filter"],
        &["select_one twelve", "pick", "Pick", "yes", "", "", "", ""],
        &["integer", "age", "Age", "yes", ". >= 16 and . <= 80", "16 to 80 only", "", ""],
        &["select_one yn", "shop", "Shop?", "", "", "", "", ""],
        &["text", "shop_name", "Shop name", "yes", "", "", "${shop} = 'yes'", ""],
        &["select_one states", "state", "State", "", "", "", "", ""],
        &["select_one counties", "county", "County", "", "", "", "", "state = ${state}"],
        &["date", "born", "Born", "", ". < today()", "must be in the past", "", ""],
    ];
    let mut choices: Vec<Vec<String>> = vec![vec!["list_name".into(), "name".into(), "label".into(), "state".into()]];
    for i in 1..=12 {
        choices.push(vec!["twelve".into(), format!("c{i}"), format!("Choice {i}"), String::new()]);
    }
    for (l, n, s) in [("yn", "yes", ""), ("yn", "no", ""), ("states", "tx", ""), ("states", "wa", ""), ("counties", "king", "wa"), ("counties", "harris", "tx"), ("counties", "pierce", "wa")] {
        choices.push(vec![l.into(), n.into(), n.to_uppercase(), s.into()]);
    }
    let rows: Vec<Vec<&str>> = choices.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let refs: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let path = dir.path().join("checks.xlsx");
    write_xlsx(&path, &[("survey", survey), ("choices", &refs)]);
    let form = xlsform::read(&path).unwrap();
    let mut s = KeyingSession::new(form, SessionSetup { keyer: "k".into(), today: "2026-03-15".into(), ..SessionSetup::default() });

    assert_eq!(s.press(Key::Enter), Step::Invalid { message: "type the paper ID".into() });
    s.type_str("P-7");
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    // 12 choices: `1` could be 1, 10, 11 or 12; `3` can only be 3.
    assert_eq!(s.press(Key::Enter), Step::Invalid { message: "an answer is required".into() });
    assert_eq!(s.press(Key::Char('1')), Step::Typing);
    assert_eq!(s.press(Key::Char('1')), Step::Advanced, "11 is complete");
    assert_eq!(s.answers()["pick"], "c11");
    // Back, and change it: `3` advances at once.
    assert_eq!(s.press(Key::Backspace), Step::Back);
    assert_eq!(s.screen().input, "11");
    assert_eq!(s.press(Key::Char('3')), Step::Advanced);
    assert_eq!(s.answers()["pick"], "c3");
    // Constraint with the form's message; 45 is complete (450 cannot be).
    assert_eq!(s.type_str("9"), Step::Typing);
    assert_eq!(s.press(Key::Enter), Step::Invalid { message: "16 to 80 only".into() });
    assert_eq!(s.screen().message.as_deref(), Some("16 to 80 only"));
    assert_eq!(s.press(Key::Backspace), Step::Typing);
    assert_eq!(s.type_str("4"), Step::Typing);
    assert_eq!(s.type_str("5"), Step::Advanced);
    assert_eq!(s.press(Key::Char('x')), Step::Invalid { message: "no choice x; keys are 1 2".into() });
    // By code: `no` skips the shop name.
    assert_eq!(s.type_str("no"), Step::Advanced);
    assert_eq!(s.question().unwrap().name, "state");
    assert_eq!(s.press(Key::Char('1')), Step::Advanced); // tx
    // choice_filter: only harris (key 2) is offered in tx.
    let screen = s.screen();
    assert_eq!(screen.choices.iter().filter(|c| c.offered).map(|c| c.value.as_str()).collect::<Vec<_>>(), ["harris"]);
    assert_eq!(s.press(Key::Char('1')), Step::Invalid { message: "1 (KING) is not offered here".into() });
    assert_eq!(s.press(Key::Char('2')), Step::Advanced);
    // Dates: 8 digits advance; the constraint uses today().
    assert_eq!(s.type_str("20300101"), Step::Invalid { message: "must be in the past".into() });
    for _ in 0..8 {
        s.press(Key::Backspace);
    }
    assert_eq!(s.type_str("19800230"), Step::Invalid { message: "'19800230' is not a date (YYYY-MM-DD or YYYYMMDD)".into() });
    for _ in 0..8 {
        s.press(Key::Backspace);
    }
    assert_eq!(s.type_str("19800229"), Step::Complete, "1980 is a leap year");
    let done = s.finish().unwrap();
    let want: BTreeMap<String, String> =
        [("pick", "c3"), ("age", "45"), ("shop", "no"), ("state", "tx"), ("county", "harris"), ("born", "1980-02-29")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(done.answers, want);
    assert_eq!(done.paper_id, "P-7");
}

#[test]
fn csv_responses_double_entry_and_resolutions() {
    let (dir, mut m, event, path) = setup();
    let f = m.import_form(&event, &path, true).unwrap();
    let header = "paper_id,gender,age_bracket,occupation,occupation_other,days,valuable,topics,opened_shop,shop_kind,opened_channel,extra_col\n";
    let first = format!(
        "{header}\
         1,f,25_34,farmer,,3,5,shop video,yes,mini,no,x\n\
         2,m,35_44,other,养蜂,2,4,live,no,,yes,\n\
         3,f,u25,student,,9,5,,no,,no,\n\
         4,,45_54,farmer,,2,3,,no,,no,\n\
         5,女,2,1,,1,5,\"1,2\",是,2,否,\n"
    );
    let file = dir.path().join("partner.csv");
    std::fs::write(&file, first.as_bytes()).unwrap();
    let rejects = dir.path().join("rejects.csv");
    let r = m.import_responses(&f.id, &file, Entry::First, Some(&rejects), false).unwrap();
    assert_eq!((r.rejects_file.as_deref(), r.rejects_encrypted), (rejects.to_str(), Some(false)), "a plain store: plain, where asked");
    assert_eq!((r.imported, r.rejected, r.duplicates), (3, 2, 0), "{:?}", r.errors);
    let errors: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(errors, [(4, "days"), (5, "gender")]);
    assert_eq!(r.errors[0].message, "1 to 5 days", "the form's own constraint message");
    assert!(r.warnings.iter().any(|w| w.contains("extra_col")), "{:?}", r.warnings);
    let bytes = std::fs::read(&rejects).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("paper_id,gender,"), "{text}");
    assert!(text.contains("line 4: days: 1 to 5 days"), "{text}");
    assert_eq!(text.lines().count(), 3);
    // Re-importing the same file stores nothing twice.
    let again = m.import_responses(&f.id, &file, Entry::First, None, false).unwrap();
    assert_eq!((again.imported, again.duplicates, again.rejected), (0, 3, 2));

    // Second entry by keying, disagreeing on one field of paper 1.
    let mut s = m.keying_session(&f.id, Entry::Second, "keyer-wang", None, None).unwrap();
    s.type_str("1");
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    for keys in ["1", "2", "", "1", "", "3"] {
        // gender f, age 25_34, education blank, occupation farmer, days 3
        if keys.is_empty() { s.press(Key::Enter); } else { s.type_str(keys); }
    }
    assert_eq!(s.question().unwrap().name, "heard");
    let done = {
        s.press(Key::Enter); // heard blank
        s.type_str("4"); // valuable: 4 (first entry said 5)
        s.type_str("1"); s.type_str("2"); s.press(Key::Enter); // topics shop video
        for _ in 0..4 {
            s.press(Key::Enter); // trainer, pace, venue, materials blank
        }
        s.type_str("1"); s.type_str("1"); // opened_shop yes, shop_kind mini
        s.type_str("2"); // opened_channel no
        s.press(Key::Enter); s.press(Key::Enter); s.press(Key::Enter); // sales, recommend, more
        assert_eq!(s.press(Key::Enter), Step::Complete); // comments
        s.finish().unwrap()
    };
    m.save_keyed(&f.id, &done).unwrap();
    let same_keyer = muster_core::forms::keying::KeyedForm { keyer: "csv:partner.csv".into(), paper_id: "2".into(), ..done.clone() };
    assert_eq!(m.save_keyed(&f.id, &same_keyer).unwrap_err().code(), ErrorCode::Conflict, "second entry by the first keyer");
    assert_eq!(m.save_keyed(&f.id, &done).unwrap_err().code(), ErrorCode::Conflict, "keyed twice");

    let d = m.responses_diff(&f.id).unwrap();
    assert_eq!(d.papers_compared, 1);
    assert_eq!(d.differences.iter().map(|x| (x.paper_id.as_str(), x.field.as_str(), x.first.as_str(), x.second.as_str())).collect::<Vec<_>>(), [("1", "valuable", "5", "4")]);
    let p = m.portrait(&f.id, None).unwrap();
    assert_eq!((p.stored, p.rejected, p.included, p.pending), (3, 2, 0, 3), "double entry: nothing final yet");
    assert_eq!(m.resolve_difference(&f.id, "1", "gender", "m", "boss").unwrap_err().code(), ErrorCode::Conflict);
    assert_eq!(m.resolve_difference(&f.id, "1", "valuable", "9", "boss").unwrap_err().code(), ErrorCode::InvalidInput);
    let r = m.resolve_difference(&f.id, "1", "valuable", "5", "supervisor-zhao").unwrap();
    assert_eq!((r.value.as_str(), r.by.as_str()), ("5", "supervisor-zhao"));
    let p = m.portrait(&f.id, None).unwrap();
    assert_eq!((p.included, p.pending), (1, 2));
    let valuable = p.questions.iter().find(|q| q.name == "valuable").unwrap();
    assert_eq!(valuable.choices.iter().find(|c| c.value == "5").unwrap().count, 1);
    let stats = m.keyer_stats(&f.id).unwrap();
    let wang = stats.iter().find(|k| k.keyer == "keyer-wang").unwrap();
    assert_eq!((wang.fields_compared, wang.disagreements, wang.errors), (21, 1, 1));
    assert!((wang.disagreements_per_1000.unwrap() - 1000.0 / 21.0).abs() < 1e-9);
    let partner = stats.iter().find(|k| k.keyer == "csv:partner.csv").unwrap();
    assert_eq!((partner.disagreements, partner.errors), (1, 0));

    // The portrait as XLSX opens with calamine. (Not over portrait.xlsx:
    // that is the XLSForm itself, which the output guard keeps.)
    let out = dir.path().join("portrait-report.xlsx");
    let (_, written) = m.portrait_xlsx(&f.id, &out, false).unwrap();
    assert_eq!((written.file.as_str(), written.encrypted), (out.to_str().unwrap(), false));
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    assert_eq!(wb.sheet_names(), ["Portrait", "Data"]);
    let data = wb.worksheet_range("Data").unwrap();
    assert_eq!(data.get_size().0, 2, "header and paper 1");
}

/// Keys one paper of the portrait template through the desk: paper ID, then
/// one key per select and Enter for the optional comment, Enter on the review.
fn key_portrait(m: &mut Muster, session: &str, paper: &str, answers: [&str; 5]) -> Vec<muster_core::forms::desk::KeyingPress> {
    let mut out = Vec::new();
    for k in paper.chars().map(String::from).chain(["Enter".to_string()]) {
        out.push(m.keying_press(session, &k).unwrap());
    }
    for a in answers {
        out.push(m.keying_press(session, a).unwrap());
    }
    out
}

#[test]
fn verify_mode_asks_which_is_right_at_once_and_records_the_choice_as_the_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "电商培训".into(), venue: "县城".into(), starts_on: "2026-03-10".into(), days: 1 }).unwrap();
    let f = m.import_form_template(&e.id, true).unwrap();
    assert_eq!(f.form.keyed().count(), 6);
    // Verify mode is for a second entry only.
    assert_eq!(m.keying_open(&f.id, Entry::First, Some("李"), None, None, true).unwrap_err().code(), ErrorCode::InvalidInput);
    // First entry by 李: age 31–40, female, farmer, very valuable, opened a shop.
    let first = m.keying_open(&f.id, Entry::First, Some("李"), None, None, false).unwrap().session_id;
    let steps = key_portrait(&mut m, &first, "7", ["2", "1", "1", "1", "1"]);
    assert_eq!(steps.last().unwrap().step, Step::Advanced, "on to the comment");
    assert_eq!(m.keying_press(&first, "Enter").unwrap().step, Step::Review, "the last answer shows the review");
    assert!(m.keying_press(&first, "Enter").unwrap().saved.is_some(), "Enter on the review saves");

    // 李 cannot key the second entry of their own paper: refused at the paper ID.
    let own = m.keying_open(&f.id, Entry::Second, Some("李"), None, None, false).unwrap().session_id;
    m.keying_press(&own, "7").unwrap();
    let refused = m.keying_press(&own, "Enter").unwrap();
    assert!(matches!(&refused.step, Step::Invalid { message } if message.contains("someone else")), "{refused:?}");
    assert_eq!(refused.screen.question, None, "not one answer keyed");
    m.keying_close(&own);

    // Second entry by 王 against it: gender keyed as male (2).
    let s = m.keying_open(&f.id, Entry::Second, Some("王"), None, None, true).unwrap();
    assert!(s.screen.verify);
    let sid = s.session_id;
    let steps = key_portrait(&mut m, &sid, "7", ["2", "2", "", "", ""].map(|k| if k.is_empty() { "x" } else { k }));
    let at = steps.iter().position(|p| p.step == Step::Mismatch).expect("the differing answer is not taken");
    let mm = steps[at].screen.mismatch.clone().unwrap();
    assert_eq!((mm.question.as_str(), mm.first.as_str(), mm.keyed.as_str()), ("gender", "female", "male"));
    assert_eq!((mm.first_shown.as_str(), mm.keyed_shown.as_str()), ("1 女", "2 男"));
    assert_eq!(steps[at].screen.question.as_deref(), Some("gender"), "still on the question");
    // Keys other than 1, 2 or Backspace are not taken.
    assert!(steps[at + 1..].iter().all(|p| p.step == Step::Mismatch), "{:?}", steps.iter().map(|p| &p.step).collect::<Vec<_>>());
    // Backspace keys it again; the same value asks again; 1: the first entry was right.
    assert_eq!(m.keying_press(&sid, "Backspace").unwrap().screen.mismatch, None);
    assert_eq!(m.keying_press(&sid, "2").unwrap().step, Step::Mismatch);
    let took = m.keying_press(&sid, "1").unwrap();
    assert_eq!((took.step.clone(), took.screen.question.as_deref()), (Step::Advanced, Some("occupation")), "{took:?}");
    assert_eq!(took.screen.answers.get("gender").map(String::as_str), Some("female"), "the chosen value leads the paper on");
    for k in ["1", "1", "1", "Enter"] {
        m.keying_press(&sid, k).unwrap();
    }
    let saved = m.keying_press(&sid, "Enter").unwrap().saved.expect("saved from the review");
    assert_eq!(saved.keyed.verified.len(), 1);

    // The difference is recorded, and resolved by the keyer's choice: the
    // paper is final, and the second keyer's slip counts against them.
    let d = m.responses_diff(&f.id).unwrap();
    let g = d.differences.iter().find(|x| x.field == "gender").unwrap();
    assert_eq!((g.first.as_str(), g.second.as_str()), ("female", "male"));
    let r = g.resolution.as_ref().expect("resolved in verify mode");
    assert_eq!((r.value.as_str(), r.by.as_str()), ("female", "王 (verify)"));
    let stats = m.keyer_stats(&f.id).unwrap();
    let wang = stats.iter().find(|k| k.keyer == "王").unwrap();
    let li = stats.iter().find(|k| k.keyer == "李").unwrap();
    assert_eq!((wang.errors, li.errors), (1, 0));
    let p = m.portrait(&f.id, None).unwrap();
    assert_eq!(p.included, 1, "resolved: in the portrait");
}

#[test]
fn a_saved_paper_is_corrected_with_history_and_the_double_entry_rules_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "电商培训".into(), venue: "县城".into(), starts_on: "2026-03-10".into(), days: 1 }).unwrap();
    let f = m.import_form_template(&e.id, true).unwrap();
    let first = m.keying_open(&f.id, Entry::First, Some("李"), None, None, false).unwrap().session_id;
    key_portrait(&mut m, &first, "7", ["2", "1", "1", "1", "1"]);
    m.keying_press(&first, "Enter").unwrap();
    assert!(m.keying_press(&first, "Enter").unwrap().saved.is_some());

    // Refused: no reason; a paper not saved.
    assert_eq!(m.keying_correct(&first, "7", " ").unwrap_err().code(), ErrorCode::InvalidInput);
    assert_eq!(m.keying_correct(&first, "8", "typo").unwrap_err().code(), ErrorCode::NotFound);
    // Opened again at its first question, answers prefilled: Enter keeps one,
    // a key replaces it; the review's Enter saves the correction.
    let opened = m.keying_correct(&first, "7", "性别录错了").unwrap();
    assert_eq!((opened.screen.question.as_deref(), opened.screen.input.as_str()), (Some("age_bracket"), "2"));
    assert_eq!(m.keying_press(&first, "Enter").unwrap().screen.question.as_deref(), Some("gender"));
    for k in ["2", "Enter", "Enter", "Enter", "Enter"] {
        m.keying_press(&first, k).unwrap();
    }
    let saved = m.keying_press(&first, "Enter").unwrap().saved.expect("the review's Enter saves");
    assert!(saved.corrected);
    let rows = muster_core::store::forms::responses(m.store(), &f.id).unwrap();
    assert_eq!(rows.len(), 1, "a correction, not a second paper");
    assert_eq!(rows[0].answers.get("gender").map(String::as_str), Some("male"));

    // The CLI's way: one answer set; the keyer of the other entry may not
    // correct this one (double entry stays two people).
    let s = m.keying_open(&f.id, Entry::Second, Some("王"), None, None, false).unwrap().session_id;
    key_portrait(&mut m, &s, "7", ["2", "2", "1", "1", "1"]);
    m.keying_press(&s, "Enter").unwrap();
    assert!(m.keying_press(&s, "Enter").unwrap().saved.is_some());
    let by_wang = m.correct_response(&f.id, "7", Entry::First, &[("valuable".into(), "somewhat".into())], "看错了", Some("王"));
    assert_eq!(by_wang.unwrap_err().code(), ErrorCode::Conflict);
    let (_, now) = m.correct_response(&f.id, "7", Entry::First, &[("valuable".into(), "somewhat".into())], "看错了", Some("赵主管")).unwrap();
    assert_eq!(now.get("valuable").map(String::as_str), Some("somewhat"));
    let bad = m.correct_response(&f.id, "7", Entry::First, &[("gender".into(), "x".into())], "typo", Some("赵主管"));
    assert_eq!(bad.unwrap_err().code(), ErrorCode::InvalidInput, "validated as when keyed");
    // The corrected answers are what the double-entry comparison sees.
    let d = m.responses_diff(&f.id).unwrap();
    let fields: Vec<&str> = d.differences.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(fields, ["valuable"], "{fields:?}");
}

// ---------------------------------------------------------------- repeats

/// A household paper: a table of children (as many rows as the paper
/// has; the keyer ends it) and of visits (as many as `n_visits` says).
fn household_form(dir: &Path, visits_count: &str) -> PathBuf {
    let survey: &[&[&str]] = &[
        &["type", "name", "label", "required", "relevant", "constraint", "constraint_message", "repeat_count"],
        &["text", "head", "Head of household", "yes", "", "", "", ""],
        &["integer", "n_visits", "Visits", "", "", "", "", ""],
        &["begin repeat", "child", "Child", "", "", "", "", ""],
        &["text", "child_name", "Name", "", "", "", "", ""],
        &["integer", "child_age", "Age", "", "", ". >= 0 and . <= 17", "0 to 17", ""],
        &["select_one yn", "in_school", "In school", "yes", "${child_age} >= 6", "", "", ""],
        &["end repeat", "", "", "", "", "", "", ""],
        &["begin repeat", "visit", "Visit", "", "", "", "", visits_count],
        &["date", "visit_date", "Date of visit", "yes", "", "${last_seen} = '' or . >= ${last_seen}", "not before the last visit", ""],
        &["end repeat", "", "", "", "", "", "", ""],
        &["date", "last_seen", "Last seen", "", "", "", "", ""],
        &["text", "comments", "Comments", "", "", "", "", ""],
    ];
    let choices: &[&[&str]] = &[&["list_name", "name", "label"], &["yn", "yes", "Yes"], &["yn", "no", "No"]];
    let path = dir.join("household.xlsx");
    write_xlsx(&path, &[("survey", survey), ("choices", choices)]);
    path
}

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn a_repeat_is_keyed_as_a_table_a_row_per_repetition_until_the_keyer_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let form = xlsform::read(&household_form(dir.path(), "${n_visits}")).unwrap();
    for name in ["child_name", "child_age", "in_school", "visit_date"] {
        assert_eq!(form.question(name).unwrap().skipped, None, "{name} is keyed");
    }
    assert_eq!(form.group("visit").unwrap().repeat_count.as_deref(), Some("${n_visits}"));
    let mut s = KeyingSession::new(form, SessionSetup { keyer: "k".into(), today: "2026-03-15".into(), ..SessionSetup::default() });
    s.type_str("H1");
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    s.type_str("Wang");
    s.press(Key::Enter);
    s.type_str("2");
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    // The child table: asked before each row (no repeat_count).
    assert_eq!(s.stage(), Stage::Another);
    let screen = s.screen();
    let r = screen.repeat.clone().unwrap();
    assert_eq!((r.group.as_str(), r.label.as_str(), r.index, r.count), ("child", "Child", 1, None));
    assert_eq!(s.press(Key::Char('x')), Step::Invalid { message: "x: Enter keys repetition 1 of Child, 0 ends it".into() });
    let before = s.keystrokes();
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    assert_eq!((s.question().unwrap().name.as_str(), s.screen().repeat.unwrap().index), ("child_name", 1));
    s.type_str("Li");
    s.press(Key::Enter);
    // 8 is complete (0..=17); in_school is asked: 8 >= 6 in the same repetition.
    assert_eq!(s.type_str("8"), Step::Advanced);
    assert_eq!(s.question().unwrap().name, "in_school");
    assert_eq!(s.type_str("1"), Step::Advanced);
    assert_eq!(s.keystrokes() - before, 1 + 3 + 1 + 1, "a repetition costs its answers and the one key that asked for it");
    assert_eq!((s.stage(), s.screen().repeat.unwrap().index), (Stage::Another, 2));
    assert_eq!(s.press(Key::Char('1')), Step::Advanced, "1 also adds a repetition");
    s.type_str("Mei");
    s.press(Key::Enter);
    // 3: in_school is not relevant in repetition 2 (it was in 1).
    assert_eq!(s.type_str("3"), Step::Advanced);
    assert_eq!((s.stage(), s.screen().repeat.unwrap().index), (Stage::Another, 3));
    // Backspace goes back into the last repetition, prefilled.
    assert_eq!(s.press(Key::Backspace), Step::Back);
    assert_eq!((s.question().unwrap().name.as_str(), s.screen().input.as_str(), s.screen().repeat.unwrap().index), ("child_age", "3", 2));
    assert_eq!(s.type_str("4"), Step::Advanced);
    // A third row keyed blank is not stored.
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    assert_eq!((s.stage(), s.screen().repeat.unwrap().index), (Stage::Another, 4));
    assert_eq!(s.press(Key::Char('0')), Step::Advanced, "0 ends the table");
    // The visits: n_visits = 2 fixes the count and asks nothing; the
    // constraint's ${last_seen} is outside the repeat.
    let r = s.screen().repeat.unwrap();
    assert_eq!((s.question().unwrap().name.as_str(), r.index, r.count), ("visit_date", 1, Some(2)));
    assert_eq!(s.type_str("20260301"), Step::Advanced);
    assert_eq!(s.screen().repeat.unwrap().index, 2);
    assert_eq!(s.type_str("20260302"), Step::Advanced);
    assert_eq!(s.question().unwrap().name, "last_seen");
    assert_eq!(s.screen().repeat, None);
    s.press(Key::Enter);
    assert_eq!(s.press(Key::Enter), Step::Complete);
    let done = s.finish().unwrap();
    let want = answers(&[
        ("head", "Wang"),
        ("n_visits", "2"),
        ("child_name[1]", "Li"),
        ("child_age[1]", "8"),
        ("in_school[1]", "yes"),
        ("child_name[2]", "Mei"),
        ("child_age[2]", "4"),
        ("visit_date[1]", "2026-03-01"),
        ("visit_date[2]", "2026-03-02"),
    ]);
    assert_eq!(done.answers, want);
    assert_eq!(done.questions_asked, 2 + 3 + 2 + 2 + 2 + 2, "prompts are not questions (the blank row: in_school not relevant)");
    // Back from the review to n_visits, lowered to 1: the second visit goes.
    for _ in 0..20 {
        if s.question().is_some_and(|q| q.name == "n_visits") {
            break;
        }
        assert_eq!(s.press(Key::Back), Step::Back);
    }
    assert_eq!(s.question().unwrap().name, "n_visits");
    assert_eq!(s.type_str("1"), Step::Typing);
    assert_eq!(s.press(Key::Enter), Step::Advanced);
    assert_eq!(s.stage(), Stage::Another, "the child table is asked again, rows prefilled");
    for _ in 0..2 {
        s.press(Key::Enter);
        assert_eq!(s.screen().input, ["Li", "Mei"][s.screen().repeat.unwrap().index as usize - 1]);
        s.press(Key::Enter);
        s.press(Key::Enter);
        if s.question().is_some_and(|q| q.name == "in_school") {
            s.press(Key::Enter);
        }
    }
    assert_eq!(s.press(Key::Char('0')), Step::Advanced);
    assert_eq!(s.press(Key::Enter), Step::Advanced, "visit 1 kept");
    assert_eq!(s.question().unwrap().name, "last_seen");
    s.press(Key::Enter);
    assert_eq!(s.press(Key::Enter), Step::Complete);
    let done = s.finish().unwrap();
    assert_eq!((done.answers.get("visit_date[1]").map(String::as_str), done.answers.get("visit_date[2]")), (Some("2026-03-01"), None));
    assert_eq!(done.answers.get("in_school[1]").map(String::as_str), Some("yes"));
}

/// (repeat_count cell, n_visits keyed, repetitions keyed, the message key).
const COUNTS: &[(&str, &str, u32, &str)] = &[
    ("2", "", 2, ""),
    ("${n_visits}", "3", 3, ""),
    ("${n_visits}", "0", 0, ""),
    ("${n_visits}", "", 0, ""),
    ("${n_visits}", "-2", 0, "keying.count_negative"),
    ("${n_visits}", "999999", 50, "keying.count_capped"),
    ("-1", "", 0, "keying.count_negative"),
    ("1e9", "", u32::MAX, "keying.count_not_number"),
    ("many", "", u32::MAX, "keying.count_not_number"),
    ("${n_visits} + ", "", u32::MAX, "keying.count_not_number"),
];

#[test]
fn a_repeat_count_fixes_the_repetitions_and_a_hostile_one_is_capped_or_left_to_the_keyer() {
    let dir = tempfile::tempdir().unwrap();
    for (count, n, want, key) in COUNTS {
        let form = xlsform::read(&household_form(dir.path(), count)).unwrap();
        let mut s = KeyingSession::new(form, SessionSetup { keyer: "k".into(), today: "2026-03-15".into(), ..SessionSetup::default() });
        s.type_str("H1");
        s.press(Key::Enter);
        s.type_str("Wang");
        s.press(Key::Enter);
        s.type_str(n);
        s.press(Key::Enter);
        assert_eq!(s.press(Key::Char('0')), Step::Advanced, "{count}: no children");
        let worded = s.screen().worded.map(|w| w.key).unwrap_or_default();
        assert_eq!(worded, *key, "{count} with n_visits {n:?}: {:?}", s.screen().message);
        let mut keyed = 0u32;
        while s.stage() != Stage::Complete && keyed <= 60 {
            match (s.stage(), s.question().map(|q| q.name.clone())) {
                (Stage::Another, _) if keyed >= 3 => {
                    assert_eq!(s.press(Key::Char('0')), Step::Advanced);
                }
                (Stage::Another, _) => {
                    s.press(Key::Enter);
                }
                (_, Some(q)) if q == "visit_date" => {
                    keyed += 1;
                    assert_eq!(s.screen().repeat.unwrap().index, keyed);
                    assert_eq!(s.type_str(&format!("2026{:02}{:02}", 1 + keyed / 28, 1 + keyed % 28)), Step::Advanced, "{count}: visit {keyed}: {:?}", s.screen().message);
                }
                _ => {
                    s.press(Key::Enter);
                }
            }
        }
        assert_eq!(s.stage(), Stage::Complete, "{count}");
        // No count: the keyer ended it after 3.
        let want = if *want == u32::MAX { 3 } else { *want };
        assert_eq!(keyed, want, "{count} with n_visits {n:?}");
        let done = s.finish().unwrap();
        assert_eq!(done.answers.keys().filter(|k| k.starts_with("visit_date[")).count() as u32, want);
    }
}

#[test]
fn repeats_through_csv_double_entry_verify_mode_and_the_portrait() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "入户".into(), venue: "村".into(), starts_on: "2026-03-10".into(), days: 1 }).unwrap();
    let f = m.import_form(&e.id, &household_form(dir.path(), "${n_visits}"), true).unwrap();
    let csv = "paper_id,head,n_visits,child_name[1],child_age[1],in_school[1],child_name[2],child_age[2],in_school[2],visit_date[1],child_name[3],child_age[3]\n\
               H1,Wang,1,Li,8,yes,Mei,3,,2026-03-01,,\n\
               H2,Zhao,0,,,,Bo,7,no,,,\n\
               H3,Sun,1,An,9,,,,,2026-03-01,,\n\
               H4,Qian,0,Yu,20,no,,,,,,\n\
               H5,Zhou,0,,,,,,,2026-03-01,,\n";
    let file = dir.path().join("hh.csv");
    std::fs::write(&file, csv).unwrap();
    let r = m.import_responses(&f.id, &file, Entry::First, None, false).unwrap();
    let errors: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(errors, [(4, "in_school[1]"), (5, "child_age[1]"), (6, "visit_date[1]")], "{:?}", r.errors);
    assert_eq!((r.imported, r.rejected), (2, 3));
    let rows = muster_core::store::forms::responses(m.store(), &f.id).unwrap();
    let h2 = rows.iter().find(|r| r.paper_id == "H2").unwrap();
    assert_eq!(h2.answers, answers(&[("head", "Zhao"), ("n_visits", "0"), ("child_name[1]", "Bo"), ("child_age[1]", "7"), ("in_school[1]", "no")]), "a blank row is not stored: the rows close up");

    // Refused, with file, line and column: an index past the cap, a
    // repeat's question without one.
    for (header, column) in [("paper_id,head,child_name[51]", "child_name[51]"), ("paper_id,head,child_age[0]", "child_age[0]"), ("paper_id,head,child_name", "child_name")] {
        std::fs::write(&file, format!("{header}\nH9,Wu,x\n")).unwrap();
        let err = m.import_responses(&f.id, &file, Entry::First, None, false).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{header}");
        let at = err.location();
        assert_eq!((at.line, at.field.as_deref()), (Some(1), Some(column)), "{header}: {err}");
        assert!(at.file.is_some_and(|f| f.ends_with("hh.csv")));
    }

    // The second entry in verify mode: child_age[2] differs (3 → 4); the
    // keyer says the first entry was right.
    let sid = m.keying_open(&f.id, Entry::Second, Some("王"), None, None, true).unwrap().session_id;
    let mut last = None;
    for k in ["H", "1", "Enter", "W", "a", "n", "g", "Enter", "1", "Enter", "Enter", "L", "i", "Enter", "8", "1", "Enter", "M", "e", "i", "Enter", "4"] {
        last = Some(m.keying_press(&sid, k).unwrap());
    }
    let last = last.unwrap();
    assert_eq!(last.step, Step::Mismatch, "{:?}", last.screen);
    assert_eq!(last.screen.mismatch.as_ref().map(|x| x.question.as_str()), Some("child_age[2]"));
    m.keying_press(&sid, "1").unwrap();
    for k in ["0", "2", "0", "2", "6", "0", "3", "0", "1", "Enter", "Enter"] {
        last_step(&mut m, &sid, k);
    }
    let saved = m.keying_press(&sid, "Enter").unwrap().saved.expect("saved from the review");
    assert_eq!(saved.keyed.answers.get("child_age[2]").map(String::as_str), Some("3"));
    let d = m.responses_diff(&f.id).unwrap();
    let fields: Vec<(&str, &str)> = d.differences.iter().map(|x| (x.field.as_str(), x.label.as_str())).collect();
    assert_eq!(fields, [("child_age[2]", "Age [2]")]);
    assert!(d.differences[0].resolution.is_some(), "resolved in verify mode");
    assert_eq!(d.fields_compared, 2 + 3 * 2 + 1 + 2, "every repetition of either entry is compared");
    let stats = m.keyer_stats(&f.id).unwrap();
    assert_eq!(stats.iter().find(|k| k.keyer == "王").unwrap().errors, 1);
    // A supervisor's resolution of a repetition's field is checked as keyed.
    assert_eq!(m.resolve_difference(&f.id, "H1", "child_age[2]", "three", "boss").unwrap_err().code(), ErrorCode::InvalidInput);
    assert_eq!(m.resolve_difference(&f.id, "H1", "child_age[9]", "3", "boss").unwrap_err().code(), ErrorCode::Conflict);
    let p = m.portrait(&f.id, None).unwrap();
    assert_eq!(p.included, 1);
    let ages = p.questions.iter().find(|q| q.name == "child_age").unwrap().numeric.clone().unwrap();
    assert_eq!((ages.n, ages.min, ages.max), (2, 3.0, 8.0), "every repetition counts");
    let out = dir.path().join("hh-report.xlsx");
    m.portrait_xlsx(&f.id, &out, false).unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let data = wb.worksheet_range("Data").unwrap();
    let header: Vec<String> = data.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert!(header.iter().any(|h| h == "child_age[2]") && !header.iter().any(|h| h == "child_age"), "{header:?}");
}

fn last_step(m: &mut Muster, sid: &str, k: &str) -> Step {
    m.keying_press(sid, k).unwrap().step
}

/// (survey rows between `text head`, the question asked about, and why it
/// is not keyed; "" when it is).
const NESTING: &[(&[&[&str]], &str, &str)] = &[
    (&[&["begin repeat", "hh", "Member"], &["text", "m", "Name"], &["end repeat", "", ""]], "m", ""),
    (&[&["begin repeat", "hh", "Member"], &["begin group", "g", "Group"], &["text", "m", "Name"], &["end group", "", ""], &["end repeat", "", ""]], "m", ""),
    (
        &[&["begin repeat", "hh", "Member"], &["begin repeat", "job", "Job"], &["text", "m", "Job"], &["end repeat", "", ""], &["end repeat", "", ""]],
        "m",
        "inside repeat job within repeat hh: a repeat in a repeat is not keyed",
    ),
    (&[&["begin loop over yn", "l", "Loop"], &["begin repeat", "r", "R"], &["text", "m", "Name"], &["end repeat", "", ""], &["end loop", "", ""]], "m", "inside loop l over 'yn': loops are not keyed yet"),
    (&[&["begin loop over yn", "l", "Loop"], &["text", "m", "Name"], &["end loop", "", ""]], "m", "inside loop l"),
];

#[test]
fn one_repeat_is_keyed_and_a_nested_repeat_or_a_loop_is_kept_with_why() {
    // The app's end-to-end fixture (written with openpyxl).
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/fixtures/form-repeat.xlsx");
    let form = xlsform::read(&fixture).unwrap();
    assert_eq!(form.keyed().map(|q| q.name.as_str()).collect::<Vec<_>>(), ["head", "n_visits", "child_name", "child_age", "visit_hours"]);
    assert_eq!(form.keyed_repeats().iter().map(|g| (g.name.as_str(), g.repeat_count.as_deref())).collect::<Vec<_>>(), [("child", None), ("visit", Some("${n_visits}"))]);
    let dir = tempfile::tempdir().unwrap();
    for (rows, name, why) in NESTING {
        let mut survey: Vec<&[&str]> = vec![&["type", "name", "label"], &["text", "head", "Head"]];
        survey.extend(rows.iter().copied());
        let choices: &[&[&str]] = &[&["list_name", "name", "label"], &["yn", "yes", "Yes"], &["yn", "no", "No"]];
        let path = dir.path().join("nest.xlsx");
        write_xlsx(&path, &[("survey", &survey), ("choices", choices)]);
        let form = xlsform::read(&path).unwrap();
        let q = form.question(name).unwrap();
        match *why {
            "" => {
                assert_eq!(q.skipped, None, "{rows:?}");
                assert_eq!(form.repeat_of(q).map(|g| g.name.as_str()), Some("hh"));
            }
            why => {
                assert!(q.skipped.as_deref().is_some_and(|s| s.starts_with(why)), "{rows:?}: {:?}", q.skipped);
                assert_eq!(form.repeat_of(q), None);
            }
        }
    }
}
