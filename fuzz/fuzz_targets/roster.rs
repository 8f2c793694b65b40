//! Roster import on arbitrary bytes: `import::read_roster_bytes` must
//! return a roster or an error, never panic. The first input byte picks the
//! file name the importer is told (`x`: `roster.xlsx`, anything else:
//! `roster.csv`); the rest is the file. The importer goes by content, so
//! both names meet CSV, XLSX, XLS and garbage alike.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // libfuzzer-sys aborts on every panic, even a caught one. The importer
        // catches calamine's (upstream bugs on damaged workbooks, see
        // `import::table::calamine_guard`), so those may unwind quietly; any
        // other panic, or a calamine one that escapes, still aborts.
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("/calamine-")) {
                abort(info);
            }
        }));
    },
    |data: &[u8]| {
        if skip_xls(data) {
            return;
        }
        let Some((&pick, bytes)) = data.split_first() else { return };
        let name = if pick == b'x' { "roster.xlsx" } else { "roster.csv" };
        let _ = muster_core::import::read_roster_bytes(name, bytes, &mut |_, _| {});
    }
);

/// Excel 97-2003 (OLE) input is skipped unless `MUSTER_FUZZ_XLS=1`:
/// calamine 0.38 allocates without bound on damaged XLS files (a cyclic
/// sector chain, a cell range of billions of cells), which aborts the
/// process and cannot be caught; the inputs are in fuzz/known/. Set the
/// variable to check a calamine upgrade.
fn skip_xls(data: &[u8]) -> bool {
    static XLS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ole = data.iter().skip(1).take(8).eq(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    ole && !*XLS.get_or_init(|| std::env::var_os("MUSTER_FUZZ_XLS").is_some_and(|v| v == "1"))
}
