//! Output paths: the one guard every file Muster writes passes — exports
//! (`Muster::write_export`: attendance, rejects, portrait, audit, sync
//! file), backups, printouts (badge slips, the signature sheet,
//! certificates, the portrait PDF) and `muster decrypt`'s plain file.
//!
//! Two rules, checked before a byte is written ([`check`]):
//!
//! 1. **Never the store or an input.** A path that is — through symlinks,
//!    `./x` against `x`, and hard links by (device, inode) on Unix — the
//!    store, its `-wal`, `-shm`, `-journal` or `.lock` (whether they exist
//!    now or not), or a file the command is reading (the roster of an
//!    import, the sealed file being decrypted), is refused:
//!    `invalid_input`, "would overwrite …" naming what and where, field
//!    `path`. Nothing, not even `force`, changes that.
//! 2. **Replace only what this command writes.** An existing, non-empty
//!    file is replaced without asking only when it already holds the kind
//!    of file the command writes — in practice the previous run of the same
//!    export:
//!    - a PDF printout: any PDF (`%PDF-`);
//!    - an XLSX: a workbook written by Muster (creator `Muster` in its
//!      `docProps/core.xml`, which every workbook Muster writes has; an
//!      organiser's own roster workbook has not);
//!    - a CSV: a CSV written by Muster (UTF-8 with a BOM and one of
//!      Muster's header lines: the attendance sheet, the audit log, a
//!      rejects file's reason column);
//!    - a sealed export: a sealed export (a ZIP with one encrypted entry);
//!    - a sync file: a Muster sync file (a zstd frame);
//!    - a backup: a Muster store (any schema), or a file shaped like an
//!      encrypted one (no SQLite header, whole pages);
//!    - a file of no known kind (a decrypted file named otherwise): none.
//!
//!    Anything else is `needs_confirmation` ("… exists and is not …"); with
//!    `force` (the CLI's `--force`, the app once the user confirmed) it is
//!    replaced. A folder is never replaced.
//!
//! Writing is then [`crate::seal::write_atomic`]: a temporary sibling,
//! fsynced and renamed over the target (a symlink at the path is replaced by
//! the file, its target left alone).

use crate::export::ExportKind;
use crate::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a command writes at an output path (rule 2 of the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    Pdf,
    Xlsx,
    Csv,
    /// An export sealed in an AES-256 ZIP.
    Sealed,
    SyncFile,
    Backup,
    /// The offline certificate verifier (HTML).
    Html,
    /// A file of no kind Muster can recognise (replaces only with force).
    Other,
}

/// The creator every XLSX Muster writes names (rule 2).
pub const XLSX_CREATOR: &str = "Muster";

impl OutputKind {
    /// The plain file of an export.
    pub fn of_export(kind: ExportKind) -> OutputKind {
        match kind {
            ExportKind::AttendanceXlsx | ExportKind::PortraitXlsx => OutputKind::Xlsx,
            ExportKind::AttendanceCsv | ExportKind::RejectsCsv | ExportKind::ResponsesRejectsCsv | ExportKind::AuditCsv => OutputKind::Csv,
            ExportKind::SyncFile => OutputKind::SyncFile,
        }
    }

    /// By a file name's extension (`muster decrypt`'s inner file).
    pub fn from_name(name: &str) -> OutputKind {
        let ext = Path::new(name).extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "pdf" => OutputKind::Pdf,
            "xlsx" => OutputKind::Xlsx,
            "csv" => OutputKind::Csv,
            "zip" => OutputKind::Sealed,
            "muster" => OutputKind::SyncFile,
            "html" | "htm" => OutputKind::Html,
            _ => OutputKind::Other,
        }
    }

    fn what(self) -> &'static str {
        match self {
            OutputKind::Pdf => "a PDF",
            OutputKind::Xlsx => "a workbook written by Muster",
            OutputKind::Csv => "a CSV written by Muster",
            OutputKind::Sealed => "a sealed Muster export",
            OutputKind::SyncFile => "a Muster sync file",
            OutputKind::Backup => "a Muster store or backup",
            OutputKind::Html => "a verifier written by Muster",
            OutputKind::Other => "a file this command wrote",
        }
    }
}

/// What an output may not touch, and whether replacing another kind of
/// file was confirmed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Guard<'a> {
    /// The open store (its -wal, -shm, -journal and .lock come with it).
    pub store: Option<&'a Path>,
    /// The files the command reads.
    pub inputs: &'a [&'a Path],
    /// Replace an existing file of another kind (rule 2).
    pub force: bool,
}

/// Checks that `path` may receive a file of `kind` under `guard` (the
/// module doc's two rules).
pub fn check(path: &Path, kind: OutputKind, guard: &Guard<'_>) -> Result<()> {
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(Error::invalid_at("choose where to save the file", None, None, Some("path")));
    }
    let given = path.display().to_string();
    let refuse = |what: &str, p: &Path| Error::invalid_at(format!("would overwrite {what} {}", p.display()), Some(&given), None, Some("path"));
    if let Some(store) = guard.store {
        for (p, what) in store_files(store) {
            if same_file(path, &p) {
                return Err(refuse(what, &p));
            }
        }
    }
    for input in guard.inputs {
        if same_file(path, input) {
            return Err(refuse("the input file", input));
        }
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return Ok(()),
    };
    if meta.is_dir() {
        return Err(Error::invalid_at(format!("{given} is a folder: name a file"), Some(&given), None, Some("path")));
    }
    if meta.len() == 0 || guard.force || holds(kind, path) {
        return Ok(());
    }
    Err(Error::NeedsConfirmation(format!("{given} exists and is not {}: replace it with --force", kind.what())))
}

/// [`check`], then writes `bytes` at `path` atomically (making its folder).
pub fn write(path: &Path, bytes: &[u8], kind: OutputKind, guard: &Guard<'_>) -> Result<()> {
    check(path, kind, guard)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    }
    crate::seal::write_atomic(path, bytes)
}

/// The store's files, named: the store, its -wal, -shm, -journal and lock
/// file, beside the path given and beside the file it resolves to (SQLite
/// puts its -wal beside a symlink's target).
fn store_files(store: &Path) -> Vec<(PathBuf, &'static str)> {
    let sidecars: [(&str, &'static str); 5] = [
        ("", "the store"),
        ("-wal", "the store's write-ahead log"),
        ("-shm", "the store's shared-memory file"),
        ("-journal", "the store's journal"),
        (".lock", "the store's lock file"),
    ];
    let mut out = Vec::new();
    for base in [store.to_path_buf(), resolve(store)] {
        for (suffix, what) in sidecars {
            out.push((crate::store::sibling(&base, suffix), what));
        }
    }
    out
}

/// Whether `a` and `b` name the same file: the same path once symlinks,
/// `.`/`..` and the current folder are resolved (also for files that do not
/// exist yet), or — on Unix — the same (device, inode) (hard links).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (ra, rb) = (resolve(a), resolve(b));
    let same_name = if cfg!(any(windows, target_os = "macos")) {
        ra.to_string_lossy().to_lowercase() == rb.to_string_lossy().to_lowercase()
    } else {
        ra == rb
    };
    same_name || file_id(a).is_some_and(|id| file_id(b) == Some(id))
}

/// `p` made absolute, its symlinks followed (also a dangling last one) and
/// its folder canonicalised; the last component need not exist.
fn resolve(p: &Path) -> PathBuf {
    let mut p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&p) {
                Ok(t) if t.is_absolute() => p = t,
                Ok(t) => p = p.parent().map(|d| d.join(&t)).unwrap_or(t),
                Err(_) => break,
            },
            _ => break,
        }
    }
    match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => std::fs::canonicalize(dir).map(|d| d.join(name)).unwrap_or(p),
        _ => std::fs::canonicalize(&p).unwrap_or(p),
    }
}

#[cfg(unix)]
fn file_id(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &Path) -> Option<(u64, u64)> {
    None
}

/// Whether the (non-empty) file at `path` already holds a file of `kind`
/// (rule 2 of the module doc).
pub fn holds(kind: OutputKind, path: &Path) -> bool {
    let mut head = Vec::new();
    if std::fs::File::open(path).and_then(|f| f.take(8192).read_to_end(&mut head)).is_err() {
        return false;
    }
    match kind {
        OutputKind::Pdf => head.starts_with(b"%PDF-"),
        OutputKind::Xlsx => head.starts_with(b"PK\x03\x04") && is_muster_workbook(path),
        OutputKind::Csv => is_muster_csv(&head),
        OutputKind::Sealed => crate::seal::is_sealed(path),
        OutputKind::SyncFile => head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]),
        OutputKind::Backup => matches!(
            crate::store::identify(path, None),
            crate::store::StoreFile::Muster { .. } | crate::store::StoreFile::Newer { .. } | crate::store::StoreFile::Encrypted { .. }
        ),
        OutputKind::Html => head.windows(crate::verifier::GENERATOR.len()).any(|w| w == crate::verifier::GENERATOR.as_bytes()),
        OutputKind::Other => false,
    }
}

/// An XLSX whose document properties name Muster as its creator.
fn is_muster_workbook(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else { return false };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(f)) else { return false };
    let Ok(entry) = zip.by_name("docProps/core.xml") else { return false };
    let mut xml = String::new();
    entry.take(64 * 1024).read_to_string(&mut xml).is_ok() && xml.contains(&format!("<dc:creator>{XLSX_CREATOR}</dc:creator>"))
}

/// The header line of every CSV Muster writes, after its BOM.
fn is_muster_csv(head: &[u8]) -> bool {
    let Some(rest) = head.strip_prefix(b"\xEF\xBB\xBF") else { return false };
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end_matches('\r');
    line.starts_with(crate::export::ATTENDANCE_CSV_HEADER)
        || line == crate::audit::CSV_HEADER.join(",")
        || line.trim_end_matches('"').ends_with(crate::import::rejects::REASON_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_through_dot_symlinks_and_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("m.db");
        std::fs::write(&db, b"x").unwrap();
        assert!(same_file(&db, &dir.path().join(".").join("m.db")));
        assert!(!same_file(&db, &dir.path().join("n.db")));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.db");
            std::os::unix::fs::symlink(&db, &link).unwrap();
            assert!(same_file(&link, &db));
            let hard = dir.path().join("hard.db");
            std::fs::hard_link(&db, &hard).unwrap();
            assert!(same_file(&hard, &db));
            // A dangling symlink to the store's (absent) -wal.
            let dangling = dir.path().join("w");
            std::os::unix::fs::symlink("m.db-wal", &dangling).unwrap();
            let err = check(&dangling, OutputKind::Csv, &Guard { store: Some(&db), ..Guard::default() }).unwrap_err();
            assert!(err.to_string().contains("would overwrite the store's write-ahead log"), "{err}");
        }
    }

    #[test]
    fn another_kind_needs_force() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("roster.xlsx");
        std::fs::write(&f, b"PK\x03\x04 not ours").unwrap();
        let err = check(&f, OutputKind::Xlsx, &Guard::default()).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::NeedsConfirmation, "{err}");
        check(&f, OutputKind::Xlsx, &Guard { force: true, ..Guard::default() }).unwrap();
        std::fs::write(&f, b"").unwrap();
        check(&f, OutputKind::Xlsx, &Guard::default()).expect("an empty file is replaced");
        std::fs::write(&f, b"%PDF-1.7").unwrap();
        check(&f, OutputKind::Pdf, &Guard::default()).unwrap();
        std::fs::write(&f, b"\xEF\xBB\xBFat,user,role,device_id,event_id,action,entity,entity_id,before,after,detail\r\n").unwrap();
        check(&f, OutputKind::Csv, &Guard::default()).unwrap();
        std::fs::write(&f, b"\xEF\xBB\xBF\xE5\xA7\x93\xE5\x90\x8D,phone\r\n").unwrap();
        assert!(check(&f, OutputKind::Csv, &Guard::default()).is_err(), "an organiser's CSV is not ours");
    }
}
