//! Hostile files and hostile input (issue 11, "Trust boundaries") against the
//! real `muster` binary on real files: cells longer than a spreadsheet's,
//! CSV injection in every CSV Muster writes, closed and full stdout,
//! sessions and times that cannot be, and files that used to get a vague or
//! a 50 MB answer.
//!
//! Most cases are rows of one table ([`cases`]): the files to write, the
//! commands that set the store up, the command under test, its exit code,
//! fragments its output must hold, the most output it may print, and a file
//! it writes that must hold no live formula.

use muster_tests::{muster_bin, muster_in};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A file the command writes, to be checked.
enum Written {
    /// A CSV: no cell may start a formula; each fragment must be in it.
    Csv(&'static str, &'static [&'static str]),
    /// An XLSX: no cell may be a formula; each fragment must be in its text.
    Xlsx(&'static str, &'static [&'static str]),
}

struct Case {
    name: &'static str,
    /// Files written into the case's directory first.
    files: Vec<(&'static str, Vec<u8>)>,
    /// Commands run first; each must succeed.
    setup: Vec<Vec<&'static str>>,
    /// Run after the setup, before the command (e.g. to damage the store).
    hook: Option<fn(&Path)>,
    args: Vec<&'static str>,
    code: i32,
    /// Fragments of stdout + stderr.
    says: Vec<&'static str>,
    /// The most bytes stdout + stderr may hold.
    max_output: usize,
    written: Option<Written>,
}

impl Case {
    fn new(name: &'static str, args: &[&'static str], code: i32, says: &[&'static str]) -> Case {
        Case { name, files: Vec::new(), setup: Vec::new(), hook: None, args: args.to_vec(), code, says: says.to_vec(), max_output: 4096, written: None }
    }
    fn file(mut self, name: &'static str, bytes: impl Into<Vec<u8>>) -> Case {
        self.files.push((name, bytes.into()));
        self
    }
    fn setup(mut self, args: &[&'static str]) -> Case {
        self.setup.push(args.to_vec());
        self
    }
    fn hook(mut self, f: fn(&Path)) -> Case {
        self.hook = Some(f);
        self
    }
    fn max_output(mut self, n: usize) -> Case {
        self.max_output = n;
        self
    }
    fn writes(mut self, w: Written) -> Case {
        self.written = Some(w);
        self
    }
}

/// Runs one case in a fresh store with a two-day event from 2026-12-01 and
/// one morning session; `{dir}`, `{event}`, `{session}`, `{form}` (the
/// yes/no form, imported when named) and `{trainee}` (the roster's first,
/// after the setup) in any argument are replaced. Returns what went wrong.
fn run_case(c: &Case) -> Option<String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let db = dir.join("m.db");
    for (name, bytes) in &c.files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let mut vars: Vec<(&str, String)> = vec![("{dir}", dir.display().to_string())];
    let ok = |args: &[String]| {
        let r = muster_in(dir, &db, args);
        assert_eq!(r.code, 0, "{}: setup {args:?}: {}{}", c.name, r.stdout, r.stderr);
        r.json()
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let event = ok(&s(&["event", "create", "--name", "培训", "--starts", "2026-12-01", "--days", "2"]))["id"].as_str().unwrap().to_string();
    let session = ok(&s(&["session", "add", "--event", &event, "--title", "上午", "--starts", "2026-12-01T09:00", "--ends", "2026-12-01T12:00"]))["id"]
        .as_str()
        .unwrap()
        .to_string();
    vars.push(("{event}", event.clone()));
    vars.push(("{session}", session));
    let needs = |key: &str| c.setup.iter().flatten().chain(&c.args).any(|a| a.contains(key));
    if needs("{form}") {
        let sample = muster_tests::workspace().join("crates/muster-core/tests/data/xlsform/yes_or_no_question.xlsx");
        let form = ok(&s(&["form", "import", "--event", &event, sample.to_str().unwrap()]))["id"].as_str().unwrap().to_string();
        vars.push(("{form}", form));
    }
    let subst = |args: &[&str], vars: &[(&str, String)]| -> Vec<String> {
        args.iter().map(|a| vars.iter().fold(a.to_string(), |a, (k, v)| a.replace(k, v))).collect()
    };
    let trainee = |vars: &mut Vec<(&str, String)>| {
        if !vars.iter().any(|(k, _)| *k == "{trainee}") {
            let list = ok(&s(&["roster", "list", "--event", &event]));
            vars.push(("{trainee}", list["trainees"][0]["id"].as_str().expect("a trainee").to_string()));
        }
    };
    for step in &c.setup {
        if step.iter().any(|a| a.contains("{trainee}")) {
            trainee(&mut vars);
        }
        ok(&subst(step, &vars));
    }
    if needs("{trainee}") {
        trainee(&mut vars);
    }
    if let Some(hook) = c.hook {
        hook(dir);
    }
    let r = muster_in(dir, &db, &subst(&c.args, &vars));
    let output = format!("{}{}", r.stdout, r.stderr);
    let mut wrong = Vec::new();
    if r.code != c.code {
        wrong.push(format!("exit {} (want {})", r.code, c.code));
    }
    if output.contains("panicked") {
        wrong.push("panicked".into());
    }
    for part in &c.says {
        if !output.contains(part) {
            wrong.push(format!("does not say {part:?}"));
        }
    }
    if output.len() > c.max_output {
        wrong.push(format!("printed {} bytes (at most {})", output.len(), c.max_output));
    }
    match &c.written {
        Some(Written::Csv(name, parts)) => match std::fs::read(dir.join(name)) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                for cell in live_formulas(&text) {
                    wrong.push(format!("{name} holds the live formula {cell:?}"));
                }
                for part in *parts {
                    if !text.contains(part) {
                        wrong.push(format!("{name} lacks {part:?}"));
                    }
                }
            }
            Err(e) => wrong.push(format!("{name} not written: {e}")),
        },
        Some(Written::Xlsx(name, parts)) => match std::fs::read(dir.join(name)) {
            Ok(bytes) => {
                let (formulas, text) = xlsx_cells(&bytes);
                if formulas > 0 {
                    wrong.push(format!("{name} holds {formulas} formula cells"));
                }
                for part in *parts {
                    if !text.contains(part) {
                        wrong.push(format!("{name} lacks {part:?}"));
                    }
                }
            }
            Err(e) => wrong.push(format!("{name} not written: {e}")),
        },
        None => {}
    }
    if wrong.is_empty() {
        None
    } else {
        let shown: String = output.chars().take(600).collect();
        Some(format!("{}: {}\n    output: {shown}", c.name, wrong.join("; ")))
    }
}

/// The cells of a CSV (RFC 4180 quoting) that a spreadsheet would run as a
/// formula: starting with = + - @ tab or CR, other than a plain negative
/// number.
fn live_formulas(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut cells = Vec::new();
    let (mut cell, mut quoted, mut chars) = (String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => cells.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                let c = std::mem::take(&mut cell);
                cells.push(c.strip_suffix('\r').map(str::to_string).unwrap_or(c));
            }
            (false, c) => cell.push(c),
        }
    }
    cells.push(cell);
    let negative = |c: &str| c.strip_prefix('-').is_some_and(|n| !n.is_empty() && n.split('.').count() <= 2 && n.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
    cells.into_iter().filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && !negative(c)).collect()
}

/// An XLSX's formula cells (`<f>` elements in its sheets) and all its XML
/// text, entities decoded enough to find `=1+2`.
fn xlsx_cells(bytes: &[u8]) -> (usize, String) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a ZIP");
    let (mut formulas, mut text) = (0, String::new());
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut xml = String::new();
        if f.read_to_string(&mut xml).is_err() {
            continue;
        }
        if name.starts_with("xl/worksheets/") {
            formulas += xml.matches("<f>").count() + xml.matches("<f ").count();
        }
        text.push_str(&xml.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"));
    }
    (formulas, text)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A minimal XLSX (inline strings) with the given sheets of rows.
fn xlsx(sheets: &[(&str, Vec<Vec<String>>)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, body: String| {
        out.start_file(name, opts).unwrap();
        out.write_all(body.as_bytes()).unwrap();
    };
    let overrides: String = (1..=sheets.len())
        .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    put(
        "[Content_Types].xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
        ),
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
    );
    let names: String = sheets.iter().enumerate().map(|(i, (n, _))| format!(r#"<sheet name="{}" sheetId="{}" r:id="rId{}"/>"#, esc(n), i + 1, i + 1)).collect();
    put(
        "xl/workbook.xml",
        format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{names}</sheets></workbook>"#),
    );
    let rels: String = (1..=sheets.len())
        .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#))
        .collect();
    put(
        "xl/_rels/workbook.xml.rels",
        format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#),
    );
    for (i, (_, rows)) in sheets.iter().enumerate() {
        let mut data = String::new();
        for (r, row) in rows.iter().enumerate() {
            data.push_str(&format!(r#"<row r="{}">"#, r + 1));
            for (c, v) in row.iter().enumerate() {
                let col = (b'A' + c as u8) as char;
                data.push_str(&format!(r#"<c r="{col}{}" t="inlineStr"><is><t>{}</t></is></c>"#, r + 1, esc(v)));
            }
            data.push_str("</row>");
        }
        put(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#),
        );
    }
    out.finish().unwrap().into_inner()
}

fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// A roster CSV: a header and `n` good rows.
fn roster_csv(n: usize) -> String {
    let mut s = String::from("姓名,手机\n");
    for i in 0..n {
        s.push_str(&format!("学员{i},139{:08}\n", i));
    }
    s
}

/// Overwrites the store's pages after the first with garbage.
fn damage_store(dir: &Path) {
    let db = dir.join("m.db");
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 3 * 4096, "the store has pages to damage");
    let end = bytes.len();
    for b in &mut bytes[4096..end] {
        *b = 0xA5;
    }
    std::fs::write(&db, bytes).unwrap();
}

fn long(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

fn cases() -> Vec<Case> {
    let x40k = long('x', 40_000);
    let mut gbk_line = "姓名,手机\n王芳,13812345678\n".as_bytes().to_vec();
    gbk_line.extend([0xC0, 0xEE, 0xC4, 0xC8]); // 李娜 in GBK
    gbk_line.extend(b",13912345678\n");
    gbk_line.extend("张伟,13712345678\n".as_bytes());
    let good_xlsx = xlsx(&[("名单", rows(&[&["姓名", "手机"], &["王芳", "13812345678"], &["李娜", "13912345678"]]))]);
    let cut_xlsx = good_xlsx[..good_xlsx.len() / 2].to_vec();
    let many_headers: String = (0..200).map(|i| format!("列{i}{}", long('长', 30_000))).collect::<Vec<_>>().join(",") + "\n" + &",".repeat(199) + "\n";
    vec![
        // 5. Cells over Excel's 32,767 characters.
        Case::new("roster CSV cell over 32,767 characters", &["roster", "import", "--event", "{event}", "r.csv"], 3, &["r.csv", "line 3, column A ('姓名')", "40000 characters", "32767", "\"line\":3", "\"field\":\"姓名\""])
            .file("r.csv", format!("姓名,手机\n王芳,13812345678\n{x40k},13912345678\n")),
        Case::new("roster CSV with a 20 MB cell", &["roster", "import", "--event", "{event}", "r.csv"], 3, &["line 2, column B ('手机')", "\"line\":2"])
            .file("r.csv", format!("姓名,手机\n王芳,{}\n", long('1', 20 << 20))),
        Case::new("roster XLSX cell over 32,767 characters", &["roster", "import", "--event", "{event}", "r.xlsx"], 3, &["sheet '名单'", "line 3, column B ('手机')", "40000 characters", "\"line\":3"])
            .file("r.xlsx", xlsx(&[("名单", vec![vec!["姓名".into(), "手机".into()], vec!["王芳".into(), "13812345678".into()], vec!["李娜".into(), x40k.clone()]])])),
        Case::new("responses CSV cell over 32,767 characters", &["responses", "import", "--form", "{form}", "resp.csv"], 3, &["line 2, column B ('good_day')", "40000 characters", "\"line\":2"])
            .file("resp.csv", format!("paper_id,good_day\nA01,{x40k}\n")),
        Case::new("XLSForm label over 32,767 characters", &["form", "import", "--event", "{event}", "f.xlsx"], 3, &["sheet survey, row 2, column C (label)", "40000 characters", "\"line\":2"])
            .file("f.xlsx", xlsx(&[("survey", vec![vec!["type".into(), "name".into(), "label".into()], vec!["text".into(), "q1".into(), x40k.clone()]])])),
        // 10. CSV injection: every CSV written keeps formulas as text.
        Case::new("rejects CSV neutralises formulas", &["roster", "import", "--event", "{event}", "r.csv", "--rejects", "rejects.csv"], 0, &["\"rejected\":4"])
            .file("r.csv", "姓名,手机,备注\n\"=HYPERLINK(\"\"http://e.x/\"\",\"\"点我\"\")\",123,=1+2\n+SUM(1+1),456,@SUM(1)\n@SUM(1),789,\"\tx\"\n-2+3+cmd,1,-3\n王芳,13812345678,-3\n")
            .writes(Written::Csv("rejects.csv", &["'=HYPERLINK(", "'+SUM(1+1)", "'@SUM(1)", "'=1+2", "'-2+3+cmd", ",-3,line 5"])),
        Case::new("attendance CSV neutralises formulas", &["attendance", "report", "--event", "{event}", "--csv", "a.csv"], 0, &["\"sessions\""])
            .file("r.csv", "姓名,手机\n=1+2,13812345678\n@SUM(1),13912345678\n\"=HYPERLINK(\"\"http://e.x/\"\",\"\"点我\"\")\",13712345678\n")
            .setup(&["roster", "import", "--event", "{event}", "r.csv"])
            .max_output(16_384)
            .writes(Written::Csv("a.csv", &["'=1+2", "'@SUM(1)", "'=HYPERLINK("])),
        Case::new("attendance XLSX writes formulas as text", &["attendance", "report", "--event", "{event}", "--xlsx", "a.xlsx"], 0, &["\"sessions\""])
            .file("r.csv", "姓名,手机\n=1+2,13812345678\n+SUM(1+1),13912345678\n")
            .setup(&["roster", "import", "--event", "{event}", "r.csv"])
            .max_output(16_384)
            .writes(Written::Xlsx("a.xlsx", &["=1+2", "+SUM(1+1)"])),
        Case::new("responses rejects CSV neutralises formulas", &["responses", "import", "--form", "{form}", "resp.csv", "--rejects", "rr.csv"], 0, &["\"rejected\":2"])
            .file("resp.csv", "paper_id,good_day\n=1+2,maybe\n@SUM(1),+SUM(1+1)\n")
            .writes(Written::Csv("rr.csv", &["'=1+2", "'@SUM(1)", "'+SUM(1+1)"])),
        Case::new("audit CSV neutralises formulas", &["audit", "--csv", "audit.csv"], 0, &["\"entries\""])
            .setup(&["backup", "--out", "=1+2.db"])
            .setup(&["backup", "--out", "@SUM(1).db"])
            .max_output(1 << 20)
            .writes(Written::Csv("audit.csv", &["'=1+2.db", "'@SUM(1).db"])),
        // 13. Validation holes.
        Case::new("session ending in 2099 of a 2-day event", &["session", "add", "--event", "{event}", "--title", "x", "--starts", "2026-12-01T09:00", "--ends", "2099-12-31T17:00"], 3, &["more than 24 hours", "\"field\":\"ends\""]),
        Case::new("session starting after the event", &["session", "add", "--event", "{event}", "--title", "x", "--starts", "2026-12-05T09:00", "--ends", "2026-12-05T12:00"], 3, &["outside the event's days (2026-12-01 to 2026-12-02)", "\"field\":\"starts\""]),
        Case::new("session starting before the event", &["session", "add", "--event", "{event}", "--title", "x", "--starts", "2026-11-30T09:00", "--ends", "2026-11-30T12:00"], 3, &["outside the event's days", "\"field\":\"starts\""]),
        Case::new("session crossing midnight after the last day is fine", &["session", "add", "--event", "{event}", "--title", "夜", "--starts", "2026-12-02T20:00", "--ends", "2026-12-03T02:00"], 0, &["\"title\":\"夜\""]),
        Case::new("check-in at second 60", &["checkin", "--event", "{event}", "--session", "{session}", "--trainee", "{trainee}", "--at", "2026-12-01T10:00:60"], 3, &["'2026-12-01T10:00:60' is not a real time", "\"field\":\"at\""])
            .file("r.csv", roster_csv(1))
            .setup(&["roster", "import", "--event", "{event}", "r.csv"]),
        Case::new("check-in on 31 November", &["checkin", "--event", "{event}", "--session", "{session}", "--trainee", "{trainee}", "--at", "2026-11-31T10:00", "--force"], 3, &["is not a real time", "\"field\":\"at\""])
            .file("r.csv", roster_csv(1))
            .setup(&["roster", "import", "--event", "{event}", "r.csv"]),
        Case::new("sign-out before the check-in", &["checkout", "--event", "{event}", "--session", "{session}", "--trainee", "{trainee}", "--at", "2026-12-01T09:30"], 3, &["before", "check-in at 2026-12-01T10:00", "\"field\":\"at\""])
            .file("r.csv", roster_csv(1))
            .setup(&["roster", "import", "--event", "{event}", "r.csv"])
            .setup(&["checkin", "--event", "{event}", "--session", "{session}", "--trainee", "{trainee}", "--at", "2026-12-01T10:00"]),
        // 14. Messages that name the place, say what the file is, quote little.
        Case::new("GBK line inside a UTF-8 CSV", &["roster", "import", "--event", "{event}", "r.csv"], 3, &["r.csv", "line 3, column A ('姓名')", "not UTF-8", "\"line\":3", "\"field\":\"姓名\""]).file("r.csv", gbk_line),
        Case::new("NUL byte in a cell", &["roster", "import", "--event", "{event}", "r.csv"], 3, &["r.csv", "line 3, column B ('手机')", "NUL", "\"line\":3"])
            .file("r.csv", "姓名,手机\n王芳,13812345678\n李娜,139\u{0}12345678\n"),
        Case::new("truncated XLSX", &["roster", "import", "--event", "{event}", "cut.xlsx"], 3, &["cut.xlsx", "damaged or cut-short"]).file("cut.xlsx", cut_xlsx),
        Case::new("HTML table saved as .xls", &["roster", "import", "--event", "{event}", "名单.xls"], 3, &["名单.xls", "web page", "HTML", "save it as an Excel workbook (.xlsx)"])
            .file("名单.xls", "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><meta charset=\"utf-8\"></head><body><table><tr><td>姓名</td><td>手机</td></tr><tr><td>王芳</td><td>13812345678</td></tr></table></body></html>"),
        Case::new("Excel 2003 XML saved as .xls", &["roster", "import", "--event", "{event}", "名单.xls"], 3, &["Excel 2003 XML", "save it as an Excel workbook (.xlsx)"])
            .file("名单.xls", "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\"><Worksheet ss:Name=\"Sheet1\"><Table><Row><Cell><Data ss:Type=\"String\">姓名</Data></Cell></Row></Table></Worksheet></Workbook>"),
        Case::new("HTML as an XLSForm", &["form", "import", "--event", "{event}", "form.xls"], 3, &["web page", "(.xlsx)"]).file("form.xls", "<table><tr><td>type</td></tr></table>"),
        Case::new("50 MB header is not echoed back", &["roster", "import", "--event", "{event}", "big.csv"], 3, &["line 1, column A", "characters"])
            .file("big.csv", format!("{}\n王芳\n", long('头', (50 << 20) / 3))),
        Case::new("200 long headers without a name column are not echoed back", &["roster", "import", "--event", "{event}", "wide.csv"], 3, &["no name column", "and 180 more"])
            .max_output(8192)
            .file("wide.csv", many_headers),
        Case::new("long unknown value quoted briefly", &["roster", "import", "--event", "{event}", "r.csv", "--dry-run"], 0, &["mobile '", "…' (30000 characters)"])
            .file("r.csv", format!("姓名,手机\n王芳,{}\n", long('9', 30_000))),
        Case::new("check on a damaged store says how to restore", &["check"], 1, &["muster restore"]).setup(&["demo"]).hook(damage_store),
    ]
}

#[test]
fn hostile_files_and_input_get_clear_bounded_answers() {
    let cases = cases();
    let failures: Vec<String> = cases.iter().filter_map(run_case).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// A store with a roster big enough that `roster list` prints far more
/// than a pipe holds (64 KB), also as text (2,000 lines, ~140 KB).
fn big_roster() -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("m.db");
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let r = muster_in(tmp.path(), &db, &s(&["event", "create", "--name", "培训", "--starts", "2026-12-01", "--days", "2"]));
    let event = r.json()["id"].as_str().unwrap().to_string();
    std::fs::write(tmp.path().join("r.csv"), roster_csv(2000)).unwrap();
    let r = muster_in(tmp.path(), &db, &s(&["roster", "import", "--event", &event, "r.csv"]));
    assert_eq!(r.code, 0, "{}", r.stdout);
    (tmp, db, event)
}

fn list_command(db: &Path, event: &str, json: bool) -> Command {
    let mut cmd = Command::new(muster_bin());
    cmd.arg("--db").arg(db);
    if json {
        cmd.arg("--json");
    }
    cmd.args(["roster", "list", "--event", event]).stderr(Stdio::piped());
    cmd
}

#[test]
fn a_closed_stdout_ends_quietly_with_exit_1() {
    let (_tmp, db, event) = big_roster();
    for json in [true, false] {
        // `| head -c 10`: ten bytes read, then the pipe closed.
        let mut child = list_command(&db, &event, json).stdout(Stdio::piped()).spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut ten = [0u8; 10];
        stdout.read_exact(&mut ten).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "json {json}: {stderr}");
        assert!(stderr.is_empty(), "json {json}: nothing more on a closed pipe, got {stderr}");

        // A pipe closed before anything was written.
        let mut child = list_command(&db, &event, json).stdout(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "json {json}: {stderr}");
        assert!(!stderr.contains("panicked"), "json {json}: {stderr}");
    }
}

#[test]
fn a_full_stdout_is_one_line_on_stderr_and_exit_1() {
    let (_tmp, db, event) = big_roster();
    for json in [true, false] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = list_command(&db, &event, json).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "json {json}: {stderr}");
        assert!(!stderr.contains("panicked"), "json {json}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "json {json}: one line, got {stderr}");
        assert!(stderr.contains("cannot write the output") && stderr.contains("No space left"), "json {json}: {stderr}");
    }
    // An error going to a full stdout (--json puts errors there) ends the same way.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(muster_bin()).arg("--db").arg(&db).args(["--json", "event", "create", "--name", "", "--starts", "2026-12-01"]).stdout(full).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked") && stderr.lines().count() == 1, "{stderr}");
}
