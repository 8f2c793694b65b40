//! Roster import on arbitrary bytes: `import::read_roster_bytes` must
//! return a roster or an error, never panic. The first input byte picks the
//! file name the importer is told (`x`: `roster.xlsx`, anything else:
//! `roster.csv`); the rest is the file. The importer goes by content, so
//! both names meet CSV, XLSX, XLS and garbage alike.
#![no_main]

#[path = "../common/workbook.rs"]
mod workbook;
#[path = "../common/xls_guard.rs"]
#[allow(dead_code)]
mod xls_guard;

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: workbook::let_calamine_panics_unwind(),
    |data: &[u8]| {
        let Some((&pick, bytes)) = data.split_first() else { return };
        let name = if pick == b'x' { "roster.xlsx" } else { "roster.csv" };
        // calamine's known unbounded allocations are not findings: the app
        // reads workbooks in a child process under a memory limit.
        // The gate reads with calamine too, which may panic (caught, as
        // the importers catch it): a panicking gate turns the input away.
        if !std::panic::catch_unwind(|| xls_guard::check(bytes).is_ok()).unwrap_or(false) {
            return;
        }
        let _ = muster_core::import::read_roster_bytes(name, bytes, &mut |_, _| {});
    }
);
