//! XLSForm import on arbitrary bytes: `forms::xlsform::read_bytes` must
//! return a form or an error naming the file, never panic.
#![no_main]

#[path = "../common/workbook.rs"]
mod workbook;

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: workbook::let_calamine_panics_unwind(),
    |data: &[u8]| {
        let _ = muster_core::forms::xlsform::read_bytes("form.xlsx", data);
    }
);
