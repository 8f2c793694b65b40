//! What the two workbook targets (`roster`, `xlsform`) share: letting
//! calamine's caught panics unwind.

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
