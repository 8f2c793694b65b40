//! XLSForm import on arbitrary bytes: `forms::xlsform::read_bytes` must
//! return a form or an error naming the file, never panic.
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
        // calamine's known unbounded allocations are not findings: the app
        // reads workbooks in a child process under a memory limit.
        // The gate reads with calamine too, which may panic (caught, as
        // the importers catch it): a panicking gate turns the input away.
        if !std::panic::catch_unwind(|| xls_guard::check(data).is_ok()).unwrap_or(false) {
            return;
        }
        let _ = muster_core::forms::xlsform::read_bytes("form.xlsx", data);
    }
);
