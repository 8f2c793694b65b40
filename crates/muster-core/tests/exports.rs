//! Exports of an encrypted store are sealed (AES-256 ZIP) unless the user
//! asks for a plain file: the bytes on disk hold no name, mobile or ID
//! number, open with the passphrase to the same content as a plain export,
//! and refuse a wrong passphrase clearly. A plain store's exports are the
//! plain files at the paths asked for, as before (the control that proves
//! the byte search can fail).

use muster_core::export::{ExportKind, ExportRequest};
use muster_core::forms::Entry;
use muster_core::model::NewEvent;
use muster_core::roster::ImportOptions;
use muster_core::{seal, ErrorCode, Muster};
use std::path::{Path, PathBuf};

const NAME: &str = "王素梅";
const MOBILE: &str = "13812345678";
const ID_NUMBER: &str = "11010519491231002X";
const PASSPHRASE: &str = "correct horse battery";

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Which personal values appear in plain text in these bytes.
fn leaks(bytes: &[u8]) -> Vec<&'static str> {
    [NAME, MOBILE, ID_NUMBER].into_iter().filter(|v| contains(bytes, v)).collect()
}

/// A store (encrypted with `passphrase`, or plain) holding an event whose
/// roster file has one good row and one bad row carrying all three values,
/// and a form with one good and one rejected response.
struct Venue {
    dir: tempfile::TempDir,
    m: Muster,
    event: String,
    roster: PathBuf,
    form: String,
    responses: PathBuf,
}

fn venue(passphrase: Option<&str>) -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open_with(&dir.path().join("m.db"), passphrase).unwrap();
    let event = m.create_event(NewEvent { name: "养殖培训".into(), venue: "王家村".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap().id;
    // The good row is our trainee; the bad one (mobile too short) carries
    // her name, mobile and ID number again into the rejects file.
    let roster = dir.path().join("名单.csv");
    std::fs::write(&roster, format!("姓名,手机号码,身份证号\n{NAME},{MOBILE},{ID_NUMBER}\n{NAME}2,1380000,{ID_NUMBER}\n")).unwrap();
    let xlsform = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xlsform/text_and_integer.xlsx");
    let form = m.import_form(&event, &xlsform, false).unwrap().id;
    let responses = dir.path().join("responses.csv");
    std::fs::write(&responses, format!("paper_id,your_name,your_age\n1,{NAME},45\n2,{NAME} {MOBILE} {ID_NUMBER},old\n")).unwrap();
    Venue { dir, m, event, roster, form, responses }
}

/// Every kind of export of `v`, at paths in its folder `sub`; returns
/// (kind, path asked for, written file, encrypted).
fn export_everything(v: &mut Venue, sub: &str, plain: bool) -> Vec<(ExportKind, PathBuf, PathBuf, bool)> {
    let d = v.dir.path().join(sub);
    std::fs::create_dir_all(&d).unwrap();
    let mut out = Vec::new();
    let mut push = |kind, asked: PathBuf, file: &str, encrypted| out.push((kind, asked, PathBuf::from(file), encrypted));

    let rejects = d.join("rejects.csv");
    let opts = ImportOptions { rejects: Some(rejects.clone()), plain, ..Default::default() };
    let r = v.m.import_roster(&v.event, &v.roster, &opts, &mut |_, _| {}).unwrap();
    assert_eq!((r.imported + r.duplicates, r.rejected), (1, 1), "{:?}", r.errors);
    push(ExportKind::RejectsCsv, rejects, r.rejects_file.as_deref().unwrap(), r.rejects_encrypted.unwrap());

    for (format, kind) in [("xlsx", ExportKind::AttendanceXlsx), ("csv", ExportKind::AttendanceCsv)] {
        let asked = d.join(format!("考勤.{format}"));
        let f = v.m.export_attendance(&v.event, format, &asked, plain).unwrap();
        assert_eq!(f.kind, kind);
        assert_eq!(f.bytes, std::fs::metadata(&f.file).unwrap().len());
        push(kind, asked, &f.file, f.encrypted);
    }

    let asked = d.join("responses-rejects.csv");
    let r = v.m.import_responses(&v.form, &v.responses, Entry::First, Some(&asked), plain).unwrap();
    assert_eq!((r.imported + r.duplicates, r.rejected), (1, 1), "{:?}", r.errors);
    push(ExportKind::ResponsesRejectsCsv, asked, r.rejects_file.as_deref().unwrap(), r.rejects_encrypted.unwrap());

    let asked = d.join("portrait.xlsx");
    let (_, f) = v.m.portrait_xlsx(&v.form, &asked, plain).unwrap();
    push(ExportKind::PortraitXlsx, asked, &f.file, f.encrypted);

    let asked = d.join("roster-again.csv");
    let f = v.m.save_rejects(Some(&v.event), &v.roster, &asked, plain).unwrap();
    push(ExportKind::RejectsCsv, asked, &f.file, f.encrypted);
    out
}

/// The cells of every sheet of an XLSX, as text.
fn xlsx_cells(bytes: &[u8]) -> Vec<Vec<Vec<String>>> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = wb.sheet_names();
    names.iter().map(|n| wb.worksheet_range(n).unwrap().rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()).collect()
}

#[test]
fn an_encrypted_stores_exports_are_sealed_and_open_with_the_passphrase() {
    let mut enc = venue(Some(PASSPHRASE));
    let sealed = export_everything(&mut enc, "sealed", false);
    // The same exports, asked for plain: what the sealed ones must hold.
    let plain_files = export_everything(&mut enc, "plain", true);

    for ((kind, asked, file, encrypted), (_, plain_asked, plain_file, plain_encrypted)) in sealed.iter().zip(&plain_files) {
        // Sealed, at <path>.zip, and nothing at the path asked for.
        assert!(*encrypted, "{kind:?}");
        assert_eq!(*file, PathBuf::from(format!("{}.zip", asked.display())), "{kind:?}");
        assert!(!asked.exists(), "{kind:?}: no plain file beside the sealed one");
        let raw = std::fs::read(file).unwrap();
        assert!(raw.starts_with(b"PK\x03\x04"), "{kind:?} is a ZIP");
        assert_eq!(leaks(&raw), Vec::<&str>::new(), "{kind:?}: {} leaks", file.display());
        assert!(seal::is_sealed(file), "{kind:?}");

        // Opens with the store's passphrase to the plain export's content.
        let (inner, bytes) = seal::open(file, PASSPHRASE).unwrap();
        assert_eq!(inner, asked.file_name().unwrap().to_str().unwrap(), "{kind:?}");
        assert!(!*plain_encrypted && plain_file == plain_asked, "{kind:?}: plain on request, at the path");
        let plain_bytes = std::fs::read(plain_file).unwrap();
        if kind.extension() == "xlsx" {
            assert_eq!(xlsx_cells(&bytes), xlsx_cells(&plain_bytes), "{kind:?}");
            assert!(xlsx_cells(&bytes).concat().concat().iter().any(|c| c.contains(NAME)), "{kind:?} holds the name inside");
        } else {
            assert_eq!(bytes, plain_bytes, "{kind:?}");
            // The control: the plain CSV does hold the values the search looks for.
            assert!(leaks(&plain_bytes).contains(&NAME), "{kind:?}: {}", String::from_utf8_lossy(&plain_bytes));
        }

        // A wrong passphrase: invalid_input, field passphrase, naming the file.
        let err = seal::open(file, "wrong").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.is_wrong_passphrase(), "{err}");
        assert_eq!(err.to_payload().file.as_deref(), file.to_str());
        assert!(err.to_string().contains(&file.display().to_string()), "{err}");
    }
    // The responses rejects carry all three values in plain; sealed, none.
    let (kind, _, file, _) = &plain_files[3];
    assert_eq!(*kind, ExportKind::ResponsesRejectsCsv);
    assert_eq!(leaks(&std::fs::read(file).unwrap()), vec![NAME, MOBILE, ID_NUMBER]);

    // No temporary file is left in either folder.
    for dir in [enc.dir.path().join("sealed"), enc.dir.path().join("plain")] {
        let stray: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".part") || n.ends_with(".tmp"))
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }
}

#[test]
fn a_plain_stores_exports_are_the_plain_files_asked_for() {
    let mut v = venue(None);
    for (kind, asked, file, encrypted) in export_everything(&mut v, "out", false) {
        assert!(!encrypted, "{kind:?}");
        assert_eq!(file, asked, "{kind:?}");
        assert!(!seal::is_sealed(&file));
        if kind.extension() == "csv" {
            assert!(leaks(&std::fs::read(&file).unwrap()).contains(&NAME), "{kind:?}");
        } else {
            assert!(xlsx_cells(&std::fs::read(&file).unwrap()).concat().concat().iter().any(|c| c.contains(NAME)), "{kind:?}");
        }
    }
    // An export passphrase does not make a plain store's exports sealed.
    v.m.set_export_passphrase(Some("for the office"));
    let out = v.dir.path().join("again.csv");
    let f = v.m.export_attendance(&v.event, "csv", &out, false).unwrap();
    assert_eq!((f.file.as_str(), f.encrypted), (out.to_str().unwrap(), false));
}

#[test]
fn a_separate_export_passphrase_and_the_choke_point() {
    let mut v = venue(Some(PASSPHRASE));
    v.m.import_roster(&v.event, &v.roster, &ImportOptions::default(), &mut |_, _| {}).unwrap();

    // An export passphrase (MUSTER_EXPORT_PASSPHRASE) seals instead of the
    // store's, so the office never learns the store's.
    v.m.set_export_passphrase(Some("for the office"));
    let out = v.dir.path().join("report.zip");
    let f = v.m.export_attendance(&v.event, "csv", &out, false).unwrap();
    assert_eq!((f.file.as_str(), f.encrypted), (out.to_str().unwrap(), true), "a .zip path is kept as it is");
    let (inner, bytes) = seal::open(&out, "for the office").unwrap();
    assert_eq!(inner, "report.csv", "the inner file gets the kind's extension");
    assert!(contains(&bytes, NAME));
    assert!(seal::open(&out, PASSPHRASE).unwrap_err().is_wrong_passphrase());
    // The store opens its own exports with either passphrase it knows.
    assert_eq!(v.m.open_sealed(&out).unwrap().1, bytes);

    // For one file only (the app's sync file for a laptop with another
    // store passphrase): sealed and opened with it, then the previous one
    // is back — also after a failure.
    let stick = v.dir.path().join("stick.csv");
    let f = v.m.with_export_passphrase(Some("for the stick"), |m| m.export_attendance(&v.event, "csv", &stick, false)).unwrap();
    assert_eq!(seal::open(Path::new(&f.file), "for the stick").unwrap().1, bytes);
    assert!(v.m.open_sealed(Path::new(&f.file)).unwrap_err().is_wrong_passphrase(), "not a passphrase this store knows");
    assert_eq!(v.m.with_export_passphrase(Some("for the stick"), |m| m.open_sealed(Path::new(&f.file))).unwrap().1, bytes);
    let failed = v.m.with_export_passphrase(Some("for the stick"), |m| m.export_attendance("no-such-event", "csv", &stick, false));
    assert!(failed.is_err());
    assert_eq!(v.m.open_sealed(&out).unwrap().1, bytes, "the office passphrase is back");
    let again = v.m.with_export_passphrase(None, |m| m.export_attendance(&v.event, "csv", &v.dir.path().join("again.csv"), false)).unwrap();
    assert_eq!(seal::open(Path::new(&again.file), "for the office").unwrap().1, bytes, "None changes nothing");

    // Through the choke point directly; a re-key seals with the new one.
    v.m.set_export_passphrase(None);
    let mut m = v.m.change_passphrase("new passphrase").unwrap();
    let out = v.dir.path().join("raw.bin");
    let f = m.write_export(ExportRequest { event_id: None, kind: ExportKind::SyncFile, path: &out, bytes: b"x", plain: false }).unwrap();
    assert!(f.encrypted);
    assert_eq!(seal::open(Path::new(&f.file), "new passphrase").unwrap(), ("raw.bin".to_string(), b"x".to_vec()));
    // No path: an invalid_input error on the path, nothing written.
    let err = m.write_export(ExportRequest { event_id: None, kind: ExportKind::SyncFile, path: Path::new(""), bytes: b"x", plain: false }).unwrap_err();
    assert_eq!(err.to_payload().field.as_deref(), Some("path"));
}

#[test]
fn a_failed_export_leaves_nothing_and_a_plain_store_cannot_open_a_sealed_file() {
    let mut v = venue(Some(PASSPHRASE));
    let missing = v.dir.path().join("no/such/folder/report.csv");
    let err = v.m.export_attendance(&v.event, "csv", &missing, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io, "{err}");
    let err = v.m.export_attendance(&v.event, "pdf", &v.dir.path().join("x.pdf"), false).unwrap_err();
    assert_eq!(err.to_payload().field.as_deref(), Some("format"));

    let sealed = v.dir.path().join("a.csv");
    let f = v.m.export_attendance(&v.event, "csv", &sealed, false).unwrap();
    let plain = Muster::open(&v.dir.path().join("plain.db")).unwrap();
    let err = plain.open_sealed(Path::new(&f.file)).unwrap_err();
    assert!(err.is_wrong_passphrase(), "{err}");
    assert!(err.to_string().contains("muster decrypt"), "{err}");
}
