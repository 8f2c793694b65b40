//! Sealed exports: one file (an attendance workbook, a rejects CSV, a sync
//! file …) inside an AES-256 encrypted ZIP (WinZip AE-2: PBKDF2-SHA1 key
//! derivation with a random salt per file, AES-CTR, HMAC-SHA1 over the
//! ciphertext). The central office opens it with the passphrase in 7-Zip,
//! WinRAR, `7z x -p…`, `bsdtar`, or `muster decrypt`.
//!
//! Only the content is encrypted: a ZIP keeps the inner file's *name* and
//! sizes in the clear, so the name comes from the path the user chose,
//! never from personal data.
//!
//! Every file here (sealed or plain) is written to a temporary sibling,
//! fsynced and renamed over the target: a crash never leaves half an
//! export, and a reader never sees one.

use crate::{Error, ErrorKind, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipArchive, ZipWriter};

/// The extension of a sealed export.
pub const EXTENSION: &str = "zip";

/// Where a sealed export of `path` goes: `path` itself when it already ends
/// in `.zip` (any case), else `path` + `.zip` (`report.xlsx` →
/// `report.xlsx.zip`).
pub fn sealed_path(path: &Path) -> PathBuf {
    if has_zip_extension(path) {
        path.to_path_buf()
    } else {
        crate::store::sibling(path, ".zip")
    }
}

fn has_zip_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case(EXTENSION))
}

/// Writes `bytes` as the one file `inner_name` of an AES-256 encrypted ZIP
/// at `out` (replacing it atomically), sealed with `passphrase`.
pub fn write(out: &Path, inner_name: &str, bytes: &[u8], passphrase: &str) -> Result<()> {
    let sealed = seal(out, inner_name, bytes, passphrase)?;
    write_atomic(out, &sealed)
}

/// The bytes of a sealed ZIP holding `bytes` as `inner_name`.
pub fn seal(out: &Path, inner_name: &str, bytes: &[u8], passphrase: &str) -> Result<Vec<u8>> {
    if passphrase.is_empty() {
        return Err(Error::invalid_at("the export passphrase is empty", None, None, Some("passphrase")));
    }
    let inner_name = inner_name.trim();
    if inner_name.is_empty() || inner_name.contains(['/', '\\']) {
        return Err(Error::invalid_at(format!("`{inner_name}` is not a file name"), Some(&out.display().to_string()), None, None));
    }
    let zip_err = |e: zip::result::ZipError| Error::io(out.display(), std::io::Error::other(e.to_string()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(now())
        .large_file(bytes.len() as u64 >= u32::MAX as u64)
        .with_aes_encryption(AesMode::Aes256, passphrase);
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(bytes.len() / 2 + 1024)));
    zip.start_file(inner_name, options).map_err(zip_err)?;
    zip.write_all(bytes).map_err(|e| Error::io(out.display(), e))?;
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// Whether the file at `path` is a sealed export: a ZIP whose first entry
/// is encrypted. A missing or unreadable file is not.
pub fn is_sealed(path: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut magic = [0u8; 4];
    if f.read_exact(&mut magic).is_err() || magic != *b"PK\x03\x04" {
        return false;
    }
    let Ok(archive) = ZipArchive::new(std::io::BufReader::new(f)) else { return false };
    archive.len() == 1 && archive.by_index_data(0).is_ok_and(|e| e.encrypted())
}

/// Opens the sealed export at `path` with `passphrase`: the inner file's
/// name and bytes. A passphrase that does not open it is an
/// `invalid_input` error with field `passphrase` naming the file
/// ([`Error::is_wrong_passphrase`]); a file that is not a sealed export is
/// an `invalid_input` error naming the file.
pub fn open(path: &Path, passphrase: &str) -> Result<(String, Vec<u8>)> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io(&file, e))?;
    let not_sealed = |why: String| Error::invalid_at(format!("{file} is not a sealed Muster export ({why})"), Some(&file), None, None);
    let mut archive = ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| not_sealed(e.to_string()))?;
    if archive.len() != 1 {
        return Err(not_sealed(format!("it holds {} files, not one", archive.len())));
    }
    if !archive.by_index_data(0).is_ok_and(|e| e.encrypted()) {
        return Err(not_sealed("it is not encrypted".into()));
    }
    let wrong = || Error::invalid_at(format!("the passphrase does not open {file}"), Some(&file), None, Some("passphrase")).kind(ErrorKind::WrongPassphrase);
    let mut entry = match archive.by_index_decrypt(0, passphrase.as_bytes()) {
        Ok(e) => e,
        Err(zip::result::ZipError::InvalidPassword) => return Err(wrong()),
        Err(e) => return Err(not_sealed(e.to_string())),
    };
    let name = entry.name().map_err(|e| not_sealed(e.to_string()))?.into_owned();
    let mut bytes = Vec::with_capacity(entry.size().min(1 << 30) as usize);
    // The AES authentication code is checked at the end of the read: a
    // mismatch is a damaged file (or, once in 65,536 wrong passphrases, a
    // wrong one that passed the two-byte check).
    entry.read_to_end(&mut bytes).map_err(|e| {
        Error::invalid_at(format!("{file} is damaged or the passphrase is wrong ({e})"), Some(&file), None, Some("passphrase")).kind(ErrorKind::WrongPassphrase)
    })?;
    Ok((name, bytes))
}

/// Writes `bytes` to `path` through a temporary sibling that is fsynced and
/// renamed over it; nothing is left behind if writing fails.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = crate::store::sibling(path, &format!(".{}.part", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path.display(), e));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|f| f.sync_all());
    }
    Ok(())
}

/// Local wall-clock time for the ZIP entry (DOS time has no zone).
fn now() -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let t = chrono::Local::now();
    zip::DateTime::from_date_and_time(t.year() as u16, t.month() as u8, t.day() as u8, t.hour() as u8, t.minute() as u8, t.second() as u8)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_path_appends_zip_once() {
        assert_eq!(sealed_path(Path::new("/x/report.xlsx")), Path::new("/x/report.xlsx.zip"));
        assert_eq!(sealed_path(Path::new("/x/report.ZIP")), Path::new("/x/report.ZIP"));
        assert_eq!(sealed_path(Path::new("venue.muster")), Path::new("venue.muster.zip"));
    }

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let dir = std::env::temp_dir().join(format!("muster-seal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("名单.csv.zip");
        let secret = "王素梅,13812345678,110101199003078515".repeat(50);
        write(&out, "名单.csv", secret.as_bytes(), "correct horse").unwrap();
        let raw = std::fs::read(&out).unwrap();
        assert!(!raw.windows(11).any(|w| w == b"13812345678"));
        assert!(is_sealed(&out));
        let (name, bytes) = open(&out, "correct horse").unwrap();
        assert_eq!(name, "名单.csv");
        assert_eq!(bytes, secret.as_bytes());
        let err = open(&out, "wrong").unwrap_err();
        assert!(err.is_wrong_passphrase(), "{err}");
        assert!(err.to_string().contains("名单.csv.zip"), "{err}");
        // Nothing but the target is left in the folder.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let plain = dir.join("plain.csv");
        write_atomic(&plain, b"a,b\r\n").unwrap();
        assert!(!is_sealed(&plain));
        assert!(open(&plain, "x").unwrap_err().to_string().contains("not a sealed Muster export"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
