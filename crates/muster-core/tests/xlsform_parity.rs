//! XLSForm parity with pyxform: every workbook of the corpus — pyxform's
//! own samples (tests/data/xlsform) and one small form per type alias,
//! select, group and repeat spelling, header alias, construct and header or
//! structure error of pyxform's tables (tests/data/xlsform/parity, written
//! by its make_corpus.py) — is converted by pyxform and read by Muster the
//! way the app and the CLI read it (in the workbook reader child). pyxform
//! converts ↔ Muster imports; pyxform refuses ↔ Muster refuses, naming the
//! file (and the sheet, row and column where there is one). Each
//! disagreement is one failing line naming the file.
//!
//! pyxform runs from the virtual environment `scripts/test` makes
//! (`MUSTER_PYXFORM_PYTHON`, its python; see scripts/lib.sh
//! `need_pyxform`). Without it the test says loudly that it did not run.

use muster_core::forms::xlsform;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(dir)
}

/// The corpus: every workbook in the sample and parity folders, sorted.
fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["xlsform", "xlsform/parity"] {
        for e in std::fs::read_dir(data(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "xlsx" || x == "xls" || x == "ods") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[derive(serde::Deserialize)]
struct Converted {
    file: String,
    ok: bool,
    #[serde(default)]
    error: Option<String>,
}

/// pyxform's verdict on each file, from one python process.
fn pyxform(python: &Path, files: &[PathBuf]) -> Vec<Converted> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyxform_convert.py");
    let out = Command::new(python).arg(&script).args(files).output().unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    assert!(out.status.success(), "pyxform_convert.py failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"))).collect()
}

/// The row pyxform names: `[row : 5]`.
fn pyxform_row(error: &str) -> Option<u64> {
    let rest = &error[error.find("[row : ")? + 7..];
    rest[..rest.find(']')?].trim().parse().ok()
}

fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

#[test]
fn muster_imports_what_pyxform_converts_and_refuses_what_it_refuses() {
    let Some(python) = std::env::var_os("MUSTER_PYXFORM_PYTHON").filter(|p| !p.is_empty()).map(PathBuf::from) else {
        eprintln!(
            "\n!!!!!!!! XLSForm PARITY NOT CHECKED: MUSTER_PYXFORM_PYTHON is not set (scripts/test sets it to its pyxform venv's python) !!!!!!!!\n"
        );
        return;
    };
    // Read as the app and the CLI read: in the workbook reader child.
    std::env::set_var("MUSTER_WORKBOOK_READER", env!("CARGO_BIN_EXE_muster-workbook-reader"));
    let files = corpus();
    assert!(files.len() >= 150, "the corpus holds {} workbooks", files.len());
    let verdicts = pyxform(&python, &files);
    assert_eq!(verdicts.len(), files.len(), "pyxform answered for every file");

    let mut disagree = Vec::new();
    let (mut both_ok, mut both_refuse) = (0, 0);
    for (path, v) in files.iter().zip(&verdicts) {
        assert_eq!(Path::new(&v.file), path.as_path());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let shown = path.strip_prefix(data("")).unwrap_or(path).display().to_string();
        match (v.ok, xlsform::read(path)) {
            (true, Ok(_)) => both_ok += 1,
            (false, Err(e)) => {
                both_refuse += 1;
                let p = e.to_payload();
                if p.file.as_deref() != Some(name.as_str()) || !p.message.starts_with(&name) {
                    disagree.push(format!("{shown}: both refuse, but Muster's refusal does not name the file: {}", one_line(&p.message)));
                }
                // The app words it in the reader's language.
                if p.msg.is_none() {
                    disagree.push(format!("{shown}: both refuse, but Muster's refusal has no sentence for the app to word: {}", one_line(&p.message)));
                }
                // Where pyxform names a survey row, Muster names the same row, its sheet and column.
                if let Some(row) = pyxform_row(v.error.as_deref().unwrap_or("")) {
                    let placed = p.line == Some(row) && p.field.is_some() && p.message.contains(&format!(", row {row}, column "));
                    if !placed {
                        disagree.push(format!("{shown}: both refuse, pyxform at row {row}, Muster elsewhere: {}", one_line(&p.message)));
                    }
                }
            }
            (true, Err(e)) => disagree.push(format!("{shown}: pyxform converts it, Muster refuses: {}", one_line(&e.to_string()))),
            (false, Ok(f)) => disagree.push(format!(
                "{shown}: pyxform refuses it ({}), Muster imports it ({} questions to key)",
                one_line(v.error.as_deref().unwrap_or("")),
                f.keyed().count()
            )),
        }
    }
    eprintln!("XLSForm parity: {} workbooks, {both_ok} converted and imported, {both_refuse} refused by both, {} disagreements", files.len(), disagree.len());
    assert!(disagree.is_empty(), "{} disagreements between pyxform and Muster:\n{}", disagree.len(), disagree.join("\n"));
}
