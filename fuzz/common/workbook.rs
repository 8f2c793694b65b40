//! What the two workbook targets (`roster`, `xlsform`) share: letting
//! calamine's caught panics unwind, and skipping damaged XLS input that
//! calamine cannot survive.

/// libfuzzer-sys aborts on every panic, even a caught one. The importers
/// catch calamine's (upstream bugs on damaged workbooks, see
/// `import::table::calamine_guard`), so those may unwind quietly; any
/// other panic, or a calamine one that escapes, still aborts.
pub fn let_calamine_panics_unwind() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.location().is_some_and(|l| l.file().contains("/calamine-")) {
            abort(info);
        }
    }));
}

/// Whether `file` is Excel 97-2003 (OLE) input to skip: skipped unless
/// `MUSTER_FUZZ_XLS=1`, since calamine 0.38 allocates without bound on
/// damaged XLS files (a cyclic sector chain, a cell range of billions of
/// cells), which aborts the process and cannot be caught; the inputs are in
/// fuzz/known/. Set the variable to check a calamine upgrade.
pub fn skip_xls(file: &[u8]) -> bool {
    static XLS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    file.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
        && !*XLS.get_or_init(|| std::env::var_os("MUSTER_FUZZ_XLS").is_some_and(|v| v == "1"))
}
