//! Workbooks read in a child process (`import::isolate`): the files that
//! exhaust calamine's memory or crash it are refused while this process
//! goes on (with the reason when the file declares it: a far cell), and a
//! workbook with a large formatted range is read. Every test here names the reader binary (`MUSTER_WORKBOOK_READER`),
//! so the whole test binary reads workbooks the way the app and the CLI do.

use muster_core::forms::xlsform;
use muster_core::import::{self, isolate};
use muster_core::ErrorCode;
use std::path::Path;

fn reader() {
    std::env::set_var("MUSTER_WORKBOOK_READER", env!("CARGO_BIN_EXE_muster-workbook-reader"));
}

fn input(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(name)).unwrap()
}

const UNSAFE: &str = "could not be read safely (it would need more than 1 GB of memory, or it is damaged)";

#[test]
fn files_that_would_exhaust_memory_are_refused_by_the_child_and_this_process_survives() {
    reader();
    for name in ["calamine_cfb_chain_oom.xls", "calamine_xls_range_oom.xls", "calamine_ods_range_oom.ods"] {
        let bytes = input(name);
        let e = import::read_roster_bytes(name, &bytes, &mut |_, _| {}).expect_err(name);
        let p = e.to_payload();
        assert_eq!((p.code, p.file.as_deref()), (ErrorCode::InvalidInput, Some(name)), "{p:?}");
        assert!(p.message.starts_with(name) && p.message.contains(UNSAFE), "{name}: {}", p.message);
        assert_eq!(p.msg.map(|m| m.key), Some("file.unsafe".to_string()));
        let e = xlsform::read_bytes(name, &bytes).expect_err(name);
        assert!(e.to_payload().message.contains(UNSAFE) || e.to_payload().message.contains("not an XLSForm"), "{name}: {}", e.to_payload().message);
    }
}

#[test]
fn a_far_cell_that_the_guard_refused_is_read_in_the_child() {
    reader();
    // 19,999 rows × 256 columns: more than the in-process guard's 5,000,000 cells.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, (name, phone)) in [("姓名", "手机号"), ("李雷", "13812345678"), ("韩梅梅", "13912345678")].iter().enumerate() {
        ws.write_string(r as u32, 0, *name).unwrap();
        ws.write_string(r as u32, 1, *phone).unwrap();
    }
    ws.write_string(19_998, 255, " ").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let roster = import::read_roster_bytes("big.xlsx", &bytes, &mut |_, _| {}).expect("read in the child");
    assert_eq!(roster.rows.len(), 2, "{:?}", roster.rows);
}

#[test]
fn damaged_files_and_garbage_are_refused_with_the_file_named() {
    reader();
    for name in ["calamine_cfb_short_sector.xls", "calamine_read_assert.xls"] {
        let bytes = input(name);
        let p = import::read_roster_bytes(name, &bytes, &mut |_, _| {}).expect_err(name).to_payload();
        assert_eq!((p.code, p.file.as_deref()), (ErrorCode::InvalidInput, Some(name)), "{p:?}");
        assert!(p.message.contains("damaged") || p.message.contains(UNSAFE), "{name}: {}", p.message);
    }
    // A ZIP that is no workbook: said as before.
    let p = import::read_roster_bytes("x.xlsx", b"PK\x03\x04garbage", &mut |_, _| {}).expect_err("zip").to_payload();
    assert!(p.message.starts_with("x.xlsx is not a CSV or spreadsheet file"), "{}", p.message);
}

#[test]
fn a_reader_that_cannot_start_is_said_not_a_crash() {
    let r = isolate::read_with(Path::new("/nonexistent/muster"), b"PK\x03\x04");
    assert!(matches!(r, Err(isolate::Unread::Unsafe(_))), "{r:?}");
}

#[test]
fn an_old_xls_form_with_a_large_formatted_range_is_imported_through_the_child() {
    // 19,999 rows × 256 columns declared by formatted, empty-looking cells
    // (a blank and a lone space at IV19999) around three real rows: more
    // than the in-process guard's 5,000,000 cells, well under the child's
    // memory limit (calamine allocates the rectangle, about 160 MB).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xlsform/parity/xls_large_formatted_range.xls");
    let bytes = std::fs::read(&path).unwrap();
    reader();
    let form = xlsform::read_bytes("big.xls", &bytes).expect("read in the child");
    assert_eq!(form.keyed().map(|q| q.name.as_str()).collect::<Vec<_>>(), ["first", "age"]);
}

/// A stray cell in a far corner of an XLSX: the child runs out of memory
/// building A1:XFD1048576, this process survives and says why, naming the
/// sheet and the range, for the roster and for a form.
#[test]
fn a_far_cell_that_exhausts_the_child_is_explained() {
    reader();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("名单").unwrap();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(1, 0, "李雷").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let want = "far.xlsx: sheet '名单': its cells span A1:XFD1048576, 1,048,576 rows × 16,384 columns";
    let p = import::read_roster_bytes("far.xlsx", &bytes, &mut |_, _| {}).expect_err("roster").to_payload();
    assert!(p.message.starts_with(want), "{}", p.message);
    assert_eq!(p.msg.map(|m| m.key), Some("file.too_large".to_string()));
    let p = xlsform::read_bytes("far.xlsx", &bytes).expect_err("form").to_payload();
    assert!(p.message.starts_with(want), "{}", p.message);
    assert_eq!(p.file.as_deref(), Some("far.xlsx"));
}
